//! The classroom door (点名、交接): today's children of a class, with roll call in a few taps,
//! what became of a missing child, a leader's decision for a late one, and the hand-over to an
//! adult picked from the child's list or by personal code. The page; each form posts to its own
//! action (`roll_call`, `decisions`, `handover`), which answers with this page again.

use super::{Message, log_custody_limits, own_school_class};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::IdPath;
use crate::pages::page;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use time::Date;
use yanshi_domain::afternoon::{LateStep, RollStatus, Whereabouts};
use yanshi_domain::ids::ClassId;
use yanshi_domain::school::format_clock;
use yanshi_domain::school_time::{format_local, local};
use yanshi_store::afternoon::{ExpectedChild, SessionPlan};
use yanshi_store::setup::ClassInfo;

pub struct Row {
    pub child: ExpectedChild,
    pub latest: String,
    pub self_leave: bool,
    pub handed: Option<String>,
    /// The message key of the furthest late-pickup step reached today (迟接).
    pub late: Option<&'static str>,
    /// The duty leader's newest decision for a late child: "decision · note · leader time".
    pub decision: Option<String>,
    pub request_id: String,
}

impl Row {
    /// On the roll-call list: expected today, or marked not at school (which may be corrected).
    pub fn at_roll_call(&self) -> bool {
        self.child.expected || self.child.roll == Some(RollStatus::AbsentFromSchool)
    }

    /// Why the hand-over form is not offered (on leave, or marked not at school), as a message key.
    pub fn not_in_care(&self) -> Option<&'static str> {
        yanshi_domain::afternoon::in_care_today(self.child.on_leave, self.child.roll)
            .err()
            .map(|n| n.key())
    }
}

#[derive(Template)]
#[template(path = "afternoon_class.html")]
struct ClassPage {
    l: Layout,
    class: ClassInfo,
    day: Date,
    rows: Vec<Row>,
    present: usize,
    handed_over: usize,
    expected: usize,
    leader: bool,
    message: Message,
    /// Shown to a leader after NEEDS_OVERRIDE: (student, adult, adult's name).
    override_for: Option<(String, String, String)>,
    /// A fresh request id for the leader's override form.
    override_request: String,
    /// What became of an unaccounted child: (value, message key).
    outcomes: Vec<(&'static str, &'static str)>,
    /// Today's session (活动安排): content, description, teacher, volunteer.
    today: Option<SessionPlan>,
    /// 天气预警 in force today.
    weather: Option<yanshi_store::afternoon::WeatherAlert>,
    /// What a leader may decide for a late child.
    decisions: [yanshi_domain::afternoon::LateDecision; 3],
}

/// The message key for a recorded whereabouts.
fn whereabouts_key(w: Whereabouts) -> &'static str {
    match w {
        Whereabouts::Found => "ui-where-found",
        Whereabouts::WentHomeWithGuardian => "ui-where-home",
        Whereabouts::AbsentExcused => "ui-where-excused",
        Whereabouts::NotFound => "ui-where-not-found",
    }
}

impl Row {
    pub fn outcome_key(&self, outcome: &Whereabouts) -> &'static str {
        whereabouts_key(*outcome)
    }
}

pub(super) async fn class_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    class: ClassInfo,
    message: Message,
    override_for: Option<(String, String, String)>,
) -> AppResult<Response> {
    let school = state.store.school(&class.school_id).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let term = state.store.term_on(&class.school_id, day).await?;
    let children = state.store.class_day_in(&class.id, term.as_ref(), day).await?;
    let weather = state.store.weather_alert(&class.school_id, day).await?;
    let mut decisions = if children.iter().any(|c| c.late_step.is_some()) {
        state.store.late_decisions(&class.id, day).await?
    } else {
        Default::default()
    };
    log_custody_limits(state, me, &class, &children, "door").await?;
    let today = match term {
        Some(term) => {
            let weekday = day.weekday().number_from_monday();
            state
                .store
                .session_plans(&class.id, &term.id)
                .await?
                .into_iter()
                .find(|p| p.weekday == weekday)
        }
        None => None,
    };
    let (mut present, mut handed_over, mut expected) = (0, 0, 0);
    let rows = children
        .into_iter()
        .map(|c| {
            expected += usize::from(c.expected);
            present += usize::from(c.roll == Some(RollStatus::Present));
            handed_over += usize::from(c.handover.is_some());
            Row {
                latest: format_clock(c.terms.latest_pickup),
                self_leave: c.terms.pickup_plan == yanshi_domain::enrolment::PickupPlan::SelfLeave,
                handed: c.handover.as_ref().map(|h| {
                    let paper = if h.entered_later {
                        crate::i18n::Tr(lang).get("ui-paper-entered")
                    } else {
                        ""
                    };
                    format!(
                        "{} {}（{}）· {}{paper}",
                        &format_local(h.at, &school.time_zone)[11..],
                        h.adult_name,
                        super::handover::relationship_shown(crate::i18n::Tr(lang), h),
                        h.teacher
                    )
                }),
                late: c.late_step.map(|step| match step {
                    LateStep::NotifyGuardians => "ui-late-notified",
                    LateStep::CallList => "ui-late-call",
                    LateStep::WaitingRoom => "ui-late-waiting-room",
                    LateStep::LeaderDecision => "ui-late-leader",
                }),
                request_id: yanshi_domain::ids::HandoverId::new().to_string(),
                decision: decisions
                    .remove(c.student.id.as_str())
                    .map(|(d, note, by, at)| format!("{} · {note} · {by} {}", lang.t(d.key()), &format_local(at, &school.time_zone)[11..])),
                child: c,
            }
        })
        .collect();
    let l = Layout::for_user(state, lang, &me.user).await;
    let leader = me.user.role == yanshi_domain::role::Role::SchoolAdmin;
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let override_request = yanshi_domain::ids::HandoverId::new().to_string();
    page(
        status,
        ClassPage {
            l,
            class,
            day,
            rows,
            present,
            handed_over,
            expected,
            leader,
            message,
            override_for,
            override_request,
            outcomes: Whereabouts::ALL.into_iter().map(|w| (w.as_str(), whereabouts_key(w))).collect(),
            today,
            weather,
            decisions: yanshi_domain::afternoon::LateDecision::ALL,
        },
    )
}

/// The classroom door: today's children of a class.
pub async fn class(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    class_page(&state, lang, &me, class, None, None).await
}
