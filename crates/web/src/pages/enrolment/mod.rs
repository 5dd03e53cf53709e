//! Enrolment pages (报名): the guardian's application on a phone, the reviews, the agreement
//! signed on the phone and countersigned, its A4 print, the published list and the
//! compliance figures.

mod apply;
mod review;
mod steps;

pub use apply::{apply, apply_form};
pub use review::{bulk_approve, published, review};
pub(crate) use steps::after_enrolment_action;
pub use steps::{add_pickup_adult, change_terms, ends_on, manual_step, sign, take_step};

use super::IdPath;
use super::school::{Pairs, field};
use super::{AppForm, page};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yanshi_domain::agreement::{PRIVACY_NOTICE, PRIVACY_NOTICE_VERSION};
use yanshi_domain::enrolment::{AgreementStatus, LeaveStatus};
use yanshi_domain::enrolment::{EnrolmentState, PickupPlan, REJECT_REASONS, TERMINATION_REASONS, Terms, Weekdays};
use yanshi_domain::family::PriorityGroup;
use yanshi_domain::ids::{EnrolmentId, StudentId, TermId};
use yanshi_domain::policy::{Action, may, may_read_sensitive, may_see_class};
use yanshi_domain::role::Role;
use yanshi_domain::school::{format_clock, parse_clock};
use yanshi_domain::school_time::{format_local, local};
use yanshi_store::enrolment::{Agreement, Application, Enrolment, EnrolmentRow};
use yanshi_store::people::Student;
use yanshi_store::setup::ClassInfo;
use yanshi_store::terms::Term;

/// The message key of a state's name.
pub fn state_key(s: EnrolmentState) -> &'static str {
    match s {
        EnrolmentState::Draft => "ui-state-draft",
        EnrolmentState::Submitted => "ui-state-submitted",
        EnrolmentState::ClassApproved => "ui-state-class-approved",
        EnrolmentState::Approved => "ui-state-approved",
        EnrolmentState::Signed => "ui-state-signed",
        EnrolmentState::Active => "ui-state-active",
        EnrolmentState::Rejected => "ui-state-rejected",
        EnrolmentState::Cancelled => "ui-state-cancelled",
        EnrolmentState::Withdrawn => "ui-state-withdrawn",
        EnrolmentState::Terminated => "ui-state-terminated",
    }
}

fn reason_key(code: &str) -> &'static str {
    match code {
        "INCOMPLETE" => "ui-reason-incomplete",
        "DUPLICATE" => "ui-reason-duplicate",
        "CAN_LEAVE_ON_TIME" => "ui-reason-can-leave",
        "REPEATED_DISRUPTION" => "ui-reason-disruption",
        "UNEXCUSED_ABSENCES" => "ui-reason-absences",
        "WENT_HOME_ALONE_AFTER_LATE_PICKUP" => "ui-reason-went-home-alone",
        "SERIOUS_MISCONDUCT" => "ui-reason-misconduct",
        _ => "ui-reason-other",
    }
}

/// The term a school's enrolment is for today: the one running, else the next to start.
pub async fn enrolment_term(state: &AppState, school: &yanshi_store::School) -> AppResult<Option<Term>> {
    let today = local(state.clock.now(), &school.time_zone).date();
    let terms = state.store.terms(&school.id).await?;
    Ok(terms
        .iter()
        .find(|t| t.dates.starts_on <= today && today <= t.dates.ends_on)
        .or_else(|| terms.iter().filter(|t| t.dates.starts_on > today).min_by_key(|t| t.dates.starts_on))
        .cloned())
}

/// A guardian's own child, or 403.
async fn own_child(state: &AppState, me: &Me, id: &StudentId) -> AppResult<Student> {
    state
        .store
        .children_of(&me.user.id)
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .find(|s| s.id == *id)
        .ok_or(AppError::Forbidden)
}

/// What the person looking at an enrolment may do with it.
#[derive(Default)]
pub struct Actions {
    pub guardian: bool,
    pub class_review: bool,
    pub school_review: bool,
    pub sign_as_guardian: bool,
    pub countersign: bool,
}

#[derive(Template)]
#[template(path = "enrolment.html")]
struct EnrolmentPage {
    l: Layout,
    e: Enrolment,
    state_label: &'static str,
    student: Student,
    class: ClassInfo,
    term: Term,
    agreements: Vec<(Agreement, String)>,
    events: Vec<(String, String)>,
    decision: Option<(&'static str, String)>,
    actions: Actions,
    reject_reasons: Vec<(&'static str, &'static str)>,
    termination_reasons: Vec<(&'static str, &'static str)>,
    days: Vec<(u8, &'static str, bool)>,
    leaves: Vec<yanshi_store::leave::Leave>,
    leave_kinds: Vec<(&'static str, &'static str)>,
    adults: Vec<yanshi_store::people::PickupAdult>,
    hidden_limits: usize,
    guardians: Vec<yanshi_store::people::GuardianLink>,
    error: Option<&'static str>,
}

pub(crate) async fn load_visible(state: &AppState, me: &Me, id: &EnrolmentId) -> AppResult<(Enrolment, Student, ClassInfo, bool)> {
    let e = state.store.enrolment(id).await?;
    let student = state.store.student(&e.student_id).await?;
    let class = state.store.class(&student.class_id).await?;
    let guardian = me.user.role == Role::Guardian && state.store.children_of(&me.user.id).await?.iter().any(|(s, _)| s.id == student.id);
    if !guardian && !may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    Ok((e, student, class, guardian))
}

async fn enrolment_page(state: &AppState, lang: Lang, me: &Me, id: &EnrolmentId, error: Option<&'static str>) -> AppResult<Response> {
    let (e, student, class, guardian) = load_visible(state, me, id).await?;
    let l = Layout::for_user(state, lang, &me.user).await;
    let zone = state.store.school(&e.school_id).await?.time_zone;
    let term = state.store.term(&e.term_id).await?;
    let agreements: Vec<(Agreement, String)> = state
        .store
        .agreements(&e.id)
        .await?
        .into_iter()
        .map(|a| {
            let at = format_local(a.created_at, &zone);
            (a, at)
        })
        .collect();
    let latest_status = agreements.first().map(|a| a.0.status);
    let is_admin = me.user.role == Role::SchoolAdmin && me.user.school_id.as_ref() == Some(&e.school_id);
    let is_class_teacher = class.class_teacher.as_ref().map(|t| &t.0) == Some(&me.user.id);
    let actions = Actions {
        guardian,
        class_review: e.state == EnrolmentState::Submitted && (is_class_teacher || is_admin),
        school_review: is_admin,
        sign_as_guardian: guardian
            && latest_status == Some(AgreementStatus::Pending)
            && matches!(e.state, EnrolmentState::Approved | EnrolmentState::Active),
        countersign: is_admin && latest_status == Some(AgreementStatus::GuardianSigned),
    };
    let events = state
        .store
        .enrolment_events(&e.id)
        .await?
        .into_iter()
        .map(|(step, who, at)| (format!("{} · {}", format_local(at, &zone), who), step))
        .collect();
    let decision = e
        .decision_reason
        .as_deref()
        .map(|r| (l.t.get(reason_key(r)), e.decision_note.clone().unwrap_or_default()));
    let days = (1..=5u8)
        .map(|d| (d, l.t.weekday(d), e.terms.weekdays.numbers().contains(&d)))
        .collect();
    let reject_reasons = REJECT_REASONS.iter().map(|r| (*r, l.t.get(reason_key(r)))).collect();
    let termination_reasons = TERMINATION_REASONS.iter().map(|r| (*r, l.t.get(reason_key(r)))).collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let state_label = l.t.get(state_key(e.state));
    let leaves = state.store.leaves_of_student(&student.id).await?;
    // The guardian sees what they registered; staff see custody limits only where they may.
    let (adults, hidden_limits) = if guardian {
        (state.store.pickup_adults(&student.id).await?, 0)
    } else {
        let may_sensitive = may_read_sensitive(&me.principal, &class.scope());
        super::students::pickup_adults_for(state, me, &student, may_sensitive, "enrolment").await?
    };
    let guardians = state.store.guardians_of(&student.id).await?;
    let leave_kinds = yanshi_domain::enrolment::LeaveKind::ALL
        .iter()
        .map(|k| (k.as_str(), l.t.get(k.key())))
        .collect();
    page(
        status,
        EnrolmentPage {
            l,
            state_label,
            e,
            student,
            class,
            term,
            agreements,
            events,
            decision,
            actions,
            reject_reasons,
            termination_reasons,
            days,
            leaves,
            leave_kinds,
            adults,
            hidden_limits,
            guardians,
            error,
        },
    )
}

pub async fn show(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<EnrolmentId>) -> AppResult<Response> {
    enrolment_page(&state, lang, &me, &id, None).await
}

#[derive(Template)]
#[template(path = "agreement_print.html")]
struct PrintPage {
    l: Layout,
    a: Agreement,
    guardians: Vec<yanshi_store::people::GuardianLink>,
    signatures: Vec<(String, String, String, String, Option<String>)>,
}

/// The signed agreement on A4 for the paper file, with both signatures.
pub async fn print(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<EnrolmentId>) -> AppResult<Response> {
    let (e, ..) = load_visible(&state, &me, &id).await?;
    let zone = state.store.school(&e.school_id).await?.time_zone;
    let guardians = state.store.guardians_of(&e.student_id).await?;
    let versions = state.store.agreements(&e.id).await?;
    let a = versions
        .iter()
        .find(|a| a.status == AgreementStatus::Effective)
        .or(versions.first())
        .cloned()
        .ok_or(AppError::NotFound)?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    let signatures = a
        .signatures
        .iter()
        .map(|s| {
            let side = l.t.get(s.side.key());
            (
                side.to_string(),
                s.typed_name.clone(),
                format_local(s.at, &zone),
                s.text_hash[..16].to_string(),
                s.drawing.clone(),
            )
        })
        .collect();
    page(
        StatusCode::OK,
        PrintPage {
            l,
            a,
            guardians,
            signatures,
        },
    )
}
