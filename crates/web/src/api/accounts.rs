//! Accounts over the API: bearer tokens (issued against the sign-in limits, revoked), who I am,
//! my inbox, and a school's staff accounts and guardian invitations.

use super::{ApiJson, ErrorBody, SchoolQuery, rfc3339};
use crate::api::district::SchoolOut;
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
use utoipa::ToSchema;
use yanshi_domain::account::Login;
use yanshi_domain::policy::Action;
use yanshi_store::{Actor, User};

/// An account as the API shows it.
#[derive(Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserOut {
    id: String,
    #[schema(value_type = RoleName)]
    role: &'static str,
    display_name: String,
    username: Option<String>,
    /// Masked (`138****0000`) unless the reader may see the whole number.
    phone: Option<String>,
    school_id: Option<String>,
    two_factor: bool,
    disabled: bool,
}

/// Every role's name.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RoleName {
    DistrictAdmin,
    SchoolAdmin,
    GradeDirector,
    ClassTeacher,
    Teacher,
    Volunteer,
    Guardian,
}

/// The roles a staff account may be given.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum StaffRoleName {
    SchoolAdmin,
    GradeDirector,
    ClassTeacher,
    Teacher,
    Volunteer,
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

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Username or phone.
    login: String,
    password: String,
    /// Required when two-factor sign-in is on.
    totp_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    expires_at: String,
    user: UserOut,
}

/// Sign in and get a bearer token.
#[utoipa::path(post, path = "/api/v1/tokens", operation_id = "create_token", tag = "accounts",
    request_body = TokenRequest,
    responses((status = 201, description = "a token", body = TokenCreated), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn create_token(State(state): State<AppState>, ClientIp(ip): ClientIp, ApiJson(r): ApiJson<TokenRequest>) -> AppResult<Response> {
    let login = Login::parse(&r.login)?;
    let user = match check_password(&state, &login, &r.password, &ip).await? {
        PasswordCheck::Ok(u) => *u,
        PasswordCheck::Wrong => return Err(AppError::Unauthenticated),
        PasswordCheck::Disabled => return Err(AppError::NotYours("err-account-disabled")),
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
    let body = TokenCreated {
        token: token.token,
        token_type: "Bearer",
        expires_at: rfc3339(token.expires_at),
        user: UserOut::from(&user, true),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Revoke the token in use.
#[utoipa::path(delete, path = "/api/v1/tokens/current", operation_id = "delete_token", tag = "accounts",
    security(("bearer" = [])),
    responses((status = 204, description = "revoked"), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn revoke_token(State(state): State<AppState>, me: Me) -> AppResult<StatusCode> {
    let secret = me.bearer_secret.ok_or(AppError::BadRequest("err-bearer-only"))?;
    state.store.revoke_api_token(&secret).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MeOut {
    user: UserOut,
    school: Option<SchoolOut>,
    locale: Option<String>,
}

/// The signed-in account and its school.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "get_me", tag = "accounts",
    security(("bearer" = [])),
    responses((status = 200, description = "who I am", body = MeOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, me: Me) -> AppResult<Json<MeOut>> {
    let school = match &me.user.school_id {
        Some(id) => Some(SchoolOut::from(state.store.school(id).await?)),
        None => None,
    };
    Ok(Json(MeOut {
        user: UserOut::from(&me.user, true),
        school,
        locale: me.user.locale.clone(),
    }))
}

/// One in-app message, in the reader's language.
#[derive(Serialize, ToSchema)]
pub struct InboxItemOut {
    id: String,
    title: String,
    body: String,
    created_at: String,
    read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct InboxOut {
    items: Vec<InboxItemOut>,
}

/// The inbox in the reader's language (each message is rendered as it is read).
#[utoipa::path(get, path = "/api/v1/inbox", operation_id = "list_inbox", tag = "accounts",
    summary = "The account's in-app messages", security(("bearer" = [])),
    responses((status = 200, description = "the newest 100", body = InboxOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn inbox(State(state): State<AppState>, lang: crate::i18n::Lang, me: Me) -> AppResult<Json<InboxOut>> {
    let items = state.store.inbox(&me.user.id, 100).await?;
    let items = items
        .into_iter()
        .map(|i| {
            let (title, body) = yanshi_i18n::shown(lang.into(), i.message.as_ref(), &i.title, &i.body);
            InboxItemOut {
                id: i.id,
                title,
                body,
                created_at: rfc3339(i.created_at),
                read: i.read,
            }
        })
        .collect();
    Ok(Json(InboxOut { items }))
}

#[derive(Serialize, ToSchema)]
pub struct UsersOut {
    users: Vec<UserOut>,
}

/// Staff accounts of a school.
#[utoipa::path(get, path = "/api/v1/users", operation_id = "list_users", tag = "accounts",
    params(SchoolQuery), security(("bearer" = [])),
    responses((status = 200, description = "the school's staff", body = UsersOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn users(State(state): State<AppState>, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Json<UsersOut>> {
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
    Ok(Json(UsersOut { users }))
}

/// A new staff account.
#[derive(Deserialize, ToSchema)]
pub struct NewUser {
    /// District admins only: the school's id.
    school: Option<String>,
    username: String,
    display_name: String,
    #[schema(value_type = StaffRoleName)]
    role: String,
    phone: Option<String>,
    #[schema(min_length = 8)]
    password: String,
}

impl From<NewUser> for NewStaffForm {
    fn from(u: NewUser) -> Self {
        NewStaffForm {
            school: u.school,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            phone: u.phone,
            password: u.password,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserCreated {
    user: UserOut,
}

/// Create a staff account.
#[utoipa::path(post, path = "/api/v1/users", operation_id = "create_user", tag = "accounts",
    request_body = NewUser, security(("bearer" = [])),
    responses((status = 201, description = "created", body = UserCreated), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn create_user(State(state): State<AppState>, me: Me, ApiJson(f): ApiJson<NewUser>) -> AppResult<Response> {
    let f = NewStaffForm::from(f);
    let school = resolve_school(&me, f.school.as_deref(), Action::ManageStaffAccounts)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let new = new_staff(&state, school, &f).await?;
    let user = state
        .store
        .create_user(&Actor::User(me.user.id.clone()), new, state.clock.now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UserCreated {
            user: UserOut::from(&user, true),
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct NewInvitation {
    /// District admins only: the school's id.
    school: Option<String>,
    #[serde(default)]
    #[schema(max_length = 80)]
    note: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationCreated {
    /// The code to hand to the guardian, grouped for reading aloud.
    code: String,
    expires_at: String,
}

/// Issue a guardian invitation code.
#[utoipa::path(post, path = "/api/v1/invitations", operation_id = "create_invitation", tag = "accounts",
    request_body = NewInvitation, security(("bearer" = [])),
    responses((status = 201, description = "issued", body = InvitationCreated), (status = "4XX", description = "refused", body = ErrorBody)))]

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
        Json(InvitationCreated {
            code: code.grouped(),
            expires_at: rfc3339(now + state.config.invitation_ttl),
        }),
    )
        .into_response())
}
