//! 值班记录 — the duty log: the person on a published hallway, gate, waiting-room or leader
//! turn today signs what was checked and what happened, under their own name, once. `minutes`
//! is the post's length; a cover's entry names whom they covered for.

use super::turns::today;
use super::{Turn, must_manage};
use crate::audit::Actor;
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::duty::log::LogText;
use yanshi_domain::duty::{PostKind, minutes};
use yanshi_domain::ids::{DutyPostId, SchoolId, TurnId, UserId};

/// One signed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyLogEntry {
    pub id: String,
    pub day: Date,
    pub post_id: DutyPostId,
    pub post_name: String,
    pub kind: PostKind,
    pub user_id: UserId,
    pub user_name: String,
    pub checked: String,
    pub happened: String,
    pub minutes: u32,
    pub covered_for: Option<(UserId, String)>,
    pub signed_name: String,
    pub signed_at: OffsetDateTime,
}

const LOG_SELECT: &str = "SELECT l.id, l.day, l.post_id, p.name AS post_name, l.kind, l.user_id, u.display_name, l.checked, l.happened, l.minutes, \
     l.covered_for, cu.display_name AS covered_name, l.signed_name, l.signed_at FROM duty_log l JOIN duty_posts p ON p.id = l.post_id \
     JOIN users u ON u.id = l.user_id LEFT JOIN users cu ON cu.id = l.covered_for";

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<DutyLogEntry> {
    let id: String = r.try_get("id")?;
    let corrupt = |col: &str| StoreError::Corrupt(format!("duty_log.{col} of {id}"));
    let day: String = r.try_get("day")?;
    let kind: String = r.try_get("kind")?;
    let covered: Option<String> = r.try_get("covered_for")?;
    Ok(DutyLogEntry {
        day: parse_date(&day).ok_or_else(|| corrupt("day"))?,
        post_id: DutyPostId::from_db(r.try_get("post_id")?),
        post_name: r.try_get("post_name")?,
        kind: PostKind::from_code(&kind).ok_or_else(|| corrupt("kind"))?,
        user_id: UserId::from_db(r.try_get("user_id")?),
        user_name: r.try_get("display_name")?,
        checked: r.try_get("checked")?,
        happened: r.try_get("happened")?,
        minutes: u32::try_from(r.try_get::<i64, _>("minutes")?).map_err(|_| corrupt("minutes"))?,
        covered_for: covered
            .map(|c| {
                Ok::<_, StoreError>((
                    UserId::from_db(c),
                    r.try_get::<Option<String>, _>("covered_name")?.unwrap_or_default(),
                ))
            })
            .transpose()?,
        signed_name: r.try_get("signed_name")?,
        signed_at: from_millis(r.try_get("signed_at")?),
        id,
    })
}

impl Store {
    /// Today's turns of `who` that keep a log, each with its entry once signed.
    pub async fn my_duty_log_today(&self, who: &User, now: OffsetDateTime) -> Result<Vec<(Turn, Option<DutyLogEntry>)>> {
        let Some(school) = who.school_id.clone() else {
            return Ok(Vec::new());
        };
        let day = today(self, &school, now).await?;
        let signed = self.duty_log_of(&school, day, Some(&who.id)).await?;
        Ok(self
            .my_duty_turns(&who.id, day, day)
            .await?
            .into_iter()
            .filter(|t| t.kind.keeps_log())
            .map(|t| {
                let entry = signed.iter().find(|e| Some(&e.post_id) == t.post.as_ref()).cloned();
                (t, entry)
            })
            .collect())
    }

    /// The person on a published turn of today signs its log: what was checked, what
    /// happened, their own name. Once: a second signature is refused.
    pub async fn sign_duty_log(
        &self,
        who: &User,
        turn: &TurnId,
        checked: &str,
        happened: &str,
        typed_name: &str,
        now: OffsetDateTime,
    ) -> Result<String> {
        let (t, school, _, published) = self.duty_turn(turn).await?;
        if !published || t.user_id != who.id {
            return Err(StoreError::Forbidden("err-duty-log-not-yours"));
        }
        let text = LogText::parse(checked, happened)?;
        yanshi_domain::service_record::own_name(typed_name, &who.display_name)?;
        if !t.kind.keeps_log() {
            return Err(Invalid::new("turn", "err-duty-log-kind").into());
        }
        if t.day != today(self, &school, now).await? {
            return Err(Invalid::new("turn", "err-duty-log-not-today").into());
        }
        let (Some(post), Some(starts), Some(ends)) = (t.post.clone(), t.starts, t.ends) else {
            return Err(Invalid::new("turn", "err-duty-log-kind").into());
        };
        let at = to_millis(now);
        let id = yanshi_domain::ids::row_id();
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO duty_log (id, school_id, day, post_id, kind, user_id, checked, happened, minutes, covered_for, signed_name, signed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(school.to_string())
        .bind(t.day.to_string())
        .bind(post.to_string())
        .bind(t.kind.as_str())
        .bind(who.id.to_string())
        .bind(&text.checked)
        .bind(&text.happened)
        .bind(i64::from(minutes(starts, ends)))
        .bind(t.covers.as_ref().map(|c| c.0.to_string()))
        .bind(typed_name.trim())
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(|e| match e {
            StoreError::Conflict(_) => Invalid::new("turn", "err-duty-log-signed").into(),
            e => e,
        })?;
        let details = json!({
            "day": t.day.to_string(), "post": t.place, "minutes": minutes(starts, ends),
            "covered_for": t.covers.as_ref().map(|c| c.0.as_str().to_string()), "happened": !text.happened.is_empty(),
        });
        tx.commit(Some(&school), &Actor::User(who.id.clone()), "duty.log", &id, details, at)
            .await?;
        Ok(id)
    }

    /// The school's duty log of a day, for its leaders.
    pub async fn duty_log(&self, who: &User, school: &SchoolId, day: Date) -> Result<Vec<DutyLogEntry>> {
        must_manage(who, school)?;
        self.duty_log_of(school, day, None).await
    }

    async fn duty_log_of(&self, school: &SchoolId, day: Date, person: Option<&UserId>) -> Result<Vec<DutyLogEntry>> {
        let sql = format!(
            "{LOG_SELECT} WHERE l.school_id = $1 AND l.day = $2 AND ($3 = '' OR l.user_id = $3) ORDER BY l.kind, p.name, u.display_name"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(school.to_string())
            .bind(day.to_string())
            .bind(person.map(ToString::to_string).unwrap_or_default())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(entry_from_row).collect()
    }
}
