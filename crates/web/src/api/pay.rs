//! 绩效工资 over the JSON API: a school's payment periods and their reports, corrections and
//! the lock (its leaders), the term's workload summary, and one's own lines (staff). Money is
//! integer fen; staff pay only.

use super::{ApiJson, ErrorBody, rfc3339, ymd};
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::IdPath;
use crate::pages::pay::{own_period, own_school};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yanshi_domain::ids::{PayPeriodId, TermId, UserId};
use yanshi_domain::pay::{PayKind, PersonPay, TermSummary, correction_deltas, format_yuan};
use yanshi_store::pay::{NewCorrection, PayPeriod, PayReport};

#[derive(Serialize, ToSchema)]
pub struct PayPeriodOut {
    id: String,
    name: String,
    term_id: String,
    /// `YYYY-MM`
    first_month: String,
    last_month: String,
    locked: Option<PayLockOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PayLockOut {
    by: String,
    at: String,
    /// SHA-256 of the frozen report.
    sha256: String,
}

impl From<&PayPeriod> for PayPeriodOut {
    fn from(p: &PayPeriod) -> Self {
        PayPeriodOut {
            id: p.id.to_string(),
            name: p.spec.name.clone(),
            term_id: p.term_id.to_string(),
            first_month: p.spec.first.code(),
            last_month: p.spec.last.code(),
            locked: p.locked.as_ref().map(|l| PayLockOut {
                by: l.by_name.clone(),
                at: rfc3339(l.at),
                sha256: l.sha256.clone(),
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PayLineOut {
    month: String,
    /// CARE, DUTY, LEADER or COVER
    kind: &'static str,
    count: i64,
    minutes: i64,
    /// CARE_SESSION, CARE_HOUR, DUTY, LEADER or COVER
    rate: &'static str,
    rate_fen: i64,
    amount_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PayCorrectionOut {
    id: String,
    kind: &'static str,
    delta_count: i64,
    delta_minutes: i64,
    delta_fen: i64,
    reason: String,
    by: String,
    at: String,
}

#[derive(Serialize, ToSchema)]
pub struct PayPersonOut {
    user_id: String,
    /// 工号 ("" without a staff record)
    staff_number: String,
    name: String,
    lines: Vec<PayLineOut>,
    corrections: Vec<PayCorrectionOut>,
    total_fen: i64,
}

impl From<PersonPay> for PayPersonOut {
    fn from(p: PersonPay) -> Self {
        PayPersonOut {
            user_id: p.user_id,
            staff_number: p.staff_number,
            name: p.name,
            lines: p
                .lines
                .into_iter()
                .map(|l| PayLineOut {
                    month: l.month.code(),
                    kind: l.kind.as_str(),
                    count: l.count,
                    minutes: l.minutes,
                    rate: l.rate.as_str(),
                    rate_fen: l.rate_fen,
                    amount_fen: l.amount_fen,
                })
                .collect(),
            corrections: p
                .corrections
                .into_iter()
                .map(|c| PayCorrectionOut {
                    id: c.id,
                    kind: c.kind.as_str(),
                    delta_count: c.delta_count,
                    delta_minutes: c.delta_minutes,
                    delta_fen: c.delta_fen,
                    reason: c.reason,
                    by: c.by,
                    at: rfc3339(yanshi_domain::clock::from_millis(c.at)),
                })
                .collect(),
            total_fen: p.total_fen,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PayReportOut {
    period: PayPeriodOut,
    /// The days counted (`YYYY-MM-DD`).
    from: String,
    to: String,
    /// SESSION or HOUR
    care_basis: &'static str,
    people: Vec<PayPersonOut>,
    total_fen: i64,
}

fn report_out(period: &PayPeriod, r: PayReport) -> PayReportOut {
    PayReportOut {
        period: period.into(),
        from: ymd(r.from),
        to: ymd(r.to),
        care_basis: r.rates.basis.as_str(),
        people: r.people.into_iter().map(Into::into).collect(),
        total_fen: r.totals.amount_fen,
    }
}

/// The school's payment periods.
#[utoipa::path(get, path = "/api/v1/pay/periods", operation_id = "list_pay_periods", tag = "pay",
    summary = "绩效工资: the school's payment periods, latest first (school leaders)", security(("bearer" = [])),
    responses((status = 200, description = "the periods", body = Vec<PayPeriodOut>), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn periods(State(state): State<AppState>, me: Me) -> AppResult<Json<Vec<PayPeriodOut>>> {
    let school = own_school(&me)?;
    Ok(Json(state.store.pay_periods(&school).await?.iter().map(Into::into).collect()))
}

/// A period's report: live while open, frozen once locked.
#[utoipa::path(get, path = "/api/v1/pay/periods/{id}", operation_id = "get_pay_report", tag = "pay",
    summary = "A payment period's report per teacher, kind and month with corrections and totals, in fen (school leaders)",
    params(("id" = String, Path, description = "the period's id (a UUID)")), security(("bearer" = [])),
    responses((status = 200, description = "the report", body = PayReportOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn report(State(state): State<AppState>, me: Me, IdPath(id): IdPath<PayPeriodId>) -> AppResult<Json<PayReportOut>> {
    let period = own_period(&state, &me, &id).await?;
    let r = state.store.pay_report(&period).await?;
    Ok(Json(report_out(&period, r)))
}

/// A leader's correction of one teacher's kind of work.
#[derive(Deserialize, ToSchema)]
pub struct PayCorrectionIn {
    user_id: String,
    /// CARE, DUTY, LEADER or COVER
    kind: String,
    #[serde(default)]
    delta_count: i64,
    #[serde(default)]
    delta_minutes: i64,
    #[serde(default)]
    delta_fen: i64,
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/pay/periods/{id}/corrections", operation_id = "create_pay_correction", tag = "pay",
    summary = "更正: a leader corrects a teacher's count, minutes or amount with a reason; refused once the period is locked",
    params(("id" = String, Path, description = "the period's id (a UUID)")), request_body = PayCorrectionIn, security(("bearer" = [])),
    responses((status = 201, description = "corrected: the report as it now stands", body = PayReportOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn correct(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<PayPeriodId>,
    ApiJson(b): ApiJson<PayCorrectionIn>,
) -> AppResult<Response> {
    let period = own_period(&state, &me, &id).await?;
    let user = UserId::parse(&b.user_id).ok_or(AppError::Invalid(yanshi_domain::Invalid::new("user_id", "err-pay-user")))?;
    let kind = PayKind::parse(b.kind.trim()).map_err(AppError::Invalid)?;
    let (delta_count, delta_minutes, delta_fen, reason) = correction_deltas(
        &b.delta_count.to_string(),
        &b.delta_minutes.to_string(),
        &format_yuan(b.delta_fen),
        &b.reason,
    )
    .map_err(AppError::Invalid)?;
    let c = NewCorrection {
        user,
        kind,
        delta_count,
        delta_minutes,
        delta_fen,
        reason,
    };
    state.store.correct_pay(&me.user, &period, c, state.clock.now()).await?;
    let r = state.store.pay_report(&period).await?;
    Ok((StatusCode::CREATED, Json(report_out(&period, r))).into_response())
}

/// The lock: the total the leader reviewed, so a report that changed since is not locked.
#[derive(Deserialize, ToSchema)]
pub struct PayLockIn {
    seen_total_fen: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/pay/periods/{id}/lock", operation_id = "lock_pay_period", tag = "pay",
    summary = "锁定: freezes the period's report with its SHA-256; no correction after; refused when the total is not the one reviewed (school leaders)",
    params(("id" = String, Path, description = "the period's id (a UUID)")), request_body = PayLockIn, security(("bearer" = [])),
    responses((status = 200, description = "locked", body = PayPeriodOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn lock(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<PayPeriodId>,
    ApiJson(b): ApiJson<PayLockIn>,
) -> AppResult<Json<PayPeriodOut>> {
    let period = own_period(&state, &me, &id).await?;
    state
        .store
        .lock_pay_period(&me.user, &period, b.seen_total_fen, state.clock.now())
        .await?;
    let period = own_period(&state, &me, &id).await?;
    Ok(Json((&period).into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TermParam {
    /// The term's id (a UUID).
    term: String,
}

#[derive(Serialize, ToSchema)]
pub struct TermWorkloadOut {
    user_id: String,
    staff_number: String,
    name: String,
    sessions: i64,
    care_minutes: i64,
    duty_turns: i64,
    duty_minutes: i64,
    leader_turns: i64,
    cover_turns: i64,
}

impl From<TermSummary> for TermWorkloadOut {
    fn from(s: TermSummary) -> Self {
        TermWorkloadOut {
            user_id: s.user_id,
            staff_number: s.staff_number,
            name: s.name,
            sessions: s.sessions,
            care_minutes: s.care_minutes,
            duty_turns: s.duty_turns,
            duty_minutes: s.duty_minutes,
            leader_turns: s.leader_turns,
            cover_turns: s.cover_turns,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/pay/summary", operation_id = "get_term_workload", tag = "pay",
    summary = "学期工作量汇总: each teacher's sessions, minutes, duty, leader and cover turns over a term, for 评优评先 (school leaders)",
    params(TermParam), security(("bearer" = [])),
    responses((status = 200, description = "per teacher", body = Vec<TermWorkloadOut>), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn summary(State(state): State<AppState>, me: Me, Query(q): Query<TermParam>) -> AppResult<Json<Vec<TermWorkloadOut>>> {
    let school = own_school(&me)?;
    let id = TermId::parse(&q.term).ok_or(AppError::NotFound)?;
    let term = state.store.term(&id).await?;
    if term.school_id != school {
        return Err(AppError::NotFound);
    }
    Ok(Json(state.store.term_workload(&term).await?.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct MyPayOut {
    period: PayPeriodOut,
    /// One's own lines in it, if any.
    mine: Option<PayPersonOut>,
}

#[utoipa::path(get, path = "/api/v1/my/pay", operation_id = "get_my_pay", tag = "pay",
    summary = "One's own performance-pay lines in each payment period of one's school (staff)", security(("bearer" = [])),
    responses((status = 200, description = "per period", body = Vec<MyPayOut>), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn my_pay(State(state): State<AppState>, me: Me) -> AppResult<Json<Vec<MyPayOut>>> {
    let school = own_school(&me)?;
    let mut out = Vec::new();
    for period in state.store.pay_periods(&school).await? {
        let mine = state.store.my_pay(&me.user, &period).await?.map(Into::into);
        out.push(MyPayOut {
            period: (&period).into(),
            mine,
        });
    }
    Ok(Json(out))
}
