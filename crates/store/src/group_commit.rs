//! Group commit for hand-overs. At the end of the afternoon many teachers release children at
//! once; each hand-over must be durable before the teacher is told "handed over", and a durable
//! commit (an fsync) costs far more than the few statements of one hand-over. So concurrent
//! hand-overs that are ready to write queue up, and whoever takes the writer's turn writes all of
//! them in one transaction — one fsync — and answers each. Durability is unchanged: nobody is
//! answered before the commit that holds their hand-over.
//!
//! A hand-over that hits the one-per-child-per-day constraint (two teachers racing) is simply not
//! inserted (`ON CONFLICT DO NOTHING`) and the rest of the batch commits. The batch's audit
//! entries go into the chain with one head update, and the guardians' notices in one insert.

use crate::audit::{Actor, NewEntry, append_many};
use crate::{Result, Store, StoreError, Tx};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use time::Date;
use tokio::sync::oneshot;
use yanshi_domain::ids::{HandoverId, PickupAdultId, SchoolId, StudentId, UserId};

/// The most hand-overs written in one transaction.
const MAX_BATCH: usize = 256;

/// A hand-over that passed every rule at the door, ready to write.
#[derive(Debug, Clone)]
pub(crate) struct Ready {
    pub id: HandoverId,
    pub school_id: SchoolId,
    pub student: StudentId,
    pub day: Date,
    pub kind: yanshi_domain::afternoon::HandoverKind,
    pub adult_id: Option<PickupAdultId>,
    pub adult_name: String,
    pub relationship: String,
    pub method: yanshi_domain::afternoon::HandoverMethod,
    pub teacher: UserId,
    /// UTC ms: when the child left (the paper time for a sheet typed in later).
    pub left_at: i64,
    pub override_reason: Option<String>,
    pub request_id: String,
    /// When a paper entry was typed in; 0 at the door.
    pub entered_later: i64,
    /// When it was recorded (UTC ms), for the audit entry and the notice.
    pub at: i64,
    pub audit_details: serde_json::Value,
    /// What the guardians are told, rendered in each one's language when read.
    pub notice: yanshi_i18n::Message,
    /// The guardians' accounts to tell (read before the batch, outside the writer's turn).
    pub recipients: Vec<UserId>,
}

/// What became of one hand-over in a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Written {
    Inserted,
    /// The constraint said no: this child is handed over already today, or this request was.
    Conflict,
}

type Reply = oneshot::Sender<std::result::Result<Written, String>>;

#[derive(Default)]
pub(crate) struct GroupCommit {
    queue: Mutex<Vec<(Ready, Reply)>>,
    /// Held by the one request writing a batch; the others queue behind it.
    writer: tokio::sync::Mutex<()>,
    /// Since start: transactions committed and hand-overs they inserted (for `/metrics` and the
    /// benchmark).
    batches: AtomicU64,
    written: AtomicU64,
}

impl Store {
    /// Writes a ready hand-over, batched with any others waiting. Returns after the commit.
    ///
    /// The queueing and writing run in their own task: a request whose client goes away is
    /// dropped, but its hand-over — already queued, perhaps already in a batch being written —
    /// is still written and the writer's turn is not released half-way through a batch.
    pub(crate) async fn write_handover(&self, ready: Ready) -> Result<Written> {
        let store = self.clone();
        tokio::spawn(async move { store.queue_and_write(ready).await })
            .await
            .map_err(|e| StoreError::BatchFailed(format!("the hand-over writer stopped: {e}")))?
    }

    async fn queue_and_write(&self, ready: Ready) -> Result<Written> {
        let (reply, mut answer) = oneshot::channel();
        self.group
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((ready, reply));
        loop {
            let turn = self.group.writer.lock().await;
            // A writer before us may have taken ours along.
            match answer.try_recv() {
                Ok(result) => return result.map_err(StoreError::BatchFailed),
                // The batch that took ours was abandoned before it answered (a panic): whether it
                // committed is unknown to us. A retry with the same request id finds out.
                Err(oneshot::error::TryRecvError::Closed) => {
                    return Err(StoreError::BatchFailed("the hand-over batch was abandoned".into()));
                }
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let batch: Vec<(Ready, Reply)> = {
                let mut q = self.group.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let n = q.len().min(MAX_BATCH);
                q.drain(..n).collect()
            };
            self.write_batch(batch).await;
            drop(turn);
            // Ours was in that batch, or (the batch was full) it waits for the next turn.
        }
    }

    /// (group commits, hand-overs in them) since this store was opened.
    pub fn group_commit_stats(&self) -> (u64, u64) {
        (
            self.group.batches.load(Ordering::Relaxed),
            self.group.written.load(Ordering::Relaxed),
        )
    }

    async fn write_batch(&self, mut batch: Vec<(Ready, Reply)>) {
        // A row whose own INSERT fails is answered with its error and the rest are written
        // again without it; any other failure (the database unreachable, the commit refused)
        // is everyone's, answered at once — never retried row by row while the door waits.
        loop {
            if batch.is_empty() {
                return;
            }
            let ready: Vec<&Ready> = batch.iter().map(|(r, _)| r).collect();
            match self.write_all(&ready).await {
                Ok(results) => {
                    self.count(&results);
                    for ((_, reply), written) in batch.into_iter().zip(results) {
                        let _ = reply.send(Ok(written));
                    }
                    return;
                }
                Err((Some(bad), e)) => {
                    tracing::warn!(error = %e, size = batch.len(), "a hand-over row failed; writing the rest without it");
                    let (_, reply) = batch.remove(bad);
                    let _ = reply.send(Err(e.to_string()));
                }
                Err((None, e)) => {
                    tracing::error!(error = %e, size = batch.len(), "hand-over group commit failed");
                    for (_, reply) in batch {
                        let _ = reply.send(Err(e.to_string()));
                    }
                    return;
                }
            }
        }
    }

    fn count(&self, results: &[Written]) {
        self.group.batches.fetch_add(1, Ordering::Relaxed);
        let inserted = results.iter().filter(|w| **w == Written::Inserted).count();
        self.group.written.fetch_add(inserted as u64, Ordering::Relaxed);
    }

    /// Writes a batch in one transaction. An error names the row whose own INSERT failed, if
    /// it was one row's.
    async fn write_all(&self, batch: &[&Ready]) -> std::result::Result<Vec<Written>, (Option<usize>, StoreError)> {
        let all = |e: StoreError| (None, e);
        let mut tx = self.begin().await.map_err(all)?;
        let mut results = Vec::with_capacity(batch.len());
        // The one-per-child-per-day and request-id constraints decide; a row they refuse is
        // simply not inserted, and the rest of the batch goes on.
        for (i, r) in batch.iter().enumerate() {
            let inserted = insert(&mut tx, r).await.map_err(|e| (Some(i), e))?;
            results.push(if inserted { Written::Inserted } else { Written::Conflict });
        }
        let written: Vec<&Ready> = batch
            .iter()
            .zip(&results)
            .filter(|(_, w)| **w == Written::Inserted)
            .map(|(r, _)| *r)
            .collect();
        // One audit append and one inbox insert per school for the whole batch.
        let mut schools: Vec<&SchoolId> = written.iter().map(|r| &r.school_id).collect();
        schools.sort();
        schools.dedup();
        for school in schools {
            let of_school: Vec<&Ready> = written.iter().copied().filter(|r| &r.school_id == school).collect();
            let actors: Vec<Actor> = of_school.iter().map(|r| Actor::User(r.teacher.clone())).collect();
            let entries: Vec<NewEntry> = of_school
                .iter()
                .zip(&actors)
                .map(|(r, actor)| NewEntry {
                    actor,
                    action: "handover.record",
                    subject: r.student.as_str(),
                    details: &r.audit_details,
                    at_ms: r.at,
                })
                .collect();
            append_many(&mut tx, Some(school), &entries).await.map_err(all)?;
        }
        let inbox: Vec<(&UserId, &Ready)> = written.iter().flat_map(|r| r.recipients.iter().map(move |u| (u, *r))).collect();
        for rows in inbox.chunks(100) {
            let sql = format!(
                "INSERT INTO inbox (id, user_id, title, body, created_at, message_key, message_args) VALUES {}",
                crate::values_list(rows.len(), 7)
            );
            // Only placeholders are formatted into the text; every value is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (user, r) in rows {
                q = q
                    .bind(yanshi_domain::ids::MessageId::new().to_string())
                    .bind(user.to_string())
                    .bind(String::new())
                    .bind(String::new())
                    .bind(r.at)
                    .bind(r.notice.key.clone())
                    .bind(r.notice.args_json());
            }
            q.execute(&mut *tx).await.map_err(|e| all(e.into()))?;
        }
        tx.commit().await.map_err(|e| all(e.into()))?;
        Ok(results)
    }
}

/// The hand-over row itself; false when a constraint refused it (this child today, or this
/// request, is recorded already).
async fn insert(tx: &mut Tx, r: &Ready) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO handovers (id, school_id, student_id, day, kind, adult_id, adult_name, relationship, method, teacher_id, at, override_by, override_reason, request_id, entered_later) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING",
    )
    .bind(r.id.to_string())
    .bind(r.school_id.to_string())
    .bind(r.student.to_string())
    .bind(r.day.to_string())
    .bind(r.kind.as_str())
    .bind(r.adult_id.as_ref().map(ToString::to_string))
    .bind(r.adult_name.clone())
    .bind(r.relationship.clone())
    .bind(r.method.as_str())
    .bind(r.teacher.to_string())
    .bind(r.left_at)
    .bind(r.override_reason.as_ref().map(|_| r.teacher.to_string()))
    .bind(r.override_reason.clone())
    .bind(r.request_id.clone())
    .bind(r.entered_later)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(done == 1)
}
