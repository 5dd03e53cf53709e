//! Leave (请假): a guardian reports that a child will not attend care on some days; reported
//! after the day's cut-off, the class teacher must confirm it. Class teachers enter leave
//! reported by phone or on paper. Roll call (a later capability) reads confirmed leave.

use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::enrolment::{LeaveChannel, LeaveKind, LeaveStatus, leave_needs_confirmation};
use yanshi_domain::ids::{LeaveId, StudentId};
use yanshi_domain::policy::{acts_as_guardian, may_handle_leave};
use yanshi_domain::school_time::local;
use yanshi_i18n::{Args, Message};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    pub id: LeaveId,
    pub student_id: StudentId,
    pub student_name: String,
    pub first_day: Date,
    pub last_day: Date,
    pub kind: LeaveKind,
    pub reason: String,
    pub status: LeaveStatus,
    /// By the guardian in the app, or entered by the class teacher (phone, paper).
    pub via: LeaveChannel,
    pub entered_by: String,
    pub created_at: OffsetDateTime,
}

fn leave_from_row(r: &sqlx::any::AnyRow) -> Result<Leave> {
    let day = |c: &str| -> Result<Date> {
        let s: String = r.try_get(c)?;
        parse_date(&s).ok_or_else(|| StoreError::Corrupt(format!("leave_requests.{c}")))
    };
    Ok(Leave {
        id: LeaveId::from_db(r.try_get("id")?),
        student_id: StudentId::from_db(r.try_get("student_id")?),
        student_name: r.try_get("student_name")?,
        first_day: day("first_day")?,
        last_day: day("last_day")?,
        kind: code(r, "kind", LeaveKind::from_code)?,
        reason: r.try_get("reason")?,
        status: code(r, "status", LeaveStatus::from_code)?,
        via: code(r, "via", LeaveChannel::from_code)?,
        entered_by: r.try_get("entered_by_name")?,
        created_at: from_millis(r.try_get("created_at")?),
    })
}

/// A stored code read back: one of the codes, or a corrupt row — never a guess.
fn code<T>(r: &sqlx::any::AnyRow, column: &str, from_code: fn(&str) -> Option<T>) -> Result<T> {
    let s: String = r.try_get(column)?;
    from_code(&s).ok_or_else(|| StoreError::Corrupt(format!("leave_requests.{column} = {s}")))
}

const SELECT: &str = "SELECT l.*, s.name AS student_name, u.display_name AS entered_by_name FROM leave_requests l JOIN students s ON s.id = l.student_id JOIN users u ON u.id = l.entered_by";

/// Who may act on a child's leave: the child's guardian, the class teacher, a school admin.
async fn relation(store: &Store, who: &User, student: &StudentId) -> Result<(bool, bool)> {
    let s = store.student(student).await?;
    let class = store.class(&s.class_id).await?;
    let p = who.principal();
    let guardian = acts_as_guardian(&p, store.children_of(&who.id).await?.iter().any(|(c, _)| c.id == *student));
    let staff = may_handle_leave(&p, &class.scope());
    Ok((guardian, staff))
}

impl Store {
    /// Reports leave for `first..=last`. Refused outside an active enrolment's term, for a range
    /// without a service day, or by someone who is neither the guardian nor the class teacher.
    #[allow(clippy::too_many_arguments)]
    pub async fn report_leave(
        &self,
        who: &User,
        student: &StudentId,
        first: Date,
        last: Date,
        kind: LeaveKind,
        reason: &str,
        via: LeaveChannel,
        now: OffsetDateTime,
    ) -> Result<LeaveId> {
        if first > last || (last - first).whole_days() > 60 {
            return Err(Invalid::new("last_day", "err-leave-range").into());
        }
        if reason.chars().count() > 200 {
            return Err(Invalid::new("reason", "err-text-too-long").into());
        }
        let (guardian, staff) = relation(self, who, student).await?;
        if !(guardian || staff) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        let s = self.student(student).await?;
        let school = self.school(&s.school_id).await?;
        let grade = self.class(&s.class_id).await?.grade;
        let Some(term) = self.term_on(&s.school_id, first).await? else {
            return Err(Invalid::new("first_day", "err-leave-outside-term").into());
        };
        if last > term.dates.ends_on {
            return Err(Invalid::new("last_day", "err-leave-outside-term").into());
        }
        let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enrolments WHERE student_id = $1 AND term_id = $2 AND state = 'ACTIVE'")
            .bind(student.to_string())
            .bind(term.id.to_string())
            .fetch_one(self.pool())
            .await?;
        if active == 0 {
            return Err(Invalid::new("student", "err-leave-not-enrolled").into());
        }
        let term_id = term.id.clone();
        let cal = self.service_calendar(term).await?;
        let any_service = (0..=(last - first).whole_days()).any(|i| cal.status(first + time::Duration::days(i), grade).is_service());
        if !any_service {
            return Err(Invalid::new("first_day", "err-leave-no-service-day").into());
        }
        let policy = self.service_policy(&s.school_id).await?;
        let now_local = local(now, &school.time_zone);
        let status = if staff || !leave_needs_confirmation(first, now_local.date(), now_local.time(), policy.leave_cutoff) {
            LeaveStatus::Confirmed
        } else {
            LeaveStatus::Pending
        };
        let id = LeaveId::new();
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO leave_requests (id, school_id, student_id, first_day, last_day, kind, reason, status, via, entered_by, created_at, confirmed_by, confirmed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id.to_string())
        .bind(s.school_id.to_string())
        .bind(student.to_string())
        .bind(first.to_string())
        .bind(last.to_string())
        .bind(kind.as_str())
        .bind(reason.trim().to_string())
        .bind(status.as_str())
        .bind(via.as_str())
        .bind(who.id.to_string())
        .bind(at)
        .bind((status == LeaveStatus::Confirmed).then(|| who.id.to_string()))
        .bind((status == LeaveStatus::Confirmed).then_some(at))
        .execute(&mut *tx)
        .await?;
        tx.audit(
            Some(&s.school_id),
            &Actor::User(who.id.clone()),
            "leave.report",
            id.as_str(),
            json!({ "from": first.to_string(), "to": last.to_string(), "kind": kind.as_str(), "status": status.as_str(), "term": term_id.as_str() }),
            at,
        )
        .await?;
        // The class teacher hears of leave that waits for them.
        if status == LeaveStatus::Pending
            && let Some((teacher, _)) = self.class(&s.class_id).await?.class_teacher
        {
            let args = Args::new()
                .text("student", s.name.clone())
                .text("first", first.to_string())
                .text("last", last.to_string())
                .text("reason", reason.trim());
            let notice = Notice::new(&s.school_id, vec![teacher], Message::new("msg-leave-to-confirm", args), false);
            enqueue(tx.tx(), &notice, at).await?;
        }
        tx.commit_audited().await?;
        Ok(id)
    }

    pub async fn confirm_leave(&self, who: &User, id: &LeaveId, now: OffsetDateTime) -> Result<()> {
        let l = self.leave(id).await?;
        let (_, staff) = relation(self, who, &l.student_id).await?;
        if !staff {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let r = sqlx::query("UPDATE leave_requests SET status = 'CONFIRMED', confirmed_by = $2, confirmed_at = $3 WHERE id = $1 AND status = 'PENDING' RETURNING school_id")
            .bind(id.to_string())
            .bind(who.id.to_string())
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Invalid::new("leave", "err-enrolment-step"))?;
        let school = yanshi_domain::ids::SchoolId::from_db(r.try_get("school_id")?);
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "leave.confirm",
            id.as_str(),
            json!({}),
            at,
        )
        .await?;
        Ok(())
    }

    /// Cancels leave (the child will attend after all): the guardian or the class teacher.
    pub async fn cancel_leave(&self, who: &User, id: &LeaveId, now: OffsetDateTime) -> Result<()> {
        let l = self.leave(id).await?;
        let (guardian, staff) = relation(self, who, &l.student_id).await?;
        if !(guardian || staff) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let r = sqlx::query("UPDATE leave_requests SET status = 'CANCELLED' WHERE id = $1 AND status <> 'CANCELLED' RETURNING school_id")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(r) = r else {
            return Err(Invalid::new("leave", "err-enrolment-step").into());
        };
        let school = yanshi_domain::ids::SchoolId::from_db(r.try_get("school_id")?);
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "leave.cancel",
            id.as_str(),
            json!({}),
            at,
        )
        .await?;
        Ok(())
    }

    pub async fn leave(&self, id: &LeaveId) -> Result<Leave> {
        let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE l.id = $1"));
        leave_from_row(&sqlx::query(sql).bind(id.to_string()).fetch_one(self.pool()).await?)
    }

    /// A child's leave, newest first.
    pub async fn leaves_of_student(&self, student: &StudentId) -> Result<Vec<Leave>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE l.student_id = $1 ORDER BY l.first_day DESC, l.created_at DESC"
        ));
        sqlx::query(sql)
            .bind(student.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(leave_from_row)
            .collect()
    }

    /// A class's leave ending on or after `from`, pending first.
    pub async fn leaves_of_class(&self, class: &yanshi_domain::ids::ClassId, from: Date) -> Result<Vec<Leave>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE s.class_id = $1 AND l.last_day >= $2 AND l.status <> 'CANCELLED' ORDER BY CASE WHEN l.status = 'PENDING' THEN 0 ELSE 1 END, l.first_day"
        ));
        sqlx::query(sql)
            .bind(class.to_string())
            .bind(from.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(leave_from_row)
            .collect()
    }

    /// Confirmed leave covering `day` for a child (what roll call needs).
    pub async fn on_leave(&self, student: &StudentId, day: Date) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM leave_requests WHERE student_id = $1 AND status = 'CONFIRMED' AND first_day <= $2 AND last_day >= $2",
        )
        .bind(student.to_string())
        .bind(day.to_string())
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }
}
