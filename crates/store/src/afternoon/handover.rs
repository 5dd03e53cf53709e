//! 交接: the hand-over at the door — one per child per day, by a database constraint; a retried
//! request returns the first result — and the refused attempts the duty leaders are alerted to.

use super::pickup_codes::code_hash;
use super::{GUARDIAN_ACCOUNTS, leaders_of};
use crate::audit::Actor;
use crate::group_commit::{Ready, Written};
use crate::handover_guards::{CodeCheck, Settled, count_refusal, settle_code_attempt};
use crate::notify::{Notice, enqueue};
use crate::people::Student;
use crate::{Result, Store, StoreError, User, Write};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::afternoon::{HandoverKind, HandoverMethod, PickupCode, Release, in_care_today, may_leave_alone, may_release};
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::enrolment::{PickupPlan, Weekdays};
use yanshi_domain::family::PickupLevel;
use yanshi_domain::ids::{GuardianId, HandoverId, PickupAdultId, SchoolId, StudentId, UserId};
use yanshi_domain::policy::{is_school_leader, may_run_afternoon};
use yanshi_domain::school_time::format_local;
use yanshi_i18n::{Args, Message};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub id: HandoverId,
    pub student_id: StudentId,
    pub day: Date,
    pub kind: HandoverKind,
    pub adult_name: String,
    /// The adult's relationship to the child, as listed; empty when the child left alone
    /// (pages say 本人 through `ui-relationship-self`).
    pub relationship: String,
    pub method: HandoverMethod,
    pub teacher: String,
    pub at: OffsetDateTime,
    pub override_reason: Option<String>,
    pub request_id: String,
    /// True when typed in afterwards from the paper sign-out sheet (纸质签退表补录).
    pub entered_later: bool,
}

/// Who is at the door: an adult picked from the child's list, or one with a code (typed or
/// scanned). `None` in a request means the child leaves alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdultRef {
    Listed(PickupAdultId),
    Code(PickupCode),
    /// One of the child's own confirmed guardians (监护人), who may collect the child unless the
    /// pickup list names them with another level (a custody limit).
    Guardian(GuardianId),
}

#[derive(Debug, Clone)]
pub struct HandoverRequest {
    pub student: StudentId,
    pub day: Date,
    pub adult: Option<AdultRef>,
    pub method: HandoverMethod,
    /// A leader's reason to release to an EMERGENCY_ONLY adult.
    pub override_reason: Option<String>,
    /// Set by the page once per attempt: a retry of the same request returns the first result.
    pub request_id: String,
    /// Typed in afterwards from the paper sign-out sheet: when the child really left (the
    /// school's local time on `day`). The record keeps both times and says so.
    pub paper_time: Option<time::Time>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverOutcome {
    Recorded(Handover),
    /// The child was handed over already (by someone else, or by this same request earlier).
    Already(Handover),
    /// EMERGENCY_ONLY: a leader must confirm with a reason.
    NeedsOverride {
        adult_name: String,
    },
    /// NEVER, unknown, or leaving alone not allowed: the duty leaders are alerted.
    Refused {
        adult_name: String,
        reason: &'static str,
    },
    /// Too many wrong pickup codes lately, by this teacher or for this child: the code was not
    /// looked up and nothing is written for the leaders. Pick the adult from the list, or wait.
    TooManyWrongCodes,
    /// Not in the school's care today (请假, or 当天未到校): nobody can take the child. Nothing
    /// is written, nobody is alerted, the guardian is told nothing. `reason` is a message key.
    NotInCare {
        reason: &'static str,
    },
}

pub(super) const HANDOVER_SELECT: &str = "SELECT h.*, u.display_name AS teacher_name FROM handovers h JOIN users u ON u.id = h.teacher_id";

pub(super) fn handover_from_row(r: &sqlx::any::AnyRow) -> Result<Handover> {
    let day: String = r.try_get("day")?;
    let kind: String = r.try_get("kind")?;
    let kind = HandoverKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt(format!("handovers.kind = {kind}")))?;
    let method: String = r.try_get("method")?;
    Ok(Handover {
        id: HandoverId::from_db(r.try_get("id")?),
        student_id: StudentId::from_db(r.try_get("student_id")?),
        day: yanshi_domain::calendar::parse_date(&day).ok_or_else(|| StoreError::Corrupt(format!("handovers.day = {day}")))?,
        kind,
        adult_name: r.try_get("adult_name")?,
        // Rows written before the relationship became a code say 本人 for a child who left alone.
        relationship: if kind == HandoverKind::SelfLeave {
            String::new()
        } else {
            r.try_get("relationship")?
        },
        method: HandoverMethod::from_code(&method).ok_or_else(|| StoreError::Corrupt(format!("handovers.method = {method}")))?,
        teacher: r.try_get("teacher_name")?,
        at: from_millis(r.try_get("at")?),
        override_reason: r.try_get("override_reason")?,
        request_id: r.try_get("request_id")?,
        entered_later: r.try_get::<i64, _>("entered_later")? != 0,
    })
}

impl Store {
    /// Hands a child over at the door, or says why not. One hand-over per child and day: a
    /// second teacher is told who took the child; a retried request gets the first result.
    pub async fn record_handover(&self, who: &User, req: &HandoverRequest, now: OffsetDateTime) -> Result<HandoverOutcome> {
        let rid = &req.request_id;
        if rid.is_empty() || rid.chars().count() > 64 || rid.chars().any(char::is_control) {
            return Err(Invalid::new("request_id", "err-request-id").into());
        }
        // Everything the rules need in three reads (at the end of the afternoon this runs for
        // every child of the school within minutes): the child with the school's time zone, the
        // agreement in force on the day, confirmed leave and the roll mark, then any hand-over
        // already made, then the adult.
        let row = sqlx::query(
            "SELECT s.*, sc.time_zone AS school_time_zone, a.weekdays AS agreed_weekdays, a.pickup_plan AS agreed_plan, \
               (SELECT COUNT(*) FROM leave_requests l WHERE l.student_id = s.id AND l.status = 'CONFIRMED' AND l.first_day <= $2 AND l.last_day >= $2) AS leave_count, \
               (SELECT r.status FROM roll_calls r WHERE r.student_id = s.id AND r.day = $2) AS roll_status \
             FROM students s JOIN schools sc ON sc.id = s.school_id \
             LEFT JOIN enrolments e ON e.student_id = s.id AND e.state = 'ACTIVE' AND e.term_id = \
               (SELECT t.id FROM terms t WHERE t.school_id = s.school_id AND t.starts_on <= $2 AND t.ends_on >= $2 ORDER BY t.starts_on DESC LIMIT 1) \
             LEFT JOIN agreements a ON a.enrolment_id = e.id AND a.status = 'EFFECTIVE' \
             WHERE s.id = $1",
        )
        .bind(req.student.to_string())
        .bind(req.day.to_string())
        .fetch_one(self.pool())
        .await?;
        let student = crate::people::student_from_row(&row)?;
        let time_zone: String = row.try_get("school_time_zone")?;
        let terms: Option<(i64, String)> = match row.try_get::<Option<i64>, _>("agreed_weekdays")? {
            Some(w) => Some((w, row.try_get("agreed_plan")?)),
            None => None,
        };
        let on_leave = row.try_get::<i64, _>("leave_count")? > 0;
        let roll = super::day::roll_status_of(row.try_get("roll_status")?)?;
        if !may_run_afternoon(&who.principal(), &student.school_id) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        // A retry of this request gets its first result; anyone else is told who took the child.
        let sql = sqlx::AssertSqlSafe(format!(
            "{HANDOVER_SELECT} WHERE h.request_id = $1 OR (h.student_id = $2 AND h.day = $3)"
        ));
        let existing = sqlx::query(sql)
            .bind(req.request_id.clone())
            .bind(student.id.to_string())
            .bind(req.day.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(handover_from_row)
            .collect::<Result<Vec<_>>>()?;
        if let Some(mine) = existing.iter().find(|h| h.request_id == req.request_id) {
            return same_request(mine, req);
        }
        if let Some(first) = existing.into_iter().next() {
            return Ok(HandoverOutcome::Already(first));
        }
        // From the paper sheet: the real time of the hand-over, on that day, not in the future.
        let left_at = match req.paper_time {
            None => now,
            Some(t) => {
                let at = yanshi_domain::school_time::at(req.day, t, &time_zone);
                if at > now {
                    return Err(Invalid::new("paper_time", "err-paper-time").into());
                }
                at
            }
        };
        let Some((weekdays, plan)) = terms else {
            return Err(Invalid::new("student", "err-not-enrolled-today").into());
        };
        // On leave or not at school today: nobody can take the child, whoever came.
        if let Err(not_here) = in_care_today(on_leave, roll) {
            return Ok(HandoverOutcome::NotInCare { reason: not_here.key() });
        }
        let leader = is_school_leader(&who.principal(), &student.school_id);
        let override_reason = req
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty() && leader)
            .map(str::to_string);
        if let Some(r) = &override_reason
            && (r.chars().count() > 200 || r.chars().any(char::is_control))
        {
            return Err(Invalid::new("override_reason", "err-override-reason").into());
        }
        // Who is at the door, and what the rules say.
        let at = to_millis(now);
        let mut weather_suspends = false;
        // A code is counted before it is looked up: past the limit it is not looked up at all.
        let mut attempt = None;
        let (adult_id, adult_name, relationship, kind, release) = match &req.adult {
            None => {
                let plan = PickupPlan::parse(&plan).ok_or_else(|| StoreError::Corrupt(format!("agreement pickup_plan = {plan}")))?;
                let days = Weekdays(weekdays as u8);
                weather_suspends = may_leave_alone(plan, days, req.day.weekday(), false)
                    && self
                        .weather_alert(&student.school_id, req.day)
                        .await?
                        .is_some_and(|w| w.level.suspends_self_leave());
                let ok = may_leave_alone(plan, days, req.day.weekday(), weather_suspends);
                (
                    None,
                    student.name.clone(),
                    String::new(),
                    HandoverKind::SelfLeave,
                    if ok { Release::Allowed } else { Release::Refused },
                )
            }
            Some(AdultRef::Guardian(g)) => {
                // Not this child's guardian: answered like an unknown adult (level None, refused).
                let (adult, name, relationship, level) = self.guardian_at_door(&student.id, g).await?.unwrap_or_default();
                (
                    adult,
                    name,
                    relationship,
                    HandoverKind::Pickup,
                    may_release(level, override_reason.is_some()),
                )
            }
            Some(a) => {
                let row = match a {
                    // Answered above.
                    AdultRef::Guardian(_) => None,
                    AdultRef::Listed(id) => {
                        sqlx::query("SELECT * FROM pickup_adults WHERE id = $1 AND removed_at IS NULL")
                            .bind(id.to_string())
                            .fetch_optional(self.pool())
                            .await?
                    }
                    AdultRef::Code(code) => {
                        match self.check_code_attempt(who, &student, req.day, at).await? {
                            CodeCheck::TooMany => return Ok(HandoverOutcome::TooManyWrongCodes),
                            CodeCheck::Go(a) => attempt = Some(a),
                        }
                        sqlx::query("SELECT a.* FROM pickup_codes c JOIN pickup_adults a ON a.id = c.adult_id WHERE c.school_id = $1 AND c.code_hash = $2 AND c.revoked_at IS NULL AND a.removed_at IS NULL")
                            .bind(student.school_id.to_string())
                            .bind(code_hash(&student.school_id, code))
                            .fetch_optional(self.pool())
                            .await?
                    }
                };
                match row {
                    Some(r) if r.try_get::<String, _>("student_id")? == student.id.as_str() => {
                        let level: String = r.try_get("level")?;
                        // A level the code cannot read is a corrupt row, never quietly "refused".
                        let level =
                            PickupLevel::from_code(&level).ok_or_else(|| StoreError::Corrupt(format!("pickup_adults.level = {level}")))?;
                        let release = may_release(Some(level), override_reason.is_some());
                        (
                            Some(PickupAdultId::from_db(r.try_get("id")?)),
                            r.try_get("name")?,
                            r.try_get("relationship")?,
                            HandoverKind::Pickup,
                            release,
                        )
                    }
                    // Not on this child's list (an unknown code, a removed adult, another child's
                    // adult): answered alike, so a code never tells whose it is.
                    _ => (None, String::new(), String::new(), HandoverKind::Pickup, Release::Refused),
                }
            }
        };
        // One of this child's adults' codes, whatever their level: it no longer counts as wrong.
        if let Some(a) = &attempt
            && adult_id.is_some()
        {
            settle_code_attempt(self.pool(), a, Settled::Right).await?;
        }
        match release {
            Release::NeedsOverride => return Ok(HandoverOutcome::NeedsOverride { adult_name }),
            Release::Refused => {
                let reason = match (&req.adult, weather_suspends) {
                    (None, true) => "err-self-leave-weather",
                    (None, false) => "err-self-leave-not-allowed",
                    (Some(_), _) => "err-pickup-refused",
                };
                let mut tx = self.write().await?;
                if let Some(a) = &attempt
                    && adult_id.is_none()
                {
                    settle_code_attempt(&mut *tx, a, Settled::Wrong).await?;
                }
                refuse(&mut tx, who, &student, req, adult_id.as_ref(), &adult_name, reason, at).await?;
                tx.commit_audited().await?;
                return Ok(HandoverOutcome::Refused { adult_name, reason });
            }
            Release::Allowed => {}
        }
        let guardian = match &req.adult {
            Some(AdultRef::Guardian(g)) => Some(g.as_str()),
            _ => None,
        };
        let details = json!({ "day": req.day.to_string(), "adult": adult_id.as_ref().map(|a| a.as_str()), "guardian": guardian, "method": req.method.as_str(), "override": override_reason, "paper_time": req.paper_time.map(yanshi_domain::school::format_clock) });
        let time_local = &format_local(left_at, &time_zone)[11..];
        let args = Args::new()
            .text("student", student.name.clone())
            .text("time", time_local)
            .text("adult", adult_name.clone())
            .text("relationship", relationship.clone())
            .text("teacher", who.display_name.clone());
        let args = if req.paper_time.is_some() {
            args.key("paper", "msg-paper-entered")
        } else {
            args.text("paper", "")
        };
        let notice = Message::new(
            if kind == HandoverKind::SelfLeave {
                "msg-left-alone"
            } else {
                "msg-handed-over"
            },
            args,
        );
        let ready = Ready {
            id: HandoverId::new(),
            school_id: student.school_id.clone(),
            student: student.id.clone(),
            day: req.day,
            kind,
            adult_id,
            adult_name,
            relationship,
            method: if req.paper_time.is_some() {
                HandoverMethod::Paper
            } else {
                req.method
            },
            teacher: who.id.clone(),
            left_at: to_millis(left_at),
            override_reason,
            request_id: req.request_id.clone(),
            // When it was typed in (0: recorded at the door).
            entered_later: if req.paper_time.is_some() { at } else { 0 },
            at,
            audit_details: details,
            notice,
            recipients: sqlx::query_scalar::<_, String>(GUARDIAN_ACCOUNTS)
                .bind(student.id.to_string())
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .map(UserId::from_db)
                .collect(),
        };
        match self.write_handover(ready.clone()).await? {
            Written::Inserted => Ok(HandoverOutcome::Recorded(Handover {
                id: ready.id,
                student_id: ready.student,
                day: ready.day,
                kind: ready.kind,
                adult_name: ready.adult_name,
                relationship: ready.relationship,
                method: ready.method,
                teacher: who.display_name.clone(),
                at: from_millis(ready.left_at),
                override_reason: ready.override_reason,
                request_id: ready.request_id,
                entered_later: ready.entered_later != 0,
            })),
            // Two teachers at once, or a retry racing itself: the first one stands.
            Written::Conflict => match self.handover_by_request(&req.request_id).await? {
                Some(h) => same_request(&h, req),
                None => Ok(HandoverOutcome::Already(
                    self.handover_of(&student.id, req.day).await?.ok_or(StoreError::NotFound)?,
                )),
            },
        }
    }

    pub async fn handover_of(&self, student: &StudentId, day: Date) -> Result<Option<Handover>> {
        let sql = sqlx::AssertSqlSafe(format!("{HANDOVER_SELECT} WHERE h.student_id = $1 AND h.day = $2"));
        sqlx::query(sql)
            .bind(student.to_string())
            .bind(day.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(handover_from_row)
            .transpose()
    }

    async fn handover_by_request(&self, request_id: &str) -> Result<Option<Handover>> {
        let sql = sqlx::AssertSqlSafe(format!("{HANDOVER_SELECT} WHERE h.request_id = $1"));
        sqlx::query(sql)
            .bind(request_id.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(handover_from_row)
            .transpose()
    }

    /// Refused attempts of a school on a day (for the duty leader).
    pub async fn refused_pickups(&self, school: &SchoolId, day: Date) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query("SELECT s.name, r.adult_name, r.reason FROM refused_pickups r JOIN students s ON s.id = r.student_id WHERE r.school_id = $1 AND r.day = $2 ORDER BY r.at")
            .bind(school.to_string())
            .bind(day.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("adult_name")?, r.try_get("reason")?)))
            .collect()
    }
}

/// A request id seen before answers with its first result — but only for the same child and day.
/// The same id for another child (a scanner's counter that restarted) is refused, never answered
/// with someone else's hand-over.
fn same_request(first: &Handover, req: &HandoverRequest) -> Result<HandoverOutcome> {
    if first.student_id == req.student && first.day == req.day {
        Ok(HandoverOutcome::Recorded(first.clone()))
    } else {
        Err(Invalid::new("request_id", "err-request-id-reused").into())
    }
}

/// Why a pickup was refused, in the leaders' alert (the page shows the message key's text).
/// Why a pickup was refused, as the leaders' alert says it (a message key).
fn refusal_key(reason: &str) -> &'static str {
    match reason {
        "err-self-leave-not-allowed" => "msg-refusal-self-leave",
        "err-self-leave-weather" => "msg-refusal-weather",
        _ => "msg-refusal-not-listed",
    }
}

/// Records a refused attempt and alerts the school's leaders at once — once a burst: further
/// refusals of the child within minutes are counted instead (`refusal_alerts`).
#[allow(clippy::too_many_arguments)]
async fn refuse(
    tx: &mut Write,
    who: &User,
    student: &Student,
    req: &HandoverRequest,
    adult: Option<&PickupAdultId>,
    adult_name: &str,
    reason: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO refused_pickups (id, school_id, student_id, day, adult_id, adult_name, reason, teacher_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(yanshi_domain::ids::row_id())
        .bind(student.school_id.to_string())
        .bind(student.id.to_string())
        .bind(req.day.to_string())
        .bind(adult.map(ToString::to_string))
        .bind(adult_name.to_string())
        .bind(reason.to_string())
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    tx.audit(
        Some(&student.school_id),
        &Actor::User(who.id.clone()),
        "handover.refuse",
        student.id.as_str(),
        json!({ "adult": adult.map(|a| a.as_str()), "reason": reason }),
        at,
    )
    .await?;
    // Refused again within minutes: counted for the leaders' page, not messaged again.
    if !count_refusal(tx.tx(), student, req.day, at).await? {
        return Ok(());
    }
    let leaders = leaders_of(tx.tx(), &student.school_id).await?;
    let args = Args::new()
        .text("student", student.name.clone())
        .key("reason", refusal_key(reason))
        .text("teacher", who.display_name.clone());
    let args = if adult_name.is_empty() {
        args.key("adult", "msg-unregistered-person")
    } else {
        args.text("adult", adult_name)
    };
    let notice = Notice::new(&student.school_id, leaders, Message::new("msg-pickup-refused", args), true);
    enqueue(tx.tx(), &notice, at).await?;
    Ok(())
}
