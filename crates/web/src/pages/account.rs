//! One's own account (我的账号): password and two-factor sign-in.

use super::login::{PasswordCheck, check_password, signed_in_response};
use super::{AppForm, ClientIp, page};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::{Identity, Me};
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yanshi_domain::account::{Login, NewPassword, PhoneNumber, Username};
use yanshi_domain::totp;
use yanshi_store::{Actor, SessionStage, User};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    user: User,
    school_name: String,
    masked_phone: String,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

async fn account_page(
    state: &AppState,
    lang: Lang,
    user: User,
    status: StatusCode,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let school_name = match &user.school_id {
        Some(id) => state.store.school(id).await?.name,
        None => lang.t("ui-district").to_string(),
    };
    let l = Layout::for_user(state, lang, &user).await;
    let masked_phone = user.masked_phone().unwrap_or_default();
    page(
        status,
        AccountPage {
            l,
            user,
            school_name,
            masked_phone,
            message,
            error,
        },
    )
}

pub async fn show(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    account_page(&state, lang, me.user, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    new_again: String,
}

/// Changing the password ends every other session of the account; this one starts afresh.
pub async fn change_password(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    me: Me,
    AppForm(f): AppForm<PasswordForm>,
) -> AppResult<Response> {
    let fail = |key| account_page(&state, lang, me.user.clone(), StatusCode::UNPROCESSABLE_ENTITY, None, Some(key));
    let new = match NewPassword::parse(&f.new) {
        Ok(p) => p,
        Err(e) => return fail(e.key).await,
    };
    if f.new != f.new_again {
        return fail("err-password-mismatch").await;
    }
    let login = match (&me.user.username, &me.user.phone) {
        (Some(u), _) => Login::Username(Username::parse(u)?),
        (None, Some(p)) => Login::Phone(PhoneNumber::parse(p)?),
        _ => return Err(AppError::Internal("an account without a login".into())),
    };
    match check_password(&state, &login, &f.current, &ip).await? {
        PasswordCheck::Ok(_) => {}
        PasswordCheck::Wrong => return fail("err-current-password").await,
        PasswordCheck::Disabled => return fail("err-account-disabled").await,
        PasswordCheck::Throttled => return fail("err-too-many-attempts").await,
    }
    let hash = state.hash_password(new).await?;
    let now = state.clock.now();
    state
        .store
        .set_password(&Actor::User(me.user.id.clone()), &me.user.id, hash, now)
        .await?;
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let secret = state
        .store
        .start_session(&me.user, SessionStage::Full, ua, state.clock.real_now(), state.config.session)
        .await?;
    Ok(signed_in_response(&state, &headers, &me.user, &secret, "/account"))
}

#[derive(Template)]
#[template(path = "enrol_two_factor.html")]
struct EnrolPage {
    l: Layout,
    enabled: bool,
    required: bool,
    secret: String,
    uri: String,
    qr_svg: String,
    error: Option<&'static str>,
}

fn session_user(identity: &Identity) -> AppResult<(&User, &str, SessionStage)> {
    match identity {
        Identity::Session { user, secret, stage } => Ok((user, secret, *stage)),
        _ => Err(AppError::Unauthenticated),
    }
}

async fn enrol_page(
    state: &AppState,
    lang: Lang,
    user: &User,
    stage: SessionStage,
    status: StatusCode,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = if stage == SessionStage::Full {
        Layout::for_user(state, lang, user).await
    } else {
        Layout::bare(lang, state.config.demo)
    };
    if user.totp_enabled {
        return page(
            status,
            EnrolPage {
                l,
                enabled: true,
                required: false,
                secret: String::new(),
                uri: String::new(),
                qr_svg: String::new(),
                error,
            },
        );
    }
    // Keep a pending secret across reloads, so a half-done set-up on the phone still matches.
    let secret_b32 = match state.store.credentials(&user.id).await?.totp_secret {
        Some(s) => s.clone(),
        None => {
            let mut raw = [0u8; 20];
            getrandom::fill(&mut raw).map_err(|e| AppError::Internal(e.to_string()))?;
            let s = totp::base32_encode(&raw);
            state.store.begin_totp_enrolment(&user.id, &s).await?;
            s
        }
    };
    let raw = totp::base32_decode(&secret_b32).unwrap_or_default();
    let account = user.username.clone().or_else(|| user.phone.clone()).unwrap_or_default();
    let uri = totp::otpauth_uri("yanshi", &account, &raw);
    let qr_svg = qrcode::QrCode::new(uri.as_bytes())
        .map(|c| c.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
        .unwrap_or_default();
    let grouped = secret_b32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    page(
        status,
        EnrolPage {
            l,
            enabled: false,
            required: user.role.requires_two_factor(),
            secret: grouped,
            uri,
            qr_svg,
            error,
        },
    )
}

pub async fn two_factor_form(State(state): State<AppState>, lang: Lang, identity: Extension<Identity>) -> AppResult<Response> {
    let (user, _, stage) = session_user(&identity)?;
    enrol_page(&state, lang, user, stage, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

pub async fn two_factor_enable(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    identity: Extension<Identity>,
    AppForm(f): AppForm<CodeForm>,
) -> AppResult<Response> {
    let (user, secret, stage) = session_user(&identity)?;
    let user = state.store.user(&user.id).await?;
    if user.totp_enabled {
        return Ok(Redirect::to("/account").into_response());
    }
    let now = state.clock.real_now();
    let Some(raw) = state
        .store
        .credentials(&user.id)
        .await?
        .totp_secret
        .as_deref()
        .and_then(totp::base32_decode)
    else {
        return enrol_page(&state, lang, &user, stage, StatusCode::UNPROCESSABLE_ENTITY, Some("err-code-wrong")).await;
    };
    let Some(step) = totp::verify(&raw, &f.code, now, None) else {
        return enrol_page(&state, lang, &user, stage, StatusCode::UNPROCESSABLE_ENTITY, Some("err-code-wrong")).await;
    };
    state.store.enable_totp(&Actor::User(user.id.clone()), &user, step, now).await?;
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let fresh = state.store.complete_sign_in(secret, &user, ua, now, state.config.session).await?;
    Ok(signed_in_response(&state, &headers, &user, &fresh, "/home"))
}
