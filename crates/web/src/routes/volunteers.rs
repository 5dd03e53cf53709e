//! 志愿者: the school admins' pages and the volunteer's own, one route per action, and their API.

use super::Access::*;
use super::Routes;
use crate::{api, pages};
use axum::http::Method as M;
use axum::routing::{get, post};
use yanshi_domain::policy::Action::*;

pub(super) fn add(routes: Routes) -> Routes {
    use pages::volunteers as v;
    routes
        .add(M::GET, "/school/volunteers", Can(ManageVolunteers), get(v::list))
        .add(M::POST, "/school/volunteers", Can(ManageVolunteers), post(v::register))
        .add(M::POST, "/school/volunteer-settings", Can(ManageVolunteers), post(v::set_validity))
        .add(M::GET, "/school/volunteers/{id}", Can(ManageVolunteers), get(v::detail))
        .add(
            M::POST,
            "/school/volunteers/{id}/checks",
            Can(ManageVolunteers),
            post(v::record_check),
        )
        .add(
            M::GET,
            "/school/volunteers/{id}/certificate",
            Can(ManageVolunteers),
            get(v::certificate::show),
        )
        .add(
            M::POST,
            "/school/volunteers/{id}/certificate",
            Can(ManageVolunteers),
            post(v::certificate::issue),
        )
        .add(
            M::GET,
            "/school/volunteer-certificates/{id}",
            Can(ManageVolunteers),
            get(v::certificate::issued),
        )
        .add(M::GET, "/volunteer", Can(VolunteerSelf), get(v::own::own))
        .add(M::GET, "/volunteer/certificates/{id}", Can(VolunteerSelf), get(v::own::certificate))
        // The JSON API.
        .add(
            M::GET,
            "/api/v1/school/volunteers",
            Can(ManageVolunteers),
            get(api::volunteers::volunteers),
        )
        .add(
            M::POST,
            "/api/v1/school/volunteers",
            Can(ManageVolunteers),
            post(api::volunteers::register_volunteer),
        )
        .add(
            M::GET,
            "/api/v1/school/volunteers/{id}",
            Can(ManageVolunteers),
            get(api::volunteers::volunteer),
        )
        .add(
            M::POST,
            "/api/v1/school/volunteers/{id}/checks",
            Can(ManageVolunteers),
            post(api::volunteers::record_check),
        )
        .add(
            M::POST,
            "/api/v1/school/volunteers/{id}/certificates",
            Can(ManageVolunteers),
            post(api::volunteers::issue_certificate),
        )
        .add(
            M::POST,
            "/api/v1/school/volunteer-settings",
            Can(ManageVolunteers),
            post(api::volunteers::set_validity),
        )
        .add(M::GET, "/api/v1/volunteer/me", Can(VolunteerSelf), get(api::volunteers::me))
}
