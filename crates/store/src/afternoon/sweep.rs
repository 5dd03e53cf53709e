//! The afternoon sweep: 点名超时 (roll call overdue) and the late-pickup (迟接) steps.

use super::day::ExpectedChild;
use super::{guardian_accounts_of, staff_to_alert};
use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::{Result, Store, StoreError};
use serde_json::json;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use yanshi_domain::afternoon::{LateStep, RollStatus};
use yanshi_domain::clock::to_millis;
use yanshi_domain::family::PickupLevel;
use yanshi_domain::ids::{StudentId, UserId};
use yanshi_domain::school_time::format_local;
use yanshi_i18n::{Args, Message};

impl Store {
    /// The afternoon's watch, run by every instance every 30 seconds:
    /// - 点名超时: a class with expected children still unmarked a quarter of an hour after the
    ///   start alerts its class teacher and the leaders, once per class and day;
    /// - 迟接: every child still in care after the end time takes the steps of the timeline that
    ///   are due — guardians told at once, the class teacher given the call list, the child to the
    ///   waiting room with the duty leader (值班领导) and the waiting room's teacher alerted, then
    ///   the duty leader's decision; the other leaders hear of either if the duty leader has not
    ///   acted within the school's minutes (`escalate_late_alerts`).
    ///
    /// Each alert and step fires once (a constraint), so several instances may sweep at the same
    /// time. Returns how many fired.
    pub async fn afternoon_sweep(&self, now: OffsetDateTime) -> Result<usize> {
        use yanshi_domain::afternoon::{late_steps_due, roll_call_overdue};
        let mut fired = 0;
        for school in self.schools().await? {
            let local_now = yanshi_domain::school_time::local(now, &school.time_zone);
            let day = local_now.date();
            let Some(term) = self.term_on(&school.id, day).await? else {
                continue;
            };
            let policy = self.service_policy(&school.id).await?;
            let cal = self.service_calendar(term).await?;
            let mut by_class: HashMap<String, Vec<ExpectedChild>> = HashMap::new();
            let mut alerted: Option<Vec<String>> = None;
            let mut loaded = false;
            // Only while some class is past its waiting-room time can an alert wait on the duty leader.
            let mut waiting_room_due = false;
            for class in self.classes(&school.id).await? {
                let yanshi_domain::calendar::DayStatus::Service { start, end, .. } = cal.status(day, class.grade) else {
                    continue;
                };
                let mut roll_due = roll_call_overdue(start, local_now.time());
                if roll_due {
                    if alerted.is_none() {
                        alerted = Some(
                            sqlx::query_scalar("SELECT class_id FROM roll_call_alerts WHERE school_id = $1 AND day = $2")
                                .bind(school.id.to_string())
                                .bind(day.to_string())
                                .fetch_all(self.pool())
                                .await?,
                        );
                    }
                    roll_due = !alerted.as_ref().is_some_and(|a| a.iter().any(|c| c == class.id.as_str()));
                }
                let due = late_steps_due(end, local_now.time(), policy.late_pickup_wait_minutes);
                waiting_room_due |= due.contains(&LateStep::WaitingRoom);
                if due.is_empty() && !roll_due {
                    continue;
                }
                // The school's children, loaded once (only when some class has something due).
                if !loaded {
                    for child in self.school_day(&school.id, day).await? {
                        by_class.entry(child.student.class_id.to_string()).or_default().push(child);
                    }
                    loaded = true;
                }
                let children = by_class.remove(class.id.as_str()).unwrap_or_default();
                if roll_due {
                    let unmarked: Vec<&str> = children
                        .iter()
                        .filter(|c| c.expected && c.roll.is_none() && c.handover.is_none())
                        .map(|c| c.student.name.as_str())
                        .collect();
                    // Checked once per class and day: a complete roll is recorded too (no alert),
                    // so later sweeps skip the class.
                    fired += usize::from(self.fire_roll_call_alert(&school, &class, day, start, &unmarked, now).await?);
                }
                for child in children {
                    if !child.expected || child.handover.is_some() || child.roll == Some(RollStatus::Absent) {
                        continue;
                    }
                    for step in &due {
                        fired += usize::from(self.fire_late_step(&school, &class, &child, day, *step, end, now).await?);
                    }
                }
            }
            if waiting_room_due {
                fired += self.escalate_late_alerts(&school, day, now).await?;
            }
        }
        Ok(fired)
    }

    /// 点名超时: once per class and day, the class teacher and the leaders hear which expected
    /// children are still not marked.
    async fn fire_roll_call_alert(
        &self,
        school: &crate::School,
        class: &crate::setup::ClassInfo,
        day: Date,
        start: time::Time,
        unmarked: &[&str],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let inserted = sqlx::query(
            "INSERT INTO roll_call_alerts (id, school_id, class_id, day, unmarked, at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(yanshi_domain::ids::row_id())
        .bind(school.id.to_string())
        .bind(class.id.to_string())
        .bind(day.to_string())
        .bind(unmarked.len() as i64)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            // Checked already (here or on another instance).
            return Ok(false);
        }
        if unmarked.is_empty() {
            tx.commit_unaudited().await?;
            return Ok(false);
        }
        // Names are data; the list's commas are the reader's language's (a list of ten at most).
        let names = unmarked.iter().take(10).copied().collect::<Vec<_>>().join(" ");
        let args = Args::new()
            .text("class", class.name.clone())
            .text("start", yanshi_domain::school::format_clock(start))
            .text("now", &format_local(now, &school.time_zone)[11..])
            .number("count", unmarked.len() as i64)
            .text("names", names);
        let args = if unmarked.len() > 10 {
            args.key("more", "msg-and-more")
        } else {
            args.text("more", "")
        };
        let recipients = staff_to_alert(tx.tx(), &school.id, class).await?;
        let notice = Notice::new(&school.id, recipients, Message::new("msg-roll-overdue", args), true);
        enqueue(tx.tx(), &notice, at).await?;
        tx.commit(
            Some(&school.id),
            &Actor::System,
            "roll_call.overdue",
            class.id.as_str(),
            json!({ "day": day.to_string(), "unmarked": unmarked.len() }),
            at,
        )
        .await?;
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    async fn fire_late_step(
        &self,
        school: &crate::School,
        class: &crate::setup::ClassInfo,
        child: &ExpectedChild,
        day: Date,
        step: LateStep,
        end: time::Time,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let inserted =
            sqlx::query("INSERT INTO late_pickup_steps (id, school_id, student_id, day, step, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(yanshi_domain::ids::row_id())
                .bind(school.id.to_string())
                .bind(child.student.id.to_string())
                .bind(day.to_string())
                .bind(step.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await;
        match inserted.map_err(StoreError::from) {
            Ok(_) => {}
            // Fired already (here or on another instance).
            Err(StoreError::Conflict(_)) => return Ok(false),
            Err(e) => return Err(e),
        }
        let name = &child.student.name;
        let end = yanshi_domain::school::format_clock(end);
        let duty = match step {
            LateStep::WaitingRoom | LateStep::LeaderDecision => crate::duty::late_alert_recipients(tx.tx(), &school.id, day).await?,
            LateStep::NotifyGuardians | LateStep::CallList => Vec::new(),
        };
        let teacher: Vec<UserId> = class.class_teacher.iter().map(|t| t.0.clone()).collect();
        let args = Args::new()
            .text("student", name.clone())
            .text("class", class.name.clone())
            .text("end", end.clone())
            .text("room", class.classroom.clone().unwrap_or_default());
        let (recipients, key, args, external) = match step {
            LateStep::NotifyGuardians => (
                guardian_accounts_of(tx.tx(), &child.student.id).await?,
                "msg-late-guardians",
                args,
                false,
            ),
            LateStep::CallList => {
                let phones = child
                    .adults
                    .iter()
                    .filter(|a| a.level != PickupLevel::Never)
                    .map(|a| format!("{}（{}）{}", a.name, a.relationship, a.phone))
                    .collect::<Vec<_>>()
                    .join("；");
                let guardians = self
                    .guardians_of(&child.student.id)
                    .await?
                    .into_iter()
                    .filter(|g| g.confirmed)
                    .map(|g| format!("{}（{}）{}", g.name, g.relationship, g.phone))
                    .collect::<Vec<_>>()
                    .join("；");
                (
                    teacher,
                    "msg-late-call-list",
                    args.text("guardians", guardians).text("adults", phones),
                    false,
                )
            }
            // 值班领导 and 等候室 of the day's roster first; the other leaders only if it escalates.
            LateStep::WaitingRoom => (duty, "msg-late-waiting-room", args, true),
            LateStep::LeaderDecision => (duty, "msg-late-decision-needed", args, true),
        };
        let notice = Notice::new(&school.id, recipients, Message::new(key, args), external);
        // What the guardians are told is about this child: the door shows whether they read it.
        let notice = if step == LateStep::NotifyGuardians {
            notice.about(&child.student.id)
        } else {
            notice
        };
        enqueue(tx.tx(), &notice, at).await?;
        tx.commit(
            Some(&school.id),
            &Actor::System,
            "late_pickup.step",
            child.student.id.as_str(),
            json!({ "day": day.to_string(), "step": step.as_str() }),
            at,
        )
        .await?;
        Ok(true)
    }

    /// The late-pickup steps a child has reached today.
    pub async fn late_steps(&self, student: &StudentId, day: Date) -> Result<Vec<LateStep>> {
        let steps: Vec<String> = sqlx::query_scalar("SELECT step FROM late_pickup_steps WHERE student_id = $1 AND day = $2 ORDER BY at")
            .bind(student.to_string())
            .bind(day.to_string())
            .fetch_all(self.pool())
            .await?;
        steps
            .iter()
            .map(|s| LateStep::parse(s).ok_or_else(|| StoreError::Corrupt(format!("late_pickup_steps.step = {s}"))))
            .collect()
    }

    /// Late pickups of a child (for the family's record): the days the child waited past the end time.
    pub async fn late_pickup_count(&self, student: &StudentId) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(DISTINCT day) FROM late_pickup_steps WHERE student_id = $1")
                .bind(student.to_string())
                .fetch_one(self.pool())
                .await?,
        )
    }
}
