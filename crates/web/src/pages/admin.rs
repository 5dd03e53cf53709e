//! The school's administration pages: staff accounts, guardian invitations, notification
//! channels (the audit log is in audit.rs).

use super::IdPath;
use super::{AppForm, page, resolve_school};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::{Layout, role_key};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yanshi_domain::Invalid;
use yanshi_domain::account::{DisplayName, NewPassword, PhoneNumber, Username};
use yanshi_domain::ids::{SchoolId, UserId};
use yanshi_domain::policy::Action;
use yanshi_domain::role::Role;
use yanshi_domain::school_time::format_local;
use yanshi_store::invitations::Invitation;
use yanshi_store::{Actor, Channel, ChannelKind, NewChannel, NewUser, Notice, School, StoreError};

#[derive(Deserialize, Default)]
pub struct SchoolQuery {
    school: Option<String>,
}

/// The roles a school admin may give a staff account.
pub const STAFF_ROLES: [Role; 5] = [
    Role::SchoolAdmin,
    Role::GradeDirector,
    Role::ClassTeacher,
    Role::Teacher,
    Role::Volunteer,
];

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub login: String,
    pub role: &'static str,
    pub phone: String,
    pub disabled: bool,
    /// 确定停用 王老师（班主任）的账号吗？…
    pub confirm: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    l: Layout,
    school: Option<School>,
    schools: Vec<School>,
    rows: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    error: Option<&'static str>,
    created: Option<String>,
}

async fn users_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    school: Option<SchoolId>,
    status: StatusCode,
    error: Option<&'static str>,
    created: Option<String>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let t = l.t;
    let Some(school_id) = school else {
        let schools = state.store.schools().await?;
        return page(
            status,
            UsersPage {
                l,
                school: None,
                schools,
                rows: vec![],
                roles: vec![],
                error,
                created,
            },
        );
    };
    let school = state.store.school(&school_id).await?;
    let rows = state
        .store
        .users_of_school(Some(&school_id))
        .await?
        .into_iter()
        .filter(|u| u.role.is_staff())
        .map(|u| UserRow {
            confirm: super::staff::deactivate_confirmation(&l, &u.display_name, Some(u.role), true),
            id: u.id.to_string(),
            login: u.username.clone().unwrap_or_default(),
            role: t.get(role_key(u.role)),
            // Admins manage accounts: they see the whole number.
            phone: u.phone.clone().unwrap_or_default(),
            disabled: u.disabled,
            name: u.display_name,
        })
        .collect();
    let roles = STAFF_ROLES.iter().map(|r| (r.as_str(), t.get(role_key(*r)))).collect();
    page(
        status,
        UsersPage {
            l,
            school: Some(school),
            schools: vec![],
            rows,
            roles,
            error,
            created,
        },
    )
}

pub async fn users(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    let school = resolve_school(&me, q.school.as_deref(), Action::ManageStaffAccounts)?;
    users_page(&state, lang, &me, school, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct NewStaffForm {
    pub school: Option<String>,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub phone: Option<String>,
    pub password: String,
}

/// Checks a new staff account's fields and hashes its password.
pub async fn new_staff(state: &AppState, school: SchoolId, f: &NewStaffForm) -> AppResult<NewUser> {
    let role = Role::parse(&f.role)
        .filter(|r| STAFF_ROLES.contains(r))
        .ok_or(Invalid::new("role", "err-role"))?;
    let username = Username::parse(&f.username)?;
    let display_name = DisplayName::parse(&f.display_name)?;
    let phone = match f.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(PhoneNumber::parse(p)?),
        None => None,
    };
    let pw = NewPassword::parse(&f.password)?;
    let password_hash = state.hash_password(pw).await?;
    Ok(NewUser {
        school_id: Some(school),
        role,
        username: Some(username),
        phone,
        display_name,
        password_hash,
    })
}

pub async fn create_user(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<NewStaffForm>) -> AppResult<Response> {
    let school = resolve_school(&me, f.school.as_deref(), Action::ManageStaffAccounts)?.ok_or(AppError::NotFound)?;
    let result = match new_staff(&state, school.clone(), &f).await {
        Ok(new) => state
            .store
            .create_user(&Actor::User(me.user.id.clone()), new, state.clock.now())
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(u) => users_page(&state, lang, &me, Some(school), StatusCode::OK, None, Some(u.display_name)).await,
        Err(AppError::Invalid(i)) => users_page(&state, lang, &me, Some(school), StatusCode::UNPROCESSABLE_ENTITY, Some(i.key), None).await,
        Err(e) => Err(e),
    }
}

pub async fn disable_user(State(state): State<AppState>, me: Me, IdPath(id): IdPath<UserId>) -> AppResult<Response> {
    let target = state.store.user(&id).await?;
    // Only within a school the admin may manage, and never oneself (no locking out the last admin by accident).
    let school = target.school_id.clone().ok_or(AppError::Forbidden)?;
    resolve_school(&me, Some(school.as_str()), Action::ManageStaffAccounts)?;
    if target.id == me.user.id {
        return Err(AppError::Invalid(Invalid::new("user", "err-disable-self")));
    }
    state
        .store
        .disable_user(&Actor::User(me.user.id.clone()), &id, state.clock.now())
        .await?;
    let back = if me.principal.school_id.is_some() {
        "/admin/users".to_string()
    } else {
        format!("/admin/users?school={school}")
    };
    Ok(Redirect::to(&back).into_response())
}

/// 重新启用: a disabled account of a school the admin manages can sign in again.
pub async fn enable_user(State(state): State<AppState>, me: Me, IdPath(id): IdPath<UserId>) -> AppResult<Response> {
    let target = state.store.user(&id).await?;
    let school = target.school_id.clone().ok_or(AppError::Forbidden)?;
    resolve_school(&me, Some(school.as_str()), Action::ManageStaffAccounts)?;
    state
        .store
        .enable_user(&Actor::User(me.user.id.clone()), &id, state.clock.now())
        .await?;
    let back = if me.principal.school_id.is_some() {
        "/admin/users".to_string()
    } else {
        format!("/admin/users?school={school}")
    };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "invitations.html")]
struct InvitationsPage {
    l: Layout,
    school: Option<School>,
    schools: Vec<School>,
    issued: Option<(String, String)>,
    invitations: Vec<(Invitation, String, String)>,
    error: Option<&'static str>,
}

async fn invitations_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    school: Option<SchoolId>,
    status: StatusCode,
    issued: Option<(String, String)>,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let Some(school_id) = school else {
        let schools = state.store.schools().await?;
        return page(
            status,
            InvitationsPage {
                l,
                school: None,
                schools,
                issued,
                invitations: vec![],
                error,
            },
        );
    };
    let school = state.store.school(&school_id).await?;
    let invitations = state
        .store
        .invitations(&school_id, 100)
        .await?
        .into_iter()
        .map(|i| {
            let (c, e) = (
                format_local(i.created_at, &school.time_zone),
                format_local(i.expires_at, &school.time_zone),
            );
            (i, c, e)
        })
        .collect();
    page(
        status,
        InvitationsPage {
            l,
            school: Some(school),
            schools: vec![],
            issued,
            invitations,
            error,
        },
    )
}

pub async fn invitations(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    let school = resolve_school(&me, q.school.as_deref(), Action::IssueGuardianInvitations)?;
    invitations_page(&state, lang, &me, school, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct InvitationForm {
    school: Option<String>,
    note: String,
}

pub async fn create_invitation(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    AppForm(f): AppForm<InvitationForm>,
) -> AppResult<Response> {
    let school = resolve_school(&me, f.school.as_deref(), Action::IssueGuardianInvitations)?.ok_or(AppError::NotFound)?;
    match state
        .store
        .create_invitation(
            &Actor::User(me.user.id.clone()),
            &school,
            &f.note,
            state.clock.now(),
            state.config.invitation_ttl,
        )
        .await
    {
        Ok(code) => {
            let issued = (code.grouped(), f.note.trim().to_string());
            invitations_page(&state, lang, &me, Some(school), StatusCode::OK, Some(issued), None).await
        }
        Err(StoreError::Invalid(i)) => {
            invitations_page(&state, lang, &me, Some(school), StatusCode::UNPROCESSABLE_ENTITY, None, Some(i.key)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "channels.html")]
struct ChannelsPage {
    l: Layout,
    school: Option<School>,
    schools: Vec<School>,
    channels: Vec<Channel>,
    kinds: Vec<(&'static str, &'static str)>,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

fn kind_key(k: ChannelKind) -> &'static str {
    match k {
        ChannelKind::Webhook => "ui-channel-webhook",
        ChannelKind::WeCom => "ui-channel-wecom",
        ChannelKind::DingTalk => "ui-channel-dingtalk",
        ChannelKind::Email => "ui-channel-email",
    }
}

async fn channels_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    school: Option<SchoolId>,
    status: StatusCode,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let kinds = ChannelKind::ALL.iter().map(|k| (k.as_str(), l.t.get(kind_key(*k)))).collect();
    let Some(school_id) = school else {
        let schools = state.store.schools().await?;
        return page(
            status,
            ChannelsPage {
                l,
                school: None,
                schools,
                channels: vec![],
                kinds,
                message,
                error,
            },
        );
    };
    let school = state.store.school(&school_id).await?;
    let channels = state.store.channels(&school_id).await?;
    page(
        status,
        ChannelsPage {
            l,
            school: Some(school),
            schools: vec![],
            channels,
            kinds,
            message,
            error,
        },
    )
}

pub async fn channels(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    let school = resolve_school(&me, q.school.as_deref(), Action::ManageChannels)?;
    channels_page(&state, lang, &me, school, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct ChannelForm {
    school: Option<String>,
    kind: String,
    name: String,
    target: String,
    secret: Option<String>,
}

pub async fn create_channel(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<ChannelForm>) -> AppResult<Response> {
    let school = resolve_school(&me, f.school.as_deref(), Action::ManageChannels)?.ok_or(AppError::NotFound)?;
    let Some(kind) = ChannelKind::parse(&f.kind) else {
        return channels_page(
            &state,
            lang,
            &me,
            Some(school),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some("err-channel-kind"),
        )
        .await;
    };
    let new = NewChannel {
        kind,
        name: f.name,
        target: f.target,
        secret: f.secret,
    };
    match state
        .store
        .create_channel(&Actor::User(me.user.id.clone()), &school, new, state.clock.now())
        .await
    {
        Ok(_) => channels_page(&state, lang, &me, Some(school), StatusCode::OK, Some("ui-channel-added"), None).await,
        Err(StoreError::Invalid(i)) => {
            channels_page(&state, lang, &me, Some(school), StatusCode::UNPROCESSABLE_ENTITY, None, Some(i.key)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TestForm {
    school: Option<String>,
}

/// Sends a test message through every enabled channel (and to the admin's own inbox).
pub async fn test_channels(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<TestForm>) -> AppResult<Response> {
    let school = resolve_school(&me, f.school.as_deref(), Action::ManageChannels)?.ok_or(AppError::NotFound)?;
    let message = yanshi_i18n::Message::new(
        "msg-channel-test",
        yanshi_i18n::Args::new().text("name", me.user.display_name.clone()),
    );
    let notice = Notice::new(&school, vec![me.user.id.clone()], message, true);
    state
        .store
        .notify(&Actor::User(me.user.id.clone()), &notice, state.clock.now())
        .await?;
    state.outbox.notify_one();
    channels_page(&state, lang, &me, Some(school), StatusCode::OK, Some("ui-channel-test-sent"), None).await
}
