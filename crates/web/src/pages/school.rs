//! The school's setup (学校设置): profile, service policy, the leadership group, and terms.

use super::{AppForm, SchoolPick, SchoolQuery, page, pick_school, school_query};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;
use time::{Month, Weekday};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::{GradeTimes, Season, ServicePolicy, parse_date};
use yanshi_domain::policy::Action;
use yanshi_domain::school::{Grade, format_clock, parse_clock};
use yanshi_store::School;
use yanshi_store::setup::{LeaderPosition, LeadershipMember};
use yanshi_store::terms::{NewTerm, Term};

/// A form posted as name/value pairs (grids of times, rows of members).
pub type Pairs = Vec<(String, String)>;

pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or("")
}

fn mmdd(md: (Month, u8)) -> String {
    format!("{:02}-{:02}", md.0 as u8, md.1)
}

fn parse_mmdd(s: &str, field: &'static str) -> Result<(Month, u8), Invalid> {
    let bad = Invalid::new(field, "err-month-day");
    let (m, d) = s.trim().split_once('-').ok_or(bad.clone())?;
    let month = Month::try_from(m.parse::<u8>().map_err(|_| bad.clone())?).map_err(|_| bad.clone())?;
    let day: u8 = d.parse().map_err(|_| bad.clone())?;
    time::Date::from_calendar_date(2024, month, day).map_err(|_| bad)?;
    Ok((month, day))
}

pub struct LeaderRow {
    pub position: &'static str,
    pub name: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "school_settings.html")]
struct SettingsPage {
    l: Layout,
    school: School,
    q: String,
    address: String,
    contact: String,
    default_end: String,
    latest_end: String,
    summer_from: String,
    winter_from: String,
    late_wait: u16,
    leave_cutoff: String,
    leaders: Vec<LeaderRow>,
    positions: Vec<(&'static str, &'static str)>,
    saved: bool,
    error: Option<&'static str>,
}

fn position_key(p: LeaderPosition) -> &'static str {
    match p {
        LeaderPosition::Leader => "ui-leader",
        LeaderPosition::Deputy => "ui-deputy",
        LeaderPosition::Member => "ui-member",
    }
}

async fn settings_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    school: School,
    status: StatusCode,
    saved: bool,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let (address, contact) = state.store.school_profile(&school.id).await?;
    let p = state.store.service_policy(&school.id).await?;
    let mut leaders: Vec<LeaderRow> = state
        .store
        .leadership(&school.id)
        .await?
        .into_iter()
        .map(|m| LeaderRow {
            position: m.position.as_str(),
            name: m.name,
            title: m.title,
        })
        .collect();
    while leaders.len() < 8 {
        leaders.push(LeaderRow {
            position: if leaders.is_empty() { "leader" } else { "member" },
            name: String::new(),
            title: String::new(),
        });
    }
    let positions = LeaderPosition::ALL
        .iter()
        .map(|p| (p.as_str(), l.t.get(position_key(*p))))
        .collect();
    let q = school_query(me, &school);
    page(
        status,
        SettingsPage {
            l,
            school,
            q,
            address,
            contact,
            default_end: format_clock(p.default_end),
            latest_end: format_clock(p.latest_end),
            summer_from: mmdd(p.summer_from),
            winter_from: mmdd(p.winter_from),
            late_wait: p.late_pickup_wait_minutes,
            leave_cutoff: format_clock(p.leave_cutoff),
            leaders,
            positions,
            saved,
            error,
        },
    )
}

pub async fn settings(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    match pick_school(&state, lang, &me, q.school.as_deref(), Action::ManageSchool, "ui-nav-school").await? {
        SchoolPick::Picked(s) => settings_page(&state, lang, &me, s, StatusCode::OK, false, None).await,
        SchoolPick::Pick(r) => Ok(r),
    }
}

fn policy_from(f: &Pairs) -> Result<ServicePolicy, Invalid> {
    let wait: u16 = field(f, "late_wait")
        .parse()
        .map_err(|_| Invalid::new("late_wait", "err-wait-minutes"))?;
    Ok(ServicePolicy {
        default_end: parse_clock(field(f, "default_end"))?,
        summer_from: parse_mmdd(field(f, "summer_from"), "summer_from")?,
        winter_from: parse_mmdd(field(f, "winter_from"), "winter_from")?,
        latest_end: parse_clock(field(f, "latest_end"))?,
        late_pickup_wait_minutes: wait,
        leave_cutoff: parse_clock(field(f, "leave_cutoff"))?,
    })
}

fn leaders_from(f: &Pairs) -> Vec<LeadershipMember> {
    (0..8)
        .filter_map(|i| {
            let name = field(f, &format!("name{i}"));
            (!name.is_empty()).then(|| LeadershipMember {
                position: LeaderPosition::parse(field(f, &format!("position{i}"))).unwrap_or(LeaderPosition::Member),
                name: name.to_string(),
                title: field(f, &format!("title{i}")).to_string(),
            })
        })
        .collect()
}

pub async fn save_settings(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let school = super::posted_school(&state, &me, &f, Action::ManageSchool).await?;
    let now = state.clock.now();
    let actor = yanshi_store::Actor::User(me.user.id.clone());
    let result = async {
        let policy = policy_from(&f)?;
        state
            .store
            .update_school_settings(&actor, &school.id, field(&f, "address"), field(&f, "contact"), &policy, now)
            .await?;
        let leaders = leaders_from(&f);
        if !leaders.is_empty() {
            state.store.set_leadership(&actor, &school.id, &leaders, now).await?;
        }
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => settings_page(&state, lang, &me, school, StatusCode::OK, true, None).await,
        Err(AppError::Invalid(i)) => settings_page(&state, lang, &me, school, StatusCode::UNPROCESSABLE_ENTITY, false, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

pub struct TermRow {
    pub id: String,
    pub name: String,
    pub dates: String,
    pub service: String,
    pub times: Vec<(String, String, String, String)>,
}

pub struct GradeDefaults {
    pub grade: u8,
    pub name: String,
    pub dismissal: String,
    pub friday: String,
    pub summer_end: String,
    pub winter_end: String,
}

#[derive(Template)]
#[template(path = "terms.html")]
struct TermsPage {
    l: Layout,
    school: School,
    q: String,
    terms: Vec<TermRow>,
    defaults: Vec<GradeDefaults>,
    form: TermForm,
    error: Option<&'static str>,
}

/// What the new-term form shows: what was typed, after a refusal.
#[derive(Default)]
pub struct TermForm {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub first_service_day: String,
    pub last_service_day: String,
}

fn term_row(t: &Term) -> TermRow {
    let times = Grade::ALL
        .iter()
        .map(|g| {
            let n = g.number();
            let fmt = |x: Option<time::Time>| x.map(format_clock).unwrap_or_else(|| "—".into());
            let friday = t.times.dismissal.get(&(n, 5)).copied();
            (
                g.name_zh(),
                format!(
                    "{}{}",
                    fmt(t.times.dismissal_for(n, Weekday::Monday)),
                    friday.map(|f| format!(" / 周五 {}", format_clock(f))).unwrap_or_default()
                ),
                fmt(t.times.end.get(&(n, Season::Summer)).copied()),
                fmt(t.times.end.get(&(n, Season::Winter)).copied()),
            )
        })
        .collect();
    TermRow {
        id: t.id.to_string(),
        name: t.name.clone(),
        dates: format!("{} – {}", t.dates.starts_on, t.dates.ends_on),
        service: format!("{} – {}", t.dates.first_service_day, t.dates.last_service_day),
        times,
    }
}

/// The defaults DOMAIN §8.3 suggests: grades 1–2 out at 15:30, 3–6 at 16:10; 18:00 in summer, 17:30 in winter.
fn grade_defaults() -> Vec<GradeDefaults> {
    Grade::ALL
        .iter()
        .map(|g| GradeDefaults {
            grade: g.number(),
            name: g.name_zh(),
            dismissal: if g.number() <= 2 { "15:30".into() } else { "16:10".into() },
            friday: String::new(),
            summer_end: "18:00".into(),
            winter_end: "17:30".into(),
        })
        .collect()
}

async fn terms_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    school: School,
    status: StatusCode,
    form: HashMap<String, String>,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let terms = state.store.terms(&school.id).await?.iter().map(term_row).collect();
    let q = school_query(me, &school);
    let typed = |k: String, default: String| form.get(&k).cloned().unwrap_or(default);
    let defaults = grade_defaults()
        .into_iter()
        .map(|d| GradeDefaults {
            dismissal: typed(format!("d{}", d.grade), d.dismissal),
            friday: typed(format!("f{}", d.grade), d.friday),
            summer_end: typed(format!("s{}", d.grade), d.summer_end),
            winter_end: typed(format!("w{}", d.grade), d.winter_end),
            ..d
        })
        .collect();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let form = TermForm {
        name: get("name"),
        starts_on: get("starts_on"),
        ends_on: get("ends_on"),
        first_service_day: get("first_service_day"),
        last_service_day: get("last_service_day"),
    };
    page(
        status,
        TermsPage {
            l,
            school,
            q,
            terms,
            defaults,
            form,
            error,
        },
    )
}

pub async fn terms(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    match pick_school(&state, lang, &me, q.school.as_deref(), Action::ManageSchool, "ui-nav-terms").await? {
        SchoolPick::Picked(s) => terms_page(&state, lang, &me, s, StatusCode::OK, HashMap::new(), None).await,
        SchoolPick::Pick(r) => Ok(r),
    }
}

fn new_term_from(f: &Pairs) -> Result<NewTerm, Invalid> {
    let date = |name: &'static str| parse_date(field(f, name)).ok_or(Invalid::new(name, "err-date"));
    let optional_date = |name: &'static str| match field(f, name) {
        "" => Ok(None),
        s => parse_date(s).map(Some).ok_or(Invalid::new(name, "err-date")),
    };
    let mut times = GradeTimes::default();
    for g in Grade::ALL {
        let n = g.number();
        times.dismissal.insert((n, 0), parse_clock(field(f, &format!("d{n}")))?);
        if !field(f, &format!("f{n}")).is_empty() {
            times.dismissal.insert((n, 5), parse_clock(field(f, &format!("f{n}")))?);
        }
        times.end.insert((n, Season::Summer), parse_clock(field(f, &format!("s{n}")))?);
        times.end.insert((n, Season::Winter), parse_clock(field(f, &format!("w{n}")))?);
    }
    Ok(NewTerm {
        name: field(f, "name").to_string(),
        starts_on: date("starts_on")?,
        ends_on: date("ends_on")?,
        first_service_day: optional_date("first_service_day")?,
        last_service_day: optional_date("last_service_day")?,
        times,
    })
}

pub async fn create_term(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let school = super::posted_school(&state, &me, &f, Action::ManageSchool).await?;
    let actor = yanshi_store::Actor::User(me.user.id.clone());
    let result = match new_term_from(&f) {
        Ok(new) => state
            .store
            .create_term(&actor, &school.id, new, state.clock.now())
            .await
            .map_err(AppError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => terms_page(&state, lang, &me, school, StatusCode::OK, HashMap::new(), None).await,
        Err(AppError::Invalid(i)) => {
            let kept = f.into_iter().map(|(k, v)| (k, v.chars().take(40).collect())).collect();
            terms_page(&state, lang, &me, school, StatusCode::UNPROCESSABLE_ENTITY, kept, Some(i.key)).await
        }
        Err(e) => Err(e),
    }
}
