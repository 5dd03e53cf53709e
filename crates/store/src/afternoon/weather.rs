//! 天气预警 — the day's weather warning; from ORANGE up no child leaves alone.

use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::{SchoolId, UserId};
use yanshi_domain::policy::is_school_leader;
use yanshi_i18n::{Args, Message};

/// 天气预警 in force for a school on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeatherAlert {
    pub level: yanshi_domain::afternoon::WeatherLevel,
    pub note: String,
    pub set_by: String,
    pub at: OffsetDateTime,
}

impl Store {
    /// A school leader sets the day's weather warning (NONE lifts it). From ORANGE up, no child
    /// leaves alone, and the guardians of the children enrolled this term are told at once to
    /// pick their child up.
    pub async fn set_weather_alert(
        &self,
        who: &User,
        school: &SchoolId,
        day: Date,
        level: yanshi_domain::afternoon::WeatherLevel,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if !is_school_leader(&who.principal(), school) {
            return Err(StoreError::Forbidden("err-weather-not-yours"));
        }
        let note = note.trim();
        if note.chars().count() > 200 {
            return Err(Invalid::new("note", "err-text-too-long").into());
        }
        let before = self.weather_alert(school, day).await?.map(|w| w.level);
        let newly_suspends = level.suspends_self_leave() && !before.is_some_and(|b| b.suspends_self_leave());
        let guardians: Vec<UserId> = if newly_suspends {
            let term = self.term_on(school, day).await?;
            match term {
                Some(term) => sqlx::query_scalar::<_, String>(
                    "SELECT DISTINCT g.user_id FROM enrolments e JOIN student_guardians sg ON sg.student_id = e.student_id \
                     JOIN guardians g ON g.id = sg.guardian_id WHERE e.term_id = $1 AND e.state = 'ACTIVE' AND g.user_id IS NOT NULL AND sg.confirmed_at IS NOT NULL",
                )
                .bind(term.id.to_string())
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .map(UserId::from_db)
                .collect(),
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO weather_alerts (id, school_id, day, level, note, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(yanshi_domain::ids::row_id())
            .bind(school.to_string())
            .bind(day.to_string())
            .bind(level.as_str())
            .bind(note)
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        if !guardians.is_empty() {
            let args = Args::new().key("level", level.key()).text("note", note);
            let key = if note.is_empty() {
                "msg-weather-pick-up"
            } else {
                "msg-weather-pick-up-noted"
            };
            enqueue(tx.tx(), &Notice::new(school, guardians, Message::new(key, args), false), at).await?;
        }
        tx.commit(
            Some(school),
            &Actor::User(who.id.clone()),
            "weather.set",
            school.as_str(),
            json!({ "day": day.to_string(), "level": level.as_str(), "note": note, "before": before.map(|b| b.as_str()) }),
            at,
        )
        .await?;
        Ok(())
    }

    /// The newest weather warning set for the day, if any (a NONE row means lifted).
    pub async fn weather_alert(&self, school: &SchoolId, day: Date) -> Result<Option<WeatherAlert>> {
        let row = sqlx::query(
            "SELECT w.level, w.note, w.set_at, u.display_name FROM weather_alerts w JOIN users u ON u.id = w.set_by \
             WHERE w.school_id = $1 AND w.day = $2 ORDER BY w.set_at DESC, w.id DESC LIMIT 1",
        )
        .bind(school.to_string())
        .bind(day.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let level: String = r.try_get("level")?;
        let level = yanshi_domain::afternoon::WeatherLevel::parse(&level)
            .map_err(|_| StoreError::Corrupt(format!("weather_alerts.level = {level}")))?;
        if level == yanshi_domain::afternoon::WeatherLevel::None {
            return Ok(None);
        }
        Ok(Some(WeatherAlert {
            level,
            note: r.try_get("note")?,
            set_by: r.try_get("display_name")?,
            at: from_millis(r.try_get("set_at")?),
        }))
    }
}
