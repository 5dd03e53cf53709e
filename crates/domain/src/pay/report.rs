//! The report: what each teacher did of each kind in each month, priced with the school's
//! rates, with the leaders' corrections; its totals, the finance office's sheet and the term
//! summary for 评优评先.

use super::{MAX_RATE_FEN, PayKind, RateKind, WorkloadRates, YearMonth, parse_yuan};
use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
