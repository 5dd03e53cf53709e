//! 天气预警 — a school leader sets today's weather warning; a warning that suspends leaving
//! alone holds at every classroom door.

use super::today::today_page;
use super::{school_now, told};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::pages::AppForm;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use yanshi_domain::Invalid;
use yanshi_domain::afternoon::WeatherLevel;

/// The weather form as sent.
#[derive(Deserialize)]
pub struct WeatherForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    note: String,
}

/// Today's warning as set: a level (NONE lifts it) and a note.
struct Weather {
    level: WeatherLevel,
    note: String,
}

impl TryFrom<WeatherForm> for Weather {
    type Error = Invalid;

    fn try_from(f: WeatherForm) -> Result<Self, Invalid> {
        Ok(Weather {
            level: WeatherLevel::parse(f.level.trim())?,
            note: f.note.trim().to_string(),
        })
    }
}

/// A school leader sets today's weather warning (NONE lifts it).
pub async fn set(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<WeatherForm>) -> AppResult<Response> {
    let (school, now, day) = school_now(&state, me.user.school_id.as_ref().ok_or(AppError::NotFound)?).await?;
    let result = match Weather::try_from(f) {
        Ok(w) => state
            .store
            .set_weather_alert(&me.user, &school.id, day, w.level, &w.note, now)
            .await
            .map_err(AppError::from),
        Err(i) => Err(AppError::Invalid(i)),
    };
    let message = told(Tr(lang), result, "ui-weather-set")?;
    today_page(&state, lang, &me, Some(message)).await
}
