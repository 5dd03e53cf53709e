//! 换班 — my turns to offer, swaps offered to me to accept or decline, my own to withdraw, and
//! for the leaders the accepted swaps to approve or reject. One route per step.

use super::changes::{Message, leader, outcome, published_turn, school_today, status_of};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::{AppForm, IdPath, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use time::Duration;
use yanshi_domain::Invalid;
use yanshi_domain::duty::post::DUTY_ROLES;
use yanshi_domain::duty::swap::{SwapStatus, SwapStep};
use yanshi_domain::ids::{SwapId, TurnId, UserId};
use yanshi_domain::role::Role;
use yanshi_store::duty::{Swap, Turn};

/// How far ahead the page offers turns.
const AHEAD_DAYS: i64 = 42;

/// A turn as a line: "2026-09-09 周三 · 一楼楼道 16:00–17:30".
pub(crate) fn turn_line(lang: Lang, t: &Turn) -> String {
    let tr = crate::i18n::Tr(lang);
    let times = match (t.starts, t.ends) {
        (Some(s), Some(e)) => format!(
            " {}–{}",
            yanshi_domain::school::format_clock(s),
            yanshi_domain::school::format_clock(e)
        ),
        _ => String::new(),
    };
    format!(
        "{} {} · {}{times}",
        t.day,
        tr.weekday(t.day.weekday().number_from_monday()),
        t.place
    )
}

/// A swap as the page shows it.
pub struct SwapView {
    pub id: String,
    pub status: SwapStatus,
    pub turn: String,
    pub back: Option<String>,
    pub from: String,
    pub to: String,
    pub note: String,
    /// Offered by me / to me.
    pub mine: bool,
    pub to_me: bool,
}

impl SwapView {
    fn of(lang: Lang, me: &UserId, s: &Swap) -> Self {
        let gone = crate::i18n::Tr(lang).get("ui-duty-swap-turn-gone").to_string();
        SwapView {
            id: s.id.to_string(),
            status: s.status,
            turn: s.turn.as_ref().map(|t| turn_line(lang, t)).unwrap_or(gone.clone()),
            back: s
                .back_turn_id
                .as_ref()
                .map(|_| s.back_turn.as_ref().map(|t| turn_line(lang, t)).unwrap_or(gone)),
            from: s.from.1.clone(),
            to: s.to.1.clone(),
            note: s.note.clone(),
            mine: &s.from.0 == me,
            to_me: &s.to.0 == me,
        }
    }
}

#[derive(Template)]
#[template(path = "duty_swaps.html")]
struct SwapsPage {
    l: Layout,
    message: Message,
    needs_leader: bool,
    leader: bool,
    /// My turns ahead: (published id, line).
    turns: Vec<(String, String)>,
    /// Colleagues to offer one to: (id, name).
    colleagues: Vec<(String, String)>,
    /// Their turns ahead, to ask one back: (published id, "name · line").
    others: Vec<(String, String)>,
    incoming: Vec<SwapView>,
    queue: Vec<SwapView>,
    history: Vec<SwapView>,
}

async fn swaps_page(state: &AppState, lang: Lang, me: &Me, message: Message) -> AppResult<Response> {
    let (school, today) = school_today(state, me).await?;
    let leader = leader(me, &school);
    let ahead = today + Duration::days(AHEAD_DAYS);
    state.store.lapse_duty_swaps(&school, state.clock.now()).await?;
    let mine: Vec<Swap> = state.store.duty_swaps(&school, Some(&me.user.id)).await?;
    // A turn already offered waits for that answer: no second offer.
    let offered = |t: &Turn| mine.iter().any(|s| s.status.is_open() && s.turn_id == t.id);
    let turns = state
        .store
        .my_duty_turns(&me.user.id, today, ahead)
        .await?
        .into_iter()
        .filter(|t| t.post.is_some() && !offered(t))
        .map(|t| (t.id.to_string(), turn_line(lang, &t)))
        .collect();
    let colleagues = state
        .store
        .users_of_school(Some(&school))
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.id != me.user.id && (DUTY_ROLES.contains(&u.role) || u.role == Role::Volunteer))
        .map(|u| (u.id.to_string(), u.display_name))
        .collect();
    let others = match state.store.term_on(&school, today).await? {
        Some(term) => state
            .store
            .duty_turns(&term.id, true, today, ahead)
            .await?
            .into_iter()
            .filter(|t| t.post.is_some() && t.user_id != me.user.id)
            .map(|t| (t.id.to_string(), format!("{} · {}", t.user_name, turn_line(lang, &t))))
            .collect(),
        None => Vec::new(),
    };
    let mine: Vec<SwapView> = mine.iter().map(|s| SwapView::of(lang, &me.user.id, s)).collect();
    let queue = if leader {
        state
            .store
            .duty_swaps(&school, None)
            .await?
            .iter()
            .filter(|s| s.status == SwapStatus::Accepted)
            .map(|s| SwapView::of(lang, &me.user.id, s))
            .collect()
    } else {
        Vec::new()
    };
    let (incoming, history): (Vec<_>, Vec<_>) = mine.into_iter().partition(|s| s.to_me && s.status == SwapStatus::Proposed);
    let settings = state.store.duty_settings(&school).await?;
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status_of(&message),
        SwapsPage {
            l,
            message,
            needs_leader: settings.swaps_need_leader,
            leader,
            turns,
            colleagues,
            others,
            incoming,
            queue,
            history,
        },
    )
}

pub async fn swaps(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    swaps_page(&state, lang, &me, None).await
}

/// A swap as offered on the page.
#[derive(Deserialize)]
pub struct ProposeForm {
    #[serde(default)]
    turn: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    back: String,
    #[serde(default)]
    note: String,
}

/// The offer, parsed.
pub(crate) struct Proposal {
    pub turn: TurnId,
    pub to: UserId,
    pub back: Option<TurnId>,
    pub note: String,
}

impl TryFrom<ProposeForm> for Proposal {
    type Error = Invalid;

    fn try_from(f: ProposeForm) -> Result<Self, Invalid> {
        let back = match f.back.trim() {
            "" => None,
            b => Some(published_turn(b).ok_or(Invalid::new("back", "err-duty-swap-back"))?),
        };
        Ok(Proposal {
            turn: published_turn(&f.turn).ok_or(Invalid::new("turn", "err-duty-swap-not-post"))?,
            to: UserId::parse(&f.to).ok_or(Invalid::new("to", "err-duty-person"))?,
            back,
            note: f.note,
        })
    }
}

pub async fn propose(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<ProposeForm>) -> AppResult<Response> {
    let result = match Proposal::try_from(f) {
        Ok(p) => {
            state
                .store
                .propose_duty_swap(&me.user, &p.turn, &p.to, p.back.as_ref(), &p.note, state.clock.now())
                .await
        }
        Err(i) => Err(i.into()),
    };
    let message = outcome(lang, "ui-duty-swap-proposed-done", result)?;
    swaps_page(&state, lang, &me, Some(message)).await
}

async fn step(state: AppState, lang: Lang, me: Me, id: SwapId, step: SwapStep) -> AppResult<Response> {
    let result = state.store.duty_swap_step(&me.user, &id, step, state.clock.now()).await;
    // Done: the swap's new state in words (待领导批准, 已生效 …).
    let done = result.as_ref().map(|s| s.key()).unwrap_or_default();
    let message = outcome(lang, done, result)?;
    swaps_page(&state, lang, &me, Some(message)).await
}

pub async fn accept(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<SwapId>) -> AppResult<Response> {
    step(state, lang, me, id, SwapStep::Accept).await
}

pub async fn decline(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<SwapId>) -> AppResult<Response> {
    step(state, lang, me, id, SwapStep::Decline).await
}

pub async fn withdraw(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<SwapId>) -> AppResult<Response> {
    step(state, lang, me, id, SwapStep::Withdraw).await
}

pub async fn approve(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<SwapId>) -> AppResult<Response> {
    step(state, lang, me, id, SwapStep::Approve).await
}

pub async fn reject(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<SwapId>) -> AppResult<Response> {
    step(state, lang, me, id, SwapStep::Reject).await
}
