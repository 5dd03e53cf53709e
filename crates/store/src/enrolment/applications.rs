//! 家长申请: a guardian applies for their own child (or saves a draft).

use super::*;

impl Store {
    /// A guardian applies for one of their own children (or saves a draft). Refused when the
    /// child is not theirs, when the child already has an open application this term, or when
    /// the terms break the school's rules.
    pub async fn apply(
        &self,
        guardian: &User,
        student: &StudentId,
        term: &TermId,
        app: &Application,
        submit: bool,
        now: OffsetDateTime,
    ) -> Result<EnrolmentId> {
        // Whose child it is comes first, so a stranger's child answers the same whether or not
        // it has an application (or exists at all).
        if !acts_as_guardian(&guardian.principal(), self.is_confirmed_guardian(guardian, student).await?) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        if app.consent_version.trim().is_empty() {
            return Err(Invalid::new("consent", "err-consent-required").into());
        }
        if app.health_disclosure.chars().count() > 300 || app.reason.chars().count() > 300 {
            return Err(Invalid::new("reason", "err-text-too-long").into());
        }
        let t = self.term(term).await?;
        let s = self.student(student).await?;
        if t.school_id != s.school_id {
            return Err(StoreError::NotFound);
        }
        // 告家长书: applications open with the notice, and the guardian reads it first.
        let notice = self.current_notice(term).await?.ok_or(Invalid::new("notice", "err-no-notice"))?;
        if app.notice_id.as_ref() != Some(&notice.id) || !self.has_read_notice(guardian, &notice.id).await? {
            return Err(Invalid::new("notice", "err-notice-unread").into());
        }
        let class = self.class(&s.class_id).await?;
        let policy = self.service_policy(&s.school_id).await?;
        let end = t
            .times
            .end
            .iter()
            .filter(|((g, _), _)| *g == class.grade)
            .map(|(_, e)| *e)
            .max()
            .unwrap_or(policy.default_end)
            .min(policy.latest_end);
        yanshi_domain::enrolment::check_terms(&app.terms, class.grade, end, yanshi_domain::enrolment::DEFAULT_SELF_LEAVE_MIN_GRADE)?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        // A draft of this guardian for this child and term is updated rather than duplicated.
        let draft: Option<String> =
            sqlx::query_scalar("SELECT id FROM enrolments WHERE term_id = $1 AND student_id = $2 AND state = 'DRAFT'")
                .bind(term.to_string())
                .bind(student.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let id = match draft {
            Some(id) => {
                sqlx::query(
                    "UPDATE enrolments SET weekdays = $2, latest_pickup = $3, pickup_plan = $4, health_disclosure = $5, reason = $6, priority_group = $7, consent_version = $8, consent_at = $9, notice_id = $10, updated_at = $9 WHERE id = $1",
                )
                .bind(id.clone())
                .bind(app.terms.weekdays.0 as i64)
                .bind(minutes(app.terms.latest_pickup))
                .bind(app.terms.pickup_plan.as_str())
                .bind(app.health_disclosure.trim().to_string())
                .bind(app.reason.trim().to_string())
                .bind(app.priority_group.map(|p| p.as_str()))
                .bind(app.consent_version.clone())
                .bind(at)
                .bind(app.notice_id.as_ref().map(ToString::to_string))
                .execute(&mut *tx)
                .await?;
                EnrolmentId::from_db(id)
            }
            None => {
                let id = EnrolmentId::new();
                sqlx::query(
                    "INSERT INTO enrolments (id, school_id, term_id, student_id, applicant_id, state, weekdays, latest_pickup, pickup_plan, health_disclosure, reason, priority_group, consent_version, consent_at, notice_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 'DRAFT', $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $13)",
                )
                .bind(id.to_string())
                .bind(s.school_id.to_string())
                .bind(term.to_string())
                .bind(student.to_string())
                .bind(guardian.id.to_string())
                .bind(app.terms.weekdays.0 as i64)
                .bind(minutes(app.terms.latest_pickup))
                .bind(app.terms.pickup_plan.as_str())
                .bind(app.health_disclosure.trim().to_string())
                .bind(app.reason.trim().to_string())
                .bind(app.priority_group.map(|p| p.as_str()))
                .bind(app.consent_version.clone())
                .bind(at)
                .bind(app.notice_id.as_ref().map(ToString::to_string))
                .execute(&mut *tx)
                .await
                .on_conflict("student", "err-already-applied")?;
                id
            }
        };
        let e = load(tx.tx(), &id).await?;
        let who = taker(tx.tx(), guardian, &e).await?;
        if !who.guardian_of_child {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        tx.audit(
            Some(&e.school_id),
            &Actor::User(guardian.id.clone()),
            "enrolment.save",
            id.as_str(),
            json!({ "consent_version": app.consent_version }),
            at,
        )
        .await?;
        if submit {
            let to = next(e.state, Step::Submit, &who).map_err(refused)?;
            record_step(&mut tx, &e, Step::Submit, to, guardian, "", at).await?;
        }
        tx.commit_audited().await?;
        Ok(id)
    }
}
