//! A volunteer's own page: their assignments ahead (the plans that name them, their roster
//! turns), the first names of the group they help with — nothing else about a child — their
//! hours and their certificates to print.

use super::certificate::issued_page;
use super::{range_start, school_today, service_words};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::{IdPath, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use yanshi_domain::ids::CertificateId;
use yanshi_domain::volunteer::{hours, served_days, total_minutes};
use yanshi_store::volunteers::Assignments;

#[derive(Template)]
#[template(path = "volunteer_self.html")]
struct OwnPage {
    l: Layout,
    /// (term, weekday, class, content, teacher, first names)
    plans: Vec<(String, &'static str, String, String, String, String)>,
    /// (day, place, hours, first names)
    turns: Vec<(String, String, String, String)>,
    from: String,
    today: String,
    total: String,
    service: Vec<(String, String, String)>,
    /// (id, number, range, hours)
    certificates: Vec<(String, i64, String, String)>,
}

pub async fn own(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let school = me.user.school_id.clone().ok_or(AppError::Forbidden)?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    let t = l.t;
    let today = school_today(&state, &school).await?;
    let Assignments { plans, turns } = state.store.volunteer_assignments(&me.user, today).await?;
    let names = |g: &[String]| g.join("、");
    let plans = plans
        .iter()
        .map(|p| {
            (
                p.term.clone(),
                t.weekday(p.weekday),
                p.class.clone(),
                p.content.clone(),
                p.teacher.clone().unwrap_or_default(),
                names(&p.group),
            )
        })
        .collect();
    let turns = turns
        .iter()
        .map(|x| {
            let when = if x.starts.is_empty() {
                String::new()
            } else {
                format!("{}–{}", x.starts, x.ends)
            };
            (x.day.to_string(), x.place.clone(), when, names(&x.group))
        })
        .collect();
    let from = range_start(&state, &school, today).await?;
    let lines = state.store.volunteer_service(&school, &me.user.id, from, today).await?;
    let total = hours(total_minutes(&served_days(lines.iter().map(|l| (l.day, l.minutes)))));
    let service = lines
        .iter()
        .map(|s| (s.day.to_string(), service_words(t, &s.source), hours(s.minutes)))
        .collect();
    let certificates = state
        .store
        .volunteer_certificates(&me.user.id)
        .await?
        .into_iter()
        .map(|c| (c.id.to_string(), c.number, format!("{} – {}", c.from, c.to), hours(c.minutes)))
        .collect();
    page(
        StatusCode::OK,
        OwnPage {
            l,
            plans,
            turns,
            from: from.to_string(),
            today: today.to_string(),
            total,
            service,
            certificates,
        },
    )
}

/// One of the volunteer's own certificates, to print; anyone else's is not found.
pub async fn certificate(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<CertificateId>) -> AppResult<Response> {
    let c = state.store.volunteer_certificate(&id).await?;
    if c.user_id != me.user.id {
        return Err(AppError::NotFound);
    }
    issued_page(&state, lang, &me, c, "/volunteer".into()).await
}
