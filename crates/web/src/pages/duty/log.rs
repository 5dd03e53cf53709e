//! 值班记录 — sign today's log for my hallway, gate, waiting-room or leader turn (once); the
//! leaders read the school's log by day.

use super::changes::{Message, leader, outcome, published_turn, school_today, status_of};
use super::cover::{DayQuery, day_or};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::{AppForm, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::Date;
use yanshi_domain::Invalid;
use yanshi_domain::ids::TurnId;
use yanshi_store::duty::{DutyLogEntry, Turn};

#[derive(Template)]
#[template(path = "duty_log.html")]
struct LogPage {
    l: Layout,
    message: Message,
    leader: bool,
    /// My turns today that keep a log, with the entry once signed.
    mine: Vec<(Turn, Option<DutyLogEntry>)>,
    day: Date,
    log: Vec<DutyLogEntry>,
    lang: Lang,
    zone: String,
}

impl LogPage {
    fn line(&self, t: &Turn) -> String {
        super::swaps::turn_line(self.lang, t)
    }

    fn time(&self, e: &DutyLogEntry) -> String {
        yanshi_domain::school::format_clock(yanshi_domain::school_time::local(e.signed_at, &self.zone).time())
    }
}

async fn log_page(state: &AppState, lang: Lang, me: &Me, day: Option<Date>, message: Message) -> AppResult<Response> {
    let (school, today) = school_today(state, me).await?;
    let leader = leader(me, &school);
    let day = day.unwrap_or(today);
    let mine = state.store.my_duty_log_today(&me.user, state.clock.now()).await?;
    let log = if leader {
        state.store.duty_log(&me.user, &school, day).await?
    } else {
        Vec::new()
    };
    let zone = state.store.school(&school).await?.time_zone;
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status_of(&message),
        LogPage {
            l,
            message,
            leader,
            mine,
            day,
            log,
            lang,
            zone,
        },
    )
}

pub async fn log(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<DayQuery>) -> AppResult<Response> {
    let (_, today) = school_today(&state, &me).await?;
    match day_or(&q.day, today) {
        Ok(day) => log_page(&state, lang, &me, Some(day), None).await,
        Err(i) => {
            let text = crate::i18n::Tr(lang).get(i.key).to_string();
            log_page(&state, lang, &me, None, Some((false, text))).await
        }
    }
}

/// A log entry as signed on the page.
#[derive(Deserialize)]
pub struct LogForm {
    #[serde(default)]
    turn: String,
    #[serde(default)]
    checked: String,
    #[serde(default)]
    happened: String,
    #[serde(default)]
    name: String,
}

pub(crate) struct Signing {
    pub turn: TurnId,
    pub checked: String,
    pub happened: String,
    pub name: String,
}

impl TryFrom<LogForm> for Signing {
    type Error = Invalid;

    fn try_from(f: LogForm) -> Result<Self, Invalid> {
        Ok(Signing {
            turn: published_turn(&f.turn).ok_or(Invalid::new("turn", "err-duty-log-kind"))?,
            checked: f.checked,
            happened: f.happened,
            name: f.name,
        })
    }
}

pub async fn sign(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<LogForm>) -> AppResult<Response> {
    let result = match Signing::try_from(f) {
        Ok(s) => {
            state
                .store
                .sign_duty_log(&me.user, &s.turn, &s.checked, &s.happened, &s.name, state.clock.now())
                .await
        }
        Err(i) => Err(i.into()),
    };
    let message = outcome(lang, "ui-duty-log-signed", result)?;
    log_page(&state, lang, &me, None, Some(message)).await
}
