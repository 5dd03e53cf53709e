//! The OpenAPI 3.1 description of `/api/v1`, derived with utoipa from the handlers' typed
//! request and response bodies (`#[utoipa::path]` on each handler), and a docs page rendered
//! from the same document (offline, in the reader's language: no Swagger UI from a CDN). A test
//! checks the document against the router, so the two cannot drift.

use super::{ErrorBody, accounts, afternoon, district, duty, enrolment, pay, school, students, survey, volunteers};
use crate::i18n::Lang;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;
use std::sync::LazyLock;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "yanshi API",
        description = "课后延时服务 — after-school extended care. Times are RFC 3339 in UTC, dates YYYY-MM-DD; names are snake_case. Every refusal is the Error envelope, in the caller's language."
    ),
    servers((url = "/")),
    paths(
        spec,
        docs,
        accounts::create_token,
        accounts::revoke_token,
        accounts::me,
        accounts::inbox,
        district::schools,
        district::create_school,
        accounts::users,
        accounts::create_user,
        accounts::create_invitation,
        school::audit,
        school::school,
        school::classes,
        school::calendar,
        students::class_students,
        students::import_students,
        students::my_children,
        survey::my_notice,
        enrolment::enrolments,
        enrolment::create_enrolment,
        enrolment::enrolment,
        enrolment::enrolment_step,
        enrolment::sign,
        afternoon::class_today,
        afternoon::roll,
        afternoon::whereabouts,
        afternoon::handover,
        afternoon::board,
        afternoon::absences,
        afternoon::record,
        afternoon::sign_record,
        pay::periods,
        pay::report,
        pay::correct,
        pay::lock,
        pay::summary,
        pay::my_pay,
        duty::roster,
        duty::mine,
        duty::generate,
        duty::publish,
        duty::posts,
        duty::create_post,
        duty::unavailable,
        volunteers::volunteers,
        volunteers::register_volunteer,
        volunteers::volunteer,
        volunteers::record_check,
        volunteers::issue_certificate,
        volunteers::set_validity,
        volunteers::me,
        duty::changes::swaps,
        duty::changes::propose,
        duty::changes::accept,
        duty::changes::decline,
        duty::changes::withdraw,
        duty::changes::approve,
        duty::changes::reject,
        duty::changes::absences,
        duty::changes::report,
        duty::changes::withdraw_absence,
        duty::changes::cover,
        duty::changes::gaps,
        duty::log::log,
        duty::log::sign_log,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

/// The `bearer` security scheme the operations name.
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("from POST /api/v1/tokens"))
                    .build(),
            ),
        );
    }
}

/// The document as JSON, built once.
pub fn document() -> &'static Value {
    static DOC: LazyLock<Value> = LazyLock::new(|| serde_json::to_value(ApiDoc::openapi()).unwrap_or_default());
    &DOC
}

/// This description (OpenAPI 3.1).
#[utoipa::path(get, path = "/api/v1/openapi.json", operation_id = "get_openapi", tag = "meta",
    responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json", body = Object)))]
pub async fn spec() -> Json<&'static Value> {
    Json(document())
}

/// One operation as the docs page shows it.
struct DocOp {
    method: String,
    path: String,
    id: String,
    summary: String,
    auth: bool,
    success: String,
    /// The request body's schema, pretty JSON (empty when there is none).
    body: String,
    /// The success response's schema name.
    response: String,
}

/// A `$ref` to a component, resolved one level (the docs page shows the shape, not a pointer).
fn resolved<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| doc["components"]["schemas"].get(name))
        .unwrap_or(schema)
}

fn doc_ops(doc: &Value) -> Vec<DocOp> {
    let mut ops = Vec::new();
    let Some(paths) = doc["paths"].as_object() else { return ops };
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, op) in item {
            let Some(id) = op["operationId"].as_str() else { continue };
            let responses = op["responses"].as_object();
            let success = responses
                .and_then(|r| r.keys().find(|k| k.starts_with('2')).cloned())
                .unwrap_or_default();
            let response = responses
                .and_then(|r| r.get(&success))
                .and_then(|r| r["content"].as_object())
                .and_then(|c| c.values().next())
                .and_then(|c| c["schema"]["$ref"].as_str())
                .and_then(|r| r.rsplit('/').next())
                .unwrap_or_default()
                .to_string();
            let body = op["requestBody"]["content"]["application/json"]["schema"]
                .is_object()
                .then(|| resolved(doc, &op["requestBody"]["content"]["application/json"]["schema"]))
                .map(|s| serde_json::to_string_pretty(s).unwrap_or_default())
                .unwrap_or_default();
            ops.push(DocOp {
                method: method.to_uppercase(),
                path: path.clone(),
                id: id.to_string(),
                summary: op["summary"].as_str().unwrap_or_default().to_string(),
                auth: op.get("security").is_some(),
                success,
                body,
                response,
            });
        }
    }
    ops
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    l: Layout,
    ops: Vec<DocOp>,
}

/// Browsable documentation.
#[utoipa::path(get, path = "/api/v1/docs", operation_id = "get_docs", tag = "meta",
    responses((status = 200, description = "the operations, their bodies and answers", content_type = "text/html", body = String)))]
pub async fn docs(State(state): State<AppState>, lang: Lang) -> Response {
    match (DocsPage {
        l: Layout::bare(lang, state.config.demo),
        ops: doc_ops(document()),
    })
    .render()
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::AppError::from(e).into_response(),
    }
}
