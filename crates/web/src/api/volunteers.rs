//! 志愿者 over the JSON API: the school admins register volunteers, record their checks, set
//! the school's validity and issue hours certificates; a volunteer reads their own assignments
//! (with their group's first names only), hours and certificates. The same store calls and
//! rules as the pages.

use super::{ApiJson, ErrorBody, rfc3339, ymd};
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::IdPath;
use crate::pages::volunteers::{own_school, range_start, school_today};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::ids::UserId;
use yanshi_domain::volunteer::{IdLast4, VettingCheck, VolunteerKind, served_days, total_minutes};
use yanshi_store::volunteers::{Certificate, NewCheck, NewVolunteer, ServiceSource, Volunteer};

/// One check as recorded.
#[derive(Serialize, ToSchema)]
pub struct CheckOut {
    /// `IDENTITY`, `CRIMINAL_RECORD` or `TRAINING`.
    check: &'static str,
    /// `YYYY-MM-DD`: the day the identity was seen, the certificate's own date, the training day.
    dated: String,
    /// `YYYY-MM-DD`: the day the evidence was seen.
    seen_on: String,
    /// `YYYY-MM-DD`: the last day it counts with the school's validity.
    valid_until: String,
    /// The ID's last four characters (identity only, else empty).
    id_last4: String,
    checked_by: String,
    checked_at: String,
}

/// A volunteer with their vetting state today.
#[derive(Serialize, ToSchema)]
#[schema(as = Volunteer)]
pub struct VolunteerOut {
    user_id: String,
    name: String,
    /// `PARENT`, `COMMUNITY`, `TEACHER` or `ORGANISATION`.
    kind: &'static str,
    organisation: String,
    /// Every check recorded and none lapsed today.
    vetted: bool,
    /// The checks missing or lapsed today.
    missing: Vec<&'static str>,
    checks: Vec<CheckOut>,
}

fn volunteer_out(v: &Volunteer, today: time::Date, months: u8) -> VolunteerOut {
    let missing = match v.vetted(today, months) {
        Ok(()) => Vec::new(),
        Err(gaps) => gaps.iter().map(|g| g.check().as_str()).collect(),
    };
    VolunteerOut {
        user_id: v.user_id.to_string(),
        name: v.name.clone(),
        kind: v.kind.as_str(),
        organisation: v.organisation.clone(),
        vetted: missing.is_empty(),
        missing,
        checks: v
            .checks
            .iter()
            .map(|c| CheckOut {
                check: c.check.as_str(),
                dated: ymd(c.dates.dated),
                seen_on: ymd(c.dates.seen_on),
                valid_until: ymd(c.dates.valid_until(months)),
                id_last4: c.id_last4.clone(),
                checked_by: c.checked_by.clone(),
                checked_at: rfc3339(c.checked_at),
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct VolunteerList {
    /// How many months a check stays valid at the school.
    valid_months: u8,
    volunteers: Vec<VolunteerOut>,
}

/// The school's volunteers.
#[utoipa::path(get, path = "/api/v1/school/volunteers", operation_id = "list_volunteers", tag = "volunteers",
    summary = "志愿者: the school's volunteers with their checks and whether they are vetted today (school admins)",
    security(("bearer" = [])),
    responses((status = 200, description = "the volunteers", body = VolunteerList), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn volunteers(State(state): State<AppState>, me: Me) -> AppResult<Json<VolunteerList>> {
    let school = own_school(&me)?;
    let today = school_today(&state, &school).await?;
    let months = state.store.volunteer_validity(&school).await?;
    let volunteers = state
        .store
        .volunteers(&school)
        .await?
        .iter()
        .map(|v| volunteer_out(v, today, months))
        .collect();
    Ok(Json(VolunteerList {
        valid_months: months,
        volunteers,
    }))
}

/// One volunteer of the school.
#[utoipa::path(get, path = "/api/v1/school/volunteers/{id}", operation_id = "get_volunteer", tag = "volunteers",
    params(("id" = String, Path, description = "the volunteer's account id (a UUID)")), security(("bearer" = [])),
    responses((status = 200, description = "the volunteer", body = VolunteerOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn volunteer(State(state): State<AppState>, me: Me, IdPath(id): IdPath<UserId>) -> AppResult<Json<VolunteerOut>> {
    let school = own_school(&me)?;
    let today = school_today(&state, &school).await?;
    let months = state.store.volunteer_validity(&school).await?;
    Ok(Json(volunteer_out(&state.store.volunteer(&school, &id).await?, today, months)))
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// A Volunteer-role account of the school.
    user_id: String,
    /// `PARENT`, `COMMUNITY`, `TEACHER` or `ORGANISATION`.
    kind: String,
    /// Required for `ORGANISATION`; ignored otherwise.
    #[serde(default)]
    organisation: String,
}

/// Registers a Volunteer-role account as a volunteer.
#[utoipa::path(post, path = "/api/v1/school/volunteers", operation_id = "create_volunteer", tag = "volunteers",
    request_body = RegisterRequest, security(("bearer" = [])),
    responses((status = 201, description = "registered", body = VolunteerOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn register_volunteer(State(state): State<AppState>, me: Me, ApiJson(r): ApiJson<RegisterRequest>) -> AppResult<Response> {
    let school = own_school(&me)?;
    let new = NewVolunteer {
        user: UserId::parse(&r.user_id).ok_or(Invalid::new("user_id", "err-volunteer-account"))?,
        kind: VolunteerKind::parse(r.kind.trim())?,
        organisation: r.organisation,
    };
    state.store.register_volunteer(&me.user, &school, &new, state.clock.now()).await?;
    let today = school_today(&state, &school).await?;
    let months = state.store.volunteer_validity(&school).await?;
    let v = state.store.volunteer(&school, &new.user).await?;
    Ok((StatusCode::CREATED, Json(volunteer_out(&v, today, months))).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct CheckRequest {
    /// `IDENTITY`, `CRIMINAL_RECORD` or `TRAINING`.
    check: String,
    /// `YYYY-MM-DD`: the day the identity was seen, the certificate's own date, the training day.
    dated: String,
    /// `YYYY-MM-DD`: the day the evidence was seen (default: `dated`).
    seen_on: Option<String>,
    /// For `IDENTITY`: the ID's last four characters, never more.
    id_last4: Option<String>,
}

impl TryFrom<&CheckRequest> for NewCheck {
    type Error = Invalid;

    fn try_from(r: &CheckRequest) -> Result<Self, Invalid> {
        let check = VettingCheck::parse(r.check.trim())?;
        let dated = parse_date(&r.dated).ok_or(Invalid::new("dated", "err-date"))?;
        let seen_on = match r.seen_on.as_deref().map(str::trim) {
            None | Some("") => dated,
            Some(s) => parse_date(s).ok_or(Invalid::new("seen_on", "err-date"))?,
        };
        let id_last4 = match check {
            VettingCheck::Identity => Some(IdLast4::parse(r.id_last4.as_deref().unwrap_or(""))?),
            _ => None,
        };
        Ok(NewCheck {
            check,
            dated,
            seen_on,
            id_last4,
        })
    }
}

/// Records one check of a volunteer, under the caller's name.
#[utoipa::path(post, path = "/api/v1/school/volunteers/{id}/checks", operation_id = "create_volunteer_check", tag = "volunteers",
    params(("id" = String, Path, description = "the volunteer's account id (a UUID)")), request_body = CheckRequest, security(("bearer" = [])),
    responses((status = 201, description = "recorded", body = VolunteerOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn record_check(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<UserId>,
    ApiJson(r): ApiJson<CheckRequest>,
) -> AppResult<Response> {
    let school = own_school(&me)?;
    state.store.volunteer(&school, &id).await?;
    let check = NewCheck::try_from(&r)?;
    state.store.record_volunteer_check(&me.user, &id, &check, state.clock.now()).await?;
    let today = school_today(&state, &school).await?;
    let months = state.store.volunteer_validity(&school).await?;
    let v = state.store.volunteer(&school, &id).await?;
    Ok((StatusCode::CREATED, Json(volunteer_out(&v, today, months))).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ValidityBody {
    /// 1–60 months.
    valid_months: u8,
}

/// Sets how many months a volunteer's check stays valid at the school.
#[utoipa::path(post, path = "/api/v1/school/volunteer-settings", operation_id = "set_volunteer_settings", tag = "volunteers",
    request_body = ValidityBody, security(("bearer" = [])),
    responses((status = 200, description = "set", body = ValidityBody), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn set_validity(State(state): State<AppState>, me: Me, ApiJson(b): ApiJson<ValidityBody>) -> AppResult<Json<ValidityBody>> {
    let school = own_school(&me)?;
    state
        .store
        .set_volunteer_validity(&me.user, &school, b.valid_months, state.clock.now())
        .await?;
    Ok(Json(b))
}

/// An hours certificate (志愿服务时长证明).
#[derive(Serialize, ToSchema)]
#[schema(as = VolunteerCertificate)]
pub struct CertificateOut {
    id: String,
    number: i64,
    /// `YYYY-MM-DD`
    from: String,
    /// `YYYY-MM-DD`
    to: String,
    minutes: u32,
    /// `[["YYYY-MM-DD", minutes], …]`
    days: Vec<(String, u32)>,
    volunteer_name: String,
    kind: &'static str,
    organisation: String,
    issuer_name: String,
    issued_at: String,
}

impl From<&Certificate> for CertificateOut {
    fn from(c: &Certificate) -> Self {
        CertificateOut {
            id: c.id.to_string(),
            number: c.number,
            from: ymd(c.from),
            to: ymd(c.to),
            minutes: c.minutes,
            days: c.days.iter().map(|d| (ymd(d.day), d.minutes)).collect(),
            volunteer_name: c.volunteer_name.clone(),
            kind: c.kind.as_str(),
            organisation: c.organisation.clone(),
            issuer_name: c.issuer_name.clone(),
            issued_at: rfc3339(c.issued_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CertificateRequest {
    /// `YYYY-MM-DD`
    from: String,
    /// `YYYY-MM-DD`, not after today.
    to: String,
}

/// Issues (signs off) a volunteer's hours certificate for a range.
#[utoipa::path(post, path = "/api/v1/school/volunteers/{id}/certificates", operation_id = "create_volunteer_certificate", tag = "volunteers",
    summary = "志愿服务时长证明: the hours from the signed daily records and the duty log over the range, signed off by the caller (a school admin)",
    params(("id" = String, Path, description = "the volunteer's account id (a UUID)")), request_body = CertificateRequest, security(("bearer" = [])),
    responses((status = 201, description = "issued", body = CertificateOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn issue_certificate(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<UserId>,
    ApiJson(r): ApiJson<CertificateRequest>,
) -> AppResult<Response> {
    let school = own_school(&me)?;
    state.store.volunteer(&school, &id).await?;
    let from = parse_date(&r.from).ok_or(Invalid::new("from", "err-date"))?;
    let to = parse_date(&r.to).ok_or(Invalid::new("to", "err-date"))?;
    let c = state
        .store
        .issue_volunteer_certificate(&me.user, &id, from, to, state.clock.now())
        .await?;
    let c = state.store.volunteer_certificate(&c).await?;
    Ok((StatusCode::CREATED, Json(CertificateOut::from(&c))).into_response())
}

/// A session plan or roster turn of the volunteer's, with the group's first names only.
#[derive(Serialize, ToSchema)]
pub struct AssignmentOut {
    /// `SESSION` (a weekday of a class's plan) or `TURN` (a roster turn on a day).
    kind: &'static str,
    /// 1–5 for a session.
    weekday: Option<u8>,
    /// `YYYY-MM-DD` for a turn.
    day: Option<String>,
    /// The class, or the post.
    place: String,
    /// The session's content, empty for a turn.
    content: String,
    /// The teacher the volunteer helps, for a session.
    teacher: Option<String>,
    /// `HH:MM` for a post's turn.
    starts: String,
    ends: String,
    /// First names of the group, nothing else.
    group: Vec<String>,
}

/// One signed line of service.
#[derive(Serialize, ToSchema)]
pub struct ServiceOut {
    /// `YYYY-MM-DD`
    day: String,
    minutes: u32,
    /// `SESSION` (a class's signed daily record) or `DUTY` (the signed duty log).
    source: &'static str,
    /// The class or the post.
    place: String,
}

/// What a volunteer sees of their own work.
#[derive(Serialize, ToSchema)]
pub struct VolunteerMe {
    assignments: Vec<AssignmentOut>,
    /// `YYYY-MM-DD`: the service counted from (the current term's first day).
    from: String,
    total_minutes: u32,
    service: Vec<ServiceOut>,
    certificates: Vec<CertificateOut>,
}

/// The volunteer's own assignments ahead, hours this term and certificates.
#[utoipa::path(get, path = "/api/v1/volunteer/me", operation_id = "get_volunteer_me", tag = "volunteers",
    summary = "A volunteer's own assignments ahead (with the group's first names only), signed hours this term and certificates (volunteers)",
    security(("bearer" = [])),
    responses((status = 200, description = "the volunteer's own", body = VolunteerMe), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, me: Me) -> AppResult<Json<VolunteerMe>> {
    let school = me.user.school_id.clone().ok_or(AppError::Forbidden)?;
    let today = school_today(&state, &school).await?;
    let a = state.store.volunteer_assignments(&me.user, today).await?;
    let mut assignments: Vec<AssignmentOut> = a
        .plans
        .into_iter()
        .map(|p| AssignmentOut {
            kind: "SESSION",
            weekday: Some(p.weekday),
            day: None,
            place: p.class,
            content: p.content,
            teacher: p.teacher,
            starts: String::new(),
            ends: String::new(),
            group: p.group,
        })
        .collect();
    assignments.extend(a.turns.into_iter().map(|t| AssignmentOut {
        kind: "TURN",
        weekday: None,
        day: Some(ymd(t.day)),
        place: t.place,
        content: String::new(),
        teacher: None,
        starts: t.starts,
        ends: t.ends,
        group: t.group,
    }));
    let from = range_start(&state, &school, today).await?;
    let lines = state.store.volunteer_service(&school, &me.user.id, from, today).await?;
    let total = total_minutes(&served_days(lines.iter().map(|l| (l.day, l.minutes))));
    let service = lines
        .into_iter()
        .map(|l| {
            let (source, place) = match l.source {
                ServiceSource::Session { class } => ("SESSION", class),
                ServiceSource::Duty { post } => ("DUTY", post),
            };
            ServiceOut {
                day: ymd(l.day),
                minutes: l.minutes,
                source,
                place,
            }
        })
        .collect();
    let certificates = state
        .store
        .volunteer_certificates(&me.user.id)
        .await?
        .iter()
        .map(CertificateOut::from)
        .collect();
    Ok(Json(VolunteerMe {
        assignments,
        from: ymd(from),
        total_minutes: total,
        service,
        certificates,
    }))
}
