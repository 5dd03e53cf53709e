//! Grades, classes and places (年级、班级、场所); the staff directory is in staff.rs.

use super::IdPath;
use super::{AppForm, SchoolPick, SchoolQuery, page, pick_school, school_query};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yanshi_domain::Invalid;
use yanshi_domain::ids::{ClassId, UserId};
use yanshi_domain::policy::{Action, may, may_see_class};
use yanshi_domain::school::{Grade, PlaceKind};
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
pub(super) async fn staff_accounts(state: &AppState, school: &School) -> AppResult<Vec<(String, String)>> {
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
        // A link to the class's children only where its page opens for this person.
        let visible = may_see_class(&me.principal, &c.scope()) && l.may_open(&format!("/students/class/{}", c.id));
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

/// A class set-up form as posted: the school (for a district admin) and its fields.
#[derive(Deserialize)]
pub struct SetupForm<T> {
    #[serde(default)]
    school: String,
    #[serde(flatten)]
    fields: T,
}

/// 批量建班: the standard classes, `per_grade` in every grade.
#[derive(Deserialize)]
pub struct StandardClasses {
    #[serde(default)]
    per_grade: String,
}

/// One more class in a grade.
#[derive(Deserialize)]
pub struct OneClass {
    #[serde(default)]
    grade: String,
    #[serde(default)]
    number: String,
}

/// 班主任 of a class (empty: nobody).
#[derive(Deserialize)]
pub struct ClassTeacherForm {
    /// Required: a form without it is not the page's form.
    teacher: String,
}

/// 年级主任 of a grade (empty: nobody).
#[derive(Deserialize)]
pub struct GradeDirectorForm {
    #[serde(default)]
    grade: String,
    /// Required, like the class teacher's.
    director: String,
}

/// A place of the school (场所).
#[derive(Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

fn class_number(s: &str, field: &'static str) -> Result<u8, Invalid> {
    s.trim().parse().map_err(|_| Invalid::new(field, "err-class"))
}

/// An account chosen from a list; empty means nobody.
fn optional_user(s: &str) -> Option<UserId> {
    UserId::parse(s.trim())
}

/// After a set-up action: back to the list, or the list again with the mistake named.
async fn after_setup(state: &AppState, lang: Lang, me: &Me, school: School, result: AppResult<()>) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/school/classes{}", school_query(me, &school))).into_response()),
        Err(AppError::Invalid(i)) => classes_page(state, lang, me, school, StatusCode::UNPROCESSABLE_ENTITY, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

async fn setup_school(state: &AppState, me: &Me, school: &str) -> AppResult<School> {
    super::school_named(state, me, school, Action::ManageSchool).await
}

pub async fn create_standard_classes(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    AppForm(f): AppForm<SetupForm<StandardClasses>>,
) -> AppResult<Response> {
    let school = setup_school(&state, &me, &f.school).await?;
    let result = async {
        let n = class_number(&f.fields.per_grade, "per_grade")?;
        let actor = Actor::User(me.user.id.clone());
        state
            .store
            .create_standard_classes(&actor, &school.id, n, state.clock.now())
            .await?;
        Ok(())
    };
    let result = result.await;
    after_setup(&state, lang, &me, school, result).await
}

pub async fn create_class(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    AppForm(f): AppForm<SetupForm<OneClass>>,
) -> AppResult<Response> {
    let school = setup_school(&state, &me, &f.school).await?;
    let result = async {
        let grade = Grade::parse(f.fields.grade.trim())?;
        let n = class_number(&f.fields.number, "number")?;
        let actor = Actor::User(me.user.id.clone());
        state.store.create_class(&actor, &school.id, grade, n, state.clock.now()).await?;
        Ok(())
    };
    let result = result.await;
    after_setup(&state, lang, &me, school, result).await
}

pub async fn set_class_teacher(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(class): IdPath<ClassId>,
    AppForm(f): AppForm<SetupForm<ClassTeacherForm>>,
) -> AppResult<Response> {
    let school = setup_school(&state, &me, &f.school).await?;
    if state.store.class(&class).await?.school_id != school.id {
        return Err(AppError::Forbidden);
    }
    let actor = Actor::User(me.user.id.clone());
    let teacher = optional_user(&f.fields.teacher);
    let result = state
        .store
        .set_class_teacher(&actor, &class, teacher.as_ref(), state.clock.now())
        .await
        .map_err(AppError::from);
    after_setup(&state, lang, &me, school, result).await
}

pub async fn set_grade_director(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    AppForm(f): AppForm<SetupForm<GradeDirectorForm>>,
) -> AppResult<Response> {
    let school = setup_school(&state, &me, &f.school).await?;
    let result = async {
        let grade = Grade::parse(f.fields.grade.trim())?;
        let director = optional_user(&f.fields.director);
        let actor = Actor::User(me.user.id.clone());
        Ok(state
            .store
            .set_grade_director(&actor, &school.id, grade, director.as_ref(), state.clock.now())
            .await?)
    };
    let result = result.await;
    after_setup(&state, lang, &me, school, result).await
}

pub async fn create_place(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    AppForm(f): AppForm<SetupForm<PlaceForm>>,
) -> AppResult<Response> {
    let school = setup_school(&state, &me, &f.school).await?;
    let result = async {
        let kind = PlaceKind::parse(f.fields.kind.trim()).ok_or(Invalid::new("kind", "err-place-kind"))?;
        let actor = Actor::User(me.user.id.clone());
        state
            .store
            .create_place(&actor, &school.id, f.fields.name.trim(), kind, state.clock.now())
            .await?;
        Ok(())
    };
    let result = result.await;
    after_setup(&state, lang, &me, school, result).await
}
