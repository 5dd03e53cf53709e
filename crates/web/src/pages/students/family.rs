//! A child's family on the child's page (学生卡片): guardians added and confirmed by two school
//! admins, the adults who may take the child home (授权接送人), and the sensitive fields. One
//! route per action; each form is parsed once into what the store takes.

use super::{student_page, visible_student};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::pages::school::{Pairs, field};
use crate::pages::{AppForm, IdPath};
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yanshi_domain::Invalid;
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::family::{PickupLevel, PriorityGroup, parse_id_last4};
use yanshi_domain::ids::{GuardianId, PickupAdultId, StudentId};
use yanshi_domain::policy::may_read_sensitive;
use yanshi_store::Actor;
use yanshi_store::people::{NewPickupAdult, Sensitive};

/// Back to the child's page after an action, or the page again with the mistake named (422).
pub(crate) async fn after(
    state: &AppState,
    lang: Lang,
    me: &Me,
    id: &StudentId,
    anchor: &str,
    result: AppResult<()>,
) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/students/{id}{anchor}")).into_response()),
        Err(AppError::Invalid(i)) => {
            let (student, class) = visible_student(state, me, id).await?;
            student_page(state, lang, me, student, class, false, Some(i.key)).await
        }
        Err(e) => Err(e),
    }
}

/// A guardian as staff add one (监护人): pending until a second school admin confirms it.
#[derive(Deserialize)]
pub struct GuardianForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    phone: String,
}

pub async fn add_guardian(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StudentId>,
    AppForm(f): AppForm<GuardianForm>,
) -> AppResult<Response> {
    let (student, _) = visible_student(&state, &me, &id).await?;
    let result = async {
        let name = DisplayName::parse(f.name.trim())?;
        let phone = PhoneNumber::parse(f.phone.trim())?;
        state
            .store
            .add_guardian(&me.user, &student.id, name, f.relationship.trim(), phone, state.clock.now())
            .await?;
        Ok(())
    };
    let result = result.await;
    after(&state, lang, &me, &id, "", result).await
}

/// 确认 a pending guardian link (a second school admin).
pub async fn confirm_guardian(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath((id, guardian)): IdPath<(StudentId, GuardianId)>,
) -> AppResult<Response> {
    let (student, _) = visible_student(&state, &me, &id).await?;
    let result = state
        .store
        .confirm_guardian_link(&me.user, &student.id, &guardian, state.clock.now())
        .await
        .map_err(AppError::from);
    after(&state, lang, &me, &id, "", result).await
}

/// Rejects a pending guardian link, or withdraws one the reader added.
pub async fn reject_guardian(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath((id, guardian)): IdPath<(StudentId, GuardianId)>,
) -> AppResult<Response> {
    let (student, _) = visible_student(&state, &me, &id).await?;
    let result = state
        .store
        .reject_guardian_link(&me.user, &student.id, &guardian, state.clock.now())
        .await
        .map_err(AppError::from);
    after(&state, lang, &me, &id, "", result).await
}

/// An adult who may take the child home, as staff or the guardian enter one.
#[derive(Deserialize)]
pub struct PickupAdultForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    phone: String,
    /// 身份证后四位, optional.
    #[serde(default)]
    id_last4: String,
    /// `yes`: the person entering it confirms the adult is an adult (成年人).
    #[serde(default)]
    adult: String,
    #[serde(default)]
    level: String,
}

impl TryFrom<&PickupAdultForm> for NewPickupAdult {
    type Error = Invalid;

    fn try_from(f: &PickupAdultForm) -> Result<Self, Invalid> {
        let id_last4 = match f.id_last4.trim() {
            "" => None,
            s => Some(parse_id_last4(s)?),
        };
        Ok(NewPickupAdult {
            name: DisplayName::parse(f.name.trim())?,
            relationship: f.relationship.trim().to_string(),
            phone: PhoneNumber::parse(f.phone.trim())?,
            id_last4,
            photo: None,
            adult_confirmed: f.adult.trim() == "yes",
            level: PickupLevel::parse(f.level.trim()).ok_or(Invalid::new("level", "err-pickup-level"))?,
        })
    }
}

pub async fn add_pickup_adult(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StudentId>,
    AppForm(f): AppForm<PickupAdultForm>,
) -> AppResult<Response> {
    let (student, _) = visible_student(&state, &me, &id).await?;
    let result = async {
        let new = NewPickupAdult::try_from(&f)?;
        let actor = Actor::User(me.user.id.clone());
        state.store.add_pickup_adult(&actor, &student, new, state.clock.now()).await?;
        Ok(())
    };
    let result = result.await;
    after(&state, lang, &me, &id, "", result).await
}

pub async fn remove_pickup_adult(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath((id, adult)): IdPath<(StudentId, PickupAdultId)>,
) -> AppResult<Response> {
    let (student, _) = visible_student(&state, &me, &id).await?;
    let actor = Actor::User(me.user.id.clone());
    let result = state
        .store
        .remove_pickup_adult(&actor, &student, &adult, state.clock.now())
        .await
        .map_err(AppError::from);
    after(&state, lang, &me, &id, "", result).await
}

/// The sensitive fields as posted: the priority groups are ticked boxes (`group`, repeated).
fn sensitive_form(f: &Pairs) -> Sensitive {
    Sensitive {
        health_notes: field(f, "health_notes").to_string(),
        priority_groups: f
            .iter()
            .filter(|(k, _)| k == "group")
            .filter_map(|(_, v)| PriorityGroup::parse(v))
            .collect(),
        custody_notes: field(f, "custody_notes").to_string(),
    }
}

/// 敏感信息: health notes, priority groups and custody notes, for those who may read them.
pub async fn set_sensitive(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StudentId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let (student, class) = visible_student(&state, &me, &id).await?;
    if !may_read_sensitive(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    let actor = Actor::User(me.user.id.clone());
    let result = state
        .store
        .set_sensitive(&actor, &student, &sensitive_form(&f), state.clock.now())
        .await
        .map_err(AppError::from);
    after(&state, lang, &me, &id, "?sensitive=1", result).await
}
