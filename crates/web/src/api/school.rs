//! The school as data: its settings, policy and leadership group, its classes, the calendar
//! ("is this a service day for grade G?"), and its audit log.

use super::{ErrorBody, SchoolQuery, rfc3339};
use crate::api::district::SchoolOut;
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::resolve_school;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yanshi_domain::policy::Action;

/// One entry of the school's hash-chained audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryOut {
    seq: i64,
    at: String,
    actor: String,
    /// `noun.verb`: `user.create`, `session.sign_in`, …
    action: String,
    subject: String,
    details: serde_json::Value,
    hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    entries: Vec<AuditEntryOut>,
}

/// Newest audit entries of a school.
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "list_audit", tag = "school",
    params(SchoolQuery), security(("bearer" = [])),
    responses((status = 200, description = "newest first", body = AuditOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn audit(State(state): State<AppState>, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Json<AuditOut>> {
    let school = resolve_school(&me, q.school.as_deref(), Action::ViewAudit)?;
    let entries = state
        .store
        .audit_entries(school.as_ref(), q.limit.unwrap_or(100).clamp(1, 1000))
        .await?;
    let entries = entries
        .into_iter()
        .map(|e| AuditEntryOut {
            seq: e.seq,
            at: rfc3339(yanshi_domain::clock::from_millis(e.at_ms)),
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            details: serde_json::from_str::<serde_json::Value>(&e.details).unwrap_or_default(),
            hash: e.hash,
        })
        .collect();
    Ok(Json(AuditOut { entries }))
}

/// A member of the school's leadership group (领导小组).
#[derive(Serialize, ToSchema)]
pub struct LeaderOut {
    /// `leader`, `deputy` or `member`.
    position: String,
    name: String,
    title: String,
}

/// When care ends and the seasons change (`HH:MM`, `MM-DD`).
#[derive(Serialize, ToSchema)]
pub struct ServicePolicyOut {
    default_end: String,
    latest_end: String,
    summer_from: String,
    winter_from: String,
    late_pickup_wait_minutes: i64,
    leave_cutoff: String,
}

#[derive(Serialize, ToSchema)]
pub struct SchoolSettingsOut {
    school: SchoolOut,
    address: String,
    contact: String,
    service_policy: ServicePolicyOut,
    leadership: Vec<LeaderOut>,
}

/// The school's settings, service policy and leadership group.
#[utoipa::path(get, path = "/api/v1/school", operation_id = "get_school", tag = "school",
    summary = "The school's settings, care-time rules and leadership group",
    params(SchoolQuery), security(("bearer" = [])),
    responses((status = 200, description = "the school", body = SchoolSettingsOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn school(State(state): State<AppState>, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Json<SchoolSettingsOut>> {
    let id = resolve_school(&me, q.school.as_deref(), Action::ViewSchool)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let school = state.store.school(&id).await?;
    let (address, contact) = state.store.school_profile(&id).await?;
    let p = state.store.service_policy(&id).await?;
    let clock = yanshi_domain::school::format_clock;
    let leadership = state
        .store
        .leadership(&id)
        .await?
        .into_iter()
        .map(|m| LeaderOut {
            position: m.position.as_str().into(),
            name: m.name,
            title: m.title,
        })
        .collect();
    Ok(Json(SchoolSettingsOut {
        school: school.into(),
        address,
        contact,
        service_policy: ServicePolicyOut {
            default_end: clock(p.default_end),
            latest_end: clock(p.latest_end),
            summer_from: format!("{:02}-{:02}", p.summer_from.0 as u8, p.summer_from.1),
            winter_from: format!("{:02}-{:02}", p.winter_from.0 as u8, p.winter_from.1),
            late_pickup_wait_minutes: p.late_pickup_wait_minutes.into(),
            leave_cutoff: clock(p.leave_cutoff),
        },
        leadership,
    }))
}

/// A class with its class teacher and grade director (each `[user id, name]`).
#[derive(Serialize, ToSchema)]
#[schema(as = Class)]
pub struct ClassOut {
    id: String,
    school_id: String,
    grade: u8,
    number: u8,
    /// 三年级二班
    name: String,
    classroom: Option<String>,
    #[schema(value_type = Option<Vec<String>>)]
    class_teacher: Option<(String, String)>,
    #[schema(value_type = Option<Vec<String>>)]
    grade_director: Option<(String, String)>,
    active_students: i64,
}

impl From<yanshi_store::setup::ClassInfo> for ClassOut {
    fn from(c: yanshi_store::setup::ClassInfo) -> Self {
        let named = |t: Option<(yanshi_domain::ids::UserId, String)>| t.map(|(id, name)| (id.to_string(), name));
        ClassOut {
            id: c.id.to_string(),
            school_id: c.school_id.to_string(),
            grade: c.grade,
            number: c.number,
            name: c.name,
            classroom: c.classroom,
            class_teacher: named(c.class_teacher),
            grade_director: named(c.grade_director),
            active_students: c.active_students,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClassesOut {
    classes: Vec<ClassOut>,
}

/// Classes with class teachers and student counts.
#[utoipa::path(get, path = "/api/v1/classes", operation_id = "list_classes", tag = "school",
    params(SchoolQuery), security(("bearer" = [])),
    responses((status = 200, description = "the school's classes", body = ClassesOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn classes(State(state): State<AppState>, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Json<ClassesOut>> {
    let id = resolve_school(&me, q.school.as_deref(), Action::ViewSchool)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let classes = state.store.classes(&id).await?.into_iter().map(ClassOut::from).collect();
    Ok(Json(ClassesOut { classes }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// District admins only: the school's id.
    school: Option<String>,
    /// `YYYY-MM-DD`
    date: String,
    /// 1 to 6.
    grade: u8,
}

/// What a day is for a grade.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DayStatusName {
    Service,
    Holiday,
    Closed,
    Weekend,
    OutsideServicePeriod,
    Unscheduled,
    NoTerm,
}

/// A day of the calendar for a grade: a service day with its times, or why not.
#[derive(Serialize, ToSchema)]
pub struct CalendarDayOut {
    date: String,
    grade: u8,
    service_day: bool,
    #[schema(value_type = DayStatusName)]
    status: &'static str,
    /// The term's name (absent when no term covers the date).
    #[serde(skip_serializing_if = "Option::is_none")]
    term: Option<String>,
    /// `HH:MM`: dismissal, when care starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<String>,
    /// A weekend day worked in place of a holiday (调休).
    #[serde(skip_serializing_if = "Option::is_none")]
    makeup_workday: Option<bool>,
    /// A public holiday derived from the holiday law (《全国年节及纪念日放假办法》): the year's
    /// State Council notice is not shipped yet, so its make-up workdays (调休) are not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    derived_holiday: Option<bool>,
    /// The holiday's name or why the school is closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// "Is D a service day for grade G, and from when to when?"
#[utoipa::path(get, path = "/api/v1/calendar", operation_id = "get_calendar_day", tag = "school",
    summary = "Whether a date is a service day for a grade, and its times",
    params(CalendarQuery), security(("bearer" = [])),
    responses((status = 200, description = "the day", body = CalendarDayOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn calendar(State(state): State<AppState>, me: Me, Query(q): Query<CalendarQuery>) -> AppResult<Json<CalendarDayOut>> {
    use yanshi_domain::calendar::DayStatus;
    let id = resolve_school(&me, q.school.as_deref(), Action::ViewSchool)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let date = yanshi_domain::calendar::parse_date(&q.date).ok_or(yanshi_domain::Invalid::new("date", "err-date"))?;
    if !(1..=6).contains(&q.grade) {
        return Err(yanshi_domain::Invalid::new("grade", "err-grade").into());
    }
    let mut out = CalendarDayOut {
        date: q.date,
        grade: q.grade,
        service_day: false,
        status: "no_term",
        term: None,
        start: None,
        end: None,
        makeup_workday: None,
        derived_holiday: None,
        reason: None,
    };
    let Some(term) = state.store.term_on(&id, date).await? else {
        return Ok(Json(out));
    };
    out.term = Some(term.name.clone());
    let cal = state.store.service_calendar(term).await?;
    let clock = yanshi_domain::school::format_clock;
    out.status = match cal.status(date, q.grade) {
        DayStatus::Service { start, end, makeup } => {
            out.service_day = true;
            (out.start, out.end, out.makeup_workday) = (Some(clock(start)), Some(clock(end)), Some(makeup));
            "service"
        }
        DayStatus::Holiday(n) => {
            out.reason = Some(n);
            out.derived_holiday = Some(cal.holidays.is_derived(date));
            "holiday"
        }
        DayStatus::Closed(r) => {
            out.reason = Some(r);
            "closed"
        }
        DayStatus::Weekend => "weekend",
        DayStatus::OutsideServicePeriod => "outside_service_period",
        DayStatus::Unscheduled => "unscheduled",
    };
    Ok(Json(out))
}
