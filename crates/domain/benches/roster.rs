//! The duty roster at a term's scale: 100 staff (8 of them leaders) × 95 service days × 8
//! seats on 6 posts a day, about 10%
//! away each day, at most 3 turns a week. Prints the aggregate model's size, the solver's
//! median time, the spread against its proven bound, shorts; then a regeneration with the
//! first roster as `previous` and 5% more away, printing the changes.
//!
//!     cargo bench -p yanshi-domain --bench roster

use std::time::{Duration, Instant};

use time::macros::{date, time};
use time::{Date, Time};
use yanshi_domain::duty::solver::LpSolver;
use yanshi_domain::duty::{Person, Problem, RosterSolver, Slot};

const STAFF: usize = 100;
const LEADERS: usize = 8;
const DAYS: usize = 95;
const RUNS: usize = 5;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// (start, end, needs, weight‰, leaders only)
const POSTS: [(Time, Time, u8, u32, bool); 6] = [
    (time!(15:30), time!(17:30), 2, 1000, false), // 楼道 hallway ×2
    (time!(16:45), time!(18:00), 2, 1000, false), // 校门 gate ×2
    (time!(17:30), time!(18:00), 1, 1000, false), // 等候室 waiting room
    (time!(16:30), time!(18:00), 1, 500, true),   // 值班领导 leader (on call: half weight)
    (time!(15:30), time!(16:45), 1, 1000, false), // 操场 playground
    (time!(16:00), time!(17:00), 1, 1000, false), // 午托 second hallway
];

fn service_days() -> Vec<Date> {
    let mut d: Date = date!(2026 - 03 - 02);
    let mut days = Vec::new();
    while days.len() < DAYS {
        if d.weekday().number_from_monday() <= 5 {
            days.push(d);
        }
        d = d.next_day().unwrap();
    }
    days
}

/// Classes whose care (看护) is fixed to their teacher in the realistic variant.
const CLASSES: usize = 30;

/// The realistic variant: each class's care 15:30–18:00 fixed to its teacher of the day (the
/// teacher, never a leader, rotates by weekday and by the week's parity: about 1.6 care days a
/// week each).
fn with_care(mut problem: Problem) -> Problem {
    let days = service_days();
    for (i, day) in days.iter().enumerate() {
        let weekday = day.weekday().number_days_from_monday() as usize;
        let parity = i / 5 % 2;
        for class in 0..CLASSES {
            let teacher = LEADERS + (class + CLASSES * weekday + 46 * parity) % (STAFF - LEADERS);
            problem.slots.push(Slot {
                day: *day,
                start: time!(15:30),
                end: time!(18:00),
                needs: 1,
                weight_permille: 1000,
                eligible: vec![],
                fixed: vec![teacher],
                needs_staff: true,
                unavailable: 0,
            });
        }
    }
    problem
}

fn problem(seed: u64, away_percent: u64) -> Problem {
    let mut rng = Rng(seed);
    let people = (0..STAFF)
        .map(|_| Person {
            max_per_week: Some(3),
            volunteer: false,
        })
        .collect();
    let mut slots = Vec::new();
    for day in service_days() {
        let away: Vec<bool> = (0..STAFF).map(|_| rng.next() % 100 < away_percent).collect();
        for &(start, end, needs, weight_permille, leaders) in &POSTS {
            // Leaders may also take any other post.
            let group = if leaders { 0..LEADERS } else { 0..STAFF };
            let eligible: Vec<usize> = group.clone().filter(|&p| !away[p]).collect();
            let unavailable = group.filter(|&p| away[p]).count() as u16;
            slots.push(Slot {
                day,
                start,
                end,
                needs,
                weight_permille,
                eligible,
                fixed: vec![],
                needs_staff: true,
                unavailable,
            });
        }
    }
    Problem {
        people,
        slots,
        previous: vec![],
    }
}

fn timed(solver: &LpSolver, problem: &Problem, label: &str) -> yanshi_domain::duty::Solution {
    let mut times = Vec::new();
    let mut solution = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let s = solver.solve(problem).expect("solves");
        times.push(t.elapsed());
        solution = Some(s);
    }
    let solution = solution.unwrap();
    times.sort();
    let median: Duration = times[RUNS / 2];
    let pooled = || solution.loads.iter();
    let (lo, hi) = (pooled().min().unwrap(), pooled().max().unwrap());
    println!(
        "{label}: median {:.3} s (min {:.3}, max {:.3}); spread {} (bound {}), loads {lo}..{hi}, shorts {}",
        median.as_secs_f64(),
        times[0].as_secs_f64(),
        times[RUNS - 1].as_secs_f64(),
        solution.spread,
        solution.spread_bound,
        solution.short.len()
    );
    solution
}

fn main() {
    let first = problem(0x5eed, 10);
    let seats: usize = first.slots.iter().map(|s| s.needs as usize).sum();
    let pairs: usize = first.slots.iter().map(|s| s.eligible.len()).sum();
    let (vars, cons) = LpSolver::aggregate_size(&first).unwrap_or((0, 0));
    println!(
        "roster: {STAFF} staff, {DAYS} days, {} slots, {seats} seats, {pairs} (slot, person) pairs",
        first.slots.len()
    );
    println!("aggregate model: {vars} variables, {cons} constraints");
    let solver = LpSolver::new();
    let solution = timed(&solver, &first, "solve");
    // Regenerate: the published roster as previous, 5% more away (a second draw on top).
    let extra = problem(0xbeef, 5);
    let mut again = first.clone();
    for (s, e) in again.slots.iter_mut().zip(&extra.slots) {
        let before = s.eligible.len();
        s.eligible.retain(|p| e.eligible.contains(p));
        s.unavailable += (before - s.eligible.len()) as u16;
    }
    again.previous = solution
        .placed
        .iter()
        .enumerate()
        .flat_map(|(s, l)| l.iter().map(move |&p| (s, p)))
        .collect();
    let lost = again.previous.iter().filter(|(s, p)| !again.slots[*s].eligible.contains(p)).count();
    let t = Instant::now();
    let re = solver.solve(&again).expect("solves");
    println!(
        "regenerate: {:.3} s; spread {} (bound {}), changes {} of {} previous turns ({lost} forced: now away), shorts {}",
        t.elapsed().as_secs_f64(),
        re.spread,
        re.spread_bound,
        re.changes,
        again.previous.len(),
        re.short.len()
    );
    let care = with_care(first.clone());
    println!("with care: {CLASSES} classes' care fixed each day, {} slots", care.slots.len());
    timed(&solver, &care, "solve with care");
}
