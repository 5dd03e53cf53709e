//! 值班 — the duty roster's pages.

pub mod changes;
pub mod cover;
pub mod log;
pub mod swaps;
