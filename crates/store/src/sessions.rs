//! Sessions and API tokens, in the database so that any instance serves any user, and the
//! sweep that deletes them (with old counted attempts) once they can no longer be used.

use crate::accounts::user_from_row;
use crate::audit::Actor;
use crate::random::{sha256_hex, token};
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::{Duration, OffsetDateTime};
use yanshi_domain::clock::to_millis;

/// How far a browser session has come through sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Signed in.
    Full,
    /// The password was right; the TOTP code is still to come.
    SecondFactor,
    /// The password was right, but this admin has no second factor yet: they may only set one up.
    EnrolSecondFactor,
}

impl SessionStage {
    fn as_str(self) -> &'static str {
        match self {
            SessionStage::Full => "full",
            SessionStage::SecondFactor => "second_factor",
            SessionStage::EnrolSecondFactor => "enrol_second_factor",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "full" => SessionStage::Full,
            "second_factor" => SessionStage::SecondFactor,
            "enrol_second_factor" => SessionStage::EnrolSecondFactor,
            other => return Err(StoreError::Corrupt(format!("sessions.stage = {other}"))),
        })
    }
}

/// How long a session lives: it ends after `idle` without a request, and after `absolute`
/// whatever happens.
#[derive(Debug, Clone, Copy)]
pub struct SessionTimeouts {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionTimeouts {
    fn default() -> Self {
        // A teacher's afternoon fits in the idle time; a working day in the absolute one.
        Self {
            idle: Duration::hours(2),
            absolute: Duration::hours(12),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub stage: SessionStage,
}

/// A bearer token for a non-browser client, as handed out once.
#[derive(Clone)]
pub struct ApiToken {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What one [`Store::sweep_expired`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub api_tokens: u64,
    pub attempts: u64,
    /// Pickup codes tried at the door (接送码), counted for the wrong-code limit.
    pub code_attempts: u64,
}

/// Only touch `last_seen_at` once a minute, not on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

impl Store {
    /// Starts a session for a user whose password was right; returns the cookie value.
    pub async fn start_session(
        &self,
        user: &User,
        stage: SessionStage,
        user_agent: &str,
        now: OffsetDateTime,
        t: SessionTimeouts,
    ) -> Result<String> {
        let secret = token();
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, stage, created_at, last_seen_at, expires_at, user_agent) \
             VALUES ($1, $2, $3, $4, $4, $5, $6)",
        )
        .bind(sha256_hex(&secret))
        .bind(user.id.to_string())
        .bind(stage.as_str())
        .bind(at)
        .bind(to_millis(now + t.absolute))
        .bind(user_agent.chars().take(200).collect::<String>())
        .execute(&mut *tx)
        .await?;
        if stage == SessionStage::Full {
            tx.commit(
                user.school_id.as_ref(),
                &Actor::User(user.id.clone()),
                "session.sign_in",
                user.id.as_str(),
                json!({}),
                at,
            )
            .await?;
        } else {
            // Part-way (the second factor still to come): signed in only once it is given.
            tx.commit_unaudited().await?;
        }
        Ok(secret)
    }

    /// The live session behind a cookie value, or `None` if it is unknown, expired, idle too
    /// long, or its account is disabled.
    pub async fn session(&self, secret: &str, now: OffsetDateTime, t: SessionTimeouts) -> Result<Option<Session>> {
        let hash = sha256_hex(secret);
        let row = sqlx::query(
            "SELECT s.stage, s.last_seen_at, s.expires_at, u.* FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1",
        )
        .bind(hash.clone())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let at = to_millis(now);
        let last_seen: i64 = row.try_get("last_seen_at")?;
        let expires: i64 = row.try_get("expires_at")?;
        let user = user_from_row(&row)?;
        if user.disabled || at >= expires || at >= last_seen + t.idle.whole_milliseconds() as i64 {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(hash)
                .execute(self.pool())
                .await?;
            return Ok(None);
        }
        if at - last_seen > TOUCH_EVERY_MS {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
                .bind(hash)
                .bind(at)
                .execute(self.pool())
                .await?;
        }
        let stage = SessionStage::parse(&row.try_get::<String, _>("stage")?)?;
        Ok(Some(Session { user, stage }))
    }

    /// Replaces a part-way session with a fully signed-in one under a new token (no session
    /// fixation across the second factor).
    pub async fn complete_sign_in(
        &self,
        old_secret: &str,
        user: &User,
        user_agent: &str,
        now: OffsetDateTime,
        t: SessionTimeouts,
    ) -> Result<String> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(sha256_hex(old_secret))
            .execute(self.pool())
            .await?;
        self.start_session(user, SessionStage::Full, user_agent, now, t).await
    }

    /// Signs out: the session is gone from the database, so no instance accepts it again.
    pub async fn end_session(&self, secret: &str, user: &User, now: OffsetDateTime) -> Result<()> {
        let mut tx = self.write().await?;
        let r = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(sha256_hex(secret))
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() > 0 {
            tx.commit(
                user.school_id.as_ref(),
                &Actor::User(user.id.clone()),
                "session.sign_out",
                user.id.as_str(),
                json!({}),
                to_millis(now),
            )
            .await?;
        } else {
            // Signed out already: nothing to record.
            tx.commit_unaudited().await?;
        }
        Ok(())
    }

    /// Issues a bearer token for the API.
    pub async fn create_api_token(&self, user: &User, now: OffsetDateTime, ttl: Duration) -> Result<ApiToken> {
        let secret = format!("ys_{}", token());
        let at = to_millis(now);
        let expires_at = now + ttl;
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(sha256_hex(&secret))
            .bind(user.id.to_string())
            .bind(at)
            .bind(to_millis(expires_at))
            .execute(&mut *tx)
            .await?;
        tx.commit(
            user.school_id.as_ref(),
            &Actor::User(user.id.clone()),
            "api_token.create",
            user.id.as_str(),
            json!({}),
            at,
        )
        .await?;
        Ok(ApiToken { token: secret, expires_at })
    }

    /// The account behind a live bearer token.
    pub async fn api_token_user(&self, secret: &str, now: OffsetDateTime) -> Result<Option<User>> {
        let row =
            sqlx::query("SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.expires_at > $2")
                .bind(sha256_hex(secret))
                .bind(to_millis(now))
                .fetch_optional(self.pool())
                .await?;
        let user = row.as_ref().map(user_from_row).transpose()?;
        Ok(user.filter(|u| !u.disabled))
    }

    pub async fn revoke_api_token(&self, secret: &str) -> Result<bool> {
        let r = sqlx::query("DELETE FROM api_tokens WHERE token_hash = $1")
            .bind(sha256_hex(secret))
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Deletes what can no longer be used: sessions past their absolute lifetime or idle for
    /// longer than `t.idle` at `now`, API tokens past their expiry, counted sign-in attempts
    /// older than `attempts_before` (outside every limit's window), and pickup codes tried at
    /// the door before `code_attempts_before`. `now` and `attempts_before` are real time;
    /// `code_attempts_before` is school time, as the door's attempts are.
    pub async fn sweep_expired(
        &self,
        now: OffsetDateTime,
        t: SessionTimeouts,
        attempts_before: OffsetDateTime,
        code_attempts_before: OffsetDateTime,
    ) -> Result<Swept> {
        let at = to_millis(now);
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(at)
            .bind(to_millis(now - t.idle))
            .execute(self.pool())
            .await?
            .rows_affected();
        let api_tokens = sqlx::query("DELETE FROM api_tokens WHERE expires_at <= $1")
            .bind(at)
            .execute(self.pool())
            .await?
            .rows_affected();
        let attempts = sqlx::query("DELETE FROM sign_in_failures WHERE at < $1")
            .bind(to_millis(attempts_before))
            .execute(self.pool())
            .await?
            .rows_affected();
        let code_attempts = crate::handover_guards::sweep_code_attempts(self, code_attempts_before).await?;
        Ok(Swept {
            sessions,
            api_tokens,
            attempts,
            code_attempts,
        })
    }
}
