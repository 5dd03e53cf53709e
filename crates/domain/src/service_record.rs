//! 延时服务记录 — the daily service record of a class (DOMAIN §4.9), and the workload entries
//! (工作量, §4.12) its signature produces. The record is drafted from the day's data; the class
//! teacher adds notes and signs; a signed record is never changed, corrections are appended.
//! Pure rules here; the store keeps the record.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use time::Time;

/// How many children were where, as the day's data says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    /// Enrolled for this weekday, not on leave, not absent from school.
    pub expected: u32,
    pub present: u32,
    /// 请假: confirmed leave.
    pub on_leave: u32,
    /// Marked absent at roll call though expected (未到).
    pub absent: u32,
    /// Absent from school that day (not expected).
    pub absent_from_school: u32,
    /// Handed over to an adult, including those who left before the end time.
    pub handed_over: u32,
    /// Left alone under a signed self-leave permission.
    pub self_left: u32,
    /// Handed over before the session's end time (早接).
    pub left_early: u32,
    /// Still waiting past the end time at some point (迟接).
    pub late_pickups: u32,
    pub incidents: u32,
    /// Hand-overs typed in afterwards from the paper sheet.
    pub from_paper: u32,
    /// Expected children not handed over and not marked absent: still in the school's care.
    pub in_care: u32,
    /// Marked absent, with no outcome recorded yet.
    pub unresolved: u32,
}

/// Why a record cannot be signed yet: every child must be accounted for first.
pub fn may_sign(counts: &DayCounts) -> Result<(), Invalid> {
    if counts.in_care > 0 {
        return Err(Invalid::new("record", "err-record-children-in-care"));
    }
    if counts.unresolved > 0 {
        return Err(Invalid::new("record", "err-record-unresolved"));
    }
    Ok(())
}

/// The class teacher's notes: safety situation, hand-over notes, remarks.
pub fn notes(input: &str) -> Result<String, Invalid> {
    let text = input.trim().replace("\r\n", "\n");
    if text.chars().count() > 2000 {
        return Err(Invalid::new("notes", "err-text-too-long"));
    }
    Ok(text)
}

/// A correction appended to a signed record: it must say something.
pub fn correction(input: &str) -> Result<String, Invalid> {
    let text = input.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return Err(Invalid::new("correction", "err-record-correction-empty"));
    }
    if text.chars().count() > 2000 {
        return Err(Invalid::new("correction", "err-text-too-long"));
    }
    Ok(text)
}

/// The signer types their own name: no signing for others (§4.12).
pub fn own_name(typed: &str, display_name: &str) -> Result<(), Invalid> {
    let fold = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    if fold(typed).is_empty() || fold(typed) != fold(display_name) {
        return Err(Invalid::new("name", "err-record-own-name"));
    }
    Ok(())
}

crate::text_enum! {
    /// 工作量 role of a person in a session (§4.12).
    #[derive(Serialize, Deserialize)]
    pub enum WorkloadRole {
        /// 作业辅导: answering questions over homework.
        Tutor = "TUTOR",
        /// 看护: taking care of the class.
        Supervisor = "SUPERVISOR",
        /// 社团 teacher.
        ClubTeacher = "CLUB_TEACHER",
        /// Released children after the end time (the waiting room, the gate).
        Duty = "DUTY",
        Volunteer = "VOLUNTEER",
    }
    parse -> Option;
}

impl WorkloadRole {
    /// The session teacher's role follows what the session holds.
    pub fn for_content(content: &str) -> Self {
        match content {
            "作业辅导" => Self::Tutor,
            "社团" => Self::ClubTeacher,
            _ => Self::Supervisor,
        }
    }
}

/// When a session ended: when the last child left, never before it began. With no child handed
/// over (all absent), the session lasted no time.
pub fn session_end(start: Time, last_handover: Option<Time>) -> Time {
    last_handover.map_or(start, |t| t.max(start))
}

/// Whole minutes from `start` to `end` on one day (0 if `end` is not after `start`).
pub fn minutes_between(start: Time, end: Time) -> u32 {
    let d = end - start;
    if d.is_negative() { 0 } else { d.whole_minutes() as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::time;

    #[test]
    fn a_record_waits_until_every_child_is_accounted_for() {
        let mut c = DayCounts {
            expected: 30,
            present: 29,
            absent: 1,
            handed_over: 28,
            in_care: 1,
            unresolved: 1,
            ..DayCounts::default()
        };
        assert_eq!(may_sign(&c).unwrap_err().key, "err-record-children-in-care");
        c.in_care = 0;
        assert_eq!(may_sign(&c).unwrap_err().key, "err-record-unresolved");
        c.unresolved = 0;
        assert!(may_sign(&c).is_ok());
    }

    #[test]
    fn only_the_signers_own_name_signs() {
        assert!(own_name(" 王 老师", "王老师").is_ok());
        assert_eq!(own_name("李老师", "王老师").unwrap_err().key, "err-record-own-name");
        assert!(own_name("", "").is_err());
    }

    #[test]
    fn notes_and_corrections_are_bounded() {
        assert_eq!(notes("  一切正常\r\n ").unwrap(), "一切正常");
        assert!(notes(&"字".repeat(2001)).is_err());
        assert_eq!(correction("   ").unwrap_err().key, "err-record-correction-empty");
        assert!(correction("17:40 应为 17:45").is_ok());
    }

    #[test]
    fn a_session_lasts_until_the_last_child_leaves() {
        let start = time!(15:30);
        assert_eq!(session_end(start, Some(time!(18:12))), time!(18:12));
        assert_eq!(session_end(start, Some(time!(15:00))), start);
        assert_eq!(session_end(start, None), start);
        assert_eq!(minutes_between(start, time!(18:12)), 162);
        assert_eq!(minutes_between(time!(18:00), start), 0);
    }

    #[test]
    fn roles_round_trip_and_follow_the_content() {
        for r in [
            WorkloadRole::Tutor,
            WorkloadRole::Supervisor,
            WorkloadRole::ClubTeacher,
            WorkloadRole::Duty,
            WorkloadRole::Volunteer,
        ] {
            assert_eq!(WorkloadRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(WorkloadRole::for_content("作业辅导"), WorkloadRole::Tutor);
        assert_eq!(WorkloadRole::for_content("社团"), WorkloadRole::ClubTeacher);
        assert_eq!(WorkloadRole::for_content("文体活动"), WorkloadRole::Supervisor);
        assert_eq!(WorkloadRole::parse("PAYMENT"), None);
    }
}
