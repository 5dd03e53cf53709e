//! 报名 — enrolments: a guardian's application, the review steps, the signatures on the
//! agreement, and who sees which enrolment.

use super::{ApiJson, ErrorBody, rfc3339};
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::IdPath;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yanshi_domain::ids::EnrolmentId;
use yanshi_domain::policy::Action;

/// The states of an enrolment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)]
pub enum EnrolmentStateName {
    Draft,
    Submitted,
    ClassApproved,
    Approved,
    Signed,
    Active,
    Rejected,
    Cancelled,
    Withdrawn,
    Terminated,
}

/// How the child goes home.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)]
pub enum PickupPlanName {
    ByAdults,
    SelfLeave,
}

/// An application for the after-school service (报名) and where it stands.
#[derive(Serialize, ToSchema)]
#[schema(as = Enrolment)]
pub struct EnrolmentOut {
    id: String,
    student_id: String,
    term_id: String,
    #[schema(value_type = EnrolmentStateName)]
    state: &'static str,
    /// 1 (Monday) to 5 (Friday).
    weekdays: Vec<u8>,
    /// `HH:MM`
    latest_pickup: String,
    #[schema(value_type = PickupPlanName)]
    pickup_plan: &'static str,
    reason: String,
    consent_version: String,
    decision_reason: Option<String>,
    decision_note: Option<String>,
    /// `YYYY-MM-DD`: when a withdrawal or termination takes effect.
    ends_on: Option<String>,
    created_at: String,
}

impl From<&yanshi_store::enrolment::Enrolment> for EnrolmentOut {
    fn from(e: &yanshi_store::enrolment::Enrolment) -> Self {
        EnrolmentOut {
            id: e.id.to_string(),
            student_id: e.student_id.to_string(),
            term_id: e.term_id.to_string(),
            state: e.state.as_str(),
            weekdays: e.terms.weekdays.numbers(),
            latest_pickup: yanshi_domain::school::format_clock(e.terms.latest_pickup),
            pickup_plan: e.terms.pickup_plan.as_str(),
            reason: e.reason.clone(),
            consent_version: e.consent_version.clone(),
            decision_reason: e.decision_reason.clone(),
            decision_note: e.decision_note.clone(),
            ends_on: e.ends_on.map(super::ymd),
            created_at: rfc3339(e.created_at),
        }
    }
}

/// An enrolment in a list, with the child's name and class.
#[derive(Serialize, ToSchema)]
pub struct EnrolmentListed {
    #[serde(flatten)]
    enrolment: EnrolmentOut,
    student_name: String,
    class: String,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentsOut {
    enrolments: Vec<EnrolmentListed>,
}

/// A guardian's children's enrolments; for staff, the term's enrolments of the classes they see.
#[utoipa::path(get, path = "/api/v1/enrolments", operation_id = "list_enrolments", tag = "enrolment",
    summary = "A guardian's children's enrolments, or the term's enrolments a reviewer sees", security(("bearer" = [])),
    responses((status = 200, description = "the enrolments", body = EnrolmentsOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn enrolments(State(state): State<AppState>, me: Me) -> AppResult<Json<EnrolmentsOut>> {
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
            return Ok(Json(EnrolmentsOut { enrolments: Vec::new() }));
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
    let enrolments = rows
        .into_iter()
        .map(|r| EnrolmentListed {
            enrolment: EnrolmentOut::from(&r.enrolment),
            student_name: r.student_name,
            class: r.class_name,
        })
        .collect();
    Ok(Json(EnrolmentsOut { enrolments }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewEnrolment {
    student_id: String,
    /// 1 (Monday) to 5 (Friday).
    #[schema(value_type = Vec<u8>)]
    weekdays: Vec<u8>,
    /// `HH:MM`
    #[schema(example = "17:30")]
    latest_pickup: String,
    #[serde(default)]
    #[schema(value_type = Option<PickupPlanName>)]
    pickup_plan: Option<String>,
    #[serde(default)]
    health_disclosure: String,
    #[serde(default)]
    reason: String,
    priority_group: Option<String>,
    /// The privacy notice version consented to (a separate consent).
    consent_version: String,
    /// From GET /api/v1/my/notice.
    notice_id: String,
    /// Submit now (else a draft).
    #[serde(default)]
    submit: bool,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentCreated {
    enrolment: EnrolmentOut,
}

/// A guardian applies (or saves a draft) for their own child.
#[utoipa::path(post, path = "/api/v1/enrolments", operation_id = "create_enrolment", tag = "enrolment",
    summary = "A guardian applies for their own child (submit or draft)",
    request_body = NewEnrolment, security(("bearer" = [])),
    responses((status = 201, description = "applied", body = EnrolmentCreated), (status = "4XX", description = "refused", body = ErrorBody)))]
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
    Ok((
        StatusCode::CREATED,
        Json(EnrolmentCreated {
            enrolment: EnrolmentOut::from(&e),
        }),
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct AgreementSignatureOut {
    /// `guardian` or `school`.
    side: String,
    typed_name: String,
    at: String,
    text_hash: String,
}

/// One version of the agreement (协议) and who signed it.
#[derive(Serialize, ToSchema)]
pub struct AgreementOut {
    id: String,
    version: i64,
    /// PENDING, GUARDIAN_SIGNED, EFFECTIVE or SUPERSEDED.
    status: String,
    text: String,
    /// SHA-256 of the text: send it back when signing.
    text_hash: String,
    signatures: Vec<AgreementSignatureOut>,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentEventOut {
    step: String,
    by: String,
    at: String,
}

#[derive(Serialize, ToSchema)]
pub struct EnrolmentDetail {
    enrolment: EnrolmentOut,
    agreements: Vec<AgreementOut>,
    events: Vec<EnrolmentEventOut>,
}

/// An enrolment with its agreement versions (text, hash, signatures) and history.
#[utoipa::path(get, path = "/api/v1/enrolments/{id}", operation_id = "get_enrolment", tag = "enrolment",
    params(("id" = String, Path, description = "the enrolment's id (a UUID)")), security(("bearer" = [])),
    responses((status = 200, description = "the enrolment", body = EnrolmentDetail), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn enrolment(State(state): State<AppState>, me: Me, IdPath(id): IdPath<EnrolmentId>) -> AppResult<Json<EnrolmentDetail>> {
    let e = visible_enrolment(&state, &me, &id).await?;
    let agreements = state
        .store
        .agreements(&e.id)
        .await?
        .into_iter()
        .map(|a| AgreementOut {
            id: a.id.to_string(),
            version: a.version,
            status: a.status.as_str().to_string(),
            text: a.text,
            text_hash: a.text_hash,
            signatures: a
                .signatures
                .into_iter()
                .map(|s| AgreementSignatureOut {
                    side: s.side.as_str().to_string(),
                    typed_name: s.typed_name,
                    at: rfc3339(s.at),
                    text_hash: s.text_hash,
                })
                .collect(),
        })
        .collect();
    let events = state
        .store
        .enrolment_events(&e.id)
        .await?
        .into_iter()
        .map(|(step, by, at)| EnrolmentEventOut { step, by, at: rfc3339(at) })
        .collect();
    Ok(Json(EnrolmentDetail {
        enrolment: EnrolmentOut::from(&e),
        agreements,
        events,
    }))
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

/// The steps a reviewer, the guardian or the school may take.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum StepName {
    Cancel,
    ClassApprove,
    ClassReject,
    SchoolApprove,
    SchoolReject,
    Withdraw,
    Terminate,
}

#[derive(Deserialize, ToSchema)]
pub struct StepRequest {
    #[schema(value_type = StepName)]
    step: String,
    /// A reason code (rejection, termination).
    reason: Option<String>,
    #[serde(default)]
    note: String,
}

/// The state an enrolment is in after a step or a signature.
#[derive(Serialize, ToSchema)]
pub struct EnrolmentStateOut {
    #[schema(value_type = EnrolmentStateName)]
    state: &'static str,
}

/// A review step, cancellation, withdrawal or termination; the state machine decides who may.
#[utoipa::path(post, path = "/api/v1/enrolments/{id}/steps", operation_id = "create_enrolment_step", tag = "enrolment",
    summary = "Review, cancel, withdraw or terminate (who may is decided by the rules)",
    params(("id" = String, Path, description = "the enrolment's id (a UUID)")), request_body = StepRequest, security(("bearer" = [])),
    responses((status = 200, description = "the new state", body = EnrolmentStateOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn enrolment_step(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<EnrolmentId>,
    ApiJson(r): ApiJson<StepRequest>,
) -> AppResult<Json<EnrolmentStateOut>> {
    let e = visible_enrolment(&state, &me, &id).await?;
    let step = crate::pages::enrolment::manual_step(&r.step).ok_or(yanshi_domain::Invalid::new("step", "err-enrolment-step"))?;
    // The same last day as on the page: the next service day, after the leave cut-off the one after.
    let ends_on = crate::pages::enrolment::ends_on(&state, &e, step, state.clock.now()).await?;
    let decision = yanshi_store::enrolment::Decision {
        reason: r.reason.as_deref(),
        note: &r.note,
        ends_on,
    };
    let to = state
        .store
        .enrolment_step(&me.user, &e.id, step, decision, state.clock.now())
        .await?;
    Ok(Json(EnrolmentStateOut { state: to.as_str() }))
}

#[derive(Deserialize, ToSchema)]
pub struct SignRequest {
    agreement_id: String,
    /// SHA-256 of the text the signer read.
    text_hash: String,
    typed_name: String,
    /// The statement was ticked.
    statement: bool,
}

/// The guardian's signature, then the school's countersignature, on the newest agreement.
#[utoipa::path(post, path = "/api/v1/enrolments/{id}/signatures", operation_id = "create_signature", tag = "enrolment",
    summary = "Sign the newest agreement: the guardian first, then the school",
    params(("id" = String, Path, description = "the enrolment's id (a UUID)")), request_body = SignRequest, security(("bearer" = [])),
    responses((status = 200, description = "the new state", body = EnrolmentStateOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    me: Me,
    headers: axum::http::HeaderMap,
    IdPath(id): IdPath<EnrolmentId>,
    ApiJson(r): ApiJson<SignRequest>,
) -> AppResult<Json<EnrolmentStateOut>> {
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
    Ok(Json(EnrolmentStateOut { state: to.as_str() }))
}
