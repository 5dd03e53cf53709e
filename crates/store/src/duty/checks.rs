//! The checks a hand edit, a swap and a cover make before placing someone: the generator's
//! rules for one person, one post, one day.

use super::generate::week_of;
use crate::{Result, Store, StoreError};
use time::Date;
use yanshi_domain::Invalid;
use yanshi_domain::duty::PostKind;
use yanshi_domain::ids::{TermId, UserId};
use yanshi_domain::role::Role;

impl Store {
    /// Can `person` take `post` on `day` in the term's draft? `None` if so, else the message key
    /// of why not — the checks the generator makes, for a leader's hand edit.
    pub(crate) async fn duty_check_one(
        &self,
        t: &crate::terms::Term,
        day: Date,
        post: &super::Post,
        person: &UserId,
        published: bool,
    ) -> Result<Option<&'static str>> {
        self.duty_check_one_ignoring(t, day, post, person, published, &[]).await
    }

    /// [`Store::duty_check_one`] as if the turns in `ignore` were not there: a swap or a cover
    /// checks the colleague as if the turns changing hands had already left.
    pub(crate) async fn duty_check_one_ignoring(
        &self,
        t: &crate::terms::Term,
        day: Date,
        post: &super::Post,
        person: &UserId,
        published: bool,
        ignore: &[&yanshi_domain::ids::TurnId],
    ) -> Result<Option<&'static str>> {
        let user = self.user(person).await.map_err(|_| Invalid::new("person", "err-duty-person"))?;
        if user.school_id.as_ref() != Some(&t.school_id) || user.disabled {
            return Ok(Some("err-duty-person"));
        }
        if !post.spec.admits(user.role) {
            return Ok(Some(if post.spec.kind == PostKind::Leader {
                "err-duty-post-leader-roles"
            } else {
                "err-duty-role"
            }));
        }
        let limits = self.duty_limits(&t.school_id).await?;
        let own = limits.iter().find(|l| &l.user_id == person);
        if own.is_some_and(|l| l.excluded) {
            return Ok(Some("err-duty-excluded"));
        }
        let unavailable = self.duty_unavailable(&t.school_id, Some(person)).await?;
        let absent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM duty_absences WHERE user_id = $1 AND day = $2 AND withdrawn_at IS NULL")
            .bind(person.to_string())
            .bind(day.to_string())
            .fetch_one(self.pool())
            .await?;
        if absent > 0 || unavailable.iter().any(|e| e.when.covers(day)) {
            return Ok(Some("err-duty-unavailable"));
        }
        let (y, w) = week_of(day);
        let monday = Date::from_iso_week_date(y, w, time::Weekday::Monday).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mine = self
            .duty_turns_of(&t.id, person, published, monday, monday + time::Duration::days(6))
            .await?
            .into_iter()
            .filter(|m| !ignore.contains(&&m.id))
            .collect::<Vec<_>>();
        if mine.iter().any(|m| m.day == day && m.post.as_ref() == Some(&post.id)) {
            return Ok(Some("err-duty-already-on-post"));
        }
        if mine
            .iter()
            .any(|m| m.day == day && m.starts.zip(m.ends).is_none_or(|(s, e)| s < post.spec.ends && post.spec.starts < e))
        {
            return Ok(Some("err-duty-overlap"));
        }
        let settings = self.duty_settings(&t.school_id).await?;
        let limit = own.and_then(|l| l.max_per_week).unwrap_or(settings.max_per_week);
        if mine.iter().filter(|m| m.post.is_some()).count() >= usize::from(limit) {
            return Ok(Some("err-duty-week-limit"));
        }
        if user.role == Role::Volunteer && !self.vetted_volunteers(&t.school_id, day).await?.contains(person) {
            return Ok(Some("err-plan-volunteer-unvetted"));
        }
        if user.role == Role::Volunteer {
            let staff: Vec<String> = sqlx::query_scalar(
                "SELECT t.id FROM duty_turns t JOIN users u ON u.id = t.user_id WHERE t.term_id = $1 AND t.published = $2 AND t.day = $3 AND t.post_id = $4 AND u.role <> 'volunteer'",
            )
            .bind(t.id.to_string())
            .bind(i64::from(published))
            .bind(day.to_string())
            .bind(post.id.to_string())
            .fetch_all(self.pool())
            .await?;
            if staff.iter().all(|id| ignore.iter().any(|i| i.as_str() == id)) {
                return Ok(Some("err-duty-volunteer-alone"));
            }
        }
        Ok(None)
    }

    /// One person's turns of a term between two days, draft or published.
    pub(crate) async fn duty_turns_of(
        &self,
        term: &TermId,
        person: &UserId,
        published: bool,
        from: Date,
        to: Date,
    ) -> Result<Vec<super::Turn>> {
        let sql = format!(
            "{} WHERE t.term_id = $1 AND t.user_id = $2 AND t.published = $3 AND t.day >= $4 AND t.day <= $5 ORDER BY t.day",
            super::turns::TURN_SELECT
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(term.to_string())
            .bind(person.to_string())
            .bind(i64::from(published))
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(super::turns::turn_from_row).collect()
    }
}
