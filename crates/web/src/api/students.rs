//! Students: a class's list, the roster import for other systems (dry run, every problem by
//! row and column), and a guardian's own children.

use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::IdPath;
use crate::pages::resolve_school;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use yanshi_domain::ids::ClassId;
use yanshi_domain::policy::Action;
use yanshi_store::Actor;

pub async fn class_students(State(state): State<AppState>, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Json<serde_json::Value>> {
    let class = state.store.class(&id).await?;
    if !yanshi_domain::policy::may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    let students: Vec<_> = state
        .store
        .students_of_class(&id)
        .await?
        .into_iter()
        .map(|(s, g)| json!({ "student": s, "guardians": g }))
        .collect();
    Ok(Json(json!({ "class": class, "students": students })))
}

#[derive(Deserialize)]
pub struct ImportQuery {
    school: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// The roster import for other systems: the file is the body. Problems → 422 with every one listed.
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
    let listed: Vec<_> = problems
        .iter()
        .map(|p| json!({ "row": p.row, "column": p.column, "code": p.key, "message": lang.t(p.key), "value": p.value }))
        .collect();
    if !problems.is_empty() {
        let body =
            json!({ "error": { "code": "invalid_input", "message": lang.t("ui-import-refused"), "field": "file" }, "problems": listed });
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
    let body = json!({ "rows": rows.len(), "dry_run": q.dry_run, "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged });
    Ok((StatusCode::OK, Json(body)).into_response())
}

/// A guardian's own children (no one else's).
pub async fn my_children(State(state): State<AppState>, me: Me) -> AppResult<Json<serde_json::Value>> {
    let mut children = Vec::new();
    for (s, relationship) in state.store.children_of(&me.user.id).await? {
        let class = state.store.class(&s.class_id).await?;
        children.push(json!({ "student": s, "class": class.name, "relationship": relationship }));
    }
    Ok(Json(json!({ "children": children })))
}
