//! 请假 and 代班 — report my absence for a day (a leader: anyone's); the leaders see the day's
//! gaps with the fairest cover first and assign one with a tap.

use super::changes::{Message, leader, outcome, school_today, status_of};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::{AppForm, IdPath, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::Date;
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::duty::post::DUTY_ROLES;
use yanshi_domain::ids::{ClassId, StaffAbsenceId, UserId};
use yanshi_store::duty::{Gap, GapKind, StaffAbsence};

#[derive(Template)]
#[template(path = "duty_absence.html")]
struct AbsencePage {
    l: Layout,
    message: Message,
    leader: bool,
    today: Date,
    /// The day whose gaps a leader sees.
    day: Date,
    /// For a leader reporting for someone: (id, name).
    staff: Vec<(String, String)>,
    mine: Vec<StaffAbsence>,
    /// A leader: everyone's from today on.
    all: Vec<StaffAbsence>,
    gaps: Vec<Gap>,
}

impl AbsencePage {
    fn clock(&self, t: &time::Time) -> String {
        yanshi_domain::school::format_clock(*t)
    }
}

/// `?day=` for the leaders' view of gaps (default: today).
#[derive(Deserialize)]
pub struct DayQuery {
    #[serde(default)]
    pub(crate) day: String,
}

pub(crate) fn day_or(s: &str, default: Date) -> Result<Date, Invalid> {
    match s.trim() {
        "" => Ok(default),
        d => parse_date(d).ok_or(Invalid::new("day", "err-date")),
    }
}

async fn absence_page(state: &AppState, lang: Lang, me: &Me, day: Option<Date>, message: Message) -> AppResult<Response> {
    let (school, today) = school_today(state, me).await?;
    let leader = leader(me, &school);
    let day = day.unwrap_or(today);
    let mine = state.store.duty_absences(&school, Some(&me.user.id), today).await?;
    let (all, gaps, staff) = if leader {
        let staff = state
            .store
            .users_of_school(Some(&school))
            .await?
            .into_iter()
            .filter(|u| !u.disabled && DUTY_ROLES.contains(&u.role))
            .map(|u| (u.id.to_string(), u.display_name))
            .collect();
        (
            state.store.duty_absences(&school, None, today).await?,
            state.store.duty_gaps(&school, day).await?,
            staff,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status_of(&message),
        AbsencePage {
            l,
            message,
            leader,
            today,
            day,
            staff,
            mine,
            all,
            gaps,
        },
    )
}

pub async fn absence(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<DayQuery>) -> AppResult<Response> {
    let (_, today) = school_today(&state, &me).await?;
    match day_or(&q.day, today) {
        Ok(day) => absence_page(&state, lang, &me, Some(day), None).await,
        Err(i) => {
            let text = crate::i18n::Tr(lang).get(i.key).to_string();
            absence_page(&state, lang, &me, None, Some((false, text))).await
        }
    }
}

/// An absence as reported on the page; `person` empty: oneself.
#[derive(Deserialize)]
pub struct AbsenceForm {
    #[serde(default)]
    person: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    reason: String,
}

pub(crate) struct NewAbsence {
    pub person: Option<UserId>,
    pub day: Date,
    pub reason: String,
}

impl TryFrom<AbsenceForm> for NewAbsence {
    type Error = Invalid;

    fn try_from(f: AbsenceForm) -> Result<Self, Invalid> {
        let person = match f.person.trim() {
            "" => None,
            p => Some(UserId::parse(p).ok_or(Invalid::new("person", "err-duty-person"))?),
        };
        Ok(NewAbsence {
            person,
            day: parse_date(f.day.trim()).ok_or(Invalid::new("day", "err-date"))?,
            reason: f.reason,
        })
    }
}

pub async fn report(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<AbsenceForm>) -> AppResult<Response> {
    let result = match NewAbsence::try_from(f) {
        Ok(a) => {
            let person = a.person.unwrap_or_else(|| me.user.id.clone());
            state
                .store
                .report_duty_absence(&me.user, &person, a.day, &a.reason, state.clock.now())
                .await
        }
        Err(i) => Err(i.into()),
    };
    let message = outcome(lang, "ui-duty-absence-reported", result)?;
    absence_page(&state, lang, &me, None, Some(message)).await
}

pub async fn withdraw(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<StaffAbsenceId>) -> AppResult<Response> {
    let result = state.store.withdraw_duty_absence(&me.user, &id, state.clock.now()).await;
    let message = outcome(lang, "ui-duty-absence-withdrawn", result)?;
    absence_page(&state, lang, &me, None, Some(message)).await
}

/// A leader's pick for a gap: `gap` is `turn:<published id>` or `class:<id>`.
#[derive(Deserialize)]
pub struct CoverForm {
    #[serde(default)]
    gap: String,
    #[serde(default)]
    person: String,
}

pub(crate) struct CoverPick {
    pub gap: GapKind,
    pub person: UserId,
}

/// A gap as a form or body names it.
pub(crate) fn gap_kind(s: &str) -> Option<GapKind> {
    let s = s.trim();
    if let Some(t) = s.strip_prefix("turn:") {
        super::changes::published_turn(t).map(GapKind::Post)
    } else {
        s.strip_prefix("class:").and_then(ClassId::parse).map(GapKind::Care)
    }
}

impl TryFrom<CoverForm> for CoverPick {
    type Error = Invalid;

    fn try_from(f: CoverForm) -> Result<Self, Invalid> {
        Ok(CoverPick {
            gap: gap_kind(&f.gap).ok_or(Invalid::new("gap", "err-duty-gap"))?,
            person: UserId::parse(&f.person).ok_or(Invalid::new("person", "err-duty-person"))?,
        })
    }
}

pub async fn cover(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StaffAbsenceId>,
    AppForm(f): AppForm<CoverForm>,
) -> AppResult<Response> {
    // The page shows the absence's day again (a missing absence is the store's NotFound below).
    let day = match state.store.duty_absence(&id).await {
        Ok((a, _)) => Some(a.day),
        Err(yanshi_store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let result = match CoverPick::try_from(f) {
        Ok(p) => {
            state
                .store
                .cover_duty_gap(&me.user, &id, &p.gap, &p.person, state.clock.now())
                .await
        }
        Err(i) => Err(i.into()),
    };
    let message = outcome(lang, "ui-duty-cover-done", result)?;
    absence_page(&state, lang, &me, day, Some(message)).await
}
