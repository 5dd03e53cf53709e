//! Signing in (登录) with a username or phone and a password, then a TOTP code where the
//! account has one; signing out; choosing the language.

use super::{AppForm, ClientIp, cookie_secure, page, safe_next, set_cookie};
use crate::error::{AppError, AppResult};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::identity::{Identity, SESSION_COOKIE};
use crate::layout::Layout;
use crate::limits;
use crate::state::AppState;
use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::atomic::Ordering;
use yanshi_domain::account::Login;
use yanshi_domain::{password, totp};
use yanshi_store::{SessionStage, User};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    login: String,
    next: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    lang: Lang,
    identity: Extension<Identity>,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if identity.signed_in().is_some() {
        return Ok(Redirect::to("/home").into_response());
    }
    page(
        StatusCode::OK,
        LoginPage {
            l: Layout::bare(lang, state.config.demo),
            login: String::new(),
            next: safe_next(q.next.as_deref()),
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// What checking a password against the throttle and the account came to.
pub enum PasswordCheck {
    Ok(Box<User>),
    Wrong,
    /// The password was right, but the account is disabled: said only after the password was
    /// verified, so a guess learns nothing about the account, and counted like a failure.
    Disabled,
    Throttled,
}

/// The one place a password is checked, for pages and the API alike. The attempt is counted
/// before the hash runs (see [`limits`]); a right password forgives it and this address's
/// earlier failures for the account, never the two-factor count. Unknown accounts are checked
/// against a decoy hash, so they take as long.
pub async fn check_password(state: &AppState, login: &Login, typed: &str, ip: &str) -> AppResult<PasswordCheck> {
    let Some(attempt) = limits::begin(state, &limits::sign_in(state, login, ip)).await? else {
        return Ok(PasswordCheck::Throttled);
    };
    let user = state.store.user_by_login(login).await?;
    let stored = match &user {
        Some(u) => state.store.credentials(&u.id).await?.password_hash,
        None => password::DECOY_HASH.to_string(),
    };
    let matches = state.verify_password(stored, typed.to_string()).await?;
    match user {
        Some(u) if matches && !u.disabled => {
            state.store.forgive_attempt(attempt).await?;
            state.store.clear_attempts(&limits::account_at_ip(login, ip)).await?;
            Ok(PasswordCheck::Ok(Box::new(u)))
        }
        Some(_) if matches => {
            state.metrics.sign_in_failures.fetch_add(1, Ordering::Relaxed);
            Ok(PasswordCheck::Disabled)
        }
        _ => {
            state.metrics.sign_in_failures.fetch_add(1, Ordering::Relaxed);
            Ok(PasswordCheck::Wrong)
        }
    }
}

/// What checking a two-factor code came to.
pub enum CodeCheck {
    Ok,
    Wrong,
    Throttled,
}

/// The one place a two-factor code is checked at sign-in, for the page and the API alike:
/// one limit per account (and per address) that only a right code forgives.
pub async fn check_code(state: &AppState, user: &User, code: &str, ip: &str) -> AppResult<CodeCheck> {
    let Some(attempt) = limits::begin(state, &limits::two_factor(state, &user.id, ip)).await? else {
        return Ok(CodeCheck::Throttled);
    };
    if verify_code(state, user, code).await? {
        state.store.forgive_attempt(attempt).await?;
        state.store.clear_attempts(&limits::two_factor_key(&user.id)).await?;
        Ok(CodeCheck::Ok)
    } else {
        state.metrics.sign_in_failures.fetch_add(1, Ordering::Relaxed);
        Ok(CodeCheck::Wrong)
    }
}

pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    AppForm(f): AppForm<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(f.next.as_deref());
    let again = |status, error| {
        page(
            status,
            LoginPage {
                l: Layout::bare(lang, state.config.demo),
                login: f.login.chars().take(64).collect(),
                next: next.clone(),
                error: Some(error),
            },
        )
    };
    let login = match Login::parse(&f.login) {
        Ok(l) => l,
        Err(e) => return again(StatusCode::UNPROCESSABLE_ENTITY, e.key),
    };
    if f.password.len() > 1024 {
        return again(StatusCode::UNPROCESSABLE_ENTITY, "err-password-long");
    }
    let user = match check_password(&state, &login, &f.password, &ip).await? {
        PasswordCheck::Ok(u) => *u,
        PasswordCheck::Wrong => return again(StatusCode::UNAUTHORIZED, "err-sign-in-failed"),
        PasswordCheck::Disabled => return again(StatusCode::FORBIDDEN, "err-account-disabled"),
        PasswordCheck::Throttled => {
            return again(StatusCode::TOO_MANY_REQUESTS, "err-too-many-attempts");
        }
    };
    let stage = if user.totp_enabled {
        SessionStage::SecondFactor
    } else if user.role.requires_two_factor() {
        SessionStage::EnrolSecondFactor
    } else {
        SessionStage::Full
    };
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let secret = state
        .store
        .start_session(&user, stage, ua, state.clock.real_now(), state.config.session)
        .await?;
    let to = match stage {
        SessionStage::Full => next,
        SessionStage::SecondFactor => "/login/two-factor".to_string(),
        SessionStage::EnrolSecondFactor => "/account/two-factor".to_string(),
    };
    Ok(signed_in_response(&state, &headers, &user, &secret, &to))
}

/// Sets the session cookie (and the account's language) and goes on to `to`.
pub fn signed_in_response(state: &AppState, headers: &HeaderMap, user: &User, secret: &str, to: &str) -> Response {
    let secure = cookie_secure(state, headers);
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, secret, true, secure, None));
    if let Some(lang) = user.locale.as_deref().and_then(Lang::parse) {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LANG_COOKIE, lang.code(), false, secure, Some(31_536_000)),
        );
    }
    resp
}

#[derive(Template)]
#[template(path = "two_factor.html")]
struct TwoFactorPage {
    l: Layout,
    error: Option<&'static str>,
}

pub async fn two_factor_form(State(state): State<AppState>, lang: Lang) -> AppResult<Response> {
    page(
        StatusCode::OK,
        TwoFactorPage {
            l: Layout::bare(lang, state.config.demo),
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

pub async fn two_factor_submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    identity: Extension<Identity>,
    AppForm(f): AppForm<CodeForm>,
) -> AppResult<Response> {
    let Identity::Session { user, secret, .. } = &*identity else {
        return Err(AppError::Unauthenticated);
    };
    let again = |status, error| {
        page(
            status,
            TwoFactorPage {
                l: Layout::bare(lang, state.config.demo),
                error: Some(error),
            },
        )
    };
    match check_code(&state, user, &f.code, &ip).await? {
        CodeCheck::Ok => {}
        CodeCheck::Wrong => return again(StatusCode::UNAUTHORIZED, "err-code-wrong"),
        CodeCheck::Throttled => return again(StatusCode::TOO_MANY_REQUESTS, "err-too-many-attempts"),
    }
    let fresh = state
        .store
        .complete_sign_in(
            secret,
            user,
            headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or(""),
            state.clock.real_now(),
            state.config.session,
        )
        .await?;
    Ok(signed_in_response(&state, &headers, user, &fresh, "/home"))
}

/// Checks a TOTP code for an account with two-factor on, and spends its time step.
async fn verify_code(state: &AppState, user: &User, code: &str) -> AppResult<bool> {
    let credentials = state.store.credentials(&user.id).await?;
    let Some(secret) = credentials.totp_secret.as_deref().and_then(totp::base32_decode) else {
        return Ok(false);
    };
    match totp::verify(&secret, code, state.clock.real_now(), credentials.totp_last_step) {
        Some(step) => Ok(state.store.use_totp_step(&user.id, step).await?),
        None => Ok(false),
    }
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap, identity: Extension<Identity>) -> AppResult<Response> {
    if let Identity::Session { user, secret, .. } = &*identity {
        state.store.end_session(secret, user, state.clock.real_now()).await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", true, cookie_secure(&state, &headers), Some(0)),
    );
    Ok(resp)
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Switches the language: a cookie for everyone, and the account's own setting when signed in.
pub async fn set_lang(
    State(state): State<AppState>,
    headers: HeaderMap,
    identity: Extension<Identity>,
    AppForm(f): AppForm<LangForm>,
) -> AppResult<Response> {
    let lang = Lang::parse(&f.lang).ok_or(AppError::BadRequest("err-bad-form"))?;
    if let Some(user) = identity.signed_in() {
        state.store.set_locale(&user.id, lang.code()).await?;
    }
    // Without `next`, go back to the page the switch was pressed on (same-origin Referer).
    let referer_path = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()));
    let next = safe_next(f.next.as_deref().or(referer_path.as_deref()));
    let mut resp = Redirect::to(&next).into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, lang.code(), false, cookie_secure(&state, &headers), Some(31_536_000)),
    );
    Ok(resp)
}
