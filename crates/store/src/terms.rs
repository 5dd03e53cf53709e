//! Terms (学期) and the service calendar (校历) of a school.

use crate::audit::Actor;
use crate::setup::{from_minutes, minutes};
use crate::{OnConflict, Result, Store, StoreError};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::{
    DayStatus, GradeTimes, HolidayCalendar, OverrideKind, SchoolOverride, Season, TermDates, day_status, parse_date,
};
use yanshi_domain::clock::to_millis;
use yanshi_domain::ids::{OverrideId, SchoolId, TermId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub id: TermId,
    pub school_id: SchoolId,
    pub name: String,
    pub dates: TermDates,
    pub times: GradeTimes,
}

/// A new term. Without first/last service days, the first workday after the start and the
/// last workday before the end are used (plan §五.3).
pub struct NewTerm {
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub first_service_day: Option<Date>,
    pub last_service_day: Option<Date>,
    pub times: GradeTimes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOverride {
    pub id: OverrideId,
    pub value: SchoolOverride,
}

/// Everything "is D a service day for grade G" needs, loaded once.
pub struct ServiceCalendar {
    pub term: Term,
    pub overrides: Vec<SchoolOverride>,
    pub policy: yanshi_domain::calendar::ServicePolicy,
    pub holidays: HolidayCalendar,
}

impl ServiceCalendar {
    pub fn status(&self, date: Date, grade: u8) -> DayStatus {
        day_status(
            date,
            grade,
            &self.term.dates,
            &self.holidays,
            &self.overrides,
            &self.policy,
            &self.term.times,
        )
    }
}

fn date_col(r: &sqlx::any::AnyRow, col: &str) -> Result<Date> {
    let s: String = r.try_get(col)?;
    parse_date(&s).ok_or_else(|| StoreError::Corrupt(format!("{col} = {s}")))
}

impl Store {
    pub async fn create_term(&self, actor: &Actor, school: &SchoolId, new: NewTerm, now: OffsetDateTime) -> Result<Term> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(Invalid::new("name", "err-term-name").into());
        }
        if new.ends_on <= new.starts_on || (new.ends_on - new.starts_on).whole_days() > 200 {
            return Err(Invalid::new("ends_on", "err-term-dates").into());
        }
        let cal = HolidayCalendar::bundled();
        let first = new.first_service_day.unwrap_or_else(|| cal.first_workday_from(new.starts_on));
        let last = new.last_service_day.unwrap_or_else(|| cal.last_workday_until(new.ends_on));
        if first < new.starts_on || last > new.ends_on || first > last {
            return Err(Invalid::new("first_service_day", "err-service-period").into());
        }
        let policy = self.service_policy(school).await?;
        if new.times.end.values().any(|t| *t > policy.latest_end) {
            return Err(Invalid::new("end", "err-end-after-latest").into());
        }
        for ((grade, weekday), start) in &new.times.dismissal {
            let end = new.times.end.get(&(*grade, Season::Winter)).copied().unwrap_or(policy.default_end);
            if !(1..=6).contains(grade) || *weekday > 7 || *start >= end {
                return Err(Invalid::new("dismissal", "err-dismissal-after-end").into());
            }
        }
        let id = TermId::new();
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO terms (id, school_id, name, starts_on, ends_on, first_service_day, last_service_day, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id.to_string())
            .bind(school.to_string())
            .bind(name.to_string())
            .bind(new.starts_on.to_string())
            .bind(new.ends_on.to_string())
            .bind(first.to_string())
            .bind(last.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await
            .on_conflict("name", "err-term-name-taken")?;
        for ((grade, weekday), t) in &new.times.dismissal {
            sqlx::query("INSERT INTO term_dismissal_times (term_id, grade, weekday, minute) VALUES ($1, $2, $3, $4)")
                .bind(id.to_string())
                .bind(*grade as i64)
                .bind(*weekday as i64)
                .bind(minutes(*t))
                .execute(&mut *tx)
                .await?;
        }
        for ((grade, season), t) in &new.times.end {
            sqlx::query("INSERT INTO term_end_times (term_id, grade, season, minute) VALUES ($1, $2, $3, $4)")
                .bind(id.to_string())
                .bind(*grade as i64)
                .bind(season.as_str())
                .bind(minutes(*t))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit(
            Some(school),
            actor,
            "term.create",
            id.as_str(),
            json!({ "name": name, "first_service_day": first.to_string(), "last_service_day": last.to_string() }),
            at,
        )
        .await?;
        self.term(&id).await
    }

    pub async fn term(&self, id: &TermId) -> Result<Term> {
        let r = sqlx::query("SELECT * FROM terms WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        let mut times = GradeTimes::default();
        for t in sqlx::query("SELECT grade, weekday, minute FROM term_dismissal_times WHERE term_id = $1")
            .bind(id.to_string())
            .fetch_all(self.pool())
            .await?
        {
            times.dismissal.insert(
                (t.try_get::<i64, _>("grade")? as u8, t.try_get::<i64, _>("weekday")? as u8),
                from_minutes(t.try_get("minute")?),
            );
        }
        for t in sqlx::query("SELECT grade, season, minute FROM term_end_times WHERE term_id = $1")
            .bind(id.to_string())
            .fetch_all(self.pool())
            .await?
        {
            let season: String = t.try_get("season")?;
            let season = Season::parse(&season).ok_or_else(|| StoreError::Corrupt(format!("term_end_times.season = {season}")))?;
            times
                .end
                .insert((t.try_get::<i64, _>("grade")? as u8, season), from_minutes(t.try_get("minute")?));
        }
        Ok(Term {
            id: id.clone(),
            school_id: SchoolId::from_db(r.try_get("school_id")?),
            name: r.try_get("name")?,
            dates: TermDates {
                starts_on: date_col(&r, "starts_on")?,
                ends_on: date_col(&r, "ends_on")?,
                first_service_day: date_col(&r, "first_service_day")?,
                last_service_day: date_col(&r, "last_service_day")?,
            },
            times,
        })
    }

    /// A school's terms, newest first.
    pub async fn terms(&self, school: &SchoolId) -> Result<Vec<Term>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM terms WHERE school_id = $1 ORDER BY starts_on DESC")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.term(&TermId::from_db(id)).await?);
        }
        Ok(out)
    }

    /// The term a date falls in (between its start and end), if any.
    pub async fn term_on(&self, school: &SchoolId, date: Date) -> Result<Option<Term>> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM terms WHERE school_id = $1 AND starts_on <= $2 AND ends_on >= $2 ORDER BY starts_on DESC LIMIT 1",
        )
        .bind(school.to_string())
        .bind(date.to_string())
        .fetch_optional(self.pool())
        .await?;
        match id {
            Some(id) => Ok(Some(self.term(&TermId::from_db(id)).await?)),
            None => Ok(None),
        }
    }

    pub async fn calendar_overrides(&self, school: &SchoolId) -> Result<Vec<StoredOverride>> {
        let rows = sqlx::query("SELECT * FROM calendar_overrides WHERE school_id = $1 ORDER BY day, grade")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                let grade: i64 = r.try_get("grade")?;
                Ok(StoredOverride {
                    id: OverrideId::from_db(r.try_get("id")?),
                    value: SchoolOverride {
                        date: date_col(r, "day")?,
                        kind: OverrideKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("calendar_overrides.kind = {kind}")))?,
                        grade: (grade > 0).then_some(grade as u8),
                        reason: r.try_get("reason")?,
                    },
                })
            })
            .collect()
    }

    /// Adds a closure or an extra day. A reason is required; one change per day and grade.
    pub async fn add_calendar_override(
        &self,
        actor: &Actor,
        school: &SchoolId,
        o: &SchoolOverride,
        now: OffsetDateTime,
    ) -> Result<OverrideId> {
        let reason = o.reason.trim();
        if reason.is_empty() || reason.chars().count() > 60 {
            return Err(Invalid::new("reason", "err-reason-required").into());
        }
        if o.grade.is_some_and(|g| !(1..=6).contains(&g)) {
            return Err(Invalid::new("grade", "err-grade").into());
        }
        let id = OverrideId::new();
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO calendar_overrides (id, school_id, day, grade, kind, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(o.date.to_string())
        .bind(o.grade.unwrap_or(0) as i64)
        .bind(o.kind.as_str())
        .bind(reason.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await
        .on_conflict("date", "err-override-exists")?;
        tx.commit(
            Some(school),
            actor,
            "calendar.add_override",
            id.as_str(),
            json!({ "date": o.date.to_string(), "kind": o.kind.as_str(), "grade": o.grade, "reason": reason }),
            at,
        )
        .await?;
        Ok(id)
    }

    pub async fn remove_calendar_override(&self, actor: &Actor, school: &SchoolId, id: &OverrideId, now: OffsetDateTime) -> Result<()> {
        let mut tx = self.write().await?;
        let r = sqlx::query("DELETE FROM calendar_overrides WHERE id = $1 AND school_id = $2")
            .bind(id.to_string())
            .bind(school.to_string())
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit(
            Some(school),
            actor,
            "calendar.remove_override",
            id.as_str(),
            json!({}),
            to_millis(now),
        )
        .await?;
        Ok(())
    }

    /// The service calendar of a term: what `status(date, grade)` needs, read once.
    pub async fn service_calendar(&self, term: Term) -> Result<ServiceCalendar> {
        let overrides = self
            .calendar_overrides(&term.school_id)
            .await?
            .into_iter()
            .map(|o| o.value)
            .collect();
        let policy = self.service_policy(&term.school_id).await?;
        Ok(ServiceCalendar {
            term,
            overrides,
            policy,
            holidays: HolidayCalendar::bundled(),
        })
    }
}
