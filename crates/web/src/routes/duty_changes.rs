//! Changes to the published duty roster — 换班, 请假 and 代班, 值班记录 — as pages and over
//! the API, one route per action. Taking duty is staff's; approving swaps and arranging cover
//! the leaders'.

use super::Access::*;
use super::Routes;
use crate::{api, pages};
use axum::http::Method as M;
use axum::routing::{get, post};
use yanshi_domain::policy::Action::*;

pub(super) fn add(routes: Routes) -> Routes {
    use api::duty::changes as a;
    use pages::duty::{cover, log, swaps};
    routes
        .add(M::GET, "/duty/swaps", Can(TakeDuty), get(swaps::swaps))
        .add(M::POST, "/duty/swaps", Can(TakeDuty), post(swaps::propose))
        .add(M::POST, "/duty/swaps/{id}/accept", Can(TakeDuty), post(swaps::accept))
        .add(M::POST, "/duty/swaps/{id}/decline", Can(TakeDuty), post(swaps::decline))
        .add(M::POST, "/duty/swaps/{id}/withdraw", Can(TakeDuty), post(swaps::withdraw))
        .add(M::POST, "/duty/swaps/{id}/approve", Can(ManageDuty), post(swaps::approve))
        .add(M::POST, "/duty/swaps/{id}/reject", Can(ManageDuty), post(swaps::reject))
        .add(M::GET, "/duty/absence", Can(TakeDuty), get(cover::absence))
        .add(M::POST, "/duty/absences", Can(TakeDuty), post(cover::report))
        .add(M::POST, "/duty/absences/{id}/withdraw", Can(TakeDuty), post(cover::withdraw))
        .add(M::POST, "/duty/absences/{id}/cover", Can(ManageDuty), post(cover::cover))
        .add(M::GET, "/duty/log", Can(TakeDuty), get(log::log))
        .add(M::POST, "/duty/log", Can(TakeDuty), post(log::sign))
        .add(M::GET, "/api/v1/duty/swaps", Can(TakeDuty), get(a::swaps))
        .add(M::POST, "/api/v1/duty/swaps", Can(TakeDuty), post(a::propose))
        .add(M::POST, "/api/v1/duty/swaps/{id}/accept", Can(TakeDuty), post(a::accept))
        .add(M::POST, "/api/v1/duty/swaps/{id}/decline", Can(TakeDuty), post(a::decline))
        .add(M::POST, "/api/v1/duty/swaps/{id}/withdraw", Can(TakeDuty), post(a::withdraw))
        .add(M::POST, "/api/v1/duty/swaps/{id}/approve", Can(ManageDuty), post(a::approve))
        .add(M::POST, "/api/v1/duty/swaps/{id}/reject", Can(ManageDuty), post(a::reject))
        .add(M::GET, "/api/v1/duty/absences", Can(TakeDuty), get(a::absences))
        .add(M::POST, "/api/v1/duty/absences", Can(TakeDuty), post(a::report))
        .add(
            M::POST,
            "/api/v1/duty/absences/{id}/withdraw",
            Can(TakeDuty),
            post(a::withdraw_absence),
        )
        .add(M::POST, "/api/v1/duty/absences/{id}/cover", Can(ManageDuty), post(a::cover))
        .add(M::GET, "/api/v1/duty/gaps", Can(ManageDuty), get(a::gaps))
        .add(M::GET, "/api/v1/duty/log", Can(ManageDuty), get(api::duty::log::log))
        .add(M::POST, "/api/v1/duty/log", Can(TakeDuty), post(api::duty::log::sign_log))
}
