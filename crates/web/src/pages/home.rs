//! The home page of each role after sign-in, and the in-app inbox (站内消息).

use super::page;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use yanshi_domain::role::Role;
use yanshi_domain::school_time::{DEFAULT_TIME_ZONE, format_local};
use yanshi_store::InboxItem;

/// A card on the home page: a title, a line of text, and where it leads.
pub struct Card {
    pub title: &'static str,
    pub text: &'static str,
    pub href: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    greeting: &'static str,
    school_name: String,
    today: String,
    cards: Vec<Card>,
    school_count: usize,
}

pub async fn home(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let l = Layout::for_user(&state, lang, &me.user).await;
    let t = l.t;
    let (school_name, zone) = match &me.user.school_id {
        Some(id) => {
            let s = state.store.school(id).await?;
            (s.name, s.time_zone)
        }
        None => (t.get("ui-district").to_string(), DEFAULT_TIME_ZONE.to_string()),
    };
    let today = format_local(state.clock.now(), &zone)[..10].to_string();
    let card = |title, text, href| Card {
        title: t.get(title),
        text: t.get(text),
        href,
    };
    let (greeting, cards) = match me.user.role {
        Role::DistrictAdmin => ("ui-home-district", vec![card("ui-nav-district", "ui-card-district", "/district")]),
        Role::SchoolAdmin => (
            "ui-home-school-admin",
            vec![
                card("ui-nav-users", "ui-card-users", "/admin/users"),
                card("ui-nav-invitations", "ui-card-invitations", "/admin/invitations"),
                card("ui-nav-channels", "ui-card-channels", "/admin/channels"),
                card("ui-nav-audit", "ui-card-audit", "/admin/audit"),
            ],
        ),
        Role::GradeDirector => (
            "ui-home-grade-director",
            vec![card("ui-nav-invitations", "ui-card-invitations", "/admin/invitations")],
        ),
        Role::ClassTeacher => (
            "ui-home-class-teacher",
            vec![card("ui-nav-invitations", "ui-card-invitations", "/admin/invitations")],
        ),
        Role::Teacher => ("ui-home-teacher", vec![card("ui-nav-inbox", "ui-card-inbox", "/inbox")]),
        Role::Volunteer => ("ui-home-volunteer", vec![card("ui-nav-inbox", "ui-card-inbox", "/inbox")]),
        Role::Guardian => ("ui-home-guardian", vec![card("ui-nav-inbox", "ui-card-inbox", "/inbox")]),
    };
    let school_count = if me.user.role == Role::DistrictAdmin {
        state.store.schools().await?.len()
    } else {
        0
    };
    page(
        StatusCode::OK,
        HomePage {
            greeting: t.get(greeting),
            school_name,
            today,
            cards,
            school_count,
            l,
        },
    )
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    l: Layout,
    items: Vec<(InboxItem, String)>,
}

pub async fn inbox(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let items = state.store.inbox(&me.user.id, 100).await?;
    let zone = match &me.user.school_id {
        Some(id) => state.store.school(id).await?.time_zone,
        None => DEFAULT_TIME_ZONE.to_string(),
    };
    let items = items.into_iter().map(|i| {
        let at = format_local(i.created_at, &zone);
        (i, at)
    });
    let items: Vec<_> = items.collect();
    // Seen now: the badge counts what arrived since.
    state.store.mark_inbox_read(&me.user.id, state.clock.now()).await?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(StatusCode::OK, InboxPage { l, items })
}
