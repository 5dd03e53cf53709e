//! The roster solver (good_lp with microlp). Written by the solver's work: see mod.rs.
