//! One integer program through good_lp + microlp, fenced: a solver failure (or a panic inside
//! it, on numerical trouble) is `None`, never a crash of the caller.

use std::panic::{AssertUnwindSafe, catch_unwind};

use good_lp::solvers::microlp::microlp;
use good_lp::{Constraint, Expression, ProblemVariables, Solution, SolutionStatus, SolverModel, Variable, WithTimeLimit};

pub(crate) struct Solved {
    /// The values of the variables asked for, in that order.
    pub values: Vec<f64>,
    /// Proven optimal (not stopped by the time limit).
    pub optimal: bool,
    /// The objective's proven bound (minimising: a lower bound).
    pub bound: Option<f64>,
}

pub(crate) struct Model {
    pub vars: ProblemVariables,
    pub constraints: Vec<Constraint>,
}

impl Model {
    pub fn new() -> Self {
        Model {
            vars: ProblemVariables::new(),
            constraints: Vec::new(),
        }
    }

    /// Solve a copy of the model for `objective`, returning the values of `read`.
    pub fn solve(&self, objective: Expression, maximise: bool, read: &[Variable], seconds: f64) -> Option<Solved> {
        let vars = self.vars.clone();
        let constraints = self.constraints.clone();
        let run = move || {
            let unsolved = if maximise {
                vars.maximise(objective)
            } else {
                vars.minimise(objective)
            };
            let mut model = unsolved.using(microlp).with_time_limit(seconds);
            for c in constraints {
                model.add_constraint(c);
            }
            let solution = model.solve().ok()?;
            let optimal = matches!(solution.status(), SolutionStatus::Optimal);
            let values = read.iter().map(|&v| solution.value(v)).collect();
            let bound = solution.into_inner().stats().best_bound;
            Some(Solved { values, optimal, bound })
        };
        catch_unwind(AssertUnwindSafe(run)).ok().flatten()
    }
}
