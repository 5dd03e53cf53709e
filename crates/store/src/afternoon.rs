//! The afternoon in the store: personal pickup codes, roll call (点名), and the hand-over (交接)
//! — at most one per child per day, by a database constraint; a retried request returns the
//! first result. The rules at the door are the domain's (`yanshi_domain::afternoon`).

use crate::audit::{Actor, append};
use crate::group_commit::{Ready, Written};
use crate::handover_guards::{CodeCheck, Settled, count_refusal, settle_code_attempt};
use crate::notify::{Notice, enqueue};
use crate::people::{PickupAdult, Student};
use crate::random::{bytes, sha256_hex};
use crate::setup::from_minutes;
use crate::{Result, Store, StoreError, Tx, User};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::afternoon::{PickupCode, Release, Whereabouts, expected, in_care_today, may_leave_alone, may_release, unaccounted};
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::enrolment::{PickupPlan, Terms, Weekdays};
use yanshi_domain::family::PickupLevel;
use yanshi_domain::ids::{ClassId, HandoverId, PickupAdultId, SchoolId, StudentId, UserId};
use yanshi_domain::role::Role;
use yanshi_domain::school_time::format_local;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub id: HandoverId,
    pub student_id: StudentId,
    pub day: Date,
    /// PICKUP or SELF_LEAVE.
    pub kind: String,
    pub adult_name: String,
    pub relationship: String,
    /// QR, CODE, LIST, SELF_LEAVE or PAPER.
    pub method: String,
    pub teacher: String,
    pub at: OffsetDateTime,
    pub override_reason: Option<String>,
    pub request_id: String,
    /// True when typed in afterwards from the paper sign-out sheet (纸质签退表补录).
    pub entered_later: bool,
}

/// Who is at the door: an adult picked from the child's list, or one with a code (typed or
/// scanned). `None` in a request means the child leaves alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdultRef {
    Listed(PickupAdultId),
    Code(PickupCode),
}

/// Whose children a day is loaded for.
enum Scope<'a> {
    Class(&'a ClassId),
    School(&'a SchoolId),
}

/// One class on the live board (看板): how many children are where, right now.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub class: crate::setup::ClassInfo,
    pub expected: usize,
    pub present: usize,
    pub on_leave: usize,
    pub handed_over: usize,
    /// Expected, not handed over, not marked absent: still in the school's care.
    pub in_care: usize,
    /// Marked absent though expected, nothing recorded yet — or not found.
    pub unaccounted: usize,
    /// Past the end time and not yet picked up (迟接).
    pub late: usize,
    /// Expected, not handed over, and not yet marked at roll call (未点名).
    pub unmarked: usize,
}

/// 事件 — an incident leaders must see.
#[derive(Debug, Clone)]
pub struct Incident {
    pub kind: String,
    pub description: String,
    pub at: OffsetDateTime,
    pub student: Option<String>,
    pub class: Option<String>,
    pub reporter: String,
}

/// An unaccounted child's alert and, once recorded, what became of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unaccounted {
    pub outcome: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct HandoverRequest {
    pub student: StudentId,
    pub day: Date,
    pub adult: Option<AdultRef>,
    pub method: String,
    /// A leader's reason to release to an EMERGENCY_ONLY adult.
    pub override_reason: Option<String>,
    /// Set by the page once per attempt: a retry of the same request returns the first result.
    pub request_id: String,
    /// Typed in afterwards from the paper sign-out sheet: when the child really left (the
    /// school's local time on `day`). The record keeps both times and says so.
    pub paper_time: Option<time::Time>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverOutcome {
    Recorded(Handover),
    /// The child was handed over already (by someone else, or by this same request earlier).
    Already(Handover),
    /// EMERGENCY_ONLY: a leader must confirm with a reason.
    NeedsOverride {
        adult_name: String,
    },
    /// NEVER, unknown, or leaving alone not allowed: the duty leaders are alerted.
    Refused {
        adult_name: String,
        reason: &'static str,
    },
    /// Too many wrong pickup codes lately, by this teacher or for this child: the code was not
    /// looked up and nothing is written for the leaders. Pick the adult from the list, or wait.
    TooManyWrongCodes,
    /// Not in the school's care today (请假, or 当天未到校): nobody can take the child. Nothing
    /// is written, nobody is alerted, the guardian is told nothing. `reason` is a message key.
    NotInCare {
        reason: &'static str,
    },
}

/// What became of a list of children absent from school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AbsenceImport {
    /// This many children marked absent from school for the day.
    Marked(usize),
    /// Nothing written: (line, what it said, message key) for every line that is wrong.
    Refused(Vec<(usize, String, &'static str)>),
}

/// A child on today's list of a class, with what the teacher needs at the door.
#[derive(Debug, Clone)]
pub struct ExpectedChild {
    pub student: Student,
    pub terms: Terms,
    pub on_leave: bool,
    /// PRESENT, ABSENT or ABSENT_FROM_SCHOOL once marked.
    pub roll: Option<String>,
    pub handover: Option<Handover>,
    pub adults: Vec<PickupAdult>,
    /// Expected at roll call (enrolled for the weekday, not on leave, not absent from school).
    pub expected: bool,
    /// The furthest late-pickup step (迟接) reached today, if the child waited past the end time.
    pub late_step: Option<String>,
    /// Marked absent though expected (未到), and what became of them.
    pub unaccounted: Option<Unaccounted>,
}

const HANDOVER_SELECT: &str = "SELECT h.*, u.display_name AS teacher_name FROM handovers h JOIN users u ON u.id = h.teacher_id";

fn handover_from_row(r: &sqlx::any::AnyRow) -> Result<Handover> {
    let day: String = r.try_get("day")?;
    Ok(Handover {
        id: HandoverId::from_db(r.try_get("id")?),
        student_id: StudentId::from_db(r.try_get("student_id")?),
        day: yanshi_domain::calendar::parse_date(&day).ok_or_else(|| StoreError::Corrupt(format!("handovers.day = {day}")))?,
        kind: r.try_get("kind")?,
        adult_name: r.try_get("adult_name")?,
        relationship: r.try_get("relationship")?,
        method: r.try_get("method")?,
        teacher: r.try_get("teacher_name")?,
        at: from_millis(r.try_get("at")?),
        override_reason: r.try_get("override_reason")?,
        request_id: r.try_get("request_id")?,
        entered_later: r.try_get::<i64, _>("entered_later")? != 0,
    })
}

fn code_hash(school: &SchoolId, code: &PickupCode) -> String {
    sha256_hex(&format!("{school}:{}", code.as_str()))
}

/// Staff of the child's school who may release children (not volunteers).
fn releases_children(who: &User, school: &SchoolId) -> bool {
    who.school_id.as_ref() == Some(school)
        && matches!(
            who.role,
            Role::SchoolAdmin | Role::GradeDirector | Role::ClassTeacher | Role::Teacher
        )
}

impl Store {
    /// A new personal pickup code for an adult on a child's list; any earlier code stops
    /// working at once, on every instance.
    pub async fn issue_pickup_code(&self, who: &User, student: &Student, adult: &PickupAdultId, now: OffsetDateTime) -> Result<PickupCode> {
        let guardian = who.role == Role::Guardian && self.children_of(&who.id).await?.iter().any(|(c, _)| c.id == student.id);
        if !(guardian || releases_children(who, &student.school_id)) {
            return Err(Invalid::new("student", "err-enrolment-not-yours").into());
        }
        let at = to_millis(now);
        for _ in 0..5 {
            let code = PickupCode::from_random(bytes::<8>());
            let mut tx = self.begin().await?;
            let owner: Option<String> = sqlx::query_scalar("SELECT student_id FROM pickup_adults WHERE id = $1 AND removed_at IS NULL")
                .bind(adult.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            if owner.as_deref() != Some(student.id.as_str()) {
                return Err(StoreError::NotFound);
            }
            sqlx::query("UPDATE pickup_codes SET revoked_at = $2 WHERE adult_id = $1 AND revoked_at IS NULL")
                .bind(adult.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let inserted =
                sqlx::query("INSERT INTO pickup_codes (id, school_id, adult_id, code_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(HandoverId::new().to_string())
                    .bind(student.school_id.to_string())
                    .bind(adult.to_string())
                    .bind(code_hash(&student.school_id, &code))
                    .bind(at)
                    .execute(&mut *tx)
                    .await;
            match inserted.map_err(StoreError::from) {
                Ok(_) => {
                    append(
                        &mut tx,
                        Some(&student.school_id),
                        &Actor::User(who.id.clone()),
                        "pickup_code.issue",
                        adult.as_str(),
                        json!({ "student": student.id.as_str() }),
                        at,
                    )
                    .await?;
                    tx.commit().await?;
                    return Ok(code);
                }
                // Another live code has the same digits: draw again.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict("pickup code".into()))
    }

    pub async fn revoke_pickup_code(&self, who: &User, student: &Student, adult: &PickupAdultId, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE pickup_codes SET revoked_at = $2 WHERE adult_id = $1 AND revoked_at IS NULL")
            .bind(adult.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            Some(&student.school_id),
            &Actor::User(who.id.clone()),
            "pickup_code.revoke",
            adult.as_str(),
            json!({}),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks a child present or absent at roll call (a later mark replaces an earlier one).
    pub async fn mark_roll(&self, who: &User, student: &Student, day: Date, status: &str, note: &str, now: OffsetDateTime) -> Result<()> {
        if !["PRESENT", "ABSENT", "ABSENT_FROM_SCHOOL"].contains(&status) {
            return Err(Invalid::new("status", "err-roll-status").into());
        }
        if !releases_children(who, &student.school_id) {
            return Err(Invalid::new("student", "err-enrolment-not-yours").into());
        }
        // Expected today regardless of an earlier mark (an earlier ABSENT_FROM_SCHOOL may be corrected).
        let was_expected = self.expected_on(&student.id, day).await?;
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        if unaccounted(was_expected, status) {
            let class = self.class(&student.class_id).await?;
            raise_unaccounted(&mut tx, who, student, &class, day, at).await?;
        } else {
            write_roll_resolution(&mut tx, who, student, day, status, at).await?;
        }
        write_roll(&mut tx, who, student, day, status, note, at).await?;
        tx.commit().await?;
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
        if !releases_children(who, school) {
            return Err(Invalid::new("school", "err-enrolment-not-yours").into());
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
        let mut tx = self.begin().await?;
        let seen: Vec<String> = sqlx::query_scalar(
            "SELECT student_id FROM roll_calls WHERE school_id = $1 AND day = $2 AND status = 'PRESENT' \
             UNION SELECT student_id FROM handovers WHERE school_id = $1 AND day = $2",
        )
        .bind(school.to_string())
        .bind(day.to_string())
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
            write_roll_resolution(&mut tx, who, student, day, "ABSENT_FROM_SCHOOL", at).await?;
            write_roll(&mut tx, who, student, day, "ABSENT_FROM_SCHOOL", "导入：当天未到校", at).await?;
        }
        tx.commit().await?;
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
async fn write_roll_resolution(tx: &mut Tx, who: &User, student: &Student, day: Date, status: &str, at: i64) -> Result<()> {
    let (outcome, note) = match status {
        "PRESENT" => ("FOUND", "点名：到"),
        "ABSENT_FROM_SCHOOL" => ("ABSENT_EXCUSED", "当天未到校"),
        _ => return Ok(()),
    };
    let closed = sqlx::query(
        "UPDATE unaccounted SET outcome = $1, outcome_note = $2, resolved_by = $3, resolved_at = $4 WHERE student_id = $5 AND day = $6 AND outcome IS NULL",
    )
    .bind(outcome)
    .bind(note)
    .bind(who.id.to_string())
    .bind(at)
    .bind(student.id.to_string())
    .bind(day.to_string())
    .execute(&mut **tx)
    .await?;
    if closed.rows_affected() > 0 {
        append(
            tx,
            Some(&student.school_id),
            &Actor::User(who.id.clone()),
            "unaccounted.resolve",
            student.id.as_str(),
            json!({ "day": day.to_string(), "outcome": outcome }),
            at,
        )
        .await?;
    }
    Ok(())
}

/// The roll-call row (a later mark replaces an earlier one) and its audit entry.
async fn write_roll(tx: &mut Tx, who: &User, student: &Student, day: Date, status: &str, note: &str, at: i64) -> Result<()> {
    sqlx::query("DELETE FROM roll_calls WHERE student_id = $1 AND day = $2")
        .bind(student.id.to_string())
        .bind(day.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO roll_calls (id, school_id, student_id, day, status, note, marked_by, marked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(HandoverId::new().to_string())
            .bind(student.school_id.to_string())
            .bind(student.id.to_string())
            .bind(day.to_string())
            .bind(status)
            .bind(note.chars().take(200).collect::<String>())
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut **tx)
            .await?;
    append(
        tx,
        Some(&student.school_id),
        &Actor::User(who.id.clone()),
        "roll.mark",
        student.id.as_str(),
        json!({ "day": day.to_string(), "status": status }),
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
        if !releases_children(who, &student.school_id) {
            return Err(Invalid::new("student", "err-enrolment-not-yours").into());
        }
        let note: String = note.trim().chars().take(500).collect();
        if outcome == Whereabouts::NotFound && note.is_empty() {
            return Err(Invalid::new("note", "err-whereabouts-note").into());
        }
        let class = self.class(&student.class_id).await?;
        let at = to_millis(now);
        let mut tx = self.begin().await?;
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
                .bind(HandoverId::new().to_string())
                .bind(student.school_id.to_string())
                .bind(student.id.to_string())
                .bind(day.to_string())
                .bind(&note)
                .bind(who.id.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let notice = Notice {
                message: None,
                school: student.school_id.clone(),
                recipients: staff_to_alert(&mut tx, &student.school_id, &class).await?,
                title: format!("紧急：{}{} 未找到 / Child not found", class.name, student.name),
                body: format!("{} 记录：{note}", who.display_name),
                external: true,
            };
            enqueue(&mut tx, &notice, at).await?;
        }
        append(
            &mut tx,
            Some(&student.school_id),
            &Actor::User(who.id.clone()),
            "unaccounted.resolve",
            student.id.as_str(),
            json!({ "day": day.to_string(), "outcome": outcome.as_str() }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live board (看板): every class taking part today with its counts.
    pub async fn board(&self, school: &SchoolId, day: Date) -> Result<Vec<BoardRow>> {
        let mut by_class: HashMap<String, Vec<ExpectedChild>> = HashMap::new();
        for child in self.school_day(school, day).await? {
            by_class.entry(child.student.class_id.to_string()).or_default().push(child);
        }
        let mut rows = Vec::new();
        for class in self.classes(school).await? {
            let Some(children) = by_class.remove(class.id.as_str()) else {
                continue;
            };
            let mut row = BoardRow {
                class,
                expected: 0,
                present: 0,
                on_leave: 0,
                handed_over: 0,
                in_care: 0,
                unaccounted: 0,
                late: 0,
                unmarked: 0,
            };
            for c in &children {
                let handed = c.handover.is_some();
                row.on_leave += usize::from(c.on_leave);
                row.handed_over += usize::from(handed);
                if !c.expected {
                    continue;
                }
                row.expected += 1;
                row.present += usize::from(c.roll.as_deref() == Some("PRESENT"));
                row.in_care += usize::from(!handed && c.roll.as_deref() != Some("ABSENT"));
                row.unaccounted += usize::from(
                    c.unaccounted
                        .as_ref()
                        .is_some_and(|u| u.outcome.as_deref().is_none_or(|o| o == "NOT_FOUND")),
                );
                row.late += usize::from(!handed && c.late_step.is_some());
                row.unmarked += usize::from(!handed && c.roll.is_none());
            }
            rows.push(row);
        }
        Ok(rows)
    }

    /// A number that grows with every recorded change of a school (its audit chain's length):
    /// the live board redraws when it moves, whichever instance made the change.
    pub async fn school_change_seq(&self, school: &SchoolId) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT seq FROM audit_heads WHERE scope = $1")
            .bind(crate::audit::scope_of(Some(school)).to_string())
            .fetch_optional(self.pool())
            .await?
            .unwrap_or(0))
    }

    /// Incidents of a school on a day, newest first.
    pub async fn incidents(&self, school: &SchoolId, day: Date) -> Result<Vec<Incident>> {
        let rows = sqlx::query(
            "SELECT i.kind, i.description, i.at, s.name AS student_name, c.grade, c.number, u.display_name AS reporter FROM incidents i \
             LEFT JOIN students s ON s.id = i.student_id LEFT JOIN classes c ON c.id = s.class_id JOIN users u ON u.id = i.reported_by \
             WHERE i.school_id = $1 AND i.day = $2 ORDER BY i.at DESC, i.id DESC",
        )
        .bind(school.to_string())
        .bind(day.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Incident {
                    kind: r.try_get("kind")?,
                    description: r.try_get("description")?,
                    at: from_millis(r.try_get("at")?),
                    student: r.try_get("student_name")?,
                    class: class_name(r.try_get("grade")?, r.try_get("number")?),
                    reporter: r.try_get("reporter")?,
                })
            })
            .collect()
    }

    /// A class's children on `day`: enrolled ones with their signed terms, leave, roll call,
    /// hand-over and pickup adults — in three queries (after the class and term), not three per child.
    pub async fn class_day(&self, class: &ClassId, day: Date) -> Result<Vec<ExpectedChild>> {
        let info = self.class(class).await?;
        self.children_on(Scope::Class(class), &info.school_id, day).await
    }

    /// Every enrolled child of a school on `day`, class by class — the same three queries as
    /// one class's day, for the board and the late-pickup sweep.
    pub async fn school_day(&self, school: &SchoolId, day: Date) -> Result<Vec<ExpectedChild>> {
        self.children_on(Scope::School(school), school, day).await
    }

    /// A class's day when the caller has the class and the day's term already (the door page),
    /// two queries fewer.
    pub async fn class_day_in(&self, class: &ClassId, term: Option<&crate::terms::Term>, day: Date) -> Result<Vec<ExpectedChild>> {
        match term {
            Some(term) => self.children_in(Scope::Class(class), term, day).await,
            None => Ok(Vec::new()),
        }
    }

    async fn children_on(&self, scope: Scope<'_>, school: &SchoolId, day: Date) -> Result<Vec<ExpectedChild>> {
        let Some(term) = self.term_on(school, day).await? else {
            return Ok(Vec::new());
        };
        self.children_in(scope, &term, day).await
    }

    /// Three queries for any number of children: the children with their agreement, leave,
    /// roll mark, 未到 alert and furthest late step (one row each); their hand-overs; their adults.
    async fn children_in(&self, scope: Scope<'_>, term: &crate::terms::Term, day: Date) -> Result<Vec<ExpectedChild>> {
        let (column, key) = match scope {
            Scope::Class(c) => ("s.class_id", c.to_string()),
            Scope::School(s) => ("s.school_id", s.to_string()),
        };
        // `column` is one of two constants above, never input.
        let q = |sql: &str| sqlx::AssertSqlSafe(sql.replace("s.class_id", column));
        let (c, d) = (key, day.to_string());
        let rows = sqlx::query(q(
            "SELECT s.*, a.weekdays AS agreed_weekdays, a.latest_pickup AS agreed_latest, a.pickup_plan AS agreed_plan, \
               r.status AS roll_status, u.id AS unaccounted_id, u.outcome AS unaccounted_outcome, u.outcome_note AS unaccounted_note, \
               (SELECT COUNT(*) FROM leave_requests l WHERE l.student_id = s.id AND l.status = 'CONFIRMED' AND l.first_day <= $2 AND l.last_day >= $2) AS leave_count, \
               (SELECT CAST(MAX(CASE p.step WHEN 'NOTIFY_GUARDIANS' THEN 1 WHEN 'CALL_LIST' THEN 2 WHEN 'WAITING_ROOM' THEN 3 WHEN 'LEADER_DECISION' THEN 4 ELSE 0 END) AS BIGINT) \
                  FROM late_pickup_steps p WHERE p.student_id = s.id AND p.day = $2) AS late_rank \
             FROM students s \
             JOIN enrolments e ON e.student_id = s.id AND e.term_id = $3 AND e.state = 'ACTIVE' \
             JOIN agreements a ON a.enrolment_id = e.id AND a.status = 'EFFECTIVE' \
             LEFT JOIN roll_calls r ON r.student_id = s.id AND r.day = $2 \
             LEFT JOIN unaccounted u ON u.student_id = s.id AND u.day = $2 \
             WHERE s.class_id = $1 AND s.active = 1 ORDER BY s.class_id, s.student_number",
        ))
        .bind(c.clone())
        .bind(d.clone())
        .bind(term.id.to_string())
        .fetch_all(self.pool())
        .await?;
        let sql = q(&format!(
            "{HANDOVER_SELECT} JOIN students s ON s.id = h.student_id WHERE s.class_id = $1 AND h.day = $2"
        ));
        let mut handovers: HashMap<String, Handover> = HashMap::new();
        for r in sqlx::query(sql).bind(c.clone()).bind(d).fetch_all(self.pool()).await? {
            let h = handover_from_row(&r)?;
            handovers.insert(h.student_id.to_string(), h);
        }
        let mut adults: HashMap<String, Vec<PickupAdult>> = HashMap::new();
        for r in sqlx::query(q("SELECT a.* FROM pickup_adults a JOIN students s ON s.id = a.student_id WHERE s.class_id = $1 AND a.removed_at IS NULL ORDER BY a.created_at")).bind(c).fetch_all(self.pool()).await? {
            let level: String = r.try_get("level")?;
            adults.entry(r.try_get("student_id")?).or_default().push(PickupAdult {
                id: PickupAdultId::from_db(r.try_get("id")?),
                name: r.try_get("name")?,
                relationship: r.try_get("relationship")?,
                phone: r.try_get("phone")?,
                id_last4: r.try_get("id_last4")?,
                level: PickupLevel::parse(&level).unwrap_or(PickupLevel::Never),
                has_photo: r.try_get::<Option<String>, _>("photo")?.is_some(),
            });
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let student = crate::people::student_from_row(r)?;
            let key = student.id.to_string();
            // One row per child (an enrolment has one agreement in force; guard anyway).
            // Rows come in student order, so a repeat would be next to its first.
            if out.last().is_some_and(|c: &ExpectedChild| c.student.id == student.id) {
                continue;
            }
            let plan: String = r.try_get("agreed_plan")?;
            let terms = Terms {
                weekdays: Weekdays(r.try_get::<i64, _>("agreed_weekdays")? as u8),
                latest_pickup: from_minutes(r.try_get("agreed_latest")?),
                pickup_plan: PickupPlan::parse(&plan).unwrap_or(PickupPlan::ByAdults),
            };
            let leave = r.try_get::<i64, _>("leave_count")? > 0;
            let roll_status: Option<String> = r.try_get("roll_status")?;
            let absent = roll_status.as_deref() == Some("ABSENT_FROM_SCHOOL");
            // The furthest late step (a catch-up sweep may record several at one instant).
            let late_step = r
                .try_get::<Option<i64>, _>("late_rank")?
                .filter(|rank| *rank >= 1)
                .and_then(|rank| STEP_NAMES.get(rank as usize - 1))
                .map(|s| s.to_string());
            let unaccounted = match r.try_get::<Option<String>, _>("unaccounted_id")? {
                Some(_) => Some(Unaccounted {
                    outcome: r.try_get("unaccounted_outcome")?,
                    note: r.try_get("unaccounted_note")?,
                }),
                None => None,
            };
            out.push(ExpectedChild {
                expected: expected(terms.weekdays, day.weekday(), leave, absent),
                terms,
                on_leave: leave,
                roll: roll_status,
                handover: handovers.remove(&key),
                adults: adults.remove(&key).unwrap_or_default(),
                late_step,
                unaccounted,
                student,
            });
        }
        Ok(out)
    }

    /// Hands a child over at the door, or says why not. One hand-over per child and day: a
    /// second teacher is told who took the child; a retried request gets the first result.
    pub async fn record_handover(&self, who: &User, req: &HandoverRequest, now: OffsetDateTime) -> Result<HandoverOutcome> {
        let rid = &req.request_id;
        if rid.is_empty() || rid.chars().count() > 64 || rid.chars().any(char::is_control) {
            return Err(Invalid::new("request_id", "err-request-id").into());
        }
        // Everything the rules need in three reads (at the end of the afternoon this runs for
        // every child of the school within minutes): the child with the school's time zone, the
        // agreement in force on the day, confirmed leave and the roll mark, then any hand-over
        // already made, then the adult.
        let row = sqlx::query(
            "SELECT s.*, sc.time_zone AS school_time_zone, a.weekdays AS agreed_weekdays, a.pickup_plan AS agreed_plan, \
               (SELECT COUNT(*) FROM leave_requests l WHERE l.student_id = s.id AND l.status = 'CONFIRMED' AND l.first_day <= $2 AND l.last_day >= $2) AS leave_count, \
               (SELECT r.status FROM roll_calls r WHERE r.student_id = s.id AND r.day = $2) AS roll_status \
             FROM students s JOIN schools sc ON sc.id = s.school_id \
             LEFT JOIN enrolments e ON e.student_id = s.id AND e.state = 'ACTIVE' AND e.term_id = \
               (SELECT t.id FROM terms t WHERE t.school_id = s.school_id AND t.starts_on <= $2 AND t.ends_on >= $2 ORDER BY t.starts_on DESC LIMIT 1) \
             LEFT JOIN agreements a ON a.enrolment_id = e.id AND a.status = 'EFFECTIVE' \
             WHERE s.id = $1",
        )
        .bind(req.student.to_string())
        .bind(req.day.to_string())
        .fetch_one(self.pool())
        .await?;
        let student = crate::people::student_from_row(&row)?;
        let time_zone: String = row.try_get("school_time_zone")?;
        let terms: Option<(i64, String)> = match row.try_get::<Option<i64>, _>("agreed_weekdays")? {
            Some(w) => Some((w, row.try_get("agreed_plan")?)),
            None => None,
        };
        let on_leave = row.try_get::<i64, _>("leave_count")? > 0;
        let roll: Option<String> = row.try_get("roll_status")?;
        if !releases_children(who, &student.school_id) {
            return Err(Invalid::new("student", "err-enrolment-not-yours").into());
        }
        // A retry of this request gets its first result; anyone else is told who took the child.
        let sql = sqlx::AssertSqlSafe(format!(
            "{HANDOVER_SELECT} WHERE h.request_id = $1 OR (h.student_id = $2 AND h.day = $3)"
        ));
        let existing = sqlx::query(sql)
            .bind(req.request_id.clone())
            .bind(student.id.to_string())
            .bind(req.day.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(handover_from_row)
            .collect::<Result<Vec<_>>>()?;
        if let Some(mine) = existing.iter().find(|h| h.request_id == req.request_id) {
            return same_request(mine, req);
        }
        if let Some(first) = existing.into_iter().next() {
            return Ok(HandoverOutcome::Already(first));
        }
        // From the paper sheet: the real time of the hand-over, on that day, not in the future.
        let left_at = match req.paper_time {
            None => now,
            Some(t) => {
                let at = yanshi_domain::school_time::at(req.day, t, &time_zone);
                if at > now {
                    return Err(Invalid::new("paper_time", "err-paper-time").into());
                }
                at
            }
        };
        let Some((weekdays, plan)) = terms else {
            return Err(Invalid::new("student", "err-not-enrolled-today").into());
        };
        // On leave or not at school today: nobody can take the child, whoever came.
        if let Err(not_here) = in_care_today(on_leave, roll.as_deref()) {
            return Ok(HandoverOutcome::NotInCare { reason: not_here.key() });
        }
        let leader = who.role == Role::SchoolAdmin;
        let override_reason = req
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty() && leader)
            .map(str::to_string);
        if let Some(r) = &override_reason
            && (r.chars().count() > 200 || r.chars().any(char::is_control))
        {
            return Err(Invalid::new("override_reason", "err-override-reason").into());
        }
        // Who is at the door, and what the rules say.
        let at = to_millis(now);
        let mut weather_suspends = false;
        // A code is counted before it is looked up: past the limit it is not looked up at all.
        let mut attempt = None;
        let (adult_id, adult_name, relationship, kind, release) = match &req.adult {
            None => {
                let plan = PickupPlan::parse(&plan).unwrap_or(PickupPlan::ByAdults);
                let days = Weekdays(weekdays as u8);
                weather_suspends = may_leave_alone(plan, days, req.day.weekday(), false)
                    && self
                        .weather_alert(&student.school_id, req.day)
                        .await?
                        .is_some_and(|w| w.level.suspends_self_leave());
                let ok = may_leave_alone(plan, days, req.day.weekday(), weather_suspends);
                (
                    None,
                    student.name.clone(),
                    "本人".to_string(),
                    "SELF_LEAVE",
                    if ok { Release::Allowed } else { Release::Refused },
                )
            }
            Some(a) => {
                let row = match a {
                    AdultRef::Listed(id) => {
                        sqlx::query("SELECT * FROM pickup_adults WHERE id = $1 AND removed_at IS NULL")
                            .bind(id.to_string())
                            .fetch_optional(self.pool())
                            .await?
                    }
                    AdultRef::Code(code) => {
                        match self.check_code_attempt(who, &student, req.day, at).await? {
                            CodeCheck::TooMany => return Ok(HandoverOutcome::TooManyWrongCodes),
                            CodeCheck::Go(a) => attempt = Some(a),
                        }
                        sqlx::query("SELECT a.* FROM pickup_codes c JOIN pickup_adults a ON a.id = c.adult_id WHERE c.school_id = $1 AND c.code_hash = $2 AND c.revoked_at IS NULL AND a.removed_at IS NULL")
                            .bind(student.school_id.to_string())
                            .bind(code_hash(&student.school_id, code))
                            .fetch_optional(self.pool())
                            .await?
                    }
                };
                match row {
                    Some(r) if r.try_get::<String, _>("student_id")? == student.id.as_str() => {
                        let level: String = r.try_get("level")?;
                        let release = may_release(PickupLevel::parse(&level), override_reason.is_some());
                        (
                            Some(PickupAdultId::from_db(r.try_get("id")?)),
                            r.try_get("name")?,
                            r.try_get("relationship")?,
                            "PICKUP",
                            release,
                        )
                    }
                    // Not on this child's list (an unknown code, a removed adult, another child's
                    // adult): answered alike, so a code never tells whose it is.
                    _ => (None, String::new(), String::new(), "PICKUP", Release::Refused),
                }
            }
        };
        // One of this child's adults' codes, whatever their level: it no longer counts as wrong.
        if let Some(a) = &attempt
            && adult_id.is_some()
        {
            settle_code_attempt(self.pool(), a, Settled::Right).await?;
        }
        match release {
            Release::NeedsOverride => return Ok(HandoverOutcome::NeedsOverride { adult_name }),
            Release::Refused => {
                let reason = match (&req.adult, weather_suspends) {
                    (None, true) => "err-self-leave-weather",
                    (None, false) => "err-self-leave-not-allowed",
                    (Some(_), _) => "err-pickup-refused",
                };
                let mut tx = self.begin().await?;
                if let Some(a) = &attempt
                    && adult_id.is_none()
                {
                    settle_code_attempt(&mut *tx, a, Settled::Wrong).await?;
                }
                refuse(&mut tx, who, &student, req, adult_id.as_ref(), &adult_name, reason, at).await?;
                tx.commit().await?;
                return Ok(HandoverOutcome::Refused { adult_name, reason });
            }
            Release::Allowed => {}
        }
        let details = json!({ "day": req.day.to_string(), "adult": adult_id.as_ref().map(|a| a.as_str()), "method": req.method, "override": override_reason, "paper_time": req.paper_time.map(yanshi_domain::school::format_clock) });
        let time_local = &format_local(left_at, &time_zone)[11..];
        let paper = if req.paper_time.is_some() {
            "（纸质签退表补录）"
        } else {
            ""
        };
        let body = if kind == "SELF_LEAVE" {
            format!(
                "{} 已于 {time_local} 按约定自行离校，登记教师 {}。{paper}",
                student.name, who.display_name
            )
        } else {
            format!(
                "{} 已于 {time_local} 由 {adult_name}（{relationship}）接走，交接教师 {}。{paper}",
                student.name, who.display_name
            )
        };
        let ready = Ready {
            id: HandoverId::new(),
            school_id: student.school_id.clone(),
            student: student.id.clone(),
            day: req.day,
            kind,
            adult_id,
            adult_name,
            relationship,
            method: if req.paper_time.is_some() {
                "PAPER".to_string()
            } else {
                req.method.clone()
            },
            teacher: who.id.clone(),
            left_at: to_millis(left_at),
            override_reason,
            request_id: req.request_id.clone(),
            // When it was typed in (0: recorded at the door).
            entered_later: if req.paper_time.is_some() { at } else { 0 },
            at,
            audit_details: details,
            notice_title: format!("{} 已离校 / left school", student.name),
            notice_body: body,
            recipients: sqlx::query_scalar::<_, String>(GUARDIAN_ACCOUNTS)
                .bind(student.id.to_string())
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .map(UserId::from_db)
                .collect(),
        };
        match self.write_handover(ready.clone()).await? {
            Written::Inserted => Ok(HandoverOutcome::Recorded(Handover {
                id: ready.id,
                student_id: ready.student,
                day: ready.day,
                kind: ready.kind.to_string(),
                adult_name: ready.adult_name,
                relationship: ready.relationship,
                method: ready.method,
                teacher: who.display_name.clone(),
                at: from_millis(ready.left_at),
                override_reason: ready.override_reason,
                request_id: ready.request_id,
                entered_later: ready.entered_later != 0,
            })),
            // Two teachers at once, or a retry racing itself: the first one stands.
            Written::Conflict => match self.handover_by_request(&req.request_id).await? {
                Some(h) => same_request(&h, req),
                None => Ok(HandoverOutcome::Already(
                    self.handover_of(&student.id, req.day).await?.ok_or(StoreError::NotFound)?,
                )),
            },
        }
    }

    pub async fn handover_of(&self, student: &StudentId, day: Date) -> Result<Option<Handover>> {
        let sql = sqlx::AssertSqlSafe(format!("{HANDOVER_SELECT} WHERE h.student_id = $1 AND h.day = $2"));
        sqlx::query(sql)
            .bind(student.to_string())
            .bind(day.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(handover_from_row)
            .transpose()
    }

    async fn handover_by_request(&self, request_id: &str) -> Result<Option<Handover>> {
        let sql = sqlx::AssertSqlSafe(format!("{HANDOVER_SELECT} WHERE h.request_id = $1"));
        sqlx::query(sql)
            .bind(request_id.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(handover_from_row)
            .transpose()
    }

    /// Refused attempts of a school on a day (for the duty leader).
    pub async fn refused_pickups(&self, school: &SchoolId, day: Date) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query("SELECT s.name, r.adult_name, r.reason FROM refused_pickups r JOIN students s ON s.id = r.student_id WHERE r.school_id = $1 AND r.day = $2 ORDER BY r.at")
            .bind(school.to_string())
            .bind(day.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("adult_name")?, r.try_get("reason")?)))
            .collect()
    }
}

/// A request id seen before answers with its first result — but only for the same child and day.
/// The same id for another child (a scanner's counter that restarted) is refused, never answered
/// with someone else's hand-over.
fn same_request(first: &Handover, req: &HandoverRequest) -> Result<HandoverOutcome> {
    if first.student_id == req.student && first.day == req.day {
        Ok(HandoverOutcome::Recorded(first.clone()))
    } else {
        Err(Invalid::new("request_id", "err-request-id-reused").into())
    }
}

/// 未到: an expected child is not in the room. Once per child and day: the class teacher and the
/// school's leaders are alerted and the guardians notified.
async fn raise_unaccounted(tx: &mut Tx, who: &User, student: &Student, class: &crate::setup::ClassInfo, day: Date, at: i64) -> Result<()> {
    let raised = sqlx::query(
        "INSERT INTO unaccounted (id, school_id, student_id, day, raised_by, raised_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (student_id, day) DO NOTHING",
    )
    .bind(HandoverId::new().to_string())
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
    let name = &student.name;
    let staff = Notice {
        message: None,
        school: student.school_id.clone(),
        recipients: staff_to_alert(tx, &student.school_id, class).await?,
        title: format!("未到：{}{name} / Not in the room", class.name),
        body: format!(
            "{name} 今天应参加延时服务，点名未到且未请假（点名：{}）。请立即查找，并在交接页记录结果。",
            who.display_name
        ),
        external: true,
    };
    enqueue(tx, &staff, at).await?;
    let guardians = Notice {
        message: None,
        school: student.school_id.clone(),
        recipients: guardian_accounts_of(tx, &student.id).await?,
        title: format!("{name} 未到延时服务教室 / not at after-school care"),
        body: format!("{name} 今天报名了延时服务，但点名时不在教室，也没有请假。如孩子已被接走或另有安排，请立即联系班主任。"),
        external: true,
    };
    enqueue(tx, &guardians, at).await?;
    append(
        tx,
        Some(&student.school_id),
        &Actor::User(who.id.clone()),
        "unaccounted.raise",
        student.id.as_str(),
        json!({ "day": day.to_string() }),
        at,
    )
    .await
}

/// 三年级二班 from a row's grade and number (absent when the incident names no child).
pub(crate) fn class_name(grade: Option<i64>, number: Option<i64>) -> Option<String> {
    let grade = yanshi_domain::school::Grade::new(u32::try_from(grade?).ok()?).ok()?;
    Some(yanshi_domain::school::class_name_zh(grade, u8::try_from(number?).ok()?))
}

/// The class teacher and the school's leaders, once each.
async fn staff_to_alert(tx: &mut Tx, school: &SchoolId, class: &crate::setup::ClassInfo) -> Result<Vec<UserId>> {
    let mut staff = leaders_of(tx, school).await?;
    staff.extend(class.class_teacher.iter().map(|t| t.0.clone()));
    staff.sort();
    staff.dedup();
    Ok(staff)
}

/// The school's leaders (school admins) who receive alerts.
async fn leaders_of(tx: &mut Tx, school: &SchoolId) -> Result<Vec<UserId>> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT id FROM users WHERE school_id = $1 AND role = 'school_admin' AND disabled_at IS NULL")
            .bind(school.to_string())
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(UserId::from_db)
            .collect(),
    )
}

/// The accounts of a child's guardians (those who have signed up).
const GUARDIAN_ACCOUNTS: &str = "SELECT g.user_id FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id WHERE sg.student_id = $1 AND g.user_id IS NOT NULL AND sg.confirmed_at IS NOT NULL";

pub(crate) async fn guardian_accounts_of(tx: &mut Tx, student: &StudentId) -> Result<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(GUARDIAN_ACCOUNTS)
        .bind(student.to_string())
        .fetch_all(&mut **tx)
        .await?;
    Ok(ids.into_iter().map(UserId::from_db).collect())
}

/// Why a pickup was refused, in the leaders' alert (the page shows the message key's text).
fn refusal_zh(reason: &str) -> &'static str {
    match reason {
        "err-self-leave-not-allowed" => "安全责任书没有约定当天自行离校",
        "err-self-leave-weather" => "天气预警期间暂停自行离校",
        _ => "不在该生的接送名单上，或被禁止接送",
    }
}

/// Records a refused attempt and alerts the school's leaders at once — once a burst: further
/// refusals of the child within minutes are counted instead (`refusal_alerts`).
#[allow(clippy::too_many_arguments)]
async fn refuse(
    tx: &mut Tx,
    who: &User,
    student: &Student,
    req: &HandoverRequest,
    adult: Option<&PickupAdultId>,
    adult_name: &str,
    reason: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO refused_pickups (id, school_id, student_id, day, adult_id, adult_name, reason, teacher_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(HandoverId::new().to_string())
        .bind(student.school_id.to_string())
        .bind(student.id.to_string())
        .bind(req.day.to_string())
        .bind(adult.map(ToString::to_string))
        .bind(adult_name.to_string())
        .bind(reason.to_string())
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    append(
        tx,
        Some(&student.school_id),
        &Actor::User(who.id.clone()),
        "handover.refuse",
        student.id.as_str(),
        json!({ "adult": adult.map(|a| a.as_str()), "reason": reason }),
        at,
    )
    .await?;
    // Refused again within minutes: counted for the leaders' page, not messaged again.
    if !count_refusal(tx, student, req.day, at).await? {
        return Ok(());
    }
    let leaders = leaders_of(tx, &student.school_id).await?;
    let who_was_there = if adult_name.is_empty() {
        "（未登记的人）".to_string()
    } else {
        adult_name.to_string()
    };
    let notice = Notice {
        message: None,
        school: student.school_id.clone(),
        recipients: leaders,
        title: format!("拒绝接走：{} / Pickup refused", student.name),
        body: format!(
            "{} 在教室门口被拒绝接走 {}（{}），登记教师 {}。10 分钟内该生再被拒绝只在“放学后”页面计数，不再逐条提醒。",
            who_was_there,
            student.name,
            refusal_zh(reason),
            who.display_name
        ),
        external: true,
    };
    enqueue(tx, &notice, at).await?;
    Ok(())
}

/// The late-pickup steps in the order they come.
const STEP_NAMES: [&str; 4] = ["NOTIFY_GUARDIANS", "CALL_LIST", "WAITING_ROOM", "LEADER_DECISION"];

/// The name a late-pickup step is stored under.
fn step_name(step: yanshi_domain::afternoon::LateStep) -> &'static str {
    use yanshi_domain::afternoon::LateStep;
    match step {
        LateStep::NotifyGuardians => STEP_NAMES[0],
        LateStep::CallList => STEP_NAMES[1],
        LateStep::WaitingRoom => STEP_NAMES[2],
        LateStep::LeaderDecision => STEP_NAMES[3],
    }
}

impl Store {
    /// The afternoon's watch, run by every instance every 30 seconds:
    /// - 点名超时: a class with expected children still unmarked a quarter of an hour after the
    ///   start alerts its class teacher and the leaders, once per class and day;
    /// - 迟接: every child still in care after the end time takes the steps of the timeline that
    ///   are due — guardians told at once, the class teacher given the call list, the child to the
    ///   waiting room with the leaders alerted, then the leaders' decision.
    ///
    /// Each alert and step fires once (a constraint), so several instances may sweep at the same
    /// time. Returns how many fired.
    pub async fn afternoon_sweep(&self, now: OffsetDateTime) -> Result<usize> {
        use yanshi_domain::afternoon::{late_steps_due, roll_call_overdue};
        let mut fired = 0;
        for school in self.schools().await? {
            let local_now = yanshi_domain::school_time::local(now, &school.time_zone);
            let day = local_now.date();
            let Some(term) = self.term_on(&school.id, day).await? else {
                continue;
            };
            let policy = self.service_policy(&school.id).await?;
            let cal = self.service_calendar(term).await?;
            let mut by_class: HashMap<String, Vec<ExpectedChild>> = HashMap::new();
            let mut alerted: Option<Vec<String>> = None;
            let mut loaded = false;
            for class in self.classes(&school.id).await? {
                let yanshi_domain::calendar::DayStatus::Service { start, end, .. } = cal.status(day, class.grade) else {
                    continue;
                };
                let mut roll_due = roll_call_overdue(start, local_now.time());
                if roll_due {
                    if alerted.is_none() {
                        alerted = Some(
                            sqlx::query_scalar("SELECT class_id FROM roll_call_alerts WHERE school_id = $1 AND day = $2")
                                .bind(school.id.to_string())
                                .bind(day.to_string())
                                .fetch_all(self.pool())
                                .await?,
                        );
                    }
                    roll_due = !alerted.as_ref().is_some_and(|a| a.iter().any(|c| c == class.id.as_str()));
                }
                let due = late_steps_due(end, local_now.time(), policy.late_pickup_wait_minutes);
                if due.is_empty() && !roll_due {
                    continue;
                }
                // The school's children, loaded once (only when some class has something due).
                if !loaded {
                    for child in self.school_day(&school.id, day).await? {
                        by_class.entry(child.student.class_id.to_string()).or_default().push(child);
                    }
                    loaded = true;
                }
                let children = by_class.remove(class.id.as_str()).unwrap_or_default();
                if roll_due {
                    let unmarked: Vec<&str> = children
                        .iter()
                        .filter(|c| c.expected && c.roll.is_none() && c.handover.is_none())
                        .map(|c| c.student.name.as_str())
                        .collect();
                    // Checked once per class and day: a complete roll is recorded too (no alert),
                    // so later sweeps skip the class.
                    fired += usize::from(self.fire_roll_call_alert(&school, &class, day, start, &unmarked, now).await?);
                }
                for child in children {
                    if !child.expected || child.handover.is_some() || child.roll.as_deref() == Some("ABSENT") {
                        continue;
                    }
                    for step in &due {
                        fired += usize::from(self.fire_late_step(&school, &class, &child, day, *step, end, now).await?);
                    }
                }
            }
        }
        Ok(fired)
    }

    /// 点名超时: once per class and day, the class teacher and the leaders hear which expected
    /// children are still not marked.
    async fn fire_roll_call_alert(
        &self,
        school: &crate::School,
        class: &crate::setup::ClassInfo,
        day: Date,
        start: time::Time,
        unmarked: &[&str],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO roll_call_alerts (id, school_id, class_id, day, unmarked, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(HandoverId::new().to_string())
        .bind(school.id.to_string())
        .bind(class.id.to_string())
        .bind(day.to_string())
        .bind(unmarked.len() as i64)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            // Checked already (here or on another instance).
            return Ok(false);
        }
        if unmarked.is_empty() {
            tx.commit().await?;
            return Ok(false);
        }
        let names = unmarked.iter().take(10).copied().collect::<Vec<_>>().join("、");
        let more = if unmarked.len() > 10 { " 等" } else { "" };
        let notice = Notice {
            message: None,
            school: school.id.clone(),
            recipients: staff_to_alert(&mut tx, &school.id, class).await?,
            title: format!("点名超时：{} / Roll call overdue", class.name),
            body: format!(
                "{} 延时服务 {} 开始，{} 仍有 {} 名应到学生未点名：{names}{more}。请立即点名，确认每个孩子在哪里。",
                class.name,
                yanshi_domain::school::format_clock(start),
                &format_local(now, &school.time_zone)[11..],
                unmarked.len()
            ),
            external: true,
        };
        enqueue(&mut tx, &notice, at).await?;
        append(
            &mut tx,
            Some(&school.id),
            &Actor::System,
            "roll_call.overdue",
            class.id.as_str(),
            json!({ "day": day.to_string(), "unmarked": unmarked.len() }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    async fn fire_late_step(
        &self,
        school: &crate::School,
        class: &crate::setup::ClassInfo,
        child: &ExpectedChild,
        day: Date,
        step: yanshi_domain::afternoon::LateStep,
        end: time::Time,
        now: OffsetDateTime,
    ) -> Result<bool> {
        use yanshi_domain::afternoon::LateStep;
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let inserted =
            sqlx::query("INSERT INTO late_pickup_steps (id, school_id, student_id, day, step, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(HandoverId::new().to_string())
                .bind(school.id.to_string())
                .bind(child.student.id.to_string())
                .bind(day.to_string())
                .bind(step_name(step))
                .bind(at)
                .execute(&mut *tx)
                .await;
        match inserted.map_err(StoreError::from) {
            Ok(_) => {}
            // Fired already (here or on another instance).
            Err(StoreError::Conflict(_)) => return Ok(false),
            Err(e) => return Err(e),
        }
        let name = &child.student.name;
        let end = yanshi_domain::school::format_clock(end);
        let leaders = leaders_of(&mut tx, &school.id).await?;
        let teacher: Vec<UserId> = class.class_teacher.iter().map(|t| t.0.clone()).collect();
        let (recipients, title, body, external) = match step {
            LateStep::NotifyGuardians => (
                guardian_accounts_of(&mut tx, &child.student.id).await?,
                format!("请尽快接孩子：{name} / Please pick up {name}"),
                format!(
                    "延时服务已于 {end} 结束，{name} 仍在{}等候。请尽快到校接孩子；如需他人代接，请告知班主任。",
                    class.classroom.clone().unwrap_or_default()
                ),
                false,
            ),
            LateStep::CallList => {
                let phones = child
                    .adults
                    .iter()
                    .filter(|a| a.level != PickupLevel::Never)
                    .map(|a| format!("{}（{}）{}", a.name, a.relationship, a.phone))
                    .collect::<Vec<_>>()
                    .join("；");
                let guardians = self
                    .guardians_of(&child.student.id)
                    .await?
                    .into_iter()
                    .filter(|g| g.confirmed)
                    .map(|g| format!("{}（{}）{}", g.name, g.relationship, g.phone))
                    .collect::<Vec<_>>()
                    .join("；");
                (
                    teacher,
                    format!("迟接电话：{name} / Call list"),
                    format!("{name} 尚未被接走。监护人：{guardians}。接送人：{phones}。"),
                    false,
                )
            }
            LateStep::WaitingRoom => (
                leaders,
                format!("迟接：{name} 转到等候室 / to the waiting room"),
                format!(
                    "{}{name} 在 {end} 后仍未被接走，已转到等候室由值班教师看管。请值班领导关注。",
                    class.name
                ),
                true,
            ),
            LateStep::LeaderDecision => (
                leaders,
                format!("迟接待决定：{name} / Decision needed"),
                format!(
                    "{}{name} 超时仍未被接走、未联系上家长。请值班领导作出处理决定并记录（必要时请派出所协助）。学生不得独自回家。",
                    class.name
                ),
                true,
            ),
        };
        enqueue(
            &mut tx,
            &Notice {
                message: None,
                school: school.id.clone(),
                recipients,
                title,
                body,
                external,
            },
            at,
        )
        .await?;
        append(
            &mut tx,
            Some(&school.id),
            &Actor::System,
            "late_pickup.step",
            child.student.id.as_str(),
            json!({ "day": day.to_string(), "step": step_name(step) }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The late-pickup steps a child has reached today.
    pub async fn late_steps(&self, student: &StudentId, day: Date) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT step FROM late_pickup_steps WHERE student_id = $1 AND day = $2 ORDER BY at")
                .bind(student.to_string())
                .bind(day.to_string())
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Late pickups of a child (for the family's record): the days the child waited past the end time.
    pub async fn late_pickup_count(&self, student: &StudentId) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(DISTINCT day) FROM late_pickup_steps WHERE student_id = $1")
                .bind(student.to_string())
                .fetch_one(self.pool())
                .await?,
        )
    }
}

/// 活动安排 — one weekday of a class's term: what the session holds and who takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPlan {
    /// 1 = Monday … 5 = Friday.
    pub weekday: u8,
    pub content: String,
    pub note: String,
    pub teacher: Option<(UserId, String)>,
    pub volunteer: Option<(UserId, String)>,
    /// Looks like a lesson or group tutoring (不上课、不集中辅导): shown to the leaders.
    pub flagged: bool,
}

/// What a teacher enters for one weekday.
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub weekday: u8,
    pub content: String,
    pub note: String,
    pub teacher: Option<UserId>,
    pub volunteer: Option<UserId>,
}

/// A flagged plan for the leaders: (class, weekday, content, note).
pub type FlaggedPlan = (String, u8, String, String);

impl Store {
    /// Sets one weekday of a class's session plan. The class teacher, a grade director or a
    /// school leader may; the teacher and volunteer must be this school's. The change and what it
    /// replaced go into the audit log.
    pub async fn set_session_plan(
        &self,
        who: &User,
        class: &crate::setup::ClassInfo,
        term: &yanshi_domain::ids::TermId,
        input: &PlanInput,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mine = class.class_teacher.as_ref().is_some_and(|t| t.0 == who.id);
        let allowed =
            who.school_id.as_ref() == Some(&class.school_id) && (mine || matches!(who.role, Role::SchoolAdmin | Role::GradeDirector));
        if !allowed {
            return Err(Invalid::new("class", "err-plan-not-yours").into());
        }
        if !(1..=5).contains(&input.weekday) {
            return Err(Invalid::new("weekday", "err-plan-weekday").into());
        }
        let content = yanshi_domain::afternoon::session_content(&input.content)?;
        let note: String = input.note.trim().to_string();
        if note.chars().count() > 200 {
            return Err(Invalid::new("note", "err-text-too-long").into());
        }
        if self.term(term).await?.school_id != class.school_id {
            return Err(StoreError::NotFound);
        }
        for (id, field, roles) in [
            (
                &input.teacher,
                "teacher",
                &[Role::SchoolAdmin, Role::GradeDirector, Role::ClassTeacher, Role::Teacher][..],
            ),
            (&input.volunteer, "volunteer", &[Role::Volunteer][..]),
        ] {
            if let Some(id) = id {
                let u = self.user(id).await.map_err(|_| Invalid::new(field, "err-plan-person"))?;
                if u.school_id.as_ref() != Some(&class.school_id) || u.disabled || !roles.contains(&u.role) {
                    return Err(Invalid::new(field, "err-plan-person").into());
                }
            }
        }
        let flagged = yanshi_domain::afternoon::looks_like_a_lesson(content, &note);
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let before: Option<(String, String)> =
            sqlx::query("SELECT content, note FROM session_plans WHERE class_id = $1 AND term_id = $2 AND weekday = $3")
                .bind(class.id.to_string())
                .bind(term.to_string())
                .bind(input.weekday as i64)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| Ok::<_, StoreError>((r.try_get("content")?, r.try_get("note")?)))
                .transpose()?;
        sqlx::query("DELETE FROM session_plans WHERE class_id = $1 AND term_id = $2 AND weekday = $3")
            .bind(class.id.to_string())
            .bind(term.to_string())
            .bind(input.weekday as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO session_plans (id, school_id, class_id, term_id, weekday, content, note, teacher_id, volunteer_id, flagged, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(HandoverId::new().to_string())
        .bind(class.school_id.to_string())
        .bind(class.id.to_string())
        .bind(term.to_string())
        .bind(input.weekday as i64)
        .bind(content)
        .bind(&note)
        .bind(input.teacher.as_ref().map(ToString::to_string))
        .bind(input.volunteer.as_ref().map(ToString::to_string))
        .bind(i64::from(flagged))
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let details = json!({ "term": term.to_string(), "weekday": input.weekday, "content": content, "note": note, "flagged": flagged, "before": before });
        append(
            &mut tx,
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "session_plan.set",
            class.id.as_str(),
            details,
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A class's plan for a term, Monday first.
    pub async fn session_plans(&self, class: &ClassId, term: &yanshi_domain::ids::TermId) -> Result<Vec<SessionPlan>> {
        let rows = sqlx::query(
            "SELECT p.weekday, p.content, p.note, p.flagged, p.teacher_id, t.display_name AS teacher_name, p.volunteer_id, v.display_name AS volunteer_name \
             FROM session_plans p LEFT JOIN users t ON t.id = p.teacher_id LEFT JOIN users v ON v.id = p.volunteer_id \
             WHERE p.class_id = $1 AND p.term_id = $2 ORDER BY p.weekday",
        )
        .bind(class.to_string())
        .bind(term.to_string())
        .fetch_all(self.pool())
        .await?;
        let person = |id: Option<String>, name: Option<String>| id.map(|i| (UserId::from_db(i), name.unwrap_or_default()));
        rows.iter()
            .map(|r| {
                Ok(SessionPlan {
                    weekday: r.try_get::<i64, _>("weekday")? as u8,
                    content: r.try_get("content")?,
                    note: r.try_get("note")?,
                    teacher: person(r.try_get("teacher_id")?, r.try_get("teacher_name")?),
                    volunteer: person(r.try_get("volunteer_id")?, r.try_get("volunteer_name")?),
                    flagged: r.try_get::<i64, _>("flagged")? != 0,
                })
            })
            .collect()
    }

    /// Plans of a school's term that look like lessons, for the leaders.
    pub async fn flagged_plans(&self, school: &SchoolId, term: &yanshi_domain::ids::TermId) -> Result<Vec<FlaggedPlan>> {
        let rows = sqlx::query(
            "SELECT c.grade, c.number, p.weekday, p.content, p.note FROM session_plans p JOIN classes c ON c.id = p.class_id \
             WHERE p.school_id = $1 AND p.term_id = $2 AND p.flagged = 1 ORDER BY c.grade, c.number, p.weekday",
        )
        .bind(school.to_string())
        .bind(term.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    class_name(r.try_get("grade")?, r.try_get("number")?).unwrap_or_default(),
                    r.try_get::<i64, _>("weekday")? as u8,
                    r.try_get("content")?,
                    r.try_get("note")?,
                ))
            })
            .collect()
    }
}

/// 天气预警 in force for a school on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeatherAlert {
    pub level: yanshi_domain::afternoon::WeatherLevel,
    pub note: String,
    pub set_by: String,
    pub at: OffsetDateTime,
}

impl Store {
    /// A school leader sets the day's weather warning (NONE lifts it). From ORANGE up, no child
    /// leaves alone, and the guardians of the children enrolled this term are told at once to
    /// pick their child up.
    pub async fn set_weather_alert(
        &self,
        who: &User,
        school: &SchoolId,
        day: Date,
        level: yanshi_domain::afternoon::WeatherLevel,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if who.school_id.as_ref() != Some(school) || who.role != Role::SchoolAdmin {
            return Err(Invalid::new("level", "err-weather-not-yours").into());
        }
        let note = note.trim();
        if note.chars().count() > 200 {
            return Err(Invalid::new("note", "err-text-too-long").into());
        }
        let before = self.weather_alert(school, day).await?.map(|w| w.level);
        let newly_suspends = level.suspends_self_leave() && !before.is_some_and(|b| b.suspends_self_leave());
        let guardians: Vec<UserId> = if newly_suspends {
            let term = self.term_on(school, day).await?;
            match term {
                Some(term) => sqlx::query_scalar::<_, String>(
                    "SELECT DISTINCT g.user_id FROM enrolments e JOIN student_guardians sg ON sg.student_id = e.student_id \
                     JOIN guardians g ON g.id = sg.guardian_id WHERE e.term_id = $1 AND e.state = 'ACTIVE' AND g.user_id IS NOT NULL AND sg.confirmed_at IS NOT NULL",
                )
                .bind(term.id.to_string())
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .map(UserId::from_db)
                .collect(),
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO weather_alerts (id, school_id, day, level, note, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(HandoverId::new().to_string())
            .bind(school.to_string())
            .bind(day.to_string())
            .bind(level.as_str())
            .bind(note)
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        if !guardians.is_empty() {
            let extra = if note.is_empty() { String::new() } else { format!("（{note}）") };
            enqueue(
                &mut tx,
                &Notice {
                    message: None,
                    school: school.clone(),
                    recipients: guardians,
                    title: format!("{}：今天请到校接孩子 / Weather warning: please pick your child up", level.zh()),
                    body: format!(
                        "学校已发布{}{extra}。今天延时服务结束时不安排学生自行离校，孩子留在学校由老师看护，请监护人或登记的接送人到校接孩子。",
                        level.zh()
                    ),
                    external: false,
                },
                at,
            )
            .await?;
        }
        append(
            &mut tx,
            Some(school),
            &Actor::User(who.id.clone()),
            "weather.set",
            school.as_str(),
            json!({ "day": day.to_string(), "level": level.as_str(), "note": note, "before": before.map(|b| b.as_str()) }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest weather warning set for the day, if any (a NONE row means lifted).
    pub async fn weather_alert(&self, school: &SchoolId, day: Date) -> Result<Option<WeatherAlert>> {
        let row = sqlx::query(
            "SELECT w.level, w.note, w.set_at, u.display_name FROM weather_alerts w JOIN users u ON u.id = w.set_by \
             WHERE w.school_id = $1 AND w.day = $2 ORDER BY w.set_at DESC, w.id DESC LIMIT 1",
        )
        .bind(school.to_string())
        .bind(day.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let level: String = r.try_get("level")?;
        let level = yanshi_domain::afternoon::WeatherLevel::parse(&level)
            .map_err(|_| StoreError::Corrupt(format!("weather_alerts.level = {level}")))?;
        if level == yanshi_domain::afternoon::WeatherLevel::None {
            return Ok(None);
        }
        Ok(Some(WeatherAlert {
            level,
            note: r.try_get("note")?,
            set_by: r.try_get("display_name")?,
            at: from_millis(r.try_get("set_at")?),
        }))
    }
}

/// A leader's decision for a late child: (decision, note, leader, when).
pub type LateDecisionRecord = (yanshi_domain::afternoon::LateDecision, String, String, OffsetDateTime);

impl Store {
    /// 值班领导决定 for a child still waiting after the end time: a school leader records what was
    /// decided and why; the class teacher is told. Appended; the child still leaves only by a
    /// hand-over.
    pub async fn record_late_decision(
        &self,
        who: &User,
        student: &Student,
        day: Date,
        decision: yanshi_domain::afternoon::LateDecision,
        note: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if who.school_id.as_ref() != Some(&student.school_id) || who.role != Role::SchoolAdmin {
            return Err(Invalid::new("decision", "err-late-decision-not-yours").into());
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(Invalid::new("note", "err-late-decision-note").into());
        }
        if note.chars().count() > 500 {
            return Err(Invalid::new("note", "err-text-too-long").into());
        }
        if self.late_steps(&student.id, day).await?.is_empty() {
            return Err(Invalid::new("decision", "err-late-decision-not-late").into());
        }
        if self.handover_of(&student.id, day).await?.is_some() {
            return Err(Invalid::new("decision", "err-late-decision-gone").into());
        }
        let class = self.class(&student.class_id).await?;
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO late_pickup_decisions (id, school_id, student_id, day, decision, note, decided_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(HandoverId::new().to_string())
        .bind(student.school_id.to_string())
        .bind(student.id.to_string())
        .bind(day.to_string())
        .bind(decision.as_str())
        .bind(note)
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let mut recipients: Vec<UserId> = class.class_teacher.iter().map(|t| t.0.clone()).collect();
        recipients.extend(leaders_of(&mut tx, &student.school_id).await?);
        recipients.sort();
        recipients.dedup();
        recipients.retain(|u| *u != who.id);
        enqueue(
            &mut tx,
            &Notice {
                message: None,
                school: student.school_id.clone(),
                recipients,
                title: format!("迟接：{} 值班领导决定 / Leader's decision", student.name),
                body: format!("{}{}：{}。{note}（{}）", class.name, student.name, decision.zh(), who.display_name),
                external: false,
            },
            at,
        )
        .await?;
        append(
            &mut tx,
            Some(&student.school_id),
            &Actor::User(who.id.clone()),
            "late_pickup.decide",
            student.id.as_str(),
            json!({ "day": day.to_string(), "decision": decision.as_str(), "note": note }),
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest leader's decision per child of a class on a day.
    pub async fn late_decisions(&self, class: &ClassId, day: Date) -> Result<HashMap<String, LateDecisionRecord>> {
        let rows = sqlx::query(
            "SELECT d.student_id, d.decision, d.note, d.at, u.display_name FROM late_pickup_decisions d JOIN students s ON s.id = d.student_id \
             JOIN users u ON u.id = d.decided_by WHERE s.class_id = $1 AND d.day = $2 ORDER BY d.at, d.id",
        )
        .bind(class.to_string())
        .bind(day.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out = HashMap::new();
        for r in rows {
            let decision: String = r.try_get("decision")?;
            let decision = yanshi_domain::afternoon::LateDecision::parse(&decision)
                .map_err(|_| StoreError::Corrupt(format!("late_pickup_decisions.decision = {decision}")))?;
            // Ordered oldest first: the newest overwrites.
            out.insert(
                r.try_get("student_id")?,
                (
                    decision,
                    r.try_get("note")?,
                    r.try_get("display_name")?,
                    from_millis(r.try_get("at")?),
                ),
            );
        }
        Ok(out)
    }
}
