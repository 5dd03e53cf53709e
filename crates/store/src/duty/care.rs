//! A class's care (看护) on a day, as swaps and cover (代班) need it: who carries it (the
//! session plan's teacher, else the class teacher, unless a published cover turn took it over)
//! and when; whether a person may take a post or a class's care that day; and each person's
//! load over the term, for the fairest cover.

use super::{Post, Turn};
use crate::setup::ClassInfo;
use crate::terms::{ServiceCalendar, Term};
use crate::{Result, Store, StoreError};
use sqlx::Row;
use std::collections::HashMap;
use time::{Date, Time};
use yanshi_domain::calendar::DayStatus;
use yanshi_domain::duty::minutes;
use yanshi_domain::duty::post::DUTY_ROLES;
use yanshi_domain::ids::{TurnId, UserId};
use yanshi_domain::role::Role;

/// One class's care on one service day.
#[derive(Debug, Clone)]
pub(crate) struct CareOnDay {
    pub day: Date,
    pub class: ClassInfo,
    pub start: Time,
    pub end: Time,
    /// The plan's teacher on that weekday, else the class teacher.
    pub teacher: Option<UserId>,
    /// A published cover turn for the class that day: who took it over.
    pub cover: Option<Turn>,
}

impl CareOnDay {
    /// Who is with the class: the cover if there is one, else the teacher.
    pub fn carried_by(&self) -> Option<&UserId> {
        self.cover.as_ref().map(|c| &c.user_id).or(self.teacher.as_ref())
    }
}

impl Store {
    /// Every class's care on `day` (classes without service that day are left out).
    pub(crate) async fn care_on(&self, cal: &ServiceCalendar, day: Date) -> Result<Vec<CareOnDay>> {
        let t = &cal.term;
        let covers: Vec<Turn> = self
            .on_duty(&t.school_id, day)
            .await?
            .into_iter()
            .filter(|turn| turn.class.is_some())
            .collect();
        let weekday = day.weekday().number_from_monday();
        let mut care = Vec::new();
        for class in self.classes(&t.school_id).await? {
            let DayStatus::Service { start, end, .. } = cal.status(day, class.grade) else {
                continue;
            };
            let plan = self
                .session_plans(&class.id, &t.id)
                .await?
                .into_iter()
                .find(|p| p.weekday == weekday);
            let teacher = plan
                .and_then(|p| p.teacher.map(|t| t.0))
                .or_else(|| class.class_teacher.as_ref().map(|t| t.0.clone()));
            let cover = covers.iter().find(|c| c.class.as_ref() == Some(&class.id)).cloned();
            care.push(CareOnDay {
                day,
                class,
                start,
                end,
                teacher,
                cover,
            });
        }
        Ok(care)
    }

    /// May `person` take `post` on `day` of the published roster, as if the turns in `ignore`
    /// had already changed hands? The generator's checks, and a class's care they carry then
    /// counts as being elsewhere. `None` if so, else the message key of why not.
    pub(crate) async fn may_take_post(
        &self,
        cal: &ServiceCalendar,
        day: Date,
        post: &Post,
        person: &UserId,
        ignore: &[&TurnId],
    ) -> Result<Option<&'static str>> {
        if let Some(key) = self.duty_check_one_ignoring(&cal.term, day, post, person, true, ignore).await? {
            return Ok(Some(key));
        }
        let care = self.care_on(cal, day).await?;
        let busy = care.iter().any(|c| {
            c.carried_by() == Some(person)
                && !c.cover.as_ref().is_some_and(|t| ignore.contains(&&t.id))
                && c.start < post.spec.ends
                && post.spec.starts < c.end
        });
        Ok(busy.then_some("err-duty-overlap"))
    }

    /// May `person` take over `care` (a class's care that day)? Staff who take duty (not a
    /// school admin, not a volunteer: a volunteer is never alone with a class), not excluded,
    /// not unavailable or absent, with no other care or post at that time.
    pub(crate) async fn may_take_care(&self, cal: &ServiceCalendar, care: &CareOnDay, person: &UserId) -> Result<Option<&'static str>> {
        let t: &Term = &cal.term;
        let day = care.day;
        let Ok(user) = self.user(person).await else {
            return Ok(Some("err-duty-person"));
        };
        if user.school_id.as_ref() != Some(&t.school_id) || user.disabled {
            return Ok(Some("err-duty-person"));
        }
        if user.role == Role::SchoolAdmin || !DUTY_ROLES.contains(&user.role) {
            return Ok(Some("err-duty-role"));
        }
        let limits = self.duty_limits(&t.school_id).await?;
        if limits.iter().any(|l| &l.user_id == person && l.excluded) {
            return Ok(Some("err-duty-excluded"));
        }
        if self.cannot_serve(&t.school_id, person, day).await? {
            return Ok(Some("err-duty-unavailable"));
        }
        let all = self.care_on(cal, day).await?;
        if all.iter().any(|c| c.class.id != care.class.id && c.carried_by() == Some(person)) {
            return Ok(Some("err-duty-overlap"));
        }
        let turns = self.duty_turns_of(&t.id, person, true, day, day).await?;
        if turns
            .iter()
            .any(|m| m.starts.zip(m.ends).is_none_or(|(s, e)| s < care.end && care.start < e))
        {
            return Ok(Some("err-duty-overlap"));
        }
        Ok(None)
    }

    /// Absent that day (请假 reported) or declared unable to serve (不能值班).
    pub(crate) async fn cannot_serve(&self, school: &yanshi_domain::ids::SchoolId, person: &UserId, day: Date) -> Result<bool> {
        let absent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM duty_absences WHERE user_id = $1 AND day = $2 AND withdrawn_at IS NULL")
            .bind(person.to_string())
            .bind(day.to_string())
            .fetch_one(self.pool())
            .await?;
        let unavailable = self.duty_unavailable(school, Some(person)).await?;
        Ok(absent > 0 || unavailable.iter().any(|e| e.when.covers(day)))
    }

    /// Each person's load over the term's published roster (see `yanshi_domain::duty::cover`):
    /// a post's turn its minutes × weight, a class's care its session's minutes on every
    /// service day to whoever carries it (the cover on a covered day).
    pub(crate) async fn duty_loads(&self, cal: &ServiceCalendar) -> Result<HashMap<UserId, u64>> {
        let t = &cal.term;
        let mut loads: HashMap<UserId, u64> = HashMap::new();
        let rows = sqlx::query(
            "SELECT t.user_id, p.starts, p.ends, p.weight_permille FROM duty_turns t JOIN duty_posts p ON p.id = t.post_id WHERE t.term_id = $1 AND t.published = 1",
        )
        .bind(t.id.to_string())
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let clock = |col: &str| -> Result<Time> {
                let s: String = r.try_get(col)?;
                yanshi_domain::school::parse_clock(&s).map_err(|_| StoreError::Corrupt(format!("duty_posts.{col} = {s}")))
            };
            let weight = r.try_get::<i64, _>("weight_permille")?.max(0) as u64;
            let load = u64::from(minutes(clock("starts")?, clock("ends")?)) * weight / 1000;
            *loads.entry(UserId::from_db(r.try_get("user_id")?)).or_default() += load;
        }
        // Care: the plans once per class, then every service day of the term.
        let classes = self.classes(&t.school_id).await?;
        let mut plans = HashMap::new();
        for c in &classes {
            plans.insert(c.id.clone(), self.session_plans(&c.id, &t.id).await?);
        }
        let covers = self
            .duty_turns(&t.id, true, t.dates.first_service_day, t.dates.last_service_day)
            .await?
            .into_iter()
            .filter(|turn| turn.class.is_some())
            .map(|turn| ((turn.day, turn.class.clone()), turn.user_id))
            .collect::<HashMap<_, _>>();
        let mut day = t.dates.first_service_day;
        while day <= t.dates.last_service_day {
            let weekday = day.weekday().number_from_monday();
            for c in &classes {
                let DayStatus::Service { start, end, .. } = cal.status(day, c.grade) else {
                    continue;
                };
                let who = covers.get(&(day, Some(c.id.clone()))).cloned().or_else(|| {
                    plans
                        .get(&c.id)
                        .and_then(|ps| ps.iter().find(|p| p.weekday == weekday))
                        .and_then(|p| p.teacher.as_ref().map(|t| t.0.clone()))
                        .or_else(|| c.class_teacher.as_ref().map(|t| t.0.clone()))
                });
                if let Some(who) = who {
                    *loads.entry(who).or_default() += u64::from(minutes(start, end));
                }
            }
            day = day
                .next_day()
                .ok_or_else(|| StoreError::Corrupt("a term past the calendar's end".into()))?;
        }
        Ok(loads)
    }
}
