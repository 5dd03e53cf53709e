//! A spreadsheet or CSV file as a grid of cells, with the problems of the file itself.

use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;
use yanshi_domain::roster::Problem;

/// The most data rows a roster may have (a large school has about 3,000 children).
pub const MAX_ROWS: usize = 20_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// An Excel date serial.
    Date(f64),
}

impl Cell {
    /// The cell as text, the way a person reads it (12345678.0 → "12345678").
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) | Cell::Date(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                format!("{}", *n as i64)
            }
            Cell::Number(n) | Cell::Date(n) => n.to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text().is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    /// (row number as Excel shows it, cells).
    pub rows: Vec<(usize, Vec<Cell>)>,
}

fn file_problem(key: &'static str, value: impl Into<String>) -> Problem {
    Problem {
        row: 0,
        column: String::new(),
        key,
        value: value.into(),
    }
}

/// Reads `.xlsx` (by its zip signature) or CSV (UTF-8, or GBK as Excel saves it on Chinese
/// Windows). Problems that make the whole file unusable come back as `Err`.
pub fn read_table(bytes: &[u8]) -> Result<(Table, Vec<Problem>), Problem> {
    if bytes.is_empty() {
        return Err(file_problem("err-file-empty", ""));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Err(file_problem("err-file-xls", ""))
    } else if bytes.iter().take(4096).any(|b| *b == 0) {
        Err(file_problem("err-file-not-spreadsheet", ""))
    } else {
        read_csv(bytes).map(|t| (t, Vec::new()))
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<(Table, Vec<Problem>), Problem> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| file_problem("err-file-broken", e.to_string()))?;
    let sheet = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| file_problem("err-file-empty", ""))?;
    let range = wb
        .worksheet_range(&sheet)
        .map_err(|e| file_problem("err-file-broken", e.to_string()))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid: Vec<(usize, Vec<Cell>)> = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<Cell> = (0..left)
            .map(|_| Cell::Empty)
            .chain(row.iter().map(|d| match d {
                Data::Empty | Data::Error(_) => Cell::Empty,
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
                Data::Int(n) => Cell::Number(*n as f64),
                Data::Float(f) => Cell::Number(*f),
                Data::Bool(b) => Cell::Text(b.to_string()),
                Data::DateTime(dt) => Cell::Date(dt.as_f64()),
            }))
            .collect();
        grid.push((top as usize + i + 1, cells));
    }
    let mut problems = Vec::new();
    let header_row = grid
        .iter()
        .find(|(_, c)| c.iter().any(|x| !x.is_empty()))
        .map(|(r, _)| *r)
        .unwrap_or(1);
    let column_name = |grid: &Vec<(usize, Vec<Cell>)>, col: usize| {
        grid.iter()
            .find(|(r, _)| *r == header_row)
            .and_then(|(_, c)| c.get(col))
            .map(Cell::text)
            .unwrap_or_default()
    };
    // Formulas: the cached value may be stale or missing; the school pastes values instead.
    if let Ok(formulas) = wb.worksheet_formula(&sheet) {
        let (ftop, fleft) = formulas.start().unwrap_or((0, 0));
        for (r, row) in formulas.rows().enumerate() {
            for (c, f) in row.iter().enumerate() {
                if !f.is_empty() && problems.len() < 200 {
                    let col = fleft as usize + c;
                    problems.push(Problem {
                        row: ftop as usize + r + 1,
                        column: column_name(&grid, col),
                        key: "err-cell-formula",
                        value: format!("={f}"),
                    });
                }
            }
        }
    }
    // Merged cells below the header hide which row a value belongs to.
    if let Ok(merged) = wb.merge_cells_by_sheet_name(&sheet) {
        for m in merged {
            let row = m.start.0 as usize + 1;
            if row > header_row {
                problems.push(Problem {
                    row,
                    column: column_name(&grid, m.start.1 as usize),
                    key: "err-cell-merged",
                    value: String::new(),
                });
            }
        }
    }
    into_table(grid).map(|t| (t, problems))
}

fn read_csv(bytes: &[u8]) -> Result<Table, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GBK.decode(bytes);
            if had_errors {
                return Err(file_problem("err-file-encoding", ""));
            }
            decoded.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Problem {
            row: i + 1,
            column: String::new(),
            key: "err-file-csv",
            value: e.to_string(),
        })?;
        grid.push((
            i + 1,
            record
                .iter()
                .map(|s| {
                    if s.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(s.to_string())
                    }
                })
                .collect(),
        ));
        if grid.len() > MAX_ROWS + 1 {
            return Err(file_problem("err-file-too-many-rows", MAX_ROWS.to_string()));
        }
    }
    into_table(grid)
}

/// The first non-blank row holds the headers; blank rows after it are skipped.
fn into_table(grid: Vec<(usize, Vec<Cell>)>) -> Result<Table, Problem> {
    let mut rows = grid.into_iter().filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()));
    let Some((_, header_cells)) = rows.next() else {
        return Err(file_problem("err-file-empty", ""));
    };
    let headers = header_cells.iter().map(|c| c.text().replace([' ', '\u{3000}', '\n'], "")).collect();
    let rows: Vec<_> = rows.collect();
    if rows.len() > MAX_ROWS {
        return Err(file_problem("err-file-too-many-rows", MAX_ROWS.to_string()));
    }
    Ok(Table { headers, rows })
}
