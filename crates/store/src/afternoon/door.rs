//! What the classroom door needs beyond one child at a time: the child's own guardians as
//! people who may collect them (监护人接), the rest of the class marked present in one
//! confirmed tap (全部到), a wrong mark taken back (撤销), and whether each guardian was told
//! of an absence or a late pickup and has read it.

use super::roll_call::resolve_open_unaccounted;
use crate::audit::Actor;
use crate::people::{PickupAdult, Student};
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use yanshi_domain::afternoon::{RollStatus, Whereabouts};
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::family::PickupLevel;
use yanshi_domain::ids::{ClassId, GuardianId, PickupAdultId, StudentId};
use yanshi_domain::policy::may_run_afternoon;

/// A confirmed guardian of the child, offered at the door before the registered pickup adults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorGuardian {
    pub id: GuardianId,
    pub name: String,
    pub relationship: String,
}

/// The guardians of each child (by student id) who may collect them: confirmed links only, and
/// none who is on the child's pickup list as well — that entry (with its level: a custody limit
/// is a NEVER entry) speaks for them, matched by phone or by name.
pub(super) fn door_guardians(
    rows: &[sqlx::any::AnyRow],
    adults: &HashMap<String, Vec<PickupAdult>>,
) -> Result<HashMap<String, Vec<DoorGuardian>>> {
    let mut out: HashMap<String, Vec<DoorGuardian>> = HashMap::new();
    for r in rows {
        let student: String = r.try_get("student_id")?;
        let name: String = r.try_get("name")?;
        let phone: String = r.try_get("phone")?;
        let listed = adults
            .get(&student)
            .is_some_and(|list| list.iter().any(|a| same_person(a, &name, &phone)));
        if listed {
            continue;
        }
        out.entry(student).or_default().push(DoorGuardian {
            id: GuardianId::from_db(r.try_get("guardian_id")?),
            name,
            relationship: r.try_get("relationship")?,
        });
    }
    Ok(out)
}

/// A pickup-list entry that names this guardian.
pub(super) fn same_person(a: &PickupAdult, name: &str, phone: &str) -> bool {
    (!a.phone.is_empty() && a.phone == phone) || a.name.trim() == name.trim()
}

/// The query of every confirmed guardian of a class's (or school's) children.
pub(super) const DOOR_GUARDIANS: &str = "SELECT sg.student_id, sg.guardian_id, sg.relationship, g.name, g.phone \
     FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id JOIN students s ON s.id = sg.student_id \
     WHERE s.class_id = $1 AND sg.confirmed_at IS NOT NULL ORDER BY sg.is_primary DESC, g.name";

/// What a guardian was told about their child today, and whether they have read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianTold {
    /// The message's key (`msg-not-in-room-guardian`, `msg-late-guardians`).
    pub key: String,
    pub guardian: String,
    pub at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
}

impl Store {
    /// Every message to a guardian about a child of this class in `[from, until)`, by student
    /// id, oldest first.
    pub async fn guardians_told(
        &self,
        class: &ClassId,
        from: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<HashMap<String, Vec<GuardianTold>>> {
        let rows = sqlx::query(
            "SELECT i.student_id, i.message_key, i.created_at, i.read_at, g.name FROM inbox i \
             JOIN students s ON s.id = i.student_id JOIN guardians g ON g.user_id = i.user_id \
             WHERE s.class_id = $1 AND i.created_at >= $2 AND i.created_at < $3 ORDER BY i.created_at, g.name",
        )
        .bind(class.to_string())
        .bind(to_millis(from))
        .bind(to_millis(until))
        .fetch_all(self.pool())
        .await?;
        let mut out: HashMap<String, Vec<GuardianTold>> = HashMap::new();
        for r in &rows {
            out.entry(r.try_get("student_id")?).or_default().push(GuardianTold {
                key: r.try_get::<Option<String>, _>("message_key")?.unwrap_or_default(),
                guardian: r.try_get("name")?,
                at: from_millis(r.try_get("created_at")?),
                read_at: r.try_get::<Option<i64>, _>("read_at")?.map(from_millis),
            });
        }
        Ok(out)
    }

    /// 全部到: the children the teacher saw unmarked and confirmed are marked present — only those
    /// still unmarked, not handed over and expected, so a mark made meanwhile on another phone
    /// stands. One transaction, one audit entry naming them. Returns how many were marked.
    pub async fn mark_rest_present(
        &self,
        who: &User,
        class: &ClassId,
        day: Date,
        students: &[StudentId],
        now: OffsetDateTime,
    ) -> Result<usize> {
        let info = self.class(class).await?;
        if !may_run_afternoon(&who.principal(), &info.school_id) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        let children = self.class_day(class, day).await?;
        let marked: Vec<&StudentId> = children
            .iter()
            .filter(|c| c.expected && c.roll.is_none() && c.handover.is_none() && students.contains(&c.student.id))
            .map(|c| &c.student.id)
            .collect();
        if marked.is_empty() {
            return Ok(0);
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let mut written = 0;
        for student in &marked {
            // A mark made since the page was drawn is left alone (DO NOTHING), and not counted.
            written += sqlx::query(
                "INSERT INTO roll_calls (id, school_id, student_id, day, status, note, marked_by, marked_at) \
                 VALUES ($1, $2, $3, $4, $5, '', $6, $7) ON CONFLICT (student_id, day) DO NOTHING",
            )
            .bind(yanshi_domain::ids::row_id())
            .bind(info.school_id.to_string())
            .bind(student.to_string())
            .bind(day.to_string())
            .bind(RollStatus::Present.as_str())
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        let names: Vec<&str> = marked.iter().map(|s| s.as_str()).collect();
        tx.commit(
            Some(&info.school_id),
            &Actor::User(who.id.clone()),
            "roll.rest_present",
            info.id.as_str(),
            json!({ "day": day.to_string(), "students": names }),
            at,
        )
        .await?;
        Ok(written as usize)
    }

    /// 撤销: a wrong roll mark taken back, the child unmarked again. A 未到 alert it raised is
    /// closed as found (the guardians were told already; the record keeps both). Refused once
    /// the child is handed over.
    pub async fn undo_roll(&self, who: &User, student: &Student, day: Date, now: OffsetDateTime) -> Result<()> {
        if !may_run_afternoon(&who.principal(), &student.school_id) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let handed: Option<String> = sqlx::query_scalar("SELECT id FROM handovers WHERE student_id = $1 AND day = $2")
            .bind(student.id.to_string())
            .bind(day.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if handed.is_some() {
            return Err(yanshi_domain::Invalid::new("student", "err-undo-handed-over").into());
        }
        let was: Option<String> = sqlx::query_scalar("SELECT status FROM roll_calls WHERE student_id = $1 AND day = $2")
            .bind(student.id.to_string())
            .bind(day.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(was) = was else {
            // Nothing to take back (undone already, here or on another phone).
            return Ok(());
        };
        sqlx::query("DELETE FROM roll_calls WHERE student_id = $1 AND day = $2")
            .bind(student.id.to_string())
            .bind(day.to_string())
            .execute(&mut *tx)
            .await?;
        resolve_open_unaccounted(&mut tx, who, student, day, Whereabouts::Found, "msg-note-roll-undone", at).await?;
        tx.commit(
            Some(&student.school_id),
            &Actor::User(who.id.clone()),
            "roll.undo",
            student.id.as_str(),
            json!({ "day": day.to_string(), "was": was }),
            at,
        )
        .await?;
        Ok(())
    }
}

/// The level of a guardian at the hand-over: the pickup-list entry that names them if there
/// is one (a custody limit is NEVER), else a guardian may always collect their own child.
pub(super) fn guardian_level<'a>(adults: &'a [PickupAdult], name: &str, phone: &str) -> (Option<&'a PickupAdult>, PickupLevel) {
    match adults.iter().find(|a| same_person(a, name, phone)) {
        Some(a) => (Some(a), a.level),
        None => (None, PickupLevel::Always),
    }
}

impl Store {
    /// A confirmed guardian of this child at the door: (the pickup-list entry that names them,
    /// name, relationship, level). `None` when the guardian is not this child's.
    pub(super) async fn guardian_at_door(
        &self,
        student: &StudentId,
        guardian: &GuardianId,
    ) -> Result<Option<(Option<PickupAdultId>, String, String, Option<PickupLevel>)>> {
        let Some(row) = sqlx::query(
            "SELECT g.name, g.phone, sg.relationship FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id \
             WHERE sg.student_id = $1 AND sg.guardian_id = $2 AND sg.confirmed_at IS NOT NULL",
        )
        .bind(student.to_string())
        .bind(guardian.to_string())
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let (name, phone): (String, String) = (row.try_get("name")?, row.try_get("phone")?);
        let adults = self.pickup_adults(student).await?;
        let (entry, level) = guardian_level(&adults, &name, &phone);
        Ok(Some((entry.map(|a| a.id.clone()), name, row.try_get("relationship")?, Some(level))))
    }
}
