//! 换班 — a swap of duty turns: a teacher offers a published turn to a colleague (optionally
//! asking for one of theirs back), the colleague accepts or declines, the proposer may
//! withdraw, and a leader approves or rejects — unless the school lets accepted swaps stand.
//! A swap whose turn is past or gone lapses. Pure: the store reads the facts and writes the
//! state this module answers.

use crate::Invalid;

crate::text_enum! {
    /// Where a swap stands.
    pub enum SwapStatus {
        /// 待对方同意: offered, the colleague has not answered.
        Proposed = "PROPOSED" => "ui-duty-swap-proposed",
        /// 待领导批准: accepted, waiting for a leader.
        Accepted = "ACCEPTED" => "ui-duty-swap-accepted",
        /// 已生效: the roster changed.
        Approved = "APPROVED" => "ui-duty-swap-approved",
        Declined = "DECLINED" => "ui-duty-swap-declined",
        Withdrawn = "WITHDRAWN" => "ui-duty-swap-withdrawn",
        Rejected = "REJECTED" => "ui-duty-swap-rejected",
        /// 已失效: its turn is past, or a new roster replaced it.
        Lapsed = "LAPSED" => "ui-duty-swap-lapsed",
    }
    parse -> Option;
}

crate::text_enum! {
    /// What someone does to a swap (one route each).
    pub enum SwapStep {
        Accept = "ACCEPT",
        Decline = "DECLINE",
        Withdraw = "WITHDRAW",
        Approve = "APPROVE",
        Reject = "REJECT",
        /// Not a person's step: the turn is past or gone.
        Lapse = "LAPSE",
    }
    parse -> Option;
}

impl SwapStatus {
    /// Still waiting on someone.
    pub fn is_open(self) -> bool {
        matches!(self, SwapStatus::Proposed | SwapStatus::Accepted)
    }
}

/// Who is taking a step, as far as the swap is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SwapTaker {
    /// Offered the turn.
    pub proposer: bool,
    /// Was offered it.
    pub colleague: bool,
    /// A school leader (值班 is theirs to manage).
    pub leader: bool,
}

/// The state after `step`, or why not. `needs_leader` is the school's setting: without it an
/// acceptance applies the swap at once. A step that is not this person's is `err-duty-swap-not-yours`.
pub fn next(status: SwapStatus, step: SwapStep, who: SwapTaker, needs_leader: bool) -> Result<SwapStatus, Invalid> {
    use SwapStatus::*;
    let allowed = match step {
        SwapStep::Accept | SwapStep::Decline => who.colleague,
        SwapStep::Withdraw => who.proposer,
        SwapStep::Approve | SwapStep::Reject => who.leader,
        SwapStep::Lapse => true,
    };
    if !allowed {
        return Err(Invalid::new("swap", "err-duty-swap-not-yours"));
    }
    let to = match (status, step) {
        (Proposed, SwapStep::Accept) if needs_leader => Accepted,
        (Proposed, SwapStep::Accept) => Approved,
        (Proposed, SwapStep::Decline) => Declined,
        (Proposed | Accepted, SwapStep::Withdraw) => Withdrawn,
        (Accepted, SwapStep::Approve) => Approved,
        (Proposed | Accepted, SwapStep::Reject) => Rejected,
        (Proposed | Accepted, SwapStep::Lapse) => Lapsed,
        _ => return Err(Invalid::new("swap", "err-duty-swap-step")),
    };
    Ok(to)
}

/// Does reaching `to` change the roster (the turns change hands)?
pub fn applies(to: SwapStatus) -> bool {
    to == SwapStatus::Approved
}

/// A swap's note: optional, short.
pub fn note(text: &str) -> Result<&str, Invalid> {
    let t = text.trim();
    if t.chars().count() > 200 {
        return Err(Invalid::new("note", "err-duty-swap-note"));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use SwapStatus::*;

    const COLLEAGUE: SwapTaker = SwapTaker {
        proposer: false,
        colleague: true,
        leader: false,
    };
    const PROPOSER: SwapTaker = SwapTaker {
        proposer: true,
        colleague: false,
        leader: false,
    };
    const LEADER: SwapTaker = SwapTaker {
        proposer: false,
        colleague: false,
        leader: true,
    };

    #[test]
    fn a_swap_goes_from_proposed_through_accepted_to_approved() {
        assert_eq!(next(Proposed, SwapStep::Accept, COLLEAGUE, true), Ok(Accepted));
        assert_eq!(next(Accepted, SwapStep::Approve, LEADER, true), Ok(Approved));
        assert!(applies(Approved) && !applies(Accepted));
        // Without the leader's step, acceptance applies it at once.
        assert_eq!(next(Proposed, SwapStep::Accept, COLLEAGUE, false), Ok(Approved));
    }

    #[test]
    fn each_step_is_one_persons_and_ends_are_final() {
        assert_eq!(
            next(Proposed, SwapStep::Accept, PROPOSER, true).unwrap_err().key,
            "err-duty-swap-not-yours"
        );
        assert_eq!(
            next(Proposed, SwapStep::Withdraw, COLLEAGUE, true).unwrap_err().key,
            "err-duty-swap-not-yours"
        );
        assert_eq!(
            next(Accepted, SwapStep::Approve, COLLEAGUE, true).unwrap_err().key,
            "err-duty-swap-not-yours"
        );
        assert_eq!(
            next(Proposed, SwapStep::Approve, LEADER, true).unwrap_err().key,
            "err-duty-swap-step"
        );
        assert_eq!(next(Proposed, SwapStep::Decline, COLLEAGUE, true), Ok(Declined));
        assert_eq!(next(Accepted, SwapStep::Withdraw, PROPOSER, true), Ok(Withdrawn));
        assert_eq!(next(Accepted, SwapStep::Reject, LEADER, true), Ok(Rejected));
        assert_eq!(next(Accepted, SwapStep::Lapse, SwapTaker::default(), true), Ok(Lapsed));
        for end in [Approved, Declined, Withdrawn, Rejected, Lapsed] {
            assert!(!end.is_open());
            for step in SwapStep::ALL {
                let all = SwapTaker {
                    proposer: true,
                    colleague: true,
                    leader: true,
                };
                assert!(next(end, step, all, true).is_err(), "{end:?} {step:?}");
            }
        }
        assert!(note(&"长".repeat(201)).is_err());
        assert_eq!(note("  下周三有家长会 "), Ok("下周三有家长会"));
    }
}
