//! A guardian creates their own account (家长注册) with the invitation code from the school.

use super::login::signed_in_response;
use super::{AppForm, ClientIp, page};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::layout::Layout;
use crate::limits;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use yanshi_domain::Invalid;
use yanshi_domain::account::{DisplayName, InvitationCode, NewPassword, PhoneNumber};
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

/// Signing up: the form is read, then the attempt is counted (per address and per code) and
/// the code checked against the school's record, all before the slow password hash, so a
/// stranger with made-up codes costs the server nothing. Only an unknown code or a phone the
/// school does not have counts as a failure.
pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
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
    let again = |status: StatusCode, error: &'static str| {
        page(
            status,
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
        Err(e) => return again(StatusCode::UNPROCESSABLE_ENTITY, e.key),
    };
    let Some(attempt) = limits::begin(&state, &limits::registration(&state, &code, &ip)).await? else {
        return again(StatusCode::TOO_MANY_REQUESTS, "err-too-many-attempts");
    };
    // The invitation runs on the school's clock, as it was issued.
    let now = state.clock.now();
    let redeemed = match state.store.check_invitation(&code, &phone, now).await {
        Ok(()) => {
            let hash = state.hash_password(pw).await?;
            state.store.redeem_invitation(&code, name, phone, hash, now).await
        }
        Err(e) => Err(e),
    };
    let user = match redeemed {
        Ok(u) => u,
        Err(StoreError::Invalid(i)) => {
            if !is_a_guess(i.key) {
                state.store.forgive_attempt(attempt).await?;
            }
            return again(StatusCode::UNPROCESSABLE_ENTITY, i.key);
        }
        Err(e) => {
            state.store.forgive_attempt(attempt).await?;
            return Err(e.into());
        }
    };
    state.store.forgive_attempt(attempt).await?;
    state.outbox.notify_one();
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let secret = state
        .store
        .start_session(&user, SessionStage::Full, ua, state.clock.real_now(), state.config.session)
        .await?;
    Ok(signed_in_response(&state, &headers, &user, &secret, "/home"))
}

/// The refusals a stranger guessing codes or phones meets, and a guardian does not (a phone
/// that already has an account, say, is no guess).
fn is_a_guess(key: &str) -> bool {
    matches!(key, "err-invitation-invalid" | "err-invitation-phone")
}
