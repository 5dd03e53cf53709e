//! The aggregate model: how many turns of each kind of post (a group of slots with the same
//! times and weight) each person takes. Every constraint holds for any real roster, so its
//! optimal spread is a proven lower bound; its counts are the targets the realisation aims at.

use std::collections::{BTreeMap, HashMap};

use good_lp::{Expression, Variable, constraint, variable};

use super::Prep;
use super::lp::Model;

/// More kinds of post than this and slots are grouped by their load alone (a weaker bound).
const MAX_GROUPS: usize = 64;
/// Beyond this many count variables the model is not built (no bound, no targets).
const MAX_VARS: usize = 20_000;
/// Up to this many count variables the counts are an integer program microlp proves fast;
/// beyond, its relaxation gives the bound and [`super::balance`] the counts.
pub(crate) const INTEGER_VARS: usize = 120;
const SECONDS: f64 = 0.6;

pub(crate) struct Aggregate {
    /// Per slot: its group.
    pub group_of: Vec<usize>,
    pub groups: usize,
    model: Model,
    /// (person, group, count variable).
    x: Vec<(usize, usize, Variable)>,
    hi: Variable,
    lo: Variable,
    cover: Expression,
    /// Per (person, group): previous turns that could be kept.
    pub previous: HashMap<(usize, usize), usize>,
    /// The counts are integer (else the model is the relaxation, for a bound only).
    pub integer: bool,
    /// Parallel to `x`: (person, group, most turns of that group the person can take).
    pub upper: Vec<(usize, usize, usize)>,
    /// Per group: one turn's load, seats its slots can fill, slots needing a non-volunteer.
    pub group_load: Vec<u64>,
    pub reach: Vec<usize>,
    pub staff_slots: Vec<usize>,
    /// Per person: most turns over the term (the weekly limits summed).
    pub person_cap: Vec<usize>,
}

/// Turn counts per (person, group), and the proven lower bound of the spread.
pub(crate) struct Targets {
    pub count: HashMap<(usize, usize), usize>,
    pub bound: u64,
}

impl Aggregate {
    pub fn build(prep: &Prep) -> Option<Aggregate> {
        let slots = &prep.problem.slots;
        let mut keys = BTreeMap::new();
        for s in slots {
            let n = keys.len();
            keys.entry((s.start, s.end, s.weight_permille)).or_insert(n);
        }
        let by_time = keys.len() <= MAX_GROUPS;
        let group_of: Vec<usize> = if by_time {
            slots.iter().map(|s| keys[&(s.start, s.end, s.weight_permille)]).collect()
        } else {
            let mut loads = BTreeMap::new();
            prep.load
                .iter()
                .map(|&l| {
                    let n = loads.len();
                    *loads.entry(l).or_insert(n)
                })
                .collect()
        };
        let groups = group_of.iter().max().map_or(0, |g| g + 1);
        // Same-time groups: a person takes at most one of them a day.
        let same_time: Vec<bool> = (0..groups)
            .map(|g| by_time && slots.iter().zip(&group_of).any(|(s, &h)| h == g && s.start < s.end))
            .collect();
        // (person, group, week) → days (or slots) open; (person, week) → slots open.
        let mut days: BTreeMap<(usize, usize, usize), Vec<usize>> = BTreeMap::new();
        let mut weekly: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        let mut demand = vec![0usize; groups];
        let mut reach = vec![0usize; groups];
        let mut staff_slots = vec![0usize; groups];
        let mut previous = HashMap::new();
        for (s, open) in prep.open.iter().enumerate() {
            let g = group_of[s];
            demand[g] += prep.seats[s];
            reach[g] += prep.seats[s].min(open.len());
            if prep.staff_needed[s] && prep.seats[s] > 0 {
                staff_slots[g] += 1;
            }
            for &p in open {
                days.entry((p, g, prep.week[s])).or_default().push(prep.day[s]);
                *weekly.entry((p, prep.week[s])).or_default() += 1;
                if prep.previous.contains(&(s, p)) {
                    *previous.entry((p, g)).or_default() += 1;
                }
            }
        }
        let mut upper: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for ((p, g, w), mut d) in days {
            if same_time[g] {
                d.dedup();
            }
            *upper.entry((p, g)).or_default() += d.len().min(prep.cap(p, w));
        }
        if upper.len() > MAX_VARS {
            return None;
        }
        let integer = upper.len() <= INTEGER_VARS;
        let mut model = Model::new();
        let mut x = Vec::with_capacity(upper.len());
        for (&(p, g), &u) in &upper {
            let v = variable().min(0).max(u as f64);
            x.push((p, g, model.vars.add(if integer { v.integer() } else { v })));
        }
        let upper: Vec<(usize, usize, usize)> = upper.into_iter().map(|((p, g), u)| (p, g, u)).collect();
        let hi = model.vars.add(variable().min(0));
        let lo = model.vars.add(variable().min(0));
        let mut in_group = vec![Expression::from(0.0); groups];
        let mut staff = vec![Expression::from(0.0); groups];
        let mut person: BTreeMap<usize, Expression> = BTreeMap::new();
        let mut load: Vec<Expression> = prep.fixed_load.iter().map(|&l| Expression::from(l as f64)).collect();
        let group_load: Vec<u64> = (0..groups)
            .map(|g| group_of.iter().zip(&prep.load).find(|(h, _)| **h == g).map_or(0, |(_, l)| *l))
            .collect();
        for &(p, g, v) in &x {
            in_group[g] += v;
            if !prep.volunteer(p) {
                staff[g] += v;
            }
            *person.entry(p).or_default() += v;
            load[p] += group_load[g] as f64 * v;
        }
        // Grouped by load, a group's load is exact; grouped by time, so is it (same times, weight).
        for g in 0..groups {
            let gx = in_group[g].clone();
            model.constraints.push(constraint!(gx.clone() <= demand[g] as f64));
            if staff_slots[g] > 0 {
                let st = staff[g].clone();
                model
                    .constraints
                    .push(constraint!(st + demand[g] as f64 - gx >= staff_slots[g] as f64));
            }
        }
        let mut person_cap: BTreeMap<usize, usize> = BTreeMap::new();
        for (&(p, w), &n) in &weekly {
            let c = person_cap.entry(p).or_default();
            *c = c.saturating_add(n.min(prep.cap(p, w)));
        }
        for (&p, e) in &person {
            model.constraints.push(constraint!(e.clone() <= person_cap[&p] as f64));
        }
        let person_cap = (0..prep.people()).map(|p| person_cap.get(&p).copied().unwrap_or(0)).collect();
        for (p, l) in load.into_iter().enumerate() {
            if prep.pool[p] {
                model.constraints.push(constraint!(l.clone() <= hi));
                model.constraints.push(constraint!(l >= lo));
            }
        }
        let cover = in_group.into_iter().sum();
        Some(Aggregate {
            group_of,
            groups,
            model,
            x,
            hi,
            lo,
            cover,
            previous,
            integer,
            upper,
            group_load,
            reach,
            staff_slots,
            person_cap,
        })
    }

    /// The relaxation's least spread covering at least `cover` seats, rounded up: a proven
    /// lower bound (0 when the relaxation cannot be solved).
    pub fn relaxed_bound(&self, cover: usize) -> u64 {
        let mut model = Model {
            vars: self.model.vars.clone(),
            constraints: self.model.constraints.clone(),
        };
        let c = self.cover.clone();
        model.constraints.push(constraint!(c >= cover as f64 - 0.5));
        let solved = model.solve(Expression::from(self.hi) - self.lo, false, &[self.hi, self.lo], SECONDS);
        solved.map_or(0, |s| {
            let spread = if s.optimal { Some(s.values[0] - s.values[1]) } else { s.bound };
            spread.map_or(0, |b| (b - 1e-6).max(0.0).ceil() as u64)
        })
    }

    pub fn vars(&self) -> usize {
        self.x.len() + 2
    }

    pub fn constraints(&self) -> usize {
        self.model.constraints.len()
    }

    /// The most seats the aggregate can cover (an upper bound on any roster's cover).
    pub fn max_cover(&self) -> Option<usize> {
        let read: Vec<Variable> = self.x.iter().map(|t| t.2).collect();
        let solved = self.model.solve(self.cover.clone(), true, &read, SECONDS)?;
        Some(solved.values.iter().sum::<f64>().round() as usize)
    }

    /// Least spread covering at least `cover` seats; then, when there is a previous roster,
    /// the counts keeping most of it at that spread.
    pub fn targets(&self, cover: usize) -> Option<Targets> {
        let mut model = Model {
            vars: self.model.vars.clone(),
            constraints: self.model.constraints.clone(),
        };
        let c = self.cover.clone();
        model.constraints.push(constraint!(c >= cover as f64 - 0.5));
        let mut read: Vec<Variable> = self.x.iter().map(|t| t.2).collect();
        read.push(self.hi);
        read.push(self.lo);
        let solved = model.solve(Expression::from(self.hi) - self.lo, false, &read, SECONDS)?;
        let n = self.x.len();
        let spread = (solved.values[n] - solved.values[n + 1]).max(0.0);
        let proven = if solved.optimal { Some(spread) } else { solved.bound };
        let bound = proven.map_or(0, |b| (b - 1e-6).max(0.0).ceil() as u64);
        let mut values = solved.values;
        if !self.previous.is_empty() {
            let (hi, lo) = (self.hi, self.lo);
            model.constraints.push(constraint!(hi - lo <= spread.round() + 0.5));
            let mut kept = Expression::from(0.0);
            for &(p, g, v) in &self.x {
                if let Some(&k) = self.previous.get(&(p, g)) {
                    let y = model.vars.add(variable().min(0).max(k as f64));
                    model.constraints.push(constraint!(y <= v));
                    kept += y;
                }
            }
            if let Some(again) = model.solve(kept, true, &read, SECONDS) {
                values = again.values;
            }
        }
        let count = self
            .x
            .iter()
            .zip(values)
            .map(|(&(p, g, _), v)| ((p, g), v.round().max(0.0) as usize))
            .collect();
        Some(Targets { count, bound })
    }
}
