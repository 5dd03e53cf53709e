//! Notifications: the in-app inbox (always on) and the outbox of messages for external
//! channels. Both are written in the same transaction as the event that causes them, so a
//! crash can lose neither the event nor its message; a worker delivers the outbox.

use crate::audit::Actor;
use crate::{Backend, Result, Store, StoreError, Tx};
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yanshi_domain::Invalid;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::{ChannelId, MessageId, SchoolId, StudentId, UserId};
use yanshi_i18n::Message;

/// Where a school's external messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A generic JSON webhook (POST).
    Webhook,
    /// 企业微信 group robot.
    WeCom,
    /// 钉钉 group robot, signed with HMAC-SHA256.
    DingTalk,
    /// SMTP email to an address.
    Email,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 4] = [ChannelKind::Webhook, ChannelKind::WeCom, ChannelKind::DingTalk, ChannelKind::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::WeCom => "wecom",
            ChannelKind::DingTalk => "dingtalk",
            ChannelKind::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Channel {
    pub id: ChannelId,
    pub school_id: SchoolId,
    pub kind: ChannelKind,
    pub name: String,
    pub target: String,
    #[serde(skip)]
    pub secret: Option<String>,
    pub enabled: bool,
}

pub struct NewChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub target: String,
    pub secret: Option<String>,
}

impl NewChannel {
    fn check(&self) -> Result<(), Invalid> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(Invalid::new("name", "err-channel-name"));
        }
        let t = self.target.trim();
        match self.kind {
            ChannelKind::Email => {
                let ok = t.len() <= 254
                    && t.split_once('@')
                        .is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !t.contains(' '));
                if !ok {
                    return Err(Invalid::new("target", "err-channel-email"));
                }
            }
            _ => {
                let ok = (t.starts_with("https://") || t.starts_with("http://")) && t.len() <= 500 && !t.contains(' ');
                if !ok {
                    return Err(Invalid::new("target", "err-channel-url"));
                }
            }
        }
        if self.secret.as_ref().is_some_and(|s| s.len() > 200) {
            return Err(Invalid::new("secret", "err-channel-secret"));
        }
        Ok(())
    }
}

/// A message for people: into the inbox of each recipient, and (if `external`) out through
/// every enabled channel of the school. The store records a [`Message`] (a key and its named
/// arguments); the inbox and the channels render it in their reader's language.
#[derive(Debug, Clone)]
pub struct Notice {
    pub school: SchoolId,
    pub recipients: Vec<UserId>,
    pub message: Message,
    pub external: bool,
    /// The child a message to guardians is about (未到, 迟接): the door shows it was read.
    pub student: Option<StudentId>,
}

impl Notice {
    pub fn new(school: &SchoolId, recipients: Vec<UserId>, message: Message, external: bool) -> Self {
        Notice {
            school: school.clone(),
            recipients,
            message,
            external,
            student: None,
        }
    }

    /// The same notice, about this child.
    pub fn about(mut self, student: &StudentId) -> Self {
        self.student = Some(student.clone());
        self
    }
}

/// A stored message: the key and arguments when the row has them.
fn stored_message(r: &sqlx::any::AnyRow) -> Result<Option<Message>> {
    let key: Option<String> = r.try_get("message_key")?;
    let args: Option<String> = r.try_get("message_args")?;
    Ok(key.map(|k| Message::from_stored(&k, args.as_deref().unwrap_or("{}"))))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct InboxItem {
    pub id: String,
    /// To be rendered in the reader's language; `None` for rows that hold composed text.
    #[serde(skip)]
    pub message: Option<Message>,
    pub title: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub read: bool,
}

/// A message a worker has claimed for delivery.
#[derive(Debug, Clone)]
pub struct ClaimedMessage {
    pub id: MessageId,
    pub channel: Channel,
    /// To be rendered in the school's language; `None` for rows that hold composed text.
    pub message: Option<Message>,
    pub title: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// Writes the inbox rows and outbox rows of a notice inside the caller's transaction.
pub(crate) async fn enqueue(tx: &mut Tx, notice: &Notice, at: i64) -> Result<usize> {
    for user in &notice.recipients {
        sqlx::query(
            "INSERT INTO inbox (id, user_id, title, body, created_at, message_key, message_args, student_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(MessageId::new().to_string())
        .bind(user.to_string())
        // The title and body columns hold text only for rows written before messages had keys.
        .bind(String::new())
        .bind(String::new())
        .bind(at)
        .bind(notice.message.key.clone())
        .bind(notice.message.args_json())
        .bind(notice.student.as_ref().map(|s| s.to_string()))
        .execute(&mut **tx)
        .await?;
    }
    if !notice.external {
        return Ok(0);
    }
    let channels: Vec<String> = sqlx::query_scalar("SELECT id FROM channels WHERE school_id = $1 AND enabled = 1 ORDER BY id")
        .bind(notice.school.to_string())
        .fetch_all(&mut **tx)
        .await?;
    for channel in &channels {
        sqlx::query(
            "INSERT INTO outbox (id, school_id, channel_id, title, body, status, attempts, next_attempt_at, created_at, message_key, message_args) \
             VALUES ($1, $2, $3, $4, $5, 'PENDING', 0, $6, $6, $7, $8)",
        )
        .bind(MessageId::new().to_string())
        .bind(notice.school.to_string())
        .bind(channel.clone())
        // The title and body columns hold text only for rows written before messages had keys.
        .bind(String::new())
        .bind(String::new())
        .bind(at)
        .bind(notice.message.key.clone())
        .bind(notice.message.args_json())
        .execute(&mut **tx)
        .await?;
    }
    Ok(channels.len())
}

fn channel_from_row(r: &sqlx::any::AnyRow) -> Result<Channel> {
    let kind: String = r.try_get("kind")?;
    Ok(Channel {
        id: ChannelId::from_db(r.try_get("id")?),
        school_id: SchoolId::from_db(r.try_get("school_id")?),
        kind: ChannelKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("channels.kind = {kind}")))?,
        name: r.try_get("name")?,
        target: r.try_get("target")?,
        secret: r.try_get("secret")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
    })
}

/// The most attempts a message gets before it is marked DEAD and left for a person to see.
pub const MAX_ATTEMPTS: i64 = 10;

impl Store {
    /// Sends a notice on its own (an event without other writes, e.g. a channel test).
    pub async fn notify(&self, actor: &Actor, notice: &Notice, now: OffsetDateTime) -> Result<usize> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let n = enqueue(tx.tx(), notice, at).await?;
        tx.commit(
            Some(&notice.school),
            actor,
            "notice.send",
            "",
            json!({ "message": notice.message.key, "channels": n }),
            at,
        )
        .await?;
        Ok(n)
    }

    pub async fn create_channel(&self, actor: &Actor, school: &SchoolId, new: NewChannel, now: OffsetDateTime) -> Result<Channel> {
        new.check()?;
        let id = ChannelId::new();
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO channels (id, school_id, kind, name, target, secret, enabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
        )
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(new.kind.as_str())
        .bind(new.name.trim().to_string())
        .bind(new.target.trim().to_string())
        .bind(new.secret.clone().filter(|s| !s.trim().is_empty()))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.audit(
            Some(school),
            actor,
            "channel.create",
            id.as_str(),
            json!({ "kind": new.kind.as_str(), "name": new.name.trim() }),
            at,
        )
        .await?;
        let row = sqlx::query("SELECT * FROM channels WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit_audited().await?;
        channel_from_row(&row)
    }

    pub async fn channels(&self, school: &SchoolId) -> Result<Vec<Channel>> {
        let rows = sqlx::query("SELECT * FROM channels WHERE school_id = $1 ORDER BY created_at")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(channel_from_row).collect()
    }

    pub async fn inbox(&self, user: &UserId, limit: i64) -> Result<Vec<InboxItem>> {
        let rows = sqlx::query("SELECT * FROM inbox WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
            .bind(user.to_string())
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(InboxItem {
                    id: r.try_get("id")?,
                    message: stored_message(r)?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    created_at: from_millis(r.try_get("created_at")?),
                    read: r.try_get::<Option<i64>, _>("read_at")?.is_some(),
                })
            })
            .collect()
    }

    pub async fn unread_count(&self, user: &UserId) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE user_id = $1 AND read_at IS NULL")
                .bind(user.to_string())
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Marks all of a user's inbox as read.
    pub async fn mark_inbox_read(&self, user: &UserId, now: OffsetDateTime) -> Result<()> {
        sqlx::query("UPDATE inbox SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
            .bind(user.to_string())
            .bind(to_millis(now))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Claims up to `limit` due messages for `worker` for `lease_ms`. On PostgreSQL several
    /// instances claim at once and `SKIP LOCKED` gives each message to one of them; a worker
    /// that dies loses its lease and another takes the message over.
    pub async fn claim_due_messages(&self, worker: &str, now: OffsetDateTime, lease_ms: i64, limit: i64) -> Result<Vec<ClaimedMessage>> {
        let at = to_millis(now);
        let sql = match self.backend() {
            Backend::Postgres => {
                "UPDATE outbox SET claimed_by = $1, claim_expires_at = $2 WHERE id IN (\
                 SELECT id FROM outbox WHERE status = 'PENDING' AND next_attempt_at <= $3 \
                 AND (claim_expires_at IS NULL OR claim_expires_at <= $3) ORDER BY next_attempt_at LIMIT $4 \
                 FOR UPDATE SKIP LOCKED) RETURNING id"
            }
            Backend::Sqlite => {
                "UPDATE outbox SET claimed_by = $1, claim_expires_at = $2 WHERE id IN (\
                 SELECT id FROM outbox WHERE status = 'PENDING' AND next_attempt_at <= $3 \
                 AND (claim_expires_at IS NULL OR claim_expires_at <= $3) ORDER BY next_attempt_at LIMIT $4) RETURNING id"
            }
        };
        let mut tx = self.write().await?;
        let ids: Vec<String> = sqlx::query_scalar(sql)
            .bind(worker.to_string())
            .bind(at + lease_ms)
            .bind(at)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            let r = sqlx::query(
                "SELECT o.id AS message_id, o.title, o.body, o.message_key, o.message_args, o.attempts, c.* FROM outbox o JOIN channels c ON c.id = o.channel_id WHERE o.id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            claimed.push(ClaimedMessage {
                id: MessageId::from_db(r.try_get("message_id")?),
                channel: channel_from_row(&r)?,
                message: stored_message(&r)?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                attempts: r.try_get("attempts")?,
            });
        }
        tx.commit_unaudited().await?;
        Ok(claimed)
    }

    /// Records one delivery attempt and its outcome. Only the worker holding the claim may
    /// record it, so a worker whose lease ran out cannot overwrite the one that took over.
    /// `retry_at` is when to try again after a failure; `None` gives up (DEAD).
    pub async fn record_delivery(
        &self,
        worker: &str,
        id: &MessageId,
        ok: bool,
        detail: &str,
        now: OffsetDateTime,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<bool> {
        let at = to_millis(now);
        let detail: String = detail.chars().take(500).collect();
        let mut tx = self.write().await?;
        let r = if ok {
            sqlx::query(
                "UPDATE outbox SET status = 'SENT', attempts = attempts + 1, delivered_at = $3, claimed_by = NULL, claim_expires_at = NULL, last_error = NULL \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'PENDING'",
            )
            .bind(id.to_string())
            .bind(worker.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?
        } else {
            let (status, next) = match retry_at {
                Some(t) => ("PENDING", to_millis(t)),
                None => ("DEAD", at),
            };
            sqlx::query(
                "UPDATE outbox SET status = $3, attempts = attempts + 1, next_attempt_at = $4, claimed_by = NULL, claim_expires_at = NULL, last_error = $5 \
                 WHERE id = $1 AND claimed_by = $2 AND status = 'PENDING'",
            )
            .bind(id.to_string())
            .bind(worker.to_string())
            .bind(status)
            .bind(next)
            .bind(detail.clone())
            .execute(&mut *tx)
            .await?
        };
        if r.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("INSERT INTO outbox_attempts (id, message_id, at, worker, ok, detail) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(MessageId::new().to_string())
            .bind(id.to_string())
            .bind(at)
            .bind(worker.to_string())
            .bind(i64::from(ok))
            .bind(detail)
            .execute(&mut *tx)
            .await?;
        tx.commit_unaudited().await?;
        Ok(true)
    }

    /// (status, attempts) of a message, and its attempts' (ok, detail) in order.
    pub async fn message_delivery(&self, id: &MessageId) -> Result<(String, i64, Vec<(bool, String)>)> {
        let r = sqlx::query("SELECT status, attempts FROM outbox WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        let attempts = sqlx::query("SELECT ok, detail FROM outbox_attempts WHERE message_id = $1 ORDER BY at, id")
            .bind(id.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|a| Ok((a.try_get::<i64, _>("ok")? != 0, a.try_get("detail")?)))
            .collect::<Result<_>>()?;
        Ok((r.try_get("status")?, r.try_get("attempts")?, attempts))
    }

    /// Ids of a school's outbox messages, oldest first (for tests and the admin page).
    pub async fn outbox_ids(&self, school: &SchoolId) -> Result<Vec<MessageId>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM outbox WHERE school_id = $1 ORDER BY created_at, id")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        Ok(ids.into_iter().map(MessageId::from_db).collect())
    }

    /// Messages waiting for delivery, for `/metrics`.
    pub async fn outbox_pending(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'PENDING'")
            .fetch_one(self.pool())
            .await?)
    }
}
