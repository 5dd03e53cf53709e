//! Enrolment pages (报名): the guardian's application on a phone, the reviews, the agreement
//! signed on the phone and countersigned, its A4 print, the published list and the
//! compliance figures.

mod apply;
mod review;

pub use apply::{apply, apply_form};
pub use review::{bulk_approve, published, review};

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
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::Date;
use yanshi_domain::agreement::{PRIVACY_NOTICE, PRIVACY_NOTICE_VERSION};
use yanshi_domain::enrolment::{
    EnrolmentState, PickupPlan, REJECT_REASONS, Step, TERMINATION_REASONS, Terms, Weekdays, withdrawal_effective,
};
use yanshi_domain::enrolment::{LeaveChannel, LeaveKind};
use yanshi_domain::family::PriorityGroup;
use yanshi_domain::ids::{AgreementId, EnrolmentId, StudentId, TermId};
use yanshi_domain::policy::{Action, may, may_read_sensitive, may_see_class};
use yanshi_domain::role::Role;
use yanshi_domain::school::{format_clock, parse_clock};
use yanshi_domain::school_time::{format_local, local};
use yanshi_store::enrolment::{Agreement, Application, Decision, Enrolment, EnrolmentRow, SignatureInput};
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

async fn load_visible(state: &AppState, me: &Me, id: &EnrolmentId) -> AppResult<(Enrolment, Student, ClassInfo, bool)> {
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
    let latest_status = agreements.first().map(|a| a.0.status.clone()).unwrap_or_default();
    let is_admin = me.user.role == Role::SchoolAdmin && me.user.school_id.as_ref() == Some(&e.school_id);
    let is_class_teacher = class.class_teacher.as_ref().map(|t| &t.0) == Some(&me.user.id);
    let actions = Actions {
        guardian,
        class_review: e.state == EnrolmentState::Submitted && (is_class_teacher || is_admin),
        school_review: is_admin,
        sign_as_guardian: guardian && latest_status == "PENDING" && matches!(e.state, EnrolmentState::Approved | EnrolmentState::Active),
        countersign: is_admin && latest_status == "GUARDIAN_SIGNED",
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

/// Every step on one enrolment; the store's state machine decides who may take which.
pub async fn act(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    headers: HeaderMap,
    IdPath(id): IdPath<EnrolmentId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let (e, _, _, _) = load_visible(&state, &me, &id).await?;
    let now = state.clock.now();
    let school = state.store.school(&e.school_id).await?;
    let note = field(&f, "note");
    let reason = Some(field(&f, "reason")).filter(|r| !r.is_empty());
    let decision = |ends_on: Option<Date>| Decision { reason, note, ends_on };
    let result: AppResult<()> = async {
        let step = match field(&f, "op") {
            "cancel" => Step::Cancel,
            "class_approve" => Step::ClassApprove,
            "class_reject" => Step::ClassReject,
            "school_approve" => Step::SchoolApprove,
            "school_reject" => Step::SchoolReject,
            "withdraw" | "terminate" => {
                let policy = state.store.service_policy(&e.school_id).await?;
                let local_now = local(now, &school.time_zone);
                let cal = state.store.service_calendar(state.store.term(&e.term_id).await?).await?;
                let grade = state.store.class(&state.store.student(&e.student_id).await?.class_id).await?.grade;
                let next_service = |d: Date| {
                    (0..60)
                        .map(|i| d + time::Duration::days(i))
                        .find(|x| cal.status(*x, grade).is_service())
                        .unwrap_or(d)
                };
                let ends = withdrawal_effective(local_now.date(), local_now.time(), policy.leave_cutoff, next_service);
                let step = if field(&f, "op") == "withdraw" {
                    Step::Withdraw
                } else {
                    Step::Terminate
                };
                state.store.enrolment_step(&me.user, &e.id, step, decision(Some(ends)), now).await?;
                return Ok(());
            }
            "sign" => {
                let input = SignatureInput {
                    agreement: AgreementId::parse(field(&f, "agreement")).ok_or(AppError::NotFound)?,
                    seen_hash: field(&f, "hash").to_string(),
                    typed_name: field(&f, "typed_name").to_string(),
                    statement_ticked: field(&f, "statement") == "yes",
                    drawing: Some(field(&f, "drawing").to_string()).filter(|d| !d.is_empty()),
                    device: format!(
                        "{} · {}",
                        headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("?"),
                        super::client_ip_of(&state, &headers)
                    ),
                };
                state.store.sign_agreement(&me.user, &e.id, &input, now).await?;
                return Ok(());
            }
            "adult" => {
                // A guardian registers the adults who may take their own child home.
                if me.user.role != Role::Guardian {
                    return Err(AppError::Forbidden);
                }
                let student = state.store.student(&e.student_id).await?;
                let new = yanshi_store::people::NewPickupAdult {
                    name: yanshi_domain::account::DisplayName::parse(field(&f, "name"))?,
                    relationship: field(&f, "relationship").to_string(),
                    phone: yanshi_domain::account::PhoneNumber::parse(field(&f, "phone"))?,
                    id_last4: match field(&f, "id_last4") {
                        "" => None,
                        x => Some(yanshi_domain::family::parse_id_last4(x)?),
                    },
                    photo: None,
                    adult_confirmed: field(&f, "adult") == "yes",
                    level: yanshi_domain::family::PickupLevel::parse(field(&f, "level"))
                        .ok_or(yanshi_domain::Invalid::new("level", "err-pickup-level"))?,
                };
                state
                    .store
                    .add_pickup_adult(&yanshi_store::Actor::User(me.user.id.clone()), &student, new, now)
                    .await?;
                return Ok(());
            }
            "leave" | "cancel_leave" | "confirm_leave" => {
                leave_op(&state, &me.user, &e.student_id, &f).await?;
                return Ok(());
            }
            "change_terms" => {
                let days: Vec<u8> = f.iter().filter(|(k, _)| k == "day").filter_map(|(_, v)| v.parse().ok()).collect();
                let terms = Terms {
                    weekdays: Weekdays::from_numbers(&days)?,
                    latest_pickup: parse_clock(field(&f, "latest_pickup"))?,
                    pickup_plan: PickupPlan::parse(field(&f, "plan")).unwrap_or(PickupPlan::ByAdults),
                };
                state.store.change_terms(&me.user, &e.id, &terms, now).await?;
                return Ok(());
            }
            _ => return Err(AppError::BadRequest("err-bad-form")),
        };
        state.store.enrolment_step(&me.user, &e.id, step, decision(None), now).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/enrolments/{}", e.id)).into_response()),
        Err(AppError::Invalid(i)) => enrolment_page(&state, lang, &me, &id, Some(i.key)).await,
        Err(e) => Err(e),
    }
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
        .find(|a| a.status == "EFFECTIVE")
        .or(versions.first())
        .cloned()
        .ok_or(AppError::NotFound)?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    let signatures = a
        .signatures
        .iter()
        .map(|s| {
            let side = if s.side == "GUARDIAN" {
                l.t.get("ui-party-guardian")
            } else {
                l.t.get("ui-party-school")
            };
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

/// Reporting, confirming or cancelling leave: the store decides who may.
pub async fn leave_op(state: &AppState, who: &yanshi_store::User, student: &StudentId, f: &Pairs) -> AppResult<()> {
    let now = state.clock.now();
    match field(f, "op") {
        "leave" => {
            let first =
                yanshi_domain::calendar::parse_date(field(f, "first_day")).ok_or(yanshi_domain::Invalid::new("first_day", "err-date"))?;
            let last = match field(f, "last_day") {
                "" => first,
                d => yanshi_domain::calendar::parse_date(d).ok_or(yanshi_domain::Invalid::new("last_day", "err-date"))?,
            };
            let kind = LeaveKind::parse(field(f, "kind"))?;
            let via = if who.role == Role::Guardian {
                LeaveChannel::App
            } else {
                LeaveChannel::Phone
            };
            state
                .store
                .report_leave(who, student, first, last, kind, field(f, "reason"), via, now)
                .await?;
        }
        "confirm_leave" | "cancel_leave" => {
            let id = yanshi_domain::ids::LeaveId::parse(field(f, "leave")).ok_or(AppError::NotFound)?;
            if state.store.leave(&id).await?.student_id != *student {
                return Err(AppError::NotFound);
            }
            if field(f, "op") == "confirm_leave" {
                state.store.confirm_leave(who, &id, now).await?
            } else {
                state.store.cancel_leave(who, &id, now).await?
            }
        }
        _ => return Err(AppError::BadRequest("err-bad-form")),
    }
    Ok(())
}
