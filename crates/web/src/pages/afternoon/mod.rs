//! The afternoon (放学后), one module per thing the school does in it: the leaders' overview of
//! the day (`today`) and its weather warning, the classroom door (`door`) with roll call,
//! what became of a missing child, the duty leader's decision for a late child and the
//! hand-over, personal pickup codes, the live board, the paper sign-out sheet, the week's session
//! plan, and the school's attendance list.

pub mod absences;
pub mod board;
pub mod decisions;
pub mod door;
pub mod handover;
pub mod pickup_codes;
pub mod plans;
pub mod roll_call;
pub mod sheet;
pub mod today;
pub mod weather;

use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::state::AppState;
use time::{Date, OffsetDateTime};
use yanshi_domain::ids::{ClassId, SchoolId, StudentId};
use yanshi_domain::school_time::local;
use yanshi_store::School;
use yanshi_store::afternoon::ExpectedChild;
use yanshi_store::people::Student;
use yanshi_store::setup::ClassInfo;

/// A line for the top of a page: (done, text). Not done answers 422.
pub(crate) type Message = Option<(bool, String)>;

/// The staff at the door see who must never take a child (a custody limit, NEVER): each time,
/// the read is logged for those children, as for every sensitive field.
pub(crate) async fn log_custody_limits(
    state: &AppState,
    me: &Me,
    class: &ClassInfo,
    children: &[ExpectedChild],
    place: &str,
) -> AppResult<()> {
    let limited: Vec<&StudentId> = children
        .iter()
        .filter(|c| c.adults.iter().any(|a| a.level == yanshi_domain::family::PickupLevel::Never))
        .map(|c| &c.student.id)
        .collect();
    state
        .store
        .log_custody_reads(&me.user.id, &class.school_id, &limited, place, state.clock.now())
        .await?;
    Ok(())
}

/// A class of the person's own school; another school's is forbidden.
pub(crate) async fn own_school_class(state: &AppState, me: &Me, id: &ClassId) -> AppResult<ClassInfo> {
    let class = state.store.class(id).await?;
    if me.user.school_id.as_ref() != Some(&class.school_id) {
        return Err(AppError::Forbidden);
    }
    Ok(class)
}

/// A child of this class; any other child is not found here.
pub(crate) async fn child_of_class(state: &AppState, class: &ClassInfo, id: &StudentId) -> AppResult<Student> {
    let student = state.store.student(id).await?;
    if student.class_id != class.id {
        return Err(AppError::NotFound);
    }
    Ok(student)
}

/// The school, now, and the school's today in its own time zone.
pub(crate) async fn school_now(state: &AppState, school: &SchoolId) -> AppResult<(School, OffsetDateTime, Date)> {
    let school = state.store.school(school).await?;
    let now = state.clock.now();
    let day = local(now, &school.time_zone).date();
    Ok((school, now, day))
}

/// A form's student id: a malformed one names no child.
pub(crate) fn student_id(s: &str) -> AppResult<StudentId> {
    StudentId::parse(s).ok_or(AppError::NotFound)
}

/// A change's outcome as the page tells it: done (with the message key saying so), or the
/// user's mistake in their language. Anything else stays the error it is.
pub(crate) fn told(t: crate::i18n::Tr, result: AppResult<()>, done: &'static str) -> AppResult<(bool, String)> {
    match result {
        Ok(()) => Ok((true, t.get(done).to_string())),
        Err(AppError::Invalid(i)) => Ok((false, t.get(i.key).to_string())),
        Err(other) => Err(other),
    }
}
