//! 标准: the school's rates per kind of work and whether care is paid per session or per hour.

use super::*;
use yanshi_domain::pay::{CareBasis, RateKind, WorkloadRates};

/// The rates as read in a transaction or from the pool.
pub(super) async fn read_rates(conn: &mut sqlx::AnyConnection, school: &SchoolId) -> Result<WorkloadRates> {
    let mut rates = WorkloadRates::default();
    let basis: Option<String> = sqlx::query_scalar("SELECT care_basis FROM pay_settings WHERE school_id = $1")
        .bind(school.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(b) = basis {
        rates.basis = CareBasis::from_code(&b).ok_or_else(|| StoreError::Corrupt(format!("pay_settings.care_basis = {b}")))?;
    }
    for r in sqlx::query("SELECT kind, fen FROM workload_rates WHERE school_id = $1")
        .bind(school.to_string())
        .fetch_all(&mut *conn)
        .await?
    {
        let kind: String = r.try_get("kind")?;
        let kind = RateKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("workload_rates.kind = {kind}")))?;
        rates.set(kind, r.try_get("fen")?);
    }
    Ok(rates)
}

impl Store {
    /// The school's rates (all 0, care per session, until a leader sets them).
    pub async fn workload_rates(&self, school: &SchoolId) -> Result<WorkloadRates> {
        let mut conn = self.pool().acquire().await?;
        read_rates(&mut conn, school).await
    }

    /// A leader sets every rate and the care basis at once. A locked period keeps the rates it
    /// was locked with; an open one is priced with these from now on.
    pub async fn set_workload_rates(&self, who: &User, school: &SchoolId, rates: WorkloadRates, now: OffsetDateTime) -> Result<()> {
        only_leader(who, school)?;
        for kind in RateKind::ALL {
            if !(0..=yanshi_domain::pay::MAX_RATE_FEN).contains(&rates.get(kind)) {
                return Err(Invalid::new("rate", "err-pay-rate").into());
            }
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let before = read_rates(&mut tx, school).await?;
        sqlx::query(
            "INSERT INTO pay_settings (school_id, care_basis, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (school_id) DO UPDATE SET care_basis = excluded.care_basis, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(school.to_string())
        .bind(rates.basis.as_str())
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        for kind in RateKind::ALL {
            sqlx::query(
                "INSERT INTO workload_rates (school_id, kind, fen, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (school_id, kind) DO UPDATE SET fen = excluded.fen, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(school.to_string())
            .bind(kind.as_str())
            .bind(rates.get(kind))
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit(
            Some(school),
            &Actor::User(who.id.clone()),
            "pay.set_rates",
            school.as_str(),
            json!({ "before": before, "after": rates }),
            at,
        )
        .await?;
        Ok(())
    }
}
