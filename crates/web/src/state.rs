use crate::error::{AppError, AppResult};
use crate::metrics::Metrics;
use std::sync::Arc;
use time::Duration;
use tokio::sync::{Notify, Semaphore};
use yanshi_domain::account::NewPassword;
use yanshi_domain::clock::Clock;
use yanshi_domain::password;
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
    /// Failed sign-ins allowed within `failure_window` for one account from one client
    /// address: the lock a teacher meets after mistyping. Per address, so that a stranger who
    /// guesses a teacher's username cannot lock the teacher out from elsewhere.
    pub max_failures_per_account_at_ip: i64,
    /// Failed sign-ins allowed for one account from all addresses together: the ceiling for a
    /// guesser spread over many addresses.
    pub account_failure_ceiling: i64,
    /// Failed sign-ins (and wrong two-factor codes) allowed from one client address.
    pub max_failures_per_ip: i64,
    /// Wrong two-factor codes allowed for one account, on the page and the API together. A
    /// right password does not reset this; a right code does.
    pub max_two_factor_failures: i64,
    /// Failed sign-ups (an unknown code, a phone the school does not have) from one address.
    pub max_registration_failures_per_ip: i64,
    /// Wrong phones typed with one invitation code before the code answers "too many".
    pub max_wrong_phones_per_invitation: i64,
    /// The window every limit above counts in.
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
            max_failures_per_account_at_ip: 5,
            account_failure_ceiling: 50,
            max_failures_per_ip: 30,
            max_two_factor_failures: 5,
            max_registration_failures_per_ip: 20,
            max_wrong_phones_per_invitation: 5,
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
    /// Password hashing is slow and takes 19 MiB each: at most this many run at once, however
    /// many requests ask (see [`AppState::hash_password`]).
    hashing: Semaphore,
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
            hashing: Semaphore::new(hashing_permits()),
        }))
    }

    /// Hashes a new password off the async runtime, waiting for a turn among the hashes
    /// allowed at once.
    pub async fn hash_password(&self, password: NewPassword) -> AppResult<String> {
        self.password_work(move || password::hash(&password)).await
    }

    /// Checks a typed password against a stored hash, off the async runtime and in turn.
    pub async fn verify_password(&self, stored: String, typed: String) -> AppResult<bool> {
        self.password_work(move || password::verify(&stored, &typed)).await
    }

    async fn password_work<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        let _turn = self
            .hashing
            .acquire()
            .await
            .map_err(|e| AppError::Internal(format!("password hashing: {e}")))?;
        let _running = self.metrics.password_work_started();
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
    }
}

/// Two hashes per core (a hash is mostly memory-bound waiting), and at least two.
fn hashing_permits() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2).max(2)
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
