//! 值班: the roster's pages, one route per action.

use super::Access::*;
use super::Routes;
use crate::pages::duty::{roster, setup};
use axum::http::Method as M;
use axum::routing::{get, post};
use yanshi_domain::policy::Action::*;

pub(super) fn add(routes: Routes) -> Routes {
    routes
        .add(M::GET, "/duty", Can(TakeDuty), get(roster::roster))
        .add(M::GET, "/duty/print", Can(TakeDuty), get(roster::print))
        .add(M::GET, "/duty/export.xlsx", Can(TakeDuty), get(roster::export))
        .add(M::POST, "/duty/generate", Can(ManageDuty), post(roster::generate))
        .add(M::POST, "/duty/publish", Can(ManageDuty), post(roster::publish))
        .add(M::POST, "/duty/turns", Can(ManageDuty), post(roster::assign))
        .add(M::POST, "/duty/turns/{id}/remove", Can(ManageDuty), post(roster::unassign))
        .add(M::GET, "/duty/setup", Can(ManageDuty), get(setup::setup))
        .add(M::POST, "/duty/settings", Can(ManageDuty), post(setup::save_settings))
        .add(M::POST, "/duty/posts", Can(ManageDuty), post(setup::add_post))
        .add(M::POST, "/duty/posts/{id}", Can(ManageDuty), post(setup::edit_post))
        .add(M::POST, "/duty/limits/{id}", Can(ManageDuty), post(setup::set_limit))
        .add(M::GET, "/duty/unavailable", Can(TakeDuty), get(setup::unavailable))
        .add(M::POST, "/duty/unavailable", Can(TakeDuty), post(setup::declare))
        .add(M::POST, "/duty/unavailable/{id}/withdraw", Can(TakeDuty), post(setup::withdraw))
}
