//! A period's review (审核): every teacher's lines by month, the corrections with their
//! reasons, a correction form per teacher while the period is open, and the lock.

use super::{Message, own_period, refusal};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::{AppForm, IdPath, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use yanshi_domain::ids::{PayPeriodId, UserId};
use yanshi_domain::pay::{PayKind, RateKind, correction_deltas, format_hours, format_yuan};
use yanshi_domain::school_time::format_local;
use yanshi_store::pay::{NewCorrection, PayPeriod, PayReport};

#[derive(Template)]
#[template(path = "pay_review.html")]
pub(crate) struct ReviewPage {
    pub(crate) l: Layout,
    pub(crate) period: PayPeriod,
    pub(crate) report: PayReport,
    pub(crate) zone: String,
    pub(crate) message: Message,
}

/// What the templates of pay need to show money, hours and kinds.
pub(crate) trait PayWords {
    fn yuan(&self, fen: &i64) -> String {
        format_yuan(*fen)
    }
    fn hours(&self, minutes: &i64) -> String {
        format_hours(*minutes)
    }
    fn kind_key(&self, kind: &PayKind) -> &'static str {
        kind.key()
    }
    fn rate_key(&self, rate: &RateKind) -> &'static str {
        rate.key()
    }
}

impl PayWords for ReviewPage {}

impl ReviewPage {
    fn when(&self, at: &time::OffsetDateTime) -> String {
        format_local(*at, &self.zone)
    }

    fn kinds(&self) -> [PayKind; 4] {
        PayKind::ALL
    }
}

pub(crate) async fn review_page(state: &AppState, lang: Lang, me: &Me, period: PayPeriod, message: Message) -> AppResult<Response> {
    let school = state.store.school(&period.school_id).await?;
    let report = state.store.pay_report(&period).await?;
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status,
        ReviewPage {
            l,
            period,
            report,
            zone: school.time_zone,
            message,
        },
    )
}

/// `/school/pay/{id}`.
pub async fn review(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<PayPeriodId>) -> AppResult<Response> {
    let period = own_period(&state, &me, &id).await?;
    review_page(&state, lang, &me, period, None).await
}

/// A correction as typed: whose, which kind, the changes (次数, 分钟, 元) and why.
#[derive(Deserialize)]
pub struct CorrectionForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    delta_count: String,
    #[serde(default)]
    delta_minutes: String,
    #[serde(default)]
    delta_amount: String,
    #[serde(default)]
    reason: String,
}

impl TryFrom<CorrectionForm> for NewCorrection {
    type Error = yanshi_domain::Invalid;

    fn try_from(f: CorrectionForm) -> Result<Self, Self::Error> {
        let user = UserId::parse(&f.user).ok_or(yanshi_domain::Invalid::new("user", "err-pay-user"))?;
        let kind = PayKind::parse(f.kind.trim())?;
        let (delta_count, delta_minutes, delta_fen, reason) =
            correction_deltas(&f.delta_count, &f.delta_minutes, &f.delta_amount, &f.reason)?;
        Ok(NewCorrection {
            user,
            kind,
            delta_count,
            delta_minutes,
            delta_fen,
            reason,
        })
    }
}

pub async fn correct(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<PayPeriodId>,
    AppForm(f): AppForm<CorrectionForm>,
) -> AppResult<Response> {
    let period = own_period(&state, &me, &id).await?;
    let t = Tr(lang);
    let message = match NewCorrection::try_from(f) {
        Err(i) => (false, t.get(i.key).to_string()),
        Ok(c) => match state.store.correct_pay(&me.user, &period, c, state.clock.now()).await {
            Ok(()) => (true, t.get("msg-pay-corrected").to_string()),
            Err(e) => refusal(lang, e.into())?,
        },
    };
    review_page(&state, lang, &me, period, Some(message)).await
}

/// The lock as sent: the total the leader reviewed, in fen.
#[derive(Deserialize)]
pub struct LockForm {
    #[serde(default)]
    seen_total_fen: String,
}

pub async fn lock(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<PayPeriodId>,
    AppForm(f): AppForm<LockForm>,
) -> AppResult<Response> {
    let period = own_period(&state, &me, &id).await?;
    let t = Tr(lang);
    // No total (a form from before the page had one) locks what stands now.
    let seen = f.seen_total_fen.trim().parse::<i64>().ok();
    let message = match state.store.lock_pay_period(&me.user, &period, seen, state.clock.now()).await {
        Ok(_) => (true, t.get("msg-pay-locked").to_string()),
        Err(e) => refusal(lang, e.into())?,
    };
    let period = own_period(&state, &me, &id).await?;
    review_page(&state, lang, &me, period, Some(message)).await
}
