//! The report, counted in SQL from what was signed: 看护 from the workload entries of signed
//! daily records (volunteers are not paid; releasing children after the end time is not care
//! for someone whose duty log that day pays it), 值班 and 值班领导 from the signed duty log, 代班 from
//! an entry that matches a published cover turn or a duty-log row written as a cover. A session
//! plan or an unpublished turn never counts. One `GROUP BY` per source, by person and month.

use super::*;
use serde::{Deserialize, Serialize};
use time::Date;
use yanshi_domain::pay::{PayCorrection, PayKind, PayTotals, PersonPay, TermSummary, WorkCount, WorkloadRates, price, summarise, totals};

/// The counts of a school's days, `$w`/`$d` narrowing them to one person (`$4`) or not: two
/// static statements, since an `OR` on the person keeps SQLite from the covering index.
/// `substr(day, 1, 7)` is the month of a 'YYYY-MM-DD' day on both databases; sums are cast
/// because PostgreSQL sums BIGINT as NUMERIC.
macro_rules! counts_sql {
    ($w:literal, $d:literal) => {
        concat!(
            "SELECT w.user_id, substr(w.day, 1, 7) AS month, 'CARE' AS kind, COUNT(*) AS n, CAST(SUM(w.minutes) AS BIGINT) AS minutes \
               FROM workload_entries w \
              WHERE w.school_id = $1 AND w.day >= $2 AND w.day <= $3 AND w.role <> 'VOLUNTEER'", $w, " \
                AND NOT (w.role = 'DUTY' AND EXISTS (SELECT 1 FROM duty_log l WHERE l.user_id = w.user_id AND l.day = w.day)) \
              GROUP BY w.user_id, substr(w.day, 1, 7) \
             UNION ALL \
             SELECT d.user_id, substr(d.day, 1, 7), CASE WHEN d.kind = 'LEADER' THEN 'LEADER' ELSE 'DUTY' END, COUNT(*), CAST(SUM(d.minutes) AS BIGINT) \
               FROM duty_log d \
              WHERE d.school_id = $1 AND d.day >= $2 AND d.day <= $3 AND d.kind IN ('HALLWAY', 'GATE', 'WAITING_ROOM', 'LEADER')", $d, " \
              GROUP BY d.user_id, substr(d.day, 1, 7), CASE WHEN d.kind = 'LEADER' THEN 'LEADER' ELSE 'DUTY' END \
             UNION ALL \
             SELECT w.user_id, substr(w.day, 1, 7), 'COVER', COUNT(*), CAST(SUM(w.minutes) AS BIGINT) \
               FROM workload_entries w \
              WHERE w.school_id = $1 AND w.day >= $2 AND w.day <= $3 AND w.role <> 'VOLUNTEER'", $w, " \
                AND EXISTS (SELECT 1 FROM duty_turns t WHERE t.school_id = w.school_id AND t.source = 'COVER' AND t.published = 1 \
                            AND t.day = w.day AND t.user_id = w.user_id AND t.class_id = w.class_id) \
              GROUP BY w.user_id, substr(w.day, 1, 7) \
             UNION ALL \
             SELECT d.user_id, substr(d.day, 1, 7), 'COVER', COUNT(*), CAST(SUM(d.minutes) AS BIGINT) \
               FROM duty_log d \
              WHERE d.school_id = $1 AND d.day >= $2 AND d.day <= $3 AND d.covered_for IS NOT NULL", $d, " \
              GROUP BY d.user_id, substr(d.day, 1, 7)"
        )
    };
}

/// Who did what of each kind in each month between two days (inclusive), optionally one person.
pub(super) async fn work_counts(
    conn: &mut sqlx::AnyConnection,
    school: &SchoolId,
    from: Date,
    to: Date,
    person: Option<&UserId>,
) -> Result<Vec<WorkCount>> {
    let q = match person {
        None => sqlx::query(counts_sql!("", "")),
        Some(_) => sqlx::query(counts_sql!(" AND w.user_id = $4", " AND d.user_id = $4")),
    };
    let mut q = q.bind(school.to_string()).bind(from.to_string()).bind(to.to_string());
    if let Some(p) = person {
        q = q.bind(p.to_string());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let month: String = r.try_get("month")?;
            let kind: String = r.try_get("kind")?;
            Ok(WorkCount {
                user_id: r.try_get("user_id")?,
                month: YearMonth::parse(&month).ok_or_else(|| StoreError::Corrupt(format!("a workload day in month {month}")))?,
                kind: PayKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("pay kind {kind}")))?,
                count: r.try_get("n")?,
                minutes: r.try_get::<Option<i64>, _>("minutes")?.unwrap_or(0),
            })
        })
        .collect()
}

/// The school's staff as the report lists them: (id, 工号, name), by 工号 then name.
async fn people(conn: &mut sqlx::AnyConnection, school: &SchoolId) -> Result<Vec<(String, String, String)>> {
    let rows = sqlx::query(
        "SELECT u.id, COALESCE(s.staff_number, '') AS staff_number, u.display_name FROM users u LEFT JOIN staff s ON s.user_id = u.id \
         WHERE u.school_id = $1 AND u.role <> 'guardian' ORDER BY COALESCE(s.staff_number, ''), u.display_name, u.id",
    )
    .bind(school.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("staff_number")?, r.try_get("display_name")?)))
        .collect()
}

async fn corrections(conn: &mut sqlx::AnyConnection, period: &PayPeriodId) -> Result<Vec<PayCorrection>> {
    let rows = sqlx::query(
        "SELECT c.id, c.user_id, c.kind, c.delta_count, c.delta_minutes, c.delta_fen, c.reason, u.display_name, c.at \
         FROM pay_corrections c JOIN users u ON u.id = c.by_user WHERE c.period_id = $1 ORDER BY c.at, c.id",
    )
    .bind(period.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(PayCorrection {
                id: r.try_get("id")?,
                user_id: r.try_get("user_id")?,
                kind: PayKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("pay_corrections.kind = {kind}")))?,
                delta_count: r.try_get("delta_count")?,
                delta_minutes: r.try_get("delta_minutes")?,
                delta_fen: r.try_get("delta_fen")?,
                reason: r.try_get("reason")?,
                by: r.try_get("display_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// A period's report: live while the period is open, the frozen copy once it is locked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayReport {
    pub period_id: String,
    pub name: String,
    pub first: YearMonth,
    pub last: YearMonth,
    /// The days counted: the period's months within the term.
    pub from: Date,
    pub to: Date,
    pub rates: WorkloadRates,
    pub people: Vec<PersonPay>,
    pub totals: PayTotals,
}

/// The report of `period` as the database says now, read in one connection or transaction.
pub(super) async fn live_report(conn: &mut sqlx::AnyConnection, period: &PayPeriod) -> Result<PayReport> {
    let (starts, ends): (String, String) = sqlx::query_as("SELECT starts_on, ends_on FROM terms WHERE id = $1")
        .bind(period.term_id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    let date = |s: &str| yanshi_domain::calendar::parse_date(s).ok_or_else(|| StoreError::Corrupt(format!("terms date {s}")));
    let (from, to) = period.spec.days(date(&starts)?, date(&ends)?);
    let rates = super::rates::read_rates(conn, &period.school_id).await?;
    let counts = work_counts(conn, &period.school_id, from, to, None).await?;
    let people = people(conn, &period.school_id).await?;
    let corrections = corrections(conn, &period.id).await?;
    let people = price(&rates, &people, &counts, &corrections);
    let totals = totals(&people);
    Ok(PayReport {
        period_id: period.id.to_string(),
        name: period.spec.name.clone(),
        first: period.spec.first,
        last: period.spec.last,
        from,
        to,
        rates,
        people,
        totals,
    })
}

impl Store {
    /// The report of a period: frozen once locked (later records change nothing), else live.
    pub async fn pay_report(&self, period: &PayPeriod) -> Result<PayReport> {
        if period.locked.is_some() {
            let json: Option<String> = sqlx::query_scalar("SELECT report FROM pay_periods WHERE id = $1")
                .bind(period.id.to_string())
                .fetch_one(self.pool())
                .await?;
            let json = json.ok_or_else(|| StoreError::Corrupt("a locked period without its report".into()))?;
            return serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("pay_periods.report: {e}")));
        }
        let mut conn = self.pool().acquire().await?;
        live_report(&mut conn, period).await
    }

    /// One person's own lines of a period (none: `None`). Only theirs are ever read.
    pub async fn my_pay(&self, who: &User, period: &PayPeriod) -> Result<Option<PersonPay>> {
        if who.school_id.as_ref() != Some(&period.school_id) {
            return Ok(None);
        }
        let me = who.id.to_string();
        if period.locked.is_some() {
            let report = self.pay_report(period).await?;
            return Ok(report.people.into_iter().find(|p| p.user_id == me));
        }
        let mut conn = self.pool().acquire().await?;
        let (starts, ends): (String, String) = sqlx::query_as("SELECT starts_on, ends_on FROM terms WHERE id = $1")
            .bind(period.term_id.to_string())
            .fetch_one(&mut *conn)
            .await?;
        let date = |s: &str| yanshi_domain::calendar::parse_date(s).ok_or_else(|| StoreError::Corrupt(format!("terms date {s}")));
        let (from, to) = period.spec.days(date(&starts)?, date(&ends)?);
        let rates = super::rates::read_rates(&mut conn, &period.school_id).await?;
        let counts = work_counts(&mut conn, &period.school_id, from, to, Some(&who.id)).await?;
        let mine: Vec<PayCorrection> = corrections(&mut conn, &period.id)
            .await?
            .into_iter()
            .filter(|c| c.user_id == me)
            .collect();
        let staff_number: Option<String> = sqlx::query_scalar("SELECT staff_number FROM staff WHERE user_id = $1")
            .bind(&me)
            .fetch_optional(&mut *conn)
            .await?;
        let person = (me, staff_number.unwrap_or_default(), who.display_name.clone());
        Ok(price(&rates, &[person], &counts, &mine).pop())
    }

    /// The term's workload per teacher (学期工作量汇总, for 评优评先): sessions, minutes of care,
    /// duty and leader turns, covers — from the signed records of the whole term.
    pub async fn term_workload(&self, term: &Term) -> Result<Vec<TermSummary>> {
        let mut conn = self.pool().acquire().await?;
        let counts = work_counts(&mut conn, &term.school_id, term.dates.starts_on, term.dates.ends_on, None).await?;
        let people = people(&mut conn, &term.school_id).await?;
        Ok(summarise(&people, &counts))
    }

    /// The raw counts between two days, per person, kind and month (the benches time this).
    pub async fn workload_counts(&self, school: &SchoolId, from: Date, to: Date) -> Result<Vec<WorkCount>> {
        let mut conn = self.pool().acquire().await?;
        work_counts(&mut conn, school, from, to, None).await
    }
}
