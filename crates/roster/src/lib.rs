//! yanshi-roster — the school's rosters (学生花名册, 教职工名单) in and out of Excel and CSV.
//!
//! Reading never writes anything: [`read_table`] turns a file into cells (refusing formulas and
//! merged cells where the data is), [`students`] and [`staff`] check every row and return the
//! rows with every problem by row and column. The store then writes all rows in one
//! transaction, or nothing. Templates and exports use the same column layout.

mod parse;
mod table;
mod write;
mod xlsx;
mod zipscan;

pub use parse::{STAFF_COLUMNS, STUDENT_COLUMNS, class_refs, staff, students};
pub use table::{Cell, MAX_ROWS, Table, read_table};
pub use write::{ExportStudent, export_students, staff_template, student_template, write_table};
