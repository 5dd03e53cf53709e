//! Grades, classes and places (年级、班级、场所), and the staff directory (教职工).

use super::IdPath;
use super::school::{Pairs, field};
use super::{AppForm, SchoolPick, SchoolQuery, page, pick_school, school_query};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::{Layout, role_key};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use yanshi_domain::Invalid;
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::ids::{ClassId, StaffId, UserId};
use yanshi_domain::policy::{Action, may, may_see_class};
use yanshi_domain::school::{Grade, PlaceKind};
use yanshi_store::people::NewStaff;
use yanshi_store::setup::{ClassInfo, GradeInfo, Place};
use yanshi_store::{Actor, School};

#[derive(Template)]
#[template(path = "classes.html")]
struct ClassesPage {
    l: Layout,
    school: School,
    q: String,
    classes: Vec<(ClassInfo, bool)>,
    grades: Vec<GradeInfo>,
    places: Vec<(Place, &'static str)>,
    staff: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    error: Option<&'static str>,
}

fn kind_key(k: PlaceKind) -> &'static str {
    match k {
        PlaceKind::Classroom => "ui-place-classroom",
        PlaceKind::Hallway => "ui-place-hallway",
        PlaceKind::Gate => "ui-place-gate",
        PlaceKind::WaitingRoom => "ui-place-waiting-room",
        PlaceKind::Other => "ui-place-other",
    }
}

/// Staff accounts of the school that can be named class teacher or grade director.
async fn staff_accounts(state: &AppState, school: &School) -> AppResult<Vec<(String, String)>> {
    Ok(state
        .store
        .users_of_school(Some(&school.id))
        .await?
        .into_iter()
        .filter(|u| u.role.is_staff() && !u.disabled)
        .map(|u| (u.id.to_string(), u.display_name))
        .collect())
}

async fn classes_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    school: School,
    status: StatusCode,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let can_manage = may(&me.principal, Action::ManageSchool, Some(&school.id));
    let classes = state.store.classes(&school.id).await?.into_iter().map(|c| {
        let visible = may_see_class(&me.principal, &c.scope());
        (c, visible)
    });
    let classes = classes.collect();
    let grades = state.store.grades(&school.id).await?;
    let places = state.store.places(&school.id).await?.into_iter().map(|p| {
        let k = l.t.get(kind_key(p.kind));
        (p, k)
    });
    let places = places.collect();
    let staff = if can_manage {
        staff_accounts(state, &school).await?
    } else {
        Vec::new()
    };
    let kinds = PlaceKind::ALL.iter().map(|k| (k.as_str(), l.t.get(kind_key(*k)))).collect();
    let q = school_query(me, &school);
    page(
        status,
        ClassesPage {
            l,
            school,
            q,
            classes,
            grades,
            places,
            staff,
            kinds,
            can_manage,
            error,
        },
    )
}

pub async fn classes(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    match pick_school(&state, lang, &me, q.school.as_deref(), Action::ViewSchool, "ui-nav-classes").await? {
        SchoolPick::Picked(s) => classes_page(&state, lang, &me, s, StatusCode::OK, None).await,
        SchoolPick::Pick(r) => Ok(r),
    }
}

fn optional_user(f: &Pairs, name: &str) -> Option<UserId> {
    UserId::parse(field(f, name))
}

/// One form for the class set-up actions: `op` says which.
pub async fn change(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let school = super::posted_school(&state, &me, &f, Action::ManageSchool).await?;
    let actor = Actor::User(me.user.id.clone());
    let now = state.clock.now();
    let result: AppResult<()> = async {
        match field(&f, "op") {
            "standard" => {
                let n: u8 = field(&f, "per_grade").parse().map_err(|_| Invalid::new("per_grade", "err-class"))?;
                state.store.create_standard_classes(&actor, &school.id, n, now).await?;
            }
            "class" => {
                let grade = Grade::parse(field(&f, "grade"))?;
                let n: u8 = field(&f, "number").parse().map_err(|_| Invalid::new("number", "err-class"))?;
                state.store.create_class(&actor, &school.id, grade, n, now).await?;
            }
            "teacher" => {
                let class = ClassId::parse(field(&f, "class")).ok_or(AppError::NotFound)?;
                if state.store.class(&class).await?.school_id != school.id {
                    return Err(AppError::Forbidden);
                }
                state
                    .store
                    .set_class_teacher(&actor, &class, optional_user(&f, "teacher").as_ref(), now)
                    .await?;
            }
            "director" => {
                let grade = Grade::parse(field(&f, "grade"))?;
                state
                    .store
                    .set_grade_director(&actor, &school.id, grade, optional_user(&f, "director").as_ref(), now)
                    .await?;
            }
            "place" => {
                let kind = PlaceKind::parse(field(&f, "kind")).ok_or(Invalid::new("kind", "err-place-kind"))?;
                state.store.create_place(&actor, &school.id, field(&f, "name"), kind, now).await?;
            }
            _ => return Err(AppError::BadRequest("err-bad-form")),
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/school/classes{}", school_query(&me, &school))).into_response()),
        Err(AppError::Invalid(i)) => classes_page(&state, lang, &me, school, StatusCode::UNPROCESSABLE_ENTITY, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

pub struct StaffRow {
    pub id: String,
    pub number: String,
    pub name: String,
    pub phone: String,
    pub title: String,
    pub role: &'static str,
    pub linked: bool,
    pub active: bool,
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

pub async fn staff(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    match pick_school(&state, lang, &me, q.school.as_deref(), Action::ViewSchool, "ui-nav-staff").await? {
        SchoolPick::Picked(s) => staff_page(&state, lang, &me, s, StatusCode::OK, None).await,
        SchoolPick::Pick(r) => Ok(r),
    }
}

pub async fn create_staff(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let school = super::posted_school(&state, &me, &f, Action::ManageStaff).await?;
    let result: AppResult<()> = async {
        let phone = match field(&f, "phone") {
            "" => None,
            p => Some(PhoneNumber::parse(p)?),
        };
        let new = NewStaff {
            staff_number: field(&f, "staff_number").to_string(),
            name: DisplayName::parse(field(&f, "name"))?,
            phone,
            title: field(&f, "title").to_string(),
        };
        state
            .store
            .create_staff(&Actor::User(me.user.id.clone()), &school.id, new, state.clock.now())
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/school/staff{}", school_query(&me, &school))).into_response()),
        Err(AppError::Invalid(i)) => staff_page(&state, lang, &me, school, StatusCode::UNPROCESSABLE_ENTITY, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

/// `op` = `deactivate` or `link` (with `user`).
pub async fn change_staff(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StaffId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let school = super::posted_school(&state, &me, &f, Action::ManageStaff).await?;
    if !state.store.staff_directory(&school.id).await?.iter().any(|m| m.id == id) {
        return Err(AppError::NotFound);
    }
    let actor = Actor::User(me.user.id.clone());
    let result: AppResult<()> = match field(&f, "op") {
        "deactivate" => state
            .store
            .deactivate_staff(&actor, &id, state.clock.now())
            .await
            .map_err(AppError::from),
        "link" => {
            let user = UserId::parse(field(&f, "user")).ok_or(Invalid::new("user", "err-not-staff-of-school"))?;
            state
                .store
                .link_staff_account(&actor, &id, &user, state.clock.now())
                .await
                .map_err(AppError::from)
        }
        _ => Err(AppError::BadRequest("err-bad-form")),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/school/staff{}", school_query(&me, &school))).into_response()),
        Err(AppError::Invalid(i)) => staff_page(&state, lang, &me, school, StatusCode::UNPROCESSABLE_ENTITY, Some(i.key)).await,
        Err(e) => Err(e),
    }
}
