//! The outbox worker. Every instance runs one; on PostgreSQL they share the work through
//! `SKIP LOCKED` claims, and a message whose worker died is taken over when its lease ends.

use crate::Deliverer;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use time::Duration;
use tokio::sync::Notify;
use yanshi_domain::clock::{Clock, to_millis};
use yanshi_store::{MAX_ATTEMPTS, Store};

/// How long a claim holds before another worker may take the message over.
const LEASE_MS: i64 = 60_000;
const BATCH: i64 = 20;

/// Wait before attempt `n + 1` after `n` failed attempts: 30 s, 1 min, 2 min … capped at 1 h.
pub fn backoff(failed_attempts: i64) -> Duration {
    let exp = failed_attempts.clamp(0, 7) as u32;
    Duration::seconds((30i64 << exp).min(3600))
}

pub struct Worker {
    store: Store,
    clock: Arc<dyn Clock>,
    deliverer: Deliverer,
    id: String,
    wake: Arc<Notify>,
}

impl Worker {
    pub fn new(store: Store, clock: Arc<dyn Clock>, deliverer: Deliverer, id: String) -> Self {
        Self {
            store,
            clock,
            deliverer,
            id,
            wake: Arc::new(Notify::new()),
        }
    }

    /// A handle that wakes the worker at once (after an enqueue on this instance).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Claims what is due now and delivers it; returns how many attempts were made.
    pub async fn run_once(&self) -> Result<usize, yanshi_store::StoreError> {
        let now = self.clock.now();
        let batch = self.store.claim_due_messages(&self.id, now, LEASE_MS, BATCH).await?;
        let n = batch.len();
        for msg in batch {
            let result = self.deliverer.deliver(&msg, to_millis(now)).await;
            let done_at = self.clock.now();
            let (ok, detail) = match &result {
                Ok(d) => (true, d.as_str()),
                Err(e) => (false, e.as_str()),
            };
            let attempts = msg.attempts + 1;
            let retry_at = (!ok && attempts < MAX_ATTEMPTS).then(|| done_at + backoff(msg.attempts));
            if !ok {
                tracing::warn!(message = %msg.id, channel = msg.channel.kind.as_str(), attempts, error = detail, "delivery failed");
            }
            self.store.record_delivery(&self.id, &msg.id, ok, detail, done_at, retry_at).await?;
        }
        Ok(n)
    }

    /// Runs until `shutdown` resolves: every two seconds, or at once when woken.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox worker"),
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(StdDuration::from_secs(2)) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(240));
        assert_eq!(backoff(9), Duration::seconds(3600));
    }
}
