//! 值班 — the duty roster (教师值班表), cover for an absent teacher (代班), and the rules the
//! generator respects. Pure: the store reads the posts, the people and their limits, builds a
//! [`Problem`], hands it to a [`RosterSolver`] and writes the [`Solution`] it gets back.
//!
//! A post is one job on one service day: a class's care (看护, from the session plan), hallway
//! order (楼道), the gate / hand-over point (校门), the waiting room for late pickups (等候室) and
//! the duty leader (值班领导, from the leadership group).

pub mod cover;
pub mod log;
pub mod post;
pub mod solver;
#[cfg(test)]
mod solver_tests;
pub mod swap;

use serde::{Deserialize, Serialize};
use time::{Date, Time};

crate::text_enum! {
    /// What a post is for.
    pub enum PostKind {
        /// 看护: a class's care, from its session plan.
        Care = "CARE" => "ui-duty-post-care",
        /// 楼道: keeping order in the hallways.
        Hallway = "HALLWAY" => "ui-duty-post-hallway",
        /// 校门: the gate, where children are handed over.
        Gate = "GATE" => "ui-duty-post-gate",
        /// 等候室: the room where children wait for a late pickup.
        WaitingRoom = "WAITING_ROOM" => "ui-duty-post-waiting-room",
        /// 值班领导: the leader on duty, who decides for late pickups.
        Leader = "LEADER" => "ui-duty-post-leader",
    }
    parse -> Invalid("kind", "err-duty-post-kind");
}

/// One post on one day, as the solver sees it: when it runs, how many it needs, how much one
/// turn weighs, and who may take it (already filtered by role, availability that day and
/// vetting). Indices point into [`Problem::people`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub day: Date,
    pub start: Time,
    pub end: Time,
    /// How many people the post needs that day.
    pub needs: u8,
    /// A turn's load is `minutes × weight_permille / 1000` (a leader's turn may weigh more).
    pub weight_permille: u32,
    /// Who may be placed here (role, availability, not excluded).
    pub eligible: Vec<usize>,
    /// Already placed and kept as they are (a care post's teacher from the session plan, a
    /// past day, a hand edit the leader pinned). Counted in loads and overlaps.
    pub fixed: Vec<usize>,
    /// At least one of those placed here must not be a volunteer (a volunteer is never the
    /// only adult with a group of children).
    pub needs_staff: bool,
    /// How many people who would otherwise be eligible said they cannot serve that day (they
    /// are not in `eligible`): when nobody is left, the post is short for
    /// [`ShortReason::AllUnavailable`] rather than [`ShortReason::NobodyEligible`].
    #[serde(default)]
    pub unavailable: u16,
}

impl Slot {
    /// One person's load for one turn of this post.
    pub fn load(&self) -> u64 {
        minutes(self.start, self.end) as u64 * self.weight_permille as u64 / 1000
    }

    /// Do two posts on the same day overlap in time (no two posts at once)?
    pub fn overlaps(&self, other: &Slot) -> bool {
        self.day == other.day && self.start < other.end && other.start < self.end
    }
}

/// One person the generator may place, with the limits the school set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// At most this many turns in one ISO week (`None`: no limit).
    pub max_per_week: Option<u8>,
    /// A volunteer: never the only one on a post that `needs_staff`.
    pub volunteer: bool,
}

/// What the generator is asked to fill.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Problem {
    pub people: Vec<Person>,
    pub slots: Vec<Slot>,
    /// The published roster's turns `(slot, person)`: when it is regenerated mid-term, as few
    /// of them as possible change (after fairness).
    pub previous: Vec<(usize, usize)>,
}

/// Why a post on a day could not be filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShortReason {
    /// Nobody holds the post's role requirement (or every such person is excluded).
    NobodyEligible,
    /// Everyone eligible said they cannot serve that day.
    AllUnavailable,
    /// Those eligible are at their weekly limit or on another post at that time.
    LimitsReached,
}

impl ShortReason {
    pub fn key(self) -> &'static str {
        match self {
            ShortReason::NobodyEligible => "ui-duty-short-nobody-eligible",
            ShortReason::AllUnavailable => "ui-duty-short-all-unavailable",
            ShortReason::LimitsReached => "ui-duty-short-limits",
        }
    }
}

/// A post left short: which slot, how many are missing, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Short {
    pub slot: usize,
    pub missing: u8,
    pub reason: ShortReason,
}

/// What the generator returns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Solution {
    /// Per slot, who is placed (the fixed ones included).
    pub placed: Vec<Vec<usize>>,
    /// Posts that could not be filled; empty when every post is covered.
    pub short: Vec<Short>,
    /// Each person's load (weighted minutes) over the problem's days.
    pub loads: Vec<u64>,
    /// Most-loaded minus least-loaded among people eligible for at least one slot.
    pub spread: u64,
    /// How many previous turns were not kept.
    pub changes: u32,
    /// The lower bound the solver proved for the spread (equal to `spread` when optimal).
    pub spread_bound: u64,
}

/// The generator behind a small trait, so the store does not know which solver runs.
pub trait RosterSolver {
    fn solve(&self, problem: &Problem) -> Result<Solution, SolveError>;
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SolveError {
    /// The problem is malformed (an index out of range): a programming error upstream.
    #[error("malformed roster problem: {0}")]
    Malformed(String),
    /// The solver gave up (time or an internal failure).
    #[error("the roster solver failed: {0}")]
    Failed(String),
}

/// Whole minutes from `start` to `end` (0 when `end` is not after `start`).
pub fn minutes(start: Time, end: Time) -> u32 {
    let d = end - start;
    if d.is_negative() { 0 } else { d.whole_minutes() as u32 }
}
