//! Cross-cutting middleware: CSRF, error rendering, security headers and response counting.

use crate::error::{AppError, ErrorKey};
use crate::i18n::{Lang, cookie};
use crate::identity::SESSION_COOKIE as SESSION_COOKIE_NAME_FOR_CSRF;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// Tokenless CSRF protection for every state-changing request: the browser's `Sec-Fetch-Site`
/// must say `same-origin` (or `none`, typed by the user); without it, `Origin` must match
/// `Host`. An API request without the session cookie authenticates by bearer token only, which
/// a cross-site page cannot attach, so it passes.
pub async fn csrf(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let cookieless_api = req.uri().path().starts_with("/api/") && cookie(h, SESSION_COOKIE_NAME_FOR_CSRF).is_none();
    if cookieless_api {
        return next.run(req).await;
    }
    let same_origin = match h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => match (
            h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            h.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) {
            (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, rest)| rest.trim_end_matches('/') == host),
            _ => false,
        },
    };
    if same_origin {
        next.run(req).await
    } else {
        AppError::CrossSite.into_response()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    status: u16,
    message: &'static str,
}

/// Turns every error response into a page or a JSON envelope in the user's language: the
/// ones handlers return (`AppError`), and the plain-text ones of the framework (a malformed
/// body, a wrong method).
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let lang = Lang::from_headers(req.headers());
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    if status.as_u16() < 400 {
        return resp;
    }
    let ours = resp.extensions().get::<ErrorKey>().cloned();
    let content_type = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ours.is_none() && (content_type.starts_with("text/html") || content_type.starts_with("application/json")) {
        return resp; // A page that shows its own error (a form with a message).
    }
    let key = ours.unwrap_or_else(|| generic(status));
    let message = lang.t(key.key);
    let mut out = if api {
        let body = serde_json::json!({ "error": { "code": key.code, "message": message, "field": key.field } });
        (status, axum::Json(body)).into_response()
    } else {
        let page = ErrorPage {
            l: Layout::bare(lang, state.config.demo),
            status: status.as_u16(),
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, message).into_response(),
        }
    };
    out.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(v) = resp.headers().get(header::WWW_AUTHENTICATE) {
        out.headers_mut().insert(header::WWW_AUTHENTICATE, v.clone());
    }
    out
}

fn generic(status: StatusCode) -> ErrorKey {
    let (code, key) = match status.as_u16() {
        400 => ("bad_request", "err-bad-request"),
        401 => ("unauthenticated", "err-unauthenticated"),
        403 => ("forbidden", "err-forbidden"),
        404 => ("not_found", "err-not-found"),
        405 => ("method_not_allowed", "err-method-not-allowed"),
        413 => ("too_large", "err-too-large"),
        415 => ("unsupported_media_type", "err-bad-request"),
        422 => ("invalid_input", "err-bad-request"),
        429 => ("too_many_attempts", "err-too-many-attempts"),
        s if s < 500 => ("bad_request", "err-bad-request"),
        _ => ("internal", "err-internal"),
    };
    ErrorKey { code, key, field: None }
}

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Security headers on every response; counts responses for `/metrics`.
pub async fn security_headers_and_metrics(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let mut resp = next.run(req).await;
    state.metrics.count_response(resp.status().as_u16());
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
    );
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if state.config.hsts {
        // Two years, as the preload list asks; only sent when the school says TLS is in front.
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
