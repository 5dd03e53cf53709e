//! The afternoon in the store (放学后), one module per capability: personal pickup codes, roll
//! call (点名) and 未到, the class's and school's day with the board, the hand-over (交接) — at
//! most one per child per day, by a database constraint; a retried request returns the first
//! result — the afternoon sweep (点名超时, 迟接), session plans, weather warnings and the duty
//! leader's decisions. The rules at the door are the domain's (`yanshi_domain::afternoon`).

mod day;
mod decisions;
mod door;
mod handover;
mod pickup_codes;
mod plans;
mod roll_call;
mod sweep;
mod weather;

pub use day::{BoardRow, ExpectedChild, Incident};
pub use decisions::LateDecisionRecord;
pub use door::{DoorGuardian, GuardianTold};
pub use handover::{AdultRef, Handover, HandoverOutcome, HandoverRequest};
pub use plans::{FlaggedPlan, PlanInput, SessionPlan};
pub use roll_call::{AbsenceImport, Unaccounted};
pub use weather::WeatherAlert;

use crate::{Result, Tx};
use yanshi_domain::ids::{SchoolId, StudentId, UserId};

/// 三年级二班 from a row's grade and number (absent when the incident names no child).
pub(crate) fn class_name(grade: Option<i64>, number: Option<i64>) -> Option<String> {
    let grade = yanshi_domain::school::Grade::new(u32::try_from(grade?).ok()?).ok()?;
    Some(yanshi_domain::school::class_name_zh(grade, u8::try_from(number?).ok()?))
}

/// The class teacher and the school's leaders, once each.
pub(super) async fn staff_to_alert(tx: &mut Tx, school: &SchoolId, class: &crate::setup::ClassInfo) -> Result<Vec<UserId>> {
    let mut staff = leaders_of(tx, school).await?;
    staff.extend(class.class_teacher.iter().map(|t| t.0.clone()));
    staff.sort();
    staff.dedup();
    Ok(staff)
}

/// The school's leaders (school admins) who receive alerts.
pub(crate) async fn leaders_of(tx: &mut Tx, school: &SchoolId) -> Result<Vec<UserId>> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT id FROM users WHERE school_id = $1 AND role = 'school_admin' AND disabled_at IS NULL")
            .bind(school.to_string())
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(UserId::from_db)
            .collect(),
    )
}

/// The accounts of a child's guardians (those who have signed up).
pub(super) const GUARDIAN_ACCOUNTS: &str = "SELECT g.user_id FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id WHERE sg.student_id = $1 AND g.user_id IS NOT NULL AND sg.confirmed_at IS NOT NULL";

pub(crate) async fn guardian_accounts_of(tx: &mut Tx, student: &StudentId) -> Result<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(GUARDIAN_ACCOUNTS)
        .bind(student.to_string())
        .fetch_all(&mut **tx)
        .await?;
    Ok(ids.into_iter().map(UserId::from_db).collect())
}
