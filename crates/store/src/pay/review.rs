//! A leader's review of a period: corrections (更正) with a reason, then the lock (锁定) that
//! freezes the report as JSON with its SHA-256, like a signed record. A locked period takes no
//! more corrections, and later records do not reach its report.

use super::*;
use crate::random::sha256_hex;
use yanshi_domain::pay::PayKind;

/// What a leader changes for one teacher's kind of work, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCorrection {
    pub user: UserId,
    pub kind: PayKind,
    pub delta_count: i64,
    pub delta_minutes: i64,
    pub delta_fen: i64,
    pub reason: String,
}

/// Takes the period's row for this change (the row lock orders a correction and the lock on
/// PostgreSQL; SQLite's write lock already does). Refuses a locked period.
async fn claim_open(tx: &mut crate::Write, period: &PayPeriodId) -> Result<()> {
    let changed = sqlx::query("UPDATE pay_periods SET revision = revision + 1 WHERE id = $1 AND locked_at IS NULL")
        .bind(period.to_string())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(Invalid::new("period", "err-pay-locked").into());
    }
    Ok(())
}

impl Store {
    /// Appends a correction to an open period. The teacher must be staff of the school.
    pub async fn correct_pay(&self, who: &User, period: &PayPeriod, c: NewCorrection, now: OffsetDateTime) -> Result<()> {
        only_leader(who, &period.school_id)?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let role: Option<(String, Option<String>)> = sqlx::query_as("SELECT role, school_id FROM users WHERE id = $1")
            .bind(c.user.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        match role {
            Some((role, Some(school))) if role != "guardian" && school == period.school_id.as_str() => {}
            _ => return Err(Invalid::new("user", "err-pay-user").into()),
        }
        claim_open(&mut tx, &period.id).await?;
        let id = yanshi_domain::ids::row_id();
        sqlx::query(
            "INSERT INTO pay_corrections (id, period_id, school_id, user_id, kind, delta_count, delta_minutes, delta_fen, reason, by_user, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(period.id.to_string())
        .bind(period.school_id.to_string())
        .bind(c.user.to_string())
        .bind(c.kind.as_str())
        .bind(c.delta_count)
        .bind(c.delta_minutes)
        .bind(c.delta_fen)
        .bind(&c.reason)
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit(
            Some(&period.school_id),
            &Actor::User(who.id.clone()),
            "pay.correct",
            period.id.as_str(),
            json!({
                "correction": id, "user": c.user.to_string(), "kind": c.kind.as_str(),
                "delta_count": c.delta_count, "delta_minutes": c.delta_minutes, "delta_fen": c.delta_fen, "reason": c.reason,
            }),
            at,
        )
        .await?;
        Ok(())
    }

    /// Locks a period: the report as it stands (corrections included) is frozen as JSON with its
    /// SHA-256, once. With `seen_total_fen` (the total the leader reviewed), a report that changed
    /// since is not locked. Returns the hash.
    pub async fn lock_pay_period(
        &self,
        who: &User,
        period: &PayPeriod,
        seen_total_fen: Option<i64>,
        now: OffsetDateTime,
    ) -> Result<String> {
        only_leader(who, &period.school_id)?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        claim_open(&mut tx, &period.id).await?;
        let report = super::report::live_report(&mut tx, period).await?;
        if seen_total_fen.is_some_and(|seen| seen != report.totals.amount_fen) {
            return Err(Invalid::new("period", "err-pay-changed").into());
        }
        let json = serde_json::to_string(&report).map_err(|e| StoreError::Corrupt(format!("pay report: {e}")))?;
        let sha = sha256_hex(&json);
        sqlx::query("UPDATE pay_periods SET locked_by = $1, locked_at = $2, report = $3, report_sha256 = $4 WHERE id = $5")
            .bind(who.id.to_string())
            .bind(at)
            .bind(&json)
            .bind(&sha)
            .bind(period.id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(&period.school_id),
            &Actor::User(who.id.clone()),
            "pay.lock",
            period.id.as_str(),
            json!({ "sha256": sha, "people": report.people.len(), "amount_fen": report.totals.amount_fen }),
            at,
        )
        .await?;
        Ok(sha)
    }

    /// Records that a leader exported or printed a period's report (who saw the staff's pay).
    pub async fn record_pay_export(&self, who: &User, period: &PayPeriod, what: &str, now: OffsetDateTime) -> Result<()> {
        only_leader(who, &period.school_id)?;
        let at = to_millis(now);
        let tx = self.write().await?;
        tx.commit(
            Some(&period.school_id),
            &Actor::User(who.id.clone()),
            "pay.export",
            period.id.as_str(),
            json!({ "what": what, "locked": period.locked.is_some() }),
            at,
        )
        .await
    }
}
