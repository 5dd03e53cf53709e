//! 绩效工资 — the school's performance pay to its own staff, from the workload (工作量) the
//! signed records prove: 看护 (care of a class), 值班 (a duty post), 值班领导 (the leader on
//! duty) and 代班 (covering for an absent colleague). This is staff pay only: nothing here is
//! ever asked of a family (DOMAIN §1.3).
//!
//! Money is whole fen (分) in `i64`, never a float. Rates are per unit of a kind; care is paid
//! either per session or per hour, as the school chooses. Per-hour care is pro rata by the
//! minutes of one teacher's line (one kind, one month), rounded half up to the fen (四舍五入),
//! so a line's amount is `round(minutes × rate / 60)` and a total is the sum of its lines.

use crate::Invalid;
use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// 项目: what a line of the report pays for.
    #[derive(PartialOrd, Ord, Serialize, Deserialize)]
    pub enum PayKind {
        /// 看护: taking a class's session (tutor, care, club; a volunteer is not paid).
        Care = "CARE" => "ui-pay-kind-care",
        /// 值班: a hallway, gate or waiting-room post.
        Duty = "DUTY" => "ui-pay-kind-duty",
        /// 值班领导: the leader on duty.
        Leader = "LEADER" => "ui-pay-kind-leader",
        /// 代班: covering for an absent colleague, paid on top of the turn itself.
        Cover = "COVER" => "ui-pay-kind-cover",
    }
    parse -> Invalid("kind", "err-pay-kind");
}

crate::text_enum! {
    /// How the school pays care: per session (按次) or per hour (按小时).
    #[derive(Serialize, Deserialize)]
    pub enum CareBasis {
        Session = "SESSION" => "ui-pay-basis-session",
        Hour = "HOUR" => "ui-pay-basis-hour",
    }
    parse -> Invalid("basis", "err-pay-basis");
}

crate::text_enum! {
    /// 标准: a rate the school sets, per unit of one kind of work.
    #[derive(Serialize, Deserialize)]
    pub enum RateKind {
        /// 看护 per session.
        CareSession = "CARE_SESSION" => "ui-pay-rate-care-session",
        /// 看护 per hour, pro rata by minutes.
        CareHour = "CARE_HOUR" => "ui-pay-rate-care-hour",
        /// 值班 per turn.
        Duty = "DUTY" => "ui-pay-rate-duty",
        /// 值班领导 per turn.
        Leader = "LEADER" => "ui-pay-rate-leader",
        /// 代班 per cover, extra.
        Cover = "COVER" => "ui-pay-rate-cover",
    }
    parse -> Invalid("rate", "err-pay-rate-kind");
}

/// The highest rate a school may set: 10,000 元 per unit. Keeps every product in range.
pub const MAX_RATE_FEN: i64 = 1_000_000;

/// The school's rates (fen per unit) and its care basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadRates {
    pub basis: CareBasis,
    pub care_session: i64,
    pub care_hour: i64,
    pub duty: i64,
    pub leader: i64,
    pub cover: i64,
}

impl Default for WorkloadRates {
    /// Nothing set yet: every rate 0, care per session.
    fn default() -> Self {
        Self {
            basis: CareBasis::Session,
            care_session: 0,
            care_hour: 0,
            duty: 0,
            leader: 0,
            cover: 0,
        }
    }
}

impl WorkloadRates {
    pub fn get(&self, kind: RateKind) -> i64 {
        match kind {
            RateKind::CareSession => self.care_session,
            RateKind::CareHour => self.care_hour,
            RateKind::Duty => self.duty,
            RateKind::Leader => self.leader,
            RateKind::Cover => self.cover,
        }
    }

    pub fn set(&mut self, kind: RateKind, fen: i64) {
        match kind {
            RateKind::CareSession => self.care_session = fen,
            RateKind::CareHour => self.care_hour = fen,
            RateKind::Duty => self.duty = fen,
            RateKind::Leader => self.leader = fen,
            RateKind::Cover => self.cover = fen,
        }
    }

    /// The rate that pays a line of `kind`.
    pub fn rate_for(&self, kind: PayKind) -> RateKind {
        match kind {
            PayKind::Care if self.basis == CareBasis::Hour => RateKind::CareHour,
            PayKind::Care => RateKind::CareSession,
            PayKind::Duty => RateKind::Duty,
            PayKind::Leader => RateKind::Leader,
            PayKind::Cover => RateKind::Cover,
        }
    }

    /// What a line of `count` turns and `minutes` of `kind` earns, in fen.
    pub fn amount(&self, kind: PayKind, count: i64, minutes: i64) -> i64 {
        let rate = self.rate_for(kind);
        let fen = i128::from(self.get(rate));
        let product = match rate {
            RateKind::CareHour => round_half_up(i128::from(minutes) * fen, 60),
            _ => i128::from(count) * fen,
        };
        product.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
}

/// `n / d` rounded half away from zero (四舍五入), `d > 0`.
fn round_half_up(n: i128, d: i128) -> i128 {
    let q = (n.abs() + d / 2) / d;
    if n < 0 { -q } else { q }
}

/// A rate as a leader types it, in 元: "50", "50.5", "50.50", full-width digits too. Never
/// negative, at most [`MAX_RATE_FEN`].
pub fn parse_rate(s: &str) -> Result<i64, Invalid> {
    let fen = parse_yuan(s).ok_or(Invalid::new("rate", "err-pay-rate"))?;
    if !(0..=MAX_RATE_FEN).contains(&fen) {
        return Err(Invalid::new("rate", "err-pay-rate"));
    }
    Ok(fen)
}

/// An amount in 元 with at most two decimals ("-12.5", "３０"), as fen; `None` when it is not one.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let s: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '－' => '-',
            c => c,
        })
        .collect();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || whole.len() > 9 || frac.len() > 2 || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let yuan: i64 = whole.parse().ok()?;
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    let fen = yuan * 100 + cents;
    Some(if neg { -fen } else { fen })
}

/// Fen as 元 with two decimals: 12345 → "123.45", -5 → "-0.05".
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Minutes as hours with two decimals (时长): 90 → "1.50", 100 → "1.67" (half up).
pub fn format_hours(minutes: i64) -> String {
    let hundredths = round_half_up(i128::from(minutes) * 100, 60) as i64;
    let sign = if hundredths < 0 { "-" } else { "" };
    let a = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

mod period;
mod report;

pub use period::{PeriodSpec, YearMonth};
pub use report::{
    KindTotal, PayCorrection, PayLine, PayTotals, PersonPay, SheetRow, TermSummary, WorkCount, correction_deltas, price, sheet_rows,
    summarise, totals,
};

#[cfg(test)]
mod tests;
