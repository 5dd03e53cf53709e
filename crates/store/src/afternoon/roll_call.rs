//! 点名: roll marks, the school's attendance list (当天未到校), and 未到 — an expected child not in
//! the room, the alert raised and what became of them (whereabouts).

use super::{guardian_accounts_of, staff_to_alert};
use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::people::Student;
use crate::{Result, Store, StoreError, User, Write};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::afternoon::{RollStatus, Whereabouts, expected, unaccounted};
use yanshi_domain::clock::to_millis;
use yanshi_domain::enrolment::Weekdays;
use yanshi_domain::ids::{SchoolId, StudentId};
use yanshi_domain::policy::may_run_afternoon;
use yanshi_i18n::{Args, Message};

/// An unaccounted child's alert and, once recorded, what became of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unaccounted {
    pub outcome: Option<Whereabouts>,
    pub note: Option<String>,
}

/// What became of a list of children absent from school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AbsenceImport {
    /// This many children marked absent from school for the day.
    Marked(usize),
    /// Nothing written: (line, what it said, message key) for every line that is wrong.
    Refused(Vec<(usize, String, &'static str)>),
}

impl Store {
    /// Marks a child present or absent at roll call (a later mark replaces an earlier one).
    pub async fn mark_roll(
        &self,
        who: &User,
        student: &Student,
        day: Date,
        status: RollStatus,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if !may_run_afternoon(&who.principal(), &student.school_id) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        // Expected today regardless of an earlier mark (an earlier ABSENT_FROM_SCHOOL may be corrected).
        let was_expected = self.expected_on(&student.id, day).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        if unaccounted(was_expected, status) {
            let class = self.class(&student.class_id).await?;
            raise_unaccounted(&mut tx, who, student, &class, day, at).await?;
        } else {
            write_roll_resolution(&mut tx, who, student, day, status, at).await?;
        }
        write_roll(&mut tx, who, student, day, status, note, at).await?;
        tx.commit_audited().await?;
        Ok(())
    }

    /// 当天未到校, from the school's attendance list: student numbers, one per line (anything
    /// after the number — a name, a reason — is ignored). All or nothing: every line is checked
    /// first and each problem is reported with its line; only a clean list is written, in one
    /// transaction. Open 未到 alerts of those children close as "absent, excused".
    pub async fn import_absences(
        &self,
        who: &User,
        school: &SchoolId,
        day: Date,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<AbsenceImport> {
        if !may_run_afternoon(&who.principal(), school) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        let lines: Vec<(usize, String)> = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let number = yanshi_domain::account::fold_full_width(l)
                    .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '，' | '、'))
                    .find(|t| !t.is_empty())
                    .map(str::to_string)?;
                Some((i + 1, number))
            })
            .collect();
        if lines.is_empty() {
            return Err(Invalid::new("numbers", "err-absence-empty").into());
        }
        if lines.len() > 5000 {
            return Err(Invalid::new("numbers", "err-absence-too-many").into());
        }
        let mut by_number: HashMap<String, Student> = HashMap::new();
        for r in sqlx::query("SELECT * FROM students WHERE school_id = $1 AND active = 1")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?
        {
            let student = crate::people::student_from_row(&r)?;
            by_number.insert(student.number.clone(), student);
        }
        // A child seen in the room today, or already gone home, was at school: the list is wrong
        // about them, and they must not drop out of the afternoon's count. Checked inside the
        // writing transaction, so a mark made meanwhile is seen.
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let seen: Vec<String> = sqlx::query_scalar(
            "SELECT student_id FROM roll_calls WHERE school_id = $1 AND day = $2 AND status = $3 \
             UNION SELECT student_id FROM handovers WHERE school_id = $1 AND day = $2",
        )
        .bind(school.to_string())
        .bind(day.to_string())
        .bind(RollStatus::Present.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let mut problems = Vec::new();
        let mut children: Vec<&Student> = Vec::new();
        for (line, number) in &lines {
            match by_number.get(number) {
                Some(s) if seen.iter().any(|id| id == s.id.as_str()) => problems.push((*line, number.clone(), "err-absence-seen")),
                Some(s) if !children.iter().any(|c| c.id == s.id) => children.push(s),
                Some(_) => {}
                None => problems.push((*line, number.clone(), "err-absence-unknown")),
            }
        }
        if !problems.is_empty() {
            return Ok(AbsenceImport::Refused(problems));
        }
        for student in &children {
            write_roll_resolution(&mut tx, who, student, day, RollStatus::AbsentFromSchool, at).await?;
            write_roll(
                &mut tx,
                who,
                student,
                day,
                RollStatus::AbsentFromSchool,
                "msg-note-imported-absent",
                at,
            )
            .await?;
        }
        tx.commit_audited().await?;
        Ok(AbsenceImport::Marked(children.len()))
    }

    /// Is the child expected at roll call on `day` (an agreement in force for the weekday, no
    /// confirmed leave)? Two indexed lookups, not the whole class's day.
    async fn expected_on(&self, student: &StudentId, day: Date) -> Result<bool> {
        let row = sqlx::query(
            "SELECT a.weekdays, (SELECT COUNT(*) FROM leave_requests l WHERE l.student_id = s.id AND l.status = 'CONFIRMED' AND l.first_day <= $2 AND l.last_day >= $2) AS leave_days \
             FROM students s JOIN enrolments e ON e.student_id = s.id AND e.state = 'ACTIVE' AND e.term_id = \
               (SELECT t.id FROM terms t WHERE t.school_id = s.school_id AND t.starts_on <= $2 AND t.ends_on >= $2 ORDER BY t.starts_on DESC LIMIT 1) \
             JOIN agreements a ON a.enrolment_id = e.id AND a.status = 'EFFECTIVE' WHERE s.id = $1",
        )
        .bind(student.to_string())
        .bind(day.to_string())
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => expected(
                Weekdays(r.try_get::<i64, _>("weekdays")? as u8),
                day.weekday(),
                r.try_get::<i64, _>("leave_days")? > 0,
                false,
            ),
            None => false,
        })
    }
}

/// An open 未到 alert closes when the child turns up (FOUND) or turns out not to have come to
/// school at all (ABSENT_EXCUSED) — on the record.
async fn write_roll_resolution(tx: &mut Write, who: &User, student: &Student, day: Date, status: RollStatus, at: i64) -> Result<()> {
    let (outcome, note) = match status {
        // Notes the product writes are message codes, rendered where they are shown.
        RollStatus::Present => (Whereabouts::Found, "msg-note-roll-present"),
        RollStatus::AbsentFromSchool => (Whereabouts::AbsentExcused, "msg-note-absent-from-school"),
        RollStatus::Absent => return Ok(()),
    };
    resolve_open_unaccounted(tx, who, student, day, outcome, note, at).await
}

/// Closes the child's open 未到 alert of the day, if there is one, with its audit entry.
pub(super) async fn resolve_open_unaccounted(
    tx: &mut Write,
    who: &User,
    student: &Student,
    day: Date,
    outcome: Whereabouts,
    note: &str,
    at: i64,
) -> Result<()> {
    let closed = sqlx::query(
        "UPDATE unaccounted SET outcome = $1, outcome_note = $2, resolved_by = $3, resolved_at = $4 WHERE student_id = $5 AND day = $6 AND outcome IS NULL",
    )
    .bind(outcome.as_str())
    .bind(note)
    .bind(who.id.to_string())
    .bind(at)
    .bind(student.id.to_string())
    .bind(day.to_string())
    .execute(&mut **tx)
    .await?;
    if closed.rows_affected() > 0 {
        tx.audit(
            Some(&student.school_id),
            &Actor::User(who.id.clone()),
            "unaccounted.resolve",
            student.id.as_str(),
            json!({ "day": day.to_string(), "outcome": outcome.as_str() }),
            at,
        )
        .await?;
    }
    Ok(())
}

/// The roll-call row (a later mark replaces an earlier one) and its audit entry.
async fn write_roll(tx: &mut Write, who: &User, student: &Student, day: Date, status: RollStatus, note: &str, at: i64) -> Result<()> {
    sqlx::query("DELETE FROM roll_calls WHERE student_id = $1 AND day = $2")
        .bind(student.id.to_string())
        .bind(day.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO roll_calls (id, school_id, student_id, day, status, note, marked_by, marked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(yanshi_domain::ids::row_id())
            .bind(student.school_id.to_string())
            .bind(student.id.to_string())
            .bind(day.to_string())
            .bind(status.as_str())
            .bind(note.chars().take(200).collect::<String>())
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut **tx)
            .await?;
    tx.audit(
        Some(&student.school_id),
        &Actor::User(who.id.clone()),
        "roll.mark",
        student.id.as_str(),
        json!({ "day": day.to_string(), "status": status.as_str() }),
        at,
    )
    .await?;
    Ok(())
}

impl Store {
    /// The teacher records what became of an unaccounted child. NOT_FOUND opens an incident
    /// (事件) that the school's leaders are alerted to at once.
    pub async fn record_whereabouts(
        &self,
        who: &User,
        student: &Student,
        day: Date,
        outcome: Whereabouts,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if !may_run_afternoon(&who.principal(), &student.school_id) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        let note: String = note.trim().chars().take(500).collect();
        if outcome == Whereabouts::NotFound && note.is_empty() {
            return Err(Invalid::new("note", "err-whereabouts-note").into());
        }
        let class = self.class(&student.class_id).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let updated = sqlx::query(
            "UPDATE unaccounted SET outcome = $1, outcome_note = $2, resolved_by = $3, resolved_at = $4 WHERE student_id = $5 AND day = $6",
        )
        .bind(outcome.as_str())
        .bind(&note)
        .bind(who.id.to_string())
        .bind(at)
        .bind(student.id.to_string())
        .bind(day.to_string())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(Invalid::new("student", "err-not-unaccounted").into());
        }
        if outcome == Whereabouts::NotFound {
            sqlx::query("INSERT INTO incidents (id, school_id, student_id, day, kind, description, reported_by, at) VALUES ($1, $2, $3, $4, 'CHILD_NOT_FOUND', $5, $6, $7)")
                .bind(yanshi_domain::ids::row_id())
                .bind(student.school_id.to_string())
                .bind(student.id.to_string())
                .bind(day.to_string())
                .bind(&note)
                .bind(who.id.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let args = Args::new()
                .text("class", class.name.clone())
                .text("student", student.name.clone())
                .text("by", who.display_name.clone())
                .text("note", note.clone());
            let recipients = staff_to_alert(tx.tx(), &student.school_id, &class).await?;
            let notice = Notice::new(&student.school_id, recipients, Message::new("msg-child-not-found", args), true);
            enqueue(tx.tx(), &notice, at).await?;
        }
        tx.commit(
            Some(&student.school_id),
            &Actor::User(who.id.clone()),
            "unaccounted.resolve",
            student.id.as_str(),
            json!({ "day": day.to_string(), "outcome": outcome.as_str() }),
            at,
        )
        .await?;
        Ok(())
    }
}

/// 未到: an expected child is not in the room. Once per child and day: the class teacher and the
/// school's leaders are alerted and the guardians notified.
async fn raise_unaccounted(
    tx: &mut Write,
    who: &User,
    student: &Student,
    class: &crate::setup::ClassInfo,
    day: Date,
    at: i64,
) -> Result<()> {
    let raised = sqlx::query(
        "INSERT INTO unaccounted (id, school_id, student_id, day, raised_by, raised_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (student_id, day) DO NOTHING",
    )
    .bind(yanshi_domain::ids::row_id())
    .bind(student.school_id.to_string())
    .bind(student.id.to_string())
    .bind(day.to_string())
    .bind(who.id.to_string())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    if raised.rows_affected() == 0 {
        // Already raised today. Still open: nobody is alerted twice. Closed (found earlier) and
        // missing again: reopened, and everyone alerted again.
        let reopened = sqlx::query(
            "UPDATE unaccounted SET outcome = NULL, outcome_note = NULL, resolved_by = NULL, resolved_at = NULL, raised_by = $1, raised_at = $2 \
             WHERE student_id = $3 AND day = $4 AND outcome IS NOT NULL",
        )
        .bind(who.id.to_string())
        .bind(at)
        .bind(student.id.to_string())
        .bind(day.to_string())
        .execute(&mut **tx)
        .await?;
        if reopened.rows_affected() == 0 {
            return Ok(());
        }
    }
    let args = Args::new()
        .text("class", class.name.clone())
        .text("student", student.name.clone())
        .text("by", who.display_name.clone());
    let recipients = staff_to_alert(tx.tx(), &student.school_id, class).await?;
    let staff = Notice::new(&student.school_id, recipients, Message::new("msg-not-in-room", args.clone()), true);
    enqueue(tx.tx(), &staff, at).await?;
    let recipients = guardian_accounts_of(tx.tx(), &student.id).await?;
    let guardians = Notice::new(&student.school_id, recipients, Message::new("msg-not-in-room-guardian", args), true).about(&student.id);
    enqueue(tx.tx(), &guardians, at).await?;
    tx.audit(
        Some(&student.school_id),
        &Actor::User(who.id.clone()),
        "unaccounted.raise",
        student.id.as_str(),
        json!({ "day": day.to_string() }),
        at,
    )
    .await
}
