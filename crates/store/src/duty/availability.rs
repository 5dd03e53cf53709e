//! 不能值班 and the limits: when a person cannot serve (a weekday of every week, or a date, with
//! a reason), declared by themself or a leader, and each person's weekly limit or exclusion.

use super::must_manage;
use crate::audit::Actor;
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::to_millis;
use yanshi_domain::duty::post::{Unavailable, reason};
use yanshi_domain::ids::{SchoolId, UserId};
use yanshi_domain::policy::{Action, may};

/// One declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnavailableEntry {
    pub id: String,
    pub user_id: UserId,
    pub user_name: String,
    pub when: Unavailable,
    pub reason: String,
}

/// A person's own limit (None: the school's default) and whether they are left out of duty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub user_id: UserId,
    pub max_per_week: Option<u8>,
    pub excluded: bool,
}

/// May `who` declare for `person`? Themself (when they take duty), or a leader for anyone of the school.
async fn may_declare_for(store: &Store, who: &User, person: &UserId) -> Result<SchoolId> {
    let target = store.user(person).await.map_err(|_| StoreError::NotFound)?;
    let school = target.school_id.clone().ok_or(StoreError::NotFound)?;
    let own = &who.id == person && may(&who.principal(), Action::TakeDuty, Some(&school));
    if own || may(&who.principal(), Action::ManageDuty, Some(&school)) {
        Ok(school)
    } else {
        Err(StoreError::Forbidden("err-duty-not-yours"))
    }
}

impl Store {
    /// A school's declarations, or one person's.
    pub async fn duty_unavailable(&self, school: &SchoolId, person: Option<&UserId>) -> Result<Vec<UnavailableEntry>> {
        let rows = sqlx::query(
            "SELECT d.id, d.user_id, u.display_name, d.weekday, d.day, d.reason FROM duty_unavailable d JOIN users u ON u.id = d.user_id \
             WHERE d.school_id = $1 AND ($2 = '' OR d.user_id = $2) ORDER BY u.display_name, d.weekday, d.day",
        )
        .bind(school.to_string())
        .bind(person.map(ToString::to_string).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let weekday: Option<i64> = r.try_get("weekday")?;
                let day: Option<String> = r.try_get("day")?;
                let when = match (weekday, day) {
                    (Some(w), None) if (1..=5).contains(&w) => Unavailable::Weekday(w as u8),
                    (None, Some(d)) => {
                        Unavailable::Date(parse_date(&d).ok_or_else(|| StoreError::Corrupt(format!("duty_unavailable.day of {id}")))?)
                    }
                    _ => return Err(StoreError::Corrupt(format!("duty_unavailable of {id}"))),
                };
                Ok(UnavailableEntry {
                    id,
                    user_id: UserId::from_db(r.try_get("user_id")?),
                    user_name: r.try_get("display_name")?,
                    when,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    /// Declares that `person` cannot serve. It reaches the roster when it is next generated; a
    /// published turn on that day stays until then (or until cover is arranged).
    pub async fn declare_unavailable(
        &self,
        who: &User,
        person: &UserId,
        when: Unavailable,
        why: &str,
        now: OffsetDateTime,
    ) -> Result<String> {
        let school = may_declare_for(self, who, person).await?;
        let why = reason(why)?;
        if let Unavailable::Weekday(w) = when
            && !(1..=5).contains(&w)
        {
            return Err(Invalid::new("weekday", "err-duty-post-weekdays").into());
        }
        let (weekday, day) = match when {
            Unavailable::Weekday(w) => (Some(i64::from(w)), None),
            Unavailable::Date(d) => (None, Some(d.to_string())),
        };
        let at = to_millis(now);
        let id = yanshi_domain::ids::row_id();
        let mut tx = self.write().await?;
        let dup: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM duty_unavailable WHERE user_id = $1 AND COALESCE(weekday, 0) = COALESCE($2, 0) AND COALESCE(day, '') = COALESCE($3, '')",
        )
        .bind(person.to_string())
        .bind(weekday)
        .bind(day.clone())
        .fetch_one(&mut *tx)
        .await?;
        if dup > 0 {
            return Err(Invalid::new("when", "err-duty-unavailable-twice").into());
        }
        sqlx::query(
            "INSERT INTO duty_unavailable (id, school_id, user_id, weekday, day, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(school.to_string())
        .bind(person.to_string())
        .bind(weekday)
        .bind(day.clone())
        .bind(why)
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let details = json!({ "user": person.to_string(), "weekday": weekday, "day": day, "reason": why });
        tx.commit(Some(&school), &Actor::User(who.id.clone()), "duty.unavailable", &id, details, at)
            .await?;
        Ok(id)
    }

    /// Takes a declaration back (its person or a leader).
    pub async fn withdraw_unavailable(&self, who: &User, id: &str, now: OffsetDateTime) -> Result<()> {
        let person: String = sqlx::query_scalar("SELECT user_id FROM duty_unavailable WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let person = UserId::from_db(person);
        let school = may_declare_for(self, who, &person).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM duty_unavailable WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "duty.unavailable_withdrawn",
            id,
            json!({ "user": person.to_string() }),
            at,
        )
        .await
    }

    pub async fn duty_limits(&self, school: &SchoolId) -> Result<Vec<Limit>> {
        let rows = sqlx::query("SELECT user_id, max_per_week, excluded FROM duty_limits WHERE school_id = $1")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Limit {
                    user_id: UserId::from_db(r.try_get("user_id")?),
                    max_per_week: r.try_get::<Option<i64>, _>("max_per_week")?.map(|m| m.clamp(0, 255) as u8),
                    excluded: r.try_get::<i64, _>("excluded")? != 0,
                })
            })
            .collect()
    }

    /// A leader sets a person's weekly limit (None: the school's) or leaves them out of duty.
    pub async fn set_duty_limit(
        &self,
        who: &User,
        person: &UserId,
        max_per_week: Option<u8>,
        excluded: bool,
        now: OffsetDateTime,
    ) -> Result<()> {
        let target = self.user(person).await.map_err(|_| StoreError::NotFound)?;
        let school = target.school_id.clone().ok_or(StoreError::NotFound)?;
        must_manage(who, &school)?;
        if max_per_week.is_some_and(|m| !(1..=10).contains(&m)) {
            return Err(Invalid::new("max_per_week", "err-duty-max-per-week").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM duty_limits WHERE user_id = $1")
            .bind(person.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO duty_limits (user_id, school_id, max_per_week, excluded, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(person.to_string())
        .bind(school.to_string())
        .bind(max_per_week.map(i64::from))
        .bind(i64::from(excluded))
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let details = json!({ "user": person.to_string(), "max_per_week": max_per_week, "excluded": excluded });
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "duty.limit",
            person.as_str(),
            details,
            at,
        )
        .await
    }
}
