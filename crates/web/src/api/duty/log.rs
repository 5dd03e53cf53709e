//! 值班记录 (the duty log) over the JSON API: a day's signed entries, and signing one's own
//! for today's turn.

use super::super::{ApiJson, ErrorBody, rfc3339, ymd};
use super::changes::{DayQuery, day_of};
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::duty::changes::{published_turn, school_today};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yanshi_domain::Invalid;
use yanshi_store::duty::DutyLogEntry;

/// 值班记录: one signed entry.
#[derive(Serialize, ToSchema)]
#[schema(as = DutyLogEntry)]
pub struct LogOut {
    id: String,
    /// `YYYY-MM-DD`
    day: String,
    post_id: String,
    post_name: String,
    kind: String,
    user_id: String,
    user_name: String,
    checked: String,
    happened: String,
    minutes: u32,
    covered_for: Option<String>,
    signed_name: String,
    signed_at: String,
}

impl From<&DutyLogEntry> for LogOut {
    fn from(e: &DutyLogEntry) -> Self {
        LogOut {
            id: e.id.clone(),
            day: ymd(e.day),
            post_id: e.post_id.to_string(),
            post_name: e.post_name.clone(),
            kind: e.kind.as_str().into(),
            user_id: e.user_id.to_string(),
            user_name: e.user_name.clone(),
            checked: e.checked.clone(),
            happened: e.happened.clone(),
            minutes: e.minutes,
            covered_for: e.covered_for.as_ref().map(|c| c.0.to_string()),
            signed_name: e.signed_name.clone(),
            signed_at: rfc3339(e.signed_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DutyLog {
    entries: Vec<LogOut>,
}

#[utoipa::path(get, path = "/api/v1/duty/log", operation_id = "list_duty_log", tag = "duty",
    summary = "值班记录: the school's signed duty log of a day (leaders)",
    params(DayQuery), security(("bearer" = [])),
    responses((status = 200, description = "the day's log", body = DutyLog), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn log(State(state): State<AppState>, me: Me, Query(q): Query<DayQuery>) -> AppResult<Json<DutyLog>> {
    let (school, today) = school_today(&state, &me).await?;
    let day = day_of(&q, today)?;
    let entries = state.store.duty_log(&me.user, &school, day).await?;
    Ok(Json(DutyLog {
        entries: entries.iter().map(LogOut::from).collect(),
    }))
}

/// Today's log for one of my turns, signed under my own name.
#[derive(Deserialize, ToSchema)]
pub struct NewLogEntry {
    turn_id: String,
    checked: String,
    #[serde(default)]
    happened: String,
    /// My own name, typed.
    name: String,
}

#[utoipa::path(post, path = "/api/v1/duty/log", operation_id = "sign_duty_log", tag = "duty",
    summary = "值班记录: the person on a hallway, gate, waiting-room or leader turn today signs its log, once",
    request_body = NewLogEntry, security(("bearer" = [])),
    responses((status = 201, description = "signed", body = LogOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn sign_log(State(state): State<AppState>, me: Me, ApiJson(b): ApiJson<NewLogEntry>) -> AppResult<Response> {
    let turn = published_turn(&b.turn_id).ok_or(Invalid::new("turn_id", "err-duty-log-kind"))?;
    let id = state
        .store
        .sign_duty_log(&me.user, &turn, &b.checked, &b.happened, &b.name, state.clock.now())
        .await?;
    let (_, today) = school_today(&state, &me).await?;
    let entry = state
        .store
        .my_duty_log_today(&me.user, state.clock.now())
        .await?
        .into_iter()
        .filter_map(|(_, e)| e)
        .find(|e| e.id == id && e.day == today)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(LogOut::from(&entry))).into_response())
}
