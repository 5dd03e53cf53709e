//! Who is making the request: a browser session (cookie), a bearer token, or nobody.

use crate::error::AppError;
use crate::i18n::{Lang, cookie};
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use yanshi_domain::policy::Principal;
use yanshi_store::{SessionStage, User};

/// The session cookie: a random token whose SHA-256 is the session's key in the database.
pub const SESSION_COOKIE: &str = "yanshi_session";

#[derive(Clone)]
pub enum Identity {
    Anonymous,
    Session {
        user: Box<User>,
        stage: SessionStage,
        secret: String,
    },
    Bearer {
        user: Box<User>,
        secret: String,
    },
}

impl Identity {
    /// The account, when sign-in is complete (all factors).
    pub fn signed_in(&self) -> Option<&User> {
        match self {
            Identity::Session {
                user,
                stage: SessionStage::Full,
                ..
            }
            | Identity::Bearer { user, .. } => Some(user),
            _ => None,
        }
    }
}

fn bearer(parts: &axum::http::HeaderMap) -> Option<&str> {
    parts
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Loads the identity once per request, for the guards and handlers behind it.
pub async fn load_identity(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let now = state.clock.real_now();
    let headers = req.headers();
    let identity = if let Some(token) = bearer(headers) {
        match state.store.api_token_user(token, now).await {
            Ok(Some(user)) => Identity::Bearer {
                user: Box::new(user),
                secret: token.to_string(),
            },
            Ok(None) => Identity::Anonymous,
            Err(e) => return AppError::from(e).into_response(),
        }
    } else if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        match state.store.session(&secret, now, state.config.session).await {
            Ok(Some(s)) => Identity::Session {
                user: Box::new(s.user),
                stage: s.stage,
                secret,
            },
            Ok(None) => Identity::Anonymous,
            Err(e) => return AppError::from(e).into_response(),
        }
    } else {
        Identity::Anonymous
    };
    req.extensions_mut().insert(identity);
    next.run(req).await
}

/// The signed-in account of a handler that needs one.
pub struct Me {
    pub user: User,
    pub principal: Principal,
    pub bearer_secret: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Me {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let identity = parts.extensions.get::<Identity>().cloned().unwrap_or(Identity::Anonymous);
        let (user, bearer_secret) = match identity {
            Identity::Session {
                user,
                stage: SessionStage::Full,
                ..
            } => (*user, None),
            Identity::Bearer { user, secret } => (*user, Some(secret)),
            _ => return Err(AppError::Unauthenticated),
        };
        let principal = Principal {
            user_id: user.id.clone(),
            role: user.role,
            school_id: user.school_id.clone(),
        };
        Ok(Me {
            user,
            principal,
            bearer_secret,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}
