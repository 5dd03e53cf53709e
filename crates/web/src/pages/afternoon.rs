//! The afternoon at the classroom door (点名、交接): today's children of a class, roll call in a
//! few taps, and the hand-over to an adult picked from the child's list, or by personal code.

use super::school::{Pairs, field};
use super::{AppForm, page};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use time::Date;
use yanshi_domain::afternoon::{PickupCode, Whereabouts};
use yanshi_domain::ids::{ClassId, PickupAdultId, StudentId};
use yanshi_domain::role::Role;
use yanshi_domain::school::format_clock;
use yanshi_domain::school_time::{format_local, local};
use yanshi_store::afternoon::{AdultRef, BoardRow, ExpectedChild, HandoverOutcome, HandoverRequest, PlanInput, SessionPlan};
use yanshi_store::setup::ClassInfo;

#[derive(Template)]
#[template(path = "afternoon.html")]
struct TodayPage {
    l: Layout,
    day: Date,
    classes: Vec<(ClassInfo, bool)>,
    /// Today's incidents (事件), for the school's leaders: (time, class and child, description, reporter).
    incidents: Vec<(String, String, String, String)>,
    /// Children refused at the door today, for the leaders: (class and child, how many, when).
    refusals: Vec<(String, String)>,
    /// Session plans that look like lessons, for the leaders.
    flagged: Vec<yanshi_store::afternoon::FlaggedPlan>,
    /// 天气预警 in force today, and whether this person may set it.
    weather: Option<yanshi_store::afternoon::WeatherAlert>,
    leader: bool,
    levels: [yanshi_domain::afternoon::WeatherLevel; 5],
    message: Option<(bool, String)>,
}

/// Today's classes, the person's own first.
pub async fn today(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    today_page(&state, lang, &me, None).await
}

/// A school leader sets today's weather warning (NONE lifts it).
pub async fn set_weather(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let school = state.store.school(me.user.school_id.as_ref().ok_or(AppError::NotFound)?).await?;
    let now = state.clock.now();
    let day = local(now, &school.time_zone).date();
    let t = crate::i18n::Tr(lang);
    let result = match yanshi_domain::afternoon::WeatherLevel::parse(field(&f, "level")) {
        Ok(level) => state
            .store
            .set_weather_alert(&me.user, &school.id, day, level, field(&f, "note"), now)
            .await
            .map_err(AppError::from),
        Err(i) => Err(AppError::Invalid(i)),
    };
    let message = match result {
        Ok(()) => (true, t.get("ui-weather-set").to_string()),
        Err(AppError::Invalid(i)) => (false, t.get(i.key).to_string()),
        Err(other) => return Err(other),
    };
    today_page(&state, lang, &me, Some(message)).await
}

async fn today_page(state: &AppState, lang: Lang, me: &Me, message: Option<(bool, String)>) -> AppResult<Response> {
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let school = state.store.school(&school).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let mut classes: Vec<(ClassInfo, bool)> = state
        .store
        .classes(&school.id)
        .await?
        .into_iter()
        .map(|c| {
            let mine = c.class_teacher.as_ref().map(|t| &t.0) == Some(&me.user.id);
            (c, mine)
        })
        .collect();
    classes.sort_by_key(|(_, mine)| !*mine);
    let incidents = if me.user.role == yanshi_domain::role::Role::SchoolAdmin {
        state
            .store
            .incidents(&school.id, day)
            .await?
            .into_iter()
            .map(|i| {
                let who = format!("{}{}", i.class.unwrap_or_default(), i.student.unwrap_or_default());
                (
                    format_local(i.at, &school.time_zone)[11..].to_string(),
                    who,
                    i.description,
                    i.reporter,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let refusals = if me.user.role == Role::SchoolAdmin {
        let t = crate::i18n::Tr(lang);
        state
            .store
            .refusal_alerts(&school.id, day)
            .await?
            .into_iter()
            .map(|a| {
                let text = refusal_text(t, &a, &school.time_zone);
                (format!("{}{}", a.class.unwrap_or_default(), a.student), text)
            })
            .collect()
    } else {
        Vec::new()
    };
    let flagged = match state.store.term_on(&school.id, day).await? {
        Some(term) if me.user.role == Role::SchoolAdmin => state.store.flagged_plans(&school.id, &term.id).await?,
        _ => Vec::new(),
    };
    let weather = state.store.weather_alert(&school.id, day).await?;
    let l = Layout::for_user(state, lang, &me.user).await;
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        TodayPage {
            l,
            day,
            classes,
            incidents,
            refusals,
            flagged,
            weather,
            leader: me.user.role == Role::SchoolAdmin,
            levels: yanshi_domain::afternoon::WeatherLevel::ALL,
            message,
        },
    )
}

/// "17:02 起 10 分钟内 6 次交接被拒 · 今天共 8 次 · 另有 3 次接送码因输错过多未核对".
fn refusal_text(t: crate::i18n::Tr, a: &yanshi_store::handover_guards::RefusalAlert, zone: &str) -> String {
    let mut text = t
        .get("ui-refusal-burst")
        .replace("{from}", &format_local(a.burst_started, zone)[11..])
        .replace("{minutes}", &yanshi_domain::afternoon::REFUSAL_ALERT_WINDOW_MINUTES.to_string())
        .replace("{n}", &a.burst_refusals.to_string());
    if a.refusals_today > a.burst_refusals {
        text = format!(
            "{text} · {}",
            t.get("ui-refusals-today").replace("{n}", &a.refusals_today.to_string())
        );
    }
    if a.codes_held_back > 0 {
        text = format!(
            "{text} · {}",
            t.get("ui-codes-held-back").replace("{n}", &a.codes_held_back.to_string())
        );
    }
    text
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
}

impl Row {
    /// On the roll-call list: expected today, or marked not at school (which may be corrected).
    pub fn at_roll_call(&self) -> bool {
        self.child.expected || self.child.roll.as_deref() == Some("ABSENT_FROM_SCHOOL")
    }

    /// Why the hand-over form is not offered (on leave, or marked not at school), as a message key.
    pub fn not_in_care(&self) -> Option<&'static str> {
        yanshi_domain::afternoon::in_care_today(self.child.on_leave, self.child.roll.as_deref())
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
    message: Option<(bool, String)>,
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
    pub fn outcome_key(&self, stored: &str) -> &'static str {
        Whereabouts::parse(stored).map(whereabouts_key).unwrap_or("ui-where-found")
    }
}

async fn class_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    class: ClassInfo,
    message: Option<(bool, String)>,
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
            present += usize::from(c.roll.as_deref() == Some("PRESENT"));
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
                        h.relationship,
                        h.teacher
                    )
                }),
                late: c.late_step.as_deref().map(|step| match step {
                    "NOTIFY_GUARDIANS" => "ui-late-notified",
                    "CALL_LIST" => "ui-late-call",
                    "WAITING_ROOM" => "ui-late-waiting-room",
                    _ => "ui-late-leader",
                }),
                request_id: yanshi_domain::ids::HandoverId::new().to_string(),
                decision: decisions
                    .remove(c.student.id.as_str())
                    .map(|(d, note, by, at)| format!("{} · {note} · {by} {}", d.zh(), &format_local(at, &school.time_zone)[11..])),
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

pub(crate) async fn own_school_class(state: &AppState, me: &Me, id: &str) -> AppResult<ClassInfo> {
    let class = state.store.class(&ClassId::parse(id).ok_or(AppError::NotFound)?).await?;
    if me.user.school_id.as_ref() != Some(&class.school_id) {
        return Err(AppError::Forbidden);
    }
    Ok(class)
}

pub async fn class(State(state): State<AppState>, lang: Lang, me: Me, Path(id): Path<String>) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    class_page(&state, lang, &me, class, None, None).await
}

/// `op` = `roll` (with `status`), `whereabouts` (with `outcome`, `note`) or `handover` (with `adult`, or `code`, or `self_leave`).
pub async fn act(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    Path(id): Path<String>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let student = state
        .store
        .student(&StudentId::parse(field(&f, "student")).ok_or(AppError::NotFound)?)
        .await?;
    if student.class_id != class.id {
        return Err(AppError::NotFound);
    }
    let school = state.store.school(&class.school_id).await?;
    let now = state.clock.now();
    let day = local(now, &school.time_zone).date();
    let t = crate::i18n::Tr(lang);
    match field(&f, "op") {
        "roll" => {
            let result = state
                .store
                .mark_roll(&me.user, &student, day, field(&f, "status"), field(&f, "note"), now)
                .await;
            let message = result.err().map(|e| match AppError::from(e) {
                AppError::Invalid(i) => (false, t.get(i.key).to_string()),
                other => (false, format!("{other}")),
            });
            class_page(&state, lang, &me, class, message, None).await
        }
        "decide" => {
            let result = match yanshi_domain::afternoon::LateDecision::parse(field(&f, "decision")) {
                Ok(decision) => state
                    .store
                    .record_late_decision(&me.user, &student, day, decision, field(&f, "note"), now)
                    .await
                    .map_err(AppError::from),
                Err(i) => Err(AppError::Invalid(i)),
            };
            let message = match result {
                Ok(()) => (true, t.get("ui-late-decided").to_string()),
                Err(AppError::Invalid(i)) => (false, t.get(i.key).to_string()),
                Err(other) => return Err(other),
            };
            class_page(&state, lang, &me, class, Some(message), None).await
        }
        "whereabouts" => {
            let result = match Whereabouts::parse(field(&f, "outcome")) {
                Ok(outcome) => state
                    .store
                    .record_whereabouts(&me.user, &student, day, outcome, field(&f, "note"), now)
                    .await
                    .map_err(AppError::from),
                Err(i) => Err(AppError::Invalid(i)),
            };
            let message = match result {
                Ok(()) => (true, t.get("ui-whereabouts-recorded").to_string()),
                Err(AppError::Invalid(i)) => (false, t.get(i.key).to_string()),
                Err(other) => return Err(other),
            };
            class_page(&state, lang, &me, class, Some(message), None).await
        }
        "handover" => {
            let adult = match (field(&f, "code"), field(&f, "adult"), field(&f, "self_leave")) {
                (code, _, _) if !code.is_empty() => match PickupCode::parse(code) {
                    Ok(c) => Some(AdultRef::Code(c)),
                    Err(i) => return class_page(&state, lang, &me, class, Some((false, t.get(i.key).to_string())), None).await,
                },
                (_, adult, _) if !adult.is_empty() => Some(AdultRef::Listed(PickupAdultId::parse(adult).ok_or(AppError::NotFound)?)),
                (_, _, "yes") => None,
                _ => return class_page(&state, lang, &me, class, Some((false, t.get("err-choose-adult").to_string())), None).await,
            };
            let method = match &adult {
                Some(AdultRef::Code(_)) => {
                    if field(&f, "scanned") == "yes" {
                        "QR"
                    } else {
                        "CODE"
                    }
                }
                Some(AdultRef::Listed(_)) => "LIST",
                None => "SELF_LEAVE",
            };
            // Typed in afterwards from the paper sign-out sheet, with the time written on it.
            let paper_time = match field(&f, "paper_time") {
                "" => None,
                typed => match yanshi_domain::school::parse_clock(typed) {
                    Ok(t) => Some(t),
                    Err(i) => return class_page(&state, lang, &me, class, Some((false, t.get(i.key).to_string())), None).await,
                },
            };
            let req = HandoverRequest {
                student: student.id.clone(),
                day,
                adult: adult.clone(),
                method: method.into(),
                override_reason: Some(field(&f, "override_reason").to_string()).filter(|r| !r.is_empty()),
                request_id: field(&f, "request_id").chars().take(64).collect(),
                paper_time,
            };
            if req.request_id.is_empty() {
                return Err(AppError::BadRequest("err-bad-form"));
            }
            let outcome = match state.store.record_handover(&me.user, &req, now).await {
                Ok(o) => o,
                Err(e) => match AppError::from(e) {
                    AppError::Invalid(i) => {
                        return class_page(&state, lang, &me, class, Some((false, t.get(i.key).to_string())), None).await;
                    }
                    other => return Err(other),
                },
            };
            let zone = &school.time_zone;
            match outcome {
                HandoverOutcome::Recorded(h) => {
                    let text = format!(
                        "{} · {} {}（{}）",
                        student.name,
                        &format_local(h.at, zone)[11..],
                        h.adult_name,
                        h.relationship
                    );
                    class_page(
                        &state,
                        lang,
                        &me,
                        class,
                        Some((true, format!("{} {text}", t.get("ui-handed-over")))),
                        None,
                    )
                    .await
                }
                HandoverOutcome::Already(h) => {
                    let text = format!(
                        "{} {} {}（{}）· {}",
                        t.get("ui-already-handed-over"),
                        &format_local(h.at, zone)[11..],
                        h.adult_name,
                        h.relationship,
                        h.teacher
                    );
                    class_page(&state, lang, &me, class, Some((false, text)), None).await
                }
                HandoverOutcome::NeedsOverride { adult_name } => {
                    let text = format!("{adult_name}: {}", t.get("ui-needs-override"));
                    let adult_id = field(&f, "adult").to_string();
                    class_page(
                        &state,
                        lang,
                        &me,
                        class,
                        Some((false, text)),
                        Some((student.id.to_string(), adult_id, adult_name)),
                    )
                    .await
                }
                HandoverOutcome::Refused { adult_name, reason } => {
                    class_page(
                        &state,
                        lang,
                        &me,
                        class,
                        Some((false, format!("{} {adult_name}", t.get(reason)))),
                        None,
                    )
                    .await
                }
                HandoverOutcome::TooManyWrongCodes => {
                    let text = t.get("err-too-many-wrong-codes").to_string();
                    class_page(&state, lang, &me, class, Some((false, text)), None).await
                }
                HandoverOutcome::NotInCare { reason } => {
                    class_page(&state, lang, &me, class, Some((false, t.get(reason).to_string())), None).await
                }
            }
        }
        _ => Err(AppError::BadRequest("err-bad-form")),
    }
}

/// A new personal pickup code for one of a child's adults, shown once with its QR code.
pub async fn issue_code(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    Path((student, adult)): Path<(String, String)>,
) -> AppResult<Response> {
    let student = state.store.student(&StudentId::parse(&student).ok_or(AppError::NotFound)?).await?;
    let adult = PickupAdultId::parse(&adult).ok_or(AppError::NotFound)?;
    let name = state
        .store
        .pickup_adults(&student.id)
        .await?
        .into_iter()
        .find(|a| a.id == adult)
        .map(|a| format!("{}（{}）", a.name, a.relationship))
        .ok_or(AppError::NotFound)?;
    let code = match state.store.issue_pickup_code(&me.user, &student, &adult, state.clock.now()).await {
        Ok(c) => c,
        Err(e) => {
            return Err(match AppError::from(e) {
                AppError::Invalid(_) | AppError::NotYours(_) => AppError::Forbidden,
                other => other,
            });
        }
    };
    let qr_svg = qrcode::QrCode::new(code.as_str().as_bytes())
        .map(|c| c.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
        .unwrap_or_default();
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        CodePage {
            l,
            student: student.name,
            adult: name,
            code: code.grouped(),
            qr_svg,
        },
    )
}

#[derive(Template)]
#[template(path = "pickup_code.html")]
struct CodePage {
    l: Layout,
    student: String,
    adult: String,
    code: String,
    qr_svg: String,
}

/// The live board (看板): one card per class taking part today, redrawn by the stream.
#[derive(Template)]
#[template(path = "afternoon_board.html")]
struct BoardPage {
    l: Layout,
    /// For the included cards template.
    t: crate::i18n::Tr,
    day: Date,
    rows: Vec<BoardRow>,
    incidents: usize,
}

/// The cards alone, as the stream sends them.
#[derive(Template)]
#[template(path = "afternoon_board_rows.html")]
struct BoardRows {
    t: crate::i18n::Tr,
    rows: Vec<BoardRow>,
    incidents: usize,
}

async fn board_now(state: &AppState, school: &yanshi_domain::ids::SchoolId) -> AppResult<(Date, Vec<BoardRow>, usize)> {
    let school = state.store.school(school).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let rows = state.store.board(&school.id, day).await?;
    // Children refused at the door count as incidents too (the leaders' page says how often).
    let incidents = state.store.incidents(&school.id, day).await?.len() + state.store.refusal_alerts(&school.id, day).await?.len();
    Ok((day, rows, incidents))
}

pub async fn board(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let (day, rows, incidents) = board_now(&state, &school).await?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        BoardPage {
            l,
            t: crate::i18n::Tr(lang),
            day,
            rows,
            incidents,
        },
    )
}

/// Server-sent events: the board's cards whenever the school's records change — on this
/// instance or another (the change sequence lives in the database), checked twice a second.
pub async fn board_events(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    use axum::response::IntoResponse;
    use axum::response::sse::{Event, KeepAlive, Sse};
    let school = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let until = tokio::time::Instant::now() + state.config.board_stream_for;
    let stream = futures_util::stream::unfold((state, school, None::<i64>), move |(state, school, last)| async move {
        loop {
            let seq = state.store.school_change_seq(&school).await.ok()?;
            if last != Some(seq) {
                let (_, rows, incidents) = board_now(&state, &school).await.ok()?;
                let html = BoardRows {
                    t: crate::i18n::Tr(lang),
                    rows,
                    incidents,
                }
                .render()
                .ok()?;
                let event = Event::default().event("board").data(html);
                return Some((Ok::<_, std::convert::Infallible>(event), (state, school, Some(seq))));
            }
            if tokio::time::Instant::now() >= until {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// 纸质签退表 — the A4 sign-out sheet for the day the network is down: the expected children
/// with their authorized adults (and who must never take them), lines to sign and time.
#[derive(Template)]
#[template(path = "afternoon_sheet.html")]
struct SheetPage {
    l: Layout,
    school: String,
    class: ClassInfo,
    day: Date,
    /// (number, child, latest pickup, adults with their level)
    rows: Vec<(usize, String, String, String)>,
}

pub async fn sheet(State(state): State<AppState>, lang: Lang, me: Me, Path(id): Path<String>) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let school = state.store.school(&class.school_id).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let children = state.store.class_day(&class.id, day).await?;
    log_custody_limits(&state, &me, &class, &children, "sheet").await?;
    let rows = children
        .into_iter()
        .filter(|c| c.expected)
        .enumerate()
        .map(|(i, c)| {
            let adults = c
                .adults
                .iter()
                .map(|a| format!("{}（{}）{}", a.name, a.relationship, a.level.zh()))
                .collect::<Vec<_>>()
                .join("；");
            (i + 1, c.student.name, format_clock(c.terms.latest_pickup), adults)
        })
        .collect();
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        SheetPage {
            l,
            school: school.name,
            class,
            day,
            rows,
        },
    )
}

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
    message: Option<(bool, String)>,
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

async fn plan_page(state: &AppState, lang: Lang, me: &Me, class: ClassInfo, message: Option<(bool, String)>) -> AppResult<Response> {
    let school = state.store.school(&class.school_id).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let term = state.store.term_on(&class.school_id, day).await?;
    let plans = match &term {
        Some(t) => state.store.session_plans(&class.id, &t.id).await?,
        None => Vec::new(),
    };
    let days = (1..=5u8)
        .map(|d| {
            (
                d,
                yanshi_domain::enrolment::weekday_zh(d),
                plans.iter().find(|p| p.weekday == d).cloned(),
            )
        })
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
    let volunteers = pick(&[Role::Volunteer]);
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

pub async fn plan(State(state): State<AppState>, lang: Lang, me: Me, Path(id): Path<String>) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    plan_page(&state, lang, &me, class, None).await
}

pub async fn save_plan(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    Path(id): Path<String>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let school = state.store.school(&class.school_id).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let t = crate::i18n::Tr(lang);
    let Some(term) = state.store.term_on(&class.school_id, day).await? else {
        return plan_page(&state, lang, &me, class, Some((false, t.get("err-no-term").to_string()))).await;
    };
    let person = |name| yanshi_domain::ids::UserId::parse(field(&f, name));
    let input = PlanInput {
        weekday: field(&f, "weekday").parse().unwrap_or(0),
        content: field(&f, "content").to_string(),
        note: field(&f, "note").to_string(),
        teacher: person("teacher"),
        volunteer: person("volunteer"),
    };
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

#[derive(Template)]
#[template(path = "afternoon_absences.html")]
struct AbsencesPage {
    l: Layout,
    day: Date,
    numbers: String,
    marked: Option<usize>,
    error: Option<&'static str>,
    problems: Vec<(usize, String, &'static str)>,
}

async fn absences_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    numbers: String,
    outcome: Option<Result<yanshi_store::afternoon::AbsenceImport, &'static str>>,
) -> AppResult<Response> {
    use yanshi_store::afternoon::AbsenceImport;
    let school = state.store.school(me.user.school_id.as_ref().ok_or(AppError::NotFound)?).await?;
    let day = local(state.clock.now(), &school.time_zone).date();
    let (marked, error, problems) = match outcome {
        None => (None, None, Vec::new()),
        Some(Ok(AbsenceImport::Marked(n))) => (Some(n), None, Vec::new()),
        Some(Ok(AbsenceImport::Refused(p))) => (None, None, p),
        Some(Err(key)) => (None, Some(key), Vec::new()),
    };
    let status = if error.is_some() || !problems.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status,
        AbsencesPage {
            l,
            day,
            numbers,
            marked,
            error,
            problems,
        },
    )
}

/// 当天未到校: the school's attendance list, pasted.
pub async fn absences(State(state): State<AppState>, lang: Lang, me: Me) -> AppResult<Response> {
    absences_page(&state, lang, &me, String::new(), None).await
}

pub async fn import_absences(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let school = state.store.school(me.user.school_id.as_ref().ok_or(AppError::NotFound)?).await?;
    let now = state.clock.now();
    let day = local(now, &school.time_zone).date();
    let numbers = field(&f, "numbers").to_string();
    let outcome = match state
        .store
        .import_absences(&me.user, &school.id, day, &numbers, now)
        .await
        .map_err(AppError::from)
    {
        Ok(o) => Ok(o),
        Err(AppError::Invalid(i)) => Err(i.key),
        Err(other) => return Err(other),
    };
    // A clean list was saved: the box empties; a refused one stays for correcting.
    let keep = if matches!(outcome, Ok(yanshi_store::afternoon::AbsenceImport::Marked(_))) {
        String::new()
    } else {
        numbers
    };
    absences_page(&state, lang, &me, keep, Some(outcome)).await
}
