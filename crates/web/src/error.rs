//! The one application error type and its one mapping to HTTP.
//!
//! A handler returns `AppError`; its response carries only the status and a message key. The
//! `render_errors` middleware turns that into a page or a JSON envelope in the user's
//! language. A user's mistake is a 4xx with a message they can act on; an internal failure is
//! logged with its cause and shows a generic message — never a 500 for bad input.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use yanshi_domain::Invalid;
use yanshi_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input broke a rule; `field` says which input.
    #[error("invalid input: {0}")]
    Invalid(Invalid),
    /// A well-formed request the server cannot read (malformed JSON or form).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    /// Not this person's child, class or record (the store's "not yours"); the key says why.
    #[error("forbidden: {0}")]
    NotYours(&'static str),
    /// A state-changing request that did not come from yanshi's own pages.
    #[error("cross-site request refused")]
    CrossSite,
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("request body too large")]
    TooLarge,
    #[error("too many attempts")]
    TooManyAttempts,
    #[error("internal: {0}")]
    Internal(String),
}

/// Put on an error response so `render_errors` knows what to say.
#[derive(Debug, Clone)]
pub struct ErrorKey {
    pub code: &'static str,
    pub key: &'static str,
    pub field: Option<&'static str>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::NotYours(_) | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn key(&self) -> ErrorKey {
        let (code, key, field) = match self {
            AppError::Invalid(i) => ("invalid_input", i.key, Some(i.field)),
            AppError::BadRequest(k) => ("bad_request", *k, None),
            AppError::Unauthenticated => ("unauthenticated", "err-unauthenticated", None),
            AppError::Forbidden => ("forbidden", "err-forbidden", None),
            AppError::NotYours(k) => ("forbidden", *k, None),
            AppError::CrossSite => ("cross_site", "err-cross-site", None),
            AppError::NotFound => ("not_found", "err-not-found", None),
            AppError::Conflict(k) => ("conflict", *k, None),
            AppError::TooLarge => ("too_large", "err-too-large", None),
            AppError::TooManyAttempts => ("too_many_attempts", "err-too-many-attempts", None),
            AppError::Internal(_) => ("internal", "err-internal", None),
        };
        ErrorKey { code, key, field }
    }
}

impl From<Invalid> for AppError {
    fn from(i: Invalid) -> Self {
        AppError::Invalid(i)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(i) => AppError::Invalid(i),
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden(k) => AppError::NotYours(k),
            StoreError::Conflict(_) => AppError::Conflict("err-conflict"),
            // A database outage is not "not found": it is ours, and it is logged.
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let mut resp = (self.status(), [(header::CACHE_CONTROL, "no-store")]).into_response();
        resp.extensions_mut().insert(self.key());
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Maps a framework rejection (unreadable form or JSON) to one of ours, keeping "too large".
pub fn rejection(status: StatusCode, key: &'static str) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest(key)
    }
}
