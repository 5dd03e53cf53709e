//! 值班 — the duty roster's pages: the week (everyone the published roster, leaders the draft
//! with generate, hand edits and publish), its A4 print and .xlsx (roster), the posts, settings
//! and limits (setup), and 不能值班 (unavailable).

pub mod changes;
pub mod cover;
pub mod log;
pub mod roster;
pub mod setup;
pub mod swaps;

use crate::error::AppResult;
use crate::identity::Me;
use crate::state::AppState;
use time::Date;
use yanshi_domain::ids::SchoolId;
use yanshi_domain::policy::{Action, may};
use yanshi_store::terms::Term;

/// The signed-in person's school, its local date and the term running then (or the next one).
pub(crate) async fn school_term(state: &AppState, me: &Me) -> AppResult<(SchoolId, Date, Option<Term>)> {
    let school_id = me.user.school_id.clone().ok_or(crate::error::AppError::NotFound)?;
    let school = state.store.school(&school_id).await?;
    let today = yanshi_domain::school_time::local(state.clock.now(), &school.time_zone).date();
    let term = match state.store.term_on(&school_id, today).await? {
        Some(t) => Some(t),
        None => state
            .store
            .terms(&school_id)
            .await?
            .into_iter()
            .filter(|t| t.dates.last_service_day >= today)
            .min_by_key(|t| t.dates.first_service_day),
    };
    Ok((school_id, today, term))
}

pub(crate) fn leads(me: &Me, school: &SchoolId) -> bool {
    may(&me.user.principal(), Action::ManageDuty, Some(school))
}

/// The Monday of the week holding `d`.
pub(crate) fn monday(d: Date) -> Date {
    d - time::Duration::days(i64::from(d.weekday().number_days_from_monday()))
}
