//! The district's schools (区教育局): listed and created by a district admin.

use super::ApiJson;
use crate::error::AppResult;
use crate::identity::Me;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yanshi_domain::school_time::DEFAULT_TIME_ZONE;
use yanshi_store::Actor;

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
