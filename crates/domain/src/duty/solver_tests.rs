//! The roster solver against a checker of every hard rule, hand-known optima, a brute force on
//! tiny problems and random problems.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use time::macros::{date, time};
use time::{Date, Duration, Time};

use super::solver::LpSolver;
use super::{Person, Problem, RosterSolver, ShortReason, Slot, Solution};

fn slot(day: Date, start: Time, end: Time, needs: u8, eligible: &[usize]) -> Slot {
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

fn staff(n: usize, max: Option<u8>) -> Vec<Person> {
    vec![
        Person {
            max_per_week: max,
            volunteer: false
        };
        n
    ]
}

const MON: Date = date!(2026 - 03 - 02);

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
fn verify(problem: &Problem, sol: &Solution) -> Result<usize, String> {
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

fn check(problem: &Problem, sol: &Solution) -> usize {
    verify(problem, sol).unwrap_or_else(|e| panic!("{e}\n{problem:?}\n{sol:?}"))
}

fn solve(problem: &Problem) -> (Solution, usize) {
    let sol = LpSolver::new().solve(problem).unwrap();
    let covered = check(problem, &sol);
    (sol, covered)
}

fn decompose(problem: &Problem) -> (Solution, usize) {
    let sol = LpSolver { always_decompose: true }.solve(problem).unwrap();
    let covered = check(problem, &sol);
    (sol, covered)
}

/// The best (most covered, least spread, fewest changes) by trying every roster.
fn brute(problem: &Problem) -> (usize, u64, u32) {
    let mut best = None;
    let mut placed: Vec<Vec<usize>> = problem.slots.iter().map(|s| s.fixed.clone()).collect();
    fn go(problem: &Problem, s: usize, placed: &mut Vec<Vec<usize>>, best: &mut Option<(usize, u64, u32)>) {
        if s == problem.slots.len() {
            let sol = evaluate(problem, placed);
            if let Some((covered, spread, changes)) = sol {
                let key = (usize::MAX - covered, spread, changes);
                if best.is_none_or(|b| key < (usize::MAX - b.0, b.1, b.2)) {
                    *best = Some((covered, spread, changes));
                }
            }
            return;
        }
        let slot = &problem.slots[s];
        let mut cands: Vec<usize> = slot.eligible.iter().copied().filter(|p| !slot.fixed.contains(p)).collect();
        cands.sort_unstable();
        cands.dedup();
        let seats = (slot.needs as usize).saturating_sub(slot.fixed.len());
        for mask in 0u32..(1 << cands.len()) {
            if mask.count_ones() as usize > seats {
                continue;
            }
            let base = placed[s].len();
            placed[s].extend(cands.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, p)| *p));
            go(problem, s + 1, placed, best);
            placed[s].truncate(base);
        }
    }
    go(problem, 0, &mut placed, &mut best);
    best.unwrap_or_else(|| {
        let empty: Vec<Vec<usize>> = problem.slots.iter().map(|s| s.fixed.clone()).collect();
        let sol = LpSolver::new().solve(problem).unwrap();
        panic!("no roster at all: {:?} / {:?}", verify(problem, &sol), empty)
    })
}

/// (covered, spread, changes) of a full roster, or `None` when it breaks a rule.
fn evaluate(problem: &Problem, placed: &[Vec<usize>]) -> Option<(usize, u64, u32)> {
    let short = placed
        .iter()
        .enumerate()
        .filter(|(i, l)| l.len() < problem.slots[*i].needs as usize)
        .map(|(i, l)| super::Short {
            slot: i,
            missing: problem.slots[i].needs - l.len() as u8,
            reason: ShortReason::LimitsReached,
        })
        .collect();
    let mut loads = vec![0; problem.people.len()];
    for (s, l) in placed.iter().enumerate() {
        for &p in l {
            loads[p] += problem.slots[s].load();
        }
    }
    let sol = Solution {
        placed: placed.to_vec(),
        short,
        loads,
        spread: 0,
        changes: 0,
        spread_bound: 0,
    };
    let mut sol = sol;
    let n = problem.people.len();
    let pool: Vec<u64> = (0..n)
        .filter(|p| problem.slots.iter().any(|s| s.eligible.contains(p)))
        .map(|p| sol.loads[p])
        .collect();
    sol.spread = pool.iter().max().map_or(0, |hi| hi - pool.iter().min().unwrap());
    let prev: HashSet<_> = problem.previous.iter().collect();
    sol.changes = prev.iter().filter(|(s, p)| !sol.placed[*s].contains(p)).count() as u32;
    let covered = verify(problem, &sol).ok()?;
    Some((covered, sol.spread, sol.changes))
}

fn day(n: i64) -> Date {
    MON + Duration::days(n)
}

#[test]
fn equal_turns_share_evenly() {
    let problem = Problem {
        people: staff(2, None),
        slots: (0..4).map(|d| slot(day(d), time!(15:30), time!(16:30), 1, &[0, 1])).collect(),
        previous: vec![],
    };
    let (sol, covered) = solve(&problem);
    assert_eq!((covered, sol.spread, sol.spread_bound), (4, 0, 0));
    assert_eq!(sol.loads, vec![120, 120]);
}

#[test]
fn odd_turns_leave_one_turn_of_spread_and_prove_it() {
    let problem = Problem {
        people: staff(2, None),
        slots: (0..3).map(|d| slot(day(d), time!(15:30), time!(16:30), 1, &[0, 1])).collect(),
        previous: vec![],
    };
    for (sol, covered) in [solve(&problem), decompose(&problem)] {
        assert_eq!((covered, sol.spread, sol.spread_bound), (3, 60, 60));
    }
}

#[test]
fn lengths_combine_to_an_even_split() {
    // 90 | 60 + 30: the only split with no spread.
    let slots = vec![
        slot(day(0), time!(15:30), time!(17:00), 1, &[0, 1]),
        slot(day(1), time!(15:30), time!(16:30), 1, &[0, 1]),
        slot(day(2), time!(17:30), time!(18:00), 1, &[0, 1]),
    ];
    let problem = Problem {
        people: staff(2, None),
        slots,
        previous: vec![],
    };
    for (sol, covered) in [solve(&problem), decompose(&problem)] {
        assert_eq!((covered, sol.spread, sol.spread_bound), (3, 0, 0));
    }
}

#[test]
fn a_heavier_post_weighs_more() {
    let mut leader = slot(day(0), time!(15:30), time!(16:30), 1, &[0]);
    leader.weight_permille = 2000;
    let problem = Problem {
        people: staff(2, None),
        slots: vec![
            leader,
            slot(day(1), time!(15:30), time!(16:30), 1, &[0, 1]),
            slot(day(2), time!(15:30), time!(16:30), 1, &[0, 1]),
        ],
        previous: vec![],
    };
    let (sol, _) = solve(&problem);
    assert_eq!(sol.loads, vec![120, 120]);
    assert_eq!(sol.placed[0], vec![0]);
}

#[test]
fn no_two_posts_at_once_and_fixed_turns_count() {
    // Person 0 is fixed on the hallway; the gate overlaps it, so only 1 may take the gate.
    let mut hallway = slot(day(0), time!(15:30), time!(17:30), 1, &[0, 1]);
    hallway.fixed = vec![0];
    let gate = slot(day(0), time!(16:45), time!(18:00), 1, &[0, 1]);
    let waiting = slot(day(0), time!(17:30), time!(18:00), 1, &[0]);
    let problem = Problem {
        people: staff(2, None),
        slots: vec![hallway, gate, waiting],
        previous: vec![],
    };
    for (sol, covered) in [solve(&problem), decompose(&problem)] {
        assert_eq!(covered, 2);
        assert_eq!(sol.placed, vec![vec![0], vec![1], vec![0]]);
    }
}

#[test]
fn weekly_limit_leaves_a_post_short() {
    let mut people = staff(1, Some(2));
    people.push(Person {
        max_per_week: Some(0),
        volunteer: false,
    });
    let mut slots: Vec<Slot> = (0..3).map(|d| slot(day(d), time!(15:30), time!(16:30), 1, &[0, 1])).collect();
    slots[0].fixed = vec![0];
    slots[0].eligible = vec![0];
    let problem = Problem {
        people,
        slots,
        previous: vec![],
    };
    for (sol, covered) in [solve(&problem), decompose(&problem)] {
        assert_eq!(covered, 1, "one more turn this week for 0, none for 1");
        assert_eq!(sol.short.len(), 1);
        assert_eq!((sol.short[0].missing, sol.short[0].reason), (1, ShortReason::LimitsReached));
    }
}

#[test]
fn short_reasons_nobody_or_all_unavailable() {
    let mut away = slot(day(0), time!(15:30), time!(16:30), 2, &[]);
    away.unavailable = 3;
    let nobody = slot(day(0), time!(15:30), time!(16:30), 1, &[]);
    let mut half = slot(day(1), time!(15:30), time!(16:30), 3, &[0]);
    half.fixed = vec![1];
    let problem = Problem {
        people: staff(2, None),
        slots: vec![away, nobody, half],
        previous: vec![],
    };
    let (sol, covered) = solve(&problem);
    assert_eq!(covered, 1);
    let reasons: Vec<_> = sol.short.iter().map(|s| (s.slot, s.missing, s.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (0, 2, ShortReason::AllUnavailable),
            (1, 1, ShortReason::NobodyEligible),
            (2, 1, ShortReason::LimitsReached)
        ]
    );
}

#[test]
fn volunteers_are_never_alone_where_staff_is_needed() {
    let mut people = staff(1, None);
    people.push(Person {
        max_per_week: None,
        volunteer: true,
    });
    people.push(Person {
        max_per_week: None,
        volunteer: true,
    });
    let mut only_volunteers = slot(day(0), time!(15:30), time!(16:30), 2, &[1, 2]);
    only_volunteers.needs_staff = true;
    let mut with_staff = slot(day(1), time!(15:30), time!(16:30), 2, &[1, 2, 0]);
    with_staff.needs_staff = true;
    let problem = Problem {
        people,
        slots: vec![only_volunteers, with_staff],
        previous: vec![],
    };
    for (sol, _) in [solve(&problem), decompose(&problem)] {
        assert!(sol.placed[0].is_empty());
        assert_eq!(
            (sol.short[0].slot, sol.short[0].missing, sol.short[0].reason),
            (0, 2, ShortReason::NobodyEligible)
        );
        assert!(sol.placed[1].contains(&0));
        assert_eq!(sol.placed[1].len(), 2);
    }
}

#[test]
fn malformed_indices_are_refused() {
    let good = Problem {
        people: staff(1, None),
        slots: vec![slot(day(0), time!(15:30), time!(16:30), 1, &[0])],
        previous: vec![],
    };
    let mut bad_eligible = good.clone();
    bad_eligible.slots[0].eligible.push(1);
    let mut bad_fixed = good.clone();
    bad_fixed.slots[0].fixed = vec![0, 0];
    let mut bad_previous = good.clone();
    bad_previous.previous = vec![(1, 0)];
    for problem in [bad_eligible, bad_fixed, bad_previous] {
        assert!(matches!(LpSolver::new().solve(&problem), Err(super::SolveError::Malformed(_))));
    }
    assert!(LpSolver::new().solve(&Problem::default()).is_ok());
}

/// A deterministic mid-size term: 14 people, 3 weeks, 4 posts a day, some away.
fn term(seed: u64, people: usize, days: i64) -> Problem {
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

#[test]
fn an_unchanged_problem_regenerated_keeps_the_roster() {
    for problem in [term(7, 14, 15), term(3, 3, 2)] {
        let (first, _) = decompose(&problem);
        let mut again = problem.clone();
        again.previous = first
            .placed
            .iter()
            .enumerate()
            .flat_map(|(s, l)| l.iter().map(move |&p| (s, p)))
            .collect();
        let (second, _) = decompose(&again);
        assert_eq!(second.spread, first.spread);
        assert_eq!(second.changes, 0);
        let (exact, _) = solve(&again);
        assert_eq!(exact.spread, second.spread.min(exact.spread));
    }
}

#[test]
fn a_mid_size_term_is_covered_and_near_fair() {
    let (sol, covered) = decompose(&term(11, 14, 15));
    assert_eq!(covered, 15 * 5);
    assert!(sol.short.is_empty());
    // Within one turn of the longest post (proving optimality here is not reached yet).
    assert!(sol.spread <= 120, "{sol:?}");
}

fn tiny() -> impl Strategy<Value = Problem> {
    let person =
        (prop::option::of(0u8..3), prop::bool::weighted(0.25)).prop_map(|(max_per_week, volunteer)| Person { max_per_week, volunteer });
    let times = [
        (time!(15:30), time!(16:30)),
        (time!(16:00), time!(17:00)),
        (time!(16:30), time!(18:00)),
        (time!(15:30), time!(16:00)),
    ];
    (
        prop::collection::vec(person, 1..5),
        prop::collection::vec((0i64..9, 0usize..4, 0u8..3, 1u32..3, any::<u8>(), any::<u8>(), any::<bool>()), 1..5),
        any::<u16>(),
    )
        .prop_map(move |(people, raw, prev)| {
            let n = people.len();
            let slots: Vec<Slot> = raw
                .into_iter()
                .map(|(d, t, needs, weight, elig, fix, needs_staff)| {
                    let eligible: Vec<usize> = (0..n).filter(|p| elig & (1 << p) != 0).collect();
                    let fixed: Vec<usize> = (0..n).filter(|p| fix & (1 << p) != 0 && fix % 3 == 0).collect();
                    let mut s = slot(day(d), times[t].0, times[t].1, needs, &eligible);
                    s.weight_permille = weight * 500;
                    s.fixed = fixed.into_iter().take(needs as usize).collect();
                    s.needs_staff = needs_staff;
                    s
                })
                .collect();
            let previous = (0..slots.len())
                .flat_map(|s| (0..n).map(move |p| (s, p)))
                .filter(|&(s, p)| prev & (1 << ((s * 4 + p) % 16)) != 0)
                .collect();
            Problem { people, slots, previous }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tiny_problems_match_the_brute_force(problem in tiny()) {
        let best = brute(&problem);
        let (sol, covered) = solve(&problem);
        prop_assert_eq!((covered, sol.spread, sol.changes), best);
        let (sol, covered) = decompose(&problem);
        prop_assert!(covered <= best.0);
        prop_assert!(sol.spread_bound <= best.1);
    }

    #[test]
    fn random_terms_are_feasible_and_bounded(seed in 1u64.., people in 2usize..16, days in 1i64..12) {
        let (sol, _) = decompose(&term(seed, people, days));
        prop_assert!(sol.spread >= sol.spread_bound);
    }
}
