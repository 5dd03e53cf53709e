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
use std::collections::BTreeMap;
use time::{Date, Month};

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

/// What one teacher did of one kind in one month, as the signed records count it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCount {
    pub user_id: String,
    pub month: YearMonth,
    pub kind: PayKind,
    pub count: i64,
    pub minutes: i64,
}

/// A line of the report: a count with its rate and amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayLine {
    pub month: YearMonth,
    pub kind: PayKind,
    pub count: i64,
    pub minutes: i64,
    pub rate: RateKind,
    /// Fen per unit of `rate`.
    pub rate_fen: i64,
    pub amount_fen: i64,
}

/// A leader's correction (更正) of one teacher's kind of work, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayCorrection {
    pub id: String,
    pub user_id: String,
    pub kind: PayKind,
    pub delta_count: i64,
    pub delta_minutes: i64,
    pub delta_fen: i64,
    pub reason: String,
    pub by: String,
    /// UTC milliseconds.
    pub at: i64,
}

/// A correction as typed: deltas that are not all zero and a reason (≤ 500 characters).
pub fn correction_deltas(count: &str, minutes: &str, amount: &str, reason: &str) -> Result<(i64, i64, i64, String), Invalid> {
    let int = |s: &str, field: &'static str| -> Result<i64, Invalid> {
        match s.trim() {
            "" => Ok(0),
            t => t
                .parse::<i64>()
                .ok()
                .filter(|n| n.abs() <= 100_000)
                .ok_or(Invalid::new(field, "err-pay-delta")),
        }
    };
    let count = int(count, "delta_count")?;
    let minutes = int(minutes, "delta_minutes")?;
    let fen = match amount.trim() {
        "" => 0,
        t => parse_yuan(t)
            .filter(|f| f.abs() <= 100 * MAX_RATE_FEN)
            .ok_or(Invalid::new("delta_amount", "err-pay-delta"))?,
    };
    if count == 0 && minutes == 0 && fen == 0 {
        return Err(Invalid::new("delta_amount", "err-pay-delta-zero"));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(Invalid::new("reason", "err-pay-reason"));
    }
    Ok((count, minutes, fen, reason.to_string()))
}

/// One teacher in the report: their lines and corrections, and what they add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonPay {
    pub user_id: String,
    /// 工号 (empty when the account has no staff record).
    pub staff_number: String,
    pub name: String,
    pub lines: Vec<PayLine>,
    pub corrections: Vec<PayCorrection>,
    pub total_fen: i64,
}

/// Per kind: turns, minutes and fen, corrections included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindTotal {
    pub count: i64,
    pub minutes: i64,
    pub amount_fen: i64,
}

/// The whole report's totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayTotals {
    pub by_kind: Vec<(PayKind, KindTotal)>,
    pub amount_fen: i64,
}

/// Builds the people of a report from the counts and the corrections: every line priced with
/// `rates`, people in the order of `people` (工号, then name, as the store reads them); a
/// person with neither is left out, and so are counts of anyone not in `people`.
pub fn price(
    rates: &WorkloadRates,
    people: &[(String, String, String)],
    counts: &[WorkCount],
    corrections: &[PayCorrection],
) -> Vec<PersonPay> {
    let mut by_user: BTreeMap<&str, (Vec<PayLine>, Vec<PayCorrection>)> = BTreeMap::new();
    for c in counts {
        let rate = rates.rate_for(c.kind);
        by_user.entry(&c.user_id).or_default().0.push(PayLine {
            month: c.month,
            kind: c.kind,
            count: c.count,
            minutes: c.minutes,
            rate,
            rate_fen: rates.get(rate),
            amount_fen: rates.amount(c.kind, c.count, c.minutes),
        });
    }
    for c in corrections {
        by_user.entry(&c.user_id).or_default().1.push(c.clone());
    }
    let mut out: Vec<PersonPay> = Vec::new();
    for (user_id, staff_number, name) in people {
        let Some((mut lines, corrections)) = by_user.remove(user_id.as_str()) else {
            continue;
        };
        lines.sort_by_key(|l| (l.kind, l.month));
        let total_fen = lines
            .iter()
            .map(|l| l.amount_fen)
            .chain(corrections.iter().map(|c| c.delta_fen))
            .sum();
        out.push(PersonPay {
            user_id: user_id.clone(),
            staff_number: staff_number.clone(),
            name: name.clone(),
            lines,
            corrections,
            total_fen,
        });
    }
    out
}

/// The report's totals: Σ of every line and correction, by kind and overall.
pub fn totals(people: &[PersonPay]) -> PayTotals {
    let mut by_kind: Vec<(PayKind, KindTotal)> = PayKind::ALL.iter().map(|k| (*k, KindTotal::default())).collect();
    let mut amount_fen = 0;
    for p in people {
        for l in &p.lines {
            if let Some((_, t)) = by_kind.iter_mut().find(|(k, _)| *k == l.kind) {
                t.count += l.count;
                t.minutes += l.minutes;
                t.amount_fen += l.amount_fen;
            }
            amount_fen += l.amount_fen;
        }
        for c in &p.corrections {
            if let Some((_, t)) = by_kind.iter_mut().find(|(k, _)| *k == c.kind) {
                t.count += c.delta_count;
                t.minutes += c.delta_minutes;
                t.amount_fen += c.delta_fen;
            }
            amount_fen += c.delta_fen;
        }
    }
    PayTotals { by_kind, amount_fen }
}

/// A row of the finance office's sheet (工号, 姓名, 项目, 次数, 时长, 标准, 金额): one teacher's
/// kind over the period (its months summed), or one correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub staff_number: String,
    pub name: String,
    pub kind: PayKind,
    pub count: i64,
    pub minutes: i64,
    /// `None` for a correction.
    pub rate: Option<(RateKind, i64)>,
    pub amount_fen: i64,
    /// A correction's reason.
    pub correction: Option<String>,
}

/// The finance sheet's rows, teacher by teacher: each kind summed over the months, then the
/// corrections.
pub fn sheet_rows(people: &[PersonPay]) -> Vec<SheetRow> {
    let mut rows = Vec::new();
    for p in people {
        for kind in PayKind::ALL {
            let lines: Vec<&PayLine> = p.lines.iter().filter(|l| l.kind == kind).collect();
            let Some(first) = lines.first() else { continue };
            rows.push(SheetRow {
                staff_number: p.staff_number.clone(),
                name: p.name.clone(),
                kind,
                count: lines.iter().map(|l| l.count).sum(),
                minutes: lines.iter().map(|l| l.minutes).sum(),
                rate: Some((first.rate, first.rate_fen)),
                amount_fen: lines.iter().map(|l| l.amount_fen).sum(),
                correction: None,
            });
        }
        for c in &p.corrections {
            rows.push(SheetRow {
                staff_number: p.staff_number.clone(),
                name: p.name.clone(),
                kind: c.kind,
                count: c.delta_count,
                minutes: c.delta_minutes,
                rate: None,
                amount_fen: c.delta_fen,
                correction: Some(c.reason.clone()),
            });
        }
    }
    rows
}

/// A teacher's term summary (学期工作量汇总) for 评优评先: sessions, hours, turns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermSummary {
    pub user_id: String,
    pub staff_number: String,
    pub name: String,
    pub sessions: i64,
    pub care_minutes: i64,
    pub duty_turns: i64,
    pub duty_minutes: i64,
    pub leader_turns: i64,
    pub cover_turns: i64,
}

/// Folds a term's counts into one summary per teacher, in the order of `people`.
pub fn summarise(people: &[(String, String, String)], counts: &[WorkCount]) -> Vec<TermSummary> {
    let mut by_user: BTreeMap<&str, Vec<&WorkCount>> = BTreeMap::new();
    for c in counts {
        by_user.entry(&c.user_id).or_default().push(c);
    }
    let mut out = Vec::new();
    for (user_id, staff_number, name) in people {
        let Some(counts) = by_user.remove(user_id.as_str()) else { continue };
        let mut s = TermSummary {
            user_id: user_id.clone(),
            staff_number: staff_number.clone(),
            name: name.clone(),
            ..TermSummary::default()
        };
        for c in counts {
            match c.kind {
                PayKind::Care => {
                    s.sessions += c.count;
                    s.care_minutes += c.minutes;
                }
                PayKind::Duty => {
                    s.duty_turns += c.count;
                    s.duty_minutes += c.minutes;
                }
                PayKind::Leader => s.leader_turns += c.count,
                PayKind::Cover => s.cover_turns += c.count,
            }
        }
        out.push(s);
    }
    out
}

#[cfg(test)]
#[path = "pay_tests.rs"]
mod tests;
