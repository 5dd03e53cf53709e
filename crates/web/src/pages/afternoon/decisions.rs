//! 迟接 — the duty leader's decision for a child still waiting past the late-pickup steps
//! (wait with a teacher, hand to the police, …), with a note, shown at the door.

use super::door::{Hx, Said, class_page};
use super::{child_of_class, own_school_class, school_now, student_id, told};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::pages::AppForm;
use crate::pages::IdPath;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use yanshi_domain::afternoon::LateDecision;
use yanshi_domain::ids::ClassId;
use yanshi_domain::ids::StudentId;

/// A leader's decision as sent.
#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    student: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// The decision for one child: the student id is checked first, then the decision (a wrong
/// one is the user's mistake, told on the page).
struct Decided {
    student: StudentId,
    decision: Result<LateDecision, yanshi_domain::Invalid>,
    note: String,
}

impl TryFrom<DecisionForm> for Decided {
    type Error = AppError;

    fn try_from(f: DecisionForm) -> AppResult<Self> {
        Ok(Decided {
            student: student_id(&f.student)?,
            decision: LateDecision::parse(f.decision.trim()),
            note: f.note.trim().to_string(),
        })
    }
}

/// A leader decides what happens to a late child; the store checks who may.
pub async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    hx: Hx,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<DecisionForm>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let decided = Decided::try_from(f)?;
    let student = child_of_class(&state, &class, &decided.student).await?;
    let (_, now, day) = school_now(&state, &class.school_id).await?;
    let result = match decided.decision {
        Ok(decision) => state
            .store
            .record_late_decision(&me.user, &student, day, decision, &decided.note, now)
            .await
            .map_err(AppError::from),
        Err(i) => Err(AppError::Invalid(i)),
    };
    let message = told(Tr(lang), result, "ui-late-decided")?;
    class_page(&state, lang, &me, class, Said::child(&student.id, Some(message)), hx).await
}
