//! The district's schools (区教育局): listed and created by a district admin.

use super::{ApiJson, ErrorBody};
use crate::error::AppResult;
use crate::identity::Me;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yanshi_domain::school_time::DEFAULT_TIME_ZONE;
use yanshi_store::Actor;

/// A school of the district.
#[derive(Serialize, ToSchema)]
#[schema(as = School)]
pub struct SchoolOut {
    id: String,
    name: String,
    /// An IANA name, `Asia/Shanghai`.
    time_zone: String,
    is_demo: bool,
}

impl From<yanshi_store::School> for SchoolOut {
    fn from(s: yanshi_store::School) -> Self {
        SchoolOut {
            id: s.id.to_string(),
            name: s.name,
            time_zone: s.time_zone,
            is_demo: s.is_demo,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SchoolsOut {
    schools: Vec<SchoolOut>,
}

/// Schools of the district (district admin).
#[utoipa::path(get, path = "/api/v1/schools", operation_id = "list_schools", tag = "district",
    security(("bearer" = [])),
    responses((status = 200, description = "every school", body = SchoolsOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn schools(State(state): State<AppState>) -> AppResult<Json<SchoolsOut>> {
    let schools = state.store.schools().await?.into_iter().map(SchoolOut::from).collect();
    Ok(Json(SchoolsOut { schools }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSchool {
    #[schema(max_length = 60)]
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct SchoolCreated {
    school: SchoolOut,
}

/// Add a school (district admin).
#[utoipa::path(post, path = "/api/v1/schools", operation_id = "create_school", tag = "district",
    request_body = NewSchool, security(("bearer" = [])),
    responses((status = 201, description = "created", body = SchoolCreated), (status = "4XX", description = "refused", body = ErrorBody)))]
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
    Ok((StatusCode::CREATED, Json(SchoolCreated { school: school.into() })).into_response())
}
