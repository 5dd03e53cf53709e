//! The duty set-up (leaders): the school's settings, its posts, each person's weekly limit or
//! exclusion, and everyone's 不能值班; and for each staff member their own declarations.

use super::{leads, school_term};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::school::{Pairs, field};
use crate::pages::{AppForm, IdPath, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::duty::PostKind;
use yanshi_domain::duty::post::{DUTY_ROLES, PostSpec, Unavailable};
use yanshi_domain::ids::{DutyPostId, UserId};
use yanshi_domain::role::Role;
use yanshi_domain::school::format_clock;
use yanshi_store::duty::{DutySettings, Limit, Post, UnavailableEntry};

#[derive(Template)]
#[template(path = "duty_setup.html")]
struct SetupPage {
    l: Layout,
    settings: DutySettings,
    posts: Vec<Post>,
    kinds: Vec<(&'static str, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
    /// (id, name, role key, own limit, excluded)
    staff: Vec<(String, String, &'static str, Option<u8>, bool)>,
    unavailable: Vec<UnavailableEntry>,
    weekdays: Vec<(u8, &'static str)>,
    grades: Vec<u8>,
    message: Option<(bool, String)>,
}

impl SetupPage {
    fn clock(&self, t: &time::Time) -> String {
        format_clock(*t)
    }
    fn has_role(&self, p: &Post, code: &str) -> bool {
        p.spec.roles.iter().any(|r| r.as_str() == code)
    }
}

#[derive(Template)]
#[template(path = "duty_unavailable.html")]
struct UnavailablePage {
    l: Layout,
    mine: Vec<UnavailableEntry>,
    weekdays: Vec<(u8, &'static str)>,
    message: Option<(bool, String)>,
}

fn weekdays(t: Tr) -> Vec<(u8, &'static str)> {
    (1..=5).map(|d| (d, t.weekday(d))).collect()
}

pub(crate) fn when_text(t: &Tr, w: &Unavailable) -> String {
    match w {
        Unavailable::Weekday(d) => t.get("ui-duty-every").replace("{weekday}", t.weekday(*d)),
        Unavailable::Date(d) => d.to_string(),
    }
}

async fn setup_page(state: &AppState, lang: Lang, me: &Me, message: Option<(bool, String)>) -> AppResult<Response> {
    let (school, _, _) = school_term(state, me).await?;
    if !leads(me, &school) {
        return Err(AppError::Forbidden);
    }
    let limits: Vec<Limit> = state.store.duty_limits(&school).await?;
    let staff = state
        .store
        .users_of_school(Some(&school))
        .await?
        .into_iter()
        .filter(|u| !u.disabled && DUTY_ROLES.contains(&u.role))
        .map(|u| {
            let l = limits.iter().find(|l| l.user_id == u.id);
            (
                u.id.to_string(),
                u.display_name,
                crate::layout::role_key(u.role),
                l.and_then(|l| l.max_per_week),
                l.is_some_and(|l| l.excluded),
            )
        })
        .collect();
    let t = Tr(lang);
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status,
        SetupPage {
            l,
            settings: state.store.duty_settings(&school).await?,
            posts: state.store.duty_posts(&school).await?,
            kinds: PostKind::ALL
                .iter()
                .filter(|k| **k != PostKind::Care)
                .map(|k| (k.as_str(), t.get(k.key())))
                .collect(),
            roles: DUTY_ROLES
                .iter()
                .chain([Role::Volunteer].iter())
                .map(|r| (r.as_str(), t.get(crate::layout::role_key(*r))))
                .collect(),
            staff,
            unavailable: state.store.duty_unavailable(&school, None).await?,
            weekdays: weekdays(t),
            grades: (1..=6).collect(),
            message,
        },
    )
}

pub async fn setup(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    setup_page(&state, lang, &me, None).await
}

fn said(result: Result<(), AppError>, lang: Lang, ok_key: &str) -> AppResult<(bool, String)> {
    let t = Tr(lang);
    match result {
        Ok(()) => Ok((true, t.get(ok_key).to_string())),
        Err(AppError::Invalid(i)) => Ok((false, t.get(i.key).to_string())),
        Err(e) => Err(e),
    }
}

fn settings_from(f: &Pairs) -> Result<DutySettings, Invalid> {
    let num = |name: &'static str, key: &'static str| -> Result<u32, Invalid> {
        yanshi_domain::account::fold_full_width(field(f, name).trim())
            .parse()
            .map_err(|_| Invalid::new(name, key))
    };
    Ok(DutySettings {
        max_per_week: u8::try_from(num("max_per_week", "err-duty-max-per-week")?)
            .map_err(|_| Invalid::new("max_per_week", "err-duty-max-per-week"))?,
        swaps_need_leader: field(f, "swaps_need_leader") == "1",
        leader_minutes: num("leader_minutes", "err-duty-leader-minutes")?,
    })
}

pub async fn save_settings(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let (school, ..) = school_term(&state, &me).await?;
    let result = match settings_from(&f) {
        Ok(s) => state
            .store
            .set_duty_settings(&me.user, &school, &s, state.clock.now())
            .await
            .map_err(AppError::from),
        Err(i) => Err(AppError::Invalid(i)),
    };
    let message = said(result, lang, "ui-saved")?;
    setup_page(&state, lang, &me, Some(message)).await
}

/// The post form: its ticked weekdays, grades and roles are repeated fields.
fn post_from(f: &Pairs) -> Result<(PostSpec, bool), Invalid> {
    let many = |name: &str| -> Vec<u8> {
        f.iter()
            .filter(|(k, _)| k == name)
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect()
    };
    let roles: Vec<Role> = f.iter().filter(|(k, _)| k == "roles").filter_map(|(_, v)| Role::parse(v)).collect();
    let spec = PostSpec::parse(
        field(f, "kind"),
        field(f, "name"),
        &many("weekdays"),
        &many("grades"),
        field(f, "starts"),
        field(f, "ends"),
        field(f, "needs"),
        field(f, "weight"),
        &roles,
    )?;
    Ok((spec, field(f, "active") != "0"))
}

async fn save_post(state: &AppState, lang: Lang, me: &Me, id: Option<DutyPostId>, f: &Pairs) -> AppResult<Response> {
    let (school, ..) = school_term(state, me).await?;
    let result = match post_from(f) {
        Ok((spec, active)) => state
            .store
            .save_duty_post(&me.user, &school, id.as_ref(), &spec, active, state.clock.now())
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(i) => Err(AppError::Invalid(i)),
    };
    let message = said(result, lang, "ui-saved")?;
    setup_page(state, lang, me, Some(message)).await
}

pub async fn add_post(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    save_post(&state, lang, &me, None, &f).await
}

pub async fn edit_post(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<DutyPostId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    save_post(&state, lang, &me, Some(id), &f).await
}

pub async fn set_limit(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<UserId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let max = field(&f, "max_per_week").trim();
    let result = match if max.is_empty() { Ok(None) } else { max.parse::<u8>().map(Some) } {
        Ok(max) => state
            .store
            .set_duty_limit(&me.user, &id, max, field(&f, "excluded") == "1", state.clock.now())
            .await
            .map_err(AppError::from),
        Err(_) => Err(AppError::Invalid(Invalid::new("max_per_week", "err-duty-max-per-week"))),
    };
    let message = said(result, lang, "ui-saved")?;
    setup_page(&state, lang, &me, Some(message)).await
}

async fn unavailable_page(state: &AppState, lang: Lang, me: &Me, message: Option<(bool, String)>) -> AppResult<Response> {
    let (school, ..) = school_term(state, me).await?;
    let mine = state.store.duty_unavailable(&school, Some(&me.user.id)).await?;
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status,
        UnavailablePage {
            l,
            mine,
            weekdays: weekdays(Tr(lang)),
            message,
        },
    )
}

pub async fn unavailable(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    unavailable_page(&state, lang, &me, None).await
}

/// 不能值班 as typed: a weekday ("1"–"5") or a date, and the reason.
fn declaration(f: &Pairs) -> Result<Unavailable, Invalid> {
    let weekday = field(f, "weekday").trim();
    let day = field(f, "day").trim();
    match (weekday.is_empty(), day.is_empty()) {
        (false, true) => weekday
            .parse::<u8>()
            .ok()
            .filter(|d| (1..=5).contains(d))
            .map(Unavailable::Weekday)
            .ok_or_else(|| Invalid::new("weekday", "err-duty-post-weekdays")),
        (true, false) => parse_date(day)
            .map(Unavailable::Date)
            .ok_or_else(|| Invalid::new("day", "err-date")),
        _ => Err(Invalid::new("when", "err-duty-unavailable-when")),
    }
}

pub async fn declare(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let result = match declaration(&f) {
        Ok(when) => state
            .store
            .declare_unavailable(&me.user, &me.user.id, when, field(&f, "reason"), state.clock.now())
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Err(i) => Err(AppError::Invalid(i)),
    };
    let message = said(result, lang, "ui-saved")?;
    unavailable_page(&state, lang, &me, Some(message)).await
}

pub async fn withdraw(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<Response> {
    let result = state
        .store
        .withdraw_unavailable(&me.user, &id, state.clock.now())
        .await
        .map_err(AppError::from);
    let message = said(result, lang, "ui-duty-withdrawn")?;
    unavailable_page(&state, lang, &me, Some(message)).await
}
