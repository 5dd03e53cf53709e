//! The audit log (审计日志): every state change leaves an entry, hash-chained per school so
//! that an edited, deleted or reordered row is found by `yanshi audit verify`.

use sha2::{Digest, Sha256};

/// The chain of the district itself (schools created, district admins), which has no school.
pub const DISTRICT_SCOPE: &str = "district";

/// The hash that stands before the first entry of every chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry as stored: the fields the hash covers, plus the hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// A school id, or [`DISTRICT_SCOPE`].
    pub scope: String,
    /// 1, 2, 3 … within the scope, without gaps.
    pub seq: i64,
    pub at_ms: i64,
    /// The account that acted, or `system` / `cli`.
    pub actor: String,
    /// What was done, `noun.verb` (`user.create`, `session.sign_in`).
    pub action: String,
    /// What it was done to (an id), or empty.
    pub subject: String,
    /// JSON details; never passwords, codes or ID numbers.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash of this entry over every field but `hash` itself, chained to `prev_hash`.
    /// Every field is length-prefixed so no two different entries hash the same input.
    pub fn computed_hash(&self) -> String {
        let mut h = Sha256::new();
        let (seq, at) = (self.seq.to_string(), self.at_ms.to_string());
        for part in [
            &self.prev_hash,
            &self.scope,
            &seq,
            &at,
            &self.actor,
            &self.action,
            &self.subject,
            &self.details,
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Where a chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// Entry `seq` is missing: the entries jump from `seq - 1` to a later one.
    Missing { seq: i64 },
    /// Entry `seq` does not link to the one before it (reordered, or the one before edited).
    Unlinked { seq: i64 },
    /// Entry `seq` was changed after it was written.
    Altered { seq: i64 },
    /// The chain ends before the head recorded for it: the last entries were deleted.
    Truncated { last_seq: i64, head_seq: i64 },
}

/// Walks one scope's entries in `seq` order and reports the first broken link.
/// `head` is the (seq, hash) the store recorded as the end of the chain.
pub fn verify_chain(entries: &[AuditEntry], head: Option<(i64, &str)>) -> Result<usize, Break> {
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    for e in entries {
        if e.seq != expected_seq {
            return Err(Break::Missing { seq: expected_seq });
        }
        if e.prev_hash != prev {
            return Err(Break::Unlinked { seq: e.seq });
        }
        if e.computed_hash() != e.hash {
            return Err(Break::Altered { seq: e.seq });
        }
        prev = e.hash.clone();
        expected_seq += 1;
    }
    let last_seq = expected_seq - 1;
    if let Some((head_seq, head_hash)) = head {
        if head_seq != last_seq {
            return Err(Break::Truncated { last_seq, head_seq });
        }
        if head_seq > 0 && head_hash != prev {
            return Err(Break::Altered { seq: head_seq });
        }
    }
    Ok(entries.len())
}

/// Every action the audit log records, by its stored name (`noun.verb`). The audit page shows
/// each in the reader's language; the store refuses, in debug builds, to write one not listed.
pub const ACTIONS: &[&str] = &[
    "duty.absence",
    "duty.absence_withdrawn",
    "duty.assign",
    "duty.cover",
    "duty.generate",
    "duty.limit",
    "duty.log",
    "duty.post",
    "duty.publish",
    "duty.remind",
    "duty.settings",
    "duty.swap_accepted",
    "duty.swap_approved",
    "duty.swap_declined",
    "duty.swap_lapsed",
    "duty.swap_proposed",
    "duty.swap_rejected",
    "duty.swap_withdrawn",
    "duty.unassign",
    "duty.unavailable",
    "duty.unavailable_withdrawn",
    "agreement.countersign",
    "agreement.guardian_sign",
    "agreement_template.save",
    "api_token.create",
    "calendar.add_override",
    "calendar.remove_override",
    "channel.create",
    "class.create",
    "class.create_standard",
    "class.set_teacher",
    "enrolment.cancel",
    "enrolment.change_terms",
    "enrolment.class_approve",
    "enrolment.class_reject",
    "enrolment.countersign",
    "enrolment.guardian_sign",
    "enrolment.save",
    "enrolment.school_approve",
    "enrolment.school_reject",
    "enrolment.submit",
    "enrolment.terminate",
    "enrolment.withdraw",
    "grade.set_director",
    "guardian.confirm",
    "guardian.link",
    "guardian.reject",
    "handover.record",
    "handover.refuse",
    "invitation.create",
    "invitation.create_for_class",
    "invitation.redeem",
    "late_pickup.decide",
    "late_pickup.escalate",
    "late_pickup.step",
    "leave.cancel",
    "leave.confirm",
    "leave.report",
    "notice.publish",
    "notice.send",
    "pay.correct",
    "pay.create_period",
    "pay.export",
    "pay.lock",
    "pay.set_rates",
    "pickup_adult.add",
    "pickup_adult.remove",
    "pickup_code.issue",
    "pickup_code.revoke",
    "place.create",
    "roll.mark",
    "roll.rest_present",
    "roll.undo",
    "roll_call.overdue",
    "roster.export",
    "roster.import_staff",
    "roster.import_students",
    "school.create",
    "school.set_leadership",
    "school.update_settings",
    "service_record.check",
    "service_record.correct",
    "service_record.notes",
    "service_record.sign",
    "session.sign_in",
    "session.sign_out",
    "session_plan.set",
    "staff.create",
    "staff.deactivate",
    "staff.link_account",
    "staff.reactivate",
    "student.set_sensitive",
    "survey.answer",
    "term.create",
    "unaccounted.raise",
    "unaccounted.resolve",
    "user.create",
    "user.disable",
    "user.enable",
    "user.enable_totp",
    "user.set_password",
    "volunteer.certify",
    "volunteer.check",
    "volunteer.register",
    "volunteer.set_validity",
    "weather.set",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    scope: "s".into(),
                    seq,
                    at_ms: 1000 * seq,
                    actor: "u".into(),
                    action: "user.create".into(),
                    subject: format!("x{seq}"),
                    details: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.computed_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn head(c: &[AuditEntry]) -> Option<(i64, &str)> {
        c.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify_chain(&c, head(&c)), Ok(5));
        assert_eq!(verify_chain(&[], None), Ok(0));
    }

    #[test]
    fn an_edit_is_found_at_its_row() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c[2].details = "{\"edited\":true}".into();
        assert_eq!(verify_chain(&c, Some((5, &h))), Err(Break::Altered { seq: 3 }));
    }

    #[test]
    fn a_deleted_row_is_found() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        c.remove(1);
        assert_eq!(verify_chain(&c, Some((5, &h))), Err(Break::Missing { seq: 2 }));
        let mut c = chain(5);
        c.pop();
        assert_eq!(verify_chain(&c, Some((5, &h))), Err(Break::Truncated { last_seq: 4, head_seq: 5 }));
    }

    #[test]
    fn reordered_rows_are_found() {
        let mut c = chain(5);
        let h = c[4].hash.clone();
        // Swap the contents of rows 2 and 3 but keep their seq numbers in order.
        let (a, b) = (c[1].clone(), c[2].clone());
        c[1] = AuditEntry { seq: 2, ..b };
        c[2] = AuditEntry { seq: 3, ..a };
        assert_eq!(verify_chain(&c, Some((5, &h))), Err(Break::Unlinked { seq: 2 }));
    }
}
