//! The term's turns (值班表): the draft the generator and the leaders' hand edits write, the
//! published roster staff see, and publishing one into the other for the days ahead.

use super::must_manage;
use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime, Time};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::to_millis;
use yanshi_domain::duty::PostKind;
use yanshi_domain::ids::{ClassId, DutyPostId, SchoolId, TermId, TurnId, UserId};
use yanshi_domain::school::parse_clock;
use yanshi_i18n::{Args, Message};

yanshi_domain::text_enum! {
    /// How a turn came to be.
    pub enum TurnSource {
        Generated = "GENERATED" => "ui-duty-source-generated",
        /// A leader's edit by hand.
        Hand = "HAND" => "ui-duty-source-hand",
        /// 换班: taken over in an approved swap.
        Swap = "SWAP" => "ui-duty-source-swap",
        /// 代班: covering for someone absent.
        Cover = "COVER" => "ui-duty-source-cover",
    }
    parse -> Option;
}

/// One person on one post (or covering a class's care) on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub id: TurnId,
    pub day: Date,
    pub kind: PostKind,
    pub post: Option<DutyPostId>,
    pub class: Option<ClassId>,
    /// The post's name, or the class's (三年级二班) for a care cover.
    pub place: String,
    /// A post's hours; a care cover's are the grade's service times (not known here).
    pub starts: Option<Time>,
    pub ends: Option<Time>,
    pub user_id: UserId,
    pub user_name: String,
    pub source: TurnSource,
    pub covers: Option<(UserId, String)>,
}

pub(crate) const TURN_SELECT: &str = "SELECT t.id, t.day, t.post_id, t.class_id, t.user_id, u.display_name, t.source, t.covers_user_id, cu.display_name AS covers_name, \
     p.kind, p.name AS post_name, p.starts, p.ends, c.grade, c.number \
     FROM duty_turns t JOIN users u ON u.id = t.user_id LEFT JOIN users cu ON cu.id = t.covers_user_id \
     LEFT JOIN duty_posts p ON p.id = t.post_id LEFT JOIN classes c ON c.id = t.class_id";

pub(crate) fn turn_from_row(r: &sqlx::any::AnyRow) -> Result<Turn> {
    let id: String = r.try_get("id")?;
    let corrupt = |col: &str| StoreError::Corrupt(format!("duty_turns.{col} of {id}"));
    let day: String = r.try_get("day")?;
    let post: Option<String> = r.try_get("post_id")?;
    let kind = match &post {
        Some(_) => {
            let k: String = r.try_get("kind")?;
            PostKind::from_code(&k).ok_or_else(|| corrupt("kind"))?
        }
        None => PostKind::Care,
    };
    let place = match &post {
        Some(_) => r.try_get("post_name")?,
        None => crate::afternoon::class_name(r.try_get("grade")?, r.try_get("number")?).unwrap_or_default(),
    };
    let clock = |col: &str| -> Result<Option<Time>> {
        let s: Option<String> = r.try_get(col)?;
        s.map(|s| parse_clock(&s).map_err(|_| corrupt(col))).transpose()
    };
    let source: String = r.try_get("source")?;
    let covers: Option<String> = r.try_get("covers_user_id")?;
    Ok(Turn {
        day: parse_date(&day).ok_or_else(|| corrupt("day"))?,
        kind,
        post: post.map(DutyPostId::from_db),
        class: r.try_get::<Option<String>, _>("class_id")?.map(ClassId::from_db),
        place,
        starts: clock("starts")?,
        ends: clock("ends")?,
        user_id: UserId::from_db(r.try_get("user_id")?),
        user_name: r.try_get("display_name")?,
        source: TurnSource::from_code(&source).ok_or_else(|| corrupt("source"))?,
        covers: covers
            .map(|c| {
                Ok::<_, StoreError>((
                    UserId::from_db(c),
                    r.try_get::<Option<String>, _>("covers_name")?.unwrap_or_default(),
                ))
            })
            .transpose()?,
        id: TurnId::from_db(id),
    })
}

/// The school's local date now.
pub(crate) async fn today(store: &Store, school: &SchoolId, now: OffsetDateTime) -> Result<Date> {
    let s = store.school(school).await?;
    Ok(yanshi_domain::school_time::local(now, &s.time_zone).date())
}

impl Store {
    /// A term's turns between two days (inclusive), the draft or the published roster, by day,
    /// post and name.
    pub async fn duty_turns(&self, term: &TermId, published: bool, from: Date, to: Date) -> Result<Vec<Turn>> {
        let sql = format!(
            "{TURN_SELECT} WHERE t.term_id = $1 AND t.published = $2 AND t.day >= $3 AND t.day <= $4 ORDER BY t.day, p.kind, p.name, c.grade, c.number, u.display_name"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(term.to_string())
            .bind(i64::from(published))
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(turn_from_row).collect()
    }

    /// One person's published turns between two days.
    pub async fn my_duty_turns(&self, user: &UserId, from: Date, to: Date) -> Result<Vec<Turn>> {
        let sql =
            format!("{TURN_SELECT} WHERE t.user_id = $1 AND t.published = 1 AND t.day >= $2 AND t.day <= $3 ORDER BY t.day, p.starts");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(user.to_string())
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(turn_from_row).collect()
    }

    /// Who is on duty at a school on a day (published): the door page and the alerts read it.
    pub async fn on_duty(&self, school: &SchoolId, day: Date) -> Result<Vec<Turn>> {
        let sql =
            format!("{TURN_SELECT} WHERE t.school_id = $1 AND t.published = 1 AND t.day = $2 ORDER BY p.kind, p.name, u.display_name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(school.to_string())
            .bind(day.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(turn_from_row).collect()
    }

    pub async fn duty_turn(&self, id: &TurnId) -> Result<(Turn, SchoolId, TermId, bool)> {
        let sql = format!("{TURN_SELECT} WHERE t.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(
            sql.replace("SELECT t.id,", "SELECT t.school_id, t.term_id, t.published, t.id,"),
        ))
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((
            turn_from_row(&row)?,
            SchoolId::from_db(row.try_get("school_id")?),
            TermId::from_db(row.try_get("term_id")?),
            row.try_get::<i64, _>("published")? != 0,
        ))
    }

    /// A leader places someone on a post on a day of the draft. The person must be able to take
    /// it (role, not excluded, not unavailable, not on another post then, within the weekly
    /// limit; a volunteer only beside staff), checked as the generator checks.
    pub async fn assign_duty_turn(
        &self,
        who: &User,
        term: &TermId,
        day: Date,
        post: &DutyPostId,
        person: &UserId,
        now: OffsetDateTime,
    ) -> Result<TurnId> {
        let t = self.term(term).await?;
        must_manage(who, &t.school_id)?;
        let post = self.duty_post(&t.school_id, post).await?;
        if day < t.dates.first_service_day || day > t.dates.last_service_day {
            return Err(Invalid::new("day", "err-duty-day-outside-term").into());
        }
        if day < today(self, &t.school_id, now).await? {
            return Err(Invalid::new("day", "err-duty-day-past").into());
        }
        let problem = self.duty_check_one(&t, day, &post, person, false).await?;
        if let Some(key) = problem {
            return Err(Invalid::new("person", key).into());
        }
        let at = to_millis(now);
        let id = TurnId::new();
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO duty_turns (id, school_id, term_id, day, slot, post_id, class_id, user_id, published, source, covers_user_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $5, NULL, $6, 0, 'HAND', NULL, $7, $8)",
        )
        .bind(id.to_string())
        .bind(t.school_id.to_string())
        .bind(term.to_string())
        .bind(day.to_string())
        .bind(post.id.to_string())
        .bind(person.to_string())
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)
        .map_err(|e| match e {
            StoreError::Conflict(_) => Invalid::new("person", "err-duty-already-on-post").into(),
            e => e,
        })?;
        mark_draft_changed(&mut tx, term, at).await?;
        let details = json!({ "day": day.to_string(), "post": post.spec.name, "user": person.to_string() });
        tx.commit(
            Some(&t.school_id),
            &Actor::User(who.id.clone()),
            "duty.assign",
            id.as_str(),
            details,
            at,
        )
        .await?;
        Ok(id)
    }

    /// A leader takes a turn off the draft. A post may not be left to volunteers alone.
    pub async fn remove_duty_turn(&self, who: &User, turn: &TurnId, now: OffsetDateTime) -> Result<()> {
        let (t, school, term, published) = self.duty_turn(turn).await?;
        must_manage(who, &school)?;
        if published {
            return Err(StoreError::NotFound);
        }
        if t.day < today(self, &school, now).await? {
            return Err(Invalid::new("day", "err-duty-day-past").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM duty_turns WHERE id = $1 AND published = 0")
            .bind(turn.to_string())
            .execute(&mut *tx)
            .await?;
        if let Some(post) = &t.post {
            let left: Vec<String> = sqlx::query_scalar(
                "SELECT u.role FROM duty_turns t JOIN users u ON u.id = t.user_id WHERE t.term_id = $1 AND t.published = 0 AND t.day = $2 AND t.post_id = $3",
            )
            .bind(term.to_string())
            .bind(t.day.to_string())
            .bind(post.to_string())
            .fetch_all(&mut *tx)
            .await?;
            if !left.is_empty() && left.iter().all(|r| r == "volunteer") {
                return Err(Invalid::new("turn", "err-duty-volunteer-alone").into());
            }
        }
        mark_draft_changed(&mut tx, &term, at).await?;
        let details = json!({ "day": t.day.to_string(), "post": t.place, "user": t.user_id.to_string() });
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "duty.unassign",
            turn.as_str(),
            details,
            at,
        )
        .await
    }

    /// Publishes the draft: from today on, the published roster becomes the draft's (the past
    /// never changes), and everyone with a turn ahead is told.
    pub async fn publish_roster(&self, who: &User, term: &TermId, now: OffsetDateTime) -> Result<usize> {
        let t = self.term(term).await?;
        must_manage(who, &t.school_id)?;
        let today = today(self, &t.school_id, now).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let drafted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM duty_turns WHERE term_id = $1 AND published = 0 AND day >= $2")
            .bind(term.to_string())
            .bind(today.to_string())
            .fetch_one(&mut *tx)
            .await?;
        if drafted == 0 {
            return Err(Invalid::new("roster", "err-duty-nothing-to-publish").into());
        }
        // Swaps still waiting on turns the new roster replaces lapse: their turns are gone.
        sqlx::query("UPDATE duty_swaps SET status = 'LAPSED', decided_at = $3 WHERE term_id = $1 AND status IN ('PROPOSED', 'ACCEPTED') AND turn_id IN (SELECT id FROM duty_turns WHERE term_id = $1 AND published = 1 AND day >= $2)")
            .bind(term.to_string())
            .bind(today.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM duty_turns WHERE term_id = $1 AND published = 1 AND day >= $2")
            .bind(term.to_string())
            .bind(today.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO duty_turns (id, school_id, term_id, day, slot, post_id, class_id, user_id, published, source, covers_user_id, created_by, created_at) \
             SELECT id || '-p', school_id, term_id, day, slot, post_id, class_id, user_id, 1, source, covers_user_id, $3, $4 FROM duty_turns WHERE term_id = $1 AND published = 0 AND day >= $2",
        )
        .bind(term.to_string())
        .bind(today.to_string())
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let people: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT user_id FROM duty_turns WHERE term_id = $1 AND published = 1 AND day >= $2 ORDER BY user_id",
        )
        .bind(term.to_string())
        .bind(today.to_string())
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("UPDATE duty_rosters SET published_at = $2, published_by = $3, draft_changed = 0 WHERE term_id = $1")
            .bind(term.to_string())
            .bind(at)
            .bind(who.id.to_string())
            .execute(&mut *tx)
            .await?;
        let told = people.len();
        let notice = Notice::new(
            &t.school_id,
            people.into_iter().map(UserId::from_db).collect(),
            Message::new(
                "msg-duty-published",
                Args::new().text("term", t.name.clone()).text("from", today.to_string()),
            ),
            false,
        );
        enqueue(tx.tx(), &notice, at).await?;
        let details = json!({ "from": today.to_string(), "turns": drafted, "told": told });
        tx.commit(
            Some(&t.school_id),
            &Actor::User(who.id.clone()),
            "duty.publish",
            term.as_str(),
            details,
            at,
        )
        .await?;
        Ok(told)
    }
}

/// Notes that the draft differs from the published roster (the page offers 发布).
pub(crate) async fn mark_draft_changed(tx: &mut crate::write::Write, term: &TermId, at: i64) -> Result<()> {
    let _ = at;
    sqlx::query("UPDATE duty_rosters SET draft_changed = 1 WHERE term_id = $1")
        .bind(term.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
