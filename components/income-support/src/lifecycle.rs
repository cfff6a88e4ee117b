//! An application's statuses and the only moves between them, so that no handler can put an
//! application into a state the process does not have.
//!
//! ```text
//! offered ──confirm──▶ submitted ──claim──▶ in-review ──decide──▶ approved ──pay──▶ paid
//!    │                                                    └──────▶ rejected
//!    └──withdraw──▶ withdrawn   (the household's other parent confirmed the same offer)
//! ```

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
            _ => None,
        }
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
            Offered, Submitted, InReview, Approved, Rejected, Paid, Withdrawn,
        ];
        let all_actions = [Confirm, Withdraw, Claim, Approve, Reject, Pay];
        let allowed = [
            (Offered, Confirm, Submitted),
            (Offered, Withdraw, Withdrawn),
            (Submitted, Claim, InReview),
            (InReview, Approve, Approved),
            (InReview, Reject, Rejected),
            (Approved, Pay, Paid),
        ];
        for status in all_statuses {
            for action in all_actions {
                let expected = allowed
                    .iter()
                    .find(|(s, a, _)| *s == status && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(status.after(action), expected, "{status:?} + {action:?}");
            }
        }
    }
}
