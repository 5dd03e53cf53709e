//! The JSON API under `/api/v1`, for non-browser clients with bearer tokens. Conventions are
//! written down in `docs/API.md`: snake_case, RFC 3339 UTC times, `YYYY-MM-DD` dates, one error
//! envelope. One module per capability, as the pages; each holds its handlers and the typed
//! request and response bodies the OpenAPI document is derived from (`openapi.rs`). This one
//! holds what they share: the JSON body extractor, the error envelope, `?school=` and times.

pub mod accounts;
pub mod afternoon;
pub mod district;
pub mod duty;
pub mod enrolment;
pub mod openapi;
pub mod pay;
pub mod school;
pub mod students;
pub mod survey;
pub mod volunteers;

use crate::error::AppError;
use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// `axum::Json` whose rejection (malformed JSON, wrong content type) is one of ours.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .is_some_and(|v| v.starts_with("application/json") || v.split(';').next().is_some_and(|m| m.trim().ends_with("+json")));
        if !json {
            return Err(crate::error::rejection(StatusCode::UNSUPPORTED_MEDIA_TYPE, "err-bad-json"));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| crate::error::rejection(r.status(), "err-bad-json"))?;
        // A NUL character is never meant (PostgreSQL cannot store it in text).
        if json_has_nul(&bytes) {
            return Err(AppError::BadRequest("err-bad-json"));
        }
        Json::<T>::from_bytes(&bytes)
            .map(|j| ApiJson(j.0))
            .map_err(|r| crate::error::rejection(r.status(), "err-bad-json"))
    }
}

/// Whether a JSON text holds a NUL character: raw, or as the escape `\u0000` (and not a
/// typed backslash followed by "u0000", which JSON writes as `\\u0000`).
fn json_has_nul(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0 => return true,
            b'\\' => {
                if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                    return true;
                }
                // Skip the escaped character, so `\\` never starts a second escape.
                i += 2;
            }
            _ => i += 1,
        }
    }
    false
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// `?school=` (a district admin names the school) and, for lists, `?limit=`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SchoolQuery {
    /// The school's id: district admins only (others see their own school).
    pub(crate) school: Option<String>,
    /// How many entries at most (1–1000, default 100).
    pub(crate) limit: Option<i64>,
}

/// The one error envelope of every 4XX and 5XX answer (written by `middleware::render_errors`).
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `invalid_input`, `not_found`, `forbidden`, …
    pub code: String,
    /// In the caller's language.
    pub message: String,
    /// The input at fault, when there is one.
    pub field: Option<String>,
}

impl ErrorDetail {
    pub(crate) fn new(code: &str, message: impl Into<String>, field: &str) -> Self {
        ErrorDetail {
            code: code.into(),
            message: message.into(),
            field: Some(field.into()),
        }
    }
}

/// A date in JSON: `YYYY-MM-DD`.
pub(crate) fn ymd(d: time::Date) -> String {
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::json_has_nul;

    #[test]
    fn only_a_real_nul_escape_counts() {
        assert!(json_has_nul(br#"{"a":"x\u0000y"}"#));
        assert!(json_has_nul(b"{\"a\":\"x\0\"}"));
        assert!(!json_has_nul(br#"{"a":"x\\u0000y"}"#), "a typed backslash and u0000");
        assert!(!json_has_nul(br#"{"a":"\u4e2d"}"#));
        assert!(json_has_nul(br#"{"a":"\\\u0000"}"#), "an escaped backslash, then a NUL");
    }
}
