//! People of a school: staff (教职工), students (学生), guardians (监护人) and authorized
//! pickup adults (授权接送人). Sensitive fields are read through one method that logs the read.

use crate::accounts::end_all_access;
use crate::audit::{Actor, append};
pub use crate::guardian_links::GuardianLink;
use crate::guardian_links::{LINKS, link_from_row};
use crate::{Result, Store, StoreError};
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

fn staff_from_row(r: &sqlx::any::AnyRow) -> Result<StaffMember> {
    Ok(StaffMember {
        id: StaffId::from_db(r.try_get("id")?),
        staff_number: r.try_get("staff_number")?,
        name: r.try_get("name")?,
        phone: r.try_get("phone")?,
        title: r.try_get("title")?,
        user_id: r.try_get::<Option<String>, _>("user_id")?.map(UserId::from_db),
        role: r.try_get::<Option<String>, _>("role")?.and_then(|r| Role::parse(&r)),
        active: r.try_get::<i64, _>("active")? != 0,
    })
}

impl Store {
    pub async fn staff_directory(&self, school: &SchoolId) -> Result<Vec<StaffMember>> {
        let rows = sqlx::query("SELECT s.*, u.role FROM staff s LEFT JOIN users u ON u.id = s.user_id WHERE s.school_id = $1 ORDER BY s.active DESC, s.staff_number")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(staff_from_row).collect()
    }

    pub async fn staff_member(&self, id: &StaffId) -> Result<StaffMember> {
        let r = sqlx::query("SELECT s.*, u.role FROM staff s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        staff_from_row(&r)
    }

    pub async fn create_staff(&self, actor: &Actor, school: &SchoolId, new: NewStaff, now: OffsetDateTime) -> Result<StaffMember> {
        let number = new.staff_number.trim().to_uppercase();
        if number.is_empty() || number.len() > 20 || !number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Invalid::new("staff_number", "err-staff-number").into());
        }
        if new.title.chars().count() > 20 {
            return Err(Invalid::new("title", "err-title-too-long").into());
        }
        let id = StaffId::new();
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO staff (id, school_id, staff_number, name, phone, title, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7)")
            .bind(id.to_string())
            .bind(school.to_string())
            .bind(number.clone())
            .bind(new.name.as_str().to_string())
            .bind(new.phone.as_ref().map(|p| p.as_str().to_string()))
            .bind(new.title.trim().to_string())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Invalid(Invalid::new("staff_number", "err-staff-number-taken")),
                other => other,
            })?;
        append(
            &mut tx,
            Some(school),
            actor,
            "staff.create",
            id.as_str(),
            json!({ "staff_number": number }),
            at,
        )
        .await?;
        tx.commit().await?;
        self.staff_member(&id).await
    }

    /// Links a staff record to a sign-in account of the same school.
    pub async fn link_staff_account(&self, actor: &Actor, staff: &StaffId, user: &UserId, now: OffsetDateTime) -> Result<()> {
        let member = self.staff_member(staff).await?;
        let account = self.user(user).await?;
        let school = sqlx::query_scalar::<_, String>("SELECT school_id FROM staff WHERE id = $1")
            .bind(staff.to_string())
            .fetch_one(self.pool())
            .await?;
        if account.school_id.as_ref().map(|s| s.as_str()) != Some(school.as_str()) || !account.role.is_staff() {
            return Err(Invalid::new("user", "err-not-staff-of-school").into());
        }
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE staff SET user_id = $2 WHERE id = $1")
            .bind(staff.to_string())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Invalid(Invalid::new("user", "err-account-linked")),
                other => other,
            })?;
        append(
            &mut tx,
            account.school_id.as_ref(),
            actor,
            "staff.link_account",
            staff.as_str(),
            json!({ "user": user.as_str(), "staff_number": member.staff_number }),
            to_millis(now),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deactivates a staff member; a linked account is disabled and its sessions end at once.
    pub async fn deactivate_staff(&self, actor: &Actor, staff: &StaffId, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let r = sqlx::query("UPDATE staff SET active = 0, updated_at = $2 WHERE id = $1 RETURNING school_id, user_id")
            .bind(staff.to_string())
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let school = SchoolId::from_db(r.try_get("school_id")?);
        if let Some(user) = r.try_get::<Option<String>, _>("user_id")?.map(UserId::from_db) {
            sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
                .bind(user.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            end_all_access(&mut tx, &user).await?;
        }
        append(&mut tx, Some(&school), actor, "staff.deactivate", staff.as_str(), json!({}), at).await?;
        tx.commit().await?;
        Ok(())
    }

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

    /// Reads a child's sensitive fields and logs the read (who, which child, which fields, when)
    /// in the same transaction: there is no unlogged way to see them.
    pub async fn read_sensitive(&self, reader: &UserId, student: &Student, now: OffsetDateTime) -> Result<Sensitive> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sensitive_reads (id, school_id, user_id, student_id, fields, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(yanshi_domain::ids::row_id())
            .bind(student.school_id.to_string())
            .bind(reader.to_string())
            .bind(student.id.to_string())
            .bind("health_notes,priority_groups,custody_notes")
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("SELECT * FROM student_sensitive WHERE student_id = $1")
            .bind(student.id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        let Some(r) = r else { return Ok(Sensitive::default()) };
        let groups: String = r.try_get("priority_groups")?;
        Ok(Sensitive {
            health_notes: r.try_get("health_notes")?,
            priority_groups: groups.split(',').filter_map(PriorityGroup::parse).collect(),
            custody_notes: r.try_get("custody_notes")?,
        })
    }

    /// Logs that `reader` saw the custody limits (an adult marked NEVER) of these children —
    /// at the classroom door, on the paper sheet, through the API — one row per child, in one
    /// transaction, at most once per ten minutes per child, person and place. `place` says where
    /// ("door", "sheet", "api").
    pub async fn log_custody_reads(
        &self,
        reader: &UserId,
        school: &SchoolId,
        students: &[&StudentId],
        place: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if students.is_empty() {
            return Ok(());
        }
        let fields = format!("custody_limit:{place}");
        // A teacher at the door re-renders the page with every tap: a child's limit seen by the
        // same person at the same place is logged once per ten minutes, not once per tap.
        let recent: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT student_id FROM sensitive_reads WHERE user_id = $1 AND fields = $2 AND at > $3")
                .bind(reader.to_string())
                .bind(fields.clone())
                .bind(to_millis(now) - 10 * 60 * 1000)
                .fetch_all(self.pool())
                .await?;
        let students: Vec<&&StudentId> = students.iter().filter(|s| !recent.iter().any(|r| r == s.as_str())).collect();
        if students.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for chunk in students.chunks(100) {
            let sql = format!(
                "INSERT INTO sensitive_reads (id, school_id, user_id, student_id, fields, at) VALUES {}",
                crate::values_list(chunk.len(), 6)
            );
            // Only placeholders are formatted into the text; every value is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for student in chunk {
                q = q
                    .bind(yanshi_domain::ids::row_id())
                    .bind(school.to_string())
                    .bind(reader.to_string())
                    .bind(student.to_string())
                    .bind(fields.clone())
                    .bind(to_millis(now));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// (reader's name, when) of the reads of a child's sensitive fields, newest first.
    pub async fn sensitive_reads(&self, student: &StudentId) -> Result<Vec<(String, OffsetDateTime)>> {
        let rows = sqlx::query("SELECT u.display_name, r.at FROM sensitive_reads r JOIN users u ON u.id = r.user_id WHERE r.student_id = $1 ORDER BY r.at DESC LIMIT 200")
            .bind(student.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("display_name")?, yanshi_domain::clock::from_millis(r.try_get("at")?))))
            .collect()
    }

    pub async fn set_sensitive(&self, actor: &Actor, student: &Student, value: &Sensitive, now: OffsetDateTime) -> Result<()> {
        if value.health_notes.chars().count() > 200 || value.custody_notes.chars().count() > 200 {
            return Err(Invalid::new("health_notes", "err-health-too-long").into());
        }
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        write_sensitive(&mut tx, &student.id, value, at).await?;
        // The audit names the change, never the content.
        append(
            &mut tx,
            Some(&student.school_id),
            actor,
            "student.set_sensitive",
            student.id.as_str(),
            json!({}),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn pickup_adults(&self, student: &StudentId) -> Result<Vec<PickupAdult>> {
        let rows = sqlx::query("SELECT * FROM pickup_adults WHERE student_id = $1 AND removed_at IS NULL ORDER BY created_at")
            .bind(student.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let level: String = r.try_get("level")?;
                Ok(PickupAdult {
                    id: PickupAdultId::from_db(r.try_get("id")?),
                    name: r.try_get("name")?,
                    relationship: r.try_get("relationship")?,
                    phone: r.try_get("phone")?,
                    id_last4: r.try_get("id_last4")?,
                    level: PickupLevel::parse(&level).ok_or_else(|| StoreError::Corrupt(format!("pickup_adults.level = {level}")))?,
                    has_photo: r.try_get::<Option<String>, _>("photo")?.is_some(),
                })
            })
            .collect()
    }

    pub async fn add_pickup_adult(
        &self,
        actor: &Actor,
        student: &Student,
        new: NewPickupAdult,
        now: OffsetDateTime,
    ) -> Result<PickupAdultId> {
        if !new.adult_confirmed {
            return Err(Invalid::new("adult_confirmed", "err-adult-not-confirmed").into());
        }
        let relationship = parse_relationship(&new.relationship)?;
        if let Some(p) = &new.photo
            && (p.len() > 400_000 || !(p.starts_with("data:image/jpeg;base64,") || p.starts_with("data:image/png;base64,")))
        {
            return Err(Invalid::new("photo", "err-photo").into());
        }
        let id = PickupAdultId::new();
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO pickup_adults (id, student_id, name, relationship, phone, id_last4, photo, adult_confirmed, level, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9)",
        )
        .bind(id.to_string())
        .bind(student.id.to_string())
        .bind(new.name.as_str().to_string())
        .bind(relationship.clone())
        .bind(new.phone.as_str().to_string())
        .bind(new.id_last4.clone())
        .bind(new.photo)
        .bind(new.level.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            Some(&student.school_id),
            actor,
            "pickup_adult.add",
            student.id.as_str(),
            json!({ "adult": id.as_str(), "level": new.level.as_str(), "relationship": relationship }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes an adult from a child's list: refused at the door from the next attempt on.
    pub async fn remove_pickup_adult(&self, actor: &Actor, student: &Student, id: &PickupAdultId, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let r = sqlx::query("UPDATE pickup_adults SET removed_at = $3 WHERE id = $1 AND student_id = $2 AND removed_at IS NULL")
            .bind(id.to_string())
            .bind(student.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            Some(&student.school_id),
            actor,
            "pickup_adult.remove",
            student.id.as_str(),
            json!({ "adult": id.as_str() }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The photo (a data URL) of a pickup adult, for the teacher at the door.
    pub async fn pickup_adult_photo(&self, id: &PickupAdultId) -> Result<Option<(StudentId, String)>> {
        let r = sqlx::query("SELECT student_id, photo FROM pickup_adults WHERE id = $1 AND removed_at IS NULL")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?;
        match r {
            Some(r) => Ok(r
                .try_get::<Option<String>, _>("photo")?
                .map(|p| Ok::<_, StoreError>((StudentId::from_db(r.try_get("student_id")?), p)))
                .transpose()?),
            None => Ok(None),
        }
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

pub(crate) async fn write_sensitive(tx: &mut crate::Tx, student: &StudentId, value: &Sensitive, at: i64) -> Result<()> {
    sqlx::query("DELETE FROM student_sensitive WHERE student_id = $1")
        .bind(student.to_string())
        .execute(&mut **tx)
        .await?;
    let groups: Vec<&str> = value.priority_groups.iter().map(|p| p.as_str()).collect();
    sqlx::query(
        "INSERT INTO student_sensitive (student_id, health_notes, priority_groups, custody_notes, updated_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(student.to_string())
    .bind(value.health_notes.trim().to_string())
    .bind(groups.join(","))
    .bind(value.custody_notes.trim().to_string())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Records a bulk export of personal data in the audit log (who, what, how many rows).
    pub async fn record_export(&self, actor: &Actor, school: &SchoolId, what: &str, rows: usize, now: OffsetDateTime) -> Result<()> {
        let mut tx = self.begin().await?;
        append(
            &mut tx,
            Some(school),
            actor,
            "roster.export",
            what,
            json!({ "rows": rows }),
            to_millis(now),
        )
        .await?;
        tx.commit().await?;
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
