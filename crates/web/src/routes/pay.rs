//! 绩效工资: the leaders' pages of the school's performance pay to its staff, and its API.

use super::Access::*;
use super::Routes;
use crate::{api, pages};
use axum::http::Method as M;
use axum::routing::{get, post};
use yanshi_domain::policy::Action::*;

pub(super) fn add(routes: Routes) -> Routes {
    routes
        .add(M::GET, "/school/pay", Can(ReviewPay), get(pages::pay::index))
        .add(M::POST, "/school/pay/rates", Can(ReviewPay), post(pages::pay::set_rates))
        .add(M::POST, "/school/pay/periods", Can(ReviewPay), post(pages::pay::create_period))
        .add(M::GET, "/school/pay/summary", Can(ReviewPay), get(pages::pay::sheet::summary))
        .add(M::GET, "/school/pay/{id}", Can(ReviewPay), get(pages::pay::review::review))
        .add(
            M::POST,
            "/school/pay/{id}/corrections",
            Can(ReviewPay),
            post(pages::pay::review::correct),
        )
        .add(M::POST, "/school/pay/{id}/lock", Can(ReviewPay), post(pages::pay::review::lock))
        .add(M::GET, "/school/pay/{id}/print", Can(ReviewPay), get(pages::pay::sheet::print))
        .add(M::GET, "/school/pay/{id}/report.xlsx", Can(ReviewPay), get(pages::pay::sheet::xlsx))
        // The JSON API.
        .add(M::GET, "/api/v1/pay/periods", Can(ReviewPay), get(api::pay::periods))
        .add(M::GET, "/api/v1/pay/periods/{id}", Can(ReviewPay), get(api::pay::report))
        .add(
            M::POST,
            "/api/v1/pay/periods/{id}/corrections",
            Can(ReviewPay),
            post(api::pay::correct),
        )
        .add(M::POST, "/api/v1/pay/periods/{id}/lock", Can(ReviewPay), post(api::pay::lock))
        .add(M::GET, "/api/v1/pay/summary", Can(ReviewPay), get(api::pay::summary))
        .add(M::GET, "/api/v1/my/pay", Can(ViewOwnPay), get(api::pay::my_pay))
}
