//! 接送码 — a personal pickup code for one of a child's adults, shown once with its QR code;
//! the adult shows it at the door (see `handover`).

use crate::error::{AppError, AppResult};
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
use yanshi_domain::ids::{PickupAdultId, StudentId};

/// A new personal pickup code for one of a child's adults, shown once with its QR code.
pub async fn issue(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath((student, adult)): IdPath<(StudentId, PickupAdultId)>,
) -> AppResult<Response> {
    let student = state.store.student(&student).await?;
    let name = state
        .store
        .pickup_adults(&student.id)
        .await?
        .into_iter()
        .find(|a| a.id == adult)
        .map(|a| format!("{}（{}）", a.name, a.relationship))
        .ok_or(AppError::NotFound)?;
    let code = match state.store.issue_pickup_code(&me.user, &student, &adult, state.clock.now()).await {
        Ok(c) => c,
        Err(e) => {
            return Err(match AppError::from(e) {
                AppError::Invalid(_) | AppError::NotYours(_) => AppError::Forbidden,
                other => other,
            });
        }
    };
    let qr_svg = qrcode::QrCode::new(code.as_str().as_bytes())
        .map(|c| c.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
        .unwrap_or_default();
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        CodePage {
            l,
            student: student.name,
            adult: name,
            code: code.grouped(),
            qr_svg,
        },
    )
}

#[derive(Template)]
#[template(path = "pickup_code.html")]
struct CodePage {
    l: Layout,
    student: String,
    adult: String,
    code: String,
    qr_svg: String,
}
