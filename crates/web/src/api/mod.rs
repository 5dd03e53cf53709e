//! The JSON API under `/api/v1`, for non-browser clients with bearer tokens. Conventions are
//! written down in `docs/API.md`: snake_case, RFC 3339 UTC times, one error envelope.

pub mod afternoon;
pub mod openapi;

use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::admin::{NewStaffForm, new_staff};
use crate::pages::login::{CodeCheck, PasswordCheck, check_code, check_password};
use crate::pages::{ClientIp, resolve_school};
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use yanshi_domain::account::Login;
use yanshi_domain::policy::Action;
use yanshi_domain::school_time::DEFAULT_TIME_ZONE;
use yanshi_store::{Actor, User};

/// `axum::Json` whose rejection (malformed JSON, wrong content type) is one of ours.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .is_some_and(|v| v.starts_with("application/json") || v.split(';').next().is_some_and(|m| m.trim().ends_with("+json")));
        if !json {
            return Err(crate::error::rejection(StatusCode::UNSUPPORTED_MEDIA_TYPE, "err-bad-json"));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| crate::error::rejection(r.status(), "err-bad-json"))?;
        // A NUL character is never meant (PostgreSQL cannot store it in text).
        if json_has_nul(&bytes) {
            return Err(AppError::BadRequest("err-bad-json"));
        }
        Json::<T>::from_bytes(&bytes)
            .map(|j| ApiJson(j.0))
            .map_err(|r| crate::error::rejection(r.status(), "err-bad-json"))
    }
}

/// Whether a JSON text holds a NUL character: raw, or as the escape `\u0000` (and not a
/// typed backslash followed by "u0000", which JSON writes as `\\u0000`).
fn json_has_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0 => return true,
            b'\\' => {
                if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                    return true;
                }
                // Skip the escaped character, so `\\` never starts a second escape.
                i += 2;
            }
            _ => i += 1,
        }
    }
    false
}

#[derive(Serialize)]
pub struct UserOut {
    id: String,
    role: &'static str,
    display_name: String,
    username: Option<String>,
    phone: Option<String>,
    school_id: Option<String>,
    two_factor: bool,
    disabled: bool,
}

impl UserOut {
    /// `full_phone`: whether the reader may see the whole number (admins, the person themself).
    fn from(u: &User, full_phone: bool) -> Self {
        UserOut {
            id: u.id.to_string(),
            role: u.role.as_str(),
            display_name: u.display_name.clone(),
            username: u.username.clone(),
            phone: if full_phone { u.phone.clone() } else { u.masked_phone() },
            school_id: u.school_id.as_ref().map(ToString::to_string),
            two_factor: u.totp_enabled,
            disabled: u.disabled,
        }
    }
}

#[derive(Deserialize)]
pub struct TokenRequest {
    login: String,
    password: String,
    totp_code: Option<String>,
}

pub async fn create_token(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(r): ApiJson<TokenRequest>) -> AppResult<Response> {
    let login = Login::parse(&r.login)?;
    let user = match check_password(&state, &login, &r.password, &ip).await? {
        PasswordCheck::Ok(u) => *u,
        PasswordCheck::Wrong => return Err(AppError::Unauthenticated),
        PasswordCheck::Throttled => return Err(AppError::TooManyAttempts),
    };
    if user.totp_enabled {
        // No code is no guess: it is asked for, not counted.
        let Some(code) = r.totp_code.as_deref() else {
            return Err(AppError::Invalid(yanshi_domain::Invalid::new("totp_code", "err-code-wrong")));
        };
        match check_code(&state, &user, code, &ip).await? {
            CodeCheck::Ok => {}
            CodeCheck::Wrong => {
                return Err(AppError::Invalid(yanshi_domain::Invalid::new("totp_code", "err-code-wrong")));
            }
            CodeCheck::Throttled => return Err(AppError::TooManyAttempts),
        }
    } else if user.role.requires_two_factor() {
        // Set up in the browser first: an admin never holds a token without a second factor.
        return Err(AppError::Invalid(yanshi_domain::Invalid::new(
            "totp_code",
            "err-two-factor-required",
        )));
    }
    // Tokens live on real time, also in a rehearsal: one issued under a pretend clock in the
    // past would be born expired.
    let token = state
        .store
        .create_api_token(&user, state.clock.real_now(), state.config.api_token_ttl)
        .await?;
    let body = json!({
        "token": token.token,
        "token_type": "Bearer",
        "expires_at": rfc3339(token.expires_at),
        "user": UserOut::from(&user, true),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

pub async fn revoke_token(State(state): State<AppState>, me: Me) -> AppResult<StatusCode> {
    let secret = me.bearer_secret.ok_or(AppError::BadRequest("err-bearer-only"))?;
    state.store.revoke_api_token(&secret).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(State(state): State<AppState>, me: Me) -> AppResult<Json<serde_json::Value>> {
    let school = match &me.user.school_id {
        Some(id) => Some(state.store.school(id).await?),
        None => None,
    };
    Ok(Json(
        json!({ "user": UserOut::from(&me.user, true), "school": school, "locale": me.user.locale }),
    ))
}

/// The inbox in the reader's language (each message is rendered as it is read).
pub async fn inbox(State(state): State<AppState>, lang: crate::i18n::Lang, me: Me) -> AppResult<Json<serde_json::Value>> {
    let mut items = state.store.inbox(&me.user.id, 100).await?;
    for i in &mut items {
        (i.title, i.body) = yanshi_i18n::shown(lang.into(), i.message.as_ref(), &i.title, &i.body);
    }
    Ok(Json(json!({ "items": items })))
}

pub async fn schools(State(state): State<AppState>) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(json!({ "schools": state.store.schools().await? })))
}

#[derive(Deserialize)]
pub struct NewSchool {
    name: String,
}

pub async fn create_school(State(state): State<AppState>, me: Me, ApiJson(r): ApiJson<NewSchool>) -> AppResult<Response> {
    let school = state
        .store
        .create_school(
            &Actor::User(me.user.id.clone()),
            &r.name,
            DEFAULT_TIME_ZONE,
            false,
            state.clock.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "school": school }))).into_response())
}

#[derive(Deserialize)]
pub struct SchoolQuery {
    school: Option<String>,
    limit: Option<i64>,
}

pub async fn users(State(state): State<AppState>, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Json<serde_json::Value>> {
    let school = resolve_school(&me, q.school.as_deref(), Action::ManageStaffAccounts)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let users: Vec<UserOut> = state
        .store
        .users_of_school(Some(&school))
        .await?
        .iter()
        .filter(|u| u.role.is_staff())
        .map(|u| UserOut::from(u, true))
        .collect();
    Ok(Json(json!({ "users": users })))
}

pub async fn create_user(State(state): State<AppState>, me: Me, ApiJson(f): ApiJson<NewStaffForm>) -> AppResult<Response> {
    let school = resolve_school(&me, f.school.as_deref(), Action::ManageStaffAccounts)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let new = new_staff(&state, school, &f).await?;
    let user = state
        .store
        .create_user(&Actor::User(me.user.id.clone()), new, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "user": UserOut::from(&user, true) }))).into_response())
}

#[derive(Deserialize)]
pub struct NewInvitation {
    school: Option<String>,
    #[serde(default)]
    note: String,
}

pub async fn create_invitation(State(state): State<AppState>, me: Me, ApiJson(r): ApiJson<NewInvitation>) -> AppResult<Response> {
    let school = resolve_school(&me, r.school.as_deref(), Action::IssueGuardianInvitations)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let now = state.clock.now();
    let code = state
        .store
        .create_invitation(&Actor::User(me.user.id.clone()), &school, &r.note, now, state.config.invitation_ttl)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "code": code.grouped(), "expires_at": rfc3339(now + state.config.invitation_ttl) })),
    )
        .into_response())
}

pub async fn audit(State(state): State<AppState>, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Json<serde_json::Value>> {
    let school = resolve_school(&me, q.school.as_deref(), Action::ViewAudit)?;
    let entries = state
        .store
        .audit_entries(school.as_ref(), q.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    let entries: Vec<_> = entries
        .into_iter()
        .map(|e| {
            json!({
                "seq": e.seq, "at": rfc3339(yanshi_domain::clock::from_millis(e.at_ms)), "actor": e.actor,
                "action": e.action, "subject": e.subject, "details": serde_json::from_str::<serde_json::Value>(&e.details).unwrap_or_default(),
                "hash": e.hash,
            })
        })
        .collect();
    Ok(Json(json!({ "entries": entries })))
}

#[derive(Deserialize)]
pub struct CalendarQuery {
    school: Option<String>,
    date: String,
    grade: u8,
}

/// The school's settings, service policy and leadership group.
pub async fn school(State(state): State<AppState>, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Json<serde_json::Value>> {
    let id = resolve_school(&me, q.school.as_deref(), Action::ViewSchool)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let school = state.store.school(&id).await?;
    let (address, contact) = state.store.school_profile(&id).await?;
    let p = state.store.service_policy(&id).await?;
    let clock = yanshi_domain::school::format_clock;
    Ok(Json(json!({
        "school": school, "address": address, "contact": contact,
        "service_policy": {
            "default_end": clock(p.default_end), "latest_end": clock(p.latest_end),
            "summer_from": format!("{:02}-{:02}", p.summer_from.0 as u8, p.summer_from.1),
            "winter_from": format!("{:02}-{:02}", p.winter_from.0 as u8, p.winter_from.1),
            "late_pickup_wait_minutes": p.late_pickup_wait_minutes, "leave_cutoff": clock(p.leave_cutoff),
        },
        "leadership": state.store.leadership(&id).await?,
    })))
}

pub async fn classes(State(state): State<AppState>, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Json<serde_json::Value>> {
    let id = resolve_school(&me, q.school.as_deref(), Action::ViewSchool)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    Ok(Json(json!({ "classes": state.store.classes(&id).await? })))
}

/// "Is D a service day for grade G, and from when to when?"
pub async fn calendar(State(state): State<AppState>, me: Me, Query(q): Query<CalendarQuery>) -> AppResult<Json<serde_json::Value>> {
    use yanshi_domain::calendar::DayStatus;
    let id = resolve_school(&me, q.school.as_deref(), Action::ViewSchool)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let date = yanshi_domain::calendar::parse_date(&q.date).ok_or(yanshi_domain::Invalid::new("date", "err-date"))?;
    if !(1..=6).contains(&q.grade) {
        return Err(yanshi_domain::Invalid::new("grade", "err-grade").into());
    }
    let Some(term) = state.store.term_on(&id, date).await? else {
        return Ok(Json(
            json!({ "date": q.date, "grade": q.grade, "service_day": false, "status": "no_term" }),
        ));
    };
    let term_name = term.name.clone();
    let cal = state.store.service_calendar(term).await?;
    let clock = yanshi_domain::school::format_clock;
    let body = match cal.status(date, q.grade) {
        DayStatus::Service { start, end, makeup } => {
            json!({ "service_day": true, "status": "service", "start": clock(start), "end": clock(end), "makeup_workday": makeup })
        }
        DayStatus::Holiday(n) => json!({ "service_day": false, "status": "holiday", "reason": n }),
        DayStatus::Closed(r) => json!({ "service_day": false, "status": "closed", "reason": r }),
        DayStatus::Weekend => json!({ "service_day": false, "status": "weekend" }),
        DayStatus::OutsideServicePeriod => json!({ "service_day": false, "status": "outside_service_period" }),
        DayStatus::Unscheduled => json!({ "service_day": false, "status": "unscheduled" }),
    };
    let mut body = body;
    body["date"] = json!(q.date);
    body["grade"] = json!(q.grade);
    body["term"] = json!(term_name);
    Ok(Json(body))
}

pub async fn class_students(
    State(state): State<AppState>,
    me: Me,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let id = yanshi_domain::ids::ClassId::parse(&id).ok_or(AppError::NotFound)?;
    let class = state.store.class(&id).await?;
    if !yanshi_domain::policy::may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    let students: Vec<_> = state
        .store
        .students_of_class(&id)
        .await?
        .into_iter()
        .map(|(s, g)| json!({ "student": s, "guardians": g }))
        .collect();
    Ok(Json(json!({ "class": class, "students": students })))
}

#[derive(Deserialize)]
pub struct ImportQuery {
    school: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// The roster import for other systems: the file is the body. Problems → 422 with every one listed.
pub async fn import_students(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    me: Me,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    use sha2::Digest;
    let id = resolve_school(&me, q.school.as_deref(), Action::ManageStudents)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let (table, mut problems) = match crate::pages::roster::read_roster(&state, &body).await? {
        Ok(t) => t,
        Err(p) => (yanshi_roster::Table::default(), vec![p]),
    };
    let (rows, mut row_problems) = yanshi_roster::students(&table);
    problems.append(&mut row_problems);
    let (counts, mut db_problems) = state.store.preview_student_import(&id, &rows).await?;
    problems.append(&mut db_problems);
    let listed: Vec<_> = problems
        .iter()
        .map(|p| json!({ "row": p.row, "column": p.column, "code": p.key, "message": lang.t(p.key), "value": p.value }))
        .collect();
    if !problems.is_empty() {
        let body =
            json!({ "error": { "code": "invalid_input", "message": lang.t("ui-import-refused"), "field": "file" }, "problems": listed });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    }
    let counts = if q.dry_run {
        counts
    } else {
        let sha = hex::encode(sha2::Sha256::digest(&body));
        state
            .store
            .import_students(&Actor::User(me.user.id.clone()), &id, &rows, &sha, state.clock.now())
            .await?
    };
    let body = json!({ "rows": rows.len(), "dry_run": q.dry_run, "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged });
    Ok((StatusCode::OK, Json(body)).into_response())
}

/// A guardian's own children (no one else's).
pub async fn my_children(State(state): State<AppState>, me: Me) -> AppResult<Json<serde_json::Value>> {
    let mut children = Vec::new();
    for (s, relationship) in state.store.children_of(&me.user.id).await? {
        let class = state.store.class(&s.class_id).await?;
        children.push(json!({ "student": s, "class": class.name, "relationship": relationship }));
    }
    Ok(Json(json!({ "children": children })))
}

fn enrolment_json(e: &yanshi_store::enrolment::Enrolment) -> serde_json::Value {
    json!({
        "id": e.id.as_str(), "student_id": e.student_id.as_str(), "term_id": e.term_id.as_str(), "state": e.state.as_str(),
        "weekdays": e.terms.weekdays.numbers(), "latest_pickup": yanshi_domain::school::format_clock(e.terms.latest_pickup),
        "pickup_plan": e.terms.pickup_plan.as_str(), "reason": e.reason, "consent_version": e.consent_version,
        "decision_reason": e.decision_reason, "decision_note": e.decision_note, "ends_on": e.ends_on.map(|d| d.to_string()),
        "created_at": rfc3339(e.created_at),
    })
}

/// The notice to parents of the guardian's school's enrolment term; reading it here counts.
pub async fn my_notice(State(state): State<AppState>, me: Me) -> AppResult<Json<serde_json::Value>> {
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let school = state.store.school(&school).await?;
    let term = crate::pages::enrolment::enrolment_term(&state, &school)
        .await?
        .ok_or(yanshi_domain::Invalid::new("term", "err-no-term"))?;
    let notice = state
        .store
        .current_notice(&term.id)
        .await?
        .ok_or(yanshi_domain::Invalid::new("notice", "err-no-notice"))?;
    state.store.mark_notice_read(&me.user, &notice.id, state.clock.now()).await?;
    Ok(Json(
        json!({ "id": notice.id.as_str(), "term_id": term.id.as_str(), "version": notice.version, "body": notice.body,
        "privacy_notice_version": yanshi_domain::agreement::PRIVACY_NOTICE_VERSION, "privacy_notice": yanshi_domain::agreement::PRIVACY_NOTICE }),
    ))
}

/// A guardian's children's enrolments; for staff, the term's enrolments of the classes they see.
pub async fn enrolments(State(state): State<AppState>, me: Me) -> AppResult<Json<serde_json::Value>> {
    let rows = if me.user.role == yanshi_domain::role::Role::Guardian {
        state.store.enrolments_of_guardian(&me.user.id).await?
    } else {
        if !yanshi_domain::policy::may(&me.principal, Action::ReviewEnrolments, None) {
            return Err(AppError::Forbidden);
        }
        let school = me
            .user
            .school_id
            .clone()
            .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
        let school = state.store.school(&school).await?;
        let Some(term) = crate::pages::enrolment::enrolment_term(&state, &school).await? else {
            return Ok(Json(json!({ "enrolments": [] })));
        };
        let visible: Vec<String> = state
            .store
            .classes(&school.id)
            .await?
            .into_iter()
            .filter(|c| yanshi_domain::policy::may_see_class(&me.principal, &c.scope()))
            .map(|c| c.id.to_string())
            .collect();
        state
            .store
            .enrolments_of_term(&term.id)
            .await?
            .into_iter()
            .filter(|r| visible.contains(&r.class_id))
            .collect()
    };
    let list: Vec<_> = rows
        .iter()
        .map(|r| {
            let mut v = enrolment_json(&r.enrolment);
            v["student_name"] = json!(r.student_name);
            v["class"] = json!(r.class_name);
            v
        })
        .collect();
    Ok(Json(json!({ "enrolments": list })))
}

#[derive(Deserialize)]
pub struct NewEnrolment {
    student_id: String,
    weekdays: Vec<u8>,
    latest_pickup: String,
    #[serde(default)]
    pickup_plan: Option<String>,
    #[serde(default)]
    health_disclosure: String,
    #[serde(default)]
    reason: String,
    priority_group: Option<String>,
    consent_version: String,
    notice_id: String,
    #[serde(default)]
    submit: bool,
}

/// A guardian applies (or saves a draft) for their own child.
pub async fn create_enrolment(State(state): State<AppState>, me: Me, ApiJson(r): ApiJson<NewEnrolment>) -> AppResult<Response> {
    use yanshi_domain::enrolment::{PickupPlan, Terms, Weekdays};
    let student = yanshi_domain::ids::StudentId::parse(&r.student_id).ok_or(AppError::NotFound)?;
    let s = state.store.student(&student).await?;
    let school = state.store.school(&s.school_id).await?;
    let term = crate::pages::enrolment::enrolment_term(&state, &school)
        .await?
        .ok_or(yanshi_domain::Invalid::new("term", "err-no-term"))?;
    if r.consent_version != yanshi_domain::agreement::PRIVACY_NOTICE_VERSION {
        return Err(yanshi_domain::Invalid::new("consent_version", "err-consent-required").into());
    }
    let app = yanshi_store::enrolment::Application {
        terms: Terms {
            weekdays: Weekdays::from_numbers(&r.weekdays)?,
            latest_pickup: yanshi_domain::school::parse_clock(&r.latest_pickup)?,
            pickup_plan: r.pickup_plan.as_deref().and_then(PickupPlan::parse).unwrap_or(PickupPlan::ByAdults),
        },
        health_disclosure: r.health_disclosure,
        reason: r.reason,
        priority_group: r.priority_group.as_deref().and_then(yanshi_domain::family::PriorityGroup::parse),
        consent_version: r.consent_version,
        notice_id: yanshi_domain::ids::NoticeId::parse(&r.notice_id),
    };
    let id = state
        .store
        .apply(&me.user, &student, &term.id, &app, r.submit, state.clock.now())
        .await?;
    let e = state.store.enrolment(&id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "enrolment": enrolment_json(&e) }))).into_response())
}

/// An enrolment with its agreement versions (text, hash, signatures) and history.
pub async fn enrolment(
    State(state): State<AppState>,
    me: Me,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let e = visible_enrolment(&state, &me, &id).await?;
    let agreements: Vec<_> = state
        .store
        .agreements(&e.id)
        .await?
        .into_iter()
        .map(|a| {
            let signatures: Vec<_> = a.signatures.iter().map(|s| json!({ "side": s.side, "typed_name": s.typed_name, "at": rfc3339(s.at), "text_hash": s.text_hash })).collect();
            json!({ "id": a.id.as_str(), "version": a.version, "status": a.status, "text": a.text, "text_hash": a.text_hash, "signatures": signatures })
        })
        .collect();
    let events: Vec<_> = state
        .store
        .enrolment_events(&e.id)
        .await?
        .into_iter()
        .map(|(step, who, at)| json!({ "step": step, "by": who, "at": rfc3339(at) }))
        .collect();
    Ok(Json(
        json!({ "enrolment": enrolment_json(&e), "agreements": agreements, "events": events }),
    ))
}

async fn visible_enrolment(state: &AppState, me: &Me, id: &str) -> AppResult<yanshi_store::enrolment::Enrolment> {
    let id = yanshi_domain::ids::EnrolmentId::parse(id).ok_or(AppError::NotFound)?;
    let e = state.store.enrolment(&id).await?;
    let class = state.store.class(&state.store.student(&e.student_id).await?.class_id).await?;
    let guardian = me.user.role == yanshi_domain::role::Role::Guardian
        && state
            .store
            .children_of(&me.user.id)
            .await?
            .iter()
            .any(|(s, _)| s.id == e.student_id);
    if !guardian && !yanshi_domain::policy::may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    Ok(e)
}

#[derive(Deserialize)]
pub struct StepRequest {
    step: String,
    reason: Option<String>,
    #[serde(default)]
    note: String,
}

/// A review step, cancellation, withdrawal or termination; the state machine decides who may.
pub async fn enrolment_step(
    State(state): State<AppState>,
    me: Me,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(r): ApiJson<StepRequest>,
) -> AppResult<Json<serde_json::Value>> {
    use yanshi_domain::enrolment::Step;
    let e = visible_enrolment(&state, &me, &id).await?;
    let step = match r.step.as_str() {
        "cancel" => Step::Cancel,
        "class_approve" => Step::ClassApprove,
        "class_reject" => Step::ClassReject,
        "school_approve" => Step::SchoolApprove,
        "school_reject" => Step::SchoolReject,
        "withdraw" => Step::Withdraw,
        "terminate" => Step::Terminate,
        _ => return Err(yanshi_domain::Invalid::new("step", "err-enrolment-step").into()),
    };
    let ends_on = matches!(step, Step::Withdraw | Step::Terminate)
        .then(|| yanshi_domain::school_time::local(state.clock.now(), yanshi_domain::school_time::DEFAULT_TIME_ZONE).date());
    let decision = yanshi_store::enrolment::Decision {
        reason: r.reason.as_deref(),
        note: &r.note,
        ends_on,
    };
    let to = state
        .store
        .enrolment_step(&me.user, &e.id, step, decision, state.clock.now())
        .await?;
    Ok(Json(json!({ "state": to.as_str() })))
}

#[derive(Deserialize)]
pub struct SignRequest {
    agreement_id: String,
    text_hash: String,
    typed_name: String,
    statement: bool,
}

/// The guardian's signature, then the school's countersignature, on the newest agreement.
pub async fn sign(
    State(state): State<AppState>,
    me: Me,
    headers: axum::http::HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(r): ApiJson<SignRequest>,
) -> AppResult<Json<serde_json::Value>> {
    let e = visible_enrolment(&state, &me, &id).await?;
    let input = yanshi_store::enrolment::SignatureInput {
        agreement: yanshi_domain::ids::AgreementId::parse(&r.agreement_id).ok_or(AppError::NotFound)?,
        seen_hash: r.text_hash,
        typed_name: r.typed_name,
        statement_ticked: r.statement,
        drawing: None,
        device: format!(
            "API · {}",
            headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?")
        ),
    };
    let to = state.store.sign_agreement(&me.user, &e.id, &input, state.clock.now()).await?;
    Ok(Json(json!({ "state": to.as_str() })))
}

#[cfg(test)]
mod tests {
    use super::json_has_nul;

    #[test]
    fn only_a_real_nul_escape_counts() {
        assert!(json_has_nul(br#"{"a":"x\u0000y"}"#));
        assert!(json_has_nul(b"{\"a\":\"x\0\"}"));
        assert!(!json_has_nul(br#"{"a":"x\\u0000y"}"#), "a typed backslash and u0000");
        assert!(!json_has_nul(br#"{"a":"\u4e2d"}"#));
        assert!(json_has_nul(br#"{"a":"\\\u0000"}"#), "an escaped backslash, then a NUL");
    }
}
