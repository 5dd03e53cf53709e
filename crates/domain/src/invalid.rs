//! The one "this input is not acceptable" error of the domain.
//!
//! It carries a message *key*, never a sentence: the web layer renders the key in the
//! user's language (zh-CN first, en-US second).

/// A user's input broke a rule. `field` names the input, `key` the message to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {key}")]
pub struct Invalid {
    pub field: &'static str,
    pub key: &'static str,
}

impl Invalid {
    pub const fn new(field: &'static str, key: &'static str) -> Self {
        Self { field, key }
    }
}
