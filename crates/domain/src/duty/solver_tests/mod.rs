//! The roster solver against a checker of every hard rule, hand-known optima, a brute force on
//! tiny problems and random problems: the helpers and the checker here, the hand-known cases
//! in `rules`, the brute force and random problems in `random`.

mod random;
mod rules;

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use time::macros::{date, time};
use time::{Date, Duration, Time};

use super::solver::LpSolver;
use super::{Person, Problem, RosterSolver, ShortReason, Slot, Solution};

pub(super) fn slot(day: Date, start: Time, end: Time, needs: u8, eligible: &[usize]) -> Slot {
    Slot {
        day,
        start,
        end,
        needs,
        weight_permille: 1000,
        eligible: eligible.to_vec(),
        fixed: Vec::new(),
        needs_staff: false,
        unavailable: 0,
    }
}

pub(super) fn staff(n: usize, max: Option<u8>) -> Vec<Person> {
    vec![
        Person {
            max_per_week: max,
            volunteer: false
        };
        n
    ]
}

pub(super) const MON: Date = date!(2026 - 03 - 02);

macro_rules! ensure {
    ($c:expr) => { if !$c { return Err(stringify!($c).to_string()); } };
    ($c:expr, $($m:tt)+) => { if !$c { return Err(format!($($m)+)); } };
}
macro_rules! ensure_eq {
    ($a:expr, $b:expr) => { ensure!(($a) == ($b), "{:?} != {:?}", $a, $b) };
    ($a:expr, $b:expr, $($m:tt)+) => { ensure!(($a) == ($b), $($m)+) };
}

/// Every hard rule, checked on the solution alone; returns how many seats beyond the fixed are
/// covered.
pub(super) fn verify(problem: &Problem, sol: &Solution) -> Result<usize, String> {
    let n = problem.people.len();
    ensure_eq!(sol.placed.len(), problem.slots.len());
    ensure_eq!(sol.loads.len(), n);
    let mut loads = vec![0u64; n];
    let mut covered = 0;
    let mut by_day: HashMap<(usize, Date), Vec<usize>> = HashMap::new();
    let mut by_week: HashMap<(usize, (i32, u8)), (usize, usize)> = HashMap::new();
    let mut shorts = HashSet::new();
    for sh in &sol.short {
        ensure!(shorts.insert(sh.slot), "one short per slot");
        let s = &problem.slots[sh.slot];
        ensure_eq!(sh.missing as usize, (s.needs as usize).saturating_sub(sol.placed[sh.slot].len()));
    }
    for (i, (s, placed)) in problem.slots.iter().zip(&sol.placed).enumerate() {
        let distinct: HashSet<_> = placed.iter().collect();
        ensure_eq!(distinct.len(), placed.len(), "nobody twice on slot {i}");
        for p in &s.fixed {
            ensure!(placed.contains(p), "fixed kept on slot {i}");
        }
        let added: Vec<usize> = placed.iter().copied().filter(|p| !s.fixed.contains(p)).collect();
        for p in &added {
            ensure!(s.eligible.contains(p), "only the eligible on slot {i}");
        }
        ensure!(placed.len() <= (s.needs as usize).max(s.fixed.len()), "no more than needed on {i}");
        ensure_eq!(placed.len() < s.needs as usize, shorts.contains(&i), "short reported for {i}");
        // Fixed ones are kept as given; whoever the solver adds is never volunteers alone.
        if s.needs_staff && !added.is_empty() {
            ensure!(placed.iter().any(|&p| !problem.people[p].volunteer), "volunteers alone on {i}");
        }
        covered += added.len();
        let (y, w, _) = s.day.to_iso_week_date();
        for &p in placed {
            loads[p] += s.load();
            by_day.entry((p, s.day)).or_default().push(i);
            let e = by_week.entry((p, (y, w))).or_default();
            if s.fixed.contains(&p) { e.0 += 1 } else { e.1 += 1 }
        }
    }
    for ((p, _), list) in &by_day {
        for (k, &a) in list.iter().enumerate() {
            for &b in &list[k + 1..] {
                let both_fixed = problem.slots[a].fixed.contains(p) && problem.slots[b].fixed.contains(p);
                ensure!(
                    both_fixed || !problem.slots[a].overlaps(&problem.slots[b]),
                    "{p} on {a} and {b} at once"
                );
            }
        }
    }
    for ((p, _), (fixed, added)) in &by_week {
        if let Some(max) = problem.people[*p].max_per_week {
            ensure!(*added == 0 || fixed + added <= max as usize, "weekly limit of {p}");
        }
    }
    ensure_eq!(loads, sol.loads);
    let pool: Vec<u64> = (0..n)
        .filter(|p| problem.slots.iter().any(|s| s.eligible.contains(p)))
        .map(|p| loads[p])
        .collect();
    let spread = pool.iter().max().map_or(0, |hi| hi - pool.iter().min().unwrap());
    ensure_eq!(spread, sol.spread);
    ensure!(sol.spread_bound <= sol.spread);
    let prev: HashSet<_> = problem.previous.iter().collect();
    let changes = prev.iter().filter(|(s, p)| !sol.placed[*s].contains(p)).count();
    ensure_eq!(changes as u32, sol.changes);
    Ok(covered)
}

pub(super) fn check(problem: &Problem, sol: &Solution) -> usize {
    verify(problem, sol).unwrap_or_else(|e| panic!("{e}\n{problem:?}\n{sol:?}"))
}

pub(super) fn solve(problem: &Problem) -> (Solution, usize) {
    let sol = LpSolver::new().solve(problem).unwrap();
    let covered = check(problem, &sol);
    (sol, covered)
}

pub(super) fn decompose(problem: &Problem) -> (Solution, usize) {
    let sol = LpSolver { always_decompose: true }.solve(problem).unwrap();
    let covered = check(problem, &sol);
    (sol, covered)
}

pub(super) fn day(n: i64) -> Date {
    MON + Duration::days(n)
}

/// A deterministic mid-size term: 14 people, 3 weeks, 4 posts a day, some away.
pub(super) fn term(seed: u64, people: usize, days: i64) -> Problem {
    let mut rng = seed;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let posts = [
        (time!(15:30), time!(17:30), 2u8),
        (time!(16:45), time!(18:00), 1),
        (time!(17:30), time!(18:00), 1),
        (time!(15:30), time!(16:45), 1),
    ];
    let mut slots = Vec::new();
    for d in 0..days {
        for &(start, end, needs) in &posts {
            let eligible: Vec<usize> = (0..people).filter(|_| next() % 10 != 0).collect();
            slots.push(slot(day(d + d / 5 * 2), start, end, needs, &eligible));
        }
    }
    Problem {
        people: staff(people, Some(3)),
        slots,
        previous: vec![],
    }
}
