//! 请假 — leave reported by a guardian in the app or entered by staff from a phone call, its
//! confirmation by the class teacher and its cancellation. The same form on the child's page
//! and on the guardian's enrolment page; the store decides who may.

use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::pages::enrolment::{after_enrolment_action, load_visible};
use crate::pages::students::{family, visible_student};
use crate::pages::{AppForm, IdPath};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use time::Date;
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::enrolment::{LeaveChannel, LeaveKind};
use yanshi_domain::ids::{EnrolmentId, LeaveId, StudentId};
use yanshi_domain::role::Role;
use yanshi_store::User;

/// A leave as posted: the first day, the last (empty: the same day), the kind and a reason.
#[derive(Deserialize)]
pub struct LeaveForm {
    #[serde(default)]
    first_day: String,
    #[serde(default)]
    last_day: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
}

/// A leave to report, parsed.
struct NewLeave {
    first: Date,
    last: Date,
    kind: LeaveKind,
    reason: String,
}

impl TryFrom<&LeaveForm> for NewLeave {
    type Error = Invalid;

    fn try_from(f: &LeaveForm) -> Result<Self, Invalid> {
        let first = parse_date(f.first_day.trim()).ok_or(Invalid::new("first_day", "err-date"))?;
        let last = match f.last_day.trim() {
            "" => first,
            d => parse_date(d).ok_or(Invalid::new("last_day", "err-date"))?,
        };
        Ok(NewLeave {
            first,
            last,
            kind: LeaveKind::parse(f.kind.trim())?,
            reason: f.reason.trim().to_string(),
        })
    }
}

/// Reports a leave for a child: a guardian's own is 在线请假 (APP); staff enter a phone call.
async fn report(state: &AppState, who: &User, student: &StudentId, f: &LeaveForm) -> AppResult<()> {
    let leave = NewLeave::try_from(f)?;
    let via = if who.role == Role::Guardian {
        LeaveChannel::App
    } else {
        LeaveChannel::Phone
    };
    state
        .store
        .report_leave(
            who,
            student,
            leave.first,
            leave.last,
            leave.kind,
            &leave.reason,
            via,
            state.clock.now(),
        )
        .await?;
    Ok(())
}

/// The leave named in the path, if it is this child's.
async fn leave_of(state: &AppState, student: &StudentId, id: &LeaveId) -> AppResult<()> {
    if state.store.leave(id).await?.student_id != *student {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Staff enter a leave on the child's page (a guardian's phone call).
pub async fn report_for_student(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StudentId>,
    AppForm(f): AppForm<LeaveForm>,
) -> AppResult<Response> {
    visible_student(&state, &me, &id).await?;
    let result = report(&state, &me.user, &id, &f).await;
    family::after(&state, lang, &me, &id, "", result).await
}

/// The class teacher confirms a leave (from the child's page or the class list).
pub async fn confirm_for_student(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath((id, leave)): IdPath<(StudentId, LeaveId)>,
) -> AppResult<Response> {
    visible_student(&state, &me, &id).await?;
    leave_of(&state, &id, &leave).await?;
    let result = state
        .store
        .confirm_leave(&me.user, &leave, state.clock.now())
        .await
        .map_err(AppError::from);
    family::after(&state, lang, &me, &id, "", result).await
}

pub async fn cancel_for_student(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath((id, leave)): IdPath<(StudentId, LeaveId)>,
) -> AppResult<Response> {
    visible_student(&state, &me, &id).await?;
    leave_of(&state, &id, &leave).await?;
    let result = state
        .store
        .cancel_leave(&me.user, &leave, state.clock.now())
        .await
        .map_err(AppError::from);
    family::after(&state, lang, &me, &id, "", result).await
}

/// A guardian reports leave on the enrolment page.
pub async fn report_for_enrolment(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<EnrolmentId>,
    AppForm(f): AppForm<LeaveForm>,
) -> AppResult<Response> {
    let (e, ..) = load_visible(&state, &me, &id).await?;
    let result = report(&state, &me.user, &e.student_id, &f).await;
    after_enrolment_action(&state, lang, &me, &id, result).await
}

/// A guardian cancels a leave on the enrolment page.
pub async fn cancel_for_enrolment(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath((id, leave)): IdPath<(EnrolmentId, LeaveId)>,
) -> AppResult<Response> {
    let (e, ..) = load_visible(&state, &me, &id).await?;
    leave_of(&state, &e.student_id, &leave).await?;
    let result = state
        .store
        .cancel_leave(&me.user, &leave, state.clock.now())
        .await
        .map_err(AppError::from);
    after_enrolment_action(&state, lang, &me, &id, result).await
}
