use crate::metrics::Metrics;
use std::sync::Arc;
use time::Duration;
use tokio::sync::{Notify, Semaphore};
use yanshi_domain::clock::Clock;
use yanshi_store::{SessionTimeouts, Store};

/// Settings of the web layer, resolved by the binary from defaults, file, environment, flags.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Demo mode: a banner on every page; demo accounts exist.
    pub demo: bool,
    /// Mark cookies `Secure` always (set when yanshi is reached over HTTPS).
    pub cookie_secure: bool,
    /// Behind a reverse proxy: trust `X-Forwarded-For` / `X-Forwarded-Proto`.
    pub behind_proxy: bool,
    pub session: SessionTimeouts,
    pub api_token_ttl: Duration,
    /// Failed sign-ins allowed per account, and per client address, within `failure_window`.
    pub max_failures_per_account: i64,
    pub max_failures_per_ip: i64,
    pub failure_window: Duration,
    pub invitation_ttl: Duration,
    /// How long one live-board stream stays open before the browser reconnects (so a stream
    /// never outlives a sign-out for long). Zero: send the board once and end.
    pub board_stream_for: std::time::Duration,
    /// The address people reach yanshi at (`https://yanshi.example.edu.cn`), for links and QR
    /// codes printed on paper; never taken from a request's `Host` header.
    pub public_url: String,
    /// When set, `/metrics` answers only a request with `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// Send `Strict-Transport-Security` (deployments behind TLS).
    pub hsts: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            demo: false,
            cookie_secure: false,
            behind_proxy: false,
            session: SessionTimeouts::default(),
            api_token_ttl: Duration::days(30),
            board_stream_for: std::time::Duration::from_secs(300),
            max_failures_per_account: 5,
            max_failures_per_ip: 30,
            failure_window: Duration::minutes(15),
            invitation_ttl: Duration::days(14),
            public_url: "http://127.0.0.1:8080".into(),
            metrics_token: None,
            hsts: false,
        }
    }
}

/// Shared by every request. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: WebConfig,
    pub metrics: Metrics,
    /// Wakes this instance's outbox worker after an enqueue.
    pub outbox: Arc<Notify>,
    /// Turns for reading an uploaded roster (see `pages::roster::read_roster`).
    pub imports: Semaphore,
}

/// Roster files read at once by one instance; the rest wait their turn.
pub const CONCURRENT_IMPORTS: usize = 2;

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: WebConfig, outbox: Arc<Notify>) -> Self {
        Self(Arc::new(Inner {
            store,
            clock,
            config,
            metrics: Metrics::default(),
            outbox,
            imports: Semaphore::new(CONCURRENT_IMPORTS),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
