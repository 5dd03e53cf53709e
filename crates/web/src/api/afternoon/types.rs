//! The afternoon's request and response bodies, as the OpenAPI document describes them.

use super::super::{ErrorDetail, rfc3339, ymd};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yanshi_store::afternoon::Handover;

/// 点名 marks.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)]
pub enum RollStatusName {
    Present,
    Absent,
    AbsentFromSchool,
}

/// What became of a child not in the room.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)]
pub enum WhereaboutsName {
    Found,
    WentHomeWithGuardian,
    AbsentExcused,
    NotFound,
}

/// A child handed over (交接): to whom, how, by whom and when.
#[derive(Serialize, ToSchema)]
#[schema(as = Handover)]
pub struct HandoverOut {
    id: String,
    student_id: String,
    /// `YYYY-MM-DD`
    day: String,
    /// `PICKUP` or `SELF_LEAVE`.
    kind: String,
    adult_name: String,
    relationship: String,
    /// `QR`, `CODE`, `LIST`, `SELF_LEAVE` or `PAPER`.
    method: String,
    teacher: String,
    at: String,
    override_reason: Option<String>,
    request_id: String,
    /// Typed in afterwards from the paper sign-out sheet.
    entered_later: bool,
}

impl From<&Handover> for HandoverOut {
    fn from(h: &Handover) -> Self {
        HandoverOut {
            id: h.id.to_string(),
            student_id: h.student_id.to_string(),
            day: ymd(h.day),
            kind: h.kind.as_str().to_string(),
            adult_name: h.adult_name.clone(),
            relationship: h.relationship.clone(),
            method: h.method.as_str().to_string(),
            teacher: h.teacher.clone(),
            at: rfc3339(h.at),
            override_reason: h.override_reason.clone(),
            request_id: h.request_id.clone(),
            entered_later: h.entered_later,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClassRef {
    pub(super) id: String,
    pub(super) name: String,
}

/// An adult who may take the child, with their level (`NEVER` is a custody limit); never the phone.
#[derive(Serialize, ToSchema)]
pub struct DoorAdult {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) relationship: String,
    /// `ALWAYS`, `EMERGENCY_ONLY` or `NEVER`.
    pub(super) level: &'static str,
    pub(super) has_photo: bool,
}

/// One of the child's own confirmed guardians (监护人), who may take the child: send their id
/// as `guardian_id` to hand over. A guardian the pickup list names (a custody limit) is not here.
#[derive(Serialize, ToSchema)]
pub struct DoorGuardianOut {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) relationship: String,
}

#[derive(Serialize, ToSchema)]
pub struct UnaccountedOut {
    pub(super) outcome: Option<String>,
    pub(super) note: Option<String>,
}

/// A child on today's list of a class, as the teacher at the door sees them.
#[derive(Serialize, ToSchema)]
pub struct ChildToday {
    pub(super) student_id: String,
    pub(super) name: String,
    pub(super) expected: bool,
    pub(super) on_leave: bool,
    /// `PRESENT`, `ABSENT` or `ABSENT_FROM_SCHOOL` once marked.
    pub(super) roll: Option<String>,
    /// `HH:MM`
    pub(super) latest_pickup: String,
    pub(super) self_leave: bool,
    pub(super) handover: Option<HandoverOut>,
    /// The furthest late-pickup step (迟接) reached today.
    pub(super) late_step: Option<String>,
    pub(super) unaccounted: Option<UnaccountedOut>,
    pub(super) guardians: Vec<DoorGuardianOut>,
    pub(super) adults: Vec<DoorAdult>,
}

#[derive(Serialize, ToSchema)]
pub struct ClassToday {
    pub(super) class: ClassRef,
    pub(super) day: String,
    pub(super) children: Vec<ChildToday>,
}

#[derive(Deserialize, ToSchema)]
pub struct RollRequest {
    pub(super) student_id: String,
    #[schema(value_type = RollStatusName)]
    pub(super) status: String,
    #[serde(default)]
    pub(super) note: String,
}

#[derive(Serialize, ToSchema)]
pub struct RollMarked {
    pub(super) student_id: String,
    pub(super) day: String,
    #[schema(value_type = RollStatusName)]
    pub(super) roll: String,
}

#[derive(Deserialize, ToSchema)]
pub struct WhereaboutsRequest {
    pub(super) student_id: String,
    #[schema(value_type = WhereaboutsName)]
    pub(super) outcome: String,
    /// Required for NOT_FOUND: where the child was looked for.
    #[serde(default)]
    pub(super) note: String,
}

#[derive(Serialize, ToSchema)]
pub struct WhereaboutsRecorded {
    pub(super) student_id: String,
    #[schema(value_type = WhereaboutsName)]
    pub(super) outcome: &'static str,
}

/// A hand-over: an adult from the list, a pickup code, or the child leaving alone.
#[derive(Deserialize, ToSchema)]
pub struct HandoverBody {
    pub(crate) student_id: String,
    /// An adult picked from the child's list …
    pub(crate) adult_id: Option<String>,
    /// … or their personal pickup code (8 digits), typed or scanned …
    pub(crate) code: Option<String>,
    /// … or one of the child's own confirmed guardians (监护人), unless the pickup list names
    /// them with another level (a custody limit) …
    pub(crate) guardian_id: Option<String>,
    #[serde(default)]
    pub(crate) scanned: bool,
    /// … or the child leaves alone (only if the signed agreement allows it today).
    #[serde(default)]
    pub(crate) self_leave: bool,
    /// One per attempt: a retry with the same id returns the first result.
    #[schema(max_length = 64)]
    pub(crate) request_id: String,
    /// A school leader's reason to release to an EMERGENCY_ONLY adult.
    pub(crate) override_reason: Option<String>,
    /// `HH:MM`: typed in afterwards from the paper sign-out sheet.
    #[schema(example = "17:42")]
    pub(crate) paper_time: Option<String>,
}

/// What came of a hand-over: recorded (201), or why not (200).
#[derive(Serialize, ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum HandoverResult {
    Recorded {
        handover: HandoverOut,
    },
    /// Handed over already (by someone else, or by this same request earlier): who and when.
    AlreadyHandedOver {
        handover: HandoverOut,
        message: String,
    },
    /// An EMERGENCY_ONLY adult: a school leader must confirm with a reason.
    NeedsOverride {
        adult_name: String,
        message: String,
    },
    /// Refused: the adult may not take the child, or the child is not in care today (no adult named).
    Refused {
        #[serde(skip_serializing_if = "Option::is_none")]
        adult_name: Option<String>,
        /// A message key.
        reason: String,
        message: String,
    },
}

#[derive(Serialize, ToSchema)]
pub struct WeatherOut {
    /// `NONE`, `BLUE`, `YELLOW`, `ORANGE` or `RED`.
    pub(super) level: &'static str,
    pub(super) note: String,
    pub(super) self_leave_suspended: bool,
}

/// One class on the board, now.
#[derive(Serialize, ToSchema)]
pub struct BoardClass {
    pub(super) class_id: String,
    pub(super) class: String,
    pub(super) expected: usize,
    pub(super) present: usize,
    pub(super) on_leave: usize,
    pub(super) handed_over: usize,
    pub(super) in_care: usize,
    pub(super) unaccounted: usize,
    pub(super) late: usize,
    pub(super) unmarked: usize,
}

#[derive(Serialize, ToSchema)]
pub struct BoardOut {
    pub(super) day: String,
    pub(super) weather: Option<WeatherOut>,
    pub(super) classes: Vec<BoardClass>,
}

/// Someone who took (part of) the session, and for how long.
#[derive(Serialize, ToSchema)]
pub struct StaffLineOut {
    user_id: String,
    name: String,
    role: String,
    /// UTC milliseconds.
    from: i64,
    to: i64,
    minutes: u32,
}

/// How many children were where, as the day's data says.
#[derive(Serialize, ToSchema)]
pub struct DayCountsOut {
    expected: u32,
    present: u32,
    on_leave: u32,
    absent: u32,
    absent_from_school: u32,
    handed_over: u32,
    self_left: u32,
    left_early: u32,
    late_pickups: u32,
    incidents: u32,
    from_paper: u32,
    in_care: u32,
    unresolved: u32,
}

/// What the day's data says about a class's session: the record's body.
#[derive(Serialize, ToSchema)]
pub struct RecordFactsOut {
    class: String,
    classroom: Option<String>,
    /// `YYYY-MM-DD`
    day: String,
    start: String,
    end: String,
    content: Option<String>,
    content_note: String,
    staff: Vec<StaffLineOut>,
    counts: DayCountsOut,
    incidents: Vec<String>,
    late: Vec<String>,
    absent: Vec<String>,
}

impl From<yanshi_store::service_record::RecordFacts> for RecordFactsOut {
    fn from(f: yanshi_store::service_record::RecordFacts) -> Self {
        let c = f.counts;
        RecordFactsOut {
            class: f.class,
            classroom: f.classroom,
            day: ymd(f.day),
            start: f.start,
            end: f.end,
            content: f.content,
            content_note: f.content_note,
            staff: f
                .staff
                .into_iter()
                .map(|s| StaffLineOut {
                    user_id: s.user_id,
                    name: s.name,
                    role: s.role,
                    from: s.from,
                    to: s.to,
                    minutes: s.minutes,
                })
                .collect(),
            counts: DayCountsOut {
                expected: c.expected,
                present: c.present,
                on_leave: c.on_leave,
                absent: c.absent,
                absent_from_school: c.absent_from_school,
                handed_over: c.handed_over,
                self_left: c.self_left,
                left_early: c.left_early,
                late_pickups: c.late_pickups,
                incidents: c.incidents,
                from_paper: c.from_paper,
                in_care: c.in_care,
                unresolved: c.unresolved,
            },
            incidents: f.incidents,
            late: f.late,
            absent: f.absent,
        }
    }
}

/// A signature on a record (or the one just written).
#[derive(Serialize, ToSchema)]
pub struct RecordSigned {
    pub(super) name: String,
    pub(super) at: String,
    pub(super) sha256: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecordChecked {
    pub(super) by: String,
    pub(super) at: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecordCorrection {
    pub(super) text: String,
    pub(super) by: String,
    pub(super) at: String,
}

/// 延时服务记录 of a class for a day: the draft or the signed record with corrections.
#[derive(Serialize, ToSchema)]
pub struct ServiceRecordOut {
    pub(super) class_id: String,
    pub(super) day: String,
    pub(super) facts: RecordFactsOut,
    pub(super) notes: String,
    /// Send it back with the signature: a record that changed since is not signed.
    pub(super) text_sha256: String,
    pub(super) signed: Option<RecordSigned>,
    pub(super) checked: Option<RecordChecked>,
    pub(super) corrections: Vec<RecordCorrection>,
}

#[derive(Deserialize, ToSchema)]
pub struct RecordSignature {
    /// `YYYY-MM-DD` (default today).
    #[schema(example = "2026-12-01")]
    pub(super) day: Option<String>,
    /// The class teacher's own name.
    pub(super) name: String,
    /// `text_sha256` from GET …/record: refused if the record changed since it was read.
    pub(super) text_sha256: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct AbsencesBody {
    /// Student numbers of the children absent from school today.
    #[schema(max_items = 5000)]
    pub(super) student_numbers: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AbsencesMarked {
    pub(super) day: String,
    pub(super) marked: usize,
}

/// One wrong entry of an attendance list.
#[derive(Serialize, ToSchema)]
pub struct AbsenceProblem {
    /// 0-based position in `student_numbers`.
    pub(super) index: usize,
    pub(super) value: String,
    pub(super) code: String,
    pub(super) message: String,
}

/// The error envelope with every wrong entry listed.
#[derive(Serialize, ToSchema)]
pub struct AbsencesRefused {
    pub(super) error: ErrorDetail,
    /// Every wrong entry (absent when the request as a whole is refused).
    #[schema(required = false)]
    pub(super) problems: Vec<AbsenceProblem>,
}
