//! 看板 — the live board: one card per class taking part today, redrawn by a server-sent-event
//! stream whenever the school's records change, on any instance.

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
use yanshi_domain::school_time::local;
use yanshi_store::afternoon::BoardRow;

/// The live board (看板): one card per class taking part today, redrawn by the stream.
#[derive(Template)]
#[template(path = "afternoon_board.html")]
struct BoardPage {
    l: Layout,
    /// For the included cards template.
    t: crate::i18n::Tr,
    day: Date,
    rows: Vec<BoardRow>,
    incidents: usize,
}

/// The cards alone, as the stream sends them.
#[derive(Template)]
#[template(path = "afternoon_board_rows.html")]
struct BoardRows {
    t: crate::i18n::Tr,
    rows: Vec<BoardRow>,
    incidents: usize,
}

async fn board_now(state: &AppState, school: &yanshi_domain::ids::SchoolId) -> AppResult<(Date, Vec<BoardRow>, usize)> {
    let school = state.store.school(school).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let rows = state.store.board(&school.id, day).await?;
    // Children refused at the door count as incidents too (the leaders' page says how often).
    let incidents = state.store.incidents(&school.id, day).await?.len() + state.store.refusal_alerts(&school.id, day).await?.len();
    Ok((day, rows, incidents))
}

pub async fn board(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let (day, rows, incidents) = board_now(&state, &school).await?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        BoardPage {
            l,
            t: crate::i18n::Tr(lang),
            day,
            rows,
            incidents,
        },
    )
}

/// Server-sent events: the board's cards whenever the school's records change — on this
/// instance or another (the change sequence lives in the database), checked twice a second.
pub async fn events(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    use axum::response::IntoResponse;
    use axum::response::sse::{Event, KeepAlive, Sse};
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let until = tokio::time::Instant::now() + state.config.board_stream_for;
    let stream = futures_util::stream::unfold((state, school, None::<i64>), move |(state, school, last)| async move {
        loop {
            let seq = state.store.school_change_seq(&school).await.ok()?;
            if last != Some(seq) {
                let (_, rows, incidents) = board_now(&state, &school).await.ok()?;
                let html = BoardRows {
                    t: crate::i18n::Tr(lang),
                    rows,
                    incidents,
                }
                .render()
                .ok()?;
                let event = Event::default().event("board").data(html);
                return Some((Ok::<_, std::convert::Infallible>(event), (state, school, Some(seq))));
            }
            if tokio::time::Instant::now() >= until {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}
