//! 值班领导决定 — the duty leader's decision for a child still waiting after the end time.

use super::leaders_of;
use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::people::Student;
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::{ClassId, UserId};
use yanshi_domain::policy::is_school_leader;
use yanshi_i18n::{Args, Message};

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
        if !is_school_leader(&who.principal(), &student.school_id) {
            return Err(StoreError::Forbidden("err-late-decision-not-yours"));
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
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO late_pickup_decisions (id, school_id, student_id, day, decision, note, decided_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(yanshi_domain::ids::row_id())
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
        recipients.extend(leaders_of(tx.tx(), &student.school_id).await?);
        recipients.sort();
        recipients.dedup();
        recipients.retain(|u| *u != who.id);
        enqueue(
            tx.tx(),
            &Notice::new(
                &student.school_id,
                recipients,
                Message::new(
                    "msg-late-decision",
                    Args::new()
                        .text("class", class.name.clone())
                        .text("student", student.name.clone())
                        .key("decision", decision.key())
                        .text("note", note)
                        .text("by", who.display_name.clone()),
                ),
                false,
            ),
            at,
        )
        .await?;
        tx.commit(
            Some(&student.school_id),
            &Actor::User(who.id.clone()),
            "late_pickup.decide",
            student.id.as_str(),
            json!({ "day": day.to_string(), "decision": decision.as_str(), "note": note }),
            at,
        )
        .await?;
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
