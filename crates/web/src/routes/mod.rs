//! The route table. Every route is added here with the access it needs; the access is
//! enforced by one guard in front of the handler, and the list is what the
//! authorization-matrix test walks.

mod afternoon;
mod api_v1;
mod duty;
mod duty_changes;
mod may_open;
mod pay;
mod volunteers;

pub use may_open::may_open;

use crate::identity::Identity;
use crate::state::AppState;
use crate::{metrics, pages};
use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
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

    /// A route that takes a file: a larger body limit than the default 1 MiB.
    fn add_upload(self, method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Self {
        self.add(
            method,
            path,
            access,
            handler.layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
    }

    pub fn infos(&self) -> &[RouteInfo] {
        &self.infos
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// Roster files: a 5,000-row .xlsx is about 300 KB; base64 in the confirm step adds a third.
pub const UPLOAD_LIMIT: usize = 24 * 1024 * 1024;

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
    let routes = Routes::new()
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
            M::POST,
            "/admin/users/{id}/enable",
            Can(ManageStaffAccounts),
            post(pages::admin::enable_user),
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
        .add(M::GET, "/admin/audit", Can(ViewAudit), get(pages::audit::audit))
        // The school as data.
        .add(M::GET, "/school", Can(ManageSchool), get(pages::school::settings))
        .add(M::POST, "/school", Can(ManageSchool), post(pages::school::save_settings))
        .add(M::GET, "/school/terms", Can(ManageSchool), get(pages::school::terms))
        .add(M::POST, "/school/terms", Can(ManageSchool), post(pages::school::create_term))
        .add(M::GET, "/school/calendar", Can(ViewSchool), get(pages::calendar::show))
        .add(
            M::POST,
            "/school/calendar/overrides",
            Can(ManageSchool),
            post(pages::calendar::add_override),
        )
        .add(
            M::POST,
            "/school/calendar/overrides/{id}/delete",
            Can(ManageSchool),
            post(pages::calendar::remove_override),
        )
        .add(M::GET, "/school/classes", Can(ViewSchool), get(pages::classes::classes))
        .add(M::POST, "/school/classes", Can(ManageSchool), post(pages::classes::create_class))
        .add(
            M::POST,
            "/school/classes/standard",
            Can(ManageSchool),
            post(pages::classes::create_standard_classes),
        )
        .add(
            M::POST,
            "/school/classes/{id}/teacher",
            Can(ManageSchool),
            post(pages::classes::set_class_teacher),
        )
        .add(
            M::POST,
            "/school/grade-directors",
            Can(ManageSchool),
            post(pages::classes::set_grade_director),
        )
        .add(M::POST, "/school/places", Can(ManageSchool), post(pages::classes::create_place))
        .add(M::GET, "/school/staff", Can(ViewSchool), get(pages::staff::staff))
        .add(M::POST, "/school/staff", Can(ManageStaff), post(pages::staff::create_staff))
        .add(
            M::POST,
            "/school/staff/{id}/deactivate",
            Can(ManageStaff),
            post(pages::staff::deactivate_staff),
        )
        .add(
            M::POST,
            "/school/staff/{id}/enable",
            Can(ManageStaff),
            post(pages::staff::reactivate_staff),
        )
        .add(
            M::POST,
            "/school/staff/{id}/link",
            Can(ManageStaff),
            post(pages::staff::link_staff_account),
        )
        .add(M::GET, "/school/staff/import", Can(ManageStaff), get(pages::roster::form_staff))
        .add_upload(M::POST, "/school/staff/import", Can(ManageStaff), post(pages::roster::upload_staff))
        .add_upload(
            M::POST,
            "/school/staff/import/confirm",
            Can(ManageStaff),
            post(pages::roster::confirm_staff),
        )
        .add(
            M::GET,
            "/school/staff/template.xlsx",
            Can(ManageStaff),
            get(pages::roster::staff_template),
        )
        .add(M::GET, "/students", Can(ViewStudents), get(pages::students::index))
        .add(M::GET, "/students/class/{id}", Can(ViewStudents), get(pages::students::class))
        .add(
            M::POST,
            "/students/class/{id}/invitations",
            Can(IssueGuardianInvitations),
            post(pages::students::invitations),
        )
        .add(M::GET, "/students/{id}", Can(ViewStudents), get(pages::students::student))
        .add(
            M::POST,
            "/students/{id}/guardians",
            Can(ViewStudents),
            post(pages::students::family::add_guardian),
        )
        .add(
            M::POST,
            "/students/{id}/guardians/{guardian}/confirm",
            Can(ViewStudents),
            post(pages::students::family::confirm_guardian),
        )
        .add(
            M::POST,
            "/students/{id}/guardians/{guardian}/reject",
            Can(ViewStudents),
            post(pages::students::family::reject_guardian),
        )
        .add(
            M::POST,
            "/students/{id}/adults",
            Can(ViewStudents),
            post(pages::students::family::add_pickup_adult),
        )
        .add(
            M::POST,
            "/students/{id}/adults/{adult}/remove",
            Can(ViewStudents),
            post(pages::students::family::remove_pickup_adult),
        )
        .add(
            M::POST,
            "/students/{id}/sensitive",
            Can(ViewStudents),
            post(pages::students::family::set_sensitive),
        )
        .add(
            M::POST,
            "/students/{id}/leave",
            Can(ViewStudents),
            post(pages::leave::report_for_student),
        )
        .add(
            M::POST,
            "/students/{id}/leave/{leave}/confirm",
            Can(ViewStudents),
            post(pages::leave::confirm_for_student),
        )
        .add(
            M::POST,
            "/students/{id}/leave/{leave}/cancel",
            Can(ViewStudents),
            post(pages::leave::cancel_for_student),
        )
        .add(
            M::GET,
            "/pickup-adults/{id}/photo",
            Can(ViewStudents),
            get(pages::students::adult_photo),
        )
        .add(M::GET, "/students/import", Can(ManageStudents), get(pages::roster::form_students))
        .add_upload(
            M::POST,
            "/students/import",
            Can(ManageStudents),
            post(pages::roster::upload_students),
        )
        .add_upload(
            M::POST,
            "/students/import/confirm",
            Can(ManageStudents),
            post(pages::roster::confirm_students),
        )
        .add(
            M::GET,
            "/students/template.xlsx",
            Can(ManageStudents),
            get(pages::roster::student_template),
        )
        .add(M::GET, "/students/export.xlsx", Can(ManageStudents), get(pages::roster::export))
        // Enrolment.
        .add(M::GET, "/enrol/{id}", Can(UseOwnAccount), get(pages::enrolment::apply_form))
        .add(M::POST, "/enrol/{id}", Can(UseOwnAccount), post(pages::enrolment::apply))
        .add(M::GET, "/enrolments/{id}", Can(UseOwnAccount), get(pages::enrolment::show))
        .add(
            M::POST,
            "/enrolments/{id}/steps/{step}",
            Can(UseOwnAccount),
            post(pages::enrolment::take_step),
        )
        .add(
            M::POST,
            "/enrolments/{id}/signature",
            Can(UseOwnAccount),
            post(pages::enrolment::sign),
        )
        .add(
            M::POST,
            "/enrolments/{id}/adults",
            Can(UseOwnAccount),
            post(pages::enrolment::add_pickup_adult),
        )
        .add(
            M::POST,
            "/enrolments/{id}/terms",
            Can(UseOwnAccount),
            post(pages::enrolment::change_terms),
        )
        .add(
            M::POST,
            "/enrolments/{id}/leave",
            Can(UseOwnAccount),
            post(pages::leave::report_for_enrolment),
        )
        .add(
            M::POST,
            "/enrolments/{id}/leave/{leave}/cancel",
            Can(UseOwnAccount),
            post(pages::leave::cancel_for_enrolment),
        )
        .add(M::GET, "/enrolments/{id}/print", Can(UseOwnAccount), get(pages::enrolment::print))
        .add(M::GET, "/enrolment", Can(ReviewEnrolments), get(pages::enrolment::review))
        .add(
            M::GET,
            "/enrolment/published",
            Can(ReviewEnrolments),
            get(pages::enrolment::published),
        )
        .add(
            M::POST,
            "/enrolment/approve",
            Can(ReviewEnrolments),
            post(pages::enrolment::bulk_approve),
        )
        .add(M::GET, "/school/notice", Can(ManageSchool), get(pages::survey::admin))
        .add(M::POST, "/school/notice", Can(ManageSchool), post(pages::survey::publish_notice))
        .add(
            M::POST,
            "/school/notice/template",
            Can(ManageSchool),
            post(pages::survey::save_template),
        )
        .add(M::GET, "/survey", Can(UseOwnAccount), get(pages::survey::mine))
        .add(M::GET, "/survey/classes", Can(ReviewEnrolments), get(pages::survey::classes))
        .add(M::GET, "/survey/export.xlsx", Can(ReviewEnrolments), get(pages::survey::export))
        .add(M::GET, "/survey/{id}", Can(UseOwnAccount), get(pages::survey::form))
        .add(M::POST, "/survey/{id}", Can(UseOwnAccount), post(pages::survey::answer));
    let routes = duty::add(afternoon::add(routes))
        .add(M::GET, "/district", Can(ManageDistrict), get(pages::district::schools))
        .add(
            M::POST,
            "/district/schools",
            Can(ManageDistrict),
            post(pages::district::create_school),
        );
    let routes = volunteers::add(pay::add(routes));
    let routes = duty_changes::add(routes);
    api_v1::add(routes)
}
