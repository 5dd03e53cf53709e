//! 绩效工资 — the school's performance pay to its staff, for its leaders: the rates and the
//! care basis, payment periods (this file); a period's review with corrections and the lock
//! (review.rs); the A4 sheet for signatures, the finance office's .xlsx and the term summary
//! (sheet.rs). A teacher's own lines are on the workload page.

pub mod review;
pub mod sheet;

use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::{AppForm, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use yanshi_domain::ids::{PayPeriodId, SchoolId, TermId};
use yanshi_domain::pay::{CareBasis, PeriodSpec, RateKind, WorkloadRates, format_yuan, parse_rate};
use yanshi_store::pay::PayPeriod;

type Message = Option<(bool, String)>;

/// The leader's own school (pay is never the district's).
pub(crate) fn own_school(me: &Me) -> AppResult<SchoolId> {
    me.user.school_id.clone().ok_or(AppError::NotFound)
}

/// A period of the leader's own school; another school's is not found.
pub(crate) async fn own_period(state: &AppState, me: &Me, id: &PayPeriodId) -> AppResult<PayPeriod> {
    let period = state.store.pay_period(id).await?;
    if Some(&period.school_id) != me.user.school_id.as_ref() {
        return Err(AppError::NotFound);
    }
    Ok(period)
}

/// The message of a refusal the page shows, or the error itself when it is not the user's.
pub(crate) fn refusal(lang: Lang, e: AppError) -> AppResult<(bool, String)> {
    match e {
        AppError::Invalid(i) => Ok((false, Tr(lang).get(i.key).to_string())),
        other => Err(other),
    }
}

#[derive(Template)]
#[template(path = "pay_index.html")]
struct IndexPage {
    l: Layout,
    rates: WorkloadRates,
    /// (code, message key, value in 元)
    rate_fields: Vec<(&'static str, &'static str, String)>,
    periods: Vec<PayPeriod>,
    /// (id, name) of the school's terms, newest first.
    terms: Vec<(String, String)>,
    message: Message,
}

impl IndexPage {
    fn hourly(&self) -> bool {
        self.rates.basis == CareBasis::Hour
    }
}

async fn index_page(state: &AppState, lang: Lang, me: &Me, message: Message) -> AppResult<Response> {
    let school = own_school(me)?;
    let rates = state.store.workload_rates(&school).await?;
    let rate_fields = RateKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.key(), format_yuan(rates.get(*k))))
        .collect();
    let periods = state.store.pay_periods(&school).await?;
    let terms = state
        .store
        .terms(&school)
        .await?
        .into_iter()
        .map(|t| (t.id.to_string(), t.name))
        .collect();
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status,
        IndexPage {
            l,
            rates,
            rate_fields,
            periods,
            terms,
            message,
        },
    )
}

/// `/school/pay`: the rates and the periods.
pub async fn index(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    index_page(&state, lang, &me, None).await
}

/// The rates as typed, in 元.
#[derive(Deserialize)]
pub struct RatesForm {
    #[serde(default)]
    basis: String,
    #[serde(default, rename = "CARE_SESSION")]
    care_session: String,
    #[serde(default, rename = "CARE_HOUR")]
    care_hour: String,
    #[serde(default, rename = "DUTY")]
    duty: String,
    #[serde(default, rename = "LEADER")]
    leader: String,
    #[serde(default, rename = "COVER")]
    cover: String,
}

impl TryFrom<RatesForm> for WorkloadRates {
    type Error = yanshi_domain::Invalid;

    fn try_from(f: RatesForm) -> Result<Self, Self::Error> {
        let rate = |s: &str| if s.trim().is_empty() { Ok(0) } else { parse_rate(s) };
        Ok(WorkloadRates {
            basis: CareBasis::parse(f.basis.trim())?,
            care_session: rate(&f.care_session)?,
            care_hour: rate(&f.care_hour)?,
            duty: rate(&f.duty)?,
            leader: rate(&f.leader)?,
            cover: rate(&f.cover)?,
        })
    }
}

pub async fn set_rates(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<RatesForm>) -> AppResult<Response> {
    let school = own_school(&me)?;
    let t = Tr(lang);
    let message = match WorkloadRates::try_from(f) {
        Err(i) => (false, t.get(i.key).to_string()),
        Ok(rates) => match state.store.set_workload_rates(&me.user, &school, rates, state.clock.now()).await {
            Ok(()) => (true, t.get("msg-pay-rates-saved").to_string()),
            Err(e) => refusal(lang, e.into())?,
        },
    };
    index_page(&state, lang, &me, Some(message)).await
}

/// A new period as typed: the term, a name, the first and last month ("2026-09").
#[derive(Deserialize)]
pub struct PeriodForm {
    #[serde(default)]
    term: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    first: String,
    #[serde(default)]
    last: String,
}

pub async fn create_period(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<PeriodForm>) -> AppResult<Response> {
    let school = own_school(&me)?;
    let t = Tr(lang);
    let term = match TermId::parse(&f.term) {
        Some(id) => state.store.terms(&school).await?.into_iter().find(|t| t.id == id),
        None => None,
    };
    let Some(term) = term else {
        return index_page(&state, lang, &me, Some((false, t.get("err-pay-term").to_string()))).await;
    };
    let message = match PeriodSpec::new(&f.name, &f.first, &f.last, term.dates.starts_on, term.dates.ends_on) {
        Err(i) => (false, t.get(i.key).to_string()),
        Ok(spec) => match state.store.create_pay_period(&me.user, &term, spec, state.clock.now()).await {
            Ok(_) => (true, t.get("msg-pay-period-created").to_string()),
            Err(e) => refusal(lang, e.into())?,
        },
    };
    index_page(&state, lang, &me, Some(message)).await
}
