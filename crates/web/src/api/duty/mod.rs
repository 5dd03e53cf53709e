//! 值班 over the JSON API.

pub mod changes;
