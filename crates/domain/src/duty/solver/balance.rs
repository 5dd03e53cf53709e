//! The aggregate's counts without the integer program (a term's is too large for microlp to
//! prove in time): the previous roster's counts kept, the rest of each kind handed to the least
//! loaded (longest turns first), then hand-overs and swaps of counts while they lower the sum of
//! squared loads — a term's counts are a 100 × 6 table, so a sweep costs next to nothing.

use std::collections::HashMap;

use super::Prep;
use super::aggregate::Aggregate;

/// Sweeps at most (each lowers the sum of squares, so this is only a fence).
const MAX_SWEEPS: usize = 10_000;

/// Random transfers tried at most when descent alone stops above the bound.
const KICKS: usize = 3_000;

struct Counts<'a> {
    groups: usize,
    /// Per (person × groups + group): turns, most turns, previous turns keepable.
    x: Vec<usize>,
    upper: Vec<usize>,
    previous: Vec<usize>,
    total: Vec<usize>,
    cap: Vec<usize>,
    load: Vec<i64>,
    /// Per person: the fixed load.
    base: Vec<i64>,
    group_load: &'a [u64],
    volunteer: Vec<bool>,
    /// Per group: volunteers' turns, and the most they may take (a non-volunteer per slot).
    volunteers: Vec<usize>,
    volunteers_max: Vec<usize>,
}

impl Counts<'_> {
    fn can_give(&self, a: usize, b: usize, g: usize) -> bool {
        let k = self.groups;
        self.x[a * k + g] > 0 && self.x[b * k + g] < self.upper[b * k + g] && self.volunteer_ok(a, b, g)
    }

    /// Handing a turn of `g` from `a` to `b` keeps the volunteers within their share.
    fn volunteer_ok(&self, a: usize, b: usize, g: usize) -> bool {
        !self.volunteer[b] || self.volunteer[a] || self.volunteers[g] < self.volunteers_max[g]
    }

    fn shift(&mut self, a: usize, b: usize, g: usize) {
        let k = self.groups;
        self.x[a * k + g] -= 1;
        self.x[b * k + g] += 1;
        self.total[a] -= 1;
        self.total[b] += 1;
        let l = self.group_load[g] as i64;
        self.load[a] -= l;
        self.load[b] += l;
        if self.volunteer[a] {
            self.volunteers[g] -= 1;
        }
        if self.volunteer[b] {
            self.volunteers[g] += 1;
        }
    }

    /// Would taking a turn of `g` from `a` lose a previous turn?
    fn loses(&self, a: usize, g: usize) -> bool {
        let i = a * self.groups + g;
        self.x[i] <= self.previous[i]
    }

    /// One improving move between `a` (more loaded) and `b`: `a` hands one or two turns to
    /// `b` and takes none, one or two back (not two for two), lowering `a` by less than the gap;
    /// `keep`: only moves losing no previous turn.
    fn improve_pair(&mut self, a: usize, b: usize, keep: bool) -> bool {
        let gap = self.load[a] - self.load[b];
        let k = self.groups;
        let held = |p: usize, g: usize, n: usize| self.x[p * k + g] >= n && !(keep && self.loses(p, g));
        let mut gives: Vec<([usize; 2], usize, i64)> = Vec::new();
        let mut backs: Vec<([usize; 2], usize, i64)> = vec![([0, 0], 0, 0)];
        for g in 0..k {
            let lg = self.group_load[g] as i64;
            if held(a, g, 1) {
                gives.push(([g, g], 1, lg));
            }
            if held(b, g, 1) {
                backs.push(([g, g], 1, lg));
            }
            for h in g..k {
                let n = if g == h { 2 } else { 1 };
                let l = lg + self.group_load[h] as i64;
                if held(a, g, n) && held(a, h, 1) {
                    gives.push(([g, h], 2, l));
                }
                if held(b, g, n) && held(b, h, 1) {
                    backs.push(([g, h], 2, l));
                }
            }
        }
        for give in &gives {
            for back in &backs {
                let d = give.2 - back.2;
                if d <= 0 || gap <= d || give.1 + back.1 > 3 {
                    continue;
                }
                if self.exchange(a, b, &give.0[..give.1], &back.0[..back.1]) {
                    return true;
                }
            }
        }
        false
    }

    /// `a` hands `give` to `b` and takes `back`, when every limit allows it (else nothing).
    fn exchange(&mut self, a: usize, b: usize, give: &[usize], back: &[usize]) -> bool {
        let mut done = Vec::with_capacity(4);
        let steps = give.iter().map(|&g| (a, b, g)).chain(back.iter().map(|&h| (b, a, h)));
        let mut ok = true;
        for (x, y, g) in steps {
            if !self.can_give(x, y, g) {
                ok = false;
                break;
            }
            self.shift(x, y, g);
            done.push((x, y, g));
        }
        if ok && self.total[a] <= self.cap[a] && self.total[b] <= self.cap[b] {
            return true;
        }
        for (x, y, g) in done.into_iter().rev() {
            self.shift(y, x, g);
        }
        false
    }

    /// Improving moves between those in `queue` (just changed) and anyone, until none is
    /// left: everyone else is already at a local minimum with each other.
    fn descend(&mut self, pool: &[usize], mut queue: Vec<usize>) {
        while let Some(x) = queue.pop() {
            for &y in pool {
                let (a, b) = if self.load[x] >= self.load[y] { (x, y) } else { (y, x) };
                if a != b && self.load[a] > self.load[b] && self.improve_pair(a, b, false) {
                    queue.extend([x, y]);
                    break;
                }
            }
        }
    }

    /// (spread, how many sit at either end).
    fn score(&self, pool: &[usize]) -> (i64, usize) {
        let hi = pool.iter().map(|&p| self.load[p]).max().unwrap_or(0);
        let lo = pool.iter().map(|&p| self.load[p]).min().unwrap_or(0);
        (hi - lo, pool.iter().filter(|&&p| self.load[p] == hi || self.load[p] == lo).count())
    }

    /// Iterated local search: a random transfer off a most loaded one, then descent; the best
    /// counts seen are kept. Leaves where single moves overshoot.
    fn kicks(&mut self, pool: &[usize], target: i64) {
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut best = (self.score(pool), self.x.clone());
        for _ in 0..KICKS {
            if best.0.0 <= target || pool.len() < 2 {
                break;
            }
            let hi = self.score(pool).0 + pool.iter().map(|&p| self.load[p]).min().unwrap_or(0);
            let tops: Vec<usize> = pool.iter().copied().filter(|&p| self.load[p] == hi).collect();
            let a = tops[next() as usize % tops.len()];
            let b = pool[next() as usize % pool.len()];
            if a == b {
                continue;
            }
            let k = self.groups;
            let g = next() as usize % k;
            let h = next() as usize % (k + 1);
            let back: &[usize] = if h < k { &[h] } else { &[] };
            if self.exchange(a, b, &[g], back) {
                self.descend(pool, vec![a, b]);
                let score = self.score(pool);
                if score < best.0 {
                    best = (score, self.x.clone());
                }
            }
        }
        if self.x != best.1 {
            self.restore(&best.1);
        }
    }

    /// Set the counts to `x`, recomputing what follows from them.
    fn restore(&mut self, x: &[usize]) {
        let k = self.groups;
        self.x = x.to_vec();
        self.volunteers.fill(0);
        for p in 0..self.total.len() {
            let row = &self.x[p * k..(p + 1) * k];
            let delta: i64 = row.iter().zip(self.group_load).map(|(&c, &l)| (c as u64 * l) as i64).sum();
            let before: i64 = self.base[p];
            self.load[p] = before + delta;
            self.total[p] = row.iter().sum();
            if self.volunteer[p] {
                for (g, &c) in row.iter().enumerate() {
                    self.volunteers[g] += c;
                }
            }
        }
    }

    fn sweep(&mut self, pool: &[usize], keep: bool) -> bool {
        let mut order = pool.to_vec();
        order.sort_by_key(|&p| std::cmp::Reverse(self.load[p]));
        let mut moved = false;
        for (i, &a) in order.iter().enumerate() {
            for &b in order[i + 1..].iter().rev() {
                while self.load[a] > self.load[b] && self.improve_pair(a, b, keep) {
                    moved = true;
                }
            }
        }
        moved
    }
}

/// Counts per (person, group) aiming at the least spread, the previous counts kept where they
/// can be; `target`: stop once the spread is down to it (the proven bound).
pub(crate) fn balance(prep: &Prep, agg: &Aggregate, target: u64) -> HashMap<(usize, usize), usize> {
    let (spread, counts) = attempt(prep, agg, target, true);
    // Kept counts can trap the search above the bound: then a fresh start, if it does better.
    if spread > target && !agg.previous.is_empty() {
        let (again, fresh) = attempt(prep, agg, target, false);
        if again < spread {
            return fresh;
        }
    }
    counts
}

fn attempt(prep: &Prep, agg: &Aggregate, target: u64, keep: bool) -> (u64, HashMap<(usize, usize), usize>) {
    let n = prep.people();
    let k = agg.groups;
    let mut c = Counts {
        groups: k,
        x: vec![0; n * k],
        upper: vec![0; n * k],
        previous: vec![0; n * k],
        total: vec![0; n],
        cap: agg.person_cap.clone(),
        load: prep.fixed_load.iter().map(|&l| l.min(i64::MAX as u64 / 4) as i64).collect(),
        base: prep.fixed_load.iter().map(|&l| l.min(i64::MAX as u64 / 4) as i64).collect(),
        group_load: &agg.group_load,
        volunteer: (0..n).map(|p| prep.volunteer(p)).collect(),
        volunteers: vec![0; k],
        volunteers_max: (0..k).map(|g| agg.reach[g].saturating_sub(agg.staff_slots[g])).collect(),
    };
    for &(p, g, u) in &agg.upper {
        c.upper[p * k + g] = u;
        if keep {
            c.previous[p * k + g] = agg.previous.get(&(p, g)).copied().unwrap_or(0).min(u);
        }
    }
    let mut left = agg.reach.clone();
    // The previous roster's counts first (fewest changes), within every limit.
    for p in 0..n {
        for (g, left) in left.iter_mut().enumerate() {
            let keep = c.previous[p * k + g].min(*left).min(c.cap[p] - c.total[p]);
            let keep = if c.volunteer[p] {
                keep.min(c.volunteers_max[g] - c.volunteers[g])
            } else {
                keep
            };
            if keep > 0 {
                c.x[p * k + g] = keep;
                c.total[p] += keep;
                c.load[p] += keep as i64 * agg.group_load[g] as i64;
                *left -= keep;
                if c.volunteer[p] {
                    c.volunteers[g] += keep;
                }
            }
        }
    }
    // Longest turns first, each to the least loaded who can take it.
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by_key(|&g| std::cmp::Reverse(agg.group_load[g]));
    let takers: Vec<Vec<usize>> = (0..k).map(|g| (0..n).filter(|&p| c.upper[p * k + g] > 0).collect()).collect();
    for g in order {
        while left[g] > 0 {
            let best = takers[g]
                .iter()
                .copied()
                .filter(|&p| {
                    c.x[p * k + g] < c.upper[p * k + g]
                        && c.total[p] < c.cap[p]
                        && (!c.volunteer[p] || c.volunteers[g] < c.volunteers_max[g])
                })
                .min_by_key(|&p| (c.load[p], c.volunteer[p]));
            let Some(p) = best else { break };
            c.x[p * k + g] += 1;
            c.total[p] += 1;
            c.load[p] += agg.group_load[g] as i64;
            if c.volunteer[p] {
                c.volunteers[g] += 1;
            }
            left[g] -= 1;
        }
    }
    let pool: Vec<usize> = (0..n).filter(|&p| prep.pool[p]).collect();
    let spread = |c: &Counts| {
        let hi = pool.iter().map(|&p| c.load[p]).max().unwrap_or(0);
        let lo = pool.iter().map(|&p| c.load[p]).min().unwrap_or(0);
        (hi - lo) as u64
    };
    for _ in 0..MAX_SWEEPS {
        if spread(&c) <= target || !(c.sweep(&pool, true) || c.sweep(&pool, false)) {
            break;
        }
    }
    if spread(&c) > target {
        c.kicks(&pool, target as i64);
    }
    let counts = agg
        .upper
        .iter()
        .map(|&(p, g, _)| ((p, g), c.x[p * k + g]))
        .filter(|&(_, v)| v > 0)
        .collect();
    (spread(&c), counts)
}
