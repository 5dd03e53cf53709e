//! The staff directory (教职工): records, their accounts, 停用 with a confirmation that names the
//! person, and 重新启用.

use super::classes::staff_accounts;
use super::{AppForm, IdPath, SchoolPick, SchoolQuery, page, pick_school, school_query};
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
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::ids::{StaffId, UserId};
use yanshi_domain::policy::{Action, may};
use yanshi_i18n::Args;
use yanshi_store::people::NewStaff;
use yanshi_store::{Actor, School};

pub struct StaffRow {
    pub id: String,
    pub number: String,
    pub name: String,
    pub phone: String,
    pub title: String,
    pub role: &'static str,
    pub linked: bool,
    pub active: bool,
    /// 确定停用 王老师（班主任）的账号吗？…: the confirmation names the person.
    pub confirm: String,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    l: Layout,
    school: School,
    q: String,
    rows: Vec<StaffRow>,
    accounts: Vec<(String, String)>,
    can_manage: bool,
    error: Option<&'static str>,
}

async fn staff_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    school: School,
    status: StatusCode,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let can_manage = may(&me.principal, Action::ManageStaff, Some(&school.id));
    let members = state.store.staff_directory(&school.id).await?;
    let linked: Vec<String> = members.iter().filter_map(|m| m.user_id.as_ref().map(|u| u.to_string())).collect();
    let rows = members
        .into_iter()
        .map(|m| StaffRow {
            confirm: deactivate_confirmation(&l, &m.name, m.role, m.user_id.is_some()),
            id: m.id.to_string(),
            number: m.staff_number,
            name: m.name,
            // Only those who manage staff see whole numbers; colleagues see them masked.
            phone: match (&m.phone, can_manage) {
                (Some(p), true) => p.clone(),
                (Some(p), false) => PhoneNumber::parse(p).map(|p| p.masked()).unwrap_or_default(),
                (None, _) => String::new(),
            },
            title: m.title,
            role: m.role.map(|r| l.t.get(role_key(r))).unwrap_or(""),
            linked: m.user_id.is_some(),
            active: m.active,
        })
        .collect();
    let accounts = if can_manage {
        staff_accounts(state, &school)
            .await?
            .into_iter()
            .filter(|(id, _)| !linked.contains(id))
            .collect()
    } else {
        Vec::new()
    };
    let q = school_query(me, &school);
    page(
        status,
        StaffPage {
            l,
            school,
            q,
            rows,
            accounts,
            can_manage,
            error,
        },
    )
}

/// The question 停用 asks before it acts, naming the person (and their role, where they have an account).
pub fn deactivate_confirmation(l: &Layout, name: &str, role: Option<yanshi_domain::role::Role>, account: bool) -> String {
    let who = match role {
        Some(r) => l.t.0.render(
            "ui-person-with-role",
            &Args::new().text("name", name).text("role", l.t.get(role_key(r))),
        ),
        None => name.to_string(),
    };
    let key = if account {
        "ui-disable-confirm"
    } else {
        "ui-deactivate-confirm-record"
    };
    l.t.0.render(key, &Args::new().text("who", who))
}

pub async fn staff(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    match pick_school(&state, lang, &me, q.school.as_deref(), Action::ViewSchool, "ui-nav-staff").await? {
        SchoolPick::Picked(s) => staff_page(&state, lang, &me, s, StatusCode::OK, None).await,
        SchoolPick::Pick(r) => Ok(r),
    }
}

/// A new staff member as posted (教职工).
#[derive(Deserialize)]
pub struct NewStaffForm {
    #[serde(default)]
    school: String,
    #[serde(default)]
    staff_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    title: String,
}

impl TryFrom<&NewStaffForm> for NewStaff {
    type Error = Invalid;

    fn try_from(f: &NewStaffForm) -> Result<Self, Invalid> {
        let phone = match f.phone.trim() {
            "" => None,
            p => Some(PhoneNumber::parse(p)?),
        };
        Ok(NewStaff {
            staff_number: f.staff_number.trim().to_string(),
            name: DisplayName::parse(f.name.trim())?,
            phone,
            title: f.title.trim().to_string(),
        })
    }
}

pub async fn create_staff(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<NewStaffForm>) -> AppResult<Response> {
    let school = super::school_named(&state, &me, &f.school, Action::ManageStaff).await?;
    let result = async {
        let new = NewStaff::try_from(&f)?;
        let actor = Actor::User(me.user.id.clone());
        state.store.create_staff(&actor, &school.id, new, state.clock.now()).await?;
        Ok(())
    };
    let result = result.await;
    after_staff(&state, lang, &me, school, result).await
}

/// The staff member named in the path, of the posted school.
async fn staff_of_school(state: &AppState, me: &Me, school: &str, id: &StaffId) -> AppResult<School> {
    let school = super::school_named(state, me, school, Action::ManageStaff).await?;
    if !state.store.staff_directory(&school.id).await?.iter().any(|m| m.id == *id) {
        return Err(AppError::NotFound);
    }
    Ok(school)
}

async fn after_staff(state: &AppState, lang: Lang, me: &Me, school: School, result: AppResult<()>) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/school/staff{}", school_query(me, &school))).into_response()),
        Err(AppError::Invalid(i)) => staff_page(state, lang, me, school, StatusCode::UNPROCESSABLE_ENTITY, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

/// A staff action's form: only the school, for a district admin.
#[derive(Deserialize)]
pub struct StaffActionForm {
    #[serde(default)]
    school: String,
    /// The account to link (`link` only).
    #[serde(default)]
    user: String,
}

/// 停用: the staff member leaves the directory's active list; the record stays.
pub async fn deactivate_staff(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StaffId>,
    AppForm(f): AppForm<StaffActionForm>,
) -> AppResult<Response> {
    let school = staff_of_school(&state, &me, &f.school, &id).await?;
    let actor = Actor::User(me.user.id.clone());
    let result = state
        .store
        .deactivate_staff(&actor, &id, state.clock.now())
        .await
        .map_err(AppError::from);
    after_staff(&state, lang, &me, school, result).await
}

/// Links a staff record to its sign-in account.
pub async fn link_staff_account(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StaffId>,
    AppForm(f): AppForm<StaffActionForm>,
) -> AppResult<Response> {
    let school = staff_of_school(&state, &me, &f.school, &id).await?;
    let actor = Actor::User(me.user.id.clone());
    let result = async {
        let user = UserId::parse(f.user.trim()).ok_or(Invalid::new("user", "err-not-staff-of-school"))?;
        Ok(state.store.link_staff_account(&actor, &id, &user, state.clock.now()).await?)
    };
    let result = result.await;
    after_staff(&state, lang, &me, school, result).await
}

/// 重新启用: the staff member is back in the active list and a linked account can sign in again.
pub async fn reactivate_staff(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StaffId>,
    AppForm(f): AppForm<StaffActionForm>,
) -> AppResult<Response> {
    let school = staff_of_school(&state, &me, &f.school, &id).await?;
    let actor = Actor::User(me.user.id.clone());
    let result = state
        .store
        .reactivate_staff(&actor, &id, state.clock.now())
        .await
        .map_err(AppError::from);
    after_staff(&state, lang, &me, school, result).await
}
