//! yanshi-domain — the rules of the school's after-school care (课后延时服务), with no IO.
//!
//! Everything here is pure: it takes `now` as an argument, touches no database and no network,
//! so the rules can be tested in microseconds. The store and the web layer call into it.

pub mod account;
pub mod afternoon;
pub mod agreement;
pub mod audit;
pub mod calendar;
pub mod clock;
pub mod duty;
pub mod enrolment;
pub mod family;
pub mod greeting;
pub mod ids;
pub mod invalid;
pub mod lunar;
pub mod password;
pub mod pay;
pub mod policy;
pub mod role;
pub mod roster;
pub mod school;
pub mod school_time;
pub mod serde_date;
pub mod service_record;
pub mod statutory;
pub mod text_enum;
pub mod totp;
pub mod volunteer;

pub use invalid::Invalid;
