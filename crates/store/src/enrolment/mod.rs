//! Enrolment (报名) in the store: applications, reviews, the versioned agreement with its
//! signatures, withdrawal and termination. Every step goes through the domain's state machine
//! (`yanshi_domain::enrolment::next`) with the facts read inside the same transaction, and
//! writes its event, its audit entry and the guardians' inbox notice there too.

mod agreements;
mod applications;
mod queue;

pub use queue::ReviewQueue;

use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::setup::{from_minutes, minutes};
use crate::{OnConflict, Result, Store, StoreError, Tx, User, Write};
use agreements::make_agreement;
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::agreement::{AgreementFacts, DEFAULT_TEMPLATE, check_template, render};
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::enrolment::{AgreementStatus, EnrolmentState, Party, PickupPlan, Step, Taker, Terms, Weekdays, next, text_hash};
use yanshi_domain::family::PriorityGroup;
use yanshi_domain::ids::{AgreementId, EnrolmentId, NoticeId, SchoolId, StudentId, TermId, UserId};
use yanshi_domain::policy::acts_as_guardian;
use yanshi_domain::school::{Grade, class_name_zh, format_clock};
use yanshi_i18n::{Args, Message};

/// What a guardian fills in (家长申请表, DOMAIN §4.2).
#[derive(Debug, Clone)]
pub struct Application {
    pub terms: Terms,
    /// 健康情况 disclosed by the guardian (may be "无").
    pub health_disclosure: String,
    /// Why the family needs the service (e.g. both parents work late).
    pub reason: String,
    pub priority_group: Option<PriorityGroup>,
    /// The privacy notice version the guardian consented to (a separate consent).
    pub consent_version: String,
    pub notice_id: Option<NoticeId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub id: EnrolmentId,
    pub school_id: SchoolId,
    pub term_id: TermId,
    pub student_id: StudentId,
    pub applicant_id: UserId,
    pub state: EnrolmentState,
    pub terms: Terms,
    pub health_disclosure: String,
    pub reason: String,
    pub priority_group: Option<PriorityGroup>,
    pub consent_version: String,
    pub decision_reason: Option<String>,
    pub decision_note: Option<String>,
    pub ends_on: Option<Date>,
    pub created_at: OffsetDateTime,
}

/// An enrolment with the names a list shows.
#[derive(Debug, Clone)]
pub struct EnrolmentRow {
    pub enrolment: Enrolment,
    pub student_name: String,
    pub class_name: String,
    pub class_id: String,
    /// The newest agreement is signed by the guardian and waits for the school's countersignature.
    pub awaiting_countersign: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub side: Party,
    pub signer: String,
    pub typed_name: String,
    pub device: String,
    pub text_hash: String,
    pub at: OffsetDateTime,
    pub drawing: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: AgreementId,
    pub version: i64,
    pub text: String,
    pub text_hash: String,
    pub status: AgreementStatus,
    pub terms: Terms,
    pub created_at: OffsetDateTime,
    pub signatures: Vec<Signature>,
}

/// What comes with a step: a reason code and message (rejection, termination), the date a
/// withdrawal or termination takes effect.
#[derive(Debug, Clone, Default)]
pub struct Decision<'a> {
    pub reason: Option<&'a str>,
    pub note: &'a str,
    pub ends_on: Option<Date>,
}

/// What a signature brings along: the exact text's hash the signer saw, the typed name, the
/// ticked statement, an optional drawing, and the device.
pub struct SignatureInput {
    pub agreement: AgreementId,
    pub seen_hash: String,
    pub typed_name: String,
    pub statement_ticked: bool,
    pub drawing: Option<String>,
    pub device: String,
}

fn enrolment_from_row(r: &sqlx::any::AnyRow) -> Result<Enrolment> {
    let state: String = r.try_get("state")?;
    let plan: String = r.try_get("pickup_plan")?;
    Ok(Enrolment {
        id: EnrolmentId::from_db(r.try_get("id")?),
        school_id: SchoolId::from_db(r.try_get("school_id")?),
        term_id: TermId::from_db(r.try_get("term_id")?),
        student_id: StudentId::from_db(r.try_get("student_id")?),
        applicant_id: UserId::from_db(r.try_get("applicant_id")?),
        state: EnrolmentState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("enrolments.state = {state}")))?,
        terms: Terms {
            weekdays: Weekdays(r.try_get::<i64, _>("weekdays")? as u8),
            latest_pickup: from_minutes(r.try_get("latest_pickup")?),
            pickup_plan: PickupPlan::parse(&plan).ok_or_else(|| StoreError::Corrupt(format!("enrolments.pickup_plan = {plan}")))?,
        },
        health_disclosure: r.try_get("health_disclosure")?,
        reason: r.try_get("reason")?,
        priority_group: match r.try_get::<Option<String>, _>("priority_group")?.filter(|g| !g.is_empty()) {
            Some(g) => Some(PriorityGroup::from_code(&g).ok_or_else(|| StoreError::Corrupt(format!("enrolments.priority_group = {g}")))?),
            None => None,
        },
        consent_version: r.try_get("consent_version")?,
        decision_reason: r.try_get("decision_reason")?,
        decision_note: r.try_get("decision_note")?,
        ends_on: r.try_get::<Option<String>, _>("ends_on")?.as_deref().and_then(parse_date),
        created_at: from_millis(r.try_get("created_at")?),
    })
}

/// The facts about who is acting, read in the transaction.
async fn taker(tx: &mut Tx, who: &User, e: &Enrolment) -> Result<Taker> {
    let guardian_of_child: bool = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id WHERE sg.student_id = $1 AND g.user_id = $2 AND sg.confirmed_at IS NOT NULL",
    )
    .bind(e.student_id.to_string())
    .bind(who.id.to_string())
    .fetch_one(&mut **tx)
    .await?
        > 0;
    let class_teacher_of_child: bool = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM students s JOIN classes c ON c.id = s.class_id WHERE s.id = $1 AND c.class_teacher_id = $2",
    )
    .bind(e.student_id.to_string())
    .bind(who.id.to_string())
    .fetch_one(&mut **tx)
    .await?
        > 0;
    Ok(Taker {
        role: who.role,
        guardian_of_child,
        class_teacher_of_child,
        same_school: who.school_id.as_ref() == Some(&e.school_id),
    })
}

async fn load(tx: &mut Tx, id: &EnrolmentId) -> Result<Enrolment> {
    let r = sqlx::query("SELECT * FROM enrolments WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    enrolment_from_row(&r)
}

/// The guardians with accounts of a child: they hear of every step.
async fn guardian_accounts(tx: &mut Tx, student: &StudentId) -> Result<Vec<UserId>> {
    crate::guardian_links::confirmed_guardian_accounts(tx, student).await
}

async fn record_step(tx: &mut Write, e: &Enrolment, step: Step, to: EnrolmentState, who: &User, note: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE enrolments SET state = $2, updated_at = $3 WHERE id = $1")
        .bind(e.id.to_string())
        .bind(to.as_str())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO enrolment_events (id, enrolment_id, step, from_state, to_state, actor_id, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(EnrolmentId::new().to_string())
        .bind(e.id.to_string())
        .bind(step.as_str())
        .bind(e.state.as_str())
        .bind(to.as_str())
        .bind(who.id.to_string())
        .bind(note.chars().take(500).collect::<String>())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    tx.audit(
        Some(&e.school_id),
        &Actor::User(who.id.clone()),
        &format!("enrolment.{}", step.as_str()),
        e.id.as_str(),
        json!({ "from": e.state.as_str(), "to": to.as_str() }),
        at,
    )
    .await?;
    let student: String = sqlx::query_scalar("SELECT name FROM students WHERE id = $1")
        .bind(e.student_id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    let args = Args::new().text("student", student).key("step", step_key(to)).text("note", note);
    let key = if note.is_empty() {
        "msg-enrolment-step"
    } else {
        "msg-enrolment-step-noted"
    };
    let notice = Notice::new(
        &e.school_id,
        guardian_accounts(tx.tx(), &e.student_id).await?,
        Message::new(key, args),
        false,
    );
    enqueue(tx.tx(), &notice, at).await?;
    queue::notify_reviewers(tx.tx(), e, step, at).await?;
    Ok(())
}

/// What the guardians are told a step came to (a message key, rendered in their language).
fn step_key(to: EnrolmentState) -> &'static str {
    match to {
        EnrolmentState::Draft => "msg-step-draft",
        EnrolmentState::Submitted => "msg-step-submitted",
        EnrolmentState::ClassApproved => "msg-step-class-approved",
        EnrolmentState::Approved => "msg-step-approved",
        EnrolmentState::Signed => "msg-step-signed",
        EnrolmentState::Active => "msg-step-active",
        EnrolmentState::Rejected => "msg-step-rejected",
        EnrolmentState::Cancelled => "msg-step-cancelled",
        EnrolmentState::Withdrawn => "msg-step-withdrawn",
        EnrolmentState::Terminated => "msg-step-terminated",
    }
}

impl Store {
    /// Is this account a guardian of the child, by a link in effect?
    pub async fn is_confirmed_guardian(&self, who: &User, student: &StudentId) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id \
             WHERE sg.student_id = $1 AND g.user_id = $2 AND sg.confirmed_at IS NOT NULL",
        )
        .bind(student.to_string())
        .bind(who.id.to_string())
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }

    pub async fn enrolment(&self, id: &EnrolmentId) -> Result<Enrolment> {
        let r = sqlx::query("SELECT * FROM enrolments WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        enrolment_from_row(&r)
    }

    /// Enrolments of a school's term with names, priority groups first, then by class.
    pub async fn enrolments_of_term(&self, term: &TermId) -> Result<Vec<EnrolmentRow>> {
        let rows = sqlx::query(
            "SELECT e.*, s.name AS student_name, c.grade, c.number, c.id AS class_id, (SELECT COUNT(*) FROM agreements a WHERE a.enrolment_id = e.id AND a.status = 'GUARDIAN_SIGNED') AS awaiting_countersign FROM enrolments e JOIN students s ON s.id = e.student_id JOIN classes c ON c.id = s.class_id \
             WHERE e.term_id = $1 ORDER BY CASE WHEN e.priority_group IS NULL THEN 1 ELSE 0 END, c.grade, c.number, s.student_number",
        )
        .bind(term.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_with_names).collect()
    }

    /// A guardian's children's enrolments, newest first.
    pub async fn enrolments_of_guardian(&self, guardian: &UserId) -> Result<Vec<EnrolmentRow>> {
        let rows = sqlx::query(
            "SELECT e.*, s.name AS student_name, c.grade, c.number, c.id AS class_id, (SELECT COUNT(*) FROM agreements a WHERE a.enrolment_id = e.id AND a.status = 'GUARDIAN_SIGNED') AS awaiting_countersign FROM enrolments e JOIN students s ON s.id = e.student_id JOIN classes c ON c.id = s.class_id \
             WHERE e.student_id IN (SELECT sg.student_id FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id WHERE g.user_id = $1 AND sg.confirmed_at IS NOT NULL) ORDER BY e.created_at DESC",
        )
        .bind(guardian.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_with_names).collect()
    }

    /// A review step, a cancellation, a withdrawal or a termination. `reason` is required for
    /// rejections and terminations; `ends_on` for withdrawals and terminations.
    pub async fn enrolment_step(
        &self,
        who: &User,
        id: &EnrolmentId,
        step: Step,
        d: Decision<'_>,
        now: OffsetDateTime,
    ) -> Result<EnrolmentState> {
        if matches!(step, Step::GuardianSign | Step::Countersign | Step::Submit) {
            return Err(Invalid::new("step", "err-enrolment-step").into());
        }
        let Decision { reason, note, ends_on } = d;
        let needs_reason = matches!(step, Step::ClassReject | Step::SchoolReject | Step::Terminate);
        let allowed: &[&str] = if step == Step::Terminate {
            &yanshi_domain::enrolment::TERMINATION_REASONS
        } else {
            &yanshi_domain::enrolment::REJECT_REASONS
        };
        if needs_reason && !reason.is_some_and(|r| allowed.contains(&r)) {
            return Err(Invalid::new("reason", "err-reason-code").into());
        }
        if needs_reason && note.trim().is_empty() {
            return Err(Invalid::new("note", "err-reason-required").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let e = load(tx.tx(), id).await?;
        let t = taker(tx.tx(), who, &e).await?;
        let to = next(e.state, step, &t).map_err(refused)?;
        if needs_reason || matches!(step, Step::Withdraw) {
            sqlx::query("UPDATE enrolments SET decision_reason = $2, decision_note = $3, ends_on = $4 WHERE id = $1")
                .bind(id.to_string())
                .bind(reason.map(str::to_string))
                .bind(note.trim().to_string())
                .bind(ends_on.map(|d| d.to_string()))
                .execute(&mut *tx)
                .await?;
        }
        if step == Step::SchoolApprove {
            make_agreement(tx.tx(), &e, &e.terms, at).await?;
        }
        record_step(&mut tx, &e, step, to, who, note.trim(), at).await?;
        tx.commit_audited().await?;
        Ok(to)
    }

    /// Approves many class-approved applications at once (the school's bulk approval).
    pub async fn bulk_school_approve(&self, who: &User, ids: &[EnrolmentId], now: OffsetDateTime) -> Result<usize> {
        let mut n = 0;
        for id in ids {
            self.enrolment_step(who, id, Step::SchoolApprove, Decision::default(), now).await?;
            n += 1;
        }
        Ok(n)
    }

    /// A guardian changes the terms (days, pickup): a new agreement version to sign. An active
    /// enrolment stays active on its signed version until the new one is signed by both.
    pub async fn change_terms(&self, guardian: &User, id: &EnrolmentId, terms: &Terms, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let e = load(tx.tx(), id).await?;
        let t = taker(tx.tx(), guardian, &e).await?;
        if !acts_as_guardian(&guardian.principal(), t.guardian_of_child) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        if !matches!(e.state, EnrolmentState::Approved | EnrolmentState::Signed | EnrolmentState::Active) {
            return Err(Invalid::new("step", "err-enrolment-step").into());
        }
        let class_grade: i64 = sqlx::query_scalar("SELECT c.grade FROM students s JOIN classes c ON c.id = s.class_id WHERE s.id = $1")
            .bind(e.student_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let term = self.term(&e.term_id).await?;
        let policy = self.service_policy(&e.school_id).await?;
        let end = term
            .times
            .end
            .iter()
            .filter(|((g, _), _)| *g as i64 == class_grade)
            .map(|(_, x)| *x)
            .max()
            .unwrap_or(policy.default_end)
            .min(policy.latest_end);
        yanshi_domain::enrolment::check_terms(
            terms,
            class_grade as u8,
            end,
            yanshi_domain::enrolment::DEFAULT_SELF_LEAVE_MIN_GRADE,
        )?;
        sqlx::query("UPDATE enrolments SET weekdays = $2, latest_pickup = $3, pickup_plan = $4, updated_at = $5 WHERE id = $1")
            .bind(id.to_string())
            .bind(terms.weekdays.0 as i64)
            .bind(minutes(terms.latest_pickup))
            .bind(terms.pickup_plan.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        make_agreement(tx.tx(), &e, terms, at).await?;
        if e.state == EnrolmentState::Signed {
            // The guardian's signature was on the old terms: back to waiting for it.
            sqlx::query("UPDATE enrolments SET state = 'APPROVED' WHERE id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit(
            Some(&e.school_id),
            &Actor::User(guardian.id.clone()),
            "enrolment.change_terms",
            id.as_str(),
            json!({ "weekdays": terms.weekdays.0, "pickup_plan": terms.pickup_plan.as_str() }),
            at,
        )
        .await?;
        Ok(())
    }

    /// Per term: how many enrolments exist by state, and how many of the active ones rest on a
    /// guardian's own submission and signature (all of them, by construction).
    pub async fn enrolment_compliance(&self, term: &TermId) -> Result<(Vec<(String, i64)>, i64, i64)> {
        let by_state = sqlx::query("SELECT state, COUNT(*) AS n FROM enrolments WHERE term_id = $1 GROUP BY state ORDER BY state")
            .bind(term.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
            .collect::<Result<Vec<(String, i64)>>>()?;
        let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enrolments WHERE term_id = $1 AND state = 'ACTIVE'")
            .bind(term.to_string())
            .fetch_one(self.pool())
            .await?;
        let backed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM enrolments e JOIN users u ON u.id = e.applicant_id WHERE e.term_id = $1 AND e.state = 'ACTIVE' AND u.role = 'guardian' \
             AND EXISTS (SELECT 1 FROM enrolment_events v WHERE v.enrolment_id = e.id AND v.step = 'submit' AND v.actor_id = e.applicant_id) \
             AND EXISTS (SELECT 1 FROM agreements a JOIN signatures s ON s.agreement_id = a.id JOIN users g ON g.id = s.user_id \
                         WHERE a.enrolment_id = e.id AND s.side = 'GUARDIAN' AND g.role = 'guardian')",
        )
        .bind(term.to_string())
        .fetch_one(self.pool())
        .await?;
        Ok((by_state, active, backed))
    }
}

fn row_with_names(r: &sqlx::any::AnyRow) -> Result<EnrolmentRow> {
    let grade = Grade::new(r.try_get::<i64, _>("grade")? as u32).map_err(|_| StoreError::Corrupt("classes.grade".into()))?;
    Ok(EnrolmentRow {
        enrolment: enrolment_from_row(r)?,
        student_name: r.try_get("student_name")?,
        class_name: class_name_zh(grade, r.try_get::<i64, _>("number")? as u8),
        class_id: r.try_get("class_id")?,
        awaiting_countersign: r.try_get::<i64, _>("awaiting_countersign")? > 0,
    })
}

impl Store {
    /// The history of an enrolment: (step, who, when), oldest first.
    pub async fn enrolment_events(&self, id: &EnrolmentId) -> Result<Vec<(String, String, OffsetDateTime)>> {
        let rows = sqlx::query("SELECT v.step, u.display_name, v.at FROM enrolment_events v JOIN users u ON u.id = v.actor_id WHERE v.enrolment_id = $1 ORDER BY v.at, v.id")
            .bind(id.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("step")?, r.try_get("display_name")?, from_millis(r.try_get("at")?))))
            .collect()
    }
}

/// `next` refuses a step for one of two reasons: it is not this person's to take (403), or not
/// from this state (422).
fn refused(e: Invalid) -> StoreError {
    if e.key == "err-enrolment-not-yours" {
        StoreError::Forbidden(e.key)
    } else {
        e.into()
    }
}
