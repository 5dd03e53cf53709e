//! Embedded migrations, run in order at start-up. Several instances may start at once against
//! one PostgreSQL: an advisory lock lets one migrate while the others wait.

use crate::{Backend, Result, Store};
use sqlx::{AssertSqlSafe, Executor};

/// (version, name, SQL). Append only; never edit a landed migration.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_foundation", include_str!("../migrations/0001_foundation.sql")),
    (2, "0002_school_data", include_str!("../migrations/0002_school_data.sql")),
    (3, "0003_enrolment", include_str!("../migrations/0003_enrolment.sql")),
    (4, "0004_afternoon", include_str!("../migrations/0004_afternoon.sql")),
    (5, "0005_service_record", include_str!("../migrations/0005_service_record.sql")),
    // 0006 is another branch's; until it lands, 0007 stands after 0005.
    (7, "0007_handover_guards", include_str!("../migrations/0007_handover_guards.sql")),
];

pub(crate) async fn run(store: &Store) -> Result<Vec<&'static str>> {
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        let mut tx = store.begin().await?;
        if store.backend() == Backend::Postgres {
            // Serialises concurrent start-ups; released at commit.
            sqlx::query("SELECT pg_advisory_xact_lock(7216001)").execute(&mut *tx).await?;
        }
        (&mut *tx)
            .execute(sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS yanshi_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            ))
            .await?;
        let done: Option<i64> = sqlx::query_scalar("SELECT version FROM yanshi_migrations WHERE version = $1")
            .bind(*version)
            .fetch_optional(&mut *tx)
            .await?;
        if done.is_some() {
            tx.rollback().await?;
            continue;
        }
        (&mut *tx).execute(sqlx::raw_sql(AssertSqlSafe(*sql))).await?;
        sqlx::query("INSERT INTO yanshi_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(*version)
            .bind(name.to_string())
            .bind(yanshi_domain::clock::to_millis(time::OffsetDateTime::now_utc()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(migration = name, "applied");
        applied.push(*name);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    #[test]
    fn migration_files_are_all_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| n.trim_end_matches(".sql").to_string())
            .collect();
        files.sort();
        let registered: Vec<String> = super::MIGRATIONS.iter().map(|(_, n, _)| n.to_string()).collect();
        assert_eq!(files, registered, "every migration file is registered in order, and only those");
        // The version is the file's number, so branches that take numbers in parallel merge
        // without renumbering and no database ever knows one version as two migrations. A number
        // may be missing while the branch that took it has not landed (0006).
        for (v, name, _) in super::MIGRATIONS {
            assert_eq!(name[..4].parse::<i64>().ok(), Some(*v), "{name} is version {v}");
        }
        assert!(super::MIGRATIONS.windows(2).all(|w| w[0].0 < w[1].0), "versions ascend");
    }
}
