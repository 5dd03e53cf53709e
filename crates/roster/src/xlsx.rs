//! An .xlsx file's first sheet, read in one streaming pass. calamine's `worksheet_range` makes a
//! dense grid from the first to the last cell (one far cell asks for 512 GiB); here the grid is
//! sparse and every limit is checked before anything is kept for a cell.

use crate::table::{Cell, MAX_CELLS, MAX_COLUMNS, MAX_ROWS, Table, file_problem, into_table, text_cell};
use calamine::{DataRef, Dimensions, Reader, Xlsx, XlsxCellFormulaMetadataRecord, XlsxError, XlsxFormulaMetadata};
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use yanshi_domain::roster::Problem;

/// Rows above the data that still count as Excel numbers them (a title, blank rows).
const ROW_ALLOWANCE: usize = 1_000;
/// Cells read, empty ones too (Excel writes empty cells that only carry a format).
const MAX_READ_CELLS: usize = 4_000_000;
/// Formula and merged-cell problems reported; more say nothing new.
const MAX_CELL_PROBLEMS: usize = 200;

pub(crate) fn read_xlsx(bytes: &[u8]) -> Result<(Table, Vec<Problem>), Problem> {
    crate::zipscan::check(bytes)?;
    // calamine parses untrusted input; a panic in it (an overflowing cell reference in a
    // damaged file) means a damaged file, not a failed request.
    std::panic::catch_unwind(|| read_checked(bytes)).unwrap_or_else(|_| Err(file_problem("err-file-broken", "")))
}

fn broken(e: XlsxError) -> Problem {
    file_problem("err-file-broken", e.to_string())
}

fn read_checked(bytes: &[u8]) -> Result<(Table, Vec<Problem>), Problem> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(broken)?;
    let sheet = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| file_problem("err-file-empty", ""))?;
    let mut grid = Grid::default();
    match wb.worksheet_cells_reader(&sheet) {
        Ok(mut cells) => {
            while let Some(cell) = cells.next_cell_with_formula_metadata().map_err(broken)? {
                grid.add(cell)?;
            }
        }
        // A chart sheet first: no cells, as calamine's range gives.
        Err(XlsxError::NotAWorksheet(_)) => {}
        Err(e) => return Err(broken(e)),
    }
    let merged = wb.merge_cells_by_sheet_name(&sheet).unwrap_or_default();
    grid.finish(&merged)
}

/// The cells of a sheet as they stream by.
#[derive(Default)]
struct Grid {
    /// Row index → cells up to the row's last value; only rows with a value.
    rows: BTreeMap<u32, Vec<Cell>>,
    /// Cells kept in `rows`, blanks included.
    kept: usize,
    read: usize,
    /// (row, column, formula) of the first formulas.
    formulas: Vec<(u32, u32, String)>,
    /// Shared formulas by index: (text, top-left cell), to spell out the cells that share it.
    shared: HashMap<usize, (String, (u32, u32))>,
}

impl Grid {
    fn add(&mut self, cell: XlsxCellFormulaMetadataRecord<'_>) -> Result<(), Problem> {
        self.read += 1;
        if self.read > MAX_READ_CELLS {
            return Err(file_problem("err-file-too-large", format!("> {MAX_READ_CELLS} cells")));
        }
        let (row, col) = cell.pos;
        if let Some(f) = cell.formula {
            self.formula(f, cell.pos);
        }
        let value = match cell.value {
            DataRef::Empty | DataRef::Error(_) => return Ok(()),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text_cell(&s),
            DataRef::SharedString(s) => text_cell(s),
            DataRef::Int(n) => Cell::Number(n as f64),
            DataRef::Float(f) => Cell::Number(f),
            DataRef::Bool(b) => Cell::Text(b.to_string()),
            DataRef::DateTime(dt) => Cell::Date(dt.as_f64()),
        };
        if value == Cell::Empty {
            return Ok(());
        }
        if row as usize >= MAX_ROWS + ROW_ALLOWANCE {
            return Err(file_problem("err-file-too-many-rows", MAX_ROWS.to_string()));
        }
        let col = col as usize;
        if col >= MAX_COLUMNS {
            return Err(file_problem("err-file-too-wide", MAX_COLUMNS.to_string()));
        }
        let cells = self.rows.entry(row).or_default();
        if col >= cells.len() {
            self.kept += col + 1 - cells.len();
            if self.kept > MAX_CELLS {
                return Err(file_problem("err-file-too-large", format!("> {MAX_CELLS} cells")));
            }
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = value;
        Ok(())
    }

    /// Keeps the first formulas, as text, the way calamine's `worksheet_formula` spells them.
    fn formula(&mut self, f: XlsxFormulaMetadata, pos: (u32, u32)) {
        if self.formulas.len() >= MAX_CELL_PROBLEMS {
            return;
        }
        let text = match f {
            XlsxFormulaMetadata::Normal { formula } => formula,
            XlsxFormulaMetadata::Shared {
                shared_index,
                range,
                formula,
            } => {
                if !formula.is_empty() {
                    let start = range.map_or(pos, |r| r.start);
                    self.shared.insert(shared_index, (formula.clone(), start));
                }
                formula
            }
            XlsxFormulaMetadata::SharedDerived { shared_index } => match self.shared.get(&shared_index) {
                Some((template, start)) => calamine::expand_shared_formula(template, *start, pos).unwrap_or_default(),
                None => String::new(),
            },
            _ => String::new(),
        };
        if !text.is_empty() {
            self.formulas.push((pos.0, pos.1, text));
        }
    }

    fn finish(mut self, merged: &[Dimensions]) -> Result<(Table, Vec<Problem>), Problem> {
        let header_row = self.rows.keys().next().map_or(1, |r| *r as usize + 1);
        let headers = self.rows.values().next();
        let column_name = |col: u32| headers.and_then(|c| c.get(col as usize)).map(Cell::text).unwrap_or_default();
        self.formulas.sort_by_key(|(r, c, _)| (*r, *c));
        let formulas = self.formulas.iter().map(|(r, c, f)| Problem {
            row: *r as usize + 1,
            column: column_name(*c),
            key: "err-cell-formula",
            value: format!("={f}"),
        });
        // Merged cells below the header hide which row a value belongs to.
        let merged = merged
            .iter()
            .filter(|m| m.start.0 as usize + 1 > header_row)
            .take(MAX_CELL_PROBLEMS)
            .map(|m| Problem {
                row: m.start.0 as usize + 1,
                column: column_name(m.start.1),
                key: "err-cell-merged",
                value: String::new(),
            });
        let problems = formulas.chain(merged).collect();
        // The header row as wide as the widest row, as calamine's range made every row.
        let width = self.rows.values().map(Vec::len).max().unwrap_or(0);
        if let Some(header) = self.rows.values_mut().next() {
            header.resize(width, Cell::Empty);
        }
        let grid = self.rows.into_iter().map(|(r, cells)| (r as usize + 1, cells)).collect();
        into_table(grid).map(|t| (t, problems))
    }
}
