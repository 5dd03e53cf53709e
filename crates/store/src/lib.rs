//! yanshi-store — the one store seam.
//!
//! Every read and write of yanshi's data goes through [`Store`], whose methods are named in the
//! school's words. One implementation serves both databases: the SQL is portable (`$1`
//! placeholders, `TEXT` and `BIGINT` columns, instants as UTC milliseconds), and the few places
//! where SQLite and PostgreSQL differ branch on [`Backend`]. The contract suite in
//! `tests/store/` runs on both.

mod accounts;
pub mod afternoon;
mod attempts;
mod audit;
pub mod audit_view;
pub mod duty;
pub mod enrolment;
mod error;
mod group_commit;
pub mod guardian_links;
pub mod handover_guards;
mod import;
pub mod invitations;
pub mod leave;
mod migrate;
mod notify;
pub mod pay;
pub mod people;
mod random;
mod schools;
pub mod service_record;
mod sessions;
pub mod setup;
pub mod survey;
pub mod terms;
#[cfg(feature = "testing")]
pub mod testing;
pub mod volunteers;
mod write;

pub use accounts::{Credentials, NewUser, User};
pub use attempts::Attempt;
pub use audit::{Actor, AuditChainReport};
pub use error::StoreError;
pub use notify::{Channel, ChannelKind, ClaimedMessage, InboxItem, MAX_ATTEMPTS, NewChannel, Notice};
pub use schools::School;
pub use sessions::{ApiToken, Session, SessionStage, SessionTimeouts, Swept};
pub(crate) use write::{OnConflict, Write};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, Executor, Transaction};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
/// A write transaction: on SQLite it holds the write lock from its first statement.
pub type Tx = Transaction<'static, Any>;

/// Which database the store runs on, chosen by the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `sqlite://…` or `postgres://…` (`postgresql://…`); anything else is refused.
    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &creds[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `($1, $2, $3), ($4, $5, $6)` for a multi-row INSERT of `rows` rows of `cols` values: only
/// placeholders go into the SQL text, every value is bound.
pub(crate) fn values_list(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The store. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Concurrent hand-overs waiting to be written together (one commit for many).
    group: std::sync::Arc<group_commit::GroupCommit>,
}

impl Store {
    /// Connects and applies the durability settings: SQLite in WAL with `synchronous=FULL`,
    /// foreign keys on and a busy timeout; PostgreSQL with synchronous commit. A hand-over is
    /// acted on at once, so durability is never traded for speed.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
            }
            _ => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(std::time::Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute(sqlx::raw_sql(
                                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                                 PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
                            ))
                            .await?;
                        }
                        Backend::Postgres => {
                            conn.execute(sqlx::raw_sql("SET synchronous_commit = on")).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| StoreError::Connect(redact_url(&url), e.to_string()))?;
        Ok(Store {
            pool,
            backend,
            group: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<Vec<&'static str>> {
        migrate::run(self).await
    }

    /// One cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so a transaction that
    /// reads before it writes cannot fail half-way with a busy snapshot.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// SQLite only: a consistent copy of the live database into `dest` (`VACUUM INTO`), safe
    /// while the server runs.
    pub async fn backup_sqlite(&self, dest: &str) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::NotOnThisBackend("backup"));
        }
        sqlx::query("VACUUM INTO $1").bind(dest.to_string()).execute(&self.pool).await?;
        Ok(())
    }

    /// Whether a SQLite file (a backup) passes `PRAGMA integrity_check` and holds a yanshi
    /// database. Opened read-only: checking a backup never changes it.
    pub async fn sqlite_file_is_intact(path: &std::path::Path) -> Result<bool> {
        use sqlx::Connection;
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
        let mut conn = sqlx::sqlite::SqliteConnection::connect_with(&opts).await?;
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await?;
        let ours: Option<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'yanshi_migrations'")
            .fetch_optional(&mut conn)
            .await?;
        conn.close().await.ok();
        Ok(check == "ok" && ours.is_some())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_values_list_numbers_every_placeholder() {
        assert_eq!(values_list(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_list(1, 1), "($1)");
    }

    #[test]
    fn urls_choose_the_backend_or_are_refused() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://h/db").unwrap(), Backend::Postgres);
        let err = Backend::from_url("postgress://u:secret@h/db").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(Backend::from_url("mysql://h/db").is_err());
    }
}
