//! The afternoon over the JSON API: today's children of a class, roll call, what became of an
//! unaccounted child, the hand-over, the live board and the daily service record — the same
//! store calls and rules as the pages, for a school's own phone app or a gate scanner.

mod types;

pub use types::*;

use super::{ApiJson, ErrorBody, ErrorDetail, rfc3339, ymd};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::pages::IdPath;
use crate::pages::afternoon::handover::{HandoverInput, Sent, Unreadable};
use crate::pages::afternoon::{child_of_class, own_school_class, student_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Date;
use utoipa::IntoParams;
use yanshi_domain::afternoon::{RollStatus, Whereabouts};
use yanshi_domain::ids::ClassId;
use yanshi_domain::school_time::local;
use yanshi_store::afternoon::HandoverOutcome;

async fn today(state: &AppState, school: &yanshi_domain::ids::SchoolId) -> AppResult<Date> {
    let school = state.store.school(school).await?;
    Ok(local(state.clock.now(), &school.time_zone).date())
}

/// Today's children of a class as the teacher at the door sees them.
#[utoipa::path(get, path = "/api/v1/classes/{id}/afternoon", operation_id = "get_class_afternoon", tag = "afternoon",
    summary = "Today's children of a class at the door: expected, roll, hand-over, late step, adults with their level (staff who run the afternoon)",
    params(("id" = String, Path, description = "the class's id (a UUID)")), security(("bearer" = [])),
    responses((status = 200, description = "today's children", body = ClassToday), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn class_today(State(state): State<AppState>, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Json<ClassToday>> {
    let class = own_school_class(&state, &me, &id).await?;
    let day = today(&state, &class.school_id).await?;
    let children = state.store.class_day(&class.id, day).await?;
    crate::pages::afternoon::log_custody_limits(&state, &me, &class, &children, "api").await?;
    let children = children
        .into_iter()
        .map(|c| ChildToday {
            student_id: c.student.id.to_string(),
            name: c.student.name,
            expected: c.expected,
            on_leave: c.on_leave,
            roll: c.roll.map(|r| r.as_str().to_string()),
            latest_pickup: yanshi_domain::school::format_clock(c.terms.latest_pickup),
            self_leave: c.terms.pickup_plan == yanshi_domain::enrolment::PickupPlan::SelfLeave,
            handover: c.handover.as_ref().map(HandoverOut::from),
            late_step: c.late_step.map(|s| s.as_str().to_string()),
            unaccounted: c.unaccounted.map(|u| UnaccountedOut {
                outcome: u.outcome.map(|o| o.as_str().to_string()),
                note: u.note,
            }),
            // Who may take the child: the door needs the level (NEVER is a custody limit), never the phone.
            guardians: c
                .guardians
                .into_iter()
                .map(|g| DoorGuardianOut {
                    id: g.id.to_string(),
                    name: g.name,
                    relationship: g.relationship,
                })
                .collect(),
            adults: c
                .adults
                .into_iter()
                .map(|a| DoorAdult {
                    id: a.id.to_string(),
                    name: a.name,
                    relationship: a.relationship,
                    level: a.level.as_str(),
                    has_photo: a.has_photo,
                })
                .collect(),
        })
        .collect();
    Ok(Json(ClassToday {
        class: ClassRef {
            id: class.id.to_string(),
            name: class.name,
        },
        day: ymd(day),
        children,
    }))
}

/// 点名: one child present or absent.
#[utoipa::path(post, path = "/api/v1/classes/{id}/roll", operation_id = "mark_roll", tag = "afternoon",
    summary = "点名: mark one child PRESENT, ABSENT or ABSENT_FROM_SCHOOL today; an expected child marked ABSENT alerts at once",
    params(("id" = String, Path, description = "the class's id (a UUID)")), request_body = RollRequest, security(("bearer" = [])),
    responses((status = 200, description = "marked", body = RollMarked), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn roll(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    ApiJson(r): ApiJson<RollRequest>,
) -> AppResult<Json<RollMarked>> {
    let class = own_school_class(&state, &me, &id).await?;
    let student = child_of_class(&state, &class, &student_id(&r.student_id)?).await?;
    let day = today(&state, &class.school_id).await?;
    let status = RollStatus::parse(&r.status)?;
    state
        .store
        .mark_roll(&me.user, &student, day, status, &r.note, state.clock.now())
        .await?;
    Ok(Json(RollMarked {
        student_id: student.id.to_string(),
        day: ymd(day),
        roll: r.status,
    }))
}

/// What became of a child not in the room; NOT_FOUND opens an incident.
#[utoipa::path(post, path = "/api/v1/classes/{id}/whereabouts", operation_id = "record_whereabouts", tag = "afternoon",
    params(("id" = String, Path, description = "the class's id (a UUID)")), request_body = WhereaboutsRequest, security(("bearer" = [])),
    responses((status = 200, description = "recorded", body = WhereaboutsRecorded), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn whereabouts(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    ApiJson(r): ApiJson<WhereaboutsRequest>,
) -> AppResult<Json<WhereaboutsRecorded>> {
    let class = own_school_class(&state, &me, &id).await?;
    let student = child_of_class(&state, &class, &student_id(&r.student_id)?).await?;
    let day = today(&state, &class.school_id).await?;
    let outcome = Whereabouts::parse(&r.outcome)?;
    state
        .store
        .record_whereabouts(&me.user, &student, day, outcome, &r.note, state.clock.now())
        .await?;
    Ok(Json(WhereaboutsRecorded {
        student_id: student.id.to_string(),
        outcome: outcome.as_str(),
    }))
}

impl TryFrom<&HandoverBody> for HandoverInput {
    type Error = Unreadable;

    fn try_from(b: &HandoverBody) -> Result<Self, Unreadable> {
        HandoverInput::read(Sent {
            student: &b.student_id,
            code: b.code.as_deref(),
            adult: b.adult_id.as_deref(),
            guardian: b.guardian_id.as_deref(),
            self_leave: b.self_leave,
            scanned: b.scanned,
            request_id: &b.request_id,
            override_reason: b.override_reason.clone(),
            paper_time: b.paper_time.as_deref(),
        })
    }
}

/// 交接: hands a child over, or says why not. 201 when recorded, 200 with the outcome otherwise.
#[utoipa::path(post, path = "/api/v1/handovers", operation_id = "create_handover", tag = "afternoon",
    summary = "交接: hand a child over today (201), or the outcome: already_handed_over (who and when), needs_override, refused; 429 after too many wrong pickup codes",
    request_body = HandoverBody, security(("bearer" = [])),
    responses((status = 201, description = "handed over", body = HandoverResult),
        (status = 200, description = "not handed over now: why", body = HandoverResult),
        (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn handover(State(state): State<AppState>, lang: Lang, me: Me, ApiJson(b): ApiJson<HandoverBody>) -> AppResult<Response> {
    let input = match HandoverInput::try_from(&b) {
        Ok(input) => input,
        Err(Unreadable::NoRequestId) => {
            return Err(AppError::Invalid(yanshi_domain::Invalid::new("request_id", "err-bad-json")));
        }
        Err(Unreadable::NotFound) => return Err(AppError::NotFound),
        Err(Unreadable::Invalid(i)) => return Err(AppError::Invalid(i)),
    };
    let student = state.store.student(&input.student).await?;
    if me.user.school_id.as_ref() != Some(&student.school_id) {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    let req = input.request(today(&state, &student.school_id).await?);
    let t = Tr(lang);
    let (status, result) = match state.store.record_handover(&me.user, &req, now).await? {
        HandoverOutcome::Recorded(h) => (StatusCode::CREATED, HandoverResult::Recorded { handover: (&h).into() }),
        HandoverOutcome::Already(h) => (
            StatusCode::OK,
            HandoverResult::AlreadyHandedOver {
                handover: (&h).into(),
                message: t.get("ui-already-handed-over").into(),
            },
        ),
        HandoverOutcome::NeedsOverride { adult_name } => (
            StatusCode::OK,
            HandoverResult::NeedsOverride {
                adult_name,
                message: t.get("ui-needs-override").into(),
            },
        ),
        HandoverOutcome::Refused { adult_name, reason } => (
            StatusCode::OK,
            HandoverResult::Refused {
                adult_name: Some(adult_name),
                reason: reason.into(),
                message: t.get(reason).into(),
            },
        ),
        // Too many wrong codes: 429 in the one error envelope, with its own message.
        HandoverOutcome::TooManyWrongCodes => {
            let body = ErrorBody {
                error: ErrorDetail::new("too_many_attempts", t.get("err-too-many-wrong-codes"), "code"),
            };
            return Ok((StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response());
        }
        // On leave or not at school today: refused whoever came, so no adult is named.
        HandoverOutcome::NotInCare { reason } => (
            StatusCode::OK,
            HandoverResult::Refused {
                adult_name: None,
                reason: reason.into(),
                message: t.get(reason).into(),
            },
        ),
    };
    Ok((status, Json(result)).into_response())
}

/// 看板: every class of the school, now.
#[utoipa::path(get, path = "/api/v1/board", operation_id = "get_board", tag = "afternoon",
    summary = "看板: every class with expected / present / handed over / in care / unaccounted / late, now",
    security(("bearer" = [])),
    responses((status = 200, description = "the board", body = BoardOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn board(State(state): State<AppState>, me: Me) -> AppResult<Json<BoardOut>> {
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let day = today(&state, &school).await?;
    let classes = state
        .store
        .board(&school, day)
        .await?
        .into_iter()
        .map(|r| BoardClass {
            class_id: r.class.id.to_string(),
            class: r.class.name,
            expected: r.expected,
            present: r.present,
            on_leave: r.on_leave,
            handed_over: r.handed_over,
            in_care: r.in_care,
            unaccounted: r.unaccounted,
            late: r.late,
            unmarked: r.unmarked,
        })
        .collect();
    let weather = state.store.weather_alert(&school, day).await?;
    Ok(Json(BoardOut {
        day: ymd(day),
        weather: weather.map(|w| WeatherOut {
            level: w.level.as_str(),
            note: w.note,
            self_leave_suspended: w.level.suspends_self_leave(),
        }),
        classes,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// `YYYY-MM-DD` (default today).
    day: Option<String>,
}

fn parse_day(day: Option<&str>, today: Date) -> AppResult<Date> {
    match day.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(today),
        Some(d) => yanshi_domain::calendar::parse_date(d).ok_or(AppError::Invalid(yanshi_domain::Invalid::new("day", "err-date"))),
    }
}

/// 延时服务记录: the day's record, drafted or signed.
#[utoipa::path(get, path = "/api/v1/classes/{id}/record", operation_id = "get_service_record", tag = "afternoon",
    summary = "延时服务记录 of a class for ?day= (default today): the draft or the signed record with corrections",
    params(("id" = String, Path, description = "the class's id (a UUID)"), DayQuery), security(("bearer" = [])),
    responses((status = 200, description = "the record", body = ServiceRecordOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<DayQuery>,
) -> AppResult<Json<ServiceRecordOut>> {
    let class = own_school_class(&state, &me, &id).await?;
    let day = parse_day(q.day.as_deref(), today(&state, &class.school_id).await?)?;
    let r = state.store.service_record(&class, day).await?;
    let (_, text_sha256) = r.signing_text()?;
    Ok(Json(ServiceRecordOut {
        class_id: class.id.to_string(),
        day: ymd(day),
        facts: r.facts.into(),
        notes: r.notes,
        text_sha256,
        signed: r.signed.map(|s| RecordSigned {
            name: s.name,
            at: rfc3339(s.at),
            sha256: s.sha256,
        }),
        checked: r.checked.map(|(by, at)| RecordChecked { by, at: rfc3339(at) }),
        corrections: r
            .corrections
            .into_iter()
            .map(|c| RecordCorrection {
                text: c.text,
                by: c.by,
                at: rfc3339(c.at),
            })
            .collect(),
    }))
}

/// The class teacher signs the day's record; it locks and the day's workload is written.
#[utoipa::path(post, path = "/api/v1/classes/{id}/record/signature", operation_id = "sign_service_record", tag = "afternoon",
    summary = "The class teacher signs the day's record under their own name; it locks and writes the day's workload",
    params(("id" = String, Path, description = "the class's id (a UUID)")), request_body = RecordSignature, security(("bearer" = [])),
    responses((status = 201, description = "signed", body = RecordSigned), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn sign_record(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    ApiJson(b): ApiJson<RecordSignature>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let day = parse_day(b.day.as_deref(), today(&state, &class.school_id).await?)?;
    let sig = state
        .store
        .sign_service_record(&me.user, &class, day, &b.name, b.text_sha256.as_deref(), state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RecordSigned {
            name: sig.name,
            at: rfc3339(sig.at),
            sha256: sig.sha256,
        }),
    )
        .into_response())
}

/// 当天未到校 from another system's attendance list: all or nothing, every wrong entry listed.
#[utoipa::path(post, path = "/api/v1/absences", operation_id = "import_absences", tag = "afternoon",
    summary = "当天未到校: student numbers absent from school today, from the attendance list; all or nothing, 422 lists every unknown number",
    request_body = AbsencesBody, security(("bearer" = [])),
    responses((status = 200, description = "marked", body = AbsencesMarked),
        (status = 422, description = "refused: every wrong entry", body = AbsencesRefused),
        (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn absences(State(state): State<AppState>, lang: Lang, me: Me, ApiJson(b): ApiJson<AbsencesBody>) -> AppResult<Response> {
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let day = today(&state, &school).await?;
    // One number a line, so problems name the position in the list (1-based).
    let text = b
        .student_numbers
        .iter()
        .map(|n| n.replace(['\n', '\r'], " "))
        .collect::<Vec<_>>()
        .join("\n");
    match state
        .store
        .import_absences(&me.user, &school, day, &text, state.clock.now())
        .await?
    {
        yanshi_store::afternoon::AbsenceImport::Marked(marked) => Ok(Json(AbsencesMarked { day: ymd(day), marked }).into_response()),
        yanshi_store::afternoon::AbsenceImport::Refused(problems) => {
            let t = Tr(lang);
            let problems = problems
                .into_iter()
                .map(|(line, value, key)| AbsenceProblem {
                    index: line.saturating_sub(1),
                    value,
                    code: key.into(),
                    message: t.get(key).into(),
                })
                .collect();
            let body = AbsencesRefused {
                error: ErrorDetail::new("invalid_input", t.get("ui-absences-refused"), "student_numbers"),
                problems,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HandoverBody;
    use crate::pages::afternoon::handover::{HandoverForm, HandoverInput, Unreadable};
    use yanshi_domain::Invalid;
    use yanshi_domain::afternoon::HandoverMethod;
    use yanshi_domain::ids::{PickupAdultId, StudentId};

    fn by_page(form: &[(&str, &str)]) -> Result<HandoverInput, Unreadable> {
        let f: HandoverForm = serde_urlencoded::from_str(&serde_urlencoded::to_string(form).unwrap()).unwrap();
        HandoverInput::try_from(&f)
    }

    fn by_api(body: serde_json::Value) -> Result<HandoverInput, Unreadable> {
        let b: HandoverBody = serde_json::from_value(body).unwrap();
        HandoverInput::try_from(&b)
    }

    /// The door's form and the API's body say the same hand-over the same way.
    #[test]
    fn the_form_and_the_json_body_read_as_one_hand_over() {
        let (student, adult) = (StudentId::new().to_string(), PickupAdultId::new().to_string());
        let (s, a) = (student.as_str(), adult.as_str());
        let listed = by_page(&[("student", s), ("adult", a), ("request_id", " r1 "), ("paper_time", "17:42")]).unwrap();
        assert_eq!(listed.method, HandoverMethod::List);
        assert_eq!(listed.request_id, "r1");
        assert_eq!(
            listed,
            by_api(serde_json::json!({ "student_id": s, "adult_id": a, "request_id": "r1", "paper_time": "17:42" })).unwrap()
        );
        // A typed code wins over a ticked adult; a scanned one is a QR hand-over.
        let scanned = by_page(&[
            ("student", s),
            ("adult", a),
            ("code", "1234 5678"),
            ("scanned", "yes"),
            ("request_id", "r2"),
        ]);
        assert_eq!(scanned.unwrap().method, HandoverMethod::Qr);
        let code = by_api(serde_json::json!({ "student_id": s, "code": "1234-5678", "request_id": "r2" })).unwrap();
        assert_eq!(code.method, HandoverMethod::Code);
        let alone = by_page(&[("student", s), ("self_leave", "yes"), ("request_id", "r3")]).unwrap();
        assert_eq!((alone.adult, alone.method), (None, HandoverMethod::SelfLeave));
        let alone = by_api(serde_json::json!({ "student_id": s, "self_leave": true, "request_id": "r3" })).unwrap();
        assert_eq!((alone.adult, alone.method), (None, HandoverMethod::SelfLeave));
    }

    #[test]
    fn what_cannot_be_a_hand_over_is_told_apart() {
        let student = StudentId::new().to_string();
        let s = student.as_str();
        let choose = Invalid::new("adult_id", "err-choose-adult");
        assert!(matches!(by_page(&[("student", s), ("request_id", "r")]), Err(Unreadable::Invalid(i)) if i == choose));
        assert!(matches!(by_api(serde_json::json!({ "student_id": s, "request_id": "r" })), Err(Unreadable::Invalid(i)) if i == choose));
        assert!(matches!(
            by_page(&[("student", s), ("self_leave", "yes")]),
            Err(Unreadable::NoRequestId)
        ));
        assert!(matches!(
            by_api(serde_json::json!({ "student_id": s, "self_leave": true, "request_id": " " })),
            Err(Unreadable::NoRequestId)
        ));
        assert!(matches!(
            by_page(&[("student", "x"), ("self_leave", "yes"), ("request_id", "r")]),
            Err(Unreadable::NotFound)
        ));
        assert!(matches!(
            by_api(serde_json::json!({ "student_id": s, "adult_id": "", "request_id": "r" })),
            Err(Unreadable::NotFound)
        ));
        let bad_code = by_page(&[("student", s), ("code", "12"), ("request_id", "r")]);
        assert!(matches!(bad_code, Err(Unreadable::Invalid(i)) if i.key == "err-pickup-code"));
        let bad_time = by_api(serde_json::json!({ "student_id": s, "self_leave": true, "request_id": "r", "paper_time": "25:99" }));
        assert!(matches!(bad_time, Err(Unreadable::Invalid(_))));
    }
}
