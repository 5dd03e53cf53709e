//! yanshi-notify — delivers the notification outbox to the world outside yanshi.
//!
//! Messages are written to the outbox by the store, in the same transaction as the event that
//! causes them. The [`Worker`] here claims due messages, sends each through its channel, and
//! records every attempt; a failure is retried with exponential backoff.

mod channels;
mod worker;

pub use channels::{Deliverer, SmtpConfig, dingtalk_signed_url};
pub use worker::{Worker, backoff};
