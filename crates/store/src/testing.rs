//! Fresh databases for tests: a temporary SQLite file, or a new PostgreSQL database per test.
//!
//! PostgreSQL runs when `YANSHI_TEST_PG_URL` names a server (e.g. `postgres://127.0.0.1/test`).
//! With `YANSHI_REQUIRE_PG=1` (set by CI) a missing URL fails the tests instead of skipping.

use crate::{Backend, Store};
use sqlx::{AssertSqlSafe, Connection, Executor};

/// A database that exists for one test and is removed when dropped.
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

/// The PostgreSQL server for tests, if any. Panics when PostgreSQL is required but not given.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("YANSHI_TEST_PG_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() && std::env::var("YANSHI_REQUIRE_PG").is_ok_and(|v| v == "1") {
        panic!("YANSHI_REQUIRE_PG=1 but YANSHI_TEST_PG_URL is not set: the PostgreSQL suite is required here");
    }
    url
}

/// The backends the suites run on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        b.push(Backend::Postgres);
    }
    b
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> TestDatabase {
        let name = format!("yanshi_t_{}", uuid_simple());
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    cleanup: Cleanup::File(path),
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_url().expect("PostgreSQL test URL");
                let mut conn = sqlx::postgres::PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to the PostgreSQL test server");
                conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .expect("create a test database");
                conn.close().await.ok();
                let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin_url.clone());
                TestDatabase {
                    url: format!("{base}/{name}"),
                    backend,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
        }
    }

    /// A connected, migrated store on this database.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url).await.expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        store
    }
}

fn uuid_simple() -> String {
    hex::encode(crate::random::bytes::<8>())
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                    rt.block_on(async {
                        let mut conn = sqlx::postgres::PgConnection::connect(&admin_url).await.ok()?;
                        conn.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                            .await
                            .ok()?;
                        Some(())
                    })
                })
                .join();
            }
        }
    }
}
