//! `contract!`: one test per backend from one async fn.

/// `contract!(a, b)` makes `sqlite::a`, `postgres::a`, … each calling `a(backend)`. The
/// PostgreSQL ones skip (pass, with a note) only when no server is configured; CI requires one.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(yanshi_store::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() {
                if yanshi_store::testing::postgres_url().is_none() { eprintln!("skipped: no YANSHI_TEST_PG_URL"); return; }
                super::$name(yanshi_store::Backend::Postgres).await
            } )*
        }
    };
}
