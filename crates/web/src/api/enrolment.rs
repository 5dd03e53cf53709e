//! 报名 — enrolments: a guardian's application, the review steps, the signatures on the
//! agreement, and who sees which enrolment.

use super::{ApiJson, rfc3339};
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yanshi_domain::ids::EnrolmentId;
use yanshi_domain::policy::Action;

fn enrolment_json(e: &yanshi_store::enrolment::Enrolment) -> serde_json::Value {
    json!({
        "id": e.id.as_str(), "student_id": e.student_id.as_str(), "term_id": e.term_id.as_str(), "state": e.state.as_str(),
        "weekdays": e.terms.weekdays.numbers(), "latest_pickup": yanshi_domain::school::format_clock(e.terms.latest_pickup),
        "pickup_plan": e.terms.pickup_plan.as_str(), "reason": e.reason, "consent_version": e.consent_version,
        "decision_reason": e.decision_reason, "decision_note": e.decision_note, "ends_on": e.ends_on.map(|d| d.to_string()),
        "created_at": rfc3339(e.created_at),
    })
}

/// A guardian's children's enrolments; for staff, the term's enrolments of the classes they see.
pub async fn enrolments(State(state): State<AppState>, me: Me) -> AppResult<Json<serde_json::Value>> {
    let rows = if me.user.role == yanshi_domain::role::Role::Guardian {
        state.store.enrolments_of_guardian(&me.user.id).await?
    } else {
        if !yanshi_domain::policy::may(&me.principal, Action::ReviewEnrolments, None) {
            return Err(AppError::Forbidden);
        }
        let school = me
            .user
            .school_id
            .clone()
            .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
        let school = state.store.school(&school).await?;
        let Some(term) = crate::pages::enrolment::enrolment_term(&state, &school).await? else {
            return Ok(Json(json!({ "enrolments": [] })));
        };
        let visible: Vec<String> = state
            .store
            .classes(&school.id)
            .await?
            .into_iter()
            .filter(|c| yanshi_domain::policy::may_see_class(&me.principal, &c.scope()))
            .map(|c| c.id.to_string())
            .collect();
        state
            .store
            .enrolments_of_term(&term.id)
            .await?
            .into_iter()
            .filter(|r| visible.contains(&r.class_id))
            .collect()
    };
    let list: Vec<_> = rows
        .iter()
        .map(|r| {
            let mut v = enrolment_json(&r.enrolment);
            v["student_name"] = json!(r.student_name);
            v["class"] = json!(r.class_name);
            v
        })
        .collect();
    Ok(Json(json!({ "enrolments": list })))
}

#[derive(Deserialize)]
pub struct NewEnrolment {
    student_id: String,
    weekdays: Vec<u8>,
    latest_pickup: String,
    #[serde(default)]
    pickup_plan: Option<String>,
    #[serde(default)]
    health_disclosure: String,
    #[serde(default)]
    reason: String,
    priority_group: Option<String>,
    consent_version: String,
    notice_id: String,
    #[serde(default)]
    submit: bool,
}

/// A guardian applies (or saves a draft) for their own child.
pub async fn create_enrolment(State(state): State<AppState>, me: Me, ApiJson(r): ApiJson<NewEnrolment>) -> AppResult<Response> {
    use yanshi_domain::enrolment::{PickupPlan, Terms, Weekdays};
    let student = yanshi_domain::ids::StudentId::parse(&r.student_id).ok_or(AppError::NotFound)?;
    let s = state.store.student(&student).await?;
    let school = state.store.school(&s.school_id).await?;
    let term = crate::pages::enrolment::enrolment_term(&state, &school)
        .await?
        .ok_or(yanshi_domain::Invalid::new("term", "err-no-term"))?;
    if r.consent_version != yanshi_domain::agreement::PRIVACY_NOTICE_VERSION {
        return Err(yanshi_domain::Invalid::new("consent_version", "err-consent-required").into());
    }
    let app = yanshi_store::enrolment::Application {
        terms: Terms {
            weekdays: Weekdays::from_numbers(&r.weekdays)?,
            latest_pickup: yanshi_domain::school::parse_clock(&r.latest_pickup)?,
            pickup_plan: r.pickup_plan.as_deref().and_then(PickupPlan::parse).unwrap_or(PickupPlan::ByAdults),
        },
        health_disclosure: r.health_disclosure,
        reason: r.reason,
        priority_group: r.priority_group.as_deref().and_then(yanshi_domain::family::PriorityGroup::parse),
        consent_version: r.consent_version,
        notice_id: yanshi_domain::ids::NoticeId::parse(&r.notice_id),
    };
    let id = state
        .store
        .apply(&me.user, &student, &term.id, &app, r.submit, state.clock.now())
        .await?;
    let e = state.store.enrolment(&id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "enrolment": enrolment_json(&e) }))).into_response())
}

/// An enrolment with its agreement versions (text, hash, signatures) and history.
pub async fn enrolment(State(state): State<AppState>, me: Me, IdPath(id): IdPath<EnrolmentId>) -> AppResult<Json<serde_json::Value>> {
    let e = visible_enrolment(&state, &me, &id).await?;
    let agreements: Vec<_> = state
        .store
        .agreements(&e.id)
        .await?
        .into_iter()
        .map(|a| {
            let signatures: Vec<_> = a.signatures.iter().map(|s| json!({ "side": s.side.as_str(), "typed_name": s.typed_name, "at": rfc3339(s.at), "text_hash": s.text_hash })).collect();
            json!({ "id": a.id.as_str(), "version": a.version, "status": a.status.as_str(), "text": a.text, "text_hash": a.text_hash, "signatures": signatures })
        })
        .collect();
    let events: Vec<_> = state
        .store
        .enrolment_events(&e.id)
        .await?
        .into_iter()
        .map(|(step, who, at)| json!({ "step": step, "by": who, "at": rfc3339(at) }))
        .collect();
    Ok(Json(
        json!({ "enrolment": enrolment_json(&e), "agreements": agreements, "events": events }),
    ))
}

async fn visible_enrolment(state: &AppState, me: &Me, id: &EnrolmentId) -> AppResult<yanshi_store::enrolment::Enrolment> {
    let e = state.store.enrolment(id).await?;
    let class = state.store.class(&state.store.student(&e.student_id).await?.class_id).await?;
    let guardian = me.user.role == yanshi_domain::role::Role::Guardian
        && state
            .store
            .children_of(&me.user.id)
            .await?
            .iter()
            .any(|(s, _)| s.id == e.student_id);
    if !guardian && !yanshi_domain::policy::may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    Ok(e)
}

#[derive(Deserialize)]
pub struct StepRequest {
    step: String,
    reason: Option<String>,
    #[serde(default)]
    note: String,
}

/// A review step, cancellation, withdrawal or termination; the state machine decides who may.
pub async fn enrolment_step(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<EnrolmentId>,
    ApiJson(r): ApiJson<StepRequest>,
) -> AppResult<Json<serde_json::Value>> {
    use yanshi_domain::enrolment::Step;
    let e = visible_enrolment(&state, &me, &id).await?;
    let step = match r.step.as_str() {
        "cancel" => Step::Cancel,
        "class_approve" => Step::ClassApprove,
        "class_reject" => Step::ClassReject,
        "school_approve" => Step::SchoolApprove,
        "school_reject" => Step::SchoolReject,
        "withdraw" => Step::Withdraw,
        "terminate" => Step::Terminate,
        _ => return Err(yanshi_domain::Invalid::new("step", "err-enrolment-step").into()),
    };
    let ends_on = matches!(step, Step::Withdraw | Step::Terminate)
        .then(|| yanshi_domain::school_time::local(state.clock.now(), yanshi_domain::school_time::DEFAULT_TIME_ZONE).date());
    let decision = yanshi_store::enrolment::Decision {
        reason: r.reason.as_deref(),
        note: &r.note,
        ends_on,
    };
    let to = state
        .store
        .enrolment_step(&me.user, &e.id, step, decision, state.clock.now())
        .await?;
    Ok(Json(json!({ "state": to.as_str() })))
}

#[derive(Deserialize)]
pub struct SignRequest {
    agreement_id: String,
    text_hash: String,
    typed_name: String,
    statement: bool,
}

/// The guardian's signature, then the school's countersignature, on the newest agreement.
pub async fn sign(
    State(state): State<AppState>,
    me: Me,
    headers: axum::http::HeaderMap,
    IdPath(id): IdPath<EnrolmentId>,
    ApiJson(r): ApiJson<SignRequest>,
) -> AppResult<Json<serde_json::Value>> {
    let e = visible_enrolment(&state, &me, &id).await?;
    let input = yanshi_store::enrolment::SignatureInput {
        agreement: yanshi_domain::ids::AgreementId::parse(&r.agreement_id).ok_or(AppError::NotFound)?,
        seen_hash: r.text_hash,
        typed_name: r.typed_name,
        statement_ticked: r.statement,
        drawing: None,
        device: format!(
            "API · {}",
            headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?")
        ),
    };
    let to = state.store.sign_agreement(&me.user, &e.id, &input, state.clock.now()).await?;
    Ok(Json(json!({ "state": to.as_str() })))
}
