//! The afternoon at the classroom door: its pages, one route per action.

use super::Access::*;
use super::Routes;
use crate::pages;
use axum::http::Method as M;
use axum::routing::{get, post};
use yanshi_domain::policy::Action::*;

pub(super) fn add(routes: Routes) -> Routes {
    routes
        // The afternoon at the classroom door.
        .add(M::GET, "/afternoon", Can(RunAfternoon), get(pages::afternoon::today::today))
        .add(
            M::POST,
            "/afternoon/weather",
            Can(RunAfternoon),
            post(pages::afternoon::weather::set),
        )
        .add(M::GET, "/afternoon/board", Can(RunAfternoon), get(pages::afternoon::board::board))
        .add(
            M::GET,
            "/afternoon/board/events",
            Can(RunAfternoon),
            get(pages::afternoon::board::events),
        )
        .add(
            M::GET,
            "/afternoon/class/{id}",
            Can(RunAfternoon),
            get(pages::afternoon::door::class),
        )
        .add(
            M::GET,
            "/afternoon/class/{id}/sheet",
            Can(RunAfternoon),
            get(pages::afternoon::sheet::sheet),
        )
        .add(
            M::GET,
            "/afternoon/class/{id}/plan",
            Can(RunAfternoon),
            get(pages::afternoon::plans::plan),
        )
        .add(
            M::POST,
            "/afternoon/class/{id}/plan",
            Can(RunAfternoon),
            post(pages::afternoon::plans::save),
        )
        .add(
            M::GET,
            "/afternoon/class/{id}/record",
            Can(RunAfternoon),
            get(pages::service_record::record),
        )
        .add(
            M::POST,
            "/afternoon/class/{id}/record/notes",
            Can(RunAfternoon),
            post(pages::service_record::save_notes),
        )
        .add(
            M::POST,
            "/afternoon/class/{id}/record/signature",
            Can(RunAfternoon),
            post(pages::service_record::sign),
        )
        .add(
            M::POST,
            "/afternoon/class/{id}/record/corrections",
            Can(RunAfternoon),
            post(pages::service_record::correct),
        )
        .add(
            M::POST,
            "/afternoon/class/{id}/record/check",
            Can(RunAfternoon),
            post(pages::service_record::check),
        )
        .add(
            M::GET,
            "/afternoon/workload",
            Can(RunAfternoon),
            get(pages::service_record::workload),
        )
        .add(
            M::GET,
            "/afternoon/absences",
            Can(RunAfternoon),
            get(pages::afternoon::absences::form),
        )
        .add(
            M::POST,
            "/afternoon/absences",
            Can(RunAfternoon),
            post(pages::afternoon::absences::import),
        )
        .add(
            M::POST,
            "/afternoon/class/{id}/roll",
            Can(RunAfternoon),
            post(pages::afternoon::roll_call::roll),
        )
        .add(
            M::POST,
            "/afternoon/class/{id}/whereabouts",
            Can(RunAfternoon),
            post(pages::afternoon::roll_call::whereabouts),
        )
        .add(
            M::POST,
            "/afternoon/class/{id}/decision",
            Can(RunAfternoon),
            post(pages::afternoon::decisions::decide),
        )
        .add(
            M::POST,
            "/afternoon/class/{id}/handover",
            Can(RunAfternoon),
            post(pages::afternoon::handover::handover),
        )
        .add(
            M::POST,
            "/students/{id}/pickup-code/{adult}",
            Can(UseOwnAccount),
            post(pages::afternoon::pickup_codes::issue),
        )
}
