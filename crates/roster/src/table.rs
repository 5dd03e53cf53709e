//! A spreadsheet or CSV file as a grid of cells, with the problems of the file itself.

use yanshi_domain::roster::Problem;

/// The most data rows a roster may have (a large school has about 3,000 children).
pub const MAX_ROWS: usize = 20_000;
/// Columns that may hold a value (a 学籍 export has about 70).
pub(crate) const MAX_COLUMNS: usize = 256;
/// Cells a table may keep, blanks before a row's last value included (32 bytes each).
pub(crate) const MAX_CELLS: usize = 2_000_000;

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

pub(crate) fn file_problem(key: &'static str, value: impl Into<String>) -> Problem {
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
        crate::xlsx::read_xlsx(bytes)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Err(file_problem("err-file-xls", ""))
    } else if bytes.iter().take(4096).any(|b| *b == 0) {
        Err(file_problem("err-file-not-spreadsheet", ""))
    } else {
        read_csv(bytes).map(|t| (t, Vec::new()))
    }
}

/// Text as a cell: blank or whitespace-only text is an empty cell, in CSV and in .xlsx.
pub(crate) fn text_cell(s: &str) -> Cell {
    if s.trim().is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
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
    // Every comma may start a cell; counted before the reader makes a record of a million.
    let commas = text.bytes().filter(|b| *b == b',').count();
    if commas > MAX_CELLS {
        return Err(file_problem("err-file-too-large", format!("{commas} commas")));
    }
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
        // Trailing empty fields past the last column are dropped, as in a sheet.
        if record.iter().skip(MAX_COLUMNS).any(|s| !s.trim().is_empty()) {
            return Err(file_problem("err-file-too-wide", MAX_COLUMNS.to_string()));
        }
        grid.push((i + 1, record.iter().take(MAX_COLUMNS).map(text_cell).collect()));
        if grid.len() > MAX_ROWS + 1 {
            return Err(file_problem("err-file-too-many-rows", MAX_ROWS.to_string()));
        }
    }
    into_table(grid)
}

/// The first non-blank row holds the headers; blank rows after it are skipped.
pub(crate) fn into_table(grid: Vec<(usize, Vec<Cell>)>) -> Result<Table, Problem> {
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
