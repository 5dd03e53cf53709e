//! 交接 — handing a child over at the door: to an adult picked from the child's list, to one
//! who shows a personal pickup code (typed or scanned), or letting the child leave alone where
//! the signed agreement allows; a leader may override for an EMERGENCY_ONLY adult, and a
//! hand-over written on the paper sheet is typed in later with its time.
//!
//! [`HandoverInput`] is the one reading of a hand-over, for the page's form and the API's JSON
//! body alike ([`Sent`] is what either door received).

use super::door::{Hx, Said, class_page, door_closed};
use super::{child_of_class, own_school_class, school_now, student_id};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::pages::AppForm;
use crate::pages::IdPath;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use time::{Date, Time};
use yanshi_domain::Invalid;
use yanshi_domain::afternoon::HandoverMethod;
use yanshi_domain::afternoon::PickupCode;
use yanshi_domain::ids::ClassId;
use yanshi_domain::ids::{GuardianId, PickupAdultId, StudentId};
use yanshi_domain::school_time::format_local;
use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};

/// A hand-over as asked for, read once: which child, who takes them, how, and the request id
/// that makes a retry safe.
#[derive(Debug, PartialEq)]
pub struct HandoverInput {
    pub student: StudentId,
    /// Who takes the child; `None` when the child leaves alone.
    pub adult: Option<AdultRef>,
    /// How the teacher knew who takes the child (the paper sheet is the store's to say).
    pub method: HandoverMethod,
    /// A school leader's reason to release to an EMERGENCY_ONLY adult.
    pub override_reason: Option<String>,
    /// One per attempt (at most 64 characters): a retry with the same id gets the first result.
    pub request_id: String,
    /// The time written on the paper sign-out sheet, for a hand-over typed in afterwards.
    pub paper_time: Option<Time>,
}

/// What a door received, before it is read.
pub struct Sent<'a> {
    pub student: &'a str,
    pub code: Option<&'a str>,
    pub adult: Option<&'a str>,
    /// One of the child's guardians (监护人), picked at the door.
    pub guardian: Option<&'a str>,
    pub self_leave: bool,
    pub scanned: bool,
    pub request_id: &'a str,
    pub override_reason: Option<String>,
    pub paper_time: Option<&'a str>,
}

/// Why a hand-over could not be read.
#[derive(Debug)]
pub enum Unreadable {
    /// No request id: not sent by a page or a client that follows the protocol.
    NoRequestId,
    /// A student or adult id that names nobody.
    NotFound,
    /// The user's mistake: a mistyped code or time, or no adult chosen.
    Invalid(Invalid),
}

impl From<Invalid> for Unreadable {
    fn from(i: Invalid) -> Self {
        Unreadable::Invalid(i)
    }
}

impl HandoverInput {
    /// Reads a hand-over: the student, the request id, then who takes the child — a code
    /// (when one was typed) before a listed adult before leaving alone — and the paper time.
    pub fn read(s: Sent<'_>) -> Result<Self, Unreadable> {
        let student = student_id(s.student).map_err(|_| Unreadable::NotFound)?;
        let request_id: String = s.request_id.trim().chars().take(64).collect();
        if request_id.is_empty() {
            return Err(Unreadable::NoRequestId);
        }
        let adult = match (s.code.map(str::trim).filter(|c| !c.is_empty()), s.adult, s.guardian) {
            (Some(code), _, _) => Some(AdultRef::Code(PickupCode::parse(code)?)),
            (None, Some(a), _) => Some(AdultRef::Listed(PickupAdultId::parse(a).ok_or(Unreadable::NotFound)?)),
            (None, None, Some(g)) => Some(AdultRef::Guardian(GuardianId::parse(g).ok_or(Unreadable::NotFound)?)),
            (None, None, None) if s.self_leave => None,
            (None, None, None) => return Err(Invalid::new("adult_id", "err-choose-adult").into()),
        };
        let method = match &adult {
            Some(AdultRef::Code(_)) if s.scanned => HandoverMethod::Qr,
            Some(AdultRef::Code(_)) => HandoverMethod::Code,
            Some(AdultRef::Listed(_) | AdultRef::Guardian(_)) => HandoverMethod::List,
            None => HandoverMethod::SelfLeave,
        };
        let paper_time = match s.paper_time.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => Some(yanshi_domain::school::parse_clock(t)?),
            None => None,
        };
        Ok(HandoverInput {
            student,
            adult,
            method,
            override_reason: s.override_reason.filter(|r| !r.trim().is_empty()),
            request_id,
            paper_time,
        })
    }

    /// The store's request for this hand-over on the school's today.
    pub fn request(self, day: Date) -> HandoverRequest {
        HandoverRequest {
            student: self.student,
            day,
            adult: self.adult,
            method: self.method,
            override_reason: self.override_reason,
            request_id: self.request_id,
            paper_time: self.paper_time,
        }
    }
}

/// The door's hand-over form as sent (`self_leave` and `scanned` are "yes" when set).
#[derive(Deserialize)]
pub struct HandoverForm {
    #[serde(default)]
    student: String,
    #[serde(default)]
    adult: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    self_leave: String,
    #[serde(default)]
    scanned: String,
    #[serde(default)]
    request_id: String,
    #[serde(default)]
    override_reason: String,
    #[serde(default)]
    paper_time: String,
}

impl TryFrom<&HandoverForm> for HandoverInput {
    type Error = Unreadable;

    fn try_from(f: &HandoverForm) -> Result<Self, Unreadable> {
        let adult = f.adult.trim();
        // The child's own guardians are offered as `guardian:<id>` beside the pickup list.
        let (guardian, adult) = match adult.strip_prefix("guardian:") {
            Some(g) => (Some(g), ""),
            None => (None, adult),
        };
        HandoverInput::read(Sent {
            student: &f.student,
            code: Some(&f.code),
            adult: (!adult.is_empty()).then_some(adult),
            guardian,
            self_leave: f.self_leave.trim() == "yes",
            scanned: f.scanned.trim() == "yes",
            request_id: &f.request_id,
            override_reason: Some(f.override_reason.trim().to_string()),
            paper_time: Some(&f.paper_time),
        })
    }
}

/// 交接 at the door: the class page again, saying who took the child or why not.
pub async fn handover(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    hx: Hx,
    IdPath(id): IdPath<ClassId>,
    AppForm(f): AppForm<HandoverForm>,
) -> AppResult<Response> {
    let class = own_school_class(&state, &me, &id).await?;
    let t = Tr(lang);
    // The card of the child the form names (if it names one of the class) tells the outcome.
    let named = match student_id(&f.student) {
        Ok(s) => child_of_class(&state, &class, &s).await.ok().map(|c| c.id),
        Err(_) => None,
    };
    let said = |message: String| Said {
        student: named.clone(),
        message: Some((false, message)),
        override_for: None,
    };
    let input = match HandoverInput::try_from(&f) {
        Ok(input) => input,
        Err(Unreadable::NoRequestId) => return Err(AppError::BadRequest("err-bad-form")),
        Err(Unreadable::NotFound) => return Err(AppError::NotFound),
        Err(Unreadable::Invalid(i)) => {
            return class_page(&state, lang, &me, class, said(t.get(i.key).to_string()), hx).await;
        }
    };
    let student = child_of_class(&state, &class, &input.student).await?;
    // Before the door opens the child is still in the school day; a sheet typed in later says when.
    if input.paper_time.is_none()
        && let Some(why) = door_closed(&state, lang, &class).await?
    {
        return class_page(&state, lang, &me, class, said(why), hx).await;
    }
    let (school, now, day) = school_now(&state, &class.school_id).await?;
    let outcome = match state.store.record_handover(&me.user, &input.request(day), now).await {
        Ok(o) => o,
        Err(e) => match AppError::from(e) {
            AppError::Invalid(i) => {
                return class_page(&state, lang, &me, class, said(t.get(i.key).to_string()), hx).await;
            }
            other => return Err(other),
        },
    };
    let zone = &school.time_zone;
    let (message, override_for) = match outcome {
        HandoverOutcome::Recorded(h) => {
            let text = format!(
                "{} · {} {}（{}）",
                student.name,
                &format_local(h.at, zone)[11..],
                h.adult_name,
                relationship_shown(t, &h)
            );
            ((true, format!("{} {text}", t.get("ui-handed-over"))), None)
        }
        HandoverOutcome::Already(h) => {
            let text = format!(
                "{} {} {}（{}）· {}",
                t.get("ui-already-handed-over"),
                &format_local(h.at, zone)[11..],
                h.adult_name,
                relationship_shown(t, &h),
                h.teacher
            );
            ((false, text), None)
        }
        HandoverOutcome::NeedsOverride { adult_name } => {
            let text = format!("{adult_name}: {}", t.get("ui-needs-override"));
            // The leader's override form sends the same adult again, with a reason.
            let adult = f.adult.trim().to_string();
            ((false, text), Some((adult, adult_name)))
        }
        HandoverOutcome::Refused { adult_name, reason } => ((false, format!("{} {adult_name}", t.get(reason))), None),
        HandoverOutcome::TooManyWrongCodes => ((false, t.get("err-too-many-wrong-codes").to_string()), None),
        HandoverOutcome::NotInCare { reason } => ((false, t.get(reason).to_string()), None),
    };
    let said = Said {
        student: Some(student.id.clone()),
        message: Some(message),
        override_for,
    };
    class_page(&state, lang, &me, class, said, hx).await
}

/// Who took the child to them, as a page says it: the listed relationship, or 本人 (in the
/// reader's language) when the child left alone.
pub(super) fn relationship_shown(t: Tr, h: &yanshi_store::afternoon::Handover) -> &str {
    match h.kind {
        yanshi_domain::afternoon::HandoverKind::SelfLeave => t.get("ui-relationship-self"),
        yanshi_domain::afternoon::HandoverKind::Pickup => &h.relationship,
    }
}
