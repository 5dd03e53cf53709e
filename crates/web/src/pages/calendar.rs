//! The service calendar (校历) month by month, and the school's closures and extra days.

use super::IdPath;
use super::school::{Pairs, field};
use super::{AppForm, SchoolPick, page, pick_school, school_query};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::{Date, Duration};
use yanshi_domain::calendar::{DayStatus, HolidayCalendar, OverrideKind, SchoolOverride, parse_date};
use yanshi_domain::ids::{OverrideId, TermId};
use yanshi_domain::policy::{Action, may};
use yanshi_domain::school::{Grade, format_clock};
use yanshi_domain::school_time::local;
use yanshi_i18n::Args;
use yanshi_store::School;
use yanshi_store::terms::StoredOverride;

pub struct Day {
    pub day: u8,
    /// CSS class and legend key.
    pub kind: &'static str,
    pub label: String,
    /// A holiday derived from the law (the year's notice not shipped yet).
    pub derived: bool,
}

pub struct MonthGrid {
    pub title: String,
    /// Weeks of 7 cells (Monday first); `None` pads days of other months.
    pub weeks: Vec<Vec<Option<Day>>>,
    pub service_days: usize,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    l: Layout,
    school: School,
    q: String,
    terms: Vec<(String, String, bool)>,
    term_name: String,
    grade: u8,
    grades: Vec<(u8, String)>,
    months: Vec<MonthGrid>,
    total_service_days: usize,
    overrides: Vec<(StoredOverride, String)>,
    can_manage: bool,
    missing_year: Option<i32>,
    notices: Vec<String>,
    /// One line per year of the term whose notice is not shipped: its holidays are derived and
    /// its 调休 not yet published.
    derived_years: Vec<String>,
    term_id: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    school: Option<String>,
    term: Option<String>,
    grade: Option<u8>,
}

fn kind_of(status: &DayStatus) -> (&'static str, String) {
    match status {
        DayStatus::Service { start, end, makeup } => (
            if *makeup { "makeup" } else { "service" },
            format!("{}–{}", format_clock(*start), format_clock(*end)),
        ),
        DayStatus::Holiday(name) => ("holiday", name.clone()),
        DayStatus::Closed(reason) => ("closed", reason.clone()),
        DayStatus::Weekend => ("weekend", String::new()),
        DayStatus::OutsideServicePeriod => ("outside", String::new()),
        DayStatus::Unscheduled => ("unscheduled", String::new()),
    }
}

/// Month grids from `from` to `to` for one grade; `derived` tells a holiday derived from the law.
pub fn months(from: Date, to: Date, status: impl Fn(Date) -> DayStatus, derived: impl Fn(Date) -> bool) -> Vec<MonthGrid> {
    let mut out = Vec::new();
    let mut first = from.replace_day(1).unwrap_or(from);
    while first <= to {
        let mut weeks = Vec::new();
        let mut week: Vec<Option<Day>> = (1..first.weekday().number_from_monday()).map(|_| None).collect();
        let mut d = first;
        let mut service_days = 0;
        while d.month() == first.month() {
            let s = status(d);
            service_days += usize::from(s.is_service());
            let (kind, label) = kind_of(&s);
            let derived = matches!(s, DayStatus::Holiday(_)) && derived(d);
            week.push(Some(Day {
                day: d.day(),
                kind,
                label,
                derived,
            }));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
            d += Duration::days(1);
        }
        if !week.is_empty() {
            week.resize_with(7, || None);
            weeks.push(week);
        }
        out.push(MonthGrid {
            title: format!("{}年{}月", first.year(), first.month() as u8),
            weeks,
            service_days,
        });
        first = d;
    }
    out
}

async fn calendar_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    school: School,
    term: Option<String>,
    grade: u8,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let today = local(state.clock.now(), &school.time_zone).date();
    let all = state.store.terms(&school.id).await?;
    let chosen = match term.as_deref().and_then(TermId::parse) {
        Some(id) => all.iter().find(|t| t.id == id).cloned().ok_or(AppError::NotFound)?.into(),
        None => all
            .iter()
            .find(|t| t.dates.starts_on <= today && today <= t.dates.ends_on)
            .or(all.first())
            .cloned(),
    };
    let can_manage = may(&me.principal, Action::ManageSchool, Some(&school.id));
    let holidays = HolidayCalendar::bundled();
    let missing_year = if can_manage { holidays.missing_next_year(today) } else { None };
    let notices = holidays.years().map(|y| y.notice.clone()).collect();
    let overrides = state.store.calendar_overrides(&school.id).await?;
    let overrides = overrides
        .into_iter()
        .map(|o| {
            let scope = o
                .value
                .grade
                .and_then(|g| Grade::new(g as u32).ok())
                .map(|g| g.name_zh())
                .unwrap_or_else(|| l.t.get("ui-whole-school").to_string());
            (o, scope)
        })
        .collect();
    let terms = all
        .iter()
        .map(|t| (t.id.to_string(), t.name.clone(), chosen.as_ref().is_some_and(|c| c.id == t.id)))
        .collect();
    let grades = Grade::ALL.iter().map(|g| (g.number(), g.name_zh())).collect();
    let q = school_query(me, &school);
    let (term_name, term_id, months, derived_years) = match chosen {
        Some(t) => {
            let (name, id, from, to) = (t.name.clone(), t.id.to_string(), t.dates.starts_on, t.dates.ends_on);
            let cal = state.store.service_calendar(t).await?;
            let derived_years = (from.year()..=to.year())
                .filter(|y| cal.holidays.derived(*y).is_some())
                .map(|y| lang.render("ui-holiday-derived-year", &Args::new().text("year", y.to_string())))
                .collect();
            let grid = months(from, to, |d| cal.status(d, grade), |d| cal.holidays.is_derived(d));
            (name, id, grid, derived_years)
        }
        None => (String::new(), String::new(), Vec::new(), Vec::new()),
    };
    let total_service_days = months.iter().map(|m| m.service_days).sum();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        CalendarPage {
            l,
            school,
            q,
            terms,
            term_name,
            grade,
            grades,
            months,
            total_service_days,
            overrides,
            can_manage,
            missing_year,
            notices,
            derived_years,
            term_id,
            error,
        },
    )
}

pub async fn show(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<CalendarQuery>) -> AppResult<Response> {
    let grade = q.grade.filter(|g| (1..=6).contains(g)).unwrap_or(1);
    match pick_school(&state, lang, &me, q.school.as_deref(), Action::ViewSchool, "ui-nav-calendar").await? {
        SchoolPick::Picked(s) => calendar_page(&state, lang, &me, s, q.term, grade, None).await,
        SchoolPick::Pick(r) => Ok(r),
    }
}

pub async fn add_override(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let school = super::posted_school(&state, &me, &f, Action::ManageSchool).await?;
    let grade: u8 = field(&f, "grade").parse().unwrap_or(0);
    let term = Some(field(&f, "term").to_string()).filter(|t| !t.is_empty());
    let parsed = (|| {
        let date = parse_date(field(&f, "date")).ok_or(yanshi_domain::Invalid::new("date", "err-date"))?;
        let kind = OverrideKind::parse(field(&f, "kind")).ok_or(yanshi_domain::Invalid::new("kind", "err-override-kind"))?;
        Ok::<_, yanshi_domain::Invalid>(SchoolOverride {
            date,
            kind,
            grade: (grade > 0).then_some(grade),
            reason: field(&f, "reason").to_string(),
        })
    })();
    let actor = yanshi_store::Actor::User(me.user.id.clone());
    let result = match parsed {
        Ok(o) => state
            .store
            .add_calendar_override(&actor, &school.id, &o, state.clock.now())
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => calendar_page(&state, lang, &me, school, term, grade.max(1), None).await,
        Err(AppError::Invalid(i)) => calendar_page(&state, lang, &me, school, term, grade.max(1), Some(i.key)).await,
        Err(e) => Err(e),
    }
}

pub async fn remove_override(
    State(state): State<AppState>,
    me: Me,
    IdPath(id): IdPath<OverrideId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let school = super::posted_school(&state, &me, &f, Action::ManageSchool).await?;
    state
        .store
        .remove_calendar_override(&yanshi_store::Actor::User(me.user.id.clone()), &school.id, &id, state.clock.now())
        .await?;
    Ok(Redirect::to(&format!("/school/calendar{}", school_query(&me, &school))).into_response())
}
