//! 值班 — the duty roster (教师值班表): the school's posts and settings (here), who cannot serve
//! and the limits (availability), the term's turns, draft and published (turns), the generator
//! (generate), swaps (换班), absences and cover (代班), and the duty log (值班记录).

mod alerts;
mod availability;
mod care;
mod checks;
mod cover;
mod generate;
mod log;
mod reminders;
mod swaps;
mod turns;

pub(crate) use alerts::late_alert_recipients;
pub use availability::{Limit, UnavailableEntry};
pub use cover::{Gap, GapKind, StaffAbsence};
pub use generate::{Generated, ShortPost};
pub use log::DutyLogEntry;
pub use swaps::Swap;
pub use turns::{Turn, TurnSource};

use crate::audit::Actor;
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yanshi_domain::Invalid;
use yanshi_domain::clock::to_millis;
use yanshi_domain::duty::PostKind;
use yanshi_domain::duty::post::{PostSpec, digits};
use yanshi_domain::ids::{DutyPostId, SchoolId};
use yanshi_domain::policy::{Action, may};
use yanshi_domain::role::Role;
use yanshi_domain::school::parse_clock;

/// The school's duty settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutySettings {
    /// At most this many turns a week for anyone without their own limit.
    pub max_per_week: u8,
    /// An accepted swap waits for a leader's approval (else it stands once accepted).
    pub swaps_need_leader: bool,
    /// After this many minutes without the duty leader acting on a late pickup, the other
    /// leaders are told.
    pub leader_minutes: u32,
}

impl Default for DutySettings {
    fn default() -> Self {
        DutySettings {
            max_per_week: 3,
            swaps_need_leader: true,
            leader_minutes: 10,
        }
    }
}

/// A post as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: DutyPostId,
    pub spec: PostSpec,
    pub active: bool,
}

/// Only the school's leaders set duty up.
pub(crate) fn must_manage(who: &User, school: &SchoolId) -> Result<()> {
    if may(&who.principal(), Action::ManageDuty, Some(school)) {
        Ok(())
    } else {
        Err(StoreError::Forbidden("err-duty-not-leader"))
    }
}

pub(crate) fn post_from_row(r: &sqlx::any::AnyRow) -> Result<Post> {
    let id: String = r.try_get("id")?;
    let corrupt = |col: &str| StoreError::Corrupt(format!("duty_posts.{col} of {id}"));
    let kind: String = r.try_get("kind")?;
    let roles: String = r.try_get("roles")?;
    let roles = roles
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Role::parse(s).ok_or_else(|| corrupt("roles")))
        .collect::<Result<Vec<_>>>()?;
    let spec = PostSpec {
        kind: PostKind::from_code(&kind).ok_or_else(|| corrupt("kind"))?,
        name: r.try_get("name")?,
        weekdays: digits(&r.try_get::<String, _>("weekdays")?).ok_or_else(|| corrupt("weekdays"))?,
        grades: digits(&r.try_get::<String, _>("grades")?).ok_or_else(|| corrupt("grades"))?,
        starts: parse_clock(&r.try_get::<String, _>("starts")?).map_err(|_| corrupt("starts"))?,
        ends: parse_clock(&r.try_get::<String, _>("ends")?).map_err(|_| corrupt("ends"))?,
        needs: u8::try_from(r.try_get::<i64, _>("needs")?).map_err(|_| corrupt("needs"))?,
        weight_permille: u32::try_from(r.try_get::<i64, _>("weight_permille")?).map_err(|_| corrupt("weight_permille"))?,
        roles,
    };
    Ok(Post {
        id: DutyPostId::from_db(id.clone()),
        spec,
        active: r.try_get::<i64, _>("active")? != 0,
    })
}

fn roles_code(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

impl Store {
    pub async fn duty_settings(&self, school: &SchoolId) -> Result<DutySettings> {
        let row = sqlx::query("SELECT max_per_week, swaps_need_leader, leader_minutes FROM duty_settings WHERE school_id = $1")
            .bind(school.to_string())
            .fetch_optional(self.pool())
            .await?;
        let Some(r) = row else { return Ok(DutySettings::default()) };
        Ok(DutySettings {
            max_per_week: r.try_get::<i64, _>("max_per_week")?.clamp(0, 255) as u8,
            swaps_need_leader: r.try_get::<i64, _>("swaps_need_leader")? != 0,
            leader_minutes: r.try_get::<i64, _>("leader_minutes")?.clamp(0, 600) as u32,
        })
    }

    pub async fn set_duty_settings(&self, who: &User, school: &SchoolId, s: &DutySettings, now: OffsetDateTime) -> Result<()> {
        must_manage(who, school)?;
        if !(1..=10).contains(&s.max_per_week) {
            return Err(Invalid::new("max_per_week", "err-duty-max-per-week").into());
        }
        if !(1..=120).contains(&s.leader_minutes) {
            return Err(Invalid::new("leader_minutes", "err-duty-leader-minutes").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM duty_settings WHERE school_id = $1")
            .bind(school.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO duty_settings (school_id, max_per_week, swaps_need_leader, leader_minutes, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(school.to_string())
        .bind(i64::from(s.max_per_week))
        .bind(i64::from(s.swaps_need_leader))
        .bind(i64::from(s.leader_minutes))
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let details =
            json!({ "max_per_week": s.max_per_week, "swaps_need_leader": s.swaps_need_leader, "leader_minutes": s.leader_minutes });
        tx.commit(
            Some(school),
            &Actor::User(who.id.clone()),
            "duty.settings",
            school.as_str(),
            details,
            at,
        )
        .await
    }

    /// The school's posts, the active ones first, by kind and name.
    pub async fn duty_posts(&self, school: &SchoolId) -> Result<Vec<Post>> {
        let rows = sqlx::query(
            "SELECT id, kind, name, weekdays, grades, starts, ends, needs, weight_permille, roles, active FROM duty_posts WHERE school_id = $1 ORDER BY active DESC, kind, name",
        )
        .bind(school.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(post_from_row).collect()
    }

    pub async fn duty_post(&self, school: &SchoolId, id: &DutyPostId) -> Result<Post> {
        let row = sqlx::query(
            "SELECT id, kind, name, weekdays, grades, starts, ends, needs, weight_permille, roles, active FROM duty_posts WHERE school_id = $1 AND id = $2",
        )
        .bind(school.to_string())
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        post_from_row(&row)
    }

    /// Adds a post (`id` None) or changes one. A change reaches the roster when it is next
    /// generated; turns already placed stay until then.
    pub async fn save_duty_post(
        &self,
        who: &User,
        school: &SchoolId,
        id: Option<&DutyPostId>,
        spec: &PostSpec,
        active: bool,
        now: OffsetDateTime,
    ) -> Result<DutyPostId> {
        must_manage(who, school)?;
        let before = match id {
            Some(id) => Some(self.duty_post(school, id).await?),
            None => None,
        };
        let at = to_millis(now);
        let id = id.cloned().unwrap_or_else(DutyPostId::new);
        let mut tx = self.write().await?;
        // `before` found the post in this school (or there is none): one upsert writes it.
        sqlx::query(
            "INSERT INTO duty_posts (id, school_id, kind, name, weekdays, grades, starts, ends, needs, weight_permille, roles, active, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, weekdays = excluded.weekdays, grades = excluded.grades, \
             starts = excluded.starts, ends = excluded.ends, needs = excluded.needs, weight_permille = excluded.weight_permille, roles = excluded.roles, \
             active = excluded.active, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(spec.kind.as_str())
        .bind(&spec.name)
        .bind(spec.weekdays_code())
        .bind(spec.grades_code())
        .bind(yanshi_domain::school::format_clock(spec.starts))
        .bind(yanshi_domain::school::format_clock(spec.ends))
        .bind(i64::from(spec.needs))
        .bind(i64::from(spec.weight_permille))
        .bind(roles_code(&spec.roles))
        .bind(i64::from(active))
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let details = json!({
            "kind": spec.kind.as_str(), "name": spec.name, "weekdays": spec.weekdays_code(), "grades": spec.grades_code(),
            "starts": yanshi_domain::school::format_clock(spec.starts), "ends": yanshi_domain::school::format_clock(spec.ends),
            "needs": spec.needs, "weight_permille": spec.weight_permille, "active": active,
            "before": before.map(|p| json!({ "name": p.spec.name, "needs": p.spec.needs, "active": p.active })),
        });
        tx.commit(Some(school), &Actor::User(who.id.clone()), "duty.post", id.as_str(), details, at)
            .await?;
        Ok(id)
    }
}
