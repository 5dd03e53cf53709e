//! yanshi-web — the pages and the JSON API.
//!
//! `app(state)` builds the whole router; `serve` runs it on a listener the caller bound, so
//! tests start it on port 0. Every route is registered through [`routes::Routes`] with the
//! access it needs; the authorization-matrix test walks that list for every role.

mod api;
mod error;
pub mod i18n;
mod identity;
mod layout;
mod limits;
mod metrics;
mod middleware;
mod pages;
pub mod routes;
mod state;
pub mod sweep;

pub use error::{AppError, AppResult};
pub use identity::SESSION_COOKIE;
pub use state::{AppState, WebConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::net::SocketAddr;

/// The whole application: every page and API route, with its middleware.
pub fn app(state: AppState) -> Router {
    let routes = routes::all();
    routes
        .into_router()
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), identity::load_identity))
        .layer(axum::middleware::from_fn(middleware::csrf))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::render_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers_and_metrics,
        ))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        // gzip or brotli when the client asks (not for the board's event stream). Level 4: a
        // page is compressed as it is served, so speed matters as much as size.
        .layer(tower_http::compression::CompressionLayer::new().quality(tower_http::compression::CompressionLevel::Precise(4)))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
