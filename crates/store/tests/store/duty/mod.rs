//! 值班: posts and rules, the generator over a term, hand edits and publishing.

mod roster;
