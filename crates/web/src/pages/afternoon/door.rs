//! The classroom door (点名、交接): today's children of a class, with roll call in a few taps,
//! what became of a missing child, a leader's decision for a late one, and the hand-over to an
//! adult picked from the child's list or by personal code. Each form posts to its own action
//! (`roll_call`, `decisions`, `handover`). The page works without script; with htmx a tap
//! answers with that child's card only (and the counts), so the teacher keeps their place.

use super::{Message, log_custody_limits, own_school_class};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::IdPath;
use crate::pages::page;
use crate::state::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use time::{Date, Duration, Time};
use yanshi_domain::afternoon::{LateStep, RollStatus, Whereabouts, door_open, door_opens};
use yanshi_domain::ids::{ClassId, StudentId};
use yanshi_domain::school::format_clock;
use yanshi_domain::school_time::{at, format_local, local};
use yanshi_store::afternoon::{ExpectedChild, SessionPlan};
use yanshi_store::setup::ClassInfo;

/// Sent by htmx (`HX-Request: true`): answer with the changed card, not the page.
pub struct Hx(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for Hx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Hx(parts.headers.get("hx-request").is_some_and(|v| v == "true")))
    }
}

/// What an action at the door says, and about whom: a child's action is told on that child's
/// card (and with htmx only that card is sent back); anything else at the top of the page.
#[derive(Default)]
pub(crate) struct Said {
    pub student: Option<StudentId>,
    pub message: Message,
    /// After NEEDS_OVERRIDE, for a leader: (the adult as the form sent it, the adult's name).
    pub override_for: Option<(String, String)>,
}

impl Said {
    pub fn page(message: Message) -> Said {
        Said {
            message,
            ..Said::default()
        }
    }

    pub fn child(student: &StudentId, message: Message) -> Said {
        Said {
            student: Some(student.clone()),
            message,
            override_for: None,
        }
    }
}

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
    /// What the guardians were told today and whether they read it, one line each.
    pub told: Vec<String>,
    /// What the last action about this child said, on its card.
    pub message: Message,
    /// The leader's override form for this child: (adult as sent, adult's name).
    pub override_for: Option<(String, String)>,
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

    /// The card's look at a glance: handed over, its roll mark, not expected.
    pub fn state(&self) -> &'static str {
        match (&self.child.handover, self.child.roll) {
            (Some(_), _) => "done",
            (None, Some(RollStatus::Present)) => "is-present",
            (None, Some(RollStatus::Absent)) => "is-absent",
            (None, Some(RollStatus::AbsentFromSchool)) => "is-not-at-school",
            (None, None) if self.child.expected => "is-unmarked",
            (None, None) => "off",
        }
    }

    /// Whether a roll button is the mark already made.
    pub fn marked(&self, code: &str) -> bool {
        self.child.roll.is_some_and(|r| r.as_str() == code)
    }

    pub fn outcome_key(&self, outcome: &Whereabouts) -> &'static str {
        whereabouts_key(*outcome)
    }
}

/// The counts at the top of the door, kept current with every tap.
#[derive(Default)]
pub struct Counts {
    pub expected: usize,
    pub marked: usize,
    pub present: usize,
    pub absent: usize,
    pub unmarked: usize,
    pub handed_over: usize,
    pub in_care: usize,
}

impl Counts {
    fn of(rows: &[Row]) -> Counts {
        let mut n = Counts::default();
        for r in rows {
            let c = &r.child;
            let handed = c.handover.is_some();
            n.handed_over += usize::from(handed);
            if !c.expected {
                continue;
            }
            n.expected += 1;
            n.marked += usize::from(c.roll.is_some());
            n.present += usize::from(c.roll == Some(RollStatus::Present));
            n.absent += usize::from(c.roll == Some(RollStatus::Absent));
            n.unmarked += usize::from(c.roll.is_none() && !handed);
            n.in_care += usize::from(c.roll == Some(RollStatus::Present) && !handed);
        }
        n
    }
}

/// Everything the door shows, for the page and for one card alike.
pub struct Door {
    pub class: ClassInfo,
    pub day: Date,
    pub rows: Vec<Row>,
    pub counts: Counts,
    pub leader: bool,
    /// Before the door opens today: why roll call and hand-over wait.
    pub closed_until: Option<String>,
    /// What became of an unaccounted child: (value, message key).
    pub outcomes: Vec<(&'static str, &'static str)>,
    /// What a leader may decide for a late child.
    pub decisions: [yanshi_domain::afternoon::LateDecision; 3],
    /// The children still unmarked, for 全部到: their ids and names.
    pub unmarked: Vec<(String, String)>,
    /// Sent as one card: the counts go out of band (htmx `hx-swap-oob`).
    pub swap: bool,
}

#[derive(Template)]
#[template(path = "afternoon_class.html")]
struct ClassPage {
    l: Layout,
    door: Door,
    message: Message,
    /// Today's session (活动安排): content, description, teacher, volunteer.
    today: Option<SessionPlan>,
    /// 天气预警 in force today.
    weather: Option<yanshi_store::afternoon::WeatherAlert>,
    /// 今日值班: (post, its people) from the day's published roster.
    on_duty: Vec<(String, String)>,
}

/// One child's card and the counts, swapped in by htmx.
#[derive(Template)]
#[template(path = "afternoon_class_swap.html")]
struct CardSwap {
    l: Layout,
    door: Door,
    r: Row,
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

/// Whether the door takes roll call and hand-overs at `now`, and if not, why.
enum Shut {
    Open,
    /// Before the door opens on a service day.
    Early(String),
    /// Not a service day for the grade (a holiday, a weekend, a closed day): nobody is expected.
    NoService(String),
}

async fn shut(
    state: &AppState,
    lang: Lang,
    class: &ClassInfo,
    term: Option<&yanshi_store::terms::Term>,
    day: Date,
    now: Time,
) -> AppResult<Shut> {
    use yanshi_domain::calendar::DayStatus;
    // No term today: the door lists nobody anyway.
    let Some(term) = term else { return Ok(Shut::Open) };
    let calendar = state.store.service_calendar(term.clone()).await?;
    let why = match calendar.status(day, class.grade) {
        DayStatus::Service { start, .. } if door_open(start, now) => return Ok(Shut::Open),
        DayStatus::Service { start, .. } => return Ok(Shut::Early(closed_text(lang, start))),
        DayStatus::Holiday(name) | DayStatus::Closed(name) => name,
        DayStatus::Weekend => lang.t("ui-day-weekend").to_string(),
        DayStatus::OutsideServicePeriod => lang.t("ui-day-outside").to_string(),
        DayStatus::Unscheduled => lang.t("ui-day-unscheduled").to_string(),
    };
    Ok(Shut::NoService(
        lang.render("ui-door-no-service", &yanshi_i18n::Args::new().text("why", why)),
    ))
}

/// Refused while the door is shut: before it opens ("三年级的延时服务今天 16:10 开始，15:55 起可以
/// 点名和交接。") or on a day without service.
pub(crate) async fn door_closed(state: &AppState, lang: Lang, class: &ClassInfo) -> AppResult<Option<String>> {
    let school = state.store.school(&class.school_id).await?;
    let now = local(state.clock.now(), &school.time_zone);
    let term = state.store.term_on(&class.school_id, now.date()).await?;
    Ok(match shut(state, lang, class, term.as_ref(), now.date(), now.time()).await? {
        Shut::Open => None,
        Shut::Early(why) | Shut::NoService(why) => Some(why),
    })
}

fn closed_text(lang: Lang, start: Time) -> String {
    let args = yanshi_i18n::Args::new()
        .text("start", format_clock(start))
        .text("opens", format_clock(door_opens(start)));
    lang.render("ui-door-not-open", &args)
}

async fn door(
    state: &AppState,
    lang: Lang,
    me: &Me,
    class: ClassInfo,
    said: &mut Said,
) -> AppResult<(Door, Option<SessionPlan>, Option<yanshi_store::afternoon::WeatherAlert>)> {
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
    let midnight = at(day, Time::MIDNIGHT, &school.time_zone);
    // Guardians are told of a child only with a 未到 alert or a late step, written in the same
    // transaction: without either there is nothing to look up.
    let mut told = if children.iter().any(|c| c.unaccounted.is_some() || c.late_step.is_some()) {
        state
            .store
            .guardians_told(&class.id, midnight, midnight + Duration::days(1))
            .await?
    } else {
        Default::default()
    };
    log_custody_limits(state, me, &class, &children, "door").await?;
    let now = local(state.clock.now(), &school.time_zone).time();
    let (closed_until, service_day) = match shut(state, lang, &class, term.as_ref(), day, now).await? {
        Shut::Open => (None, true),
        Shut::Early(why) => (Some(why), true),
        Shut::NoService(why) => (Some(why), false),
    };
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
    let t = Tr(lang);
    let rows: Vec<Row> = children
        .into_iter()
        .map(|mut c| {
            // On a day without service nobody is expected, whatever their weekdays.
            c.expected &= service_day;
            let mine = said.student.as_ref() == Some(&c.student.id);
            Row {
                latest: format_clock(c.terms.latest_pickup),
                self_leave: c.terms.pickup_plan == yanshi_domain::enrolment::PickupPlan::SelfLeave,
                handed: c.handover.as_ref().map(|h| {
                    let paper = if h.entered_later { t.get("ui-paper-entered") } else { "" };
                    format!(
                        "{} {}（{}）· {}{paper}",
                        &format_local(h.at, &school.time_zone)[11..],
                        h.adult_name,
                        super::handover::relationship_shown(t, h),
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
                told: told
                    .remove(c.student.id.as_str())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| {
                        let what = t.get(if m.key == "msg-late-guardians" {
                            "ui-told-late"
                        } else {
                            "ui-told-absent"
                        });
                        let sent = &format_local(m.at, &school.time_zone)[11..];
                        let read = match m.read_at {
                            Some(r) => format!("{} {}", t.get("ui-told-read"), &format_local(r, &school.time_zone)[11..]),
                            None => t.get("ui-told-unread").to_string(),
                        };
                        format!("{what} {} {sent} · {read}", m.guardian)
                    })
                    .collect(),
                message: if mine { said.message.take() } else { None },
                override_for: if mine { said.override_for.take() } else { None },
                child: c,
            }
        })
        .collect();
    let unmarked = rows
        .iter()
        .filter(|r| r.child.expected && r.child.roll.is_none() && r.child.handover.is_none())
        .map(|r| (r.child.student.id.to_string(), r.child.student.name.clone()))
        .collect();
    let door = Door {
        counts: Counts::of(&rows),
        class,
        day,
        rows,
        leader: me.user.role == yanshi_domain::role::Role::SchoolAdmin,
        closed_until,
        outcomes: Whereabouts::ALL.into_iter().map(|w| (w.as_str(), whereabouts_key(w))).collect(),
        decisions: yanshi_domain::afternoon::LateDecision::ALL,
        unmarked,
        swap: false,
    };
    Ok((door, today, weather))
}

/// The door after an action: with htmx and a child named, that child's card and the counts;
/// otherwise the whole page. A refusal answers 422.
pub(crate) async fn class_page(state: &AppState, lang: Lang, me: &Me, class: ClassInfo, mut said: Said, hx: Hx) -> AppResult<Response> {
    let status = if said.message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let student = said.student.clone();
    let (mut door, today, weather) = door(state, lang, me, class, &mut said).await?;
    let l = Layout::for_user(state, lang, &me.user).await;
    if let (Hx(true), Some(student)) = (hx, student)
        && let Some(i) = door.rows.iter().position(|r| r.child.student.id == student)
    {
        let r = door.rows.remove(i);
        door.swap = true;
        return page(status, CardSwap { l, door, r });
    }
    let on_duty = crate::pages::on_duty::door_line(state, lang, &door.class, door.day).await?;
    page(
        status,
        ClassPage {
            l,
            on_duty,
            door,
            message: said.message,
            today,
            weather,
        },
    )
}

/// The classroom door: today's children of a class.
pub async fn class(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    class_page(&state, lang, &me, class, Said::default(), Hx(false)).await
}
