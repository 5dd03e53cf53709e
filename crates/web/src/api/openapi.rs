//! The OpenAPI 3.1 description of `/api/v1`, built from one table of operations, and a docs
//! page rendered from the same table (offline: no Swagger UI from a CDN). A test checks the
//! table against the router, so the two cannot drift.

use crate::i18n::Lang;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub id: &'static str,
    pub summary: &'static str,
    pub auth: bool,
    pub body: Option<fn() -> Value>,
    pub success: u16,
}

fn token_body() -> Value {
    json!({ "type": "object", "required": ["login", "password"], "properties": {
        "login": { "type": "string", "description": "username or phone" },
        "password": { "type": "string" },
        "totp_code": { "type": "string", "description": "required when two-factor sign-in is on" } } })
}
fn school_body() -> Value {
    json!({ "type": "object", "required": ["name"], "properties": { "name": { "type": "string", "maxLength": 60 } } })
}
fn user_body() -> Value {
    json!({ "type": "object", "required": ["username", "display_name", "role", "password"], "properties": {
        "school": { "type": "string", "description": "district admins only" },
        "username": { "type": "string" }, "display_name": { "type": "string" },
        "role": { "type": "string", "enum": ["school_admin", "grade_director", "class_teacher", "teacher", "volunteer"] },
        "phone": { "type": "string" }, "password": { "type": "string", "minLength": 8 } } })
}
fn invitation_body() -> Value {
    json!({ "type": "object", "properties": { "school": { "type": "string" }, "note": { "type": "string", "maxLength": 80 } } })
}

fn enrolment_body() -> Value {
    json!({ "type": "object", "required": ["student_id", "weekdays", "latest_pickup", "consent_version", "notice_id"], "properties": {
        "student_id": { "type": "string" }, "weekdays": { "type": "array", "items": { "type": "integer", "minimum": 1, "maximum": 5 } },
        "latest_pickup": { "type": "string", "example": "17:30" }, "pickup_plan": { "type": "string", "enum": ["BY_ADULTS", "SELF_LEAVE"] },
        "health_disclosure": { "type": "string" }, "reason": { "type": "string" }, "priority_group": { "type": "string" },
        "consent_version": { "type": "string", "description": "the privacy notice version consented to (a separate consent)" },
        "notice_id": { "type": "string", "description": "from GET /api/v1/my/notice" }, "submit": { "type": "boolean" } } })
}
fn step_body() -> Value {
    json!({ "type": "object", "required": ["step"], "properties": {
        "step": { "type": "string", "enum": ["cancel", "class_approve", "class_reject", "school_approve", "school_reject", "withdraw", "terminate"] },
        "reason": { "type": "string" }, "note": { "type": "string" } } })
}
fn signature_body() -> Value {
    json!({ "type": "object", "required": ["agreement_id", "text_hash", "typed_name", "statement"], "properties": {
        "agreement_id": { "type": "string" }, "text_hash": { "type": "string", "description": "SHA-256 of the text the signer read" },
        "typed_name": { "type": "string" }, "statement": { "type": "boolean" } } })
}

fn roll_body() -> Value {
    json!({ "type": "object", "required": ["student_id", "status"], "properties": {
        "student_id": { "type": "string" }, "status": { "type": "string", "enum": ["PRESENT", "ABSENT", "ABSENT_FROM_SCHOOL"] },
        "note": { "type": "string" } } })
}
fn whereabouts_body() -> Value {
    json!({ "type": "object", "required": ["student_id", "outcome"], "properties": {
        "student_id": { "type": "string" }, "outcome": { "type": "string", "enum": ["FOUND", "WENT_HOME_WITH_GUARDIAN", "ABSENT_EXCUSED", "NOT_FOUND"] },
        "note": { "type": "string", "description": "required for NOT_FOUND: where the child was looked for" } } })
}
fn handover_body() -> Value {
    json!({ "type": "object", "required": ["student_id", "request_id"], "properties": {
        "student_id": { "type": "string" }, "adult_id": { "type": "string", "description": "an adult from the child's list" },
        "code": { "type": "string", "description": "the adult's personal pickup code (8 digits)" }, "scanned": { "type": "boolean" },
        "self_leave": { "type": "boolean", "description": "the child leaves alone (only if the signed agreement allows it today)" },
        "request_id": { "type": "string", "maxLength": 64, "description": "one per attempt: a retry returns the first result" },
        "override_reason": { "type": "string", "description": "a school leader's reason for an EMERGENCY_ONLY adult" },
        "paper_time": { "type": "string", "example": "17:42", "description": "typed in afterwards from the paper sheet" } } })
}
fn absences_body() -> Value {
    json!({ "type": "object", "required": ["student_numbers"], "properties": {
        "student_numbers": { "type": "array", "items": { "type": "string" }, "maxItems": 5000 } } })
}
fn record_signature_body() -> Value {
    json!({ "type": "object", "required": ["name"], "properties": {
        "day": { "type": "string", "example": "2026-12-01" }, "name": { "type": "string", "description": "the class teacher's own name" },
        "text_sha256": { "type": "string", "description": "from GET …/record: refused if the record changed since it was read" } } })
}

pub const OPERATIONS: &[Operation] = &[
    Operation {
        method: "GET",
        path: "/api/v1/openapi.json",
        id: "get_openapi",
        summary: "This description",
        auth: false,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/docs",
        id: "get_docs",
        summary: "Browsable documentation",
        auth: false,
        body: None,
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/tokens",
        id: "create_token",
        summary: "Sign in and get a bearer token",
        auth: false,
        body: Some(token_body),
        success: 201,
    },
    Operation {
        method: "DELETE",
        path: "/api/v1/tokens/current",
        id: "delete_token",
        summary: "Revoke the token in use",
        auth: true,
        body: None,
        success: 204,
    },
    Operation {
        method: "GET",
        path: "/api/v1/me",
        id: "get_me",
        summary: "The signed-in account and its school",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/inbox",
        id: "list_inbox",
        summary: "The account's in-app messages",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/schools",
        id: "list_schools",
        summary: "Schools of the district (district admin)",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/schools",
        id: "create_school",
        summary: "Add a school (district admin)",
        auth: true,
        body: Some(school_body),
        success: 201,
    },
    Operation {
        method: "GET",
        path: "/api/v1/users",
        id: "list_users",
        summary: "Staff accounts of a school",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/users",
        id: "create_user",
        summary: "Create a staff account",
        auth: true,
        body: Some(user_body),
        success: 201,
    },
    Operation {
        method: "POST",
        path: "/api/v1/invitations",
        id: "create_invitation",
        summary: "Issue a guardian invitation code",
        auth: true,
        body: Some(invitation_body),
        success: 201,
    },
    Operation {
        method: "GET",
        path: "/api/v1/audit",
        id: "list_audit",
        summary: "Newest audit entries of a school",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/school",
        id: "get_school",
        summary: "The school's settings, care-time rules and leadership group",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/classes",
        id: "list_classes",
        summary: "Classes with class teachers and student counts",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/calendar",
        id: "get_calendar_day",
        summary: "Whether a date is a service day for a grade (?date=YYYY-MM-DD&grade=1..6), and its times",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/classes/{id}/students",
        id: "list_class_students",
        summary: "A class's students with their guardians (class teacher, grade director, admins)",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/students/import",
        id: "import_students",
        summary: "Import a student roster (.xlsx or .csv as the body; ?dry_run=true to check only): all rows or none",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/my/children",
        id: "list_my_children",
        summary: "A guardian's own children",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/my/notice",
        id: "get_my_notice",
        summary: "The notice to parents (read before applying) and the privacy notice",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/enrolments",
        id: "list_enrolments",
        summary: "A guardian's children's enrolments, or the term's enrolments a reviewer sees",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/enrolments",
        id: "create_enrolment",
        summary: "A guardian applies for their own child (submit or draft)",
        auth: true,
        body: Some(enrolment_body),
        success: 201,
    },
    Operation {
        method: "GET",
        path: "/api/v1/enrolments/{id}",
        id: "get_enrolment",
        summary: "An enrolment with its agreement versions and history",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/enrolments/{id}/steps",
        id: "create_enrolment_step",
        summary: "Review, cancel, withdraw or terminate (who may is decided by the rules)",
        auth: true,
        body: Some(step_body),
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/enrolments/{id}/signatures",
        id: "create_signature",
        summary: "Sign the newest agreement: the guardian first, then the school",
        auth: true,
        body: Some(signature_body),
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/classes/{id}/afternoon",
        id: "get_class_afternoon",
        summary: "Today's children of a class at the door: expected, roll, hand-over, late step, adults with their level (staff who run the afternoon)",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/classes/{id}/roll",
        id: "mark_roll",
        summary: "点名: mark one child PRESENT, ABSENT or ABSENT_FROM_SCHOOL today; an expected child marked ABSENT alerts at once",
        auth: true,
        body: Some(roll_body),
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/classes/{id}/whereabouts",
        id: "record_whereabouts",
        summary: "What became of a child not in the room; NOT_FOUND opens an incident",
        auth: true,
        body: Some(whereabouts_body),
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/handovers",
        id: "create_handover",
        summary: "交接: hand a child over today (201), or the outcome: already_handed_over (who and when), needs_override, refused; 429 after too many wrong pickup codes",
        auth: true,
        body: Some(handover_body),
        success: 201,
    },
    Operation {
        method: "POST",
        path: "/api/v1/absences",
        id: "import_absences",
        summary: "当天未到校: student numbers absent from school today, from the attendance list; all or nothing, 422 lists every unknown number",
        auth: true,
        body: Some(absences_body),
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/board",
        id: "get_board",
        summary: "看板: every class with expected / present / handed over / in care / unaccounted / late, now",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "GET",
        path: "/api/v1/classes/{id}/record",
        id: "get_service_record",
        summary: "延时服务记录 of a class for ?day= (default today): the draft or the signed record with corrections",
        auth: true,
        body: None,
        success: 200,
    },
    Operation {
        method: "POST",
        path: "/api/v1/classes/{id}/record/signature",
        id: "sign_service_record",
        summary: "The class teacher signs the day's record under their own name; it locks and writes the day's workload",
        auth: true,
        body: Some(record_signature_body),
        success: 201,
    },
];

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for op in OPERATIONS {
        let mut o = json!({
            "operationId": op.id,
            "summary": op.summary,
            "responses": {
                op.success.to_string(): { "description": "success" },
                "4XX": { "description": "a mistake in the request", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            }
        });
        if op.auth {
            o["security"] = json!([{ "bearer": [] }]);
        }
        if let Some(body) = op.body {
            o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": body() } } });
        }
        let entry = paths.entry(op.path.to_string()).or_insert_with(|| json!({}));
        entry[op.method.to_lowercase()] = o;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "yanshi API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "课后延时服务 — after-school extended care. Times are RFC 3339 in UTC; names are snake_case." },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object",
                "required": ["code", "message"], "properties": {
                    "code": { "type": "string" }, "message": { "type": "string", "description": "in the caller's language" },
                    "field": { "type": ["string", "null"] } } } } } }
        }
    })
}

pub async fn spec() -> Json<Value> {
    Json(document())
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    l: Layout,
    ops: Vec<(&'static Operation, String)>,
}

pub async fn docs(State(state): State<AppState>, lang: Lang) -> Response {
    let ops = OPERATIONS
        .iter()
        .map(|o| {
            (
                o,
                o.body
                    .map(|b| serde_json::to_string_pretty(&b()).unwrap_or_default())
                    .unwrap_or_default(),
            )
        })
        .collect();
    match (DocsPage {
        l: Layout::bare(lang, state.config.demo),
        ops,
    })
    .render()
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::AppError::from(e).into_response(),
    }
}
