//! 换班 — swaps of published turns: proposed from one's own turn to a colleague who could take
//! it, accepted or declined, withdrawn, approved or rejected by a leader (or standing once
//! accepted when the school says so). Applying one changes the published turn and its draft
//! twin in the transaction that records it; each step tells the next person.

use super::turns::today;
use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yanshi_domain::Invalid;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::duty::swap::{SwapStatus, SwapStep, SwapTaker, applies, next, note};
use yanshi_domain::ids::{SchoolId, SwapId, TermId, TurnId, UserId};
use yanshi_domain::policy::{Action, may};
use yanshi_i18n::{Args, Message};

use super::Turn;

/// A swap as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swap {
    pub id: SwapId,
    pub status: SwapStatus,
    pub turn_id: TurnId,
    /// The offered turn; `None` once it is gone (a new roster replaced it).
    pub turn: Option<Turn>,
    pub from: (UserId, String),
    pub to: (UserId, String),
    pub back_turn_id: Option<TurnId>,
    pub back_turn: Option<Turn>,
    pub note: String,
    pub proposed_at: OffsetDateTime,
}

/// The draft twin of a published turn: its id without the `-p`.
pub(crate) fn draft_twin(published: &TurnId) -> Option<&str> {
    published.as_str().strip_suffix("-p")
}

const SWAP_SELECT: &str = "SELECT s.id, s.school_id, s.term_id, s.turn_id, s.from_user, fu.display_name AS from_name, s.to_user, tu.display_name AS to_name, \
     s.back_turn_id, s.status, s.note, s.proposed_at FROM duty_swaps s JOIN users fu ON fu.id = s.from_user JOIN users tu ON tu.id = s.to_user";

struct Row_ {
    swap: Swap,
    school: SchoolId,
    term: TermId,
}

impl Store {
    async fn swap_from_row(&self, r: &sqlx::any::AnyRow) -> Result<Row_> {
        let id: String = r.try_get("id")?;
        let status: String = r.try_get("status")?;
        let status = SwapStatus::from_code(&status).ok_or_else(|| StoreError::Corrupt(format!("duty_swaps.status of {id}")))?;
        let turn_id = TurnId::from_db(r.try_get("turn_id")?);
        let back_turn_id = r.try_get::<Option<String>, _>("back_turn_id")?.map(TurnId::from_db);
        let turn = self.published_turn(&turn_id).await?;
        let back_turn = match &back_turn_id {
            Some(b) => self.published_turn(b).await?,
            None => None,
        };
        Ok(Row_ {
            school: SchoolId::from_db(r.try_get("school_id")?),
            term: TermId::from_db(r.try_get("term_id")?),
            swap: Swap {
                id: SwapId::from_db(id),
                status,
                turn_id,
                turn,
                from: (UserId::from_db(r.try_get("from_user")?), r.try_get("from_name")?),
                to: (UserId::from_db(r.try_get("to_user")?), r.try_get("to_name")?),
                back_turn_id,
                back_turn,
                note: r.try_get("note")?,
                proposed_at: from_millis(r.try_get("proposed_at")?),
            },
        })
    }

    /// A published turn, or `None` when there is no such row.
    async fn published_turn(&self, id: &TurnId) -> Result<Option<Turn>> {
        match self.duty_turn(id).await {
            Ok((turn, _, _, true)) => Ok(Some(turn)),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The school's swaps a person takes part in (or, `None`, all of them: the leaders'
    /// queue), open ones first, newest first; at most 200.
    pub async fn duty_swaps(&self, school: &SchoolId, person: Option<&UserId>) -> Result<Vec<Swap>> {
        let sql = format!(
            "{SWAP_SELECT} WHERE s.school_id = $1 AND ($2 = '' OR s.from_user = $2 OR s.to_user = $2) \
             ORDER BY CASE WHEN s.status IN ('PROPOSED', 'ACCEPTED') THEN 0 ELSE 1 END, s.proposed_at DESC, s.id DESC LIMIT 200"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(school.to_string())
            .bind(person.map(ToString::to_string).unwrap_or_default())
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(self.swap_from_row(r).await?.swap);
        }
        Ok(out)
    }

    pub async fn duty_swap(&self, id: &SwapId) -> Result<Swap> {
        Ok(self.swap_row(id).await?.swap)
    }

    async fn swap_row(&self, id: &SwapId) -> Result<Row_> {
        let sql = format!("{SWAP_SELECT} WHERE s.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        self.swap_from_row(&row).await
    }

    /// A teacher offers one of their own published turns (a post's, today or later) to a
    /// colleague who could take it, optionally asking for one of the colleague's turns back.
    pub async fn propose_duty_swap(
        &self,
        who: &User,
        turn: &TurnId,
        to: &UserId,
        back: Option<&TurnId>,
        note_text: &str,
        now: OffsetDateTime,
    ) -> Result<SwapId> {
        let (mine, school, term, published) = self.duty_turn(turn).await?;
        if !published || !may(&who.principal(), Action::TakeDuty, Some(&school)) || mine.user_id != who.id {
            return Err(StoreError::Forbidden("err-duty-swap-not-yours"));
        }
        let note_text = note(note_text)?;
        let today = today(self, &school, now).await?;
        let Some(post_id) = &mine.post else {
            return Err(Invalid::new("turn", "err-duty-swap-not-post").into());
        };
        if mine.day < today {
            return Err(Invalid::new("turn", "err-duty-day-past").into());
        }
        if to == &who.id {
            return Err(Invalid::new("to", "err-duty-swap-self").into());
        }
        let back_turn = match back {
            Some(b) => {
                let (theirs, s2, t2, p2) = self.duty_turn(b).await.map_err(|_| Invalid::new("back", "err-duty-swap-back"))?;
                if !p2 || s2 != school || t2 != term || &theirs.user_id != to || theirs.post.is_none() || theirs.day < today {
                    return Err(Invalid::new("back", "err-duty-swap-back").into());
                }
                Some(theirs)
            }
            None => None,
        };
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM duty_swaps WHERE turn_id = $1 AND status IN ('PROPOSED', 'ACCEPTED')")
            .bind(turn.to_string())
            .fetch_one(self.pool())
            .await?;
        if open > 0 {
            return Err(Invalid::new("turn", "err-duty-swap-open").into());
        }
        self.check_swap(&term, &school, turn, &mine, post_id, to, back_turn.as_ref())
            .await?;
        let at = to_millis(now);
        let id = SwapId::new();
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO duty_swaps (id, school_id, term_id, turn_id, from_user, to_user, back_turn_id, status, note, proposed_at, answered_at, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'PROPOSED', $8, $9, NULL, NULL, NULL)",
        )
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(term.to_string())
        .bind(turn.to_string())
        .bind(who.id.to_string())
        .bind(to.to_string())
        .bind(back.map(ToString::to_string))
        .bind(note_text)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let args = Args::new()
            .text("from", who.display_name.clone())
            .text("place", mine.place.clone())
            .text("day", mine.day.to_string());
        let notice = Notice::new(&school, vec![to.clone()], Message::new("msg-duty-swap-proposed", args), false);
        enqueue(tx.tx(), &notice, at).await?;
        let details = json!({
            "turn": turn.as_str(), "day": mine.day.to_string(), "place": mine.place, "to": to.as_str(),
            "back": back.map(|b| b.as_str().to_string()), "note": note_text,
        });
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "duty.swap_proposed",
            id.as_str(),
            details,
            at,
        )
        .await?;
        Ok(id)
    }

    /// Could the colleague take the offered turn (and the proposer the one asked back), as if
    /// both had already changed hands?
    #[allow(clippy::too_many_arguments)]
    async fn check_swap(
        &self,
        term: &TermId,
        school: &SchoolId,
        turn: &TurnId,
        mine: &Turn,
        post_id: &yanshi_domain::ids::DutyPostId,
        to: &UserId,
        back: Option<&Turn>,
    ) -> Result<()> {
        let cal = self.service_calendar(self.term(term).await?).await?;
        let mut ignore = vec![turn];
        if let Some(b) = back {
            ignore.push(&b.id);
        }
        let post = self.duty_post(school, post_id).await?;
        if let Some(key) = self.may_take_post(&cal, mine.day, &post, to, &ignore).await? {
            return Err(Invalid::new("to", key).into());
        }
        if let Some(b) = back {
            let back_post = self
                .duty_post(school, b.post.as_ref().ok_or_else(|| Invalid::new("back", "err-duty-swap-back"))?)
                .await?;
            if let Some(key) = self.may_take_post(&cal, b.day, &back_post, &mine.user_id, &ignore).await? {
                return Err(Invalid::new("back", key).into());
            }
        }
        Ok(())
    }

    /// One step of a swap by the person whose step it is (see `yanshi_domain::duty::swap`).
    /// A swap whose turn is past or gone lapses instead (and says so).
    pub async fn duty_swap_step(&self, who: &User, id: &SwapId, step: SwapStep, now: OffsetDateTime) -> Result<SwapStatus> {
        let Row_ { swap, school, term } = self.swap_row(id).await?;
        let leader = may(&who.principal(), Action::ManageDuty, Some(&school));
        if !leader && !may(&who.principal(), Action::TakeDuty, Some(&school)) {
            return Err(StoreError::Forbidden("err-duty-swap-not-yours"));
        }
        let taker = SwapTaker {
            proposer: swap.from.0 == who.id,
            colleague: swap.to.0 == who.id,
            leader,
        };
        let settings = self.duty_settings(&school).await?;
        let today = today(self, &school, now).await?;
        let holds = |t: &Option<Turn>, owner: &UserId| t.as_ref().is_some_and(|t| &t.user_id == owner && t.day >= today);
        let stale = !holds(&swap.turn, &swap.from.0) || (swap.back_turn_id.is_some() && !holds(&swap.back_turn, &swap.to.0));
        let step = if swap.status.is_open() && stale { SwapStep::Lapse } else { step };
        let to = next(swap.status, step, taker, settings.swaps_need_leader).map_err(|e| match e.key {
            "err-duty-swap-not-yours" => StoreError::Forbidden("err-duty-swap-not-yours"),
            _ => e.into(),
        })?;
        if applies(to) {
            let turn = swap.turn.as_ref().ok_or(StoreError::NotFound)?;
            let post = turn.post.as_ref().ok_or_else(|| Invalid::new("turn", "err-duty-swap-not-post"))?;
            self.check_swap(&term, &school, &swap.turn_id, turn, post, &swap.to.0, swap.back_turn.as_ref())
                .await?;
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let (answered, decided) = match step {
            SwapStep::Accept | SwapStep::Decline => (Some(at), to == SwapStatus::Approved),
            _ => (None, true),
        };
        let moved = sqlx::query(
            "UPDATE duty_swaps SET status = $1, answered_at = COALESCE($2, answered_at), decided_by = CASE WHEN $3 = 1 THEN $4 ELSE decided_by END, \
             decided_at = CASE WHEN $3 = 1 THEN $5 ELSE decided_at END WHERE id = $6 AND status = $7",
        )
        .bind(to.as_str())
        .bind(answered)
        .bind(i64::from(decided && step != SwapStep::Lapse))
        .bind(who.id.to_string())
        .bind(at)
        .bind(id.to_string())
        .bind(swap.status.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 0 {
            return Err(Invalid::new("swap", "err-duty-swap-step").into());
        }
        if applies(to) {
            hand_over(&mut tx, &swap.turn_id, &swap.from.0, &swap.to.0).await?;
            if let Some(back) = &swap.back_turn_id {
                hand_over(&mut tx, back, &swap.to.0, &swap.from.0).await?;
            }
        }
        let place = swap.turn.as_ref().map(|t| t.place.clone()).unwrap_or_default();
        let day = swap.turn.as_ref().map(|t| t.day.to_string()).unwrap_or_default();
        let args = || {
            Args::new()
                .text("from", swap.from.1.clone())
                .text("to", swap.to.1.clone())
                .text("place", place.clone())
                .text("day", day.clone())
        };
        let both = vec![swap.from.0.clone(), swap.to.0.clone()];
        let mut notices = Vec::new();
        match (step, to) {
            (SwapStep::Accept, SwapStatus::Accepted) => {
                notices.push((vec![swap.from.0.clone()], "msg-duty-swap-accepted"));
                let leaders = crate::afternoon::leaders_of(tx.tx(), &school).await?;
                notices.push((leaders, "msg-duty-swap-to-approve"));
            }
            (SwapStep::Accept | SwapStep::Approve, _) => notices.push((both, "msg-duty-swap-approved")),
            (SwapStep::Decline, _) => notices.push((vec![swap.from.0.clone()], "msg-duty-swap-declined")),
            (SwapStep::Withdraw, _) => notices.push((vec![swap.to.0.clone()], "msg-duty-swap-withdrawn")),
            (SwapStep::Reject, _) => notices.push((both, "msg-duty-swap-rejected")),
            (SwapStep::Lapse, _) => notices.push((both, "msg-duty-swap-lapsed")),
        }
        for (to_whom, key) in notices {
            let to_whom: Vec<UserId> = to_whom.into_iter().filter(|u| u != &who.id).collect();
            if !to_whom.is_empty() {
                enqueue(tx.tx(), &Notice::new(&school, to_whom, Message::new(key, args()), false), at).await?;
            }
        }
        let action = match step {
            SwapStep::Accept => "duty.swap_accepted",
            SwapStep::Decline => "duty.swap_declined",
            SwapStep::Withdraw => "duty.swap_withdrawn",
            SwapStep::Approve => "duty.swap_approved",
            SwapStep::Reject => "duty.swap_rejected",
            SwapStep::Lapse => "duty.swap_lapsed",
        };
        let details = json!({
            "from_status": swap.status.as_str(), "status": to.as_str(), "applied": applies(to),
            "turn": swap.turn_id.as_str(), "day": day, "place": place,
            "from": swap.from.0.as_str(), "to": swap.to.0.as_str(),
            "back": swap.back_turn_id.as_ref().map(|b| b.as_str().to_string()),
        });
        tx.commit(Some(&school), &Actor::User(who.id.clone()), action, id.as_str(), details, at)
            .await?;
        if step == SwapStep::Lapse {
            return Err(Invalid::new("swap", "err-duty-swap-lapsed").into());
        }
        Ok(to)
    }
}

impl Store {
    /// Open swaps whose turn is past or gone (a new roster replaced it) lapse, each told to
    /// both and audited; the pages and the API call it before they list swaps.
    pub async fn lapse_duty_swaps(&self, school: &SchoolId, now: OffsetDateTime) -> Result<usize> {
        let today = today(self, school, now).await?;
        let sql = format!("{SWAP_SELECT} WHERE s.school_id = $1 AND s.status IN ('PROPOSED', 'ACCEPTED')");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        let mut stale = Vec::new();
        for r in &rows {
            let Row_ { swap, .. } = self.swap_from_row(r).await?;
            let holds = |t: &Option<Turn>, owner: &UserId| t.as_ref().is_some_and(|t| &t.user_id == owner && t.day >= today);
            if !holds(&swap.turn, &swap.from.0) || (swap.back_turn_id.is_some() && !holds(&swap.back_turn, &swap.to.0)) {
                stale.push(swap);
            }
        }
        if stale.is_empty() {
            return Ok(0);
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let mut lapsed = 0;
        for swap in &stale {
            let moved = sqlx::query(
                "UPDATE duty_swaps SET status = 'LAPSED', decided_at = $1 WHERE id = $2 AND status IN ('PROPOSED', 'ACCEPTED')",
            )
            .bind(at)
            .bind(swap.id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                continue;
            }
            lapsed += 1;
            let place = swap.turn.as_ref().map(|t| t.place.clone()).unwrap_or_default();
            let day = swap.turn.as_ref().map(|t| t.day.to_string()).unwrap_or_default();
            let args = Args::new()
                .text("from", swap.from.1.clone())
                .text("to", swap.to.1.clone())
                .text("place", place.clone())
                .text("day", day.clone());
            let both = vec![swap.from.0.clone(), swap.to.0.clone()];
            enqueue(
                tx.tx(),
                &Notice::new(school, both, Message::new("msg-duty-swap-lapsed", args), false),
                at,
            )
            .await?;
            let details = json!({ "from_status": swap.status.as_str(), "status": "LAPSED", "turn": swap.turn_id.as_str(), "day": day, "place": place });
            tx.audit(Some(school), &Actor::System, "duty.swap_lapsed", swap.id.as_str(), details, at)
                .await?;
        }
        tx.commit_audited().await?;
        Ok(lapsed)
    }
}

/// Moves a published turn (and its draft twin, when the draft still has it) from one person
/// to the other, marked as a swap's.
async fn hand_over(tx: &mut crate::write::Write, turn: &TurnId, from: &UserId, to: &UserId) -> Result<()> {
    let moved = sqlx::query("UPDATE duty_turns SET user_id = $1, source = 'SWAP' WHERE id = $2 AND published = 1 AND user_id = $3")
        .bind(to.to_string())
        .bind(turn.to_string())
        .bind(from.to_string())
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from)
        .map_err(|e| match e {
            StoreError::Conflict(_) => Invalid::new("to", "err-duty-already-on-post").into(),
            e => e,
        })?
        .rows_affected();
    if moved != 1 {
        return Err(Invalid::new("swap", "err-duty-swap-lapsed").into());
    }
    if let Some(draft) = draft_twin(turn) {
        sqlx::query("UPDATE duty_turns SET user_id = $1, source = 'SWAP' WHERE id = $2 AND published = 0 AND user_id = $3")
            .bind(to.to_string())
            .bind(draft)
            .bind(from.to_string())
            .execute(&mut **tx)
            .await
            .map_err(StoreError::from)
            .map_err(|e| match e {
                StoreError::Conflict(_) => Invalid::new("to", "err-duty-already-on-post").into(),
                e => e,
            })?;
    }
    Ok(())
}
