//! 告家长书 — the notice to parents of the guardian's school's enrolment term.

use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::json;

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
