//! A guardian creates their own account (家长注册) with the invitation code from the school.

use super::login::signed_in_response;
use super::{AppForm, page};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use yanshi_domain::account::{DisplayName, InvitationCode, NewPassword, PhoneNumber};
use yanshi_domain::{Invalid, password};
use yanshi_store::{SessionStage, StoreError};

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    l: Layout,
    code: String,
    name: String,
    phone: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

pub async fn form(State(state): State<AppState>, lang: Lang, Query(q): Query<CodeQuery>) -> AppResult<Response> {
    let code = q.code.unwrap_or_default().chars().take(20).collect();
    page(
        StatusCode::OK,
        RegisterPage {
            l: Layout::bare(lang, state.config.demo),
            code,
            name: String::new(),
            phone: String::new(),
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct RegisterForm {
    code: String,
    name: String,
    phone: String,
    password: String,
    password_again: String,
    agree: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    AppForm(f): AppForm<RegisterForm>,
) -> AppResult<Response> {
    let parsed = (|| -> Result<_, Invalid> {
        let code = InvitationCode::parse(&f.code)?;
        let name = DisplayName::parse(&f.name)?;
        let phone = PhoneNumber::parse(&f.phone)?;
        let pw = NewPassword::parse(&f.password)?;
        if f.password != f.password_again {
            return Err(Invalid::new("password_again", "err-password-mismatch"));
        }
        if f.agree.is_none() {
            return Err(Invalid::new("agree", "err-must-agree"));
        }
        Ok((code, name, phone, pw))
    })();
    let again = |error: &'static str| {
        page(
            StatusCode::UNPROCESSABLE_ENTITY,
            RegisterPage {
                l: Layout::bare(lang, state.config.demo),
                code: f.code.chars().take(20).collect(),
                name: f.name.chars().take(40).collect(),
                phone: f.phone.chars().take(20).collect(),
                error: Some(error),
            },
        )
    };
    let (code, name, phone, pw) = match parsed {
        Ok(p) => p,
        Err(e) => return again(e.key),
    };
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let now = state.clock.now();
    let user = match state.store.redeem_invitation(&code, name, phone, hash, now).await {
        Ok(u) => u,
        Err(StoreError::Invalid(i)) => return again(i.key),
        Err(e) => return Err(e.into()),
    };
    state.outbox.notify_one();
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let secret = state
        .store
        .start_session(&user, SessionStage::Full, ua, state.clock.real_now(), state.config.session)
        .await?;
    Ok(signed_in_response(&state, &headers, &user, &secret, "/home"))
}
