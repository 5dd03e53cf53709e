//! What the pages for changes to the published roster share (换班, 代班, 值班记录): the
//! school and its day, a published turn's id from a form, and how a refusal is shown.

use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::state::AppState;
use time::Date;
use yanshi_domain::ids::{SchoolId, TurnId};
use yanshi_domain::policy::{Action, may};
use yanshi_domain::school_time::local;

/// A message above the page: (it worked, the text).
pub(crate) type Message = Option<(bool, String)>;

/// The school of a person who takes duty, and its local date now.
pub(crate) async fn school_today(state: &AppState, me: &Me) -> AppResult<(SchoolId, Date)> {
    let school = me.user.school_id.clone().ok_or(AppError::Forbidden)?;
    let s = state.store.school(&school).await?;
    Ok((school, local(state.clock.now(), &s.time_zone).date()))
}

/// Is this person one of the school's leaders (值班 is theirs to manage)?
pub(crate) fn leader(me: &Me, school: &SchoolId) -> bool {
    may(&me.principal, Action::ManageDuty, Some(school))
}

/// A published turn's id as a form or body names it: a UUID with `-p` (its draft's id + `-p`).
pub(crate) fn published_turn(s: &str) -> Option<TurnId> {
    let base = s.trim().strip_suffix("-p")?;
    TurnId::parse(base).map(|id| TurnId::from_db(format!("{id}-p")))
}

/// A user's mistake becomes the page's message; anything else stays an error.
pub(crate) fn outcome<T>(lang: Lang, done: &'static str, r: Result<T, yanshi_store::StoreError>) -> AppResult<(bool, String)> {
    let t = crate::i18n::Tr(lang);
    match r.map_err(AppError::from) {
        Ok(_) => Ok((true, t.get(done).to_string())),
        Err(AppError::Invalid(i)) => Ok((false, t.get(i.key).to_string())),
        Err(other) => Err(other),
    }
}

/// 422 when the message is a refusal, else 200.
pub(crate) fn status_of(message: &Message) -> axum::http::StatusCode {
    if message.as_ref().is_some_and(|m| !m.0) {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_turn_is_a_uuid_with_p() {
        let id = TurnId::new();
        assert_eq!(published_turn(&format!("{id}-p")), Some(TurnId::from_db(format!("{id}-p"))));
        assert_eq!(published_turn(id.as_str()), None);
        assert_eq!(published_turn("x-p"), None);
    }
}
