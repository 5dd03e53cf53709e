//! Rows of a roster (学生花名册, 教职工名单) once read and checked: what an import writes.

use crate::account::PhoneNumber;
use crate::family::{Gender, PriorityGroup, StudentNumber};
use crate::school::Grade;
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterGuardian {
    pub name: String,
    pub relationship: String,
    pub phone: PhoneNumber,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterStudent {
    /// The row in the file (1-based, as Excel shows it), for messages.
    pub row: usize,
    pub number: StudentNumber,
    pub name: String,
    pub gender: Gender,
    pub birth_date: Option<Date>,
    pub grade: Grade,
    pub class_number: u8,
    /// The first is the primary guardian.
    pub guardians: Vec<RosterGuardian>,
    pub priority_groups: Vec<PriorityGroup>,
    pub health_notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterStaff {
    pub row: usize,
    pub staff_number: String,
    pub name: String,
    pub phone: Option<PhoneNumber>,
    pub title: String,
}

/// One problem in a roster file, where the school can find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based row as Excel shows it; 0 for the file as a whole.
    pub row: usize,
    /// The column's header as in the file (or empty for the whole row / file).
    pub column: String,
    /// A message key (`err-…`), rendered in the user's language.
    pub key: &'static str,
    /// The offending value, shortened.
    pub value: String,
}

/// What an import changed (or, in a preview, would change).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}
