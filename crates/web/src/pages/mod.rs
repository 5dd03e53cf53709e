//! Server-rendered pages, one module per part of the product.

pub mod account;
pub mod admin;
pub mod afternoon;
pub mod audit;
mod audit_details;
pub mod calendar;
pub mod classes;
pub mod district;
pub mod duty;
pub mod enrolment;
pub mod home;
pub mod leave;
pub mod login;
mod on_duty;
pub mod pay;
pub mod register;
pub mod roster;
pub mod school;
pub mod service_record;
pub mod staff;
pub mod students;
pub mod survey;
pub mod volunteers;

use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::state::AppState;
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// `axum::Form` whose rejection is one of ours (a message in the user's language).
pub struct AppForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        // The raw form (the body, or the query of a GET) within the route's body limit.
        let axum::extract::RawForm(bytes) = axum::extract::RawForm::from_request(req, state)
            .await
            .map_err(|r| crate::error::rejection(r.status(), "err-bad-form"))?;
        // A NUL character is never meant (PostgreSQL cannot store it in text): refused up front,
        // so it never fails a write later as a server error. Browsers send it only as `%00`.
        if bytes.contains(&0) || bytes.windows(3).any(|w| w == b"%00") {
            return Err(AppError::BadRequest("err-bad-form"));
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(AppForm)
            .map_err(|_| AppError::BadRequest("err-bad-form"))
    }
}

/// Typed ids from the path (`IdPath(id): IdPath<ClassId>`, or a tuple of them): a segment that
/// is not an id names nothing, so it is not found (404), like an id that names nothing.
pub struct IdPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for IdPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        use axum::extract::rejection::PathRejection;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(ids)) => Ok(IdPath(ids)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(AppError::NotFound),
            Err(other) => Err(AppError::Internal(format!("path: {other}"))),
        }
    }
}

/// Renders a template into a response with a status.
pub fn page(status: StatusCode, t: impl Template) -> AppResult<Response> {
    Ok((status, Html(t.render()?)).into_response())
}

/// The client's address, for per-address sign-in limits.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.config.behind_proxy
            && let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next_back())
        {
            return Ok(ClientIp(ip.trim().to_string()));
        }
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}

/// Whether cookies set on this response must be `Secure`.
pub fn cookie_secure(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    state.config.cookie_secure
        || (state.config.behind_proxy && headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https"))
}

/// A `Set-Cookie` value. `max_age` of `Some(0)` deletes the cookie.
pub fn set_cookie(name: &str, value: &str, http_only: bool, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// A `next` parameter is only followed to a path on this site (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    // Browsers drop tabs and newlines from a URL before resolving it, so `/\t/evil.example`
    // would become `//evil.example` (another site): drop them first, then allow only a path
    // of this origin. Any other control character is refused (it cannot go in a header).
    let n: String = next.unwrap_or("").chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let same_origin_path =
        n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control) && n.len() < 500;
    if same_origin_path { n } else { "/home".to_string() }
}

pub async fn root(identity: Option<axum::Extension<Identity>>) -> Redirect {
    match identity.as_ref().and_then(|i| i.signed_in()) {
        Some(_) => Redirect::to("/home"),
        None => Redirect::to("/login"),
    }
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"status":"database unavailable"}"#,
            )
                .into_response()
        }
    }
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// The vendored assets: no CDN, nothing fetched at build or run time.
pub async fn static_file(Path(file): Path<String>) -> Response {
    let (body, mime): (&'static [u8], &str) = match file.as_str() {
        "app.css" => (include_bytes!("../../static/app.css"), "text/css; charset=utf-8"),
        "htmx.min.js" => (include_bytes!("../../static/htmx.min.js"), "text/javascript; charset=utf-8"),
        "app.js" => (include_bytes!("../../static/app.js"), "text/javascript; charset=utf-8"),
        // Loaded by app.js only when a scan starts in a browser without BarcodeDetector.
        "jsQR.js" => (include_bytes!("../../static/jsQR.js"), "text/javascript; charset=utf-8"),
        _ => return AppError::NotFound.into_response(),
    };
    (
        [(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "public, max-age=3600")],
        body,
    )
        .into_response()
}

/// The school a page or API call works on. Everyone but a district admin works on their own
/// school (asking for another is refused); a district admin names one with `?school=`.
pub fn resolve_school(
    me: &crate::identity::Me,
    asked: Option<&str>,
    action: yanshi_domain::policy::Action,
) -> AppResult<Option<yanshi_domain::ids::SchoolId>> {
    use yanshi_domain::ids::SchoolId;
    let asked = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(SchoolId::parse(s).ok_or(AppError::NotFound)?),
        None => None,
    };
    let target = match (&me.principal.school_id, asked) {
        (Some(own), None) => Some(own.clone()),
        (_, Some(s)) => Some(s),
        (None, None) => None,
    };
    if let Some(s) = &target
        && !yanshi_domain::policy::may(&me.principal, action, Some(s))
    {
        return Err(AppError::Forbidden);
    }
    Ok(target)
}

/// A school page either has its school, or (for a district admin who named none) shows a picker.
pub enum SchoolPick {
    Picked(yanshi_store::School),
    Pick(Response),
}

#[derive(Template)]
#[template(path = "pick_school.html")]
struct PickSchoolPage {
    l: crate::layout::Layout,
    title: &'static str,
    schools: Vec<yanshi_store::School>,
}

/// The school a page works on: the person's own, or the one a district admin names.
pub async fn pick_school(
    state: &AppState,
    lang: crate::i18n::Lang,
    me: &crate::identity::Me,
    asked: Option<&str>,
    action: yanshi_domain::policy::Action,
    title: &'static str,
) -> AppResult<SchoolPick> {
    match resolve_school(me, asked, action)? {
        Some(id) => Ok(SchoolPick::Picked(state.store.school(&id).await?)),
        None => {
            let l = crate::layout::Layout::for_user(state, lang, &me.user).await;
            let title = l.t.get(title);
            let schools = state.store.schools().await?;
            Ok(SchoolPick::Pick(page(StatusCode::OK, PickSchoolPage { l, title, schools })?))
        }
    }
}

/// `?school=` for links and hidden fields when a district admin works on a school.
pub fn school_query(me: &crate::identity::Me, school: &yanshi_store::School) -> String {
    if me.principal.school_id.is_some() {
        String::new()
    } else {
        format!("?school={}", school.id)
    }
}

#[derive(serde::Deserialize, Default)]
pub struct SchoolQuery {
    pub school: Option<String>,
}

/// The client's address from headers alone (for a signature's device record).
pub fn client_ip_of(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if state.config.behind_proxy
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
    {
        return ip.trim().to_string();
    }
    headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(|h| format!("via {h}"))
        .unwrap_or_default()
}

/// The school a posted form works on (its hidden `school` field, or the person's own). A
/// district admin's form always names one, so there is no picker here.
pub async fn posted_school(
    state: &AppState,
    me: &crate::identity::Me,
    form: &[(String, String)],
    action: yanshi_domain::policy::Action,
) -> AppResult<yanshi_store::School> {
    let asked = form.iter().find(|(k, _)| k == "school").map(|(_, v)| v.as_str()).unwrap_or("");
    school_named(state, me, asked, action).await
}

/// The school a typed form names in its `school` field (empty: the person's own).
pub async fn school_named(
    state: &AppState,
    me: &crate::identity::Me,
    asked: &str,
    action: yanshi_domain::policy::Action,
) -> AppResult<yanshi_store::School> {
    let asked = Some(asked.trim()).filter(|v| !v.is_empty());
    let id = resolve_school(me, asked, action)?.ok_or(AppError::NotFound)?;
    Ok(state.store.school(&id).await?)
}
