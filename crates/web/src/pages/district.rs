//! The district (区县) view: every school of the deployment, and adding one.

use super::{AppForm, page};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use yanshi_domain::school_time::DEFAULT_TIME_ZONE;
use yanshi_store::{Actor, School, StoreError};

#[derive(Template)]
#[template(path = "district.html")]
struct DistrictPage {
    l: Layout,
    schools: Vec<School>,
    error: Option<&'static str>,
}

async fn district_page(state: &AppState, lang: Lang, me: &Me, status: StatusCode, error: Option<&'static str>) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let schools = state.store.schools().await?;
    page(status, DistrictPage { l, schools, error })
}

pub async fn schools(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    district_page(&state, lang, &me, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct SchoolForm {
    name: String,
}

pub async fn create_school(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<SchoolForm>) -> AppResult<Response> {
    match state
        .store
        .create_school(
            &Actor::User(me.user.id.clone()),
            &f.name,
            DEFAULT_TIME_ZONE,
            false,
            state.clock.now(),
        )
        .await
    {
        Ok(_) => district_page(&state, lang, &me, StatusCode::OK, None).await,
        Err(StoreError::Invalid(i)) => district_page(&state, lang, &me, StatusCode::UNPROCESSABLE_ENTITY, Some(i.key)).await,
        Err(e) => Err(e.into()),
    }
}
