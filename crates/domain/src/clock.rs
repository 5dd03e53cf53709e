//! Time is injected: production reads the system clock, tests hold a clock they can set and
//! move, so that 18:00 can be tested in a millisecond.

use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// Where "now" comes from. Always UTC; local school time is derived from it.
pub trait Clock: Send + Sync + 'static {
    /// The school's "now": what the afternoon, the calendar and the records go by.
    fn now(&self) -> OffsetDateTime;

    /// The wall clock, for what must follow real time even in a rehearsal: sign-in, sessions
    /// and two-factor codes (an authenticator app knows nothing of a rehearsal).
    fn real_now(&self) -> OffsetDateTime {
        self.now()
    }

    /// How many school seconds pass in one real second: 1, or a rehearsal's speed. Periodic
    /// work that goes by school time (the afternoon sweep) runs this much more often.
    fn speed(&self) -> u32 {
        1
    }
}

/// 演练 — a rehearsal clock for demo mode: starts at a chosen moment and runs `speed` times
/// faster than `base`, so a school can watch 18:00 pass on the board.
pub struct RehearsalClock {
    base: Arc<dyn Clock>,
    base_start: OffsetDateTime,
    start: OffsetDateTime,
    speed: u32,
}

impl RehearsalClock {
    /// The fastest a rehearsal may run: an afternoon in under ten minutes.
    pub const MAX_SPEED: u32 = 60;

    pub fn new(base: Arc<dyn Clock>, start: OffsetDateTime, speed: u32) -> Self {
        let base_start = base.now();
        Self {
            base,
            base_start,
            start,
            speed: speed.clamp(1, Self::MAX_SPEED),
        }
    }
}

impl Clock for RehearsalClock {
    fn now(&self) -> OffsetDateTime {
        let elapsed = self.base.now() - self.base_start;
        self.start + elapsed * self.speed as f64
    }

    fn real_now(&self) -> OffsetDateTime {
        self.base.real_now()
    }

    fn speed(&self) -> u32 {
        self.speed
    }
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock tests set and advance by hand. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<OffsetDateTime>>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    pub fn set(&self, to: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Milliseconds since the Unix epoch: how instants are stored (UTC, on both databases).
pub fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The inverse of [`to_millis`]; out-of-range values clamp to the epoch rather than panic.
pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_rehearsal_runs_faster_from_its_start_but_sign_in_keeps_real_time() {
        let real = ManualClock::new(datetime!(2026-11-29 09:00 UTC));
        let r = RehearsalClock::new(Arc::new(real.clone()), datetime!(2026-12-01 09:50 UTC), 10);
        assert_eq!(r.now(), datetime!(2026-12-01 09:50 UTC));
        real.advance(Duration::minutes(1));
        assert_eq!(r.now(), datetime!(2026-12-01 10:00 UTC), "one real minute is ten");
        assert_eq!(r.real_now(), datetime!(2026-11-29 09:01 UTC));
        assert_eq!((r.speed(), real.speed()), (10, 1));
        let capped = RehearsalClock::new(Arc::new(real.clone()), datetime!(2026-12-01 09:50 UTC), 1000);
        real.advance(Duration::minutes(1));
        assert_eq!(capped.now(), datetime!(2026-12-01 10:50 UTC));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(datetime!(2026-12-01 09:50 UTC));
        assert_eq!(c.now(), datetime!(2026-12-01 09:50 UTC));
        c.advance(Duration::minutes(10));
        assert_eq!(c.clone().now(), datetime!(2026-12-01 10:00 UTC));
    }

    #[test]
    fn millis_round_trip() {
        let t = datetime!(2026-12-01 10:00:00.123 UTC);
        assert_eq!(from_millis(to_millis(t)), t);
    }
}
