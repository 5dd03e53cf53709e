//! 点名 — roll call at the door (present, absent, not at school today), and what became of a
//! child who was not in the room (未到): found, went home with a guardian, excused, or not found,
//! which opens an incident for the leaders.

use super::door::{Hx, Said, class_page, door_closed};
use super::{child_of_class, own_school_class, school_now, student_id, told};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::pages::AppForm;
use crate::pages::IdPath;
use crate::pages::school::Pairs;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use yanshi_domain::afternoon::{RollStatus, Whereabouts};
use yanshi_domain::ids::ClassId;
use yanshi_domain::ids::StudentId;

/// A roll-call tap as sent.
#[derive(Deserialize)]
pub struct RollForm {
    #[serde(default)]
    student: String,
    /// PRESENT, ABSENT or ABSENT_FROM_SCHOOL ([`RollStatus`]).
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

/// One child's mark.
struct Roll {
    student: StudentId,
    status: String,
    note: String,
}

impl TryFrom<RollForm> for Roll {
    type Error = AppError;

    fn try_from(f: RollForm) -> AppResult<Self> {
        Ok(Roll {
            student: student_id(&f.student)?,
            status: f.status.trim().to_string(),
            note: f.note.trim().to_string(),
        })
    }
}

/// 点名: one child present, absent or not at school today.
pub async fn roll(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    hx: Hx,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<RollForm>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let roll = Roll::try_from(f)?;
    let student = child_of_class(&state, &class, &roll.student).await?;
    let (_, now, day) = school_now(&state, &class.school_id).await?;
    if let Some(why) = door_closed(&state, lang, &class).await? {
        return class_page(&state, lang, &me, class, Said::child(&student.id, Some((false, why))), hx).await;
    }
    // A status that is none of the codes is answered on the page like any refused mark.
    let result = match RollStatus::parse(&roll.status) {
        Ok(status) => state.store.mark_roll(&me.user, &student, day, status, &roll.note, now).await,
        Err(i) => Err(i.into()),
    };
    // A mark says nothing when it worked: the card shows it.
    let message = refused(Tr(lang), result)?;
    class_page(&state, lang, &me, class, Said::child(&student.id, message), hx).await
}

/// A store refusal as the card says it; nothing when it worked.
fn refused(t: Tr, result: Result<(), yanshi_store::StoreError>) -> AppResult<super::Message> {
    match result.map_err(AppError::from) {
        Ok(()) => Ok(None),
        Err(AppError::Invalid(i)) => Ok(Some((false, t.get(i.key).to_string()))),
        Err(other) => Err(other),
    }
}

/// A child named by a form (the undo of a mark).
#[derive(Deserialize)]
pub struct ChildForm {
    #[serde(default)]
    student: String,
}

/// 撤销: a wrong roll mark taken back.
pub async fn undo(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    hx: Hx,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<ChildForm>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let student = child_of_class(&state, &class, &student_id(&f.student)?).await?;
    let (_, now, day) = school_now(&state, &class.school_id).await?;
    let result = state.store.undo_roll(&me.user, &student, day, now).await;
    let message = refused(Tr(lang), result)?.or(Some((true, Tr(lang).get("ui-roll-undone").to_string())));
    class_page(&state, lang, &me, class, Said::child(&student.id, message), hx).await
}

/// 全部到: the children the teacher saw unmarked, each named in the confirmation, marked present.
pub async fn rest_present(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let students = f
        .iter()
        .filter(|(k, _)| k == "students")
        .map(|(_, v)| student_id(v))
        .collect::<AppResult<Vec<StudentId>>>()?;
    if let Some(why) = door_closed(&state, lang, &class).await? {
        return class_page(&state, lang, &me, class, Said::page(Some((false, why))), Hx(false)).await;
    }
    let (_, now, day) = school_now(&state, &class.school_id).await?;
    let marked = state.store.mark_rest_present(&me.user, &class.id, day, &students, now).await?;
    let args = yanshi_i18n::Args::new().number("count", marked as i64);
    let message = Some((true, lang.render("ui-rest-present-done", &args)));
    class_page(&state, lang, &me, class, Said::page(message), Hx(false)).await
}

/// What became of a missing child, as sent.
#[derive(Deserialize)]
pub struct WhereaboutsForm {
    #[serde(default)]
    student: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

/// What became of a missing child: the student id is checked first (a wrong one names nobody),
/// then the outcome (a wrong one is the user's mistake, told on the page).
struct Found {
    student: StudentId,
    outcome: Result<Whereabouts, yanshi_domain::Invalid>,
    note: String,
}

impl TryFrom<WhereaboutsForm> for Found {
    type Error = AppError;

    fn try_from(f: WhereaboutsForm) -> AppResult<Self> {
        Ok(Found {
            student: student_id(&f.student)?,
            outcome: Whereabouts::parse(f.outcome.trim()),
            note: f.note.trim().to_string(),
        })
    }
}

/// 未到: what became of a child not in the room; NOT_FOUND opens an incident.
pub async fn whereabouts(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    hx: Hx,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<WhereaboutsForm>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let found = Found::try_from(f)?;
    let student = child_of_class(&state, &class, &found.student).await?;
    let (_, now, day) = school_now(&state, &class.school_id).await?;
    let result = match found.outcome {
        Ok(outcome) => state
            .store
            .record_whereabouts(&me.user, &student, day, outcome, &found.note, now)
            .await
            .map_err(AppError::from),
        Err(i) => Err(AppError::Invalid(i)),
    };
    let message = told(Tr(lang), result, "ui-whereabouts-recorded")?;
    class_page(&state, lang, &me, class, Said::child(&student.id, Some(message)), hx).await
}
