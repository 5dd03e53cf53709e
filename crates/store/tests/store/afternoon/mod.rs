//! 放学后: the classroom door and the afternoon's watch, by capability.

mod door;
mod duty_alerts;
mod handover;
mod late_pickup;
mod pickup_codes;
mod plans;
mod refusals;
mod roll_call;
mod weather;
