//! 志愿者 for the school's admins: the list with each volunteer's vetting state, registering a
//! Volunteer-role account, recording each check, the school's validity, and a volunteer's page
//! with their hours and certificates. `certificate.rs`: the hours certificate (A4);
//! `own.rs`: the volunteer's own page.

pub mod certificate;
pub mod own;

use super::{AppForm, IdPath, page};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::Date;
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::ids::{SchoolId, UserId};
use yanshi_domain::volunteer::{Gap, IdLast4, VettingCheck, VolunteerKind, hours, served_days, total_minutes, valid_months};
use yanshi_i18n::Args;
use yanshi_store::volunteers::{NewCheck, NewVolunteer, ServiceSource, Volunteer};

/// A school admin's own school (the pages are the school's own; the district has no part).
pub(crate) fn own_school(me: &Me) -> AppResult<SchoolId> {
    me.user.school_id.clone().ok_or(AppError::Forbidden)
}

pub(crate) async fn school_today(state: &AppState, school: &SchoolId) -> AppResult<Date> {
    let s = state.store.school(school).await?;
    Ok(yanshi_domain::school_time::local(state.clock.now(), &s.time_zone).date())
}

/// 已审核，有效至 … / 待审核：缺少 … / 已过期：…
pub(crate) fn vetting_state(t: Tr, v: &Volunteer, today: Date, months: u8) -> (bool, String) {
    match v.vetted(today, months) {
        Ok(()) => {
            let until = v.checks.iter().map(|c| c.dates.valid_until(months)).min();
            let until = until.map(|d| d.to_string()).unwrap_or_default();
            (true, t.0.render("ui-volunteer-vetted-until", &Args::new().text("date", until)))
        }
        Err(gaps) => {
            let parts: Vec<String> = gaps
                .iter()
                .map(|g| match g {
                    Gap::Missing(c) => t.0.render("ui-volunteer-gap-missing", &Args::new().text("check", t.get(c.key()))),
                    Gap::Expired(c, d) => t.0.render(
                        "ui-volunteer-gap-expired",
                        &Args::new().text("check", t.get(c.key())).text("date", d.to_string()),
                    ),
                })
                .collect();
            (false, parts.join("；"))
        }
    }
}

/// 家长 / 公益组织（阳光公益）
pub(crate) fn kind_words(t: Tr, kind: VolunteerKind, organisation: &str) -> String {
    if organisation.is_empty() {
        t.get(kind.key()).to_string()
    } else {
        format!("{}（{}）", t.get(kind.key()), organisation)
    }
}

pub struct Row {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub vetted: bool,
    pub state: String,
}

#[derive(Template)]
#[template(path = "volunteers.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    accounts: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    months: u8,
    error: Option<&'static str>,
}

fn kinds(t: Tr) -> Vec<(&'static str, &'static str)> {
    VolunteerKind::ALL.iter().map(|k| (k.as_str(), t.get(k.key()))).collect()
}

async fn list_page(state: &AppState, lang: Lang, me: &Me, status: StatusCode, error: Option<&'static str>) -> AppResult<Response> {
    let school = own_school(me)?;
    let l = Layout::for_user(state, lang, &me.user).await;
    let today = school_today(state, &school).await?;
    let months = state.store.volunteer_validity(&school).await?;
    let rows = state
        .store
        .volunteers(&school)
        .await?
        .iter()
        .map(|v| {
            let (vetted, text) = vetting_state(l.t, v, today, months);
            Row {
                id: v.user_id.to_string(),
                name: v.name.clone(),
                kind: kind_words(l.t, v.kind, &v.organisation),
                vetted,
                state: text,
            }
        })
        .collect();
    let accounts = state
        .store
        .unregistered_volunteer_accounts(&school)
        .await?
        .into_iter()
        .map(|(id, n)| (id.to_string(), n))
        .collect();
    page(
        status,
        ListPage {
            kinds: kinds(l.t),
            l,
            rows,
            accounts,
            months,
            error,
        },
    )
}

pub async fn list(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    list_page(&state, lang, &me, StatusCode::OK, None).await
}

/// A registration as posted.
#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    organisation: String,
}

impl TryFrom<&RegisterForm> for NewVolunteer {
    type Error = Invalid;

    fn try_from(f: &RegisterForm) -> Result<Self, Invalid> {
        Ok(NewVolunteer {
            user: UserId::parse(&f.user).ok_or(Invalid::new("user", "err-volunteer-account"))?,
            kind: VolunteerKind::parse(f.kind.trim())?,
            organisation: f.organisation.clone(),
        })
    }
}

pub async fn register(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<RegisterForm>) -> AppResult<Response> {
    let school = own_school(&me)?;
    let result = async {
        let new = NewVolunteer::try_from(&f)?;
        state.store.register_volunteer(&me.user, &school, &new, state.clock.now()).await?;
        Ok::<_, AppError>(new.user)
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/school/volunteers/{id}")).into_response()),
        Err(AppError::Invalid(i)) => list_page(&state, lang, &me, StatusCode::UNPROCESSABLE_ENTITY, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ValidityForm {
    #[serde(default)]
    valid_months: String,
}

pub async fn set_validity(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<ValidityForm>) -> AppResult<Response> {
    let school = own_school(&me)?;
    let result = async {
        let m = valid_months(&f.valid_months)?;
        Ok::<_, AppError>(state.store.set_volunteer_validity(&me.user, &school, m, state.clock.now()).await?)
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/school/volunteers").into_response()),
        Err(AppError::Invalid(i)) => list_page(&state, lang, &me, StatusCode::UNPROCESSABLE_ENTITY, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

/// One check as the detail page shows it.
pub struct CheckRow {
    pub code: &'static str,
    pub name: &'static str,
    /// (dated, seen on, valid until, ID last four, by, at) when recorded.
    pub recorded: Option<(String, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "volunteer.html")]
struct DetailPage {
    l: Layout,
    v: Volunteer,
    kind: String,
    vetted: bool,
    state: String,
    checks: Vec<CheckRow>,
    today: String,
    /// The term's first day (or 1 Sept of the school year) to today: the default range.
    from: String,
    /// (day, what, hours)
    service: Vec<(String, String, String)>,
    total: String,
    /// (id, number, range, hours, issued by)
    certificates: Vec<(String, i64, String, String, String)>,
    error: Option<&'static str>,
}

pub(crate) fn service_words(t: Tr, s: &ServiceSource) -> String {
    match s {
        ServiceSource::Session { class } => {
            t.0.render("ui-volunteer-service-session", &Args::new().text("class", class.as_str()))
        }
        ServiceSource::Duty { post } => t.0.render("ui-volunteer-service-duty", &Args::new().text("post", post.as_str())),
    }
}

/// The default start of a range: the current term's first day, else 1 January.
pub(crate) async fn range_start(state: &AppState, school: &SchoolId, today: Date) -> AppResult<Date> {
    Ok(match state.store.term_on(school, today).await? {
        Some(t) => t.dates.starts_on,
        None => Date::from_calendar_date(today.year(), time::Month::January, 1).unwrap_or(today),
    })
}

async fn detail_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    id: &UserId,
    status: StatusCode,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let school = own_school(me)?;
    let v = state.store.volunteer(&school, id).await?;
    let l = Layout::for_user(state, lang, &me.user).await;
    let t = l.t;
    let today = school_today(state, &school).await?;
    let months = state.store.volunteer_validity(&school).await?;
    let (vetted, text) = vetting_state(t, &v, today, months);
    let checks = VettingCheck::ALL
        .iter()
        .map(|c| CheckRow {
            code: c.as_str(),
            name: t.get(c.key()),
            recorded: v.checks.iter().find(|r| r.check == *c).map(|r| {
                (
                    r.dates.dated.to_string(),
                    r.dates.seen_on.to_string(),
                    r.dates.valid_until(months).to_string(),
                    r.id_last4.clone(),
                    r.checked_by.clone(),
                )
            }),
        })
        .collect();
    let from = range_start(state, &school, today).await?;
    let lines = state.store.volunteer_service(&school, id, from, today).await?;
    let total = hours(total_minutes(&served_days(lines.iter().map(|l| (l.day, l.minutes)))));
    let service = lines
        .iter()
        .map(|s| (s.day.to_string(), service_words(t, &s.source), hours(s.minutes)))
        .collect();
    let certificates = state
        .store
        .volunteer_certificates(id)
        .await?
        .into_iter()
        .map(|c| {
            (
                c.id.to_string(),
                c.number,
                format!("{} – {}", c.from, c.to),
                hours(c.minutes),
                c.issuer_name,
            )
        })
        .collect();
    page(
        status,
        DetailPage {
            kind: kind_words(t, v.kind, &v.organisation),
            l,
            v,
            vetted,
            state: text,
            checks,
            today: today.to_string(),
            from: from.to_string(),
            service,
            total,
            certificates,
            error,
        },
    )
}

pub async fn detail(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<UserId>) -> AppResult<Response> {
    detail_page(&state, lang, &me, &id, StatusCode::OK, None).await
}

/// A check as posted.
#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    check: String,
    #[serde(default)]
    dated: String,
    #[serde(default)]
    seen_on: String,
    #[serde(default)]
    id_last4: String,
}

impl TryFrom<&CheckForm> for NewCheck {
    type Error = Invalid;

    fn try_from(f: &CheckForm) -> Result<Self, Invalid> {
        let check = VettingCheck::parse(f.check.trim())?;
        let dated = parse_date(&f.dated).ok_or(Invalid::new("dated", "err-date"))?;
        // The day the evidence was seen: today when left empty (it usually is).
        let seen_on = match f.seen_on.trim() {
            "" => dated,
            s => parse_date(s).ok_or(Invalid::new("seen_on", "err-date"))?,
        };
        let id_last4 = match check {
            VettingCheck::Identity => Some(IdLast4::parse(&f.id_last4)?),
            _ => None,
        };
        Ok(NewCheck {
            check,
            dated,
            seen_on,
            id_last4,
        })
    }
}

pub async fn record_check(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<UserId>,
    AppForm(f): AppForm<CheckForm>,
) -> AppResult<Response> {
    let school = own_school(&me)?;
    state.store.volunteer(&school, &id).await?;
    let result = async {
        let check = NewCheck::try_from(&f)?;
        Ok::<_, AppError>(state.store.record_volunteer_check(&me.user, &id, &check, state.clock.now()).await?)
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/school/volunteers/{id}")).into_response()),
        Err(AppError::Invalid(i)) => detail_page(&state, lang, &me, &id, StatusCode::UNPROCESSABLE_ENTITY, Some(i.key)).await,
        Err(e) => Err(e),
    }
}
