//! Embedded migrations, run in order at start-up. Several instances may start at once against
//! one PostgreSQL: an advisory lock lets one migrate while the others wait.

use crate::{Backend, Result, Store, StoreError};
use sqlx::{AssertSqlSafe, Executor};

/// (version, name, SQL). Append only; never edit a landed migration.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "0001_foundation", include_str!("../migrations/0001_foundation.sql")),
    (2, "0002_school_data", include_str!("../migrations/0002_school_data.sql")),
    (3, "0003_enrolment", include_str!("../migrations/0003_enrolment.sql")),
    (4, "0004_afternoon", include_str!("../migrations/0004_afternoon.sql")),
    (5, "0005_service_record", include_str!("../migrations/0005_service_record.sql")),
    (6, "0006_guardian_links", include_str!("../migrations/0006_guardian_links.sql")),
    (7, "0007_handover_guards", include_str!("../migrations/0007_handover_guards.sql")),
    (8, "0008_messages", include_str!("../migrations/0008_messages.sql")),
    (9, "0009_door", include_str!("../migrations/0009_door.sql")),
    (10, "0010_duty", include_str!("../migrations/0010_duty.sql")),
    (11, "0011_volunteers", include_str!("../migrations/0011_volunteers.sql")),
    (12, "0012_pay", include_str!("../migrations/0012_pay.sql")),
];

/// The SHA-256 of a migration's text, recorded when it is applied: a file changed after it was
/// applied means the database and the code disagree about the schema, so start-up stops.
fn checksum(sql: &str) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(sql.as_bytes()))
}

/// Refuses to go on when an applied migration's file differs from what was applied. Databases
/// made before checksums were kept get theirs recorded from today's files.
async fn check_applied(store: &Store) -> Result<()> {
    let mut tx = store.begin().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7216001)").execute(&mut *tx).await?;
    }
    (&mut *tx)
        .execute(sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS yanshi_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL); \
             CREATE TABLE IF NOT EXISTS yanshi_migration_checksums (version BIGINT PRIMARY KEY, sha256 TEXT NOT NULL)",
        ))
        .await?;
    let applied: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT m.version, c.sha256 FROM yanshi_migrations m LEFT JOIN yanshi_migration_checksums c ON c.version = m.version",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (version, recorded) in applied {
        let Some((_, name, sql)) = MIGRATIONS.iter().find(|(v, _, _)| *v == version) else {
            return Err(StoreError::Corrupt(format!(
                "the database has migration {version}, which this yanshi does not know: it is older than the database"
            )));
        };
        match recorded {
            Some(sum) if sum == checksum(sql) => {}
            Some(_) => {
                return Err(StoreError::Corrupt(format!(
                    "migration {name} was changed after it was applied; restore the file (never edit a landed migration)"
                )));
            }
            None => {
                sqlx::query("INSERT INTO yanshi_migration_checksums (version, sha256) VALUES ($1, $2)")
                    .bind(version)
                    .bind(checksum(sql))
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn run(store: &Store) -> Result<Vec<&'static str>> {
    let mut applied = Vec::new();
    check_applied(store).await?;
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
        sqlx::query("INSERT INTO yanshi_migration_checksums (version, sha256) VALUES ($1, $2)")
            .bind(*version)
            .bind(checksum(sql))
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
        // may be missing while the branch that took it has not landed.
        for (v, name, _) in super::MIGRATIONS {
            assert_eq!(name[..4].parse::<i64>().ok(), Some(*v), "{name} is version {v}");
        }
        assert!(super::MIGRATIONS.windows(2).all(|w| w[0].0 < w[1].0), "versions ascend");
    }
}
