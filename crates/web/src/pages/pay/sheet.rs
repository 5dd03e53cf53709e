//! The period's report for the finance office: the A4 sheet teachers sign and the .xlsx in
//! its layout (工号, 姓名, 项目, 次数, 时长, 标准, 金额, with a totals row); and the term's
//! workload summary for 评优评先.

use super::review::PayWords;
use super::{own_period, own_school};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::identity::Me;
use crate::layout::Layout;
use crate::pages::{IdPath, page};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;
use yanshi_domain::ids::{PayPeriodId, TermId};
use yanshi_domain::pay::{RateKind, SheetRow, TermSummary, format_hours, format_yuan, sheet_rows};
use yanshi_domain::school_time::local;
use yanshi_store::pay::{PayPeriod, PayReport};

/// The unit a rate is per, as the sheet says it.
fn per_key(rate: RateKind) -> &'static str {
    match rate {
        RateKind::CareHour => "ui-pay-per-hour",
        RateKind::CareSession => "ui-pay-per-session",
        _ => "ui-pay-per-turn",
    }
}

/// 标准 of a row: "50.00 元/次"; a correction has none.
fn standard(t: Tr, r: &SheetRow) -> String {
    match r.rate {
        Some((rate, fen)) => format!("{} {}", format_yuan(fen), t.get(per_key(rate))),
        None => String::new(),
    }
}

/// 项目 of a row: the kind, or "更正·值班" for a correction.
fn item(t: Tr, r: &SheetRow) -> String {
    match r.correction {
        Some(_) => format!("{}·{}", t.get("ui-pay-correction"), t.get(r.kind.key())),
        None => t.get(r.kind.key()).to_string(),
    }
}

#[derive(Template)]
#[template(path = "pay_print.html")]
struct PrintPage {
    l: Layout,
    school: String,
    period: PayPeriod,
    report: PayReport,
    /// (row, 项目, 标准, span): the rows in the finance layout. A teacher's rows share one
    /// signature cell: its span at the teacher's first row, 0 on the others.
    rows: Vec<(SheetRow, String, String, usize)>,
}

impl PayWords for PrintPage {}

async fn leader_period(state: &AppState, me: &Me, id: &PayPeriodId, what: &str) -> AppResult<(PayPeriod, PayReport)> {
    let period = own_period(state, me, id).await?;
    let report = state.store.pay_report(&period).await?;
    state.store.record_pay_export(&me.user, &period, what, state.clock.now()).await?;
    Ok((period, report))
}

/// `/school/pay/{id}/print`: A4, one signature cell per teacher, the totals and the signers.
pub async fn print(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<PayPeriodId>) -> AppResult<Response> {
    let (period, report) = leader_period(&state, &me, &id, "print").await?;
    let school = state.store.school(&period.school_id).await?;
    let t = Tr(lang);
    let rows: Vec<(SheetRow, String, String)> = sheet_rows(&report.people)
        .into_iter()
        .map(|r| {
            let (i, s) = (item(t, &r), standard(t, &r));
            (r, i, s)
        })
        .collect();
    let spans: Vec<usize> = rows
        .iter()
        .enumerate()
        .map(|(i, (r, _, _))| {
            let first = i == 0 || rows[i - 1].0.name != r.name || rows[i - 1].0.staff_number != r.staff_number;
            if first {
                rows[i..]
                    .iter()
                    .take_while(|(o, _, _)| o.name == r.name && o.staff_number == r.staff_number)
                    .count()
            } else {
                0
            }
        })
        .collect();
    let rows = rows.into_iter().zip(spans).map(|((r, i, s), n)| (r, i, s, n)).collect();
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        PrintPage {
            l,
            school: school.name,
            period,
            report,
            rows,
        },
    )
}

/// The finance office's workbook: a header row, a row per teacher and kind (then each
/// correction), and a totals row. Numbers are numbers (金额 in 元, two decimals), so the office
/// can sum them; the amounts are the report's own fen, shown to the fen.
pub fn workbook(school: &str, report: &PayReport, sha256: Option<&str>) -> Result<Vec<u8>, XlsxError> {
    let t = Tr(Lang::ZhCn);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let money = Format::new().set_num_format("0.00");
    let money_bold = Format::new().set_num_format("0.00").set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("绩效工资")?;
    let headers = [
        "ui-pay-col-number",
        "ui-pay-col-name",
        "ui-pay-col-item",
        "ui-pay-col-count",
        "ui-pay-col-hours",
        "ui-pay-col-standard",
        "ui-pay-col-amount",
        "ui-pay-col-note",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, t.get(h), &bold)?;
        ws.set_column_width(c as u16, if c == 7 { 30 } else { 12 })?;
    }
    ws.set_column_format(0, &text)?;
    let rows = sheet_rows(&report.people);
    let mut r = 1u32;
    for row in &rows {
        ws.write_string(r, 0, &row.staff_number)?;
        ws.write_string(r, 1, &row.name)?;
        ws.write_string(r, 2, item(t, row))?;
        ws.write_number(r, 3, row.count as f64)?;
        ws.write_number_with_format(r, 4, hours_number(row.minutes), &money)?;
        ws.write_string(r, 5, standard(t, row))?;
        ws.write_number_with_format(r, 6, yuan_number(row.amount_fen), &money)?;
        ws.write_string(r, 7, row.correction.as_deref().unwrap_or(""))?;
        r += 1;
    }
    ws.write_string_with_format(r, 0, t.get("ui-pay-total"), &bold)?;
    ws.write_number_with_format(r, 3, rows.iter().map(|x| x.count).sum::<i64>() as f64, &bold)?;
    ws.write_number_with_format(r, 4, hours_number(rows.iter().map(|x| x.minutes).sum()), &money_bold)?;
    ws.write_number_with_format(r, 6, yuan_number(report.totals.amount_fen), &money_bold)?;
    r += 2;
    let range = format!("{} · {} · {} – {}", school, report.name, report.from, report.to);
    ws.write_string(r, 0, range)?;
    if let Some(sha) = sha256 {
        ws.write_string(r + 1, 0, format!("{} SHA-256 {sha}", t.get("ui-pay-locked")))?;
    }
    wb.save_to_buffer()
}

/// Fen as a spreadsheet number of 元: a cell holds a double, so the sheet is written from the
/// integer fen at the last step and reads back to the same fen.
fn yuan_number(fen: i64) -> f64 {
    fen as f64 / 100.0
}

fn hours_number(minutes: i64) -> f64 {
    format_hours(minutes).parse().unwrap_or(0.0)
}

/// `/school/pay/{id}/report.xlsx`.
pub async fn xlsx(State(state): State<AppState>, me: Me, IdPath(id): IdPath<PayPeriodId>) -> AppResult<Response> {
    let (period, report) = leader_period(&state, &me, &id, "xlsx").await?;
    let school = state.store.school(&period.school_id).await?;
    let bytes = workbook(&school.name, &report, period.locked.as_ref().map(|l| l.sha256.as_str()))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"pay.xlsx\"".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "pay_summary.html")]
struct SummaryPage {
    l: Layout,
    /// (id, name, chosen)
    terms: Vec<(String, String, bool)>,
    rows: Vec<TermSummary>,
}

impl PayWords for SummaryPage {}

#[derive(Deserialize)]
pub struct TermQuery {
    #[serde(default)]
    term: String,
}

/// `/school/pay/summary?term=`: the term's workload per teacher (the current term by default).
pub async fn summary(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<TermQuery>) -> AppResult<Response> {
    let school_id = own_school(&me)?;
    let school = state.store.school(&school_id).await?;
    let terms = state.store.terms(&school_id).await?;
    let today = local(state.clock.now(), &school.time_zone).date();
    let chosen = match q.term.trim() {
        "" => terms
            .iter()
            .find(|t| t.dates.starts_on <= today && today <= t.dates.ends_on)
            .or(terms.first()),
        s => {
            let id = TermId::parse(s).ok_or(AppError::NotFound)?;
            Some(terms.iter().find(|t| t.id == id).ok_or(AppError::NotFound)?)
        }
    };
    let rows = match chosen {
        Some(t) => state.store.term_workload(t).await?,
        None => Vec::new(),
    };
    let chosen_id = chosen.map(|t| t.id.clone());
    let terms = terms
        .iter()
        .map(|t| (t.id.to_string(), t.name.clone(), Some(&t.id) == chosen_id.as_ref()))
        .collect();
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(StatusCode::OK, SummaryPage { l, terms, rows })
}
