//! The audit log, written in the same transaction as the change it records.

use crate::{Result, Store, StoreError, Tx};
use sqlx::Row;
use yanshi_domain::audit::{self, AuditEntry, Break, DISTRICT_SCOPE, GENESIS};
use yanshi_domain::ids::{SchoolId, UserId};

/// Who made a change, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    /// A command run on the server (`yanshi user create …`).
    Cli,
    /// The server itself (demo set-up, workers).
    System,
}

impl Actor {
    fn label(&self) -> String {
        match self {
            Actor::User(id) => id.to_string(),
            Actor::Cli => "cli".into(),
            Actor::System => "system".into(),
        }
    }
}

/// The chain a school's rows belong to; district-level rows have their own.
pub(crate) fn scope_of(school: Option<&SchoolId>) -> &str {
    school.map(SchoolId::as_str).unwrap_or(DISTRICT_SCOPE)
}

/// Appends one entry to the scope's chain inside `tx`. The head row is updated first: on
/// PostgreSQL its row lock orders concurrent writers of one school; on SQLite the write lock
/// already does.
pub(crate) async fn append(
    tx: &mut Tx,
    school: Option<&SchoolId>,
    actor: &Actor,
    action: &str,
    subject: &str,
    details: serde_json::Value,
    at_ms: i64,
) -> Result<()> {
    append_many(
        tx,
        school,
        &[NewEntry {
            actor,
            action,
            subject,
            details: &details,
            at_ms,
        }],
    )
    .await
}

/// One entry for [`append_many`].
pub(crate) struct NewEntry<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub subject: &'a str,
    pub details: &'a serde_json::Value,
    pub at_ms: i64,
}

/// Appends several entries to one scope's chain inside `tx` with one head update and one
/// multi-row insert (a group commit of hand-overs). The chain is the same as appending them one
/// by one.
pub(crate) async fn append_many(tx: &mut Tx, school: Option<&SchoolId>, entries: &[NewEntry<'_>]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    // Every action has its words on the audit page: a new one is added to the list first.
    debug_assert!(
        entries.iter().all(|e| yanshi_domain::audit::ACTIONS.contains(&e.action)),
        "an audit action missing from yanshi_domain::audit::ACTIONS: {:?}",
        entries.iter().map(|e| e.action).collect::<Vec<_>>()
    );
    let scope = scope_of(school).to_string();
    sqlx::query("INSERT INTO audit_heads (scope, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (scope) DO NOTHING")
        .bind(scope.clone())
        .bind(GENESIS)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("UPDATE audit_heads SET seq = seq + $2 WHERE scope = $1 RETURNING seq, hash")
        .bind(scope.clone())
        .bind(entries.len() as i64)
        .fetch_one(&mut **tx)
        .await?;
    let last: i64 = row.try_get("seq")?;
    let mut prev_hash: String = row.try_get("hash")?;
    let mut chain = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let mut entry = AuditEntry {
            scope: scope.clone(),
            seq: last - entries.len() as i64 + 1 + i as i64,
            at_ms: e.at_ms,
            actor: e.actor.label(),
            action: e.action.to_string(),
            subject: e.subject.to_string(),
            details: e.details.to_string(),
            prev_hash: prev_hash.clone(),
            hash: String::new(),
        };
        entry.hash = entry.computed_hash();
        prev_hash = entry.hash.clone();
        chain.push(entry);
    }
    sqlx::query("UPDATE audit_heads SET hash = $2 WHERE scope = $1")
        .bind(scope.clone())
        .bind(prev_hash)
        .execute(&mut **tx)
        .await?;
    // 9 parameters a row; 100 rows stay far below every backend's parameter limit.
    for rows in chain.chunks(100) {
        let sql = format!(
            "INSERT INTO audit_log (scope, seq, at, actor, action, subject, details, prev_hash, hash) VALUES {}",
            crate::values_list(rows.len(), 9)
        );
        // Only placeholders are formatted into the text; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in rows {
            q = q
                .bind(e.scope.clone())
                .bind(e.seq)
                .bind(e.at_ms)
                .bind(e.actor.clone())
                .bind(e.action.clone())
                .bind(e.subject.clone())
                .bind(e.details.clone())
                .bind(e.prev_hash.clone())
                .bind(e.hash.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        scope: r.try_get("scope")?,
        seq: r.try_get("seq")?,
        at_ms: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        details: r.try_get("details")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// The result of checking one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditChainReport {
    pub scope: String,
    /// Entries checked, or where the chain first breaks.
    pub result: Result<usize, Break>,
}

impl Store {
    /// The newest entries of a school's chain (or the district's), newest first.
    pub async fn audit_entries(&self, school: Option<&SchoolId>, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query("SELECT * FROM audit_log WHERE scope = $1 ORDER BY seq DESC LIMIT $2")
            .bind(scope_of(school).to_string())
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// Checks one chain (a school's, or the district's) from its first entry to its head.
    pub async fn verify_audit_chain(&self, school: Option<&SchoolId>) -> Result<AuditChainReport> {
        let scope = scope_of(school).to_string();
        let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE scope = $1")
            .bind(scope.clone())
            .fetch_optional(self.pool())
            .await?;
        let head: Option<(i64, String)> = head
            .map(|r| Ok::<_, StoreError>((r.try_get("seq")?, r.try_get("hash")?)))
            .transpose()?;
        let rows = sqlx::query("SELECT * FROM audit_log WHERE scope = $1 ORDER BY seq")
            .bind(scope.clone())
            .fetch_all(self.pool())
            .await?;
        let entries: Vec<AuditEntry> = rows.iter().map(entry_from_row).collect::<Result<_>>()?;
        let head = head.or_else(|| (!entries.is_empty()).then(|| (0, GENESIS.to_string())));
        let result = audit::verify_chain(&entries, head.as_ref().map(|(s, h)| (*s, h.as_str())));
        Ok(AuditChainReport { scope, result })
    }

    /// Checks every chain from its first entry to its recorded head.
    pub async fn verify_audit(&self) -> Result<Vec<AuditChainReport>> {
        let heads = sqlx::query("SELECT scope, seq, hash FROM audit_heads ORDER BY scope")
            .fetch_all(self.pool())
            .await?;
        let mut scopes: Vec<(String, Option<(i64, String)>)> = heads
            .iter()
            .map(|r| Ok((r.try_get("scope")?, Some((r.try_get("seq")?, r.try_get("hash")?)))))
            .collect::<Result<_>>()?;
        // A chain whose head row was deleted is still checked (and reported truncated).
        let logged: Vec<String> = sqlx::query_scalar("SELECT DISTINCT scope FROM audit_log")
            .fetch_all(self.pool())
            .await?;
        for s in logged {
            if !scopes.iter().any(|(x, _)| *x == s) {
                scopes.push((s, Some((0, GENESIS.to_string()))));
            }
        }
        let mut reports = Vec::new();
        for (scope, head) in scopes {
            let rows = sqlx::query("SELECT * FROM audit_log WHERE scope = $1 ORDER BY seq")
                .bind(scope.clone())
                .fetch_all(self.pool())
                .await?;
            let entries: Vec<AuditEntry> = rows.iter().map(entry_from_row).collect::<Result<_>>()?;
            let result = audit::verify_chain(&entries, head.as_ref().map(|(s, h)| (*s, h.as_str())));
            reports.push(AuditChainReport { scope, result });
        }
        Ok(reports)
    }
}
