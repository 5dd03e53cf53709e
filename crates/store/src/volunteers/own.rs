//! What a volunteer sees of their own work: the session plans that name them, their published
//! roster turns ahead, the first names of the group they help with (nothing else about a
//! child), and their hours from the signed daily records and the duty log.

use super::day;
use crate::{Result, Store, StoreError, User};
use sqlx::Row;
use time::Date;
use yanshi_domain::ids::{ClassId, SchoolId, UserId};
use yanshi_domain::role::Role;
use yanshi_domain::volunteer::first_name;

/// A weekday of a class's plan that names the volunteer, in a term not yet over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanAssignment {
    pub term: String,
    /// 1 = Monday … 5 = Friday.
    pub weekday: u8,
    pub class: String,
    pub content: String,
    /// The teacher the volunteer helps (a volunteer is never alone with a group).
    pub teacher: Option<String>,
    /// First names of the children enrolled for that weekday.
    pub group: Vec<String>,
}

/// A published roster turn ahead: a post (楼道, 校门 …) or a class's care on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnAssignment {
    pub day: Date,
    /// The post's name, or the class's for a care turn.
    pub place: String,
    /// The post's hours ("15:30"–"17:30"), empty for a class's care.
    pub starts: String,
    pub ends: String,
    /// First names of the class's children enrolled that weekday, for a class's care.
    pub group: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignments {
    pub plans: Vec<PlanAssignment>,
    pub turns: Vec<TurnAssignment>,
}

/// Where an hour of service comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceSource {
    /// A class's session, from its signed daily record (workload role VOLUNTEER).
    Session { class: String },
    /// A post, from the signed duty log.
    Duty { post: String },
}

/// One signed line of service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    pub day: Date,
    pub minutes: u32,
    pub source: ServiceSource,
}

impl Store {
    /// The first names of a class's children with an active enrolment in the term that covers
    /// `weekday` (1–5), in name order: the only thing a volunteer learns of them.
    async fn group_first_names(&self, class: &ClassId, term: &str, weekday: u8) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT s.name, e.weekdays FROM students s JOIN enrolments e ON e.student_id = s.id \
             WHERE s.class_id = $1 AND s.active = 1 AND e.term_id = $2 AND e.state = 'ACTIVE' ORDER BY s.name, s.id",
        )
        .bind(class.to_string())
        .bind(term.to_string())
        .fetch_all(self.pool())
        .await?;
        let bit = 1i64 << (weekday.clamp(1, 5) - 1);
        let mut names = Vec::new();
        for r in &rows {
            if r.try_get::<i64, _>("weekdays")? & bit != 0 {
                names.push(first_name(&r.try_get::<String, _>("name")?));
            }
        }
        Ok(names)
    }

    /// A volunteer's own assignments from `today` on: the plans of terms not yet over that name
    /// them, and their published roster turns (at most the next 60). Only a volunteer asks for
    /// their own; anyone else gets nothing.
    pub async fn volunteer_assignments(&self, who: &User, today: Date) -> Result<Assignments> {
        if who.role != Role::Volunteer {
            return Err(StoreError::Forbidden("err-volunteer-not-yours"));
        }
        let rows = sqlx::query(
            "SELECT t.id AS term_id, t.name AS term, p.weekday, p.content, p.class_id, c.grade, c.number, u.display_name AS teacher \
             FROM session_plans p JOIN terms t ON t.id = p.term_id JOIN classes c ON c.id = p.class_id LEFT JOIN users u ON u.id = p.teacher_id \
             WHERE p.volunteer_id = $1 AND t.ends_on >= $2 ORDER BY t.starts_on, p.weekday, c.grade, c.number",
        )
        .bind(who.id.to_string())
        .bind(today.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut plans = Vec::new();
        for r in &rows {
            let weekday = r.try_get::<i64, _>("weekday")? as u8;
            let class = ClassId::from_db(r.try_get("class_id")?);
            let term_id: String = r.try_get("term_id")?;
            plans.push(PlanAssignment {
                term: r.try_get("term")?,
                weekday,
                class: crate::afternoon::class_name(r.try_get("grade")?, r.try_get("number")?).unwrap_or_default(),
                content: r.try_get("content")?,
                teacher: r.try_get("teacher")?,
                group: self.group_first_names(&class, &term_id, weekday).await?,
            });
        }
        let rows = sqlx::query(
            "SELECT d.day, d.term_id, d.class_id, p.name AS post, p.starts, p.ends, c.grade, c.number FROM duty_turns d \
             LEFT JOIN duty_posts p ON p.id = d.post_id LEFT JOIN classes c ON c.id = d.class_id \
             WHERE d.user_id = $1 AND d.published = 1 AND d.day >= $2 ORDER BY d.day, p.starts LIMIT 60",
        )
        .bind(who.id.to_string())
        .bind(today.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut turns = Vec::new();
        for r in &rows {
            let on = day(r, "day")?;
            let class: Option<String> = r.try_get("class_id")?;
            let (place, group) = match class {
                Some(c) => {
                    let weekday = on.weekday().number_from_monday();
                    let term: String = r.try_get("term_id")?;
                    let group = if weekday <= 5 {
                        self.group_first_names(&ClassId::from_db(c), &term, weekday).await?
                    } else {
                        Vec::new()
                    };
                    let name = crate::afternoon::class_name(r.try_get("grade")?, r.try_get("number")?).unwrap_or_default();
                    (name, group)
                }
                None => (r.try_get::<Option<String>, _>("post")?.unwrap_or_default(), Vec::new()),
            };
            turns.push(TurnAssignment {
                day: on,
                place,
                starts: r.try_get::<Option<String>, _>("starts")?.unwrap_or_default(),
                ends: r.try_get::<Option<String>, _>("ends")?.unwrap_or_default(),
                group,
            });
        }
        Ok(Assignments { plans, turns })
    }

    /// A person's signed service at a school between two days (inclusive): the sessions of the
    /// signed daily records where they were the volunteer, and their signed duty-log rows.
    pub async fn volunteer_service(&self, school: &SchoolId, user: &UserId, from: Date, to: Date) -> Result<Vec<ServiceLine>> {
        let mut lines = Vec::new();
        let rows = sqlx::query(
            "SELECT w.day, w.minutes, c.grade, c.number FROM workload_entries w JOIN classes c ON c.id = w.class_id \
             WHERE w.school_id = $1 AND w.user_id = $2 AND w.role = 'VOLUNTEER' AND w.day >= $3 AND w.day <= $4",
        )
        .bind(school.to_string())
        .bind(user.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            lines.push(ServiceLine {
                day: day(r, "day")?,
                minutes: minutes(r)?,
                source: ServiceSource::Session {
                    class: crate::afternoon::class_name(r.try_get("grade")?, r.try_get("number")?).unwrap_or_default(),
                },
            });
        }
        let rows = sqlx::query(
            "SELECT l.day, l.minutes, p.name FROM duty_log l JOIN duty_posts p ON p.id = l.post_id \
             WHERE l.school_id = $1 AND l.user_id = $2 AND l.day >= $3 AND l.day <= $4",
        )
        .bind(school.to_string())
        .bind(user.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            lines.push(ServiceLine {
                day: day(r, "day")?,
                minutes: minutes(r)?,
                source: ServiceSource::Duty { post: r.try_get("name")? },
            });
        }
        lines.sort_by_key(|l| l.day);
        Ok(lines)
    }
}

fn minutes(r: &sqlx::any::AnyRow) -> Result<u32> {
    let m: i64 = r.try_get("minutes")?;
    u32::try_from(m).map_err(|_| StoreError::Corrupt(format!("minutes = {m}")))
}
