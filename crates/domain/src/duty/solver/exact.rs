//! A small problem as one integer program: a binary per (slot, person), solved in three
//! rounds (most seats covered, then the least spread, then the most previous turns kept).

use std::collections::HashMap;

use good_lp::{Expression, Variable, constraint, variable};

use super::Prep;
use super::lp::Model;

const SECONDS: f64 = 5.0;

/// The optimal placements (fixed ones not included), or `None` when a round was not proven.
pub(crate) fn solve(prep: &Prep) -> Option<Vec<Vec<usize>>> {
    let mut m = Model::new();
    let mut x: Vec<Vec<(usize, Variable)>> = Vec::with_capacity(prep.slots());
    for open in &prep.open {
        x.push(open.iter().map(|&p| (p, m.vars.add(variable().binary()))).collect());
    }
    let hi = m.vars.add(variable().min(0));
    let lo = m.vars.add(variable().min(0));
    let mut loads: Vec<Expression> = prep.fixed_load.iter().map(|&l| Expression::from(l as f64)).collect();
    let mut weeks: HashMap<(usize, usize), Expression> = HashMap::new();
    for (s, row) in x.iter().enumerate() {
        let taken: Expression = row.iter().map(|(_, v)| *v).sum();
        m.constraints.push(constraint!(taken <= prep.seats[s] as f64));
        if prep.staff_needed[s] {
            let vol: Expression = row.iter().filter(|(p, _)| prep.volunteer(*p)).map(|(_, v)| *v).sum();
            let staff: Expression = row.iter().filter(|(p, _)| !prep.volunteer(*p)).map(|(_, v)| *v).sum();
            m.constraints.push(constraint!(vol <= prep.seats[s] as f64 * staff));
        }
        for &(p, v) in row {
            loads[p] += prep.load[s] as f64 * v;
            *weeks.entry((p, prep.week[s])).or_default() += v;
            for &t in prep.clashes[s].iter().filter(|&&t| t > s) {
                if let Some(&(_, w)) = x_get(&x, t, p) {
                    m.constraints.push(constraint!(v + w <= 1));
                }
            }
        }
    }
    for ((p, w), e) in weeks {
        let cap = prep.cap(p, w);
        if cap != usize::MAX {
            m.constraints.push(constraint!(e <= cap as f64));
        }
    }
    for (p, load) in loads.into_iter().enumerate() {
        if prep.pool[p] {
            m.constraints.push(constraint!(load.clone() <= hi));
            m.constraints.push(constraint!(load >= lo));
        }
    }
    let all: Vec<Variable> = x.iter().flatten().map(|(_, v)| *v).collect();
    let covered: Expression = all.iter().copied().sum();
    let first = m.solve(covered.clone(), true, &all, SECONDS)?;
    if !first.optimal {
        return None;
    }
    let best = first.values.iter().sum::<f64>().round();
    m.constraints.push(constraint!(covered >= best - 0.5));
    let second = m.solve(Expression::from(hi) - lo, false, &[hi, lo], SECONDS)?;
    if !second.optimal {
        return None;
    }
    let spread = (second.values[0] - second.values[1]).round();
    m.constraints.push(constraint!(hi - lo <= spread + 0.5));
    let kept: Expression = x
        .iter()
        .enumerate()
        .flat_map(|(s, row)| row.iter().filter(move |(p, _)| prep.previous.contains(&(s, *p))).map(|(_, v)| *v))
        .sum();
    let third = m.solve(kept, true, &all, SECONDS)?;
    if !third.optimal {
        return None;
    }
    let mut values = third.values.into_iter();
    let placed = x
        .iter()
        .map(|row| {
            row.iter()
                .filter(|_| values.next().is_some_and(|v| v > 0.5))
                .map(|(p, _)| *p)
                .collect()
        })
        .collect();
    Some(placed)
}

fn x_get(x: &[Vec<(usize, Variable)>], s: usize, p: usize) -> Option<&(usize, Variable)> {
    x[s].iter().find(|(q, _)| *q == p)
}
