//! 放学后 — the day's overview: today's classes (the person's own first), and for the school's
//! leaders the incidents, the children refused at the door, session plans that look like
//! lessons, and the weather warning.

use super::Message;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::page;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use time::Date;
use yanshi_domain::role::Role;
use yanshi_domain::school_time::{format_local, local};
use yanshi_store::setup::ClassInfo;

#[derive(Template)]
#[template(path = "afternoon.html")]
struct TodayPage {
    l: Layout,
    day: Date,
    classes: Vec<(ClassInfo, bool)>,
    /// Today's incidents (事件), for the school's leaders: (time, class and child, description, reporter).
    incidents: Vec<(String, String, String, String)>,
    /// Children refused at the door today, for the leaders: (class and child, how many, when).
    refusals: Vec<(String, String)>,
    /// Session plans that look like lessons, for the leaders.
    flagged: Vec<yanshi_store::afternoon::FlaggedPlan>,
    /// 天气预警 in force today, and whether this person may set it.
    weather: Option<yanshi_store::afternoon::WeatherAlert>,
    leader: bool,
    levels: [yanshi_domain::afternoon::WeatherLevel; 5],
    message: Message,
}

/// Today's classes, the person's own first.
pub async fn today(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    today_page(&state, lang, &me, None).await
}

pub(super) async fn today_page(state: &AppState, lang: Lang, me: &Me, message: Message) -> AppResult<Response> {
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let school = state.store.school(&school).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let mut classes: Vec<(ClassInfo, bool)> = state
        .store
        .classes(&school.id)
        .await?
        .into_iter()
        .map(|c| {
            let mine = c.class_teacher.as_ref().map(|t| &t.0) == Some(&me.user.id);
            (c, mine)
        })
        .collect();
    classes.sort_by_key(|(_, mine)| !*mine);
    let incidents = if me.user.role == yanshi_domain::role::Role::SchoolAdmin {
        state
            .store
            .incidents(&school.id, day)
            .await?
            .into_iter()
            .map(|i| {
                let who = format!("{}{}", i.class.unwrap_or_default(), i.student.unwrap_or_default());
                (
                    format_local(i.at, &school.time_zone)[11..].to_string(),
                    who,
                    i.description,
                    i.reporter,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let refusals = if me.user.role == Role::SchoolAdmin {
        let t = crate::i18n::Tr(lang);
        state
            .store
            .refusal_alerts(&school.id, day)
            .await?
            .into_iter()
            .map(|a| {
                let text = refusal_text(t, &a, &school.time_zone);
                (format!("{}{}", a.class.unwrap_or_default(), a.student), text)
            })
            .collect()
    } else {
        Vec::new()
    };
    let flagged = match state.store.term_on(&school.id, day).await? {
        Some(term) if me.user.role == Role::SchoolAdmin => state.store.flagged_plans(&school.id, &term.id).await?,
        _ => Vec::new(),
    };
    let weather = state.store.weather_alert(&school.id, day).await?;
    let l = Layout::for_user(state, lang, &me.user).await;
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        TodayPage {
            l,
            day,
            classes,
            incidents,
            refusals,
            flagged,
            weather,
            leader: me.user.role == Role::SchoolAdmin,
            levels: yanshi_domain::afternoon::WeatherLevel::ALL,
            message,
        },
    )
}

/// "17:02 起 10 分钟内 6 次交接被拒 · 今天共 8 次 · 另有 3 次接送码因输错过多未核对".
fn refusal_text(t: crate::i18n::Tr, a: &yanshi_store::handover_guards::RefusalAlert, zone: &str) -> String {
    use yanshi_i18n::Args;
    let burst = Args::new()
        .text("from", &format_local(a.burst_started, zone)[11..])
        .number("minutes", yanshi_domain::afternoon::REFUSAL_ALERT_WINDOW_MINUTES)
        .number("n", a.burst_refusals);
    let mut parts = vec![t.0.render("ui-refusal-burst", &burst)];
    if a.refusals_today > a.burst_refusals {
        parts.push(t.0.render("ui-refusals-today", &Args::new().number("n", a.refusals_today)));
    }
    if a.codes_held_back > 0 {
        parts.push(t.0.render("ui-codes-held-back", &Args::new().number("n", a.codes_held_back)));
    }
    parts.join(" · ")
}
