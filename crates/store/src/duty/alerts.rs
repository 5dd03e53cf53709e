//! 值班领导 first: a late pickup's waiting-room and decision alerts go to the day's duty leader
//! and the waiting room's duty teacher (等候室值班教师), not to every school admin; if the duty
//! leader has not acted within the school's minutes, the other leaders are told, once.

use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::{Result, Store, StoreError, Tx};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::afternoon::LateStep;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::duty::PostKind;
use yanshi_domain::ids::{SchoolId, StudentId, UserId};
use yanshi_domain::school_time::format_local;
use yanshi_i18n::{Args, Message};

/// The people (id, name) on a kind of post on a day, by the published roster; disabled
/// accounts hear nothing.
const ON_POST: &str = "SELECT DISTINCT t.user_id, u.display_name FROM duty_turns t JOIN duty_posts p ON p.id = t.post_id \
     JOIN users u ON u.id = t.user_id WHERE t.school_id = $1 AND t.published = 1 AND t.day = $2 AND p.kind = $3 \
     AND u.disabled_at IS NULL ORDER BY t.user_id";

pub(crate) async fn on_post(tx: &mut Tx, school: &SchoolId, day: Date, kind: PostKind) -> Result<Vec<(UserId, String)>> {
    let rows = sqlx::query(ON_POST)
        .bind(school.to_string())
        .bind(day.to_string())
        .bind(kind.as_str())
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| Ok((UserId::from_db(r.try_get("user_id")?), r.try_get("display_name")?)))
        .collect()
}

/// Who hears a waiting-room or decision alert: the day's duty leader — every leader when the
/// roster names none that day — and the waiting room's duty teacher.
pub(crate) async fn late_alert_recipients(tx: &mut Tx, school: &SchoolId, day: Date) -> Result<Vec<UserId>> {
    let mut to: Vec<UserId> = on_post(tx, school, day, PostKind::Leader).await?.into_iter().map(|p| p.0).collect();
    if to.is_empty() {
        to = crate::afternoon::leaders_of(tx, school).await?;
    }
    to.extend(on_post(tx, school, day, PostKind::WaitingRoom).await?.into_iter().map(|p| p.0));
    to.sort();
    to.dedup();
    Ok(to)
}

/// The escalated steps and their message keys.
fn escalation_key(step: LateStep) -> Option<&'static str> {
    match step {
        LateStep::WaitingRoom => Some("msg-late-escalated-waiting-room"),
        LateStep::LeaderDecision => Some("msg-late-escalated-decision"),
        LateStep::NotifyGuardians | LateStep::CallList => None,
    }
}

impl Store {
    /// The other leaders hear of a waiting-room or decision alert the duty leader has not acted
    /// on — no decision recorded for the child that day and the child not handed over — within
    /// the school's `leader_minutes`: once per child, day and step (`duty_escalations`), so
    /// several instances may run it. Without a duty leader today nothing escalates: every
    /// leader had the alert. Returns how many escalations told someone.
    pub(crate) async fn escalate_late_alerts(&self, school: &crate::School, day: Date, now: OffsetDateTime) -> Result<usize> {
        let at = to_millis(now);
        let minutes = self.duty_settings(&school.id).await?.leader_minutes;
        let due = at - i64::from(minutes) * 60_000;
        let rows = sqlx::query(
            "SELECT s.student_id, s.step, s.at FROM late_pickup_steps s WHERE s.school_id = $1 AND s.day = $2 \
             AND s.step IN ('WAITING_ROOM', 'LEADER_DECISION') AND s.at <= $3 \
             AND NOT EXISTS (SELECT 1 FROM duty_escalations e WHERE e.student_id = s.student_id AND e.day = s.day AND e.step = s.step) \
             AND NOT EXISTS (SELECT 1 FROM late_pickup_decisions d WHERE d.student_id = s.student_id AND d.day = s.day) \
             AND NOT EXISTS (SELECT 1 FROM handovers h WHERE h.student_id = s.student_id AND h.day = s.day) ORDER BY s.at",
        )
        .bind(school.id.to_string())
        .bind(day.to_string())
        .bind(due)
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut told = 0;
        for r in rows {
            let step: String = r.try_get("step")?;
            let step = LateStep::parse(&step).ok_or_else(|| StoreError::Corrupt(format!("late_pickup_steps.step = {step}")))?;
            let student = StudentId::from_db(r.try_get("student_id")?);
            let since = from_millis(r.try_get("at")?);
            told += usize::from(self.escalate_one(school, &student, day, step, since, minutes, now).await?);
        }
        Ok(told)
    }

    #[allow(clippy::too_many_arguments)]
    async fn escalate_one(
        &self,
        school: &crate::School,
        student: &StudentId,
        day: Date,
        step: LateStep,
        since: OffsetDateTime,
        minutes: u32,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let Some(key) = escalation_key(step) else { return Ok(false) };
        let child = self.student(student).await?;
        let class = self.class(&child.class_id).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let duty = on_post(tx.tx(), &school.id, day, PostKind::Leader).await?;
        if duty.is_empty() {
            // No duty leader today: the alert went to every leader already.
            return Ok(false);
        }
        // Recorded only while the leader still has not acted, in one statement, so a decision
        // or a hand-over committed first stops it.
        let inserted = sqlx::query(
            "INSERT INTO duty_escalations (id, school_id, student_id, day, step, at) SELECT $1, $2, $3, $4, $5, $6 WHERE \
             NOT EXISTS (SELECT 1 FROM late_pickup_decisions d WHERE d.student_id = $3 AND d.day = $4) \
             AND NOT EXISTS (SELECT 1 FROM handovers h WHERE h.student_id = $3 AND h.day = $4) ON CONFLICT DO NOTHING",
        )
        .bind(yanshi_domain::ids::row_id())
        .bind(school.id.to_string())
        .bind(student.to_string())
        .bind(day.to_string())
        .bind(step.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        let mut others = crate::afternoon::leaders_of(tx.tx(), &school.id).await?;
        others.retain(|u| !duty.iter().any(|(d, _)| d == u));
        let names = duty.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(" ");
        if !others.is_empty() {
            let args = Args::new()
                .text("student", child.name.clone())
                .text("class", class.name.clone())
                .text("leader", names)
                .text("since", &format_local(since, &school.time_zone)[11..])
                .number("minutes", i64::from(minutes));
            let notice = Notice::new(&school.id, others.clone(), Message::new(key, args), true);
            enqueue(tx.tx(), &notice, at).await?;
        }
        tx.commit(
            Some(&school.id),
            &Actor::System,
            "late_pickup.escalate",
            student.as_str(),
            json!({ "day": day.to_string(), "step": step.as_str(), "told": others.len() }),
            at,
        )
        .await?;
        Ok(!others.is_empty())
    }
}
