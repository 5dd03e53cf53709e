//! 告家长书 — the notice to parents of the guardian's school's enrolment term.

use super::ErrorBody;
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// The notice to parents and the privacy notice, to read before applying.
#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    /// Send it back as `notice_id` when applying.
    id: String,
    term_id: String,
    version: i64,
    body: String,
    /// Send it back as `consent_version` when applying.
    privacy_notice_version: &'static str,
    privacy_notice: &'static str,
}

/// The notice to parents of the guardian's school's enrolment term; reading it here counts.
#[utoipa::path(get, path = "/api/v1/my/notice", operation_id = "get_my_notice", tag = "enrolment",
    summary = "The notice to parents (read before applying) and the privacy notice", security(("bearer" = [])),
    responses((status = 200, description = "the notice", body = NoticeOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn my_notice(State(state): State<AppState>, me: Me) -> AppResult<Json<NoticeOut>> {
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
    Ok(Json(NoticeOut {
        id: notice.id.as_str().into(),
        term_id: term.id.as_str().into(),
        version: notice.version,
        body: notice.body,
        privacy_notice_version: yanshi_domain::agreement::PRIVACY_NOTICE_VERSION,
        privacy_notice: yanshi_domain::agreement::PRIVACY_NOTICE,
    }))
}
