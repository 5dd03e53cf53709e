//! The JSON API under /api/v1, a block per capability as the pages.

use super::Access::*;
use super::Routes;
use crate::api;
use axum::http::Method as M;
use axum::routing::{delete, get, post};
use yanshi_domain::policy::Action::*;

pub(super) fn add(routes: Routes) -> Routes {
    routes
        // The JSON API.
        .add(M::GET, "/api/v1/openapi.json", Public, get(api::openapi::spec))
        .add(M::GET, "/api/v1/docs", Public, get(api::openapi::docs))
        .add(M::POST, "/api/v1/tokens", Public, post(api::accounts::create_token))
        .add(
            M::DELETE,
            "/api/v1/tokens/current",
            Can(UseOwnAccount),
            delete(api::accounts::revoke_token),
        )
        .add(M::GET, "/api/v1/me", Can(UseOwnAccount), get(api::accounts::me))
        .add(M::GET, "/api/v1/duty/roster", Can(TakeDuty), get(api::duty::roster))
        .add(M::GET, "/api/v1/duty/mine", Can(TakeDuty), get(api::duty::mine))
        .add(M::POST, "/api/v1/duty/generate", Can(ManageDuty), post(api::duty::generate))
        .add(M::POST, "/api/v1/duty/publish", Can(ManageDuty), post(api::duty::publish))
        .add(M::GET, "/api/v1/duty/posts", Can(TakeDuty), get(api::duty::posts))
        .add(M::POST, "/api/v1/duty/posts", Can(ManageDuty), post(api::duty::create_post))
        .add(M::POST, "/api/v1/duty/unavailable", Can(TakeDuty), post(api::duty::unavailable))
        .add(M::GET, "/api/v1/inbox", Can(UseOwnAccount), get(api::accounts::inbox))
        .add(M::GET, "/api/v1/schools", Can(ManageDistrict), get(api::district::schools))
        .add(M::POST, "/api/v1/schools", Can(ManageDistrict), post(api::district::create_school))
        .add(M::GET, "/api/v1/users", Can(ManageStaffAccounts), get(api::accounts::users))
        .add(M::POST, "/api/v1/users", Can(ManageStaffAccounts), post(api::accounts::create_user))
        .add(
            M::POST,
            "/api/v1/invitations",
            Can(IssueGuardianInvitations),
            post(api::accounts::create_invitation),
        )
        .add(M::GET, "/api/v1/audit", Can(ViewAudit), get(api::school::audit))
        .add(M::GET, "/api/v1/school", Can(ViewSchool), get(api::school::school))
        .add(M::GET, "/api/v1/classes", Can(ViewSchool), get(api::school::classes))
        .add(M::GET, "/api/v1/calendar", Can(ViewSchool), get(api::school::calendar))
        .add(
            M::GET,
            "/api/v1/classes/{id}/students",
            Can(ViewStudents),
            get(api::students::class_students),
        )
        .add_upload(
            M::POST,
            "/api/v1/students/import",
            Can(ManageStudents),
            post(api::students::import_students),
        )
        .add(M::GET, "/api/v1/my/children", Can(UseOwnAccount), get(api::students::my_children))
        .add(M::GET, "/api/v1/my/notice", Can(UseOwnAccount), get(api::survey::my_notice))
        .add(M::GET, "/api/v1/enrolments", Can(UseOwnAccount), get(api::enrolment::enrolments))
        .add(
            M::POST,
            "/api/v1/enrolments",
            Can(UseOwnAccount),
            post(api::enrolment::create_enrolment),
        )
        .add(
            M::GET,
            "/api/v1/enrolments/{id}",
            Can(UseOwnAccount),
            get(api::enrolment::enrolment),
        )
        .add(
            M::POST,
            "/api/v1/enrolments/{id}/steps",
            Can(UseOwnAccount),
            post(api::enrolment::enrolment_step),
        )
        .add(
            M::POST,
            "/api/v1/enrolments/{id}/signatures",
            Can(UseOwnAccount),
            post(api::enrolment::sign),
        )
        .add(
            M::GET,
            "/api/v1/classes/{id}/afternoon",
            Can(RunAfternoon),
            get(api::afternoon::class_today),
        )
        .add(M::POST, "/api/v1/classes/{id}/roll", Can(RunAfternoon), post(api::afternoon::roll))
        .add(
            M::POST,
            "/api/v1/classes/{id}/whereabouts",
            Can(RunAfternoon),
            post(api::afternoon::whereabouts),
        )
        .add(M::POST, "/api/v1/handovers", Can(RunAfternoon), post(api::afternoon::handover))
        .add(M::GET, "/api/v1/board", Can(RunAfternoon), get(api::afternoon::board))
        .add(M::POST, "/api/v1/absences", Can(RunAfternoon), post(api::afternoon::absences))
        .add(
            M::GET,
            "/api/v1/classes/{id}/record",
            Can(RunAfternoon),
            get(api::afternoon::record),
        )
        .add(
            M::POST,
            "/api/v1/classes/{id}/record/signature",
            Can(RunAfternoon),
            post(api::afternoon::sign_record),
        )
}
