//! From the aggregate's counts to turns: one min-cost flow per kind of post (scarcest first),
//! then seats still free are filled and local moves (hand a turn over, swap two) lower the
//! spread while they can.

use std::collections::HashMap;

use super::aggregate::{Aggregate, Targets};
use super::balance;
use super::flow::Flow;
use super::{Prep, spread};

const STAFF_FIRST: i64 = 1 << 40;
const OVER_TARGET: i64 = 1 << 20;
const KEEP_PREVIOUS: i64 = 1 << 10;
const MAX_MOVES: usize = 5_000;

/// Placements (fixed ones not included) and the proven lower bound of the spread.
pub(crate) fn solve(prep: &Prep) -> (Vec<Vec<usize>>, u64) {
    let agg = Aggregate::build(prep);
    // Full cover first (the usual case); only when the aggregate cannot, ask how much it can.
    let full: usize = prep
        .seats
        .iter()
        .zip(&prep.open)
        .filter(|(_, o)| !o.is_empty())
        .map(|(s, _)| *s)
        .sum();
    let mut cover = Some(full);
    let mut targets = None;
    if let Some(a) = agg.as_ref().filter(|a| !a.integer) {
        let goal = honest(prep, a.relaxed_bound(full), true);
        let count = balance::balance(prep, a, goal);
        targets = Some(Targets { count, bound: goal });
    } else if let Some(a) = &agg {
        // The integer program proves the bound; the counts come from the search when it
        // reaches it (microlp may stop at its time limit with worse counts).
        targets = a.targets(full).map(|t| {
            let goal = honest(prep, t.bound, true);
            Targets {
                count: balance::balance(prep, a, goal),
                bound: t.bound,
            }
        });
        if targets.is_none() {
            cover = a.max_cover();
            targets = cover.and_then(|c| a.targets(c));
        }
    }
    let (group_of, groups) = match &agg {
        Some(a) => (a.group_of.clone(), a.groups),
        None => (vec![0; prep.slots()], 1),
    };
    let mut state = State::new(prep);
    flows(prep, &mut state, &group_of, groups, targets.as_ref());
    state.drop_lonely_volunteers(prep);
    state.fill(prep);
    let covered: usize = state.placed.iter().map(Vec::len).sum();
    let bound = match (&agg, cover, &targets) {
        (Some(_), Some(c), Some(t)) if covered >= c => t.bound,
        // Fewer seats covered than the aggregate could: its bound at our cover is the honest one.
        (Some(a), _, _) if a.integer => a.targets(covered).map_or(0, |t| t.bound),
        (Some(a), _, _) => a.relaxed_bound(covered),
        _ => 0,
    };
    let bound = honest(prep, bound, covered >= full);
    state.improve(prep, bound);
    (state.placed, bound)
}

/// A bound raised to what any roster's spread can be: loads differ by multiples of the gcd
/// of the open posts' loads (and the fixed loads' differences), and with every seat covered
/// the total is fixed, so a spread of 0 needs it to split evenly.
fn honest(prep: &Prep, bound: u64, full: bool) -> u64 {
    let pool: Vec<usize> = (0..prep.people()).filter(|&p| prep.pool[p]).collect();
    let Some(&first) = pool.first() else { return bound };
    let open = || (0..prep.slots()).filter(|&s| prep.seats[s] > 0 && !prep.open[s].is_empty());
    let mut step = open().fold(0, |g, s| gcd(g, prep.load[s]));
    for &p in &pool {
        step = gcd(step, prep.fixed_load[p].abs_diff(prep.fixed_load[first]));
    }
    if step == 0 {
        return bound;
    }
    let bound = bound.div_ceil(step) * step;
    if bound == 0 && full {
        let total: u128 = pool.iter().map(|&p| prep.fixed_load[p] as u128).sum::<u128>()
            + open().map(|s| prep.seats[s] as u128 * prep.load[s] as u128).sum::<u128>();
        let rest = (prep.fixed_load[first] % step) as u128;
        let units = (total - pool.len() as u128 * rest) / step as u128;
        if !units.is_multiple_of(pool.len() as u128) {
            return step;
        }
    }
    bound
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn flows(prep: &Prep, state: &mut State, group_of: &[usize], groups: usize, targets: Option<&Targets>) {
    let mut members = vec![Vec::new(); groups];
    for (s, &g) in group_of.iter().enumerate() {
        if prep.seats[s] > 0 && !prep.open[s].is_empty() {
            members[g].push(s);
        }
    }
    // Scarcest first: fewest candidates per seat.
    let mut order: Vec<usize> = (0..groups).collect();
    let scarcity = |g: usize| {
        let seats: usize = members[g].iter().map(|&s| prep.seats[s]).sum();
        let cands: usize = members[g].iter().map(|&s| prep.open[s].len()).sum();
        cands as f64 / seats.max(1) as f64
    };
    order.sort_by(|&a, &b| scarcity(a).total_cmp(&scarcity(b)));
    for g in order {
        let mut f = Flow::new(2);
        let (src, sink) = (0, 1);
        let mut person_day = HashMap::new();
        let mut person_week = HashMap::new();
        let mut person = HashMap::new();
        let mut arcs = Vec::new();
        for &s in &members[g] {
            let seats = prep.seats[s] as i64;
            let (staff, rest) = if prep.staff_needed[s] {
                let a = f.node();
                f.arc(src, a, 1, -STAFF_FIRST);
                let b = f.node();
                f.arc(src, b, seats - 1, 0);
                (Some(a), b)
            } else {
                let b = f.node();
                f.arc(src, b, seats, 0);
                (None, b)
            };
            for &p in &prep.open[s] {
                if !state.can_take(prep, p, s, None) {
                    continue;
                }
                let w = prep.week[s];
                let pd = *person_day.entry((p, prep.day[s])).or_insert_with(|| {
                    let pd = f.node();
                    let pw = *person_week.entry((p, w)).or_insert_with(|| {
                        let pw = f.node();
                        let pn = *person.entry(p).or_insert_with(|| {
                            let pn = f.node();
                            let target = targets.and_then(|t| t.count.get(&(p, g))).copied().unwrap_or(0);
                            f.arc(pn, sink, target as i64, 0);
                            f.arc(pn, sink, i64::MAX / 4, OVER_TARGET);
                            pn
                        });
                        let left = prep.cap(p, w).saturating_sub(state.used(p, w)).min(1 << 30);
                        f.arc(pw, pn, left as i64, 0);
                        pw
                    });
                    f.arc(pd, pw, 1, 0);
                    pd
                });
                let cost = if prep.previous.contains(&(s, p)) { -KEEP_PREVIOUS } else { 0 };
                arcs.push((s, p, f.arc(rest, pd, 1, cost)));
                if let Some(a) = staff.filter(|_| !prep.volunteer(p)) {
                    arcs.push((s, p, f.arc(a, pd, 1, cost)));
                }
            }
        }
        f.run(src, sink);
        for (s, p, arc) in arcs {
            if f.flow(arc) > 0 && !state.placed[s].contains(&p) {
                state.add(prep, s, p);
            }
        }
    }
}

struct State {
    placed: Vec<Vec<usize>>,
    used: HashMap<(usize, usize), usize>,
    loads: Vec<u64>,
    /// Previous turns not (yet) kept.
    lost: usize,
}

impl State {
    fn new(prep: &Prep) -> Self {
        State {
            placed: vec![Vec::new(); prep.slots()],
            used: HashMap::new(),
            loads: prep.fixed_load.clone(),
            lost: prep.previous.len(),
        }
    }

    fn used(&self, p: usize, w: usize) -> usize {
        self.used.get(&(p, w)).copied().unwrap_or(0)
    }

    /// May `p` take a seat on `s` (leaving slot `leaving` first, when swapping)?
    fn can_take(&self, prep: &Prep, p: usize, s: usize, leaving: Option<usize>) -> bool {
        if self.placed[s].contains(&p) || prep.open[s].binary_search(&p).is_err() {
            return false;
        }
        if prep.clashes[s].iter().any(|&t| Some(t) != leaving && self.placed[t].contains(&p)) {
            return false;
        }
        let w = prep.week[s];
        let freed = usize::from(leaving.is_some_and(|t| prep.week[t] == w));
        self.used(p, w).saturating_sub(freed) < prep.cap(p, w)
    }

    fn add(&mut self, prep: &Prep, s: usize, p: usize) {
        self.placed[s].push(p);
        *self.used.entry((p, prep.week[s])).or_default() += 1;
        self.loads[p] += prep.load[s];
        if prep.previous.contains(&(s, p)) {
            self.lost -= 1;
        }
    }

    fn remove(&mut self, prep: &Prep, s: usize, p: usize) {
        self.placed[s].retain(|&q| q != p);
        if let Some(u) = self.used.get_mut(&(p, prep.week[s])) {
            *u = u.saturating_sub(1);
        }
        self.loads[p] = self.loads[p].saturating_sub(prep.load[s]);
        if prep.previous.contains(&(s, p)) {
            self.lost += 1;
        }
    }

    /// Would slot `s` be left with volunteers only?
    fn lonely(&self, prep: &Prep, s: usize) -> bool {
        prep.staff_needed[s] && !self.placed[s].is_empty() && self.placed[s].iter().all(|&p| prep.volunteer(p))
    }

    fn drop_lonely_volunteers(&mut self, prep: &Prep) {
        for s in 0..prep.slots() {
            if self.lonely(prep, s) {
                for p in self.placed[s].clone() {
                    self.remove(prep, s, p);
                }
            }
        }
    }

    /// Free seats go to the least loaded who may take them (a non-volunteer first where needed).
    fn fill(&mut self, prep: &Prep) {
        for s in 0..prep.slots() {
            while self.placed[s].len() < prep.seats[s] {
                let need_staff = prep.staff_needed[s] && self.placed[s].is_empty();
                let best = prep.open[s]
                    .iter()
                    .copied()
                    .filter(|&p| !(need_staff && prep.volunteer(p)) && self.can_take(prep, p, s, None))
                    .min_by_key(|&p| self.loads[p]);
                match best {
                    Some(p) => self.add(prep, s, p),
                    None => break,
                }
            }
        }
    }

    /// (spread, how many sit at either end, previous turns lost): smaller is better.
    fn score(&self, prep: &Prep) -> (u64, usize, usize) {
        let spread = spread(&self.loads, &prep.pool);
        let pooled = || self.loads.iter().zip(&prep.pool).filter(|(_, p)| **p).map(|(l, _)| *l);
        let hi = pooled().max().unwrap_or(0);
        let lo = pooled().min().unwrap_or(0);
        let ends = pooled().filter(|&l| l == hi || l == lo).count();
        (spread, ends, self.lost)
    }

    /// Hand turns over and swap them while the score improves, until the spread is `target`.
    fn improve(&mut self, prep: &Prep, target: u64) {
        let mut score = self.score(prep);
        for _ in 0..MAX_MOVES {
            if score.0 <= target || !self.one_move(prep, &mut score) {
                return;
            }
        }
    }

    fn one_move(&mut self, prep: &Prep, score: &mut (u64, usize, usize)) -> bool {
        let pooled: Vec<usize> = (0..prep.people()).filter(|&p| prep.pool[p]).collect();
        let hi = pooled.iter().map(|&p| self.loads[p]).max().unwrap_or(0);
        let lo = pooled.iter().map(|&p| self.loads[p]).min().unwrap_or(0);
        let ends: Vec<usize> = pooled
            .iter()
            .copied()
            .filter(|&p| self.loads[p] == hi || self.loads[p] == lo)
            .collect();
        let turns: Vec<(usize, usize)> = (0..prep.slots())
            .flat_map(|s| self.placed[s].iter().map(move |&p| (s, p)))
            .collect();
        for &a in &ends {
            let mine: Vec<usize> = turns.iter().filter(|t| t.1 == a).map(|t| t.0).collect();
            for &s in &mine {
                for &b in &prep.open[s] {
                    if self.try_move(prep, score, |st| st.hand_over(prep, s, a, b)) {
                        return true;
                    }
                }
            }
            for &(s, b) in &turns {
                if b != a && self.try_move(prep, score, |st| st.hand_over(prep, s, b, a)) {
                    return true;
                }
            }
            for &s in &mine {
                for &(t, b) in &turns {
                    if b != a && prep.load[t] != prep.load[s] && self.try_move(prep, score, |st| st.swap(prep, s, a, t, b)) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Apply `change` (false: not allowed, nothing done); keep it if the score improves.
    fn try_move(
        &mut self,
        prep: &Prep,
        score: &mut (u64, usize, usize),
        change: impl FnOnce(&mut State) -> Option<Vec<(usize, usize, bool)>>,
    ) -> bool {
        let Some(undo) = change(self) else { return false };
        let new = self.score(prep);
        if new < *score {
            *score = new;
            return true;
        }
        for (s, p, added) in undo.into_iter().rev() {
            if added {
                self.remove(prep, s, p);
            } else {
                self.add(prep, s, p);
            }
        }
        false
    }

    /// `a` hands its turn on `s` to `b`. Returns the steps done (slot, person, added).
    fn hand_over(&mut self, prep: &Prep, s: usize, a: usize, b: usize) -> Option<Vec<(usize, usize, bool)>> {
        if a == b || !self.can_take(prep, b, s, None) {
            return None;
        }
        self.remove(prep, s, a);
        self.add(prep, s, b);
        let steps = vec![(s, a, false), (s, b, true)];
        if self.lonely(prep, s) {
            self.remove(prep, s, b);
            self.add(prep, s, a);
            return None;
        }
        Some(steps)
    }

    /// `a` on `s` and `b` on `t` trade turns.
    fn swap(&mut self, prep: &Prep, s: usize, a: usize, t: usize, b: usize) -> Option<Vec<(usize, usize, bool)>> {
        if s == t || self.placed[t].contains(&a) || self.placed[s].contains(&b) {
            return None;
        }
        if !self.can_take(prep, a, t, Some(s)) || !self.can_take(prep, b, s, Some(t)) {
            return None;
        }
        self.remove(prep, s, a);
        self.remove(prep, t, b);
        self.add(prep, t, a);
        self.add(prep, s, b);
        let steps = vec![(s, a, false), (t, b, false), (t, a, true), (s, b, true)];
        // The two may clash with each other's new turns only through the slots they left.
        let clash =
            prep.clashes[t].iter().any(|&u| self.placed[u].contains(&a)) || prep.clashes[s].iter().any(|&u| self.placed[u].contains(&b));
        let week = |st: &State, p: usize, slot: usize| st.used(p, prep.week[slot]) > prep.cap(p, prep.week[slot]);
        if clash || self.lonely(prep, s) || self.lonely(prep, t) || week(self, a, t) || week(self, b, s) {
            for (slot, p, added) in steps.into_iter().rev() {
                if added {
                    self.remove(prep, slot, p);
                } else {
                    self.add(prep, slot, p);
                }
            }
            return None;
        }
        Some(steps)
    }
}
