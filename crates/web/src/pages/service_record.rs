//! 延时服务记录 — a class's daily service record on a phone: the draft from the day's data, the
//! class teacher's notes and signature, appended corrections and the leader's check; and the
//! workload entries (工作量) the signatures wrote.

use super::afternoon::own_school_class;
use super::school::{Pairs, field};
use super::{AppForm, page};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::IdPath;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use yanshi_domain::ids::ClassId;
use yanshi_domain::role::Role;
use yanshi_domain::school_time::{format_local, local};
use yanshi_store::service_record::{ServiceRecord, WorkloadEntry};
use yanshi_store::setup::ClassInfo;

#[derive(Template)]
#[template(path = "afternoon_record.html")]
struct RecordPage {
    l: Layout,
    class: ClassInfo,
    day: Date,
    weekday: &'static str,
    /// The record, or why there is none for this day.
    record: Option<ServiceRecord>,
    zone: String,
    /// The class teacher: may write notes and sign.
    mine: bool,
    may_correct: bool,
    leader: bool,
    message: Option<(bool, String)>,
    /// SHA-256 of the record as shown: signing refuses a record that changed since.
    seen: String,
}

impl RecordPage {
    fn time(&self, millis: &i64) -> String {
        format_local(yanshi_domain::clock::from_millis(*millis), &self.zone)[11..].to_string()
    }

    fn when(&self, at: &OffsetDateTime) -> String {
        format_local(*at, &self.zone)
    }

    fn role_key(&self, role: &str) -> &'static str {
        workload_role_key(role)
    }

    /// The first 12 hex digits of a signature's hash, for reading aloud.
    fn short(&self, sha: &str) -> String {
        sha.chars().take(12).collect()
    }
}

fn workload_role_key(role: &str) -> &'static str {
    match role {
        "TUTOR" => "ui-work-tutor",
        "CLUB_TEACHER" => "ui-work-club",
        "DUTY" => "ui-work-duty",
        "VOLUNTEER" => "ui-work-volunteer",
        _ => "ui-work-supervisor",
    }
}

/// `?day=2026-12-01` (or a form's `day`); today when absent. A day that does not parse is the
/// user's mistake.
fn day_of(day: &str, today: Date) -> Result<Date, ()> {
    match day.trim() {
        "" => Ok(today),
        d => yanshi_domain::calendar::parse_date(d).ok_or(()),
    }
}

async fn record_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    class: ClassInfo,
    day: Date,
    message: Option<(bool, String)>,
) -> AppResult<Response> {
    let school = state.store.school(&class.school_id).await?;
    let t = Tr(lang);
    let (record, message) = match state.store.service_record(&class, day).await.map_err(AppError::from) {
        Ok(r) => (Some(r), message),
        Err(AppError::Invalid(i)) => (None, message.or(Some((false, t.get(i.key).to_string())))),
        Err(other) => return Err(other),
    };
    let mine = class.class_teacher.as_ref().is_some_and(|c| c.0 == me.user.id);
    let director = class.grade_director.as_ref().is_some_and(|d| d.0 == me.user.id);
    let leader = me.user.role == Role::SchoolAdmin;
    let status = if message.as_ref().is_some_and(|m| !m.0) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let seen = match &record {
        Some(r) => r.signing_text()?.1,
        None => String::new(),
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    page(
        status,
        RecordPage {
            seen,
            l,
            weekday: crate::i18n::Tr(lang).weekday(day.weekday().number_from_monday()),
            class,
            day,
            record,
            zone: school.time_zone,
            mine,
            may_correct: mine || director || leader,
            leader,
            message,
        },
    )
}

pub async fn record(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<Pairs>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let school = state.store.school(&class.school_id).await?;
    let today = local(state.clock.now(), &school.time_zone).date();
    match day_of(field(&q, "day"), today) {
        Ok(day) => record_page(&state, lang, &me, class, day, None).await,
        Err(()) => {
            let message = Some((false, Tr(lang).get("err-date").to_string()));
            record_page(&state, lang, &me, class, today, message).await
        }
    }
}

/// The class and the day a change to its record is for; a day that does not parse answers
/// with the record of today, saying so.
async fn record_day(state: &AppState, lang: Lang, me: &Me, id: &ClassId, day: &str) -> AppResult<Result<(ClassInfo, Date), Response>> {
    let class = own_school_class(state, me, id).await?;
    let school = state.store.school(&class.school_id).await?;
    let today = local(state.clock.now(), &school.time_zone).date();
    match day_of(day, today) {
        Ok(day) => Ok(Ok((class, day))),
        Err(()) => {
            let message = Some((false, Tr(lang).get("err-date").to_string()));
            Ok(Err(record_page(state, lang, me, class, today, message).await?))
        }
    }
}

/// The record again, saying what was done (its message key) or why not.
async fn told(
    state: &AppState,
    lang: Lang,
    me: &Me,
    (class, day): (ClassInfo, Date),
    done: Result<&'static str, yanshi_store::StoreError>,
) -> AppResult<Response> {
    let t = Tr(lang);
    let message = match done.map_err(AppError::from) {
        Ok(key) => (true, t.get(key).to_string()),
        Err(AppError::Invalid(i)) => (false, t.get(i.key).to_string()),
        Err(other) => return Err(other),
    };
    record_page(state, lang, me, class, day, Some(message)).await
}

/// The class teacher's notes, as sent.
#[derive(Deserialize)]
pub struct NotesForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    notes: String,
}

/// The class teacher's notes on a record still in draft.
pub async fn save_notes(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<NotesForm>,
) -> AppResult<Response> {
    let (class, day) = match record_day(&state, lang, &me, &id, &f.day).await? {
        Ok(at) => at,
        Err(page) => return Ok(page),
    };
    let done = state
        .store
        .save_record_notes(&me.user, &class, day, f.notes.trim(), state.clock.now())
        .await
        .map(|()| "ui-record-notes-saved");
    told(&state, lang, &me, (class, day), done).await
}

/// A signature, as sent: the signer's own name and the hash of the record as they saw it.
#[derive(Deserialize)]
pub struct SignatureForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    seen: String,
}

/// The class teacher signs the day's record under their own name; it locks.
pub async fn sign(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<SignatureForm>,
) -> AppResult<Response> {
    let (class, day) = match record_day(&state, lang, &me, &id, &f.day).await? {
        Ok(at) => at,
        Err(page) => return Ok(page),
    };
    let done = state
        .store
        .sign_service_record(&me.user, &class, day, f.name.trim(), Some(f.seen.trim()), state.clock.now())
        .await
        .map(|_| "ui-record-signed");
    told(&state, lang, &me, (class, day), done).await
}

/// A correction to a signed record, as sent.
#[derive(Deserialize)]
pub struct CorrectionForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    text: String,
}

/// A correction, appended to a signed record (which itself never changes).
pub async fn correct(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<CorrectionForm>,
) -> AppResult<Response> {
    let (class, day) = match record_day(&state, lang, &me, &id, &f.day).await? {
        Ok(at) => at,
        Err(page) => return Ok(page),
    };
    let done = state
        .store
        .correct_service_record(&me.user, &class, day, f.text.trim(), state.clock.now())
        .await
        .map(|()| "ui-record-corrected");
    told(&state, lang, &me, (class, day), done).await
}

/// The day a leader's check is for, as sent.
#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    day: String,
}

/// A school leader's check of a signed record (值班领导核查), once.
pub async fn check(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<CheckForm>,
) -> AppResult<Response> {
    let (class, day) = match record_day(&state, lang, &me, &id, &f.day).await? {
        Ok(at) => at,
        Err(page) => return Ok(page),
    };
    let done = state
        .store
        .check_service_record(&me.user, &class, day, state.clock.now())
        .await
        .map(|()| "ui-record-checked");
    told(&state, lang, &me, (class, day), done).await
}

#[derive(Template)]
#[template(path = "afternoon_workload.html")]
struct WorkloadPage {
    l: Layout,
    month: String,
    previous: String,
    next: String,
    /// School leaders see everyone's; others their own.
    everyone: bool,
    entries: Vec<WorkloadEntry>,
    /// (name, sessions, minutes), for the month.
    totals: Vec<(String, usize, u32)>,
    zone: String,
    message: Option<(bool, String)>,
    /// 绩效工资: one's own lines in each payment period of the school (name, locked, lines).
    pay: Vec<(String, bool, Option<yanshi_domain::pay::PersonPay>)>,
}

use super::pay::review::PayWords;

impl PayWords for WorkloadPage {}

impl WorkloadPage {
    fn time(&self, at: &OffsetDateTime) -> String {
        format_local(*at, &self.zone)[11..].to_string()
    }

    fn role_key(&self, role: &str) -> &'static str {
        workload_role_key(role)
    }
}

/// `?month=2026-12`; this month when absent.
pub async fn workload(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<Pairs>) -> AppResult<Response> {
    let school_id = me.user.school_id.clone().ok_or(AppError::NotFound)?;
    let school = state.store.school(&school_id).await?;
    let today = local(state.clock.now(), &school.time_zone).date();
    let this_month = today.replace_day(1).unwrap_or(today);
    let (first, message) = match field(&q, "month") {
        "" => (this_month, None),
        m => match yanshi_domain::calendar::parse_date(&format!("{m}-01")) {
            Some(d) => (d, None),
            None => (this_month, Some((false, Tr(lang).get("err-date").to_string()))),
        },
    };
    // Checked date arithmetic: a month at the end of the calendar (9999-12) is the user's
    // mistake, not a panic.
    let Some(next_first) = first
        .replace_day(28)
        .ok()
        .and_then(|d| d.checked_add(time::Duration::days(4)))
        .and_then(|d| d.replace_day(1).ok())
    else {
        return Err(AppError::Invalid(yanshi_domain::Invalid::new("month", "err-date")));
    };
    let last = next_first.previous_day().unwrap_or(first);
    let previous = first.previous_day().unwrap_or(first);
    let everyone = me.user.role == Role::SchoolAdmin;
    let entries = state
        .store
        .workload(&school.id, first, last, (!everyone).then_some(&me.user.id))
        .await?;
    let mut totals: Vec<(String, usize, u32)> = Vec::new();
    for e in &entries {
        match totals.iter_mut().find(|t| t.0 == e.name) {
            Some(t) => {
                t.1 += 1;
                t.2 += e.minutes;
            }
            None => totals.push((e.name.clone(), 1, e.minutes)),
        }
    }
    totals.sort();
    let ym = |d: Date| format!("{:04}-{:02}", d.year(), d.month() as u8);
    // Only one's own lines, whoever reads: a leader reviews everyone's on the pay pages.
    let mut pay = Vec::new();
    for period in state.store.pay_periods(&school.id).await? {
        let mine = state.store.my_pay(&me.user, &period).await?;
        pay.push((period.spec.name.clone(), period.locked.is_some(), mine));
    }
    let l = Layout::for_user(&state, lang, &me.user).await;
    let status = if message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        WorkloadPage {
            l,
            month: ym(first),
            previous: ym(previous),
            next: ym(next_first),
            everyone,
            entries,
            totals,
            zone: school.time_zone,
            message,
            pay,
        },
    )
}
