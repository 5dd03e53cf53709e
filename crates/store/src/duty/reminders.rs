//! 值班提醒: from 17:00 the day before a service day, everyone with published turns that day gets
//! one inbox notice listing them, once (`duty_reminders`, a key per person and day), whichever
//! instance gets there first; a restart later that evening catches up.

use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::{Result, Store};
use serde_json::json;
use time::{Date, OffsetDateTime, Time};
use yanshi_domain::calendar::DayStatus;
use yanshi_domain::clock::to_millis;
use yanshi_domain::ids::UserId;
use yanshi_domain::school::format_clock;
use yanshi_i18n::{Args, Message};

/// From this school-local time the next day's turns are announced.
pub const REMIND_FROM: Time = time::macros::time!(17:00);

impl Store {
    /// 值班提醒, run by every instance with the afternoon's watch: for each school past 17:00
    /// local time whose next day is a service day, the people on the next day's published
    /// roster not yet reminded get their notice. Returns how many were sent.
    pub async fn duty_reminder_sweep(&self, now: OffsetDateTime) -> Result<usize> {
        let mut sent = 0;
        for school in self.schools().await? {
            let local_now = yanshi_domain::school_time::local(now, &school.time_zone);
            if local_now.time() < REMIND_FROM {
                continue;
            }
            let Some(tomorrow) = local_now.date().next_day() else { continue };
            let people: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT t.user_id FROM duty_turns t JOIN users u ON u.id = t.user_id WHERE t.school_id = $1 AND t.published = 1 \
                 AND t.day = $2 AND u.disabled_at IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM duty_reminders r WHERE r.user_id = t.user_id AND r.day = t.day) ORDER BY t.user_id",
            )
            .bind(school.id.to_string())
            .bind(tomorrow.to_string())
            .fetch_all(self.pool())
            .await?;
            if people.is_empty() || !self.any_service_on(&school.id, tomorrow).await? {
                continue;
            }
            for person in people {
                sent += usize::from(self.remind_of_duty(&school, &UserId::from_db(person), tomorrow, now).await?);
            }
        }
        Ok(sent)
    }

    /// Does any grade have service on `day` (a day closed after the roster was published has none)?
    async fn any_service_on(&self, school: &yanshi_domain::ids::SchoolId, day: Date) -> Result<bool> {
        let Some(term) = self.term_on(school, day).await? else {
            return Ok(false);
        };
        let cal = self.service_calendar(term).await?;
        Ok(yanshi_domain::school::Grade::ALL
            .iter()
            .any(|g| matches!(cal.status(day, g.number()), DayStatus::Service { .. })))
    }

    async fn remind_of_duty(&self, school: &crate::School, person: &UserId, day: Date, now: OffsetDateTime) -> Result<bool> {
        let turns = self.my_duty_turns(person, day, day).await?;
        if turns.is_empty() {
            return Ok(false);
        }
        // Post names and hours are the school's data: "值班领导 17:30–18:30 · 等候室 18:00–19:00".
        let list = turns
            .iter()
            .map(|t| match (t.starts, t.ends) {
                (Some(s), Some(e)) => format!("{} {}–{}", t.place, format_clock(s), format_clock(e)),
                _ => t.place.clone(),
            })
            .collect::<Vec<_>>()
            .join(" · ");
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let inserted =
            sqlx::query("INSERT INTO duty_reminders (user_id, day, school_id, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(person.to_string())
                .bind(day.to_string())
                .bind(school.id.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if inserted == 0 {
            // Reminded already (here or on another instance).
            return Ok(false);
        }
        let args = Args::new()
            .text("day", day.to_string())
            .key("weekday", weekday_key(day))
            .text("turns", list);
        let notice = Notice::new(&school.id, vec![person.clone()], Message::new("msg-duty-reminder", args), false);
        enqueue(tx.tx(), &notice, at).await?;
        tx.commit(
            Some(&school.id),
            &Actor::System,
            "duty.remind",
            person.as_str(),
            json!({ "day": day.to_string(), "turns": turns.len() }),
            at,
        )
        .await?;
        Ok(true)
    }
}

/// 周一 … 周日 as a message key, so the reader's language names the day.
fn weekday_key(day: Date) -> &'static str {
    match day.weekday() {
        time::Weekday::Monday => "ui-weekday-1",
        time::Weekday::Tuesday => "ui-weekday-2",
        time::Weekday::Wednesday => "ui-weekday-3",
        time::Weekday::Thursday => "ui-weekday-4",
        time::Weekday::Friday => "ui-weekday-5",
        time::Weekday::Saturday => "ui-weekday-6",
        time::Weekday::Sunday => "ui-weekday-7",
    }
}
