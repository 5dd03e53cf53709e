//! A class's or a school's day: who is expected, on leave, marked, handed over or waiting — for
//! the door, the live board (看板) with its change sequence, and the incidents (事件).

use super::class_name;
use super::handover::{HANDOVER_SELECT, Handover, handover_from_row};
use super::roll_call::Unaccounted;
use crate::people::{PickupAdult, Student};
use crate::setup::from_minutes;
use crate::{Result, Store};
use sqlx::Row;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use yanshi_domain::afternoon::{LateStep, RollStatus, Whereabouts, expected};
use yanshi_domain::clock::from_millis;
use yanshi_domain::enrolment::{PickupPlan, Terms, Weekdays};
use yanshi_domain::family::PickupLevel;
use yanshi_domain::ids::{ClassId, PickupAdultId, SchoolId};

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
    /// Marked present and not handed over: in the care of the class's teacher (在班).
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

/// A child on today's list of a class, with what the teacher needs at the door.
#[derive(Debug, Clone)]
pub struct ExpectedChild {
    pub student: Student,
    pub terms: Terms,
    pub on_leave: bool,
    /// The roll mark, once marked.
    pub roll: Option<RollStatus>,
    pub handover: Option<Handover>,
    pub adults: Vec<PickupAdult>,
    /// The child's own guardians who may collect them, offered before the pickup list.
    pub guardians: Vec<super::DoorGuardian>,
    /// Expected at roll call (enrolled for the weekday, not on leave, not absent from school).
    pub expected: bool,
    /// The furthest late-pickup step (迟接) reached today, if the child waited past the end time.
    pub late_step: Option<LateStep>,
    /// Marked absent though expected (未到), and what became of them.
    pub unaccounted: Option<Unaccounted>,
}

impl Store {
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
                row.present += usize::from(c.roll == Some(RollStatus::Present));
                // In care: marked present and not gone yet; a child not yet called is counted apart.
                row.in_care += usize::from(!handed && c.roll == Some(RollStatus::Present));
                row.unaccounted += usize::from(
                    c.unaccounted
                        .as_ref()
                        .is_some_and(|u| u.outcome.is_none_or(|o| o == Whereabouts::NotFound)),
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
        for r in sqlx::query(q("SELECT a.* FROM pickup_adults a JOIN students s ON s.id = a.student_id WHERE s.class_id = $1 AND a.removed_at IS NULL ORDER BY a.created_at")).bind(c.clone()).fetch_all(self.pool()).await? {
            let level: String = r.try_get("level")?;
            adults.entry(r.try_get("student_id")?).or_default().push(PickupAdult {
                id: PickupAdultId::from_db(r.try_get("id")?),
                name: r.try_get("name")?,
                relationship: r.try_get("relationship")?,
                phone: r.try_get("phone")?,
                id_last4: r.try_get("id_last4")?,
                // A level the code cannot read is a corrupt row, never quietly "never".
                level: PickupLevel::parse(&level).ok_or_else(|| crate::StoreError::Corrupt(format!("pickup_adults.level = {level}")))?,
                has_photo: r.try_get::<Option<String>, _>("photo")?.is_some(),
            });
        }
        // The guardians are offered at a class's door; the board and the sweep need none.
        let guardian_rows = match scope {
            Scope::Class(_) => sqlx::query(q(super::door::DOOR_GUARDIANS)).bind(c).fetch_all(self.pool()).await?,
            Scope::School(_) => Vec::new(),
        };
        let mut guardians = super::door::door_guardians(&guardian_rows, &adults)?;
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
                pickup_plan: PickupPlan::parse(&plan)
                    .ok_or_else(|| crate::StoreError::Corrupt(format!("agreement pickup_plan = {plan}")))?,
            };
            let leave = r.try_get::<i64, _>("leave_count")? > 0;
            let roll_status = roll_status_of(r.try_get("roll_status")?)?;
            let absent = roll_status == Some(RollStatus::AbsentFromSchool);
            // The furthest late step (a catch-up sweep may record several at one instant).
            let late_step = r
                .try_get::<Option<i64>, _>("late_rank")?
                .filter(|rank| *rank >= 1)
                .and_then(|rank| LateStep::ALL.get(rank as usize - 1))
                .copied();
            let unaccounted = match r.try_get::<Option<String>, _>("unaccounted_id")? {
                Some(_) => Some(Unaccounted {
                    outcome: match r.try_get::<Option<String>, _>("unaccounted_outcome")? {
                        Some(o) => Some(
                            Whereabouts::from_code(&o).ok_or_else(|| crate::StoreError::Corrupt(format!("unaccounted.outcome = {o}")))?,
                        ),
                        None => None,
                    },
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
                guardians: guardians.remove(&key).unwrap_or_default(),
                late_step,
                unaccounted,
                student,
            });
        }
        Ok(out)
    }
}

/// A stored roll mark: one of the codes, or a corrupt row — never a guess.
pub(super) fn roll_status_of(stored: Option<String>) -> Result<Option<RollStatus>> {
    stored
        .map(|s| RollStatus::from_code(&s).ok_or_else(|| crate::StoreError::Corrupt(format!("roll_calls.status = {s}"))))
        .transpose()
}
