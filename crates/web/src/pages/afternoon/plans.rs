//! 活动安排 — a class's week in this term: what each weekday's session holds and who takes it.

use super::{Message, own_school_class};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::AppForm;
use crate::pages::IdPath;
use crate::pages::page;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use yanshi_domain::ids::ClassId;
use yanshi_domain::ids::UserId;
use yanshi_domain::role::Role;
use yanshi_domain::school_time::local;
use yanshi_store::afternoon::{PlanInput, SessionPlan};
use yanshi_store::setup::ClassInfo;

/// 活动安排 — a class's week in this term: what each weekday's session holds and who takes it.
#[derive(Template)]
#[template(path = "afternoon_plan.html")]
struct PlanPage {
    l: Layout,
    class: ClassInfo,
    term: Option<String>,
    /// (weekday, its name, the plan if any)
    days: Vec<(u8, &'static str, Option<SessionPlan>)>,
    contents: [&'static str; 11],
    teachers: Vec<(String, String)>,
    volunteers: Vec<(String, String)>,
    message: Message,
}

impl PlanPage {
    fn picked(&self, plan: &Option<SessionPlan>, who: &str, id: &str) -> bool {
        let person = plan.as_ref().and_then(|p| {
            if who == "teacher" {
                p.teacher.as_ref()
            } else {
                p.volunteer.as_ref()
            }
        });
        person.is_some_and(|p| p.0.as_str() == id)
    }
}

async fn plan_page(state: &AppState, lang: Lang, me: &Me, class: ClassInfo, message: Message) -> AppResult<Response> {
    let school = state.store.school(&class.school_id).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let term = state.store.term_on(&class.school_id, day).await?;
    let plans = match &term {
        Some(t) => state.store.session_plans(&class.id, &t.id).await?,
        None => Vec::new(),
    };
    let days = (1..=5u8)
        .map(|d| (d, crate::i18n::Tr(lang).weekday(d), plans.iter().find(|p| p.weekday == d).cloned()))
        .collect();
    let users = state.store.users_of_school(Some(&class.school_id)).await?;
    let pick = |roles: &[Role]| {
        users
            .iter()
            .filter(|u| !u.disabled && roles.contains(&u.role))
            .map(|u| (u.id.to_string(), u.display_name.clone()))
            .collect::<Vec<_>>()
    };
    let teachers = pick(&[Role::SchoolAdmin, Role::GradeDirector, Role::ClassTeacher, Role::Teacher]);
    // Only volunteers vetted today: the store refuses anyone else in a plan.
    let vetted = state.store.vetted_volunteers(&class.school_id, day).await?;
    let volunteers = pick(&[Role::Volunteer])
        .into_iter()
        .filter(|(id, _)| vetted.iter().any(|v| v.as_str() == id))
        .collect();
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status,
        PlanPage {
            l,
            class,
            term: term.map(|t| t.name),
            days,
            contents: yanshi_domain::afternoon::SESSION_CONTENTS,
            teachers,
            volunteers,
            message,
        },
    )
}

pub async fn plan(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    plan_page(&state, lang, &me, class, None).await
}

/// One weekday's plan as sent.
#[derive(Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    weekday: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    teacher: String,
    #[serde(default)]
    volunteer: String,
}

/// Nothing here can be wrong yet: the store judges the weekday (0 when unreadable) and the
/// content, and an unreadable person is nobody.
impl From<PlanForm> for PlanInput {
    fn from(f: PlanForm) -> Self {
        let person = |s: &str| UserId::parse(s);
        PlanInput {
            weekday: f.weekday.trim().parse().unwrap_or(0),
            content: f.content.trim().to_string(),
            note: f.note.trim().to_string(),
            teacher: person(&f.teacher),
            volunteer: person(&f.volunteer),
        }
    }
}

/// A leader or the class teacher sets one weekday's session.
pub async fn save(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<PlanForm>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let school = state.store.school(&class.school_id).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let t = crate::i18n::Tr(lang);
    let Some(term) = state.store.term_on(&class.school_id, day).await? else {
        return plan_page(&state, lang, &me, class, Some((false, t.get("err-no-term").to_string()))).await;
    };
    let input = PlanInput::from(f);
    let message = match state
        .store
        .set_session_plan(&me.user, &class, &term.id, &input, state.clock.now())
        .await
        .map_err(AppError::from)
    {
        Ok(()) => (true, t.get("ui-plan-saved").to_string()),
        Err(AppError::Invalid(i)) => (false, t.get(i.key).to_string()),
        Err(other) => return Err(other),
    };
    plan_page(&state, lang, &me, class, Some(message)).await
}
