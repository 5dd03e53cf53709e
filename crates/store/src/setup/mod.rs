//! Setting up a school (学校设置): the profile and service policy here; the leadership group and
//! the grade directors in `leadership`; places and classes in `classes`.

mod classes;
mod leadership;

use crate::audit::Actor;
use crate::{OnConflict, Result, Store, StoreError, Tx};
use serde_json::json;
use sqlx::Row;
use time::{Month, OffsetDateTime, Time};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::ServicePolicy;
use yanshi_domain::clock::to_millis;
use yanshi_domain::ids::{ClassId, PlaceId, SchoolId, UserId};
use yanshi_domain::policy::ClassScope;
use yanshi_domain::school::{Grade, PlaceKind, class_name_zh};

/// 组长 / 副组长 / 成员 of the leadership group (plan §四).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaderPosition {
    Leader,
    Deputy,
    Member,
}

impl LeaderPosition {
    pub const ALL: [LeaderPosition; 3] = [LeaderPosition::Leader, LeaderPosition::Deputy, LeaderPosition::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            LeaderPosition::Leader => "leader",
            LeaderPosition::Deputy => "deputy",
            LeaderPosition::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeadershipMember {
    pub position: LeaderPosition,
    pub name: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    pub id: PlaceId,
    pub name: String,
    #[serde(serialize_with = "place_kind")]
    pub kind: PlaceKind,
}

fn place_kind<S: serde::Serializer>(k: &PlaceKind, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClassInfo {
    pub id: ClassId,
    pub school_id: SchoolId,
    pub grade: u8,
    pub number: u8,
    /// 三年级二班
    pub name: String,
    pub classroom: Option<String>,
    pub class_teacher: Option<(UserId, String)>,
    pub grade_director: Option<(UserId, String)>,
    pub active_students: i64,
}

impl ClassInfo {
    pub fn scope(&self) -> ClassScope {
        ClassScope {
            school: self.school_id.clone(),
            grade: self.grade,
            class_teacher: self.class_teacher.as_ref().map(|t| t.0.clone()),
            grade_director: self.grade_director.as_ref().map(|t| t.0.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GradeInfo {
    pub grade: u8,
    pub name: String,
    pub director: Option<(UserId, String)>,
}

pub(crate) fn minutes(t: Time) -> i64 {
    t.hour() as i64 * 60 + t.minute() as i64
}

pub(crate) fn from_minutes(m: i64) -> Time {
    Time::from_hms((m.clamp(0, 24 * 60 - 1) / 60) as u8, (m.clamp(0, 24 * 60 - 1) % 60) as u8, 0).unwrap_or(Time::MIDNIGHT)
}

fn mmdd(md: (Month, u8)) -> String {
    format!("{:02}-{:02}", md.0 as u8, md.1)
}

fn parse_mmdd(s: &str) -> Option<(Month, u8)> {
    let (m, d) = s.split_once('-')?;
    Some((Month::try_from(m.parse::<u8>().ok()?).ok()?, d.parse().ok()?))
}

const CLASS_SELECT: &str = "SELECT c.id, c.school_id, c.grade, c.number, p.name AS classroom, c.class_teacher_id, t.display_name AS teacher_name, \
     g.director_id, d.display_name AS director_name, \
     (SELECT COUNT(*) FROM students s WHERE s.class_id = c.id AND s.active = 1) AS active_students \
     FROM classes c LEFT JOIN places p ON p.id = c.classroom_id LEFT JOIN users t ON t.id = c.class_teacher_id \
     LEFT JOIN grades g ON g.school_id = c.school_id AND g.grade = c.grade LEFT JOIN users d ON d.id = g.director_id";

fn class_from_row(r: &sqlx::any::AnyRow) -> Result<ClassInfo> {
    let grade = r.try_get::<i64, _>("grade")? as u8;
    let number = r.try_get::<i64, _>("number")? as u8;
    let g = Grade::new(grade as u32).map_err(|_| StoreError::Corrupt(format!("classes.grade = {grade}")))?;
    let pair = |id: Option<String>, name: Option<String>| id.map(|i| (UserId::from_db(i), name.unwrap_or_default()));
    Ok(ClassInfo {
        id: ClassId::from_db(r.try_get("id")?),
        school_id: SchoolId::from_db(r.try_get("school_id")?),
        grade,
        number,
        name: class_name_zh(g, number),
        classroom: r.try_get("classroom")?,
        class_teacher: pair(r.try_get("class_teacher_id")?, r.try_get("teacher_name")?),
        grade_director: pair(r.try_get("director_id")?, r.try_get("director_name")?),
        active_students: r.try_get("active_students")?,
    })
}

/// A user of `school` with a staff role, or an error naming the field.
async fn staff_user_of(tx: &mut Tx, school: &SchoolId, user: &UserId, field: &'static str) -> Result<()> {
    let row = sqlx::query("SELECT role FROM users WHERE id = $1 AND school_id = $2 AND disabled_at IS NULL")
        .bind(user.to_string())
        .bind(school.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    match row.map(|r| r.try_get::<String, _>("role")).transpose()? {
        Some(role) if role != "guardian" => Ok(()),
        _ => Err(Invalid::new(field, "err-not-staff-of-school").into()),
    }
}

impl Store {
    /// The service policy, or the defaults until the school sets its own.
    pub async fn service_policy(&self, school: &SchoolId) -> Result<ServicePolicy> {
        let row = sqlx::query("SELECT * FROM service_policies WHERE school_id = $1")
            .bind(school.to_string())
            .fetch_optional(self.pool())
            .await?;
        let Some(r) = row else { return Ok(ServicePolicy::default()) };
        let d = ServicePolicy::default();
        Ok(ServicePolicy {
            default_end: from_minutes(r.try_get("default_end_minute")?),
            summer_from: parse_mmdd(&r.try_get::<String, _>("summer_from")?).unwrap_or(d.summer_from),
            winter_from: parse_mmdd(&r.try_get::<String, _>("winter_from")?).unwrap_or(d.winter_from),
            latest_end: from_minutes(r.try_get("latest_end_minute")?),
            late_pickup_wait_minutes: r.try_get::<i64, _>("late_pickup_wait_minutes")?.clamp(0, 240) as u16,
            leave_cutoff: from_minutes(r.try_get("leave_cutoff_minute")?),
        })
    }

    /// Saves the profile and the service policy in one change.
    pub async fn update_school_settings(
        &self,
        actor: &Actor,
        school: &SchoolId,
        address: &str,
        contact: &str,
        policy: &ServicePolicy,
        now: OffsetDateTime,
    ) -> Result<()> {
        let (address, contact) = (address.trim(), contact.trim());
        if address.chars().count() > 100 {
            return Err(Invalid::new("address", "err-text-too-long").into());
        }
        if contact.chars().count() > 60 {
            return Err(Invalid::new("contact", "err-text-too-long").into());
        }
        if policy.default_end > policy.latest_end {
            return Err(Invalid::new("default_end", "err-end-after-latest").into());
        }
        if policy.late_pickup_wait_minutes > 120 {
            return Err(Invalid::new("late_pickup_wait_minutes", "err-wait-minutes").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("UPDATE schools SET address = $2, contact = $3 WHERE id = $1")
            .bind(school.to_string())
            .bind(address.to_string())
            .bind(contact.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM service_policies WHERE school_id = $1")
            .bind(school.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO service_policies (school_id, default_end_minute, summer_from, winter_from, latest_end_minute, late_pickup_wait_minutes, leave_cutoff_minute) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(school.to_string())
        .bind(minutes(policy.default_end))
        .bind(mmdd(policy.summer_from))
        .bind(mmdd(policy.winter_from))
        .bind(minutes(policy.latest_end))
        .bind(policy.late_pickup_wait_minutes as i64)
        .bind(minutes(policy.leave_cutoff))
        .execute(&mut *tx)
        .await?;
        let details = json!({
            "address": address, "contact": contact, "default_end": minutes(policy.default_end), "latest_end": minutes(policy.latest_end),
            "summer_from": mmdd(policy.summer_from), "winter_from": mmdd(policy.winter_from),
            "late_pickup_wait_minutes": policy.late_pickup_wait_minutes, "leave_cutoff": minutes(policy.leave_cutoff),
        });
        tx.commit(Some(school), actor, "school.update_settings", school.as_str(), details, at)
            .await?;
        Ok(())
    }

    /// (address, contact)
    pub async fn school_profile(&self, school: &SchoolId) -> Result<(String, String)> {
        let r = sqlx::query("SELECT address, contact FROM schools WHERE id = $1")
            .bind(school.to_string())
            .fetch_one(self.pool())
            .await?;
        Ok((r.try_get("address")?, r.try_get("contact")?))
    }
}
