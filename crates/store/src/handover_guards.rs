//! Guards at the classroom door, before a hand-over is queued: how many wrong pickup codes (接送码)
//! a teacher, or a child, has had lately; and refusals of one child counted into one alert for
//! the leaders. The rules are the domain's (`yanshi_domain::afternoon::too_many_wrong_codes`,
//! `REFUSAL_ALERT_WINDOW_MINUTES`); the counting is here, in the database, so it holds across
//! instances.

use crate::people::Student;
use crate::{Result, Store, Tx, User};
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::afternoon::{REFUSAL_ALERT_WINDOW_MINUTES, WRONG_CODE_WINDOW_MINUTES, too_many_wrong_codes};
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::SchoolId;

/// A child's refused hand-overs today, as the leaders see them: the latest burst (one alert,
/// counted) and the day's total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalAlert {
    pub student: String,
    /// 三年级二班
    pub class: Option<String>,
    /// When the burst's first refusal alerted the leaders.
    pub burst_started: OffsetDateTime,
    pub burst_last: OffsetDateTime,
    /// Refusals in the burst (within the window of its first), the first included.
    pub burst_refusals: i64,
    pub refusals_today: i64,
    /// Codes tried for the child today beyond the limit: not looked up, not refusals.
    pub codes_held_back: i64,
}

/// A pickup-code attempt, recorded before its code is looked up (PENDING until settled).
pub(crate) struct CodeAttempt {
    id: String,
}

/// Whether a code may be looked up.
pub(crate) enum CodeCheck {
    Go(CodeAttempt),
    /// One wrong code too many for this teacher or this child: not looked up.
    TooMany,
}

/// What became of an attempt (PENDING and WRONG count against the limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// The code is one of the child's adults' (whatever their level).
    Right,
    /// Refused: nobody of this child's has that code.
    Wrong,
}

/// Deletes the counted pickup-code attempts made before `before`, in school time (the door
/// stamps them with the school's clock): outside every window they count toward nothing.
pub(crate) async fn sweep_code_attempts(store: &Store, before: OffsetDateTime) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM pickup_code_attempts WHERE at < $1")
        .bind(to_millis(before))
        .execute(store.pool())
        .await?
        .rows_affected())
}

impl Store {
    /// Records a code attempt and says whether it may be looked up. Insert, commit, then count:
    /// of concurrent attempts the k-th to commit sees at least k (the ones before it are
    /// committed and still PENDING or WRONG), so no burst of requests gets more codes looked up
    /// than the limit, on either database, whichever instance takes them.
    pub(crate) async fn check_code_attempt(&self, who: &User, student: &Student, day: Date, at: i64) -> Result<CodeCheck> {
        let id = yanshi_domain::ids::row_id();
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO pickup_code_attempts (id, school_id, student_id, teacher_id, day, outcome, at) VALUES ($1, $2, $3, $4, $5, 'PENDING', $6)",
        )
        .bind(id.clone())
        .bind(student.school_id.to_string())
        .bind(student.id.to_string())
        .bind(who.id.to_string())
        .bind(day.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit_unaudited().await?;
        let since = at - WRONG_CODE_WINDOW_MINUTES * 60_000;
        let counts = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM pickup_code_attempts WHERE teacher_id = $1 AND at > $3 AND outcome IN ('PENDING', 'WRONG')) AS by_teacher, \
                    (SELECT COUNT(*) FROM pickup_code_attempts WHERE student_id = $2 AND at > $3 AND outcome IN ('PENDING', 'WRONG')) AS for_child",
        )
        .bind(who.id.to_string())
        .bind(student.id.to_string())
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        if too_many_wrong_codes(counts.try_get("by_teacher")?, counts.try_get("for_child")?) {
            // Not counted itself: the wait ends ten minutes after the last wrong code looked up,
            // however often a code is tried meanwhile.
            settle(self.pool(), &id, "THROTTLED").await?;
            return Ok(CodeCheck::TooMany);
        }
        Ok(CodeCheck::Go(CodeAttempt { id }))
    }
}

/// Settles an attempt, on the pool or inside the refusal's transaction.
pub(crate) async fn settle_code_attempt<'e, E>(ex: E, attempt: &CodeAttempt, outcome: Settled) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let outcome = match outcome {
        Settled::Right => "RIGHT",
        Settled::Wrong => "WRONG",
    };
    settle(ex, &attempt.id, outcome).await
}

async fn settle<'e, E>(ex: E, id: &str, outcome: &'static str) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("UPDATE pickup_code_attempts SET outcome = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(outcome)
        .execute(ex)
        .await?;
    Ok(())
}

/// Counts a refusal of a child into the current burst, inside the refusal's transaction. True
/// when it opens a burst (the first refusal, or the first more than the window after the last
/// burst began): only then are the leaders alerted. One upsert, so concurrent refusals of one
/// child count into one burst.
pub(crate) async fn count_refusal(tx: &mut Tx, student: &Student, day: Date, at: i64) -> Result<bool> {
    let window_start = at - REFUSAL_ALERT_WINDOW_MINUTES * 60_000;
    let burst: i64 = sqlx::query_scalar(
        "INSERT INTO refusal_alerts (id, school_id, student_id, day, burst_started, burst_last, burst_refusals, refusals_today) \
         VALUES ($1, $2, $3, $4, $5, $5, 1, 1) \
         ON CONFLICT (student_id, day) DO UPDATE SET \
           burst_refusals = CASE WHEN refusal_alerts.burst_started > $6 THEN refusal_alerts.burst_refusals + 1 ELSE 1 END, \
           burst_started = CASE WHEN refusal_alerts.burst_started > $6 THEN refusal_alerts.burst_started ELSE $5 END, \
           burst_last = $5, \
           refusals_today = refusal_alerts.refusals_today + 1 \
         RETURNING burst_refusals",
    )
    .bind(yanshi_domain::ids::row_id())
    .bind(student.school_id.to_string())
    .bind(student.id.to_string())
    .bind(day.to_string())
    .bind(at)
    .bind(window_start)
    .fetch_one(&mut **tx)
    .await?;
    Ok(burst == 1)
}

impl Store {
    /// The children of a school with refused hand-overs on `day`, the latest burst first.
    pub async fn refusal_alerts(&self, school: &SchoolId, day: Date) -> Result<Vec<RefusalAlert>> {
        let rows = sqlx::query(
            "SELECT r.*, s.name AS student_name, c.grade, c.number, \
               (SELECT COUNT(*) FROM pickup_code_attempts p WHERE p.student_id = r.student_id AND p.day = r.day AND p.outcome = 'THROTTLED') AS held_back \
             FROM refusal_alerts r JOIN students s ON s.id = r.student_id LEFT JOIN classes c ON c.id = s.class_id \
             WHERE r.school_id = $1 AND r.day = $2 ORDER BY r.burst_started DESC, r.id",
        )
        .bind(school.to_string())
        .bind(day.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RefusalAlert {
                    student: r.try_get("student_name")?,
                    class: crate::afternoon::class_name(r.try_get("grade")?, r.try_get("number")?),
                    burst_started: from_millis(r.try_get("burst_started")?),
                    burst_last: from_millis(r.try_get("burst_last")?),
                    burst_refusals: r.try_get("burst_refusals")?,
                    refusals_today: r.try_get("refusals_today")?,
                    codes_held_back: r.try_get("held_back")?,
                })
            })
            .collect()
    }
}
