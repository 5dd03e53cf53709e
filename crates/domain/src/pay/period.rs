//! 发放周期: a payment period is a name and a contiguous range of calendar months within one
//! term; its days are clipped to the term's.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// A calendar month, "2026-09".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    pub fn of(d: Date) -> Self {
        Self {
            year: d.year(),
            month: d.month() as u8,
        }
    }

    /// "2026-09" (also "2026-9").
    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.trim().split_once('-')?;
        let year: i32 = y.parse().ok()?;
        let month: u8 = m.parse().ok()?;
        ((1000..=9998).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    pub fn first_day(self) -> Date {
        let month = Month::try_from(self.month).unwrap_or(Month::January);
        Date::from_calendar_date(self.year, month, 1).unwrap_or(Date::MIN)
    }

    pub fn last_day(self) -> Date {
        let month = Month::try_from(self.month).unwrap_or(Month::January);
        let days = time::util::days_in_month(month, self.year);
        Date::from_calendar_date(self.year, month, days).unwrap_or(Date::MAX)
    }

    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// A payment period (发放周期): a name and a contiguous range of months within one term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodSpec {
    pub name: String,
    pub first: YearMonth,
    pub last: YearMonth,
}

impl PeriodSpec {
    /// Checks a period the leader typed against the term it belongs to: a name (≤ 40
    /// characters), first ≤ last, and both months inside the term's dates.
    pub fn new(name: &str, first: &str, last: &str, term_starts: Date, term_ends: Date) -> Result<Self, Invalid> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(Invalid::new("name", "err-pay-period-name"));
        }
        let first = YearMonth::parse(first).ok_or(Invalid::new("first", "err-pay-month"))?;
        let last = YearMonth::parse(last).ok_or(Invalid::new("last", "err-pay-month"))?;
        if first > last {
            return Err(Invalid::new("last", "err-pay-period-order"));
        }
        if first < YearMonth::of(term_starts) || last > YearMonth::of(term_ends) {
            return Err(Invalid::new("first", "err-pay-period-outside-term"));
        }
        Ok(Self {
            name: name.to_string(),
            first,
            last,
        })
    }

    /// The days the period counts: its months, clipped to the term.
    pub fn days(&self, term_starts: Date, term_ends: Date) -> (Date, Date) {
        (self.first.first_day().max(term_starts), self.last.last_day().min(term_ends))
    }

    /// Do two periods share a month? A month is paid in one period only.
    pub fn overlaps(&self, other: &PeriodSpec) -> bool {
        self.first <= other.last && other.first <= self.last
    }
}
