//! 绩效工资 — performance pay from the workload the signed records prove. Rates and the care
//! basis (rates.rs), payment periods (this file), the report grouped in SQL (report.rs), and a
//! leader's review: corrections with a reason and the lock that freezes the report (review.rs).
//! Staff pay only: nothing here is asked of, or shown to, a family.

mod rates;
mod report;
mod review;

pub use report::PayReport;
pub use review::NewCorrection;

use crate::User;
use crate::audit::Actor;
use crate::terms::Term;
use crate::{Result, Store, StoreError};
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yanshi_domain::Invalid;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::{PayPeriodId, SchoolId, TermId, UserId};
use yanshi_domain::pay::{PeriodSpec, YearMonth};
use yanshi_domain::policy::may_review_pay;

/// A payment period (发放周期) and, once locked, who locked it and the frozen report's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayPeriod {
    pub id: PayPeriodId,
    pub school_id: SchoolId,
    pub term_id: TermId,
    pub spec: PeriodSpec,
    pub created_at: OffsetDateTime,
    pub locked: Option<Locked>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub by: UserId,
    pub by_name: String,
    pub at: OffsetDateTime,
    pub sha256: String,
}

/// Only the school's own leaders set rates, make periods, correct and lock.
fn only_leader(who: &User, school: &SchoolId) -> Result<()> {
    if may_review_pay(&who.principal(), school) {
        Ok(())
    } else {
        Err(StoreError::Forbidden("err-pay-not-yours"))
    }
}

fn month_col(r: &sqlx::any::AnyRow, col: &str) -> Result<YearMonth> {
    let s: String = r.try_get(col)?;
    YearMonth::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("pay_periods.{col} = {s}")))
}

/// A period's row with the name of who locked it, then `$tail` (static SQL only).
macro_rules! select_periods {
    ($tail:literal) => {
        concat!(
            "SELECT p.id, p.school_id, p.term_id, p.name, p.first_month, p.last_month, p.created_at, p.locked_by, p.locked_at, \
             p.report_sha256, u.display_name AS locked_name FROM pay_periods p LEFT JOIN users u ON u.id = p.locked_by ",
            $tail
        )
    };
}

fn period_row(r: &sqlx::any::AnyRow) -> Result<PayPeriod> {
    let locked_at: Option<i64> = r.try_get("locked_at")?;
    let locked = match locked_at {
        None => None,
        Some(at) => Some(Locked {
            by: UserId::from_db(r.try_get::<Option<String>, _>("locked_by")?.unwrap_or_default()),
            by_name: r.try_get::<Option<String>, _>("locked_name")?.unwrap_or_default(),
            at: from_millis(at),
            sha256: r.try_get::<Option<String>, _>("report_sha256")?.unwrap_or_default(),
        }),
    };
    Ok(PayPeriod {
        id: PayPeriodId::from_db(r.try_get("id")?),
        school_id: SchoolId::from_db(r.try_get("school_id")?),
        term_id: TermId::from_db(r.try_get("term_id")?),
        spec: PeriodSpec {
            name: r.try_get("name")?,
            first: month_col(r, "first_month")?,
            last: month_col(r, "last_month")?,
        },
        created_at: from_millis(r.try_get("created_at")?),
        locked,
    })
}

impl Store {
    /// A new payment period of `term`: its months may not overlap another period of the
    /// school, so no month is paid twice.
    pub async fn create_pay_period(&self, who: &User, term: &Term, spec: PeriodSpec, now: OffsetDateTime) -> Result<PayPeriod> {
        only_leader(who, &term.school_id)?;
        let at = to_millis(now);
        let id = PayPeriodId::new();
        let mut tx = self.write().await?;
        let existing = sqlx::query(select_periods!("WHERE p.school_id = $1"))
            .bind(term.school_id.to_string())
            .fetch_all(&mut *tx)
            .await?;
        for r in &existing {
            let p = period_row(r)?;
            if p.spec.name == spec.name {
                return Err(Invalid::new("name", "err-pay-period-taken").into());
            }
            if p.spec.overlaps(&spec) {
                return Err(Invalid::new("first", "err-pay-period-overlaps").into());
            }
        }
        sqlx::query(
            "INSERT INTO pay_periods (id, school_id, term_id, name, first_month, last_month, created_by, created_at, revision) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)",
        )
        .bind(id.to_string())
        .bind(term.school_id.to_string())
        .bind(term.id.to_string())
        .bind(&spec.name)
        .bind(spec.first.code())
        .bind(spec.last.code())
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(|e| match e {
            StoreError::Conflict(_) => Invalid::new("name", "err-pay-period-taken").into(),
            e => e,
        })?;
        tx.commit(
            Some(&term.school_id),
            &Actor::User(who.id.clone()),
            "pay.create_period",
            id.as_str(),
            json!({ "name": spec.name, "first": spec.first.code(), "last": spec.last.code(), "term": term.id.to_string() }),
            at,
        )
        .await?;
        self.pay_period(&id).await
    }

    pub async fn pay_period(&self, id: &PayPeriodId) -> Result<PayPeriod> {
        let r = sqlx::query(select_periods!("WHERE p.id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        period_row(&r)
    }

    /// A school's payment periods, the latest months first.
    pub async fn pay_periods(&self, school: &SchoolId) -> Result<Vec<PayPeriod>> {
        sqlx::query(select_periods!("WHERE p.school_id = $1 ORDER BY p.first_month DESC"))
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(period_row)
            .collect()
    }
}
