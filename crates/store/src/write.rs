//! The shape of a write: begin, work, record it in the audit log, commit once.
//!
//! ```ignore
//! let mut tx = self.write().await?;
//! sqlx::query("INSERT INTO staff …").bind(…).execute(&mut *tx).await.on_conflict("staff_number", "err-staff-number-taken")?;
//! tx.commit(Some(school), actor, "staff.create", id.as_str(), json!({ … }), at).await?;
//! ```
//!
//! [`Write::commit`] takes the audit entry, so a change cannot be committed without one by
//! accident; the other ways to commit say what they are at the call site. Dropping a `Write`
//! without committing rolls it back, as a transaction does.

use crate::audit::{Actor, append};
use crate::{Result, Store, StoreError, Tx};
use sqlx::AnyConnection;
use yanshi_domain::Invalid;
use yanshi_domain::ids::SchoolId;

/// A write transaction that ends in one commit carrying its audit entry. `&mut *tx` runs a
/// statement in it; [`Write::tx`] lends the transaction to the helpers that take one.
pub(crate) struct Write {
    tx: Tx,
}

impl Store {
    /// Begins a write ([`Store::begin`]: `BEGIN IMMEDIATE` on SQLite).
    pub(crate) async fn write(&self) -> Result<Write> {
        Ok(Write { tx: self.begin().await? })
    }
}

impl std::ops::Deref for Write {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Write {
    /// The transaction, for the helpers that work inside one (`enqueue`, `insert_place`).
    pub(crate) fn tx(&mut self) -> &mut Tx {
        &mut self.tx
    }

    /// Appends an entry now: a change recorded in a second chain, or an entry written
    /// before the rest of the work. Finish with [`Write::commit_audited`] or another entry.
    pub(crate) async fn audit(
        &mut self,
        school: Option<&SchoolId>,
        actor: &Actor,
        action: &str,
        subject: &str,
        details: serde_json::Value,
        at_ms: i64,
    ) -> Result<()> {
        append(&mut self.tx, school, actor, action, subject, details, at_ms).await
    }

    /// Records the change in the audit log and commits.
    pub(crate) async fn commit(
        mut self,
        school: Option<&SchoolId>,
        actor: &Actor,
        action: &str,
        subject: &str,
        details: serde_json::Value,
        at_ms: i64,
    ) -> Result<()> {
        self.audit(school, actor, action, subject, details, at_ms).await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// Commits a write whose entries were appended already, with [`Write::audit`] or by the
    /// helpers it called (`insert_user`, `record_step`, `write_roll`).
    pub(crate) async fn commit_audited(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Takes everything back (a write that turned out to have nothing to do).
    pub(crate) async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Commits a write the audit log does not record (counters, logged reads, the outbox's own
    /// bookkeeping).
    pub(crate) async fn commit_unaudited(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// A uniqueness violation turned into the refusal the user sees; other errors pass through.
pub(crate) trait OnConflict<T> {
    /// Any uniqueness violation means `field` is taken: refused with `key`.
    fn on_conflict(self, field: &'static str, key: &'static str) -> Result<T>;

    /// The constraint (or the database's message) names what clashed; `refusal` says which
    /// refusal that is, or `None` to keep the conflict.
    fn on_conflict_where(self, refusal: impl FnOnce(&str) -> Option<Invalid>) -> Result<T>;
}

impl<T, E: Into<StoreError>> OnConflict<T> for std::result::Result<T, E> {
    fn on_conflict(self, field: &'static str, key: &'static str) -> Result<T> {
        self.on_conflict_where(|_| Some(Invalid::new(field, key)))
    }

    fn on_conflict_where(self, refusal: impl FnOnce(&str) -> Option<Invalid>) -> Result<T> {
        self.map_err(|e| match e.into() {
            StoreError::Conflict(c) => match refusal(&c) {
                Some(invalid) => StoreError::Invalid(invalid),
                None => StoreError::Conflict(c),
            },
            other => other,
        })
    }
}
