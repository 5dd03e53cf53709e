//! Accounts over the API: bearer tokens (issued against the sign-in limits, revoked), who I am,
//! my inbox, and a school's staff accounts and guardian invitations.

use super::{ApiJson, SchoolQuery, rfc3339};
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::admin::{NewStaffForm, new_staff};
use crate::pages::login::{CodeCheck, PasswordCheck, check_code, check_password};
use crate::pages::{ClientIp, resolve_school};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use yanshi_domain::account::Login;
use yanshi_domain::policy::Action;
use yanshi_store::{Actor, User};

#[derive(Serialize)]
pub struct UserOut {
    id: String,
    role: &'static str,
    display_name: String,
    username: Option<String>,
    phone: Option<String>,
    school_id: Option<String>,
    two_factor: bool,
    disabled: bool,
}

impl UserOut {
    /// `full_phone`: whether the reader may see the whole number (admins, the person themself).
    fn from(u: &User, full_phone: bool) -> Self {
        UserOut {
            id: u.id.to_string(),
            role: u.role.as_str(),
            display_name: u.display_name.clone(),
            username: u.username.clone(),
            phone: if full_phone { u.phone.clone() } else { u.masked_phone() },
            school_id: u.school_id.as_ref().map(ToString::to_string),
            two_factor: u.totp_enabled,
            disabled: u.disabled,
        }
    }
}

#[derive(Deserialize)]
pub struct TokenRequest {
    login: String,
    password: String,
    totp_code: Option<String>,
}

pub async fn create_token(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(r): ApiJson<TokenRequest>) -> AppResult<Response> {
    let login = Login::parse(&r.login)?;
    let user = match check_password(&state, &login, &r.password, &ip).await? {
        PasswordCheck::Ok(u) => *u,
        PasswordCheck::Wrong => return Err(AppError::Unauthenticated),
        PasswordCheck::Throttled => return Err(AppError::TooManyAttempts),
    };
    if user.totp_enabled {
        // No code is no guess: it is asked for, not counted.
        let Some(code) = r.totp_code.as_deref() else {
            return Err(AppError::Invalid(yanshi_domain::Invalid::new("totp_code", "err-code-wrong")));
        };
        match check_code(&state, &user, code, &ip).await? {
            CodeCheck::Ok => {}
            CodeCheck::Wrong => {
                return Err(AppError::Invalid(yanshi_domain::Invalid::new("totp_code", "err-code-wrong")));
            }
            CodeCheck::Throttled => return Err(AppError::TooManyAttempts),
        }
    } else if user.role.requires_two_factor() {
        // Set up in the browser first: an admin never holds a token without a second factor.
        return Err(AppError::Invalid(yanshi_domain::Invalid::new(
            "totp_code",
            "err-two-factor-required",
        )));
    }
    // Tokens live on real time, also in a rehearsal: one issued under a pretend clock in the
    // past would be born expired.
    let token = state
        .store
        .create_api_token(&user, state.clock.real_now(), state.config.api_token_ttl)
        .await?;
    let body = json!({
        "token": token.token,
        "token_type": "Bearer",
        "expires_at": rfc3339(token.expires_at),
        "user": UserOut::from(&user, true),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn revoke_token(State(state): State<AppState>, me: Me) -> AppResult<StatusCode> {
    let secret = me.bearer_secret.ok_or(AppError::BadRequest("err-bearer-only"))?;
    state.store.revoke_api_token(&secret).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(State(state): State<AppState>, me: Me) -> AppResult<Json<serde_json::Value>> {
    let school = match &me.user.school_id {
        Some(id) => Some(state.store.school(id).await?),
        None => None,
    };
    Ok(Json(
        json!({ "user": UserOut::from(&me.user, true), "school": school, "locale": me.user.locale }),
    ))
}

/// The inbox in the reader's language (each message is rendered as it is read).
pub async fn inbox(State(state): State<AppState>, lang: crate::i18n::Lang, me: Me) -> AppResult<Json<serde_json::Value>> {
    let mut items = state.store.inbox(&me.user.id, 100).await?;
    for i in &mut items {
        (i.title, i.body) = yanshi_i18n::shown(lang.into(), i.message.as_ref(), &i.title, &i.body);
    }
    Ok(Json(json!({ "items": items })))
}

pub async fn users(State(state): State<AppState>, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Json<serde_json::Value>> {
    let school = resolve_school(&me, q.school.as_deref(), Action::ManageStaffAccounts)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let users: Vec<UserOut> = state
        .store
        .users_of_school(Some(&school))
        .await?
        .iter()
        .filter(|u| u.role.is_staff())
        .map(|u| UserOut::from(u, true))
        .collect();
    Ok(Json(json!({ "users": users })))
}

pub async fn create_user(State(state): State<AppState>, me: Me, ApiJson(f): ApiJson<NewStaffForm>) -> AppResult<Response> {
    let school = resolve_school(&me, f.school.as_deref(), Action::ManageStaffAccounts)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let new = new_staff(&state, school, &f).await?;
    let user = state
        .store
        .create_user(&Actor::User(me.user.id.clone()), new, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "user": UserOut::from(&user, true) }))).into_response())
}

#[derive(Deserialize)]
pub struct NewInvitation {
    school: Option<String>,
    #[serde(default)]
    note: String,
}

pub async fn create_invitation(State(state): State<AppState>, me: Me, ApiJson(r): ApiJson<NewInvitation>) -> AppResult<Response> {
    let school = resolve_school(&me, r.school.as_deref(), Action::IssueGuardianInvitations)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let now = state.clock.now();
    let code = state
        .store
        .create_invitation(&Actor::User(me.user.id.clone()), &school, &r.note, now, state.config.invitation_ttl)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "code": code.grouped(), "expires_at": rfc3339(now + state.config.invitation_ttl) })),
    )
        .into_response())
}
