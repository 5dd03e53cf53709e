//! 告家长书 (the notice to parents, versioned per term) and 调查摸底 (the needs survey).

use crate::audit::Actor;
use crate::setup::{from_minutes, minutes};
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::{OffsetDateTime, Time};
use yanshi_domain::Invalid;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::enrolment::Weekdays;
use yanshi_domain::ids::{ClassId, NoticeId, StudentId, TermId};
use yanshi_domain::policy::{acts_as_guardian, is_school_leader, may_enter_survey_answer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentNotice {
    pub id: NoticeId,
    pub term_id: TermId,
    pub version: i64,
    pub body: String,
    pub published_at: OffsetDateTime,
}

/// One family's answer to the needs survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyAnswer {
    pub needs_care: bool,
    pub weekdays: Weekdays,
    pub latest_pickup: Option<Time>,
    pub reason: String,
    /// ONLINE (by the guardian), PAPER or PHONE (entered by staff).
    pub source: String,
    pub answered_by: String,
    pub answered_at: OffsetDateTime,
}

impl Store {
    /// Publishes a new version of the term's notice; earlier versions stay as they were.
    pub async fn publish_notice(&self, who: &User, term: &TermId, body: &str, now: OffsetDateTime) -> Result<i64> {
        let t = self.term(term).await?;
        if !is_school_leader(&who.principal(), &t.school_id) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        let body = body.trim();
        if body.is_empty() || body.chars().count() > 10_000 {
            return Err(Invalid::new("body", "err-template-size").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM parent_notices WHERE term_id = $1")
            .bind(term.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let id = NoticeId::new();
        sqlx::query("INSERT INTO parent_notices (id, school_id, term_id, version, body, created_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id.to_string())
            .bind(t.school_id.to_string())
            .bind(term.to_string())
            .bind(version)
            .bind(body.to_string())
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(&t.school_id),
            &Actor::User(who.id.clone()),
            "notice.publish",
            id.as_str(),
            json!({ "term": term.as_str(), "version": version }),
            at,
        )
        .await?;
        Ok(version)
    }

    /// The newest published notice of a term.
    pub async fn current_notice(&self, term: &TermId) -> Result<Option<ParentNotice>> {
        let r = sqlx::query("SELECT * FROM parent_notices WHERE term_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(term.to_string())
            .fetch_optional(self.pool())
            .await?;
        r.map(|r| {
            Ok(ParentNotice {
                id: NoticeId::from_db(r.try_get("id")?),
                term_id: TermId::from_db(r.try_get("term_id")?),
                version: r.try_get("version")?,
                body: r.try_get("body")?,
                published_at: from_millis(r.try_get("published_at")?),
            })
        })
        .transpose()
    }

    /// Records that a person has read a notice version (once).
    pub async fn mark_notice_read(&self, who: &User, notice: &NoticeId, now: OffsetDateTime) -> Result<()> {
        let done: Option<String> = sqlx::query_scalar("SELECT notice_id FROM notice_reads WHERE notice_id = $1 AND user_id = $2")
            .bind(notice.to_string())
            .bind(who.id.to_string())
            .fetch_optional(self.pool())
            .await?;
        if done.is_none() {
            sqlx::query("INSERT INTO notice_reads (notice_id, user_id, at) VALUES ($1, $2, $3)")
                .bind(notice.to_string())
                .bind(who.id.to_string())
                .bind(to_millis(now))
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    pub async fn has_read_notice(&self, who: &User, notice: &NoticeId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notice_reads WHERE notice_id = $1 AND user_id = $2")
            .bind(notice.to_string())
            .bind(who.id.to_string())
            .fetch_one(self.pool())
            .await?;
        Ok(n > 0)
    }

    /// A survey answer for a child: the guardian's own (ONLINE), or one the class teacher or
    /// grade director collected on paper or by phone. A later answer replaces the earlier.
    pub async fn answer_survey(
        &self,
        who: &User,
        student: &StudentId,
        term: &TermId,
        answer: &SurveyAnswer,
        now: OffsetDateTime,
    ) -> Result<()> {
        let s = self.student(student).await?;
        let class = self.class(&s.class_id).await?;
        let p = who.principal();
        let guardian = acts_as_guardian(&p, self.children_of(&who.id).await?.iter().any(|(c, _)| c.id == *student));
        let staff = may_enter_survey_answer(&p, &class.scope());
        let source = if guardian { "ONLINE" } else { answer.source.as_str() };
        if !(guardian || (staff && ["PAPER", "PHONE"].contains(&source))) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        if answer.reason.chars().count() > 200 {
            return Err(Invalid::new("reason", "err-text-too-long").into());
        }
        if self.term(term).await?.school_id != s.school_id {
            return Err(StoreError::NotFound);
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM survey_answers WHERE term_id = $1 AND student_id = $2")
            .bind(term.to_string())
            .bind(student.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO survey_answers (id, school_id, term_id, student_id, needs_care, weekdays, latest_pickup, reason, source, answered_by, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(NoticeId::new().to_string())
        .bind(s.school_id.to_string())
        .bind(term.to_string())
        .bind(student.to_string())
        .bind(i64::from(answer.needs_care))
        .bind(answer.weekdays.0 as i64)
        .bind(answer.latest_pickup.map(minutes))
        .bind(answer.reason.trim().to_string())
        .bind(source)
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit(
            Some(&s.school_id),
            &Actor::User(who.id.clone()),
            "survey.answer",
            student.as_str(),
            json!({ "needs_care": answer.needs_care, "source": source }),
            at,
        )
        .await?;
        Ok(())
    }

    /// Every child of a class with their answer, or none yet (who has not answered).
    pub async fn survey_of_class(&self, term: &TermId, class: &ClassId) -> Result<Vec<(crate::people::Student, Option<SurveyAnswer>)>> {
        let students = self.students_of_class(class).await?;
        let rows = sqlx::query(
            "SELECT a.*, u.display_name FROM survey_answers a JOIN users u ON u.id = a.answered_by JOIN students s ON s.id = a.student_id WHERE a.term_id = $1 AND s.class_id = $2",
        )
        .bind(term.to_string())
        .bind(class.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut answers = std::collections::HashMap::new();
        for r in rows {
            answers.insert(
                r.try_get::<String, _>("student_id")?,
                SurveyAnswer {
                    needs_care: r.try_get::<i64, _>("needs_care")? != 0,
                    weekdays: Weekdays(r.try_get::<i64, _>("weekdays")? as u8),
                    latest_pickup: r.try_get::<Option<i64>, _>("latest_pickup")?.map(from_minutes),
                    reason: r.try_get("reason")?,
                    source: r.try_get("source")?,
                    answered_by: r.try_get("display_name")?,
                    answered_at: from_millis(r.try_get("answered_at")?),
                },
            );
        }
        Ok(students
            .into_iter()
            .map(|(s, _)| {
                let a = answers.remove(s.id.as_str());
                (s, a)
            })
            .collect())
    }

    pub async fn survey_answer(&self, term: &TermId, student: &StudentId) -> Result<Option<bool>> {
        let r: Option<i64> = sqlx::query_scalar("SELECT needs_care FROM survey_answers WHERE term_id = $1 AND student_id = $2")
            .bind(term.to_string())
            .bind(student.to_string())
            .fetch_optional(self.pool())
            .await?;
        Ok(r.map(|n| n != 0))
    }
}
