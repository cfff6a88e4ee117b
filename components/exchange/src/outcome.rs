//! What a component's response status does to the request's writes and events, on every host.

/// The fate of a request's unit of work, by the status the component answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 200-499, a domain's own refusals included: the writes and events are committed, with
    /// the idempotent answer, in one transaction.
    Commit,
    /// 100-199 and 500-599: everything is discarded, the key is freed, and the status is
    /// answered as it came.
    Discard,
    /// Anything else is not HTTP: everything is discarded and the host answers
    /// [`crate::refusal::COMPONENT_ANSWERED_INCORRECTLY`] (500).
    Fault,
}

impl Outcome {
    pub fn of(status: u16) -> Self {
        match status {
            200..=499 => Outcome::Commit,
            100..=599 => Outcome::Discard,
            _ => Outcome::Fault,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_commit_discard_or_fault() {
        for status in [200, 201, 204, 304, 400, 404, 409, 422, 499] {
            assert_eq!(Outcome::of(status), Outcome::Commit, "{status}");
        }
        for status in [100, 199, 500, 503, 599] {
            assert_eq!(Outcome::of(status), Outcome::Discard, "{status}");
        }
        for status in [0, 99, 600, 999, u16::MAX] {
            assert_eq!(Outcome::of(status), Outcome::Fault, "{status}");
        }
    }
}
