//! 教师值班表 — a week of the roster: the published one for everyone, the draft for leaders with
//! 生成 (generate), hand edits and 发布 (publish); the week on one A4 page and as .xlsx.

use super::{leads, monday, school_term};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::{AppForm, IdPath, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Date;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::duty::PostKind;
use yanshi_domain::duty::solver::LpSolver;
use yanshi_domain::ids::{DutyPostId, TurnId, UserId};
use yanshi_domain::school::format_clock;
use yanshi_store::duty::{Generated, Turn};

/// One day of the week as shown: its posts, each with who is on it.
pub struct DayView {
    pub day: Date,
    pub weekday: &'static str,
    pub rows: Vec<RowView>,
}

pub struct RowView {
    pub post_id: String,
    pub place: String,
    pub hours: String,
    pub kind_key: &'static str,
    pub turns: Vec<Turn>,
}

#[derive(Template)]
#[template(path = "duty_roster.html")]
struct RosterPage {
    l: Layout,
    term: Option<String>,
    week: Date,
    prev: Date,
    next: Date,
    draft: bool,
    leads: bool,
    days: Vec<DayView>,
    generated: Option<Generated>,
    draft_changed: bool,
    published: bool,
    staff: Vec<(String, String)>,
    message: Option<(bool, String)>,
    today: Date,
    /// The reader, whose own turns stand out.
    me: UserId,
}

#[derive(Template)]
#[template(path = "duty_print.html")]
struct PrintPage {
    l: Layout,
    school: String,
    term: String,
    week: Date,
    days: Vec<DayView>,
}

#[derive(Deserialize, Default)]
pub struct WeekQuery {
    #[serde(default)]
    week: String,
    #[serde(default)]
    draft: String,
}

fn hours(t: &Turn) -> String {
    match (t.starts, t.ends) {
        (Some(s), Some(e)) => format!("{}–{}", format_clock(s), format_clock(e)),
        _ => String::new(),
    }
}

/// The week's days (Monday to Friday, and a 调休 weekend day with turns), each post with its turns.
async fn week_days(
    state: &AppState,
    me: &Me,
    week: Date,
    draft: bool,
    lang: Lang,
) -> AppResult<(Option<yanshi_store::terms::Term>, Vec<DayView>)> {
    let (school, _, term) = school_term(state, me).await?;
    let Some(term) = term else { return Ok((None, Vec::new())) };
    let posts = state.store.duty_posts(&school).await?;
    let turns = state
        .store
        .duty_turns(&term.id, draft, week, week + time::Duration::days(6))
        .await?;
    let t = Tr(lang);
    let mut days = Vec::new();
    for i in 0..7 {
        let day = week + time::Duration::days(i);
        let mine: Vec<&Turn> = turns.iter().filter(|x| x.day == day).collect();
        if i >= 5 && mine.is_empty() {
            continue;
        }
        let mut rows: Vec<RowView> = Vec::new();
        for p in posts
            .iter()
            .filter(|p| p.active || mine.iter().any(|x| x.post.as_ref() == Some(&p.id)))
        {
            let on: Vec<Turn> = mine
                .iter()
                .filter(|x| x.post.as_ref() == Some(&p.id))
                .map(|x| (*x).clone())
                .collect();
            let weekday = day.weekday().number_from_monday();
            if on.is_empty() && !(p.active && p.spec.weekdays.contains(&weekday)) {
                continue;
            }
            rows.push(RowView {
                post_id: p.id.to_string(),
                place: p.spec.name.clone(),
                hours: format!("{}–{}", format_clock(p.spec.starts), format_clock(p.spec.ends)),
                kind_key: p.spec.kind.key(),
                turns: on,
            });
        }
        // Care covers (代班 of a class's care) and generated care turns.
        for x in mine.iter().filter(|x| x.class.is_some()) {
            rows.push(RowView {
                post_id: String::new(),
                place: x.place.clone(),
                hours: hours(x),
                kind_key: x.kind.key(),
                turns: vec![(*x).clone()],
            });
        }
        rows.sort_by_key(|r| rank(r.kind_key));
        days.push(DayView {
            day,
            weekday: t.weekday(day.weekday().number_from_monday()),
            rows,
        });
    }
    Ok((Some(term), days))
}

/// The leader first, then where children are handed over and wait, then the hallways, then care.
fn rank(kind_key: &str) -> usize {
    [
        PostKind::Leader,
        PostKind::WaitingRoom,
        PostKind::Gate,
        PostKind::Hallway,
        PostKind::Care,
    ]
    .iter()
    .position(|k| k.key() == kind_key)
    .unwrap_or(9)
}

fn week_of(q: &WeekQuery, today: Date) -> Date {
    monday(parse_date(q.week.trim()).unwrap_or(today))
}

async fn roster_page(state: &AppState, lang: Lang, me: &Me, q: WeekQuery, message: Option<(bool, String)>) -> AppResult<Response> {
    let (school, today, _) = school_term(state, me).await?;
    let leads = leads(me, &school);
    let draft = leads && q.draft == "1";
    let week = week_of(&q, today);
    let (term, days) = week_days(state, me, week, draft, lang).await?;
    let (generated, draft_changed, published_at) = match &term {
        Some(t) if leads => state.store.roster_state(&t.id).await?,
        _ => (None, false, None),
    };
    let staff = if draft {
        state
            .store
            .users_of_school(Some(&school))
            .await?
            .into_iter()
            .filter(|u| !u.disabled && yanshi_domain::duty::post::DUTY_ROLES.contains(&u.role))
            .map(|u| (u.id.to_string(), u.display_name))
            .collect()
    } else {
        Vec::new()
    };
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status,
        RosterPage {
            l,
            term: term.map(|t| t.name),
            week,
            prev: week - time::Duration::days(7),
            next: week + time::Duration::days(7),
            draft,
            leads,
            days,
            generated,
            draft_changed,
            published: published_at.is_some(),
            staff,
            message,
            today,
            me: me.user.id.clone(),
        },
    )
}

pub async fn roster(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<WeekQuery>) -> AppResult<Response> {
    roster_page(&state, lang, &me, q, None).await
}

/// A store answer as the page's message, or the error it is.
fn said(result: Result<String, AppError>, lang: Lang) -> AppResult<(bool, String)> {
    match result {
        Ok(text) => Ok((true, text)),
        Err(AppError::Invalid(i)) => Ok((false, Tr(lang).get(i.key).to_string())),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    from: String,
}

/// 生成: fills the draft from a day on.
pub async fn generate(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<GenerateForm>) -> AppResult<Response> {
    let (_, today, term) = school_term(&state, &me).await?;
    let t = Tr(lang);
    let Some(term) = term else {
        return Err(AppError::Invalid(yanshi_domain::Invalid::new("term", "err-duty-no-term")));
    };
    let from = if f.from.trim().is_empty() {
        None
    } else {
        Some(parse_date(f.from.trim()).ok_or(AppError::Invalid(yanshi_domain::Invalid::new("from", "err-date")))?)
    };
    let done = state
        .store
        .generate_roster(&me.user, &term.id, from, &LpSolver::default(), state.clock.now())
        .await
        .map_err(AppError::from)
        .map(|g| {
            t.get("ui-duty-generated")
                .replace("{turns}", &g.turns.to_string())
                .replace("{short}", &g.short.len().to_string())
        });
    let message = said(done, lang)?;
    let week = from.unwrap_or(today).to_string();
    roster_page(&state, lang, &me, WeekQuery { week, draft: "1".into() }, Some(message)).await
}

/// 发布: the draft becomes the roster from today on; staff are told.
pub async fn publish(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let (_, _, term) = school_term(&state, &me).await?;
    let Some(term) = term else {
        return Err(AppError::Invalid(yanshi_domain::Invalid::new("term", "err-duty-no-term")));
    };
    let t = Tr(lang);
    let done = state
        .store
        .publish_roster(&me.user, &term.id, state.clock.now())
        .await
        .map_err(AppError::from)
        .map(|n| t.get("ui-duty-published").replace("{told}", &n.to_string()));
    let message = said(done, lang)?;
    roster_page(&state, lang, &me, WeekQuery::default(), Some(message)).await
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    post: String,
    #[serde(default)]
    person: String,
}

/// A leader places someone on a post in the draft.
pub async fn assign(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<AssignForm>) -> AppResult<Response> {
    let (_, _, term) = school_term(&state, &me).await?;
    let Some(term) = term else {
        return Err(AppError::Invalid(yanshi_domain::Invalid::new("term", "err-duty-no-term")));
    };
    let day = parse_date(f.day.trim()).ok_or(AppError::Invalid(yanshi_domain::Invalid::new("day", "err-date")))?;
    let post = DutyPostId::parse(f.post.trim()).ok_or(AppError::NotFound)?;
    let person = UserId::parse(f.person.trim()).ok_or(AppError::Invalid(yanshi_domain::Invalid::new("person", "err-duty-person")))?;
    let t = Tr(lang);
    let done = state
        .store
        .assign_duty_turn(&me.user, &term.id, day, &post, &person, state.clock.now())
        .await
        .map_err(AppError::from)
        .map(|_| t.get("ui-duty-assigned").to_string());
    let message = said(done, lang)?;
    roster_page(
        &state,
        lang,
        &me,
        WeekQuery {
            week: day.to_string(),
            draft: "1".into(),
        },
        Some(message),
    )
    .await
}

/// A leader takes a turn off the draft.
pub async fn unassign(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<TurnId>) -> AppResult<Response> {
    let (turn, ..) = state.store.duty_turn(&id).await?;
    let t = Tr(lang);
    let done = state
        .store
        .remove_duty_turn(&me.user, &id, state.clock.now())
        .await
        .map_err(AppError::from)
        .map(|_| t.get("ui-duty-unassigned").to_string());
    let message = said(done, lang)?;
    roster_page(
        &state,
        lang,
        &me,
        WeekQuery {
            week: turn.day.to_string(),
            draft: "1".into(),
        },
        Some(message),
    )
    .await
}

/// The week on one A4 page (教师值班表), the published roster.
pub async fn print(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<WeekQuery>) -> AppResult<Response> {
    let (school, today, _) = school_term(&state, &me).await?;
    let week = week_of(&q, today);
    let (term, days) = week_days(&state, &me, week, false, lang).await?;
    let school = state.store.school(&school).await?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        PrintPage {
            l,
            school: school.name,
            term: term.map(|t| t.name).unwrap_or_default(),
            week,
            days,
        },
    )
}

/// The week as .xlsx: one row per day and post, the people in one cell.
pub async fn export(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<WeekQuery>) -> AppResult<Response> {
    let (_, today, _) = school_term(&state, &me).await?;
    let week = week_of(&q, today);
    let (_, days) = week_days(&state, &me, week, false, lang).await?;
    let t = Tr(lang);
    let rows: Vec<Vec<String>> = days
        .iter()
        .flat_map(|d| {
            d.rows.iter().map(move |r| {
                vec![
                    d.day.to_string(),
                    d.weekday.to_string(),
                    t.get(r.kind_key).to_string(),
                    r.place.clone(),
                    r.hours.clone(),
                    r.turns.iter().map(|x| x.user_name.clone()).collect::<Vec<_>>().join("、"),
                ]
            })
        })
        .collect();
    let headers = [
        "ui-duty-col-day",
        "ui-duty-col-weekday",
        "ui-duty-col-kind",
        "ui-duty-col-post",
        "ui-duty-col-hours",
        "ui-duty-col-people",
    ]
    .map(|k| t.get(k));
    let bytes = yanshi_roster::write_table(t.get("ui-duty-roster"), &headers, &rows).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"duty-{week}.xlsx\"")),
        ],
        bytes,
    )
        .into_response())
}
