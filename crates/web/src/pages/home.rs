//! The home page of each role after sign-in, and the in-app inbox (站内消息).

use super::page;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use yanshi_domain::calendar::{DayStatus, HolidayCalendar};
use yanshi_domain::enrolment::{AgreementStatus, EnrolmentState};
use yanshi_domain::policy::{Action, may, may_confirm_guardian_link};
use yanshi_domain::role::Role;
use yanshi_domain::school::format_clock;
use yanshi_domain::school_time::{DEFAULT_TIME_ZONE, format_local};
use yanshi_store::InboxItem;
use yanshi_store::enrolment::ReviewQueue;

/// A card on the home page: a title, a line of text, and where it leads.
pub struct Card {
    pub title: &'static str,
    pub text: &'static str,
    pub href: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    greeting: String,
    /// What waits for this person's review: (id, title, count, link to the filtered list).
    waiting: Vec<(&'static str, &'static str, i64, &'static str)>,
    school_name: String,
    today: String,
    cards: Vec<Card>,
    school_count: usize,
    /// (grade, what today is for it), when the school has a term today.
    today_service: Vec<(String, String)>,
    missing_year: Option<i32>,
    children: Vec<Child>,
    /// A class teacher's or grade director's classes: (id, name, students).
    my_classes: Vec<(String, String, i64)>,
    /// Guardians linked by staff that this school admin may confirm: (student id, text).
    pending_guardians: Vec<(String, String)>,
    /// 我的值班: this person's published turns, today and the week ahead.
    my_duty: Vec<super::on_duty::MyTurn>,
}

/// A guardian's child on their home page, with where the enrolment stands.
pub struct Child {
    pub name: String,
    pub class: String,
    pub relationship: String,
    pub status: &'static str,
    pub link: String,
    pub apply: Option<String>,
    pub survey: String,
    /// An agreement waits for this guardian's signature: where to sign it (去签署).
    pub sign: Option<String>,
}

/// 王老师，您好 · 张丽，您好 · Hello, 张丽: the person's name, not their role.
fn greeting(lang: Lang, user: &yanshi_store::User) -> String {
    use yanshi_domain::greeting::{Addressee, addressee};
    use yanshi_i18n::Args;
    let staff = !matches!(user.role, Role::Guardian | Role::Volunteer);
    match addressee(user.display_name.as_str(), staff) {
        // Chinese addresses a teacher by surname + 老师; English by the name.
        Addressee::Teacher { surname, .. } if lang == Lang::ZhCn => {
            lang.render("ui-greeting-teacher", &Args::new().text("surname", surname))
        }
        Addressee::Teacher { full: name, .. } | Addressee::Name(name) => lang.render("ui-greeting", &Args::new().text("name", name)),
    }
}

/// What today is for each grade: "15:30–18:00", "国庆节", "周末" …
async fn today_service(state: &AppState, lang: Lang, school: &yanshi_store::School) -> AppResult<Vec<(String, String)>> {
    let today = yanshi_domain::school_time::local(state.clock.now(), &school.time_zone).date();
    let Some(term) = state.store.term_on(&school.id, today).await? else {
        return Ok(Vec::new());
    };
    let cal = state.store.service_calendar(term).await?;
    Ok(yanshi_domain::school::Grade::ALL
        .iter()
        .map(|g| {
            let what = match cal.status(today, g.number()) {
                DayStatus::Service { start, end, .. } => format!("{}–{}", format_clock(start), format_clock(end)),
                DayStatus::Holiday(n) | DayStatus::Closed(n) => n,
                DayStatus::Weekend => lang.t("ui-day-weekend").to_string(),
                DayStatus::OutsideServicePeriod => lang.t("ui-day-outside").to_string(),
                DayStatus::Unscheduled => lang.t("ui-day-unscheduled").to_string(),
            };
            (g.name_zh(), what)
        })
        .collect())
}

pub async fn home(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let l = Layout::for_user(&state, lang, &me.user).await;
    let t = l.t;
    let school = match &me.user.school_id {
        Some(id) => Some(state.store.school(id).await?),
        None => None,
    };
    let (school_name, zone) = match &school {
        Some(s) => (s.name.clone(), s.time_zone.clone()),
        None => (t.get("ui-district").to_string(), DEFAULT_TIME_ZONE.to_string()),
    };
    let today = format_local(state.clock.now(), &zone)[..10].to_string();
    let card = |title, text, href| Card {
        title: t.get(title),
        text: t.get(text),
        href,
    };
    let cards = match me.user.role {
        Role::DistrictAdmin => vec![card("ui-nav-district", "ui-card-district", "/district")],
        Role::SchoolAdmin => vec![
            card("ui-nav-school", "ui-card-school", "/school"),
            card("ui-nav-classes", "ui-card-classes", "/school/classes"),
            card("ui-nav-students", "ui-card-students", "/students"),
            card("ui-nav-calendar", "ui-card-calendar", "/school/calendar"),
            card("ui-nav-users", "ui-card-users", "/admin/users"),
            card("ui-nav-invitations", "ui-card-invitations", "/admin/invitations"),
            card("ui-nav-channels", "ui-card-channels", "/admin/channels"),
            card("ui-nav-audit", "ui-card-audit", "/admin/audit"),
            card("ui-nav-volunteers", "ui-card-volunteers", "/school/volunteers"),
        ],
        Role::GradeDirector => vec![
            card("ui-nav-students", "ui-card-students", "/students"),
            card("ui-nav-calendar", "ui-card-calendar", "/school/calendar"),
        ],
        Role::ClassTeacher => vec![
            card("ui-nav-students", "ui-card-students", "/students"),
            card("ui-nav-invitations", "ui-card-invitations", "/admin/invitations"),
        ],
        Role::Teacher => vec![
            card("ui-nav-calendar", "ui-card-calendar", "/school/calendar"),
            card("ui-nav-inbox", "ui-card-inbox", "/inbox"),
        ],
        Role::Volunteer => vec![
            card("ui-nav-volunteer-self", "ui-card-volunteer-self", "/volunteer"),
            card("ui-nav-inbox", "ui-card-inbox", "/inbox"),
        ],
        Role::Guardian => vec![card("ui-nav-inbox", "ui-card-inbox", "/inbox")],
    };
    let school_count = if me.user.role == Role::DistrictAdmin {
        state.store.schools().await?.len()
    } else {
        0
    };
    let today_service = match &school {
        Some(s) if may(&me.principal, Action::ViewSchool, Some(&s.id)) => today_service(&state, lang, s).await?,
        _ => Vec::new(),
    };
    let local_today = yanshi_domain::school_time::local(state.clock.now(), &zone).date();
    let missing_year = if may(&me.principal, Action::ManageSchool, None) {
        HolidayCalendar::bundled().missing_next_year(local_today)
    } else {
        None
    };
    let mut children = Vec::new();
    if me.user.role == Role::Guardian {
        let enrolments = state.store.enrolments_of_guardian(&me.user.id).await?;
        for (s, relationship) in state.store.children_of(&me.user.id).await? {
            let class = state.store.class(&s.class_id).await?.name;
            // The newest enrolment of the child (the list is newest first).
            let latest = enrolments.iter().find(|e| e.enrolment.student_id == s.id);
            let (status, link) = match latest {
                Some(e) => (
                    t.get(super::enrolment::state_key(e.enrolment.state)),
                    format!("/enrolments/{}", e.enrolment.id),
                ),
                None => (t.get("ui-not-applied"), format!("/enrol/{}", s.id)),
            };
            let can_apply = latest.is_none_or(|e| !e.enrolment.state.is_open());
            // 去签署: the school approved (or the terms changed) and the newest agreement waits.
            let sign = match latest {
                Some(e) if e.enrolment.state == EnrolmentState::Approved => Some(format!("/enrolments/{}#agreement-text", e.enrolment.id)),
                Some(e) if e.enrolment.state == EnrolmentState::Active => state
                    .store
                    .agreements(&e.enrolment.id)
                    .await?
                    .first()
                    .filter(|a| a.status == AgreementStatus::Pending)
                    .map(|_| format!("/enrolments/{}#agreement-text", e.enrolment.id)),
                _ => None,
            };
            children.push(Child {
                name: s.name.clone(),
                class,
                relationship,
                status,
                link,
                apply: can_apply.then(|| format!("/enrol/{}", s.id)),
                survey: format!("/survey/{}", s.id),
                sign,
            });
        }
    }
    let my_classes = match (&school, me.user.role) {
        (Some(s), Role::ClassTeacher | Role::GradeDirector) => state
            .store
            .classes_of_staff(&s.id, &me.user.id)
            .await?
            .into_iter()
            .map(|c| (c.id.to_string(), c.name, c.active_students))
            .collect(),
        _ => Vec::new(),
    };
    let queue = match me.user.role {
        Role::ClassTeacher | Role::SchoolAdmin => state.store.review_queue(&me.user).await?,
        _ => ReviewQueue::default(),
    };
    let waiting = [
        (
            "waiting-class",
            "ui-pending-class-review",
            queue.class_review,
            "/enrolment?waiting=class",
        ),
        (
            "waiting-school",
            "ui-pending-school-review",
            queue.school_review,
            "/enrolment?waiting=school",
        ),
        (
            "waiting-countersign",
            "ui-pending-countersign",
            queue.countersign,
            "/enrolment?waiting=countersign",
        ),
    ]
    .into_iter()
    .filter(|w| w.2 > 0)
    .map(|(id, title, n, href)| (id, t.get(title), n, href))
    .collect();
    let pending_guardians = match &school {
        Some(s) if me.user.role == Role::SchoolAdmin => state
            .store
            .pending_guardian_links(&s.id)
            .await?
            .into_iter()
            .filter(|p| may_confirm_guardian_link(&me.principal, &s.id, p.link.added_by.as_ref()))
            .map(|p| {
                let by = p.link.added_by_name.unwrap_or_default();
                let text = format!(
                    "{} · {}（{}） · {} {by}",
                    p.student_name,
                    p.link.name,
                    p.link.relationship,
                    t.get("ui-link-added-by")
                );
                (p.student_id.to_string(), text)
            })
            .collect(),
        _ => Vec::new(),
    };
    let my_duty = super::on_duty::my_turns(&state, lang, &me.user, local_today).await?;
    page(
        StatusCode::OK,
        HomePage {
            my_duty,
            pending_guardians,
            greeting: greeting(lang, &me.user),
            waiting,
            school_name,
            today,
            cards,
            school_count,
            today_service,
            missing_year,
            children,
            my_classes,
            l,
        },
    )
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    l: Layout,
    items: Vec<(InboxItem, String)>,
}

pub async fn inbox(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let items = state.store.inbox(&me.user.id, 100).await?;
    let zone = match &me.user.school_id {
        Some(id) => state.store.school(id).await?.time_zone,
        None => DEFAULT_TIME_ZONE.to_string(),
    };
    let items = items.into_iter().map(|mut i| {
        (i.title, i.body) = yanshi_i18n::shown(lang.into(), i.message.as_ref(), &i.title, &i.body);
        let at = format_local(i.created_at, &zone);
        (i, at)
    });
    let items: Vec<_> = items.collect();
    // Seen now: the badge counts what arrived since.
    state.store.mark_inbox_read(&me.user.id, state.clock.now()).await?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(StatusCode::OK, InboxPage { l, items })
}
