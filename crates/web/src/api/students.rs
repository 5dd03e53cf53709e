//! Students: a class's list, the roster import for other systems (dry run, every problem by
//! row and column), and a guardian's own children.

use super::{ErrorBody, ErrorDetail};
use crate::api::school::ClassOut;
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::IdPath;
use crate::pages::resolve_school;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yanshi_domain::ids::ClassId;
use yanshi_domain::policy::Action;
use yanshi_store::Actor;

#[derive(Serialize, ToSchema)]
#[schema(as = Student)]
pub struct StudentOut {
    id: String,
    school_id: String,
    class_id: String,
    number: String,
    name: String,
    /// `M` or `F`.
    gender: String,
    /// `YYYY-MM-DD`
    birth_date: Option<String>,
    active: bool,
}

impl From<yanshi_store::people::Student> for StudentOut {
    fn from(s: yanshi_store::people::Student) -> Self {
        StudentOut {
            id: s.id.to_string(),
            school_id: s.school_id.to_string(),
            class_id: s.class_id.to_string(),
            number: s.number,
            name: s.name,
            gender: s.gender.as_str().into(),
            birth_date: s.birth_date.map(super::ymd),
            active: s.active,
        }
    }
}

/// A guardian of a student, and how the link came about.
#[derive(Serialize, ToSchema)]
#[schema(as = Guardian)]
pub struct GuardianOut {
    guardian_id: String,
    name: String,
    phone: String,
    relationship: String,
    is_primary: bool,
    has_account: bool,
    /// `Import` (from the roster) or `Staff` (added by a teacher).
    source: &'static str,
    added_by: Option<String>,
    added_by_name: Option<String>,
    confirmed: bool,
    confirmed_by_name: Option<String>,
    /// `INVITATION` or `DIRECT` once the guardian has an account.
    account_linked_via: Option<String>,
}

impl From<yanshi_store::people::GuardianLink> for GuardianOut {
    fn from(g: yanshi_store::people::GuardianLink) -> Self {
        use yanshi_store::guardian_links::LinkSource;
        GuardianOut {
            guardian_id: g.guardian_id.to_string(),
            name: g.name,
            phone: g.phone,
            relationship: g.relationship,
            is_primary: g.is_primary,
            has_account: g.has_account,
            source: match g.source {
                LinkSource::Import => "Import",
                LinkSource::Staff => "Staff",
            },
            added_by: g.added_by.map(|u| u.to_string()),
            added_by_name: g.added_by_name,
            confirmed: g.confirmed,
            confirmed_by_name: g.confirmed_by_name,
            account_linked_via: g.account_linked_via,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StudentWithGuardians {
    student: StudentOut,
    guardians: Vec<GuardianOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ClassStudentsOut {
    class: ClassOut,
    students: Vec<StudentWithGuardians>,
}

/// A class's students with their guardians.
#[utoipa::path(get, path = "/api/v1/classes/{id}/students", operation_id = "list_class_students", tag = "students",
    summary = "A class's students with their guardians (class teacher, grade director, admins)",
    params(("id" = String, Path, description = "the class's id (a UUID)")), security(("bearer" = [])),
    responses((status = 200, description = "the class", body = ClassStudentsOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn class_students(State(state): State<AppState>, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Json<ClassStudentsOut>> {
    let class = state.store.class(&id).await?;
    if !yanshi_domain::policy::may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    let students = state
        .store
        .students_of_class(&id)
        .await?
        .into_iter()
        .map(|(s, g)| StudentWithGuardians {
            student: s.into(),
            guardians: g.into_iter().map(GuardianOut::from).collect(),
        })
        .collect();
    Ok(Json(ClassStudentsOut {
        class: class.into(),
        students,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// District admins only: the school's id.
    school: Option<String>,
    /// Check only, change nothing.
    #[serde(default)]
    dry_run: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ImportCounts {
    rows: usize,
    dry_run: bool,
    created: usize,
    updated: usize,
    unchanged: usize,
}

/// One problem of a refused roster, by row and column.
#[derive(Serialize, ToSchema)]
pub struct RosterProblem {
    /// 1-based row as Excel shows it; 0 for the file as a whole.
    row: usize,
    /// The column's header (empty for the whole row or file).
    column: String,
    code: String,
    message: String,
    value: String,
}

/// The error envelope with every problem listed.
#[derive(Serialize, ToSchema)]
pub struct ImportRefused {
    error: ErrorDetail,
    /// Every wrong entry (absent when the request as a whole is refused).
    #[schema(required = false)]
    problems: Vec<RosterProblem>,
}

/// The roster import for other systems: the file is the body. Problems → 422 with every one listed.
#[utoipa::path(post, path = "/api/v1/students/import", operation_id = "import_students", tag = "students",
    summary = "Import a student roster (.xlsx or .csv as the body; ?dry_run=true to check only): all rows or none",
    params(ImportQuery), security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the .xlsx or .csv file"),
    responses((status = 200, description = "imported (or checked)", body = ImportCounts),
        (status = 422, description = "refused: every problem", body = ImportRefused),
        (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn import_students(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    me: Me,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    use sha2::Digest;
    let id = resolve_school(&me, q.school.as_deref(), Action::ManageStudents)?
        .ok_or(AppError::Invalid(yanshi_domain::Invalid::new("school", "err-school-required")))?;
    let (table, mut problems) = match crate::pages::roster::read_roster(&state, &body).await? {
        Ok(t) => t,
        Err(p) => (yanshi_roster::Table::default(), vec![p]),
    };
    let (rows, mut row_problems) = yanshi_roster::students(&table);
    problems.append(&mut row_problems);
    let (counts, mut db_problems) = state.store.preview_student_import(&id, &rows).await?;
    problems.append(&mut db_problems);
    if !problems.is_empty() {
        let problems = problems
            .iter()
            .map(|p| RosterProblem {
                row: p.row,
                column: p.column.clone(),
                code: p.key.into(),
                message: lang.t(p.key).into(),
                value: p.value.clone(),
            })
            .collect();
        let body = ImportRefused {
            error: ErrorDetail::new("invalid_input", lang.t("ui-import-refused"), "file"),
            problems,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    }
    let counts = if q.dry_run {
        counts
    } else {
        let sha = hex::encode(sha2::Sha256::digest(&body));
        state
            .store
            .import_students(&Actor::User(me.user.id.clone()), &id, &rows, &sha, state.clock.now())
            .await?
    };
    let body = ImportCounts {
        rows: rows.len(),
        dry_run: q.dry_run,
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
    };
    Ok((StatusCode::OK, Json(body)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct ChildOut {
    student: StudentOut,
    /// The class's name.
    class: String,
    relationship: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChildrenOut {
    children: Vec<ChildOut>,
}

/// A guardian's own children (no one else's).
#[utoipa::path(get, path = "/api/v1/my/children", operation_id = "list_my_children", tag = "students",
    security(("bearer" = [])),
    responses((status = 200, description = "the children", body = ChildrenOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn my_children(State(state): State<AppState>, me: Me) -> AppResult<Json<ChildrenOut>> {
    let mut children = Vec::new();
    for (s, relationship) in state.store.children_of(&me.user.id).await? {
        let class = state.store.class(&s.class_id).await?;
        children.push(ChildOut {
            student: s.into(),
            class: class.name,
            relationship,
        });
    }
    Ok(Json(ChildrenOut { children }))
}
