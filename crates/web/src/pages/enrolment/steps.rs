//! What is done on one enrolment's page, one route per action: the review steps, withdrawal
//! and termination (退出), the signature on the agreement, the guardian's own pickup adults and
//! a change of days or pickup. The store's state machine decides who may take which step.

use super::{enrolment_page, load_visible};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::pages::school::{Pairs, field};
use crate::pages::students::family::PickupAdultForm;
use crate::pages::{AppForm, IdPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use yanshi_domain::enrolment::{PickupPlan, Step, Terms, Weekdays, withdrawal_effective};
use yanshi_domain::ids::{AgreementId, EnrolmentId};
use yanshi_domain::role::Role;
use yanshi_domain::school::parse_clock;
use yanshi_domain::school_time::local;
use yanshi_store::Actor;
use yanshi_store::enrolment::{Decision, Enrolment, SignatureInput};
use yanshi_store::people::NewPickupAdult;

/// Back to the enrolment after an action, or its page again with the mistake named (422).
pub(crate) async fn after_enrolment_action(
    state: &AppState,
    lang: Lang,
    me: &Me,
    id: &EnrolmentId,
    result: AppResult<()>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/enrolments/{id}")).into_response()),
        Err(AppError::Invalid(i)) => enrolment_page(state, lang, me, id, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

/// The steps a person takes on an enrolment by hand, by their name in a path or a request.
/// Submitting and signing have their own forms.
pub fn manual_step(name: &str) -> Option<Step> {
    Step::from_code(name).filter(|s| !matches!(s, Step::Submit | Step::GuardianSign | Step::Countersign))
}

/// The last day of care when a guardian withdraws or the school terminates: the next service
/// day, or the day after when the leave cut-off has passed (DOMAIN §2.5). None for other steps.
pub async fn ends_on(state: &AppState, e: &Enrolment, step: Step, now: OffsetDateTime) -> AppResult<Option<Date>> {
    if !matches!(step, Step::Withdraw | Step::Terminate) {
        return Ok(None);
    }
    let school = state.store.school(&e.school_id).await?;
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
    Ok(Some(withdrawal_effective(
        local_now.date(),
        local_now.time(),
        policy.leave_cutoff,
        next_service,
    )))
}

/// A step's reason (a listed code) and free note.
#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

pub async fn take_step(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath((id, step)): IdPath<(EnrolmentId, String)>,
    AppForm(f): AppForm<StepForm>,
) -> AppResult<Response> {
    let step = manual_step(&step).ok_or(AppError::NotFound)?;
    let (e, ..) = load_visible(&state, &me, &id).await?;
    let now = state.clock.now();
    let result = async {
        let decision = Decision {
            reason: Some(f.reason.trim()).filter(|r| !r.is_empty()),
            note: f.note.trim(),
            ends_on: ends_on(&state, &e, step, now).await?,
        };
        state.store.enrolment_step(&me.user, &e.id, step, decision, now).await?;
        Ok(())
    };
    let result = result.await;
    after_enrolment_action(&state, lang, &me, &id, result).await
}

/// The signature as posted from the phone: the hash of the text shown, the typed name, the
/// ticked statement and the drawn signature.
#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    agreement: String,
    #[serde(default)]
    hash: String,
    #[serde(default)]
    typed_name: String,
    #[serde(default)]
    statement: String,
    #[serde(default)]
    drawing: String,
}

pub async fn sign(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    headers: HeaderMap,
    IdPath(id): IdPath<EnrolmentId>,
    AppForm(f): AppForm<SignForm>,
) -> AppResult<Response> {
    let (e, ..) = load_visible(&state, &me, &id).await?;
    let input = SignatureInput {
        agreement: AgreementId::parse(f.agreement.trim()).ok_or(AppError::NotFound)?,
        seen_hash: f.hash.trim().to_string(),
        typed_name: f.typed_name.trim().to_string(),
        statement_ticked: f.statement.trim() == "yes",
        drawing: Some(f.drawing.trim().to_string()).filter(|d| !d.is_empty()),
        device: format!(
            "{} · {}",
            headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("?"),
            crate::pages::client_ip_of(&state, &headers)
        ),
    };
    let result = state
        .store
        .sign_agreement(&me.user, &e.id, &input, state.clock.now())
        .await
        .map(|_| ())
        .map_err(AppError::from);
    after_enrolment_action(&state, lang, &me, &id, result).await
}

/// A guardian registers the adults who may take their own child home.
pub async fn add_pickup_adult(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<EnrolmentId>,
    AppForm(f): AppForm<PickupAdultForm>,
) -> AppResult<Response> {
    let (e, student, ..) = load_visible(&state, &me, &id).await?;
    if me.user.role != Role::Guardian {
        return Err(AppError::Forbidden);
    }
    let result = async {
        let new = NewPickupAdult::try_from(&f)?;
        let actor = Actor::User(me.user.id.clone());
        state.store.add_pickup_adult(&actor, &student, new, state.clock.now()).await?;
        Ok(())
    };
    let result = result.await;
    after_enrolment_action(&state, lang, &me, &e.id, result).await
}

/// The days and pickup as posted: `day` is repeated, one per ticked weekday.
fn terms_form(f: &Pairs) -> Result<Terms, yanshi_domain::Invalid> {
    let days: Vec<u8> = f
        .iter()
        .filter(|(k, _)| k == "day")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    Ok(Terms {
        weekdays: Weekdays::from_numbers(&days)?,
        latest_pickup: parse_clock(field(f, "latest_pickup"))?,
        pickup_plan: PickupPlan::parse(field(f, "plan")).unwrap_or(PickupPlan::ByAdults),
    })
}

/// A change of days, latest pickup or pickup plan; the agreement is re-signed.
pub async fn change_terms(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<EnrolmentId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let (e, ..) = load_visible(&state, &me, &id).await?;
    let result = async {
        let terms = terms_form(&f)?;
        state.store.change_terms(&me.user, &e.id, &terms, state.clock.now()).await?;
        Ok(())
    };
    let result = result.await;
    after_enrolment_action(&state, lang, &me, &id, result).await
}
