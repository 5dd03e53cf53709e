//! 请假 and 代班 — a teacher's absence on a day, the gaps it opens (their published turns that
//! day and the class care they carry), the fairest cover for each, and a leader's choice
//! written as a COVER turn to the published roster and its draft.

use super::care::CareOnDay;
use super::turns::today;
use super::{Turn, must_manage};
use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime, Time};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::to_millis;
use yanshi_domain::duty::cover::{Candidate, fairest};
use yanshi_domain::duty::post::reason;
use yanshi_domain::ids::{ClassId, SchoolId, StaffAbsenceId, TurnId, UserId};
use yanshi_domain::policy::{Action, may};
use yanshi_i18n::{Args, Message};

/// A reported absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAbsence {
    pub id: StaffAbsenceId,
    pub user_id: UserId,
    pub user_name: String,
    pub day: Date,
    pub reason: String,
    pub withdrawn: bool,
}

/// What an absence leaves open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GapKind {
    /// A published post turn of the absent person.
    Post(TurnId),
    /// A class's care they carry that day.
    Care(ClassId),
}

/// One gap, with who covers it (once arranged) or who could, fairest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub absence: StaffAbsenceId,
    pub absent: (UserId, String),
    pub day: Date,
    pub kind: GapKind,
    /// The post's name or the class's (三年级二班).
    pub place: String,
    pub starts: Time,
    pub ends: Time,
    pub covered_by: Option<(UserId, String)>,
    /// Eligible people, least loaded first (empty once covered).
    pub suggestions: Vec<Candidate<UserId>>,
}

impl GapKind {
    /// As a form names it: `turn:<id>` or `class:<id>`.
    pub fn code(&self) -> String {
        match self {
            GapKind::Post(t) => format!("turn:{t}"),
            GapKind::Care(c) => format!("class:{c}"),
        }
    }
}

fn absence_from_row(r: &sqlx::any::AnyRow) -> Result<StaffAbsence> {
    let id: String = r.try_get("id")?;
    let day: String = r.try_get("day")?;
    Ok(StaffAbsence {
        day: parse_date(&day).ok_or_else(|| StoreError::Corrupt(format!("duty_absences.day of {id}")))?,
        id: StaffAbsenceId::from_db(id),
        user_id: UserId::from_db(r.try_get("user_id")?),
        user_name: r.try_get("display_name")?,
        reason: r.try_get("reason")?,
        withdrawn: r.try_get::<Option<i64>, _>("withdrawn_at")?.is_some(),
    })
}

const ABSENCE_SELECT: &str = "SELECT a.id, a.school_id, a.user_id, u.display_name, a.day, a.reason, a.withdrawn_at FROM duty_absences a JOIN users u ON u.id = a.user_id";

impl Store {
    /// A teacher reports they will be absent on a day (today or later), with a reason; a
    /// leader may report it for them. The leaders are told.
    pub async fn report_duty_absence(
        &self,
        who: &User,
        person: &UserId,
        day: Date,
        reason_text: &str,
        now: OffsetDateTime,
    ) -> Result<StaffAbsenceId> {
        let target = self.user(person).await.map_err(|_| StoreError::NotFound)?;
        let school = target.school_id.clone().ok_or(StoreError::NotFound)?;
        let own = &who.id == person && may(&who.principal(), Action::TakeDuty, Some(&school));
        if !own && !may(&who.principal(), Action::ManageDuty, Some(&school)) {
            return Err(StoreError::Forbidden("err-duty-not-yours"));
        }
        let reason_text = reason(reason_text)?;
        if day < today(self, &school, now).await? {
            return Err(Invalid::new("day", "err-duty-day-past").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let before: Option<(String, Option<i64>)> =
            sqlx::query("SELECT id, withdrawn_at FROM duty_absences WHERE user_id = $1 AND day = $2")
                .bind(person.to_string())
                .bind(day.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| Ok::<_, StoreError>((r.try_get("id")?, r.try_get("withdrawn_at")?)))
                .transpose()?;
        let id = match before {
            Some((_, None)) => return Err(Invalid::new("day", "err-duty-absence-twice").into()),
            // Reported again after a withdrawal: the same row stands again.
            Some((id, Some(_))) => {
                sqlx::query("UPDATE duty_absences SET reason = $1, reported_by = $2, reported_at = $3, withdrawn_at = NULL WHERE id = $4")
                    .bind(reason_text)
                    .bind(who.id.to_string())
                    .bind(at)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                StaffAbsenceId::from_db(id)
            }
            None => {
                let id = StaffAbsenceId::new();
                sqlx::query(
                    "INSERT INTO duty_absences (id, school_id, user_id, day, reason, reported_by, reported_at, withdrawn_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
                )
                .bind(id.to_string())
                .bind(school.to_string())
                .bind(person.to_string())
                .bind(day.to_string())
                .bind(reason_text)
                .bind(who.id.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)
                .map_err(|e| match e {
                    StoreError::Conflict(_) => Invalid::new("day", "err-duty-absence-twice").into(),
                    e => e,
                })?;
                id
            }
        };
        let leaders: Vec<UserId> = crate::afternoon::leaders_of(tx.tx(), &school)
            .await?
            .into_iter()
            .filter(|l| l != &who.id)
            .collect();
        let args = Args::new().text("person", target.display_name.clone()).text("day", day.to_string());
        enqueue(
            tx.tx(),
            &Notice::new(&school, leaders, Message::new("msg-duty-absence", args), false),
            at,
        )
        .await?;
        let details = json!({ "user": person.as_str(), "day": day.to_string(), "reason": reason_text });
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "duty.absence",
            id.as_str(),
            details,
            at,
        )
        .await?;
        Ok(id)
    }

    pub async fn duty_absence(&self, id: &StaffAbsenceId) -> Result<(StaffAbsence, SchoolId)> {
        let sql = format!("{ABSENCE_SELECT} WHERE a.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((absence_from_row(&r)?, SchoolId::from_db(r.try_get("school_id")?)))
    }

    /// A school's absences from `from` on (one person's, or everyone's), by day.
    pub async fn duty_absences(&self, school: &SchoolId, person: Option<&UserId>, from: Date) -> Result<Vec<StaffAbsence>> {
        let sql = format!(
            "{ABSENCE_SELECT} WHERE a.school_id = $1 AND ($2 = '' OR a.user_id = $2) AND a.day >= $3 ORDER BY a.day, u.display_name LIMIT 200"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(school.to_string())
            .bind(person.map(ToString::to_string).unwrap_or_default())
            .bind(from.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(absence_from_row).collect()
    }

    /// Takes an absence back before its day: the gaps still open close; covers already
    /// arranged stay (the colleague was told and may have planned for it).
    pub async fn withdraw_duty_absence(&self, who: &User, id: &StaffAbsenceId, now: OffsetDateTime) -> Result<()> {
        let (a, school) = self.duty_absence(id).await?;
        let own = a.user_id == who.id && may(&who.principal(), Action::TakeDuty, Some(&school));
        if !own && !may(&who.principal(), Action::ManageDuty, Some(&school)) {
            return Err(StoreError::Forbidden("err-duty-not-yours"));
        }
        if a.withdrawn {
            return Err(Invalid::new("absence", "err-duty-absence-withdrawn").into());
        }
        if a.day <= today(self, &school, now).await? {
            return Err(Invalid::new("absence", "err-duty-absence-started").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("UPDATE duty_absences SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL")
            .bind(at)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let details = json!({ "user": a.user_id.as_str(), "day": a.day.to_string() });
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "duty.absence_withdrawn",
            id.as_str(),
            details,
            at,
        )
        .await
    }

    /// The gaps the day's absences open, with their cover or the fairest candidates.
    pub async fn duty_gaps(&self, school: &SchoolId, day: Date) -> Result<Vec<Gap>> {
        let Some(term) = self.term_on(school, day).await? else {
            return Ok(Vec::new());
        };
        let absences: Vec<StaffAbsence> = self
            .duty_absences(school, None, day)
            .await?
            .into_iter()
            .filter(|a| a.day == day && !a.withdrawn)
            .collect();
        if absences.is_empty() {
            return Ok(Vec::new());
        }
        let cal = self.service_calendar(term).await?;
        let on_duty = self.on_duty(school, day).await?;
        let care = self.care_on(&cal, day).await?;
        let loads = self.duty_loads(&cal).await?;
        let people = self.duty_people(school).await?;
        let mut gaps = Vec::new();
        for a in &absences {
            let absent = (a.user_id.clone(), a.user_name.clone());
            for t in on_duty.iter().filter(|t| t.post.is_some()) {
                let covered = t.covers.as_ref().is_some_and(|(c, _)| c == &a.user_id);
                if t.user_id != a.user_id && !covered {
                    continue;
                }
                let (Some(starts), Some(ends)) = (t.starts, t.ends) else { continue };
                let mut gap = Gap {
                    absence: a.id.clone(),
                    absent: absent.clone(),
                    day,
                    kind: GapKind::Post(t.id.clone()),
                    place: t.place.clone(),
                    starts,
                    ends,
                    covered_by: covered.then(|| (t.user_id.clone(), t.user_name.clone())),
                    suggestions: Vec::new(),
                };
                if !covered {
                    let post = self.duty_post(school, t.post.as_ref().ok_or(StoreError::NotFound)?).await?;
                    let mut candidates = Vec::new();
                    for (p, _) in &people {
                        if p != &a.user_id && self.may_take_post(&cal, day, &post, p, &[&t.id]).await?.is_none() {
                            candidates.push(self.candidate(p, &loads).await?);
                        }
                    }
                    gap.suggestions = fairest(candidates);
                }
                gaps.push(gap);
            }
            for c in care.iter().filter(|c| c.teacher.as_ref() == Some(&a.user_id)) {
                let cover = c.cover.as_ref().filter(|t| t.covers.as_ref().is_some_and(|(u, _)| u == &a.user_id));
                let mut gap = Gap {
                    absence: a.id.clone(),
                    absent: absent.clone(),
                    day,
                    kind: GapKind::Care(c.class.id.clone()),
                    place: c.class.name.clone(),
                    starts: c.start,
                    ends: c.end,
                    covered_by: cover.map(|t| (t.user_id.clone(), t.user_name.clone())),
                    suggestions: Vec::new(),
                };
                if cover.is_none() {
                    let mut candidates = Vec::new();
                    for (p, _) in &people {
                        if p != &a.user_id && self.may_take_care(&cal, c, p).await?.is_none() {
                            candidates.push(self.candidate(p, &loads).await?);
                        }
                    }
                    gap.suggestions = fairest(candidates);
                }
                gaps.push(gap);
            }
        }
        Ok(gaps)
    }

    async fn candidate(&self, p: &UserId, loads: &std::collections::HashMap<UserId, u64>) -> Result<Candidate<UserId>> {
        Ok(Candidate {
            person: p.clone(),
            name: self.user(p).await?.display_name,
            load: loads.get(p).copied().unwrap_or(0),
        })
    }

    /// A leader picks who covers a gap of an absence: a COVER turn on the published roster
    /// and its draft (a post's: replacing the absent person's turn there). The cover is told.
    pub async fn cover_duty_gap(
        &self,
        who: &User,
        absence: &StaffAbsenceId,
        gap: &GapKind,
        person: &UserId,
        now: OffsetDateTime,
    ) -> Result<TurnId> {
        let (a, school) = self.duty_absence(absence).await?;
        must_manage(who, &school)?;
        if a.withdrawn {
            return Err(Invalid::new("absence", "err-duty-absence-withdrawn").into());
        }
        if a.day < today(self, &school, now).await? {
            return Err(Invalid::new("day", "err-duty-day-past").into());
        }
        let term = self
            .term_on(&school, a.day)
            .await?
            .ok_or_else(|| Invalid::new("day", "err-duty-day-outside-term"))?;
        let cal = self.service_calendar(term.clone()).await?;
        // What the gap is, checked against the day: the absent person's turn, or care they carry.
        let (replaced, post, class, place): (Option<Turn>, Option<String>, Option<CareOnDay>, String) = match gap {
            GapKind::Post(turn) => {
                let (t, s, _, published) = self.duty_turn(turn).await?;
                if s != school || !published || t.user_id != a.user_id || t.day != a.day {
                    return Err(Invalid::new("gap", "err-duty-gap").into());
                }
                let post = self
                    .duty_post(&school, t.post.as_ref().ok_or_else(|| Invalid::new("gap", "err-duty-gap"))?)
                    .await?;
                if let Some(key) = self.may_take_post(&cal, a.day, &post, person, &[turn]).await? {
                    return Err(Invalid::new("person", key).into());
                }
                let place = t.place.clone();
                (Some(t), Some(post.id.to_string()), None, place)
            }
            GapKind::Care(class) => {
                let care = self.care_on(&cal, a.day).await?;
                let c = care
                    .into_iter()
                    .find(|c| &c.class.id == class && c.teacher.as_ref() == Some(&a.user_id))
                    .ok_or_else(|| Invalid::new("gap", "err-duty-gap"))?;
                if c.cover.is_some() {
                    return Err(Invalid::new("gap", "err-duty-gap-covered").into());
                }
                if let Some(key) = self.may_take_care(&cal, &c, person).await? {
                    return Err(Invalid::new("person", key).into());
                }
                let place = c.class.name.clone();
                (None, None, Some(c), place)
            }
        };
        let at = to_millis(now);
        let id = TurnId::new();
        let mut tx = self.write().await?;
        if let Some(t) = &replaced {
            let gone = sqlx::query("DELETE FROM duty_turns WHERE id = $1 AND published = 1 AND user_id = $2")
                .bind(t.id.to_string())
                .bind(a.user_id.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if gone != 1 {
                return Err(Invalid::new("gap", "err-duty-gap-covered").into());
            }
            if let Some(draft) = super::swaps::draft_twin(&t.id) {
                sqlx::query("DELETE FROM duty_turns WHERE id = $1 AND published = 0 AND user_id = $2")
                    .bind(draft)
                    .bind(a.user_id.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let class_id = class.as_ref().map(|c| c.class.id.to_string());
        let slot = post.clone().or_else(|| class_id.clone()).unwrap_or_default();
        for (row_id, published) in [(id.to_string(), 0i64), (format!("{id}-p"), 1)] {
            sqlx::query(
                "INSERT INTO duty_turns (id, school_id, term_id, day, slot, post_id, class_id, user_id, published, source, covers_user_id, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'COVER', $10, $11, $12)",
            )
            .bind(row_id)
            .bind(school.to_string())
            .bind(term.id.to_string())
            .bind(a.day.to_string())
            .bind(&slot)
            .bind(post.clone())
            .bind(class_id.clone())
            .bind(person.to_string())
            .bind(published)
            .bind(a.user_id.to_string())
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)
            .map_err(|e| match e {
                StoreError::Conflict(_) => Invalid::new("person", "err-duty-already-on-post").into(),
                e => e,
            })?;
        }
        let args = Args::new()
            .text("absent", a.user_name.clone())
            .text("place", place.clone())
            .text("day", a.day.to_string());
        enqueue(
            tx.tx(),
            &Notice::new(&school, vec![person.clone()], Message::new("msg-duty-cover", args), false),
            at,
        )
        .await?;
        let details = json!({
            "absence": absence.as_str(), "day": a.day.to_string(), "absent": a.user_id.as_str(), "cover": person.as_str(),
            "place": place, "replaced": replaced.as_ref().map(|t| t.id.as_str().to_string()), "class": class_id,
        });
        let published = TurnId::from_db(format!("{id}-p"));
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "duty.cover",
            published.as_str(),
            details,
            at,
        )
        .await?;
        Ok(published)
    }
}
