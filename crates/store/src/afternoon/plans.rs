//! 活动安排 — a class's weekly session plan.

use super::class_name;
use crate::audit::Actor;
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yanshi_domain::Invalid;
use yanshi_domain::clock::to_millis;
use yanshi_domain::ids::{ClassId, SchoolId, UserId};
use yanshi_domain::policy::may_plan_sessions;
use yanshi_domain::role::Role;

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
        if !may_plan_sessions(&who.principal(), &class.scope()) {
            return Err(StoreError::Forbidden("err-plan-not-yours"));
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
        self.volunteer_is_never_alone(class, term, input, now).await?;
        let flagged = yanshi_domain::afternoon::looks_like_a_lesson(content, &note);
        let at = to_millis(now);
        let mut tx = self.write().await?;
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
        .bind(yanshi_domain::ids::row_id())
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
        tx.commit(
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "session_plan.set",
            class.id.as_str(),
            details,
            at,
        )
        .await?;
        Ok(())
    }

    /// A volunteer is never the only adult with a group: a plan that names one names a teacher
    /// too. For a term not over yet, the volunteer must be vetted today (identity, 无犯罪记录证明,
    /// training, all within the school's validity).
    async fn volunteer_is_never_alone(
        &self,
        class: &crate::setup::ClassInfo,
        term: &yanshi_domain::ids::TermId,
        input: &PlanInput,
        now: OffsetDateTime,
    ) -> Result<()> {
        let Some(volunteer) = &input.volunteer else { return Ok(()) };
        if input.teacher.is_none() {
            return Err(Invalid::new("teacher", "err-plan-volunteer-alone").into());
        }
        let zone = self.school(&class.school_id).await?.time_zone;
        let today = yanshi_domain::school_time::local(now, &zone).date();
        if self.term(term).await?.dates.ends_on >= today && !self.is_vetted_volunteer(&class.school_id, volunteer, today).await? {
            return Err(Invalid::new("volunteer", "err-plan-volunteer-unvetted").into());
        }
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
