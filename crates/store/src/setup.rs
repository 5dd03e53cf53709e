//! Setting up a school (学校设置): profile, service policy, the leadership group, grades,
//! places and classes.

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

    pub async fn leadership(&self, school: &SchoolId) -> Result<Vec<LeadershipMember>> {
        let rows = sqlx::query("SELECT position, name, title FROM leadership_members WHERE school_id = $1 ORDER BY sort")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let p: String = r.try_get("position")?;
                Ok(LeadershipMember {
                    position: LeaderPosition::parse(&p).ok_or_else(|| StoreError::Corrupt(format!("leadership_members.position = {p}")))?,
                    name: r.try_get("name")?,
                    title: r.try_get("title")?,
                })
            })
            .collect()
    }

    /// Replaces the leadership group (组长 first). Exactly one 组长.
    pub async fn set_leadership(&self, actor: &Actor, school: &SchoolId, members: &[LeadershipMember], now: OffsetDateTime) -> Result<()> {
        if members.iter().filter(|m| m.position == LeaderPosition::Leader).count() != 1 {
            return Err(Invalid::new("leadership", "err-one-leader").into());
        }
        if members.len() > 30
            || members
                .iter()
                .any(|m| m.name.trim().is_empty() || m.name.chars().count() > 40 || m.title.chars().count() > 40)
        {
            return Err(Invalid::new("leadership", "err-leadership-member").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM leadership_members WHERE school_id = $1")
            .bind(school.to_string())
            .execute(&mut *tx)
            .await?;
        for (i, m) in members.iter().enumerate() {
            sqlx::query("INSERT INTO leadership_members (id, school_id, position, name, title, sort) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(PlaceId::new().to_string())
                .bind(school.to_string())
                .bind(m.position.as_str())
                .bind(m.name.trim().to_string())
                .bind(m.title.trim().to_string())
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit(
            Some(school),
            actor,
            "school.set_leadership",
            school.as_str(),
            json!({ "members": members.len() }),
            at,
        )
        .await?;
        Ok(())
    }

    pub async fn grades(&self, school: &SchoolId) -> Result<Vec<GradeInfo>> {
        let rows = sqlx::query(
            "SELECT g.grade, g.director_id, u.display_name FROM grades g LEFT JOIN users u ON u.id = g.director_id WHERE g.school_id = $1",
        )
        .bind(school.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<GradeInfo> = Grade::ALL
            .iter()
            .map(|g| GradeInfo {
                grade: g.number(),
                name: g.name_zh(),
                director: None,
            })
            .collect();
        for r in rows {
            let g = r.try_get::<i64, _>("grade")?;
            if let (Some(info), Some(id)) = (
                out.iter_mut().find(|x| x.grade as i64 == g),
                r.try_get::<Option<String>, _>("director_id")?,
            ) {
                info.director = Some((
                    UserId::from_db(id),
                    r.try_get::<Option<String>, _>("display_name")?.unwrap_or_default(),
                ));
            }
        }
        Ok(out)
    }

    /// Names (or clears) a grade's director (年级主任).
    pub async fn set_grade_director(
        &self,
        actor: &Actor,
        school: &SchoolId,
        grade: Grade,
        director: Option<&UserId>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        if let Some(d) = director {
            staff_user_of(tx.tx(), school, d, "director").await?;
        }
        sqlx::query("DELETE FROM grades WHERE school_id = $1 AND grade = $2")
            .bind(school.to_string())
            .bind(grade.number() as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO grades (school_id, grade, director_id) VALUES ($1, $2, $3)")
            .bind(school.to_string())
            .bind(grade.number() as i64)
            .bind(director.map(ToString::to_string))
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(school),
            actor,
            "grade.set_director",
            &grade.number().to_string(),
            json!({ "director": director.map(|d| d.as_str()) }),
            to_millis(now),
        )
        .await?;
        Ok(())
    }

    pub async fn places(&self, school: &SchoolId) -> Result<Vec<Place>> {
        let rows = sqlx::query("SELECT id, name, kind FROM places WHERE school_id = $1 ORDER BY kind, name")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let k: String = r.try_get("kind")?;
                Ok(Place {
                    id: PlaceId::from_db(r.try_get("id")?),
                    name: r.try_get("name")?,
                    kind: PlaceKind::parse(&k).ok_or_else(|| StoreError::Corrupt(format!("places.kind = {k}")))?,
                })
            })
            .collect()
    }

    pub async fn create_place(&self, actor: &Actor, school: &SchoolId, name: &str, kind: PlaceKind, now: OffsetDateTime) -> Result<Place> {
        let mut tx = self.write().await?;
        let place = insert_place(tx.tx(), school, name, kind).await?;
        tx.commit(
            Some(school),
            actor,
            "place.create",
            place.id.as_str(),
            json!({ "name": place.name, "kind": kind.as_str() }),
            to_millis(now),
        )
        .await?;
        Ok(place)
    }

    pub async fn classes(&self, school: &SchoolId) -> Result<Vec<ClassInfo>> {
        let sql = sqlx::AssertSqlSafe(format!("{CLASS_SELECT} WHERE c.school_id = $1 ORDER BY c.grade, c.number"));
        let rows = sqlx::query(sql).bind(school.to_string()).fetch_all(self.pool()).await?;
        rows.iter().map(class_from_row).collect()
    }

    pub async fn class(&self, id: &ClassId) -> Result<ClassInfo> {
        let sql = sqlx::AssertSqlSafe(format!("{CLASS_SELECT} WHERE c.id = $1"));
        let row = sqlx::query(sql).bind(id.to_string()).fetch_one(self.pool()).await?;
        class_from_row(&row)
    }

    /// The classes a class teacher or grade director is responsible for.
    pub async fn classes_of_staff(&self, school: &SchoolId, user: &UserId) -> Result<Vec<ClassInfo>> {
        Ok(self
            .classes(school)
            .await?
            .into_iter()
            .filter(|c| c.class_teacher.as_ref().map(|t| &t.0) == Some(user) || c.grade_director.as_ref().map(|t| &t.0) == Some(user))
            .collect())
    }

    /// Creates a class with its own classroom (服务场所, plan §五.4).
    pub async fn create_class(&self, actor: &Actor, school: &SchoolId, grade: Grade, number: u8, now: OffsetDateTime) -> Result<ClassInfo> {
        if !(1..=30).contains(&number) {
            return Err(Invalid::new("class", "err-class").into());
        }
        let mut tx = self.write().await?;
        let id = insert_class(tx.tx(), school, grade, number).await?;
        tx.commit(
            Some(school),
            actor,
            "class.create",
            id.as_str(),
            json!({ "grade": grade.number(), "number": number }),
            to_millis(now),
        )
        .await?;
        self.class(&id).await
    }

    /// Creates `per_grade` classes in every grade that has fewer (a new school's first step).
    pub async fn create_standard_classes(&self, actor: &Actor, school: &SchoolId, per_grade: u8, now: OffsetDateTime) -> Result<usize> {
        if !(1..=30).contains(&per_grade) {
            return Err(Invalid::new("per_grade", "err-class").into());
        }
        let mut tx = self.write().await?;
        let mut created = 0;
        for grade in Grade::ALL {
            for number in 1..=per_grade {
                let exists = sqlx::query("SELECT id FROM classes WHERE school_id = $1 AND grade = $2 AND number = $3")
                    .bind(school.to_string())
                    .bind(grade.number() as i64)
                    .bind(number as i64)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    insert_class(tx.tx(), school, grade, number).await?;
                    created += 1;
                }
            }
        }
        tx.commit(
            Some(school),
            actor,
            "class.create_standard",
            school.as_str(),
            json!({ "per_grade": per_grade, "created": created }),
            to_millis(now),
        )
        .await?;
        Ok(created)
    }

    /// Names (or clears) a class's class teacher (班主任).
    pub async fn set_class_teacher(&self, actor: &Actor, class: &ClassId, teacher: Option<&UserId>, now: OffsetDateTime) -> Result<()> {
        let info = self.class(class).await?;
        let mut tx = self.write().await?;
        if let Some(t) = teacher {
            staff_user_of(tx.tx(), &info.school_id, t, "class_teacher").await?;
        }
        sqlx::query("UPDATE classes SET class_teacher_id = $2 WHERE id = $1")
            .bind(class.to_string())
            .bind(teacher.map(ToString::to_string))
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(&info.school_id),
            actor,
            "class.set_teacher",
            class.as_str(),
            json!({ "teacher": teacher.map(|t| t.as_str()) }),
            to_millis(now),
        )
        .await?;
        Ok(())
    }
}

pub(crate) async fn insert_place(tx: &mut Tx, school: &SchoolId, name: &str, kind: PlaceKind) -> Result<Place> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(Invalid::new("name", "err-place-name").into());
    }
    let id = PlaceId::new();
    sqlx::query("INSERT INTO places (id, school_id, name, kind) VALUES ($1, $2, $3, $4)")
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(name.to_string())
        .bind(kind.as_str())
        .execute(&mut **tx)
        .await
        .on_conflict("name", "err-place-taken")?;
    Ok(Place {
        id,
        name: name.to_string(),
        kind,
    })
}

async fn insert_class(tx: &mut Tx, school: &SchoolId, grade: Grade, number: u8) -> Result<ClassId> {
    let name = class_name_zh(grade, number);
    // The classroom may exist already (a class re-created): reuse it.
    let existing = sqlx::query("SELECT id FROM places WHERE school_id = $1 AND name = $2")
        .bind(school.to_string())
        .bind(format!("{name}教室"))
        .fetch_optional(&mut **tx)
        .await?;
    let room = match existing {
        Some(r) => PlaceId::from_db(r.try_get("id")?),
        None => insert_place(tx, school, &format!("{name}教室"), PlaceKind::Classroom).await?.id,
    };
    let id = ClassId::new();
    sqlx::query("INSERT INTO classes (id, school_id, grade, number, classroom_id) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(grade.number() as i64)
        .bind(number as i64)
        .bind(room.to_string())
        .execute(&mut **tx)
        .await
        .on_conflict("class", "err-class-exists")?;
    Ok(id)
}
