//! The generator's side in the store: the term's posts, people, limits and declarations become
//! a [`Problem`]; the solver's answer becomes the draft. Days before `from` keep their published
//! turns (counted for fairness, never changed); so does every cover (代班) already arranged.

use super::must_manage;
use super::turns::{mark_draft_changed, today};
use crate::audit::Actor;
use crate::terms::ServiceCalendar;
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::{DayStatus, parse_date};
use yanshi_domain::clock::to_millis;
use yanshi_domain::duty::post::DUTY_ROLES;
use yanshi_domain::duty::{Person, Problem, RosterSolver, ShortReason, Slot};
use yanshi_domain::ids::{TermId, UserId};
use yanshi_domain::role::Role;

/// A post left short on a day, for the leaders: where, how many missing, why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShortPost {
    #[serde(with = "yanshi_domain::serde_date")]
    pub day: Date,
    pub place: String,
    pub missing: u8,
    #[serde(skip)]
    pub reason: ShortReason,
    pub reason_key: &'static str,
}

/// What a generation did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Generated {
    pub turns: usize,
    pub short: Vec<ShortPost>,
    /// Weighted minutes between the most- and least-loaded person who could take a post.
    pub spread: u64,
    pub spread_bound: u64,
    /// Published turns from `from` on that the new draft does not keep.
    pub changes: u32,
    pub solver_ms: u64,
    pub people: usize,
    pub slots: usize,
}

/// Where a slot came from, to write it back.
#[derive(Clone)]
enum SlotOrigin {
    Post { id: String, name: String },
    Care { class: String, name: String },
}

struct Built {
    problem: Problem,
    origins: Vec<SlotOrigin>,
    people: Vec<(UserId, Role)>,
    /// Slots on days before `from`: written back as they were.
    frozen: Vec<bool>,
}

pub(super) fn week_of(d: Date) -> (i32, u8) {
    let (y, w, _) = d.to_iso_week_date();
    (y, w)
}

impl Store {
    /// Fills the term's draft from `from` (default: today) to its last service day.
    pub async fn generate_roster(
        &self,
        who: &User,
        term: &TermId,
        from: Option<Date>,
        solver: &(dyn RosterSolver + Sync),
        now: OffsetDateTime,
    ) -> Result<Generated> {
        let t = self.term(term).await?;
        must_manage(who, &t.school_id)?;
        let today = today(self, &t.school_id, now).await?;
        let from = from.unwrap_or(today).max(today);
        if from > t.dates.last_service_day {
            return Err(Invalid::new("from", "err-duty-day-outside-term").into());
        }
        let cal = self.service_calendar(t.clone()).await?;
        let built = self.build_problem(&cal, from).await?;
        let started = std::time::Instant::now();
        let solution = solver.solve(&built.problem).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let solver_ms = started.elapsed().as_millis() as u64;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM duty_turns WHERE term_id = $1 AND published = 0")
            .bind(term.to_string())
            .execute(&mut *tx)
            .await?;
        let mut written = 0;
        for (i, slot) in built.problem.slots.iter().enumerate() {
            // Days before `from` are copied from the published roster below.
            if built.frozen[i] {
                continue;
            }
            let placed = solution.placed.get(i).map(Vec::as_slice).unwrap_or_default();
            for &p in placed {
                let origin = &built.origins[i];
                // A class's own teacher from the plan is not a turn: the plan says it.
                if let SlotOrigin::Care { .. } = origin
                    && slot.fixed.contains(&p)
                {
                    continue;
                }
                let (post_id, class_id, slot_key) = match origin {
                    SlotOrigin::Post { id, .. } => (Some(id.clone()), None, id.clone()),
                    SlotOrigin::Care { class, .. } => (None, Some(class.clone()), class.clone()),
                };
                let source = if slot.fixed.contains(&p) { "HAND" } else { "GENERATED" };
                sqlx::query(
                    "INSERT INTO duty_turns (id, school_id, term_id, day, slot, post_id, class_id, user_id, published, source, covers_user_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, NULL, $10, $11)",
                )
                .bind(yanshi_domain::ids::TurnId::new().to_string())
                .bind(t.school_id.to_string())
                .bind(term.to_string())
                .bind(slot.day.to_string())
                .bind(slot_key)
                .bind(post_id)
                .bind(class_id)
                .bind(built.people[p].0.to_string())
                .bind(source)
                .bind(who.id.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
                written += 1;
            }
        }
        // What was already published before `from`, and every cover, stays exactly as it was.
        sqlx::query(
            "INSERT INTO duty_turns (id, school_id, term_id, day, slot, post_id, class_id, user_id, published, source, covers_user_id, created_by, created_at) \
             SELECT SUBSTR(id, 1, LENGTH(id) - 2), school_id, term_id, day, slot, post_id, class_id, user_id, 0, source, covers_user_id, created_by, created_at FROM duty_turns \
             WHERE term_id = $1 AND published = 1 AND (day < $2 OR source = 'COVER')",
        )
        .bind(term.to_string())
        .bind(from.to_string())
        .execute(&mut *tx)
        .await?;
        let short: Vec<ShortPost> = solution
            .short
            .iter()
            .filter_map(|s| {
                let slot = built.problem.slots.get(s.slot)?;
                let place = match &built.origins[s.slot] {
                    SlotOrigin::Post { name, .. } | SlotOrigin::Care { name, .. } => name.clone(),
                };
                Some(ShortPost {
                    day: slot.day,
                    place,
                    missing: s.missing,
                    reason: s.reason,
                    reason_key: s.reason.key(),
                })
            })
            .collect();
        let generated = Generated {
            turns: written,
            short,
            spread: solution.spread,
            spread_bound: solution.spread_bound,
            changes: solution.changes,
            solver_ms,
            people: built.people.len(),
            slots: built.problem.slots.len(),
        };
        let figures = serde_json::to_string(&generated).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("DELETE FROM duty_rosters WHERE term_id = $1 AND published_at IS NULL")
            .bind(term.to_string())
            .execute(&mut *tx)
            .await?;
        let updated =
            sqlx::query("UPDATE duty_rosters SET generated_at = $2, generated_by = $3, figures = $4, draft_changed = 1 WHERE term_id = $1")
                .bind(term.to_string())
                .bind(at)
                .bind(who.id.to_string())
                .bind(&figures)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO duty_rosters (term_id, school_id, generated_at, generated_by, figures, published_at, published_by, draft_changed) VALUES ($1, $2, $3, $4, $5, NULL, NULL, 1)",
            )
            .bind(term.to_string())
            .bind(t.school_id.to_string())
            .bind(at)
            .bind(who.id.to_string())
            .bind(&figures)
            .execute(&mut *tx)
            .await?;
        }
        mark_draft_changed(&mut tx, term, at).await?;
        let details = json!({
            "from": from.to_string(), "turns": written, "short": generated.short.len(), "spread": generated.spread,
            "spread_bound": generated.spread_bound, "changes": generated.changes, "solver_ms": solver_ms,
        });
        tx.commit(
            Some(&t.school_id),
            &Actor::User(who.id.clone()),
            "duty.generate",
            term.as_str(),
            details,
            at,
        )
        .await?;
        Ok(generated)
    }

    /// The last generation's figures and whether the draft differs from what is published.
    pub async fn roster_state(&self, term: &TermId) -> Result<(Option<Generated>, bool, Option<i64>)> {
        let row = sqlx::query("SELECT figures, draft_changed, published_at FROM duty_rosters WHERE term_id = $1")
            .bind(term.to_string())
            .fetch_optional(self.pool())
            .await?;
        let Some(r) = row else { return Ok((None, false, None)) };
        let figures: Option<String> = r.try_get("figures")?;
        let generated = figures
            .and_then(|f| serde_json::from_str::<serde_json::Value>(&f).ok())
            .map(|v| Generated {
                turns: v["turns"].as_u64().unwrap_or(0) as usize,
                short: v["short"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| {
                                let key = s["reason_key"].as_str()?;
                                let reason = [ShortReason::NobodyEligible, ShortReason::AllUnavailable, ShortReason::LimitsReached]
                                    .into_iter()
                                    .find(|r| r.key() == key)?;
                                Some(ShortPost {
                                    day: parse_date(s["day"].as_str()?)?,
                                    place: s["place"].as_str()?.to_string(),
                                    missing: s["missing"].as_u64()? as u8,
                                    reason,
                                    reason_key: reason.key(),
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                spread: v["spread"].as_u64().unwrap_or(0),
                spread_bound: v["spread_bound"].as_u64().unwrap_or(0),
                changes: v["changes"].as_u64().unwrap_or(0) as u32,
                solver_ms: v["solver_ms"].as_u64().unwrap_or(0),
                people: v["people"].as_u64().unwrap_or(0) as usize,
                slots: v["slots"].as_u64().unwrap_or(0) as usize,
            });
        Ok((generated, r.try_get::<i64, _>("draft_changed")? != 0, r.try_get("published_at")?))
    }

    /// The staff who take duty and the volunteers (placed only where a post admits them, and
    /// only on days they are vetted), with their role.
    pub(crate) async fn duty_people(&self, school: &yanshi_domain::ids::SchoolId) -> Result<Vec<(UserId, Role)>> {
        let rows = sqlx::query("SELECT id, role FROM users WHERE school_id = $1 AND disabled_at IS NULL ORDER BY display_name, id")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        let mut people = Vec::new();
        for r in &rows {
            let role: String = r.try_get("role")?;
            let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("users.role = {role}")))?;
            if DUTY_ROLES.contains(&role) || role == Role::Volunteer {
                people.push((UserId::from_db(r.try_get("id")?), role));
            }
        }
        Ok(people)
    }

    async fn build_problem(&self, cal: &ServiceCalendar, from: Date) -> Result<Built> {
        let t = &cal.term;
        let school = &t.school_id;
        let settings = self.duty_settings(school).await?;
        let posts: Vec<_> = self.duty_posts(school).await?.into_iter().filter(|p| p.active).collect();
        let classes = self.classes(school).await?;
        let mut people = self.duty_people(school).await?;
        let limits = self.duty_limits(school).await?;
        let excluded: Vec<&UserId> = limits.iter().filter(|l| l.excluded).map(|l| &l.user_id).collect();
        let unavailable = self.duty_unavailable(school, None).await?;
        let absences: Vec<(String, String)> =
            sqlx::query("SELECT user_id, day FROM duty_absences WHERE school_id = $1 AND withdrawn_at IS NULL")
                .bind(school.to_string())
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| Ok::<_, StoreError>((r.try_get("user_id")?, r.try_get("day")?)))
                .collect::<Result<_>>()?;
        let published = self
            .duty_turns(&t.id, true, t.dates.first_service_day, t.dates.last_service_day)
            .await?;
        let mut plans = HashMap::new();
        for c in &classes {
            plans.insert(c.id.to_string(), self.session_plans(&c.id, &t.id).await?);
        }
        // Plan teachers and volunteers who are not duty staff still carry their care turns.
        let mut index: HashMap<String, usize> = people.iter().enumerate().map(|(i, (u, _))| (u.to_string(), i)).collect();
        let mut person_of = |u: &UserId, role: Role, people: &mut Vec<(UserId, Role)>| -> usize {
            *index.entry(u.to_string()).or_insert_with(|| {
                people.push((u.clone(), role));
                people.len() - 1
            })
        };
        let cannot = |u: &UserId, day: Date| {
            unavailable.iter().any(|e| &e.user_id == u && e.when.covers(day))
                || absences.iter().any(|(a, d)| a == u.as_str() && d == &day.to_string())
        };
        let mut slots = Vec::new();
        let mut origins = Vec::new();
        let mut frozen = Vec::new();
        let mut previous = Vec::new();
        let mut day = t.dates.first_service_day;
        while day <= t.dates.last_service_day {
            let mut service_grades = Vec::new();
            let mut care = Vec::new();
            for c in &classes {
                if let DayStatus::Service { start, end, .. } = cal.status(day, c.grade) {
                    service_grades.push(c.grade);
                    // A class without children needs no care.
                    if c.active_students > 0 {
                        care.push((c, start, end));
                    }
                }
            }
            let past = day < from;
            // Volunteers are placed only on days their vetting holds.
            let vetted = if !past && posts.iter().any(|p| p.spec.admits(Role::Volunteer)) {
                self.vetted_volunteers(school, day).await?
            } else {
                Vec::new()
            };
            for (c, start, end) in care {
                let cover = published.iter().find(|p| p.day == day && p.class.as_ref() == Some(&c.id));
                let weekday = day.weekday().number_from_monday();
                let plan = plans.get(c.id.as_str()).and_then(|ps| ps.iter().find(|p| p.weekday == weekday));
                let teacher = plan
                    .and_then(|p| p.teacher.as_ref())
                    .or(c.class_teacher.as_ref())
                    .map(|t| t.0.clone());
                let mut fixed = Vec::new();
                match (cover, teacher) {
                    (Some(cover), _) => fixed.push(person_of(&cover.user_id, Role::Teacher, &mut people)),
                    (None, Some(t)) => fixed.push(person_of(&t, Role::Teacher, &mut people)),
                    (None, None) => {}
                }
                if let Some(v) = plan.and_then(|p| p.volunteer.as_ref()) {
                    fixed.push(person_of(&v.0, Role::Volunteer, &mut people));
                }
                let open = fixed.is_empty() && !past;
                let eligible: Vec<usize> = if open {
                    people
                        .iter()
                        .enumerate()
                        .filter(|(_, (u, r))| {
                            *r != Role::SchoolAdmin && DUTY_ROLES.contains(r) && !excluded.contains(&u) && !cannot(u, day)
                        })
                        .map(|(i, _)| i)
                        .collect()
                } else {
                    Vec::new()
                };
                slots.push(Slot {
                    day,
                    start,
                    end,
                    needs: if open { 1 } else { fixed.len() as u8 },
                    weight_permille: 1000,
                    eligible,
                    fixed,
                    needs_staff: true,
                    unavailable: 0,
                });
                origins.push(SlotOrigin::Care {
                    class: c.id.to_string(),
                    name: c.name.clone(),
                });
                frozen.push(past);
            }
            for post in &posts {
                if !post.spec.runs_on(day, &service_grades) {
                    continue;
                }
                let on_it: Vec<usize> = published
                    .iter()
                    .filter(|p| p.day == day && p.post.as_ref() == Some(&post.id))
                    .map(|p| person_of(&p.user_id, Role::Teacher, &mut people))
                    .collect();
                let i = slots.len();
                let (eligible, fixed, needs, unavailable_count) = if past {
                    (Vec::new(), on_it.clone(), on_it.len() as u8, 0)
                } else {
                    previous.extend(on_it.iter().map(|&p| (i, p)));
                    let admitted: Vec<usize> = people
                        .iter()
                        .enumerate()
                        .filter(|(_, (u, r))| {
                            post.spec.admits(*r) && !excluded.contains(&u) && (*r != Role::Volunteer || vetted.contains(u))
                        })
                        .map(|(i, _)| i)
                        .collect();
                    let eligible: Vec<usize> = admitted.iter().copied().filter(|&p| !cannot(&people[p].0, day)).collect();
                    let unavailable = (admitted.len() - eligible.len()) as u16;
                    (eligible, Vec::new(), post.spec.needs, unavailable)
                };
                slots.push(Slot {
                    day,
                    start: post.spec.starts,
                    end: post.spec.ends,
                    needs,
                    weight_permille: post.spec.weight_permille,
                    eligible,
                    fixed,
                    needs_staff: true,
                    unavailable: unavailable_count,
                });
                origins.push(SlotOrigin::Post {
                    id: post.id.to_string(),
                    name: post.spec.name.clone(),
                });
                frozen.push(past);
            }
            day = day
                .next_day()
                .ok_or_else(|| StoreError::Corrupt("a term past the calendar's end".into()))?;
        }
        let own: HashMap<&str, Option<u8>> = limits.iter().map(|l| (l.user_id.as_str(), l.max_per_week)).collect();
        let problem = Problem {
            people: people
                .iter()
                .map(|(u, r)| Person {
                    max_per_week: Some(own.get(u.as_str()).copied().flatten().unwrap_or(settings.max_per_week)),
                    volunteer: *r == Role::Volunteer,
                })
                .collect(),
            slots,
            previous,
        };
        Ok(Built {
            problem,
            origins,
            people,
            frozen,
        })
    }
}
