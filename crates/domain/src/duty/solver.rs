//! The roster solver: [`LpSolver`] (good_lp with the pure-Rust microlp).
//!
//! Goals, in order: cover as many seats as the rules allow, then the smallest spread of loads
//! (most − least loaded among those eligible somewhere), then as few changes to the previous
//! roster as possible.
//!
//! A small problem is one integer program with a binary per (slot, person), solved exactly.
//! A term's problem (100 staff × 95 days × 8 posts: 76,000 binaries) is far too large for
//! microlp, so it is split: [`aggregate`] solves a small integer program over how many turns of
//! each kind of post each person takes (its optimum is a proven lower bound for the spread,
//! being a relaxation), [`realise`] turns those counts into turns day by day with min-cost
//! flows and repairs what it could not realise by local moves; the reported spread is the
//! realised one, against the aggregate's bound.

mod aggregate;
mod balance;
mod exact;
mod flow;
mod lp;
mod realise;

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Problem, RosterSolver, Short, ShortReason, Solution, SolveError};

/// Up to this many (slot, person) pairs the whole problem is solved as one integer program.
const EXACT_PAIRS: usize = 48;

/// The roster generator on good_lp + microlp.
#[derive(Debug, Clone, Default)]
pub struct LpSolver {
    /// Force the decomposition even on small problems (tests compare both ways).
    pub(crate) always_decompose: bool,
}

impl LpSolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Variables and constraints of the aggregate model for `problem` (for the benchmark).
    pub fn aggregate_size(problem: &Problem) -> Option<(usize, usize)> {
        let prep = Prep::new(problem).ok()?;
        aggregate::Aggregate::build(&prep).map(|a| (a.vars(), a.constraints()))
    }
}

impl RosterSolver for LpSolver {
    fn solve(&self, problem: &Problem) -> Result<Solution, SolveError> {
        let prep = Prep::new(problem)?;
        if !self.always_decompose
            && prep.pairs() <= EXACT_PAIRS
            && let Some(placed) = exact::solve(&prep)
            && prep.feasible(&placed)
        {
            let mut solution = prep.evaluate(&placed);
            solution.spread_bound = solution.spread;
            return Ok(solution);
        }
        let (placed, bound) = realise::solve(&prep);
        let mut solution = prep.evaluate(&placed);
        // The bound is proven on a relaxation; it can never honestly exceed a spread we hold.
        solution.spread_bound = bound.min(solution.spread);
        Ok(solution)
    }
}

/// What every stage needs, checked and precomputed once.
pub(crate) struct Prep<'a> {
    pub problem: &'a Problem,
    /// Per slot: who may still be placed (eligible, deduplicated, not fixed there, not fixed
    /// on an overlapping post that day), sorted.
    pub open: Vec<Vec<usize>>,
    /// Per slot: the eligible ones before the overlap filter (for the reasons of a short).
    pub candidates: Vec<Vec<usize>>,
    /// Per slot: seats left after the fixed ones.
    pub seats: Vec<usize>,
    /// Per slot: a non-volunteer must be among those placed (no fixed one already is).
    pub staff_needed: Vec<bool>,
    /// Per slot: dense index of its day and of its ISO week.
    pub day: Vec<usize>,
    pub week: Vec<usize>,
    /// Per slot: the slots of the same day it overlaps.
    pub clashes: Vec<Vec<usize>>,
    /// Per slot: one turn's load.
    pub load: Vec<u64>,
    /// Per person: load of the fixed turns.
    pub fixed_load: Vec<u64>,
    /// Per person: counted in the spread (eligible for at least one slot).
    pub pool: Vec<bool>,
    /// (person, week) → turns still allowed that week; absent: no limit.
    pub week_cap: HashMap<(usize, usize), usize>,
    /// Previous turns, deduplicated.
    pub previous: HashSet<(usize, usize)>,
}

impl<'a> Prep<'a> {
    pub fn new(problem: &'a Problem) -> Result<Self, SolveError> {
        let n = problem.people.len();
        let bad = |what: String| Err(SolveError::Malformed(what));
        for (s, slot) in problem.slots.iter().enumerate() {
            if let Some(&p) = slot.eligible.iter().chain(&slot.fixed).find(|&&p| p >= n) {
                return bad(format!("slot {s} names person {p} of {n}"));
            }
            let distinct: HashSet<_> = slot.fixed.iter().collect();
            if distinct.len() != slot.fixed.len() {
                return bad(format!("slot {s} has a person fixed twice"));
            }
        }
        for &(s, p) in &problem.previous {
            if s >= problem.slots.len() || p >= n {
                return bad(format!("previous turn ({s}, {p}) out of range"));
            }
        }
        let mut days = BTreeMap::new();
        let mut weeks = BTreeMap::new();
        for slot in &problem.slots {
            let (y, w, _) = slot.day.to_iso_week_date();
            days.entry(slot.day).or_insert(0);
            weeks.entry((y, w)).or_insert(0);
        }
        for (i, v) in days.values_mut().enumerate() {
            *v = i;
        }
        for (i, v) in weeks.values_mut().enumerate() {
            *v = i;
        }
        let day: Vec<usize> = problem.slots.iter().map(|s| days[&s.day]).collect();
        let week: Vec<usize> = problem
            .slots
            .iter()
            .map(|s| {
                let (y, w, _) = s.day.to_iso_week_date();
                weeks[&(y, w)]
            })
            .collect();
        let mut by_day: Vec<Vec<usize>> = vec![Vec::new(); days.len()];
        for (s, &d) in day.iter().enumerate() {
            by_day[d].push(s);
        }
        let mut clashes = vec![Vec::new(); problem.slots.len()];
        for list in &by_day {
            for (i, &a) in list.iter().enumerate() {
                for &b in &list[i + 1..] {
                    if problem.slots[a].overlaps(&problem.slots[b]) {
                        clashes[a].push(b);
                        clashes[b].push(a);
                    }
                }
            }
        }
        let load: Vec<u64> = problem.slots.iter().map(|s| s.load()).collect();
        let mut fixed_load = vec![0u64; n];
        let mut fixed_week: HashMap<(usize, usize), usize> = HashMap::new();
        for (s, slot) in problem.slots.iter().enumerate() {
            for &p in &slot.fixed {
                fixed_load[p] = fixed_load[p].saturating_add(load[s]);
                *fixed_week.entry((p, week[s])).or_default() += 1;
            }
        }
        let mut pool = vec![false; n];
        let mut candidates = Vec::with_capacity(problem.slots.len());
        let mut open = Vec::with_capacity(problem.slots.len());
        let mut seats = Vec::with_capacity(problem.slots.len());
        let mut staff_needed = Vec::with_capacity(problem.slots.len());
        for (s, slot) in problem.slots.iter().enumerate() {
            let mut c: Vec<usize> = slot.eligible.iter().copied().filter(|p| !slot.fixed.contains(p)).collect();
            c.sort_unstable();
            c.dedup();
            for &p in &slot.eligible {
                pool[p] = true;
            }
            let o: Vec<usize> = c
                .iter()
                .copied()
                .filter(|&p| !clashes[s].iter().any(|&t| problem.slots[t].fixed.contains(&p)))
                .collect();
            candidates.push(c);
            open.push(o);
            seats.push((slot.needs as usize).saturating_sub(slot.fixed.len()));
            let fixed_staff = slot.fixed.iter().any(|&p| !problem.people[p].volunteer);
            staff_needed.push(slot.needs_staff && !fixed_staff);
        }
        let mut week_cap = HashMap::new();
        for (p, person) in problem.people.iter().enumerate() {
            if let Some(max) = person.max_per_week {
                for w in 0..weeks.len() {
                    let used = fixed_week.get(&(p, w)).copied().unwrap_or(0);
                    week_cap.insert((p, w), (max as usize).saturating_sub(used));
                }
            }
        }
        let previous = problem.previous.iter().copied().collect();
        Ok(Prep {
            problem,
            open,
            candidates,
            seats,
            staff_needed,
            day,
            week,
            clashes,
            load,
            fixed_load,
            pool,
            week_cap,
            previous,
        })
    }

    pub fn people(&self) -> usize {
        self.problem.people.len()
    }

    pub fn slots(&self) -> usize {
        self.problem.slots.len()
    }

    pub fn pairs(&self) -> usize {
        self.open.iter().map(Vec::len).sum()
    }

    pub fn volunteer(&self, p: usize) -> bool {
        self.problem.people[p].volunteer
    }

    /// Turns still allowed to `p` in week `w` (`usize::MAX`: no limit).
    pub fn cap(&self, p: usize, w: usize) -> usize {
        self.week_cap.get(&(p, w)).copied().unwrap_or(usize::MAX)
    }

    /// Are the placements (not the fixed ones) within every rule?
    pub fn feasible(&self, placed: &[Vec<usize>]) -> bool {
        if placed.len() != self.slots() {
            return false;
        }
        let mut per_week: HashMap<(usize, usize), usize> = HashMap::new();
        for (s, list) in placed.iter().enumerate() {
            if list.len() > self.seats[s] {
                return false;
            }
            let distinct: HashSet<_> = list.iter().collect();
            if distinct.len() != list.len() || list.iter().any(|p| self.open[s].binary_search(p).is_err()) {
                return false;
            }
            if self.staff_needed[s] && !list.is_empty() && list.iter().all(|&p| self.volunteer(p)) {
                return false;
            }
            for &p in list {
                if self.clashes[s].iter().any(|&t| placed[t].contains(&p)) {
                    return false;
                }
                let used = per_week.entry((p, self.week[s])).or_default();
                *used += 1;
                if *used > self.cap(p, self.week[s]) {
                    return false;
                }
            }
        }
        true
    }

    /// Loads, spread, changes and shorts of placements (the fixed ones added).
    pub fn evaluate(&self, placed: &[Vec<usize>]) -> Solution {
        let slots = &self.problem.slots;
        let mut loads = self.fixed_load.clone();
        let mut all = Vec::with_capacity(slots.len());
        let mut short = Vec::new();
        for (s, slot) in slots.iter().enumerate() {
            let mut list = slot.fixed.clone();
            list.extend(placed[s].iter().copied());
            for &p in &placed[s] {
                loads[p] = loads[p].saturating_add(self.load[s]);
            }
            let missing = (slot.needs as usize).saturating_sub(list.len());
            if missing > 0 {
                let staff_left = self.candidates[s].iter().any(|&p| !self.volunteer(p));
                let reason = if self.candidates[s].is_empty() {
                    if slot.unavailable > 0 {
                        ShortReason::AllUnavailable
                    } else {
                        ShortReason::NobodyEligible
                    }
                } else if self.staff_needed[s] && placed[s].is_empty() && !staff_left {
                    ShortReason::NobodyEligible
                } else {
                    ShortReason::LimitsReached
                };
                short.push(Short {
                    slot: s,
                    missing: missing.min(u8::MAX as usize) as u8,
                    reason,
                });
            }
            all.push(list);
        }
        let spread = spread(&loads, &self.pool);
        let changes = self.previous.iter().filter(|&&(s, p)| !all[s].contains(&p)).count() as u32;
        Solution {
            placed: all,
            short,
            loads,
            spread,
            changes,
            spread_bound: 0,
        }
    }
}

/// Most − least loaded among those in the pool (0 for an empty pool).
pub(crate) fn spread(loads: &[u64], pool: &[bool]) -> u64 {
    let mut it = loads.iter().zip(pool).filter(|(_, in_pool)| **in_pool).map(|(l, _)| *l);
    let Some(first) = it.next() else { return 0 };
    let (lo, hi) = it.fold((first, first), |(lo, hi), l| (lo.min(l), hi.max(l)));
    hi - lo
}
