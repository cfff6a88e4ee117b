//! An application's statuses and the only moves between them, so that no handler can put an
//! application into a state the process does not have.
//!
//! ```text
//! offered ──confirm──▶ submitted ──claim──▶ in-review ──decide──▶ approved ──pay──▶ paid
//!    │                                                    └──────▶ rejected
//!    └──withdraw──▶ withdrawn   (the household's other parent confirmed the same offer)
//!
//! offered, submitted, in-review ──close──▶ closed   (the claimant died)
//! approved, paid ──end──▶ ended                     (the benefit stopped: the claimant died)
//! ```
//!
//! `closed` and `ended` are the platform's own moves (`by: "system"`), after the civil registry
//! reports the claimant's death: an application that can no longer be decided is closed, and a
//! granted benefit (approved, or already in payment) ends rather than being "closed", so that
//! its history still reads that it was granted, and was due until then (the arrears go to the
//! heirs). Both are final: nothing moves them again, so a death reported twice finds nothing
//! left to change.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Pre-filled by the platform after a life event; the citizen only confirms it.
    Offered,
    Submitted,
    InReview,
    Approved,
    Rejected,
    Paid,
    Withdrawn,
    /// Closed by the platform before a decision (the claimant died).
    Closed,
    /// A granted benefit stopped for good (the claimant died).
    Ended,
}

/// What someone does to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Confirm,
    Withdraw,
    Claim,
    Approve,
    Reject,
    Pay,
    /// The platform closes an application that can no longer be decided.
    Close,
    /// The platform stops a granted benefit, approved or in payment.
    End,
}

impl Status {
    /// The status `action` leads to from `self`, or `None` when the process forbids it.
    pub fn after(self, action: Action) -> Option<Status> {
        use Action::*;
        use Status::*;
        match (self, action) {
            (Offered, Confirm) => Some(Submitted),
            (Offered, Withdraw) => Some(Withdrawn),
            (Submitted, Claim) => Some(InReview),
            (InReview, Approve) => Some(Approved),
            (InReview, Reject) => Some(Rejected),
            (Approved, Pay) => Some(Paid),
            (Offered | Submitted | InReview, Close) => Some(Closed),
            (Approved | Paid, End) => Some(Ended),
            _ => None,
        }
    }

    /// Nothing moves the application any more (a benefit in payment is not final: it can end).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Rejected | Status::Withdrawn | Status::Closed | Status::Ended
        )
    }
}

/// One step of an application's history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub status: Status,
    pub at: String,
    /// `citizen:CF`, `intermediary:ORG`, `operator:ID` or `system`.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::Action::*;
    use super::Status::*;

    #[test]
    fn only_the_process_moves_are_allowed() {
        let all_statuses = [
            Offered, Submitted, InReview, Approved, Rejected, Paid, Withdrawn, Closed, Ended,
        ];
        let all_actions = [Confirm, Withdraw, Claim, Approve, Reject, Pay, Close, End];
        let allowed = [
            (Offered, Confirm, Submitted),
            (Offered, Withdraw, Withdrawn),
            (Submitted, Claim, InReview),
            (InReview, Approve, Approved),
            (InReview, Reject, Rejected),
            (Approved, Pay, Paid),
            (Offered, Close, Closed),
            (Submitted, Close, Closed),
            (InReview, Close, Closed),
            (Approved, End, Ended),
            (Paid, End, Ended),
        ];
        for status in all_statuses {
            for action in all_actions {
                let expected = allowed
                    .iter()
                    .find(|(s, a, _)| *s == status && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(status.after(action), expected, "{status:?} + {action:?}");
            }
            // A final status has no way out; every other one has.
            let moves = all_actions.iter().any(|a| status.after(*a).is_some());
            assert_eq!(status.is_final(), !moves, "{status:?}");
        }
    }
}
