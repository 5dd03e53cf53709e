//! Guards at the classroom door, before a hand-over is queued: how many wrong pickup codes (接送码)
//! a teacher, or a child, has had lately. The rules are the domain's
//! (`yanshi_domain::afternoon::too_many_wrong_codes`); the counting is here, in the database, so
//! it holds across instances.

use crate::people::Student;
use crate::{Result, Store, User};
use sqlx::Row;
use time::Date;
use yanshi_domain::afternoon::{WRONG_CODE_WINDOW_MINUTES, too_many_wrong_codes};
use yanshi_domain::ids::HandoverId;

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

impl Store {
    /// Records a code attempt and says whether it may be looked up. Insert, commit, then count:
    /// of concurrent attempts the k-th to commit sees at least k (the ones before it are
    /// committed and still PENDING or WRONG), so no burst of requests gets more codes looked up
    /// than the limit, on either database, whichever instance takes them.
    pub(crate) async fn check_code_attempt(&self, who: &User, student: &Student, day: Date, at: i64) -> Result<CodeCheck> {
        let id = HandoverId::new().to_string();
        let mut tx = self.begin().await?;
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
        tx.commit().await?;
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
