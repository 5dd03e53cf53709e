//! The afternoon's rules (DOMAIN §3.2, §3.4, §3.5): who is expected at roll call, who may take a
//! child at the classroom door (交接), when a child may leave alone, and the late-pickup (迟接)
//! timeline. Pure functions; the store and pages of the afternoon build on them.

use crate::Invalid;
use crate::account::fold_full_width;
use crate::enrolment::{PickupPlan, Weekdays};
use crate::family::PickupLevel;
use time::{Duration, Time, Weekday};

/// A personal pickup code (接送码) of one authorized adult: 8 random digits, never derived from
/// an id, revocable. The QR code on the adult's phone carries the same digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupCode(String);

impl PickupCode {
    /// From 8 random bytes (the caller supplies the randomness).
    pub fn from_random(bytes: [u8; 8]) -> Self {
        Self(bytes.iter().map(|b| char::from(b'0' + b % 10)).collect())
    }

    /// As typed at the door: full-width digits, spaces and dashes allowed.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s: String = fold_full_width(input).chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if s.len() != 8 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::new("pickup_code", "err-pickup-code"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `1234 5678`, for reading aloud.
    pub fn grouped(&self) -> String {
        format!("{} {}", &self.0[..4], &self.0[4..])
    }
}

/// What the teacher at the door may do with the adult in front of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Hand the child over.
    Allowed,
    /// Only with a leader's override and a reason (EMERGENCY_ONLY).
    NeedsOverride,
    /// Never: NEVER (a custody limit) or an adult not on the child's list. Alert the duty leader.
    Refused,
}

/// The rule at the door: an adult's level on this child's list decides.
pub fn may_release(level: Option<PickupLevel>, leader_override: bool) -> Release {
    match level {
        Some(PickupLevel::Always) => Release::Allowed,
        Some(PickupLevel::EmergencyOnly) if leader_override => Release::Allowed,
        Some(PickupLevel::EmergencyOnly) => Release::NeedsOverride,
        Some(PickupLevel::Never) | None => Release::Refused,
    }
}

crate::text_enum! {
    /// How a child left the school's care at the door (交接).
    pub enum HandoverKind {
        /// Taken by an adult on the child's list.
        Pickup = "PICKUP",
        /// Left alone (自行离校), as the signed agreement allows.
        SelfLeave = "SELF_LEAVE",
    }
    parse -> Option;
}

crate::text_enum! {
    /// How the teacher at the door knew who was taking the child.
    pub enum HandoverMethod {
        /// The adult's pickup code scanned from their phone.
        Qr = "QR",
        /// The pickup code typed in.
        Code = "CODE",
        /// The adult picked from the child's list.
        List = "LIST",
        /// Nobody: the child left alone.
        SelfLeave = "SELF_LEAVE",
        /// Typed in afterwards from the paper sign-out sheet (纸质签退表补录).
        Paper = "PAPER",
    }
    parse -> Option;
}

/// Why nobody can take a child at the door today, whoever came: the child is not in the
/// school's care. Not a refused adult (no alert to the leaders — it is the teacher's mistake, or
/// a stale page): nothing is written and the guardian is told nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotInCare {
    /// 请假: a confirmed leave covers the day.
    OnLeave,
    /// 当天未到校: marked not at school that day. A wrong mark is corrected at roll call first.
    AbsentFromSchool,
}

impl NotInCare {
    /// The message key the door shows.
    pub fn key(self) -> &'static str {
        match self {
            Self::OnLeave => "err-handover-on-leave",
            Self::AbsentFromSchool => "err-handover-absent",
        }
    }
}

/// May a child be handed over at all today, from the facts of the day: confirmed leave and the
/// roll mark (PRESENT, ABSENT or ABSENT_FROM_SCHOOL). Leave is named first: correcting the roll
/// would not help a child on leave. A child marked ABSENT (未到, not in the room) is still the
/// school's to find and may be taken once found.
pub fn in_care_today(on_leave: bool, roll: Option<RollStatus>) -> Result<(), NotInCare> {
    if on_leave {
        Err(NotInCare::OnLeave)
    } else if roll == Some(RollStatus::AbsentFromSchool) {
        Err(NotInCare::AbsentFromSchool)
    } else {
        Ok(())
    }
}

/// 接送码 guessing: wrong codes allowed per teacher, and per child, within
/// [`WRONG_CODE_WINDOW_MINUTES`]. Beyond that no code is looked up for a while (the teacher picks
/// the adult from the child's list), and nothing is written for the leaders.
pub const WRONG_CODES_ALLOWED: i64 = 5;
pub const WRONG_CODE_WINDOW_MINUTES: i64 = 10;

/// Refusals of one child within this many minutes of the first make one alert to the leaders,
/// with a count they see on the afternoon page, instead of one message each.
pub const REFUSAL_ALERT_WINDOW_MINUTES: i64 = 10;

/// Is this code attempt one too many? The counts are the wrong or undecided code attempts in the
/// window, this one included.
pub fn too_many_wrong_codes(by_teacher: i64, for_child: i64) -> bool {
    by_teacher > WRONG_CODES_ALLOWED || for_child > WRONG_CODES_ALLOWED
}

/// A child may leave alone only when the signed agreement says so for this weekday, and no
/// weather warning suspends it (DOMAIN §3.5).
pub fn may_leave_alone(plan: PickupPlan, days: Weekdays, day: Weekday, weather_warning: bool) -> bool {
    plan == PickupPlan::SelfLeave && days.contains(day) && !weather_warning
}

crate::text_enum! {
    /// 值班领导决定 — what the duty leader decides for a child still not picked up an hour after the
    /// end (DOMAIN §3.4). Whatever it is, the child is never sent home alone: only a hand-over ends it.
    pub enum LateDecision {
        /// A guardian was reached and is on the way.
        GuardianReached = "GUARDIAN_REACHED" => "ui-decision-guardian-reached",
        /// No contact yet: keep waiting with the duty teacher and keep calling.
        KeepWaiting = "KEEP_WAITING" => "ui-decision-keep-waiting",
        /// Ask the local police station (派出所) for help.
        AskPolice = "ASK_POLICE" => "ui-decision-ask-police",
    }
    parse -> Invalid("decision", "err-late-decision");
}

crate::text_enum! {
    /// 天气预警 — the weather warning level in force for a school (DOMAIN §6.3).
    #[derive(PartialOrd, Ord)]
    pub enum WeatherLevel {
        None = "NONE" => "ui-weather-none",
        Blue = "BLUE" => "ui-weather-blue",
        Yellow = "YELLOW" => "ui-weather-yellow",
        Orange = "ORANGE" => "ui-weather-orange",
        Red = "RED" => "ui-weather-red",
    }
    parse -> Invalid("level", "err-weather-level");
}

impl WeatherLevel {
    /// 橙色 and above: no child leaves alone; guardians are told to pick their child up.
    pub fn suspends_self_leave(self) -> bool {
        self >= Self::Orange
    }
}

/// Whether a child is expected at roll call: enrolled for this weekday, not on leave, not absent
/// from school that day.
pub fn expected(days: Weekdays, day: Weekday, on_leave: bool, absent_from_school: bool) -> bool {
    days.contains(day) && !on_leave && !absent_from_school
}

/// What a session of a class holds (活动内容), from the plan's list. 不上课、不集中辅导、不加重课业负担:
/// there is deliberately no "new lesson" among them.
pub const SESSION_CONTENTS: [&str; 11] = [
    "语文阅读",
    "趣味数学",
    "英语天地",
    "作业辅导",
    "自主阅读",
    "德育",
    "文体活动",
    "科技制作",
    "社会实践",
    "社团",
    "其他",
];

/// Words that say a session would be a lesson or group tutoring — flagged for the leaders on the
/// plan and the afternoon pages, not refused (a teacher may describe reviewing homework).
const LESSON_WORDS: [&str; 9] = ["上新课", "新课", "讲新", "集体补课", "补课", "集中辅导", "集中讲授", "考试", "测验"];

/// Whether a session's content or description looks like a lesson (上新课、集体补课 …).
pub fn looks_like_a_lesson(content: &str, note: &str) -> bool {
    LESSON_WORDS.iter().any(|w| content.contains(w) || note.contains(w))
}

/// A session plan's content: one of the list, or a short description under 其他.
pub fn session_content(content: &str) -> Result<&'static str, Invalid> {
    SESSION_CONTENTS
        .into_iter()
        .find(|c| *c == content.trim())
        .ok_or_else(|| Invalid::new("content", "err-session-content"))
}

crate::text_enum! {
    /// What became of an unaccounted child (expected, not present, not on leave), recorded by the
    /// teacher. `NotFound` opens an incident that leaders see at once.
    pub enum Whereabouts {
        /// Found (in the school, at another activity …).
        Found = "FOUND",
        /// Went home earlier with a guardian.
        WentHomeWithGuardian = "WENT_HOME_WITH_GUARDIAN",
        /// Absent, and the guardian has excused it.
        AbsentExcused = "ABSENT_EXCUSED",
        /// Not found: an incident.
        NotFound = "NOT_FOUND",
    }
    parse -> Invalid("outcome", "err-whereabouts");
}

crate::text_enum! {
    /// 点名 — a child's mark at roll call. A later mark replaces an earlier one.
    pub enum RollStatus {
        /// 到: in the room.
        Present = "PRESENT" => "ui-present",
        /// 未到: expected but not in the room — still the school's to find.
        Absent = "ABSENT" => "ui-absent",
        /// 当天未到校: not at school at all that day (the school's attendance list).
        AbsentFromSchool = "ABSENT_FROM_SCHOOL" => "ui-absent-from-school",
    }
    parse -> Invalid("status", "err-roll-status");
}

/// A child marked absent at roll call is unaccounted when they were expected: the class teacher,
/// the duty leader and the guardians are alerted at once.
pub fn unaccounted(expected: bool, roll: RollStatus) -> bool {
    expected && roll == RollStatus::Absent
}

crate::text_enum! {
    /// The steps of a late pickup, in order (DOMAIN §3.4), under the names they are stored by.
    #[derive(PartialOrd, Ord)]
    pub enum LateStep {
        /// At the end time: the child is awaiting pickup; every guardian is told at once.
        NotifyGuardians = "NOTIFY_GUARDIANS",
        /// +10 min: the teacher phones the guardians and pickup adults (a call list).
        CallList = "CALL_LIST",
        /// +wait (default 30 min): to the waiting room under the duty teacher; the duty leader is alerted.
        WaitingRoom = "WAITING_ROOM",
        /// +2 × wait (default 60 min): the duty leader records a decision. Never sent home alone.
        LeaderDecision = "LEADER_DECISION",
    }
    parse -> Option;
}

/// Minutes after the service starts (dismissal) by which every expected child must have been
/// marked at roll call (点名); after that the class teacher and the leaders are alerted.
pub const ROLL_CALL_GRACE_MINUTES: i64 = 15;

/// Is the roll call of a session that started at `start` overdue at `now`?
pub fn roll_call_overdue(start: Time, now: Time) -> bool {
    now >= start + Duration::minutes(ROLL_CALL_GRACE_MINUTES)
}

/// Minutes before a grade's service starts (dismissal) from which the door takes roll call and
/// hand-overs: the children come from their last lesson a little before the bell.
pub const DOOR_OPENS_MINUTES_BEFORE: i64 = 15;

/// When the door opens for a session that starts at `start` (never before midnight).
pub fn door_opens(start: Time) -> Time {
    let before = Duration::minutes(DOOR_OPENS_MINUTES_BEFORE);
    if start - Time::MIDNIGHT < before {
        Time::MIDNIGHT
    } else {
        start - before
    }
}

/// Roll call and hand-over at `now`, for a session that starts at `start`: earlier, the child is
/// still in the school day (a hand-over then would record an after-school session of 0 minutes).
pub fn door_open(start: Time, now: Time) -> bool {
    now >= door_opens(start)
}

/// The steps due at `now` for a child still not handed over after `end`.
pub fn late_steps_due(end: Time, now: Time, wait_minutes: u16) -> Vec<LateStep> {
    if now < end {
        return Vec::new();
    }
    let waited = now - end;
    let wait = Duration::minutes(wait_minutes as i64);
    [
        (Duration::ZERO, LateStep::NotifyGuardians),
        (Duration::minutes(10), LateStep::CallList),
        (wait, LateStep::WaitingRoom),
        (wait * 2, LateStep::LeaderDecision),
    ]
    .into_iter()
    .filter(|(at, _)| waited >= *at)
    .map(|(_, step)| step)
    .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_door_opens_a_quarter_hour_before_the_service() {
        use time::macros::time;
        assert_eq!(door_opens(time!(16:10)), time!(15:55));
        assert!(!door_open(time!(16:10), time!(13:38)));
        assert!(!door_open(time!(16:10), time!(15:54)));
        assert!(door_open(time!(16:10), time!(15:55)));
        assert!(door_open(time!(16:10), time!(17:30)));
        assert_eq!(door_opens(time!(00:05)), time!(00:00));
    }

    use super::*;

    #[test]
    fn orange_and_red_warnings_suspend_leaving_alone() {
        let suspends: Vec<_> = WeatherLevel::ALL.into_iter().filter(|l| l.suspends_self_leave()).collect();
        assert_eq!(suspends, [WeatherLevel::Orange, WeatherLevel::Red]);
        for l in WeatherLevel::ALL {
            assert_eq!(WeatherLevel::parse(l.as_str()), Ok(l));
        }
        assert!(WeatherLevel::parse("PURPLE").is_err());
    }

    #[test]
    fn the_roll_is_due_a_quarter_of_an_hour_after_dismissal() {
        use time::macros::time;
        assert!(!roll_call_overdue(time!(16:10), time!(16:24)));
        assert!(roll_call_overdue(time!(16:10), time!(16:25)));
    }

    #[test]
    fn a_session_that_would_be_a_lesson_is_flagged() {
        assert!(!looks_like_a_lesson("作业辅导", "完成当天书面作业，教师答疑"));
        assert!(looks_like_a_lesson("其他", "数学上新课：分数的初步认识"));
        assert!(looks_like_a_lesson("趣味数学", "全班集体补课"));
        assert_eq!(session_content(" 社团 "), Ok("社团"));
        assert!(session_content("新课").is_err());
    }

    #[test]
    fn an_expected_child_marked_absent_is_unaccounted() {
        assert!(unaccounted(true, RollStatus::Absent));
        assert!(!unaccounted(false, RollStatus::Absent), "on leave or not enrolled that day");
        assert!(!unaccounted(true, RollStatus::Present));
        assert!(!unaccounted(true, RollStatus::AbsentFromSchool));
        for w in Whereabouts::ALL {
            assert_eq!(Whereabouts::parse(w.as_str()), Ok(w));
        }
        assert!(Whereabouts::parse("LOST").is_err());
    }
    use time::macros::time;

    #[test]
    fn pickup_codes_are_eight_digits_and_forgiving_to_type() {
        let c = PickupCode::from_random([0, 9, 10, 255, 7, 3, 99, 42]);
        assert_eq!(c.as_str(), "09057392");
        assert_eq!(PickupCode::parse("０９０５ 7392").unwrap(), c);
        assert_eq!(c.grouped(), "0905 7392");
        assert!(PickupCode::parse("1234567").is_err());
        assert!(PickupCode::parse("1234567a").is_err());
    }

    #[test]
    fn the_level_decides_at_the_door() {
        assert_eq!(may_release(Some(PickupLevel::Always), false), Release::Allowed);
        assert_eq!(may_release(Some(PickupLevel::EmergencyOnly), false), Release::NeedsOverride);
        assert_eq!(may_release(Some(PickupLevel::EmergencyOnly), true), Release::Allowed);
        assert_eq!(
            may_release(Some(PickupLevel::Never), true),
            Release::Refused,
            "no override lifts a custody limit"
        );
        assert_eq!(may_release(None, true), Release::Refused, "an adult not on the list");
    }

    #[test]
    fn a_child_on_leave_or_not_at_school_is_nobodys_to_take() {
        assert_eq!(in_care_today(false, None), Ok(()));
        assert_eq!(in_care_today(false, Some(RollStatus::Present)), Ok(()));
        assert_eq!(in_care_today(false, Some(RollStatus::Absent)), Ok(()), "未到: found, then taken");
        assert_eq!(in_care_today(true, Some(RollStatus::Present)), Err(NotInCare::OnLeave));
        assert_eq!(
            in_care_today(false, Some(RollStatus::AbsentFromSchool)),
            Err(NotInCare::AbsentFromSchool)
        );
        assert_eq!(
            in_care_today(true, Some(RollStatus::AbsentFromSchool)),
            Err(NotInCare::OnLeave),
            "leave first: a corrected roll would not help"
        );
        assert_eq!(NotInCare::OnLeave.key(), "err-handover-on-leave");
        assert_eq!(NotInCare::AbsentFromSchool.key(), "err-handover-absent");
    }

    #[test]
    fn five_wrong_codes_per_teacher_and_per_child_then_the_list() {
        assert!(!too_many_wrong_codes(1, 1));
        assert!(!too_many_wrong_codes(5, 5), "the fifth is still looked up");
        assert!(too_many_wrong_codes(6, 1), "per teacher");
        assert!(too_many_wrong_codes(1, 6), "per child, whoever types");
    }

    #[test]
    fn leaving_alone_needs_the_agreement_the_day_and_fair_weather() {
        let days = Weekdays::from_numbers(&[1, 3]).unwrap();
        assert!(may_leave_alone(PickupPlan::SelfLeave, days, Weekday::Monday, false));
        assert!(!may_leave_alone(PickupPlan::SelfLeave, days, Weekday::Tuesday, false));
        assert!(!may_leave_alone(PickupPlan::SelfLeave, days, Weekday::Monday, true));
        assert!(!may_leave_alone(PickupPlan::ByAdults, days, Weekday::Monday, false));
    }

    #[test]
    fn who_is_expected() {
        let days = Weekdays::from_numbers(&[1, 2, 3, 4, 5]).unwrap();
        assert!(expected(days, Weekday::Friday, false, false));
        assert!(!expected(days, Weekday::Friday, true, false));
        assert!(!expected(days, Weekday::Friday, false, true));
        assert!(!expected(Weekdays::from_numbers(&[1]).unwrap(), Weekday::Friday, false, false));
    }

    #[test]
    fn the_late_pickup_timeline() {
        let end = time!(18:00);
        assert!(late_steps_due(end, time!(17:59), 30).is_empty());
        assert_eq!(late_steps_due(end, time!(18:00), 30), vec![LateStep::NotifyGuardians]);
        assert_eq!(
            late_steps_due(end, time!(18:10), 30),
            vec![LateStep::NotifyGuardians, LateStep::CallList]
        );
        assert_eq!(late_steps_due(end, time!(18:30), 30).last(), Some(&LateStep::WaitingRoom));
        assert_eq!(late_steps_due(end, time!(19:00), 30).last(), Some(&LateStep::LeaderDecision));
        assert_eq!(
            late_steps_due(end, time!(18:40), 20).last(),
            Some(&LateStep::LeaderDecision),
            "the school's own wait"
        );
    }
}
