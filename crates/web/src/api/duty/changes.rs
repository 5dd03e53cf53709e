//! Changes to the published duty roster over the JSON API — 换班 (swaps), 请假 and 代班
//! (absences and cover): the same store calls and rules as the pages under /duty. The duty
//! log is in `log.rs`.

use super::super::{ApiJson, ErrorBody, rfc3339, ymd};
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::IdPath;
use crate::pages::duty::changes::{published_turn, school_today};
use crate::pages::duty::cover::gap_kind;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::duty::swap::SwapStep;
use yanshi_domain::ids::{StaffAbsenceId, SwapId, UserId};
use yanshi_store::duty::{Gap, StaffAbsence, Swap, Turn};

/// A published turn.
#[derive(Serialize, ToSchema)]
#[schema(as = DutyTurn)]
pub struct TurnOut {
    /// The published turn's id (its draft's id + `-p`).
    id: String,
    /// `YYYY-MM-DD`
    day: String,
    /// `HALLWAY`, `GATE`, `WAITING_ROOM`, `LEADER` or `CARE`.
    kind: String,
    place: String,
    /// `HH:MM`; none for a care cover.
    starts: Option<String>,
    ends: Option<String>,
    user_id: String,
    user_name: String,
    /// `GENERATED`, `HAND`, `SWAP` or `COVER`.
    source: String,
    covers_user_id: Option<String>,
}

impl From<&Turn> for TurnOut {
    fn from(t: &Turn) -> Self {
        TurnOut {
            id: t.id.to_string(),
            day: ymd(t.day),
            kind: t.kind.as_str().into(),
            place: t.place.clone(),
            starts: t.starts.map(yanshi_domain::school::format_clock),
            ends: t.ends.map(yanshi_domain::school::format_clock),
            user_id: t.user_id.to_string(),
            user_name: t.user_name.clone(),
            source: t.source.as_str().into(),
            covers_user_id: t.covers.as_ref().map(|c| c.0.to_string()),
        }
    }
}

/// 换班: a swap and where it stands.
#[derive(Serialize, ToSchema)]
#[schema(as = DutySwap)]
pub struct SwapOut {
    id: String,
    /// `PROPOSED`, `ACCEPTED`, `APPROVED`, `DECLINED`, `WITHDRAWN`, `REJECTED` or `LAPSED`.
    status: String,
    turn_id: String,
    /// None once the turn is gone.
    turn: Option<TurnOut>,
    back_turn_id: Option<String>,
    back_turn: Option<TurnOut>,
    from_user_id: String,
    from_name: String,
    to_user_id: String,
    to_name: String,
    note: String,
    proposed_at: String,
}

impl From<&Swap> for SwapOut {
    fn from(s: &Swap) -> Self {
        SwapOut {
            id: s.id.to_string(),
            status: s.status.as_str().into(),
            turn_id: s.turn_id.to_string(),
            turn: s.turn.as_ref().map(TurnOut::from),
            back_turn_id: s.back_turn_id.as_ref().map(ToString::to_string),
            back_turn: s.back_turn.as_ref().map(TurnOut::from),
            from_user_id: s.from.0.to_string(),
            from_name: s.from.1.clone(),
            to_user_id: s.to.0.to_string(),
            to_name: s.to.1.clone(),
            note: s.note.clone(),
            proposed_at: rfc3339(s.proposed_at),
        }
    }
}

/// The swaps I take part in; for a leader, also every accepted swap waiting for approval.
#[derive(Serialize, ToSchema)]
pub struct DutySwaps {
    mine: Vec<SwapOut>,
    to_approve: Vec<SwapOut>,
}

#[utoipa::path(get, path = "/api/v1/duty/swaps", operation_id = "list_duty_swaps", tag = "duty",
    summary = "换班: the swaps I take part in, and for a leader those waiting for approval",
    security(("bearer" = [])),
    responses((status = 200, description = "swaps", body = DutySwaps), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn swaps(State(state): State<AppState>, me: Me) -> AppResult<Json<DutySwaps>> {
    let (school, _) = school_today(&state, &me).await?;
    state.store.lapse_duty_swaps(&school, state.clock.now()).await?;
    let mine = state.store.duty_swaps(&school, Some(&me.user.id)).await?;
    let to_approve = if crate::pages::duty::changes::leader(&me, &school) {
        state
            .store
            .duty_swaps(&school, None)
            .await?
            .into_iter()
            .filter(|s| s.status == yanshi_domain::duty::swap::SwapStatus::Accepted)
            .collect()
    } else {
        Vec::new()
    };
    Ok(Json(DutySwaps {
        mine: mine.iter().map(SwapOut::from).collect(),
        to_approve: to_approve.iter().map(SwapOut::from).collect(),
    }))
}

/// A swap to propose: my published turn, the colleague, optionally one of theirs back.
#[derive(Deserialize, ToSchema)]
pub struct NewSwap {
    turn_id: String,
    to_user_id: String,
    back_turn_id: Option<String>,
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/api/v1/duty/swaps", operation_id = "propose_duty_swap", tag = "duty",
    summary = "换班: offer one of my published turns to a colleague who could take it (optionally asking one of theirs back)",
    request_body = NewSwap, security(("bearer" = [])),
    responses((status = 201, description = "proposed", body = SwapOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn propose(State(state): State<AppState>, me: Me, ApiJson(b): ApiJson<NewSwap>) -> AppResult<Response> {
    let turn = published_turn(&b.turn_id).ok_or(Invalid::new("turn_id", "err-duty-swap-not-post"))?;
    let to = UserId::parse(&b.to_user_id).ok_or(Invalid::new("to_user_id", "err-duty-person"))?;
    let back = match b.back_turn_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(published_turn(s).ok_or(Invalid::new("back_turn_id", "err-duty-swap-back"))?),
    };
    let id = state
        .store
        .propose_duty_swap(&me.user, &turn, &to, back.as_ref(), &b.note, state.clock.now())
        .await?;
    let swap = state.store.duty_swap(&id).await?;
    Ok((StatusCode::CREATED, Json(SwapOut::from(&swap))).into_response())
}

/// A step's body: an empty object (`{}`); the step is the path.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {}

async fn step(state: AppState, me: Me, id: SwapId, step: SwapStep) -> AppResult<Json<SwapOut>> {
    state.store.duty_swap_step(&me.user, &id, step, state.clock.now()).await?;
    Ok(Json(SwapOut::from(&state.store.duty_swap(&id).await?)))
}

#[utoipa::path(post, path = "/api/v1/duty/swaps/{id}/accept", operation_id = "accept_duty_swap", tag = "duty",
    summary = "The colleague accepts (applied at once when the school does not need a leader's approval)",
    params(("id" = String, Path, description = "the swap's id")), request_body = StepBody, security(("bearer" = [])),
    responses((status = 200, description = "accepted", body = SwapOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<SwapId>,
    ApiJson(_): ApiJson<StepBody>,
) -> AppResult<Json<SwapOut>> {
    step(state, me, id, SwapStep::Accept).await
}

#[utoipa::path(post, path = "/api/v1/duty/swaps/{id}/decline", operation_id = "decline_duty_swap", tag = "duty",
    summary = "The colleague declines",
    params(("id" = String, Path, description = "the swap's id")), request_body = StepBody, security(("bearer" = [])),
    responses((status = 200, description = "declined", body = SwapOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn decline(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<SwapId>,
    ApiJson(_): ApiJson<StepBody>,
) -> AppResult<Json<SwapOut>> {
    step(state, me, id, SwapStep::Decline).await
}

#[utoipa::path(post, path = "/api/v1/duty/swaps/{id}/withdraw", operation_id = "withdraw_duty_swap", tag = "duty",
    summary = "The proposer withdraws an open swap",
    params(("id" = String, Path, description = "the swap's id")), request_body = StepBody, security(("bearer" = [])),
    responses((status = 200, description = "withdrawn", body = SwapOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<SwapId>,
    ApiJson(_): ApiJson<StepBody>,
) -> AppResult<Json<SwapOut>> {
    step(state, me, id, SwapStep::Withdraw).await
}

#[utoipa::path(post, path = "/api/v1/duty/swaps/{id}/approve", operation_id = "approve_duty_swap", tag = "duty",
    summary = "A leader approves an accepted swap: the turns change hands",
    params(("id" = String, Path, description = "the swap's id")), request_body = StepBody, security(("bearer" = [])),
    responses((status = 200, description = "approved", body = SwapOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<SwapId>,
    ApiJson(_): ApiJson<StepBody>,
) -> AppResult<Json<SwapOut>> {
    step(state, me, id, SwapStep::Approve).await
}

#[utoipa::path(post, path = "/api/v1/duty/swaps/{id}/reject", operation_id = "reject_duty_swap", tag = "duty",
    summary = "A leader rejects a swap",
    params(("id" = String, Path, description = "the swap's id")), request_body = StepBody, security(("bearer" = [])),
    responses((status = 200, description = "rejected", body = SwapOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<SwapId>,
    ApiJson(_): ApiJson<StepBody>,
) -> AppResult<Json<SwapOut>> {
    step(state, me, id, SwapStep::Reject).await
}

/// 请假: a teacher's absence on a day.
#[derive(Serialize, ToSchema)]
#[schema(as = DutyAbsence)]
pub struct AbsenceOut {
    id: String,
    user_id: String,
    user_name: String,
    /// `YYYY-MM-DD`
    day: String,
    reason: String,
    withdrawn: bool,
}

impl From<&StaffAbsence> for AbsenceOut {
    fn from(a: &StaffAbsence) -> Self {
        AbsenceOut {
            id: a.id.to_string(),
            user_id: a.user_id.to_string(),
            user_name: a.user_name.clone(),
            day: ymd(a.day),
            reason: a.reason.clone(),
            withdrawn: a.withdrawn,
        }
    }
}

/// My absences from today on (a leader: everyone's).
#[derive(Serialize, ToSchema)]
pub struct DutyAbsences {
    absences: Vec<AbsenceOut>,
}

#[utoipa::path(get, path = "/api/v1/duty/absences", operation_id = "list_duty_absences", tag = "duty",
    summary = "请假: my absences from today on (a leader: everyone's)", security(("bearer" = [])),
    responses((status = 200, description = "absences", body = DutyAbsences), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn absences(State(state): State<AppState>, me: Me) -> AppResult<Json<DutyAbsences>> {
    let (school, today) = school_today(&state, &me).await?;
    let person = (!crate::pages::duty::changes::leader(&me, &school)).then_some(&me.user.id);
    let list = state.store.duty_absences(&school, person, today).await?;
    Ok(Json(DutyAbsences {
        absences: list.iter().map(AbsenceOut::from).collect(),
    }))
}

/// An absence to report: a day (today or later) and a reason; `user_id` for a leader
/// reporting for someone else (default: oneself).
#[derive(Deserialize, ToSchema)]
pub struct NewAbsence {
    user_id: Option<String>,
    /// `YYYY-MM-DD`
    day: String,
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/duty/absences", operation_id = "report_duty_absence", tag = "duty",
    summary = "请假: report an absence for a day; the leaders are told",
    request_body = NewAbsence, security(("bearer" = [])),
    responses((status = 201, description = "reported", body = AbsenceOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn report(State(state): State<AppState>, me: Me, ApiJson(b): ApiJson<NewAbsence>) -> AppResult<Response> {
    let person = match b.user_id.as_deref().map(str::trim) {
        None | Some("") => me.user.id.clone(),
        Some(p) => UserId::parse(p).ok_or(Invalid::new("user_id", "err-duty-person"))?,
    };
    let day = parse_date(b.day.trim()).ok_or(Invalid::new("day", "err-date"))?;
    let id = state
        .store
        .report_duty_absence(&me.user, &person, day, &b.reason, state.clock.now())
        .await?;
    let (a, _) = state.store.duty_absence(&id).await?;
    Ok((StatusCode::CREATED, Json(AbsenceOut::from(&a))).into_response())
}

#[utoipa::path(post, path = "/api/v1/duty/absences/{id}/withdraw", operation_id = "withdraw_duty_absence", tag = "duty",
    summary = "Take an absence back before its day: open gaps close, covers already arranged stay",
    params(("id" = String, Path, description = "the absence's id")), request_body = StepBody, security(("bearer" = [])),
    responses((status = 200, description = "withdrawn", body = AbsenceOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn withdraw_absence(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<StaffAbsenceId>,
    ApiJson(_): ApiJson<StepBody>,
) -> AppResult<Json<AbsenceOut>> {
    state.store.withdraw_duty_absence(&me.user, &id, state.clock.now()).await?;
    let (a, _) = state.store.duty_absence(&id).await?;
    Ok(Json(AbsenceOut::from(&a)))
}

/// `?day=YYYY-MM-DD` (default: today).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// `YYYY-MM-DD`; default today.
    day: Option<String>,
}

pub(super) fn day_of(q: &DayQuery, today: Date) -> Result<Date, AppError> {
    match q.day.as_deref().map(str::trim) {
        None | Some("") => Ok(today),
        Some(d) => Ok(parse_date(d).ok_or(Invalid::new("day", "err-date"))?),
    }
}

/// A candidate for a gap, fairest first.
#[derive(Serialize, ToSchema)]
pub struct CoverCandidate {
    user_id: String,
    name: String,
    /// Weighted minutes of duty this term (posts × weight, class care).
    load: u64,
}

/// 代班: a gap an absence opens and who covers it, or who could.
#[derive(Serialize, ToSchema)]
#[schema(as = DutyGap)]
pub struct GapOut {
    absence_id: String,
    absent_user_id: String,
    absent_name: String,
    /// `YYYY-MM-DD`
    day: String,
    /// `turn:<published turn id>` or `class:<class id>`: what `cover` takes.
    gap: String,
    place: String,
    starts: String,
    ends: String,
    covered_by: Option<String>,
    suggestions: Vec<CoverCandidate>,
}

impl From<&Gap> for GapOut {
    fn from(g: &Gap) -> Self {
        GapOut {
            absence_id: g.absence.to_string(),
            absent_user_id: g.absent.0.to_string(),
            absent_name: g.absent.1.clone(),
            day: ymd(g.day),
            gap: g.kind.code(),
            place: g.place.clone(),
            starts: yanshi_domain::school::format_clock(g.starts),
            ends: yanshi_domain::school::format_clock(g.ends),
            covered_by: g.covered_by.as_ref().map(|c| c.1.clone()),
            suggestions: g
                .suggestions
                .iter()
                .map(|c| CoverCandidate {
                    user_id: c.person.to_string(),
                    name: c.name.clone(),
                    load: c.load,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DutyGaps {
    gaps: Vec<GapOut>,
}

#[utoipa::path(get, path = "/api/v1/duty/gaps", operation_id = "list_duty_gaps", tag = "duty",
    summary = "代班: the gaps a day's absences open, with the fairest cover first (leaders)",
    params(DayQuery), security(("bearer" = [])),
    responses((status = 200, description = "gaps", body = DutyGaps), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn gaps(State(state): State<AppState>, me: Me, Query(q): Query<DayQuery>) -> AppResult<Json<DutyGaps>> {
    let (school, today) = school_today(&state, &me).await?;
    let day = day_of(&q, today)?;
    let gaps = state.store.duty_gaps(&school, day).await?;
    Ok(Json(DutyGaps {
        gaps: gaps.iter().map(GapOut::from).collect(),
    }))
}

/// Who covers which gap of the absence.
#[derive(Deserialize, ToSchema)]
pub struct NewCover {
    /// As a gap names it: `turn:<published turn id>` or `class:<class id>`.
    gap: String,
    user_id: String,
}

#[utoipa::path(post, path = "/api/v1/duty/absences/{id}/cover", operation_id = "cover_duty_gap", tag = "duty",
    summary = "代班: a leader picks who covers a gap; a COVER turn on the published roster and its draft",
    params(("id" = String, Path, description = "the absence's id")), request_body = NewCover, security(("bearer" = [])),
    responses((status = 201, description = "covered", body = TurnOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn cover(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<StaffAbsenceId>,
    ApiJson(b): ApiJson<NewCover>,
) -> AppResult<Response> {
    let gap = gap_kind(&b.gap).ok_or(Invalid::new("gap", "err-duty-gap"))?;
    let person = UserId::parse(&b.user_id).ok_or(Invalid::new("user_id", "err-duty-person"))?;
    let turn = state.store.cover_duty_gap(&me.user, &id, &gap, &person, state.clock.now()).await?;
    let (t, ..) = state.store.duty_turn(&turn).await?;
    Ok((StatusCode::CREATED, Json(TurnOut::from(&t))).into_response())
}
