//! The afternoon over the JSON API: today's children of a class, roll call, what became of an
//! unaccounted child, the hand-over, the live board and the daily service record — the same
//! store calls and rules as the pages, for a school's own phone app or a gate scanner.

use super::{ApiJson, rfc3339};
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
use serde_json::{Value, json};
use time::Date;
use yanshi_domain::afternoon::{LateStep, RollStatus, Whereabouts};
use yanshi_domain::ids::ClassId;
use yanshi_domain::school_time::local;
use yanshi_store::afternoon::{Handover, HandoverOutcome};

fn handover_json(h: &Handover) -> Value {
    json!({
        "id": h.id.to_string(), "student_id": h.student_id.to_string(), "day": h.day.to_string(), "kind": h.kind.as_str(),
        "adult_name": h.adult_name, "relationship": h.relationship, "method": h.method.as_str(), "teacher": h.teacher,
        "at": rfc3339(h.at), "override_reason": h.override_reason, "request_id": h.request_id, "entered_later": h.entered_later,
    })
}

async fn today(state: &AppState, school: &yanshi_domain::ids::SchoolId) -> AppResult<Date> {
    let school = state.store.school(school).await?;
    Ok(local(state.clock.now(), &school.time_zone).date())
}

/// Today's children of a class as the teacher at the door sees them.
pub async fn class_today(State(state): State<AppState>, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Json<Value>> {
    let class = own_school_class(&state, &me, &id).await?;
    let day = today(&state, &class.school_id).await?;
    let children = state.store.class_day(&class.id, day).await?;
    crate::pages::afternoon::log_custody_limits(&state, &me, &class, &children, "api").await?;
    let children: Vec<Value> = children
        .into_iter()
        .map(|c| {
            json!({
                "student_id": c.student.id.to_string(), "name": c.student.name, "expected": c.expected, "on_leave": c.on_leave,
                "roll": c.roll.map(RollStatus::as_str), "latest_pickup": yanshi_domain::school::format_clock(c.terms.latest_pickup),
                "self_leave": c.terms.pickup_plan == yanshi_domain::enrolment::PickupPlan::SelfLeave,
                "handover": c.handover.as_ref().map(handover_json), "late_step": c.late_step.map(LateStep::as_str),
                "unaccounted": c.unaccounted.map(|u| json!({ "outcome": u.outcome.map(Whereabouts::as_str), "note": u.note })),
                // Who may take the child: the door needs the level (NEVER is a custody limit), never the phone.
                "adults": c.adults.iter().map(|a| json!({ "id": a.id.to_string(), "name": a.name, "relationship": a.relationship, "level": a.level.as_str(), "has_photo": a.has_photo })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(
        json!({ "class": { "id": class.id.to_string(), "name": class.name }, "day": day.to_string(), "children": children }),
    ))
}

#[derive(Deserialize)]
pub struct RollRequest {
    student_id: String,
    /// PRESENT, ABSENT or ABSENT_FROM_SCHOOL
    status: String,
    #[serde(default)]
    note: String,
}

/// 点名: one child present or absent.
pub async fn roll(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    ApiJson(r): ApiJson<RollRequest>,
) -> AppResult<Json<Value>> {
    let class = own_school_class(&state, &me, &id).await?;
    let student = child_of_class(&state, &class, &student_id(&r.student_id)?).await?;
    let day = today(&state, &class.school_id).await?;
    let status = RollStatus::parse(&r.status)?;
    state
        .store
        .mark_roll(&me.user, &student, day, status, &r.note, state.clock.now())
        .await?;
    Ok(Json(
        json!({ "student_id": student.id.to_string(), "day": day.to_string(), "roll": status.as_str() }),
    ))
}

#[derive(Deserialize)]
pub struct WhereaboutsRequest {
    student_id: String,
    /// FOUND, WENT_HOME_WITH_GUARDIAN, ABSENT_EXCUSED or NOT_FOUND
    outcome: String,
    #[serde(default)]
    note: String,
}

/// What became of a child not in the room; NOT_FOUND opens an incident.
pub async fn whereabouts(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    ApiJson(r): ApiJson<WhereaboutsRequest>,
) -> AppResult<Json<Value>> {
    let class = own_school_class(&state, &me, &id).await?;
    let student = child_of_class(&state, &class, &student_id(&r.student_id)?).await?;
    let day = today(&state, &class.school_id).await?;
    let outcome = Whereabouts::parse(&r.outcome)?;
    state
        .store
        .record_whereabouts(&me.user, &student, day, outcome, &r.note, state.clock.now())
        .await?;
    Ok(Json(json!({ "student_id": student.id.to_string(), "outcome": outcome.as_str() })))
}

#[derive(Deserialize)]
pub struct HandoverBody {
    student_id: String,
    /// An adult picked from the child's list …
    adult_id: Option<String>,
    /// … or their personal pickup code, typed or scanned …
    code: Option<String>,
    #[serde(default)]
    scanned: bool,
    /// … or the child leaves alone (only if the signed agreement allows it today).
    #[serde(default)]
    self_leave: bool,
    /// One per attempt: a retry with the same id returns the first result.
    request_id: String,
    /// A school leader's reason to release to an EMERGENCY_ONLY adult.
    override_reason: Option<String>,
    /// "17:42": typed in afterwards from the paper sign-out sheet.
    paper_time: Option<String>,
}

impl TryFrom<&HandoverBody> for HandoverInput {
    type Error = Unreadable;

    fn try_from(b: &HandoverBody) -> Result<Self, Unreadable> {
        HandoverInput::read(Sent {
            student: &b.student_id,
            code: b.code.as_deref(),
            adult: b.adult_id.as_deref(),
            self_leave: b.self_leave,
            scanned: b.scanned,
            request_id: &b.request_id,
            override_reason: b.override_reason.clone(),
            paper_time: b.paper_time.as_deref(),
        })
    }
}

/// 交接: hands a child over, or says why not. 201 when recorded, 200 with the outcome otherwise.
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
    Ok(match state.store.record_handover(&me.user, &req, now).await? {
        HandoverOutcome::Recorded(h) => (
            StatusCode::CREATED,
            Json(json!({ "outcome": "recorded", "handover": handover_json(&h) })),
        )
            .into_response(),
        HandoverOutcome::Already(h) => {
            Json(json!({ "outcome": "already_handed_over", "handover": handover_json(&h), "message": t.get("ui-already-handed-over") }))
                .into_response()
        }
        HandoverOutcome::NeedsOverride { adult_name } => {
            Json(json!({ "outcome": "needs_override", "adult_name": adult_name, "message": t.get("ui-needs-override") })).into_response()
        }
        HandoverOutcome::Refused { adult_name, reason } => {
            Json(json!({ "outcome": "refused", "adult_name": adult_name, "reason": reason, "message": t.get(reason) })).into_response()
        }
        // Too many wrong codes: 429 in the one error envelope, with its own message.
        HandoverOutcome::TooManyWrongCodes => {
            let body = json!({ "error": { "code": "too_many_attempts", "message": t.get("err-too-many-wrong-codes"), "field": "code" } });
            (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response()
        }
        // On leave or not at school today: refused whoever came, so no adult is named.
        HandoverOutcome::NotInCare { reason } => {
            Json(json!({ "outcome": "refused", "reason": reason, "message": t.get(reason) })).into_response()
        }
    })
}

/// 看板: every class of the school, now.
pub async fn board(State(state): State<AppState>, me: Me) -> AppResult<Json<Value>> {
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let day = today(&state, &school).await?;
    let rows: Vec<Value> = state
        .store
        .board(&school, day)
        .await?
        .into_iter()
        .map(|r| {
            json!({ "class_id": r.class.id.to_string(), "class": r.class.name, "expected": r.expected, "present": r.present, "on_leave": r.on_leave,
                    "handed_over": r.handed_over, "in_care": r.in_care, "unaccounted": r.unaccounted, "late": r.late, "unmarked": r.unmarked })
        })
        .collect();
    let weather = state.store.weather_alert(&school, day).await?;
    Ok(Json(json!({
        "day": day.to_string(),
        "weather": weather.map(|w| json!({ "level": w.level.as_str(), "note": w.note, "self_leave_suspended": w.level.suspends_self_leave() })),
        "classes": rows,
    })))
}

#[derive(Deserialize)]
pub struct DayQuery {
    day: Option<String>,
}

fn parse_day(day: Option<&str>, today: Date) -> AppResult<Date> {
    match day.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(today),
        Some(d) => yanshi_domain::calendar::parse_date(d).ok_or(AppError::Invalid(yanshi_domain::Invalid::new("day", "err-date"))),
    }
}

/// 延时服务记录: the day's record, drafted or signed.
pub async fn record(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<DayQuery>,
) -> AppResult<Json<Value>> {
    let class = own_school_class(&state, &me, &id).await?;
    let day = parse_day(q.day.as_deref(), today(&state, &class.school_id).await?)?;
    let r = state.store.service_record(&class, day).await?;
    let (_, text_sha256) = r.signing_text()?;
    Ok(Json(json!({
        "class_id": class.id.to_string(), "day": day.to_string(), "facts": r.facts, "notes": r.notes,
        // Send it back with the signature: a record that changed since is not signed.
        "text_sha256": text_sha256,
        "signed": r.signed.map(|s| json!({ "name": s.name, "at": rfc3339(s.at), "sha256": s.sha256 })),
        "checked": r.checked.map(|(who, at)| json!({ "by": who, "at": rfc3339(at) })),
        "corrections": r.corrections.iter().map(|c| json!({ "text": c.text, "by": c.by, "at": rfc3339(c.at) })).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
pub struct RecordSignature {
    day: Option<String>,
    /// The class teacher's own name.
    name: String,
    /// `text_sha256` from GET …/record: the record as read.
    text_sha256: Option<String>,
}

/// The class teacher signs the day's record; it locks and the day's workload is written.
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
        Json(json!({ "name": sig.name, "at": rfc3339(sig.at), "sha256": sig.sha256 })),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct AbsencesBody {
    /// Student numbers of the children absent from school today.
    student_numbers: Vec<String>,
}

/// 当天未到校 from another system's attendance list: all or nothing, every wrong entry listed.
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
        yanshi_store::afternoon::AbsenceImport::Marked(n) => Ok(Json(json!({ "day": day.to_string(), "marked": n })).into_response()),
        yanshi_store::afternoon::AbsenceImport::Refused(problems) => {
            let t = Tr(lang);
            let listed: Vec<Value> = problems
                .iter()
                .map(|(line, value, key)| json!({ "index": line - 1, "value": value, "code": key, "message": t.get(key) }))
                .collect();
            let body = json!({ "error": { "code": "invalid_input", "message": t.get("ui-absences-refused"), "field": "student_numbers" }, "problems": listed });
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
