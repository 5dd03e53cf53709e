//! 纸质签退表 — the paper sign-out sheet for the day the network is down.

use super::{log_custody_limits, own_school_class};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::IdPath;
use crate::pages::page;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use time::Date;
use yanshi_domain::ids::ClassId;
use yanshi_domain::school::format_clock;
use yanshi_domain::school_time::local;
use yanshi_store::setup::ClassInfo;

/// 纸质签退表 — the A4 sign-out sheet for the day the network is down: the expected children
/// with their authorized adults (and who must never take them), lines to sign and time.
#[derive(Template)]
#[template(path = "afternoon_sheet.html")]
struct SheetPage {
    l: Layout,
    school: String,
    class: ClassInfo,
    day: Date,
    /// (number, child, latest pickup, adults with their level)
    rows: Vec<(usize, String, String, String)>,
}

pub async fn sheet(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let school = state.store.school(&class.school_id).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let children = state.store.class_day(&class.id, day).await?;
    log_custody_limits(&state, &me, &class, &children, "sheet").await?;
    let rows = children
        .into_iter()
        .filter(|c| c.expected)
        .enumerate()
        .map(|(i, c)| {
            let adults = c
                .adults
                .iter()
                .map(|a| format!("{}（{}）{}", a.name, a.relationship, lang.t(a.level.key())))
                .collect::<Vec<_>>()
                .join("；");
            (i + 1, c.student.name, format_clock(c.terms.latest_pickup), adults)
        })
        .collect();
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        SheetPage {
            l,
            school: school.name,
            class,
            day,
            rows,
        },
    )
}
