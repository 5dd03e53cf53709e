//! The route table. Every route is added here with the access it needs; the access is
//! enforced by one guard in front of the handler, and the list is what the
//! authorization-matrix test walks.

use crate::identity::Identity;
use crate::state::AppState;
use crate::{api, metrics, pages};
use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, delete, get, post};
use yanshi_domain::policy::{Action, Principal, may};
use yanshi_store::SessionStage;

/// What a route needs from the person asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A session whose password was right and whose TOTP code is still to come.
    SecondFactorPending,
    /// An admin setting up two-factor sign-in before their first full sign-in (or anyone signed in).
    EnrolSecondFactor,
    /// Someone allowed to take this action (checked against the policy module).
    Can(Action),
}

#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

pub struct Routes {
    router: Router<AppState>,
    infos: Vec<RouteInfo>,
}

impl Routes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            infos: Vec::new(),
        }
    }

    fn add(mut self, method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Self {
        let api = path.starts_with("/api/");
        let guarded = handler.route_layer(middleware::from_fn(move |req: Request, next: Next| guard(access, api, req, next)));
        self.router = self.router.route(path, guarded);
        self.infos.push(RouteInfo { method, path, access });
        self
    }

    pub fn infos(&self) -> &[RouteInfo] {
        &self.infos
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// Set on the guard's redirects to sign-in, so a denial can be told from a handler's redirect.
pub const DENIED_HEADER: &str = "x-yanshi-denied";

fn denied_redirect(to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    r.headers_mut()
        .insert(DENIED_HEADER, axum::http::HeaderValue::from_static("sign-in"));
    r
}

async fn guard(access: Access, api: bool, req: Request, next: Next) -> Response {
    let identity = req.extensions().get::<Identity>().cloned().unwrap_or(Identity::Anonymous);
    let deny_anonymous = |req: &Request| -> Response {
        if api {
            crate::AppError::Unauthenticated.into_response()
        } else {
            let next = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let q = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            denied_redirect(&format!("/login?{q}"))
        }
    };
    let allowed = match (access, &identity) {
        (Access::Public, _) => true,
        (
            Access::SecondFactorPending,
            Identity::Session {
                stage: SessionStage::SecondFactor,
                ..
            },
        ) => true,
        (Access::SecondFactorPending, _) => return denied_redirect("/login"),
        (
            Access::EnrolSecondFactor,
            Identity::Session {
                stage: SessionStage::EnrolSecondFactor | SessionStage::Full,
                ..
            },
        ) => true,
        (Access::EnrolSecondFactor, Identity::Anonymous) => return deny_anonymous(&req),
        (Access::EnrolSecondFactor, _) => false,
        (Access::Can(action), _) => match &identity {
            Identity::Anonymous => return deny_anonymous(&req),
            Identity::Session {
                stage: SessionStage::SecondFactor,
                ..
            } => return denied_redirect("/login/two-factor"),
            Identity::Session {
                stage: SessionStage::EnrolSecondFactor,
                ..
            } => return denied_redirect("/account/two-factor"),
            Identity::Session { user, .. } | Identity::Bearer { user, .. } => {
                let p = Principal {
                    user_id: user.id.clone(),
                    role: user.role,
                    school_id: user.school_id.clone(),
                };
                may(&p, action, None)
            }
        },
    };
    if allowed {
        next.run(req).await
    } else {
        crate::AppError::Forbidden.into_response()
    }
}

/// Every route of the application.
pub fn all() -> Routes {
    use Access::*;
    use Action::*;
    use Method as M;
    Routes::new()
        // Operations.
        .add(M::GET, "/healthz", Public, get(pages::healthz))
        .add(M::GET, "/metrics", Public, get(metrics::metrics))
        .add(M::GET, "/static/{file}", Public, get(pages::static_file))
        // Signing in and out.
        .add(M::GET, "/", Public, get(pages::root))
        .add(M::GET, "/login", Public, get(pages::login::form))
        .add(M::POST, "/login", Public, post(pages::login::submit))
        .add(M::GET, "/login/two-factor", SecondFactorPending, get(pages::login::two_factor_form))
        .add(
            M::POST,
            "/login/two-factor",
            SecondFactorPending,
            post(pages::login::two_factor_submit),
        )
        .add(M::POST, "/logout", Public, post(pages::login::logout))
        .add(M::POST, "/lang", Public, post(pages::login::set_lang))
        .add(M::GET, "/register", Public, get(pages::register::form))
        .add(M::POST, "/register", Public, post(pages::register::submit))
        // One's own account.
        .add(M::GET, "/home", Can(UseOwnAccount), get(pages::home::home))
        .add(M::GET, "/inbox", Can(UseOwnAccount), get(pages::home::inbox))
        .add(M::GET, "/account", Can(UseOwnAccount), get(pages::account::show))
        .add(
            M::POST,
            "/account/password",
            Can(UseOwnAccount),
            post(pages::account::change_password),
        )
        .add(
            M::GET,
            "/account/two-factor",
            EnrolSecondFactor,
            get(pages::account::two_factor_form),
        )
        .add(
            M::POST,
            "/account/two-factor",
            EnrolSecondFactor,
            post(pages::account::two_factor_enable),
        )
        // The school's administration.
        .add(M::GET, "/admin/users", Can(ManageStaffAccounts), get(pages::admin::users))
        .add(M::POST, "/admin/users", Can(ManageStaffAccounts), post(pages::admin::create_user))
        .add(
            M::POST,
            "/admin/users/{id}/disable",
            Can(ManageStaffAccounts),
            post(pages::admin::disable_user),
        )
        .add(
            M::GET,
            "/admin/invitations",
            Can(IssueGuardianInvitations),
            get(pages::admin::invitations),
        )
        .add(
            M::POST,
            "/admin/invitations",
            Can(IssueGuardianInvitations),
            post(pages::admin::create_invitation),
        )
        .add(M::GET, "/admin/channels", Can(ManageChannels), get(pages::admin::channels))
        .add(M::POST, "/admin/channels", Can(ManageChannels), post(pages::admin::create_channel))
        .add(
            M::POST,
            "/admin/channels/test",
            Can(ManageChannels),
            post(pages::admin::test_channels),
        )
        .add(M::GET, "/admin/audit", Can(ViewAudit), get(pages::admin::audit))
        .add(M::GET, "/district", Can(ManageDistrict), get(pages::district::schools))
        .add(
            M::POST,
            "/district/schools",
            Can(ManageDistrict),
            post(pages::district::create_school),
        )
        // The JSON API.
        .add(M::GET, "/api/v1/openapi.json", Public, get(api::openapi::spec))
        .add(M::GET, "/api/v1/docs", Public, get(api::openapi::docs))
        .add(M::POST, "/api/v1/tokens", Public, post(api::create_token))
        .add(M::DELETE, "/api/v1/tokens/current", Can(UseOwnAccount), delete(api::revoke_token))
        .add(M::GET, "/api/v1/me", Can(UseOwnAccount), get(api::me))
        .add(M::GET, "/api/v1/inbox", Can(UseOwnAccount), get(api::inbox))
        .add(M::GET, "/api/v1/schools", Can(ManageDistrict), get(api::schools))
        .add(M::POST, "/api/v1/schools", Can(ManageDistrict), post(api::create_school))
        .add(M::GET, "/api/v1/users", Can(ManageStaffAccounts), get(api::users))
        .add(M::POST, "/api/v1/users", Can(ManageStaffAccounts), post(api::create_user))
        .add(
            M::POST,
            "/api/v1/invitations",
            Can(IssueGuardianInvitations),
            post(api::create_invitation),
        )
        .add(M::GET, "/api/v1/audit", Can(ViewAudit), get(api::audit))
}
