//! `/metrics` in the Prometheus text format: counters of this instance, and gauges read from
//! the database (the same for every instance).

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    pub sign_in_failures: AtomicU64,
    /// Password hashes and checks run, running now, and the most that ran at once.
    password_work: AtomicU64,
    password_work_running: AtomicU64,
    password_work_peak: AtomicU64,
}

/// One password hash or check running; counted until dropped.
pub struct Running<'a>(&'a Metrics);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.password_work_running.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn password_work_started(&self) -> Running<'_> {
        self.password_work.fetch_add(1, Ordering::Relaxed);
        let now = self.password_work_running.fetch_add(1, Ordering::Relaxed) + 1;
        self.password_work_peak.fetch_max(now, Ordering::Relaxed);
        Running(self)
    }

    pub fn count_response(&self, status: u16) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
    }
}

/// Whether this request may read `/metrics`: anyone, unless a metrics token is configured.
fn allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(want) = &state.config.metrics_token else { return true };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare digests, so the time taken says nothing about how much of the token matched.
    Sha256::digest(given.as_bytes()) == Sha256::digest(want.as_bytes())
}

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !allowed(&state, &headers) {
        return AppError::Unauthenticated.into_response();
    }
    let m = &state.metrics;
    let mut out = String::new();
    out.push_str("# HELP yanshi_http_responses_total HTTP responses served by this instance, by status class.\n");
    out.push_str("# TYPE yanshi_http_responses_total counter\n");
    for (i, c) in m.by_class.iter().enumerate() {
        out.push_str(&format!(
            "yanshi_http_responses_total{{class=\"{}xx\"}} {}\n",
            i + 1,
            c.load(Ordering::Relaxed)
        ));
    }
    out.push_str(
        "# HELP yanshi_sign_in_failures_total Failed sign-ins seen by this instance.\n# TYPE yanshi_sign_in_failures_total counter\n",
    );
    out.push_str(&format!(
        "yanshi_sign_in_failures_total {}\n",
        m.sign_in_failures.load(Ordering::Relaxed)
    ));
    out.push_str(&format!(
        "# HELP yanshi_password_hashes_total Password hashes and checks run by this instance.\n# TYPE yanshi_password_hashes_total counter\nyanshi_password_hashes_total {}\n\
         # HELP yanshi_password_hashing_peak The most password hashes this instance ran at once.\n# TYPE yanshi_password_hashing_peak gauge\nyanshi_password_hashing_peak {}\n",
        m.password_work.load(Ordering::Relaxed),
        m.password_work_peak.load(Ordering::Relaxed)
    ));
    let (up, pending) = match state.store.outbox_pending().await {
        Ok(n) => (1, n),
        Err(_) => (0, 0),
    };
    out.push_str("# HELP yanshi_database_up Whether the last query to the database succeeded.\n# TYPE yanshi_database_up gauge\n");
    out.push_str(&format!("yanshi_database_up {up}\n"));
    out.push_str("# HELP yanshi_outbox_pending Notifications waiting for delivery.\n# TYPE yanshi_outbox_pending gauge\n");
    out.push_str(&format!("yanshi_outbox_pending {pending}\n"));
    let (batches, handovers) = state.store.group_commit_stats();
    out.push_str(&format!(
        "# HELP yanshi_handover_commits_total Transactions that wrote hand-overs (group commit).\n# TYPE yanshi_handover_commits_total counter\nyanshi_handover_commits_total {batches}\n\
         # HELP yanshi_handovers_written_total Hand-overs written by this instance.\n# TYPE yanshi_handovers_written_total counter\nyanshi_handovers_written_total {handovers}\n"
    ));
    out.push_str(&format!(
        "# TYPE yanshi_build_info gauge\nyanshi_build_info{{version=\"{}\"}} 1\n",
        env!("CARGO_PKG_VERSION")
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
