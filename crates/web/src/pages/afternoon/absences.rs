//! 当天未到校 — the school's attendance list, pasted: every child on it is marked not at school
//! today, all or nothing, with every unknown number listed.

use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::AppForm;
use crate::pages::page;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::Date;
use yanshi_domain::school_time::local;

#[derive(Template)]
#[template(path = "afternoon_absences.html")]
struct AbsencesPage {
    l: Layout,
    day: Date,
    numbers: String,
    marked: Option<usize>,
    error: Option<&'static str>,
    problems: Vec<(usize, String, &'static str)>,
}

async fn absences_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    numbers: String,
    outcome: Option<Result<yanshi_store::afternoon::AbsenceImport, &'static str>>,
) -> AppResult<Response> {
    use yanshi_store::afternoon::AbsenceImport;
    let school = state.store.school(me.user.school_id.as_ref().ok_or(AppError::NotFound)?).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let (marked, error, problems) = match outcome {
        None => (None, None, Vec::new()),
        Some(Ok(AbsenceImport::Marked(n))) => (Some(n), None, Vec::new()),
        Some(Ok(AbsenceImport::Refused(p))) => (None, None, p),
        Some(Err(key)) => (None, Some(key), Vec::new()),
    };
    let status = if error.is_some() || !problems.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status,
        AbsencesPage {
            l,
            day,
            numbers,
            marked,
            error,
            problems,
        },
    )
}

/// 当天未到校: the school's attendance list, pasted.
pub async fn form(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    absences_page(&state, lang, &me, String::new(), None).await
}

/// The pasted list as sent: one child a line, by student number (and name, to read back).
#[derive(Deserialize)]
pub struct AbsencesForm {
    #[serde(default)]
    numbers: String,
}

/// Marks every child on the list not at school today, or none (every problem listed).
pub async fn import(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<AbsencesForm>) -> AppResult<Response> {
    let school = state.store.school(me.user.school_id.as_ref().ok_or(AppError::NotFound)?).await?;
    let now = state.clock.now();
    let day = local(now, &school.time_zone).date();
    let numbers = f.numbers.trim().to_string();
    let outcome = match state
        .store
        .import_absences(&me.user, &school.id, day, &numbers, now)
        .await
        .map_err(AppError::from)
    {
        Ok(o) => Ok(o),
        Err(AppError::Invalid(i)) => Err(i.key),
        Err(other) => return Err(other),
    };
    // A clean list was saved: the box empties; a refused one stays for correcting.
    let keep = if matches!(outcome, Ok(yanshi_store::afternoon::AbsenceImport::Marked(_))) {
        String::new()
    } else {
        numbers
    };
    absences_page(&state, lang, &me, keep, Some(outcome)).await
}
