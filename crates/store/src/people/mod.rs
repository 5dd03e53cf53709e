//! People of a school: staff (教职工), students (学生), guardians (监护人) and authorized
//! pickup adults (授权接送人). Sensitive fields are read through one method that logs the read.

mod pickup_adults;
mod sensitive;
mod staff;

pub(crate) use sensitive::write_sensitive;

use crate::accounts::end_all_access;
use crate::audit::Actor;
pub use crate::guardian_links::GuardianLink;
use crate::guardian_links::{LINKS, link_from_row};
use crate::{OnConflict, Result, Store, StoreError};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::to_millis;
use yanshi_domain::family::{Gender, PickupLevel, PriorityGroup, parse_relationship};
use yanshi_domain::ids::{ClassId, PickupAdultId, SchoolId, StaffId, StudentId, UserId};
use yanshi_domain::role::Role;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffMember {
    pub id: StaffId,
    pub staff_number: String,
    pub name: String,
    pub phone: Option<String>,
    pub title: String,
    pub user_id: Option<UserId>,
    #[serde(serialize_with = "role_opt")]
    pub role: Option<Role>,
    pub active: bool,
}

fn role_opt<S: serde::Serializer>(r: &Option<Role>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match r {
        Some(r) => s.serialize_str(r.as_str()),
        None => s.serialize_none(),
    }
}

pub struct NewStaff {
    pub staff_number: String,
    pub name: DisplayName,
    pub phone: Option<PhoneNumber>,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Student {
    pub id: StudentId,
    pub school_id: SchoolId,
    pub class_id: ClassId,
    pub number: String,
    pub name: String,
    #[serde(serialize_with = "gender_code")]
    pub gender: Gender,
    #[serde(with = "yanshi_domain::serde_date::option")]
    pub birth_date: Option<Date>,
    pub active: bool,
}

fn gender_code<S: serde::Serializer>(g: &Gender, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(g.as_str())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PickupAdult {
    pub id: PickupAdultId,
    pub name: String,
    pub relationship: String,
    pub phone: String,
    pub id_last4: Option<String>,
    #[serde(serialize_with = "level_code")]
    pub level: PickupLevel,
    pub has_photo: bool,
}

fn level_code<S: serde::Serializer>(l: &PickupLevel, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(l.as_str())
}

pub struct NewPickupAdult {
    pub name: DisplayName,
    pub relationship: String,
    pub phone: PhoneNumber,
    pub id_last4: Option<String>,
    /// A small JPEG or PNG as a data URL, for the teacher to compare at the door.
    pub photo: Option<String>,
    /// The guardian or teacher confirmed the adult is 18 or over.
    pub adult_confirmed: bool,
    pub level: PickupLevel,
}

/// 健康情况, 优先保障对象, 监护限制: visible only to those who need them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sensitive {
    pub health_notes: String,
    pub priority_groups: Vec<PriorityGroup>,
    pub custody_notes: String,
}

pub(crate) fn student_from_row(r: &sqlx::any::AnyRow) -> Result<Student> {
    let g: String = r.try_get("gender")?;
    let birth: Option<String> = r.try_get("birth_date")?;
    Ok(Student {
        id: StudentId::from_db(r.try_get("id")?),
        school_id: SchoolId::from_db(r.try_get("school_id")?),
        class_id: ClassId::from_db(r.try_get("class_id")?),
        number: r.try_get("student_number")?,
        name: r.try_get("name")?,
        gender: Gender::from_db(&g).ok_or_else(|| StoreError::Corrupt(format!("students.gender = {g}")))?,
        birth_date: birth.as_deref().and_then(parse_date),
        active: r.try_get::<i64, _>("active")? != 0,
    })
}

impl Store {
    pub async fn student(&self, id: &StudentId) -> Result<Student> {
        let r = sqlx::query("SELECT * FROM students WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        student_from_row(&r)
    }

    /// The students of a class with their guardians (two queries, not one per child).
    pub async fn students_of_class(&self, class: &ClassId) -> Result<Vec<(Student, Vec<GuardianLink>)>> {
        let rows = sqlx::query("SELECT * FROM students WHERE class_id = $1 AND active = 1 ORDER BY student_number")
            .bind(class.to_string())
            .fetch_all(self.pool())
            .await?;
        let students: Vec<Student> = rows.iter().map(student_from_row).collect::<Result<_>>()?;
        let sql = sqlx::AssertSqlSafe(format!(
            "{LINKS} JOIN students s ON s.id = sg.student_id WHERE s.class_id = $1 ORDER BY sg.is_primary DESC, g.name"
        ));
        let mut by_student: HashMap<String, Vec<GuardianLink>> = HashMap::new();
        for r in sqlx::query(sql).bind(class.to_string()).fetch_all(self.pool()).await? {
            by_student.entry(r.try_get("student_id")?).or_default().push(link_from_row(&r)?);
        }
        Ok(students
            .into_iter()
            .map(|s| {
                let links = by_student.remove(s.id.as_str()).unwrap_or_default();
                (s, links)
            })
            .collect())
    }

    /// The children of a guardian's account: a guardian sees these and no others.
    pub async fn children_of(&self, user: &UserId) -> Result<Vec<(Student, String)>> {
        let rows = sqlx::query(
            "SELECT s.*, sg.relationship FROM students s JOIN student_guardians sg ON sg.student_id = s.id JOIN guardians g ON g.id = sg.guardian_id \
             WHERE g.user_id = $1 AND s.active = 1 AND sg.confirmed_at IS NOT NULL ORDER BY s.name",
        )
        .bind(user.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((student_from_row(r)?, r.try_get("relationship")?)))
            .collect()
    }
}

impl Store {
    /// Records a bulk export of personal data in the audit log (who, what, how many rows).
    pub async fn record_export(&self, actor: &Actor, school: &SchoolId, what: &str, rows: usize, now: OffsetDateTime) -> Result<()> {
        let tx = self.write().await?;
        tx.commit(Some(school), actor, "roster.export", what, json!({ "rows": rows }), to_millis(now))
            .await?;
        Ok(())
    }
}

impl Store {
    /// Links an existing guardian account to the guardian record with this phone (the demo's
    /// guardian; a school's own guardians link through their invitation code).
    pub async fn link_guardian_account(&self, school: &SchoolId, phone: &PhoneNumber, user: &UserId) -> Result<()> {
        let r = sqlx::query("UPDATE guardians SET user_id = $3 WHERE school_id = $1 AND phone = $2 AND user_id IS NULL")
            .bind(school.to_string())
            .bind(phone.as_str().to_string())
            .bind(user.to_string())
            .execute(self.pool())
            .await?;
        if r.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }
}
