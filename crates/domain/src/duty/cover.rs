//! 代班 — who is fairest to cover a gap an absence opens: the eligible people with the least
//! duty so far, lowest first.
//!
//! A person's load is weighted minutes over the term's published roster: a post's turn counts
//! its minutes × its weight (‰/1000), a class's care (看护, the plan's teacher or the class
//! teacher on a service day, or a care cover) its session's minutes at weight 1. Simple on
//! purpose: the generator's fairness measures the same thing.

/// One candidate for a gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<P> {
    pub person: P,
    pub name: String,
    /// Weighted minutes this term.
    pub load: u64,
}

/// The candidates fairest first: lowest load, then by name (a stable order people can check).
pub fn fairest<P>(mut candidates: Vec<Candidate<P>>) -> Vec<Candidate<P>> {
    candidates.sort_by(|a, b| a.load.cmp(&b.load).then_with(|| a.name.cmp(&b.name)));
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_loaded_comes_first() {
        let c = |p: u8, name: &str, load| Candidate {
            person: p,
            name: name.into(),
            load,
        };
        let order: Vec<u8> = fairest(vec![c(1, "王", 300), c(2, "李", 90), c(3, "赵", 90)])
            .into_iter()
            .map(|c| c.person)
            .collect();
        assert_eq!(order, [2, 3, 1]);
    }
}
