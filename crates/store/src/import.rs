//! Writing a checked roster: every row in one transaction, or nothing. Students are matched
//! by student number, guardians by phone, staff by staff number, so importing the same file
//! again changes nothing and an updated file updates what changed.

use crate::audit::Actor;
use crate::people::{Sensitive, write_sensitive};
use crate::{Result, Store, Tx};
use serde_json::json;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;
use yanshi_domain::clock::to_millis;
use yanshi_domain::ids::{ClassId, GuardianId, SchoolId, StaffId, StudentId};
use yanshi_domain::policy::import_confirms_guardians;
use yanshi_domain::roster::{ImportCounts, Problem, RosterStaff, RosterStudent};
use yanshi_domain::school::class_name_zh;

struct Existing {
    classes: HashMap<(u8, u8), ClassId>,
    /// number → (id, class, name, gender, birth)
    students: HashMap<String, (StudentId, String, String, String, Option<String>)>,
    /// phone → (id, name)
    guardians: HashMap<String, (GuardianId, String)>,
    /// (student, guardian) → (relationship, primary)
    links: HashMap<(String, String), (String, bool)>,
}

async fn load(tx: &mut Tx, school: &SchoolId) -> Result<Existing> {
    let mut e = Existing {
        classes: HashMap::new(),
        students: HashMap::new(),
        guardians: HashMap::new(),
        links: HashMap::new(),
    };
    for r in sqlx::query("SELECT id, grade, number FROM classes WHERE school_id = $1")
        .bind(school.to_string())
        .fetch_all(&mut **tx)
        .await?
    {
        e.classes.insert(
            (r.try_get::<i64, _>("grade")? as u8, r.try_get::<i64, _>("number")? as u8),
            ClassId::from_db(r.try_get("id")?),
        );
    }
    for r in sqlx::query("SELECT id, student_number, class_id, name, gender, birth_date FROM students WHERE school_id = $1")
        .bind(school.to_string())
        .fetch_all(&mut **tx)
        .await?
    {
        e.students.insert(
            r.try_get("student_number")?,
            (
                StudentId::from_db(r.try_get("id")?),
                r.try_get("class_id")?,
                r.try_get("name")?,
                r.try_get("gender")?,
                r.try_get("birth_date")?,
            ),
        );
    }
    for r in sqlx::query("SELECT id, phone, name FROM guardians WHERE school_id = $1")
        .bind(school.to_string())
        .fetch_all(&mut **tx)
        .await?
    {
        e.guardians
            .insert(r.try_get("phone")?, (GuardianId::from_db(r.try_get("id")?), r.try_get("name")?));
    }
    let links = sqlx::query("SELECT sg.student_id, sg.guardian_id, sg.relationship, sg.is_primary FROM student_guardians sg JOIN students s ON s.id = sg.student_id WHERE s.school_id = $1")
        .bind(school.to_string())
        .fetch_all(&mut **tx)
        .await?;
    for r in links {
        e.links.insert(
            (r.try_get("student_id")?, r.try_get("guardian_id")?),
            (r.try_get("relationship")?, r.try_get::<i64, _>("is_primary")? != 0),
        );
    }
    Ok(e)
}

/// Problems only the database can see (a class the school has not created), and conflicts
/// across rows (one phone, two different guardian names).
fn check_against(e: &Existing, rows: &[RosterStudent]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut names_by_phone: HashMap<&str, (&str, usize)> = HashMap::new();
    for r in rows {
        if !e.classes.contains_key(&(r.grade.number(), r.class_number)) {
            problems.push(Problem {
                row: r.row,
                column: "班级".into(),
                key: "err-class-missing",
                value: class_name_zh(r.grade, r.class_number),
            });
        }
        for g in &r.guardians {
            match names_by_phone.get(g.phone.as_str()) {
                Some((name, first)) if *name != g.name => problems.push(Problem {
                    row: r.row,
                    column: "监护人电话".into(),
                    key: "err-guardian-phone-conflict",
                    value: format!("{} ↔ {first}", g.phone.as_str()),
                }),
                _ => {
                    names_by_phone.insert(g.phone.as_str(), (&g.name, r.row));
                }
            }
        }
    }
    problems
}

impl Store {
    /// What importing `rows` would do, and the problems that would stop it. Changes nothing.
    pub async fn preview_student_import(&self, school: &SchoolId, rows: &[RosterStudent]) -> Result<(ImportCounts, Vec<Problem>)> {
        let mut tx = self.pool().begin().await?;
        let e = load(&mut tx, school).await?;
        tx.rollback().await?;
        let problems = check_against(&e, rows);
        let mut counts = ImportCounts::default();
        for r in rows {
            match e.students.get(r.number.as_str()) {
                None => counts.created += 1,
                Some(existing) if student_changed(&e, existing, r) => counts.updated += 1,
                Some(_) => counts.unchanged += 1,
            }
        }
        Ok((counts, problems))
    }

    /// Imports students with their guardians, all or nothing. Refuses (changing nothing) when a
    /// row has a problem the preview would have shown.
    pub async fn import_students(
        &self,
        actor: &Actor,
        school: &SchoolId,
        rows: &[RosterStudent],
        file_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<ImportCounts> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let mut e = load(tx.tx(), school).await?;
        if let Some(p) = check_against(&e, rows).into_iter().next() {
            return Err(yanshi_domain::Invalid::new("file", p.key).into());
        }
        // A school admin's roster is the school's own record of guardians; anyone else's new
        // links wait for a school admin's confirmation. A command on the server is the operator's.
        let (importer, confirms) = match actor {
            Actor::User(id) => {
                let row = sqlx::query("SELECT * FROM users WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
                let who = crate::accounts::user_from_row(&row)?;
                (Some(id.to_string()), import_confirms_guardians(&who.principal()))
            }
            Actor::Cli | Actor::System => (None, true),
        };
        let mut counts = ImportCounts::default();
        for r in rows {
            let class = e.classes[&(r.grade.number(), r.class_number)].clone();
            let birth = r.birth_date.map(|d| d.to_string());
            let (student_id, changed_student) = match e.students.get(r.number.as_str()).cloned() {
                None => {
                    let id = StudentId::new();
                    sqlx::query("INSERT INTO students (id, school_id, class_id, student_number, name, gender, birth_date, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)")
                        .bind(id.to_string())
                        .bind(school.to_string())
                        .bind(class.to_string())
                        .bind(r.number.as_str().to_string())
                        .bind(r.name.clone())
                        .bind(r.gender.as_str())
                        .bind(birth.clone())
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    e.students.insert(
                        r.number.as_str().to_string(),
                        (
                            id.clone(),
                            class.to_string(),
                            r.name.clone(),
                            r.gender.as_str().to_string(),
                            birth.clone(),
                        ),
                    );
                    counts.created += 1;
                    (id, None)
                }
                Some(existing) => {
                    let fields_changed =
                        existing.1 != class.as_str() || existing.2 != r.name || existing.3 != r.gender.as_str() || existing.4 != birth;
                    if fields_changed {
                        sqlx::query("UPDATE students SET class_id = $2, name = $3, gender = $4, birth_date = $5, active = 1, updated_at = $6 WHERE id = $1")
                            .bind(existing.0.to_string())
                            .bind(class.to_string())
                            .bind(r.name.clone())
                            .bind(r.gender.as_str())
                            .bind(birth.clone())
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                    }
                    (existing.0.clone(), Some(fields_changed))
                }
            };
            let mut links_changed = false;
            for (i, g) in r.guardians.iter().enumerate() {
                let guardian = match e.guardians.get(g.phone.as_str()).cloned() {
                    Some((id, name)) => {
                        if name != g.name {
                            sqlx::query("UPDATE guardians SET name = $2, updated_at = $3 WHERE id = $1")
                                .bind(id.to_string())
                                .bind(g.name.clone())
                                .bind(at)
                                .execute(&mut *tx)
                                .await?;
                            e.guardians.insert(g.phone.as_str().to_string(), (id.clone(), g.name.clone()));
                            links_changed = true;
                        }
                        id
                    }
                    None => {
                        let id = GuardianId::new();
                        sqlx::query("INSERT INTO guardians (id, school_id, name, phone, updated_at) VALUES ($1, $2, $3, $4, $5)")
                            .bind(id.to_string())
                            .bind(school.to_string())
                            .bind(g.name.clone())
                            .bind(g.phone.as_str().to_string())
                            .bind(at)
                            .execute(&mut *tx)
                            .await?;
                        e.guardians.insert(g.phone.as_str().to_string(), (id.clone(), g.name.clone()));
                        id
                    }
                };
                let key = (student_id.to_string(), guardian.to_string());
                let want = (g.relationship.clone(), i == 0);
                match e.links.get(&key) {
                    Some(have) if *have == want => {}
                    Some(_) => {
                        sqlx::query(
                            "UPDATE student_guardians SET relationship = $3, is_primary = $4 WHERE student_id = $1 AND guardian_id = $2",
                        )
                        .bind(key.0.clone())
                        .bind(key.1.clone())
                        .bind(want.0.clone())
                        .bind(i64::from(want.1))
                        .execute(&mut *tx)
                        .await?;
                        links_changed = true;
                    }
                    None => {
                        sqlx::query(
                            "INSERT INTO student_guardians (student_id, guardian_id, relationship, is_primary, source, added_by, added_at, confirmed_by, confirmed_at) \
                             VALUES ($1, $2, $3, $4, 'IMPORT', $5, $6, $7, $8)",
                        )
                        .bind(key.0.clone())
                        .bind(key.1.clone())
                        .bind(want.0.clone())
                        .bind(i64::from(want.1))
                        .bind(importer.clone())
                        .bind(at)
                        .bind(if confirms { importer.clone() } else { None })
                        .bind(confirms.then_some(at))
                        .execute(&mut *tx)
                        .await?;
                        links_changed = true;
                    }
                }
                e.links.insert(key, want);
            }
            if !r.priority_groups.is_empty() || !r.health_notes.is_empty() {
                let value = Sensitive {
                    health_notes: r.health_notes.clone(),
                    priority_groups: r.priority_groups.clone(),
                    custody_notes: String::new(),
                };
                write_sensitive(tx.tx(), &student_id, &value, at).await?;
            }
            match changed_student {
                None => {}
                Some(true) => counts.updated += 1,
                Some(false) if links_changed => counts.updated += 1,
                Some(false) => counts.unchanged += 1,
            }
        }
        tx.commit(
            Some(school),
            actor,
            "roster.import_students",
            file_sha256,
            json!({ "rows": rows.len(), "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged }),
            at,
        )
        .await?;
        Ok(counts)
    }

    /// Imports a staff list by staff number, all or nothing.
    pub async fn import_staff(
        &self,
        actor: &Actor,
        school: &SchoolId,
        rows: &[RosterStaff],
        file_sha256: &str,
        now: OffsetDateTime,
    ) -> Result<ImportCounts> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let mut existing: HashMap<String, (String, String, Option<String>, String)> = HashMap::new();
        for r in sqlx::query("SELECT id, staff_number, name, phone, title FROM staff WHERE school_id = $1")
            .bind(school.to_string())
            .fetch_all(&mut *tx)
            .await?
        {
            existing.insert(
                r.try_get("staff_number")?,
                (r.try_get("id")?, r.try_get("name")?, r.try_get("phone")?, r.try_get("title")?),
            );
        }
        let mut counts = ImportCounts::default();
        let mut seen = HashSet::new();
        for r in rows {
            seen.insert(r.staff_number.clone());
            let phone = r.phone.as_ref().map(|p| p.as_str().to_string());
            match existing.get(&r.staff_number) {
                None => {
                    sqlx::query("INSERT INTO staff (id, school_id, staff_number, name, phone, title, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7)")
                        .bind(StaffId::new().to_string())
                        .bind(school.to_string())
                        .bind(r.staff_number.clone())
                        .bind(r.name.clone())
                        .bind(phone)
                        .bind(r.title.clone())
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    counts.created += 1;
                }
                Some((_, name, p, title)) if *name == r.name && *p == phone && *title == r.title => counts.unchanged += 1,
                Some((id, ..)) => {
                    sqlx::query("UPDATE staff SET name = $2, phone = $3, title = $4, updated_at = $5 WHERE id = $1")
                        .bind(id.clone())
                        .bind(r.name.clone())
                        .bind(phone)
                        .bind(r.title.clone())
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    counts.updated += 1;
                }
            }
        }
        tx.commit(
            Some(school),
            actor,
            "roster.import_staff",
            file_sha256,
            json!({ "rows": rows.len(), "created": counts.created, "updated": counts.updated }),
            at,
        )
        .await?;
        Ok(counts)
    }
}

fn student_changed(e: &Existing, existing: &(StudentId, String, String, String, Option<String>), r: &RosterStudent) -> bool {
    let class = e
        .classes
        .get(&(r.grade.number(), r.class_number))
        .map(|c| c.to_string())
        .unwrap_or_default();
    if existing.1 != class || existing.2 != r.name || existing.3 != r.gender.as_str() || existing.4 != r.birth_date.map(|d| d.to_string()) {
        return true;
    }
    r.guardians
        .iter()
        .enumerate()
        .any(|(i, g)| match e.guardians.get(g.phone.as_str()) {
            None => true,
            Some((gid, name)) => {
                *name != g.name || e.links.get(&(existing.0.to_string(), gid.to_string())) != Some(&(g.relationship.clone(), i == 0))
            }
        })
}
