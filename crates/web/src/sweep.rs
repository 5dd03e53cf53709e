//! The sweep: every few minutes, expired sessions and API tokens, and counted attempts (sign-ins,
//! pickup codes at the door) older than every limit's window, are deleted, so the tables hold only what can still be used.
//! Safe on several instances at once (each delete is idempotent).

use crate::state::AppState;
use tokio::sync::watch;
use yanshi_store::{StoreError, Swept};

/// How often [`run`] sweeps.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// One sweep, on real time (sessions and tokens follow it also in a rehearsal); pickup codes
/// tried at the door on school time, as they were counted.
pub async fn sweep_once(state: &AppState) -> Result<Swept, StoreError> {
    let now = state.clock.real_now();
    let code_window = time::Duration::minutes(yanshi_domain::afternoon::WRONG_CODE_WINDOW_MINUTES);
    state
        .store
        .sweep_expired(
            now,
            state.config.session,
            now - state.config.failure_window,
            state.clock.now() - code_window,
        )
        .await
}

/// Sweeps every [`EVERY`] (the first time at once) until `stop` changes.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        match sweep_once(&state).await {
            Ok(s) if s == Swept::default() => {}
            Ok(s) => tracing::info!(
                sessions = s.sessions,
                api_tokens = s.api_tokens,
                attempts = s.attempts,
                code_attempts = s.code_attempts,
                "swept"
            ),
            Err(e) => tracing::error!(error = %e, "sweep of expired sessions failed"),
        }
    }
}
