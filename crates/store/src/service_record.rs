//! 延时服务记录 — a class's daily service record — and the workload entries (工作量) its signature
//! writes. The draft is built from the day's data each time it is read; only the class
//! teacher's notes are stored until the record is signed. Signing freezes the facts, hashes the
//! signed text and writes who took the session, when and for how long. A signed record is never
//! changed: corrections are appended, and a school leader may mark it checked (核查).

use crate::afternoon::ExpectedChild;
use crate::audit::{Actor, append};
use crate::random::sha256_hex;
use crate::setup::ClassInfo;
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::DayStatus;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::{ClassId, RecordId, SchoolId, UserId};
use yanshi_domain::policy::{is_school_leader, may_correct_service_record, may_sign_service_record};
use yanshi_domain::school::format_clock;
use yanshi_domain::school_time::{at, local};
use yanshi_domain::service_record::{DayCounts, WorkloadRole, minutes_between, session_end};

/// One person who took (part of) the session, and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffLine {
    pub user_id: String,
    pub name: String,
    /// A [`WorkloadRole`] name.
    pub role: String,
    /// UTC milliseconds.
    pub from: i64,
    pub to: i64,
    pub minutes: u32,
}

/// What the day's data says about a class's session: the record's body. Frozen as JSON when
/// the record is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFacts {
    pub class: String,
    pub classroom: Option<String>,
    pub day: Date,
    /// "15:30", "18:00" in the school's time.
    pub start: String,
    pub end: String,
    pub content: Option<String>,
    pub content_note: String,
    pub staff: Vec<StaffLine>,
    pub counts: DayCounts,
    /// "17:10 描述（报告人）"
    pub incidents: Vec<String>,
    /// Children who waited past the end time: "张三 18:12 王丽（母亲）".
    pub late: Vec<String>,
    /// Expected children marked absent, with what became of them.
    pub absent: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub at: OffsetDateTime,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub text: String,
    pub by: String,
    pub at: OffsetDateTime,
}

/// A class's record for a day: a live draft until signed, then frozen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    pub facts: RecordFacts,
    pub notes: String,
    pub signed: Option<Signature>,
    /// A school leader's check (值班领导核查): who and when.
    pub checked: Option<(String, OffsetDateTime)>,
    pub corrections: Vec<Correction>,
}

impl ServiceRecord {
    /// The exact text a signature covers (the facts and the notes) and its SHA-256: the page
    /// sends back the hash of what the teacher read, and a record that changed since is not
    /// signed.
    pub fn signing_text(&self) -> Result<(String, String)> {
        let text = serde_json::to_string(&json!({ "facts": self.facts, "notes": self.notes }))
            .map_err(|e| StoreError::Corrupt(format!("record text: {e}")))?;
        let sha = sha256_hex(&text);
        Ok((text, sha))
    }
}

/// One row of the workload ground truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadEntry {
    pub user_id: UserId,
    pub name: String,
    pub class: String,
    pub day: Date,
    pub role: String,
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub minutes: u32,
}

/// The facts' counts from a class's children on the day.
fn count(children: &[ExpectedChild], end: OffsetDateTime) -> DayCounts {
    let mut c = DayCounts::default();
    for child in children {
        let roll = child.roll.as_deref();
        c.on_leave += u32::from(child.on_leave);
        c.absent_from_school += u32::from(roll == Some("ABSENT_FROM_SCHOOL"));
        if let Some(h) = &child.handover {
            if h.kind == "SELF_LEAVE" {
                c.self_left += 1;
            } else {
                c.handed_over += 1;
            }
            c.left_early += u32::from(h.at < end);
            c.from_paper += u32::from(h.entered_later);
        }
        if !child.expected {
            continue;
        }
        // 迟接 only for children who were there (one later marked not at school was not).
        c.late_pickups += u32::from(child.late_step.is_some());
        c.expected += 1;
        c.present += u32::from(roll == Some("PRESENT"));
        c.absent += u32::from(roll == Some("ABSENT"));
        c.in_care += u32::from(child.handover.is_none() && roll != Some("ABSENT"));
        c.unresolved += u32::from(child.unaccounted.as_ref().is_some_and(|u| u.outcome.is_none()));
    }
    c
}

impl Store {
    /// The class's record for `day`: the signed one, or a draft from the day's data with the
    /// class teacher's saved notes.
    pub async fn service_record(&self, class: &ClassInfo, day: Date) -> Result<ServiceRecord> {
        let row = sqlx::query(
            "SELECT r.id, r.notes, r.status, r.facts, r.text_sha256, r.signed_name, r.signed_at, r.checked_at, c.display_name AS checker \
             FROM service_records r LEFT JOIN users c ON c.id = r.checked_by WHERE r.class_id = $1 AND r.day = $2",
        )
        .bind(class.id.to_string())
        .bind(day.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(ServiceRecord {
                facts: self.draft_facts(class, day).await?,
                notes: String::new(),
                signed: None,
                checked: None,
                corrections: Vec::new(),
            });
        };
        let id: String = row.try_get("id")?;
        let status: String = row.try_get("status")?;
        let notes: String = row.try_get("notes")?;
        if status != "SIGNED" {
            return Ok(ServiceRecord {
                facts: self.draft_facts(class, day).await?,
                notes,
                signed: None,
                checked: None,
                corrections: Vec::new(),
            });
        }
        let facts: String = row.try_get::<Option<String>, _>("facts")?.unwrap_or_default();
        let facts: RecordFacts =
            serde_json::from_str(&facts).map_err(|e| StoreError::Corrupt(format!("service_records.facts of {id}: {e}")))?;
        let signed = Some(Signature {
            name: row.try_get::<Option<String>, _>("signed_name")?.unwrap_or_default(),
            at: from_millis(row.try_get::<Option<i64>, _>("signed_at")?.unwrap_or_default()),
            sha256: row.try_get::<Option<String>, _>("text_sha256")?.unwrap_or_default(),
        });
        let checked = match row.try_get::<Option<i64>, _>("checked_at")? {
            Some(at) => Some((row.try_get::<Option<String>, _>("checker")?.unwrap_or_default(), from_millis(at))),
            None => None,
        };
        let corrections = sqlx::query(
            "SELECT k.text, k.at, u.display_name FROM service_record_corrections k JOIN users u ON u.id = k.by_user WHERE k.record_id = $1 ORDER BY k.at, k.id",
        )
        .bind(&id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Correction {
                text: r.try_get("text")?,
                by: r.try_get("display_name")?,
                at: from_millis(r.try_get("at")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(ServiceRecord {
            facts,
            notes,
            signed,
            checked,
            corrections,
        })
    }

    /// The record's body drafted from the day's data: plan, roll call, hand-overs, late
    /// pickups, incidents, and who worked how long.
    pub async fn draft_facts(&self, class: &ClassInfo, day: Date) -> Result<RecordFacts> {
        let school = self.school(&class.school_id).await?;
        let zone = school.time_zone.as_str();
        let Some(term) = self.term_on(&class.school_id, day).await? else {
            return Err(Invalid::new("day", "err-record-no-service").into());
        };
        let cal = self.service_calendar(term).await?;
        let DayStatus::Service { start, end, .. } = cal.status(day, class.grade) else {
            return Err(Invalid::new("day", "err-record-no-service").into());
        };
        let weekday = day.weekday().number_from_monday();
        let plan = self
            .session_plans(&class.id, &cal.term.id)
            .await?
            .into_iter()
            .find(|p| p.weekday == weekday);
        let children = self.class_day_in(&class.id, Some(&cal.term), day).await?;
        let end_at = at(day, end, zone);
        let counts = count(&children, end_at);
        let last = children.iter().filter_map(|c| c.handover.as_ref().map(|h| h.at)).max();
        let (from, to) = (
            at(day, start, zone),
            at(day, session_end(start, last.map(|t| local(t, zone).time())), zone),
        );
        let minutes = minutes_between(local(from, zone).time(), local(to, zone).time());
        let mut staff: Vec<StaffLine> = Vec::new();
        let mut add = |id: &UserId, name: &str, role: WorkloadRole, from: OffsetDateTime, to: OffsetDateTime, minutes: u32| {
            if !staff.iter().any(|s| s.user_id == id.as_str()) {
                staff.push(StaffLine {
                    user_id: id.to_string(),
                    name: name.to_string(),
                    role: role.as_str().to_string(),
                    from: to_millis(from),
                    to: to_millis(to),
                    minutes,
                });
            }
        };
        let content = plan.as_ref().map(|p| p.content.clone());
        let role = WorkloadRole::for_content(content.as_deref().unwrap_or(""));
        // The session's teacher: the plan's, else the class teacher.
        if let Some((id, name)) = plan
            .as_ref()
            .and_then(|p| p.teacher.clone())
            .or_else(|| class.class_teacher.clone())
        {
            add(&id, &name, role, from, to, minutes);
        }
        if let Some((id, name)) = plan.as_ref().and_then(|p| p.volunteer.clone()) {
            add(&id, &name, WorkloadRole::Volunteer, from, to, minutes);
        }
        // Whoever called the roll took care of the class too.
        let rows = sqlx::query(
            "SELECT DISTINCT r.marked_by, u.display_name FROM roll_calls r JOIN students s ON s.id = r.student_id JOIN users u ON u.id = r.marked_by \
             WHERE s.class_id = $1 AND r.day = $2 ORDER BY u.display_name",
        )
        .bind(class.id.to_string())
        .bind(day.to_string())
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            add(
                &UserId::from_db(r.try_get("marked_by")?),
                &r.try_get::<String, _>("display_name")?,
                role,
                from,
                to,
                minutes,
            );
        }
        // Anyone else who released children after the end time was on duty until then.
        let rows = sqlx::query(
            "SELECT h.teacher_id, u.display_name, MAX(h.at) AS last_at FROM handovers h JOIN students s ON s.id = h.student_id JOIN users u ON u.id = h.teacher_id \
             WHERE s.class_id = $1 AND h.day = $2 GROUP BY h.teacher_id, u.display_name ORDER BY u.display_name",
        )
        .bind(class.id.to_string())
        .bind(day.to_string())
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let last_at = from_millis(r.try_get("last_at")?);
            if last_at > end_at {
                let m = minutes_between(end, local(last_at, zone).time());
                add(
                    &UserId::from_db(r.try_get("teacher_id")?),
                    &r.try_get::<String, _>("display_name")?,
                    WorkloadRole::Duty,
                    end_at,
                    last_at,
                    m,
                );
            }
        }
        let clock = |t: OffsetDateTime| format_clock(local(t, zone).time());
        let incidents = self
            .incidents(&class.school_id, day)
            .await?
            .into_iter()
            .filter(|i| i.class.as_deref() == Some(class.name.as_str()))
            .map(|i| {
                format!(
                    "{} {}{}（{}）",
                    clock(i.at),
                    i.student.map(|s| format!("{s}：")).unwrap_or_default(),
                    i.description,
                    i.reporter
                )
            })
            .collect::<Vec<_>>();
        let mut counts = counts;
        counts.incidents = incidents.len() as u32;
        let late = children
            .iter()
            .filter(|c| c.expected && c.late_step.is_some())
            .map(|c| match &c.handover {
                Some(h) => format!("{} {} {}（{}）", c.student.name, clock(h.at), h.adult_name, h.relationship),
                None => c.student.name.clone(),
            })
            .collect();
        let absent = children
            .iter()
            .filter(|c| c.expected && c.roll.as_deref() == Some("ABSENT"))
            .map(|c| {
                let outcome = c.unaccounted.as_ref().and_then(|u| u.outcome.clone()).unwrap_or_default();
                format!("{} {outcome}", c.student.name).trim_end().to_string()
            })
            .collect();
        Ok(RecordFacts {
            class: class.name.clone(),
            classroom: class.classroom.clone(),
            day,
            start: format_clock(start),
            end: format_clock(end),
            content,
            content_note: plan.map(|p| p.note).unwrap_or_default(),
            staff,
            counts,
            incidents,
            late,
            absent,
        })
    }

    /// The class teacher's notes on a draft. A signed record is not changed.
    pub async fn save_record_notes(&self, who: &crate::User, class: &ClassInfo, day: Date, notes: &str, now: OffsetDateTime) -> Result<()> {
        only_class_teacher(who, class)?;
        let notes = yanshi_domain::service_record::notes(notes)?;
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM service_records WHERE class_id = $1 AND day = $2")
            .bind(class.id.to_string())
            .bind(day.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        match status.as_deref() {
            Some("SIGNED") => return Err(Invalid::new("record", "err-record-signed").into()),
            Some(_) => {
                let saved = sqlx::query(
                    "UPDATE service_records SET notes = $1, updated_by = $2, updated_at = $3 WHERE class_id = $4 AND day = $5 AND status = 'DRAFT'",
                )
                .bind(&notes)
                .bind(who.id.to_string())
                .bind(at)
                .bind(class.id.to_string())
                .bind(day.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // Signed in the meantime (PostgreSQL re-checks the row after waiting for it).
                if saved == 0 {
                    return Err(Invalid::new("record", "err-record-signed").into());
                }
            }
            None => {
                sqlx::query(
                    "INSERT INTO service_records (id, school_id, class_id, day, notes, status, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, 'DRAFT', $6, $7)",
                )
                .bind(RecordId::new().to_string())
                .bind(class.school_id.to_string())
                .bind(class.id.to_string())
                .bind(day.to_string())
                .bind(&notes)
                .bind(who.id.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
        }
        append(
            &mut tx,
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "service_record.notes",
            class.id.as_str(),
            json!({ "day": day.to_string(), "notes": notes }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The class teacher signs the day's record under their own name, once every child is
    /// accounted for. The facts are frozen, and who took the session, when and how long, is
    /// written as workload entries — in one transaction.
    pub async fn sign_service_record(
        &self,
        who: &crate::User,
        class: &ClassInfo,
        day: Date,
        typed_name: &str,
        seen_sha256: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Signature> {
        only_class_teacher(who, class)?;
        yanshi_domain::service_record::own_name(typed_name, &who.display_name)?;
        let school = self.school(&class.school_id).await?;
        if day > local(now, &school.time_zone).date() {
            return Err(Invalid::new("day", "err-record-future").into());
        }
        let record = self.service_record(class, day).await?;
        if record.signed.is_some() {
            return Err(Invalid::new("record", "err-record-signed").into());
        }
        yanshi_domain::service_record::may_sign(&record.facts.counts)?;
        let (_, sha) = record.signing_text()?;
        if seen_sha256.is_some_and(|seen| seen != sha) {
            return Err(Invalid::new("record", "err-record-changed").into());
        }
        let facts = serde_json::to_string(&record.facts).map_err(|e| StoreError::Corrupt(format!("record facts: {e}")))?;
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let existing: Option<(String, String, String)> =
            sqlx::query("SELECT id, status, notes FROM service_records WHERE class_id = $1 AND day = $2")
                .bind(class.id.to_string())
                .bind(day.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| Ok::<_, StoreError>((r.try_get("id")?, r.try_get("status")?, r.try_get("notes")?)))
                .transpose()?;
        let id = match existing {
            Some((_, status, _)) if status == "SIGNED" => return Err(Invalid::new("record", "err-record-signed").into()),
            // The notes changed since the page was drafted: sign what the teacher read, not this.
            Some((_, _, notes)) if notes != record.notes => return Err(Invalid::new("record", "err-record-changed").into()),
            Some((id, _, _)) => {
                let signed = sqlx::query(
                    "UPDATE service_records SET status = 'SIGNED', facts = $1, text_sha256 = $2, signed_by = $3, signed_name = $4, signed_at = $5, updated_by = $3, updated_at = $5 \
                     WHERE id = $6 AND status = 'DRAFT' AND notes = $7",
                )
                .bind(&facts)
                .bind(&sha)
                .bind(who.id.to_string())
                .bind(typed_name.trim())
                .bind(at)
                .bind(&id)
                .bind(&record.notes)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // Another signature, or new notes, got there first (PostgreSQL re-checks the row
                // after waiting for it).
                if signed == 0 {
                    let status: Option<String> = sqlx::query_scalar("SELECT status FROM service_records WHERE id = $1")
                        .bind(&id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let key = if status.as_deref() == Some("SIGNED") {
                        "err-record-signed"
                    } else {
                        "err-record-changed"
                    };
                    return Err(Invalid::new("record", key).into());
                }
                id
            }
            None => {
                let id = RecordId::new().to_string();
                let inserted = sqlx::query(
                    "INSERT INTO service_records (id, school_id, class_id, day, notes, status, facts, text_sha256, signed_by, signed_name, signed_at, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, '', 'SIGNED', $5, $6, $7, $8, $9, $7, $9)",
                )
                .bind(&id)
                .bind(class.school_id.to_string())
                .bind(class.id.to_string())
                .bind(day.to_string())
                .bind(&facts)
                .bind(&sha)
                .bind(who.id.to_string())
                .bind(typed_name.trim())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from);
                if let Err(e) = inserted {
                    let StoreError::Conflict(_) = e else { return Err(e) };
                    // Someone created the day's row meanwhile: signed it, or saved notes the
                    // teacher has not read.
                    drop(tx);
                    let status: Option<String> = sqlx::query_scalar("SELECT status FROM service_records WHERE class_id = $1 AND day = $2")
                        .bind(class.id.to_string())
                        .bind(day.to_string())
                        .fetch_optional(self.pool())
                        .await?;
                    let key = if status.as_deref() == Some("SIGNED") {
                        "err-record-signed"
                    } else {
                        "err-record-changed"
                    };
                    return Err(Invalid::new("record", key).into());
                }
                id
            }
        };
        for s in &record.facts.staff {
            sqlx::query(
                "INSERT INTO workload_entries (id, school_id, record_id, user_id, class_id, day, role, started_at, ended_at, minutes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(RecordId::new().to_string())
            .bind(class.school_id.to_string())
            .bind(&id)
            .bind(&s.user_id)
            .bind(class.id.to_string())
            .bind(day.to_string())
            .bind(&s.role)
            .bind(s.from)
            .bind(s.to)
            .bind(i64::from(s.minutes))
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "service_record.sign",
            class.id.as_str(),
            json!({ "day": day.to_string(), "sha256": sha, "name": typed_name.trim(), "workload_entries": record.facts.staff.len() }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(Signature {
            name: typed_name.trim().to_string(),
            at: from_millis(at),
            sha256: sha,
        })
    }

    /// Appends a correction to a signed record (the class teacher, the grade's director or a
    /// school leader). Nothing already signed is changed.
    pub async fn correct_service_record(
        &self,
        who: &crate::User,
        class: &ClassInfo,
        day: Date,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if !may_correct_service_record(&who.principal(), &class.scope()) {
            return Err(StoreError::Forbidden("err-record-not-yours"));
        }
        let text = yanshi_domain::service_record::correction(text)?;
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let id: Option<String> =
            sqlx::query_scalar("SELECT id FROM service_records WHERE class_id = $1 AND day = $2 AND status = 'SIGNED'")
                .bind(class.id.to_string())
                .bind(day.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(id) = id else {
            return Err(Invalid::new("record", "err-record-not-signed").into());
        };
        sqlx::query("INSERT INTO service_record_corrections (id, record_id, text, by_user, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(RecordId::new().to_string())
            .bind(&id)
            .bind(&text)
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "service_record.correct",
            class.id.as_str(),
            json!({ "day": day.to_string(), "text": text }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A school leader checks a signed record (值班领导核查), once.
    pub async fn check_service_record(&self, who: &crate::User, class: &ClassInfo, day: Date, now: OffsetDateTime) -> Result<()> {
        if !is_school_leader(&who.principal(), &class.school_id) {
            return Err(StoreError::Forbidden("err-record-not-yours"));
        }
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE service_records SET checked_by = $1, checked_at = $2 WHERE class_id = $3 AND day = $4 AND status = 'SIGNED' AND checked_at IS NULL",
        )
        .bind(who.id.to_string())
        .bind(at)
        .bind(class.id.to_string())
        .bind(day.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            let signed: Option<String> =
                sqlx::query_scalar("SELECT status FROM service_records WHERE class_id = $1 AND day = $2 AND status = 'SIGNED'")
                    .bind(class.id.to_string())
                    .bind(day.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
            let key = if signed.is_some() {
                "err-record-checked"
            } else {
                "err-record-not-signed"
            };
            return Err(Invalid::new("record", key).into());
        }
        append(
            &mut tx,
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "service_record.check",
            class.id.as_str(),
            json!({ "day": day.to_string() }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Workload entries of a school between two days (inclusive), optionally one person's.
    pub async fn workload(&self, school: &SchoolId, from: Date, to: Date, person: Option<&UserId>) -> Result<Vec<WorkloadEntry>> {
        let rows = sqlx::query(
            "SELECT w.user_id, u.display_name, c.grade, c.number, w.day, w.role, w.started_at, w.ended_at, w.minutes FROM workload_entries w \
             JOIN users u ON u.id = w.user_id JOIN classes c ON c.id = w.class_id \
             WHERE w.school_id = $1 AND w.day >= $2 AND w.day <= $3 AND ($4 = '' OR w.user_id = $4) ORDER BY w.day, c.grade, c.number, u.display_name",
        )
        .bind(school.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(person.map(ToString::to_string).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let day: String = r.try_get("day")?;
                Ok(WorkloadEntry {
                    user_id: UserId::from_db(r.try_get("user_id")?),
                    name: r.try_get("display_name")?,
                    class: crate::afternoon::class_name(r.try_get("grade")?, r.try_get("number")?).unwrap_or_default(),
                    day: yanshi_domain::calendar::parse_date(&day)
                        .ok_or_else(|| StoreError::Corrupt(format!("workload_entries.day = {day}")))?,
                    role: r.try_get("role")?,
                    from: from_millis(r.try_get("started_at")?),
                    to: from_millis(r.try_get("ended_at")?),
                    minutes: r.try_get::<i64, _>("minutes")? as u32,
                })
            })
            .collect()
    }

    /// Which classes of a school have a signed record for `day` (class ids).
    pub async fn signed_records(&self, school: &SchoolId, day: Date) -> Result<Vec<ClassId>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT class_id FROM service_records WHERE school_id = $1 AND day = $2 AND status = 'SIGNED'")
                .bind(school.to_string())
                .bind(day.to_string())
                .fetch_all(self.pool())
                .await?;
        Ok(ids.into_iter().map(ClassId::from_db).collect())
    }
}

/// Notes and the signature are the class teacher's own (no signing for others).
fn only_class_teacher(who: &crate::User, class: &ClassInfo) -> Result<()> {
    if may_sign_service_record(&who.principal(), &class.scope()) {
        Ok(())
    } else {
        Err(StoreError::Forbidden("err-record-not-yours"))
    }
}
