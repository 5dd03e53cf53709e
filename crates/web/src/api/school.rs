//! The school as data: its settings, policy and leadership group, its classes, the calendar
//! ("is this a service day for grade G?"), and its audit log.

use super::{SchoolQuery, rfc3339};
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::resolve_school;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::json;
use yanshi_domain::policy::Action;

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
