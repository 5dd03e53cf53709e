//! Attempts at something an attacker would guess (a password, a two-factor code, an invitation
//! code and its phone), counted per key in the database so that a limit holds across instances.
//!
//! An attempt is counted *before* the slow work, not after it: its rows are inserted and
//! committed first, then the rows under each key within the window are counted. Every request
//! counts after its own committed insert, so the k-th request to commit sees at least k, and
//! however many requests run at once, at most `limit` of them see a count within the limit. No
//! lock is needed, so this is the same SQL on SQLite and PostgreSQL. A request that was turned
//! away, or that turned out right, takes its own rows back ([`Store::forgive_attempt`]); a wrong
//! one leaves them as its failure.

use crate::random::token;
use crate::{Result, Store};
use time::OffsetDateTime;
use yanshi_domain::clock::to_millis;

/// The rows one attempt wrote, one per key, so that they can be taken back.
#[derive(Debug)]
#[must_use = "an attempt is either forgiven or left standing as a failure"]
pub struct Attempt {
    ids: Vec<String>,
}

impl Attempt {
    /// One attempt counted in stages, as one.
    pub fn and(mut self, other: Attempt) -> Attempt {
        self.ids.extend(other.ids);
        self
    }
}

impl Store {
    /// Counts an attempt under each key at `now` (committed), then returns, for each key in
    /// order, the attempts under it since `since`, this one included.
    pub async fn begin_attempt(&self, keys: &[String], now: OffsetDateTime, since: OffsetDateTime) -> Result<(Attempt, Vec<i64>)> {
        let at = to_millis(now);
        let ids: Vec<String> = keys.iter().map(|_| token()).collect();
        let mut tx = self.write().await?;
        for (id, key) in ids.iter().zip(keys) {
            sqlx::query("INSERT INTO sign_in_failures (id, key, at) VALUES ($1, $2, $3)")
                .bind(id.clone())
                .bind(key.clone())
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit_unaudited().await?;
        // Counted only after the commit, each on its own statement: every attempt committed
        // before this count is in it.
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            counts.push(self.attempts_since(key, since).await?);
        }
        Ok((Attempt { ids }, counts))
    }

    /// Takes an attempt back: it was turned away, or it was right.
    pub async fn forgive_attempt(&self, attempt: Attempt) -> Result<()> {
        let mut tx = self.write().await?;
        for id in attempt.ids {
            sqlx::query("DELETE FROM sign_in_failures WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit_unaudited().await?;
        Ok(())
    }

    /// Forgives every earlier attempt under `key` (e.g. a right two-factor code forgives the
    /// wrong ones before it).
    pub async fn clear_attempts(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
            .bind(key.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Attempts under `key` since `since` that still stand.
    pub async fn attempts_since(&self, key: &str, since: OffsetDateTime) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND at >= $2")
                .bind(key.to_string())
                .bind(to_millis(since))
                .fetch_one(self.pool())
                .await?,
        )
    }
}
