//! Checking every row of a roster, with every problem by row and column.

use crate::table::{Cell, Table};
use std::collections::HashMap;
use yanshi_domain::Invalid;
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::family::{Gender, PriorityGroup, StudentNumber, excel_serial_date, parse_flexible_date, parse_relationship};
use yanshi_domain::roster::{Problem, RosterGuardian, RosterStaff, RosterStudent};
use yanshi_domain::school::{Grade, parse_class, parse_class_number};

/// (canonical header, other names schools use for it, required).
type Column = (&'static str, &'static [&'static str], bool);

/// The student roster's columns, in the template's order.
pub const STUDENT_COLUMNS: &[Column] = &[
    ("学号", &["学籍号", "学生编号"], true),
    ("姓名", &["学生姓名"], true),
    ("性别", &[], true),
    ("出生日期", &["生日", "出生年月日"], false),
    ("年级", &[], false),
    ("班级", &["班"], true),
    ("监护人1姓名", &["家长姓名", "监护人姓名", "家长1姓名"], true),
    ("监护人1关系", &["关系", "与学生关系", "家长1关系"], false),
    ("监护人1电话", &["家长电话", "联系电话", "手机号", "监护人电话", "家长1电话"], true),
    ("监护人2姓名", &["家长2姓名"], false),
    ("监护人2关系", &["家长2关系"], false),
    ("监护人2电话", &["家长2电话"], false),
    ("优先保障", &["优先保障对象", "优先保障类别"], false),
    ("健康情况", &["健康备注", "特殊体质"], false),
];

pub const STAFF_COLUMNS: &[Column] = &[
    ("工号", &["教师编号", "编号"], true),
    ("姓名", &["教师姓名"], true),
    ("手机号", &["电话", "联系电话"], false),
    ("职务", &["职称", "岗位"], false),
];

/// Where each known column is in this file.
struct Columns {
    index: HashMap<&'static str, usize>,
    headers: Vec<String>,
}

impl Columns {
    fn find(table: &Table, spec: &[Column], problems: &mut Vec<Problem>) -> Option<Columns> {
        let mut index = HashMap::new();
        for (name, aliases, required) in spec {
            let at = table.headers.iter().position(|h| h == name || aliases.contains(&h.as_str()));
            match at {
                Some(i) => {
                    index.insert(*name, i);
                }
                None if *required => problems.push(Problem {
                    row: 0,
                    column: name.to_string(),
                    key: "err-column-missing",
                    value: String::new(),
                }),
                None => {}
            }
        }
        (!problems.iter().any(|p| p.key == "err-column-missing")).then(|| Columns {
            index,
            headers: table.headers.clone(),
        })
    }

    fn cell<'a>(&self, cells: &'a [Cell], name: &str) -> Option<&'a Cell> {
        self.index.get(name).and_then(|i| cells.get(*i))
    }

    fn text(&self, cells: &[Cell], name: &str) -> String {
        self.cell(cells, name).map(Cell::text).unwrap_or_default()
    }

    /// The header as the school wrote it, for messages.
    fn header(&self, name: &str) -> String {
        self.index
            .get(name)
            .and_then(|i| self.headers.get(*i))
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

struct RowCheck<'a> {
    row: usize,
    cols: &'a Columns,
    cells: &'a [Cell],
    problems: &'a mut Vec<Problem>,
}

impl RowCheck<'_> {
    /// Parses a column; records a problem and gives `None` when it fails.
    fn take<T>(&mut self, column: &str, parse: impl FnOnce(&str) -> Result<T, Invalid>) -> Option<T> {
        let value = self.cols.text(self.cells, column);
        match parse(&value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problems.push(Problem {
                    row: self.row,
                    column: self.cols.header(column),
                    key: e.key,
                    value: short(&value),
                });
                None
            }
        }
    }

    fn problem(&mut self, column: &str, key: &'static str, value: &str) {
        self.problems.push(Problem {
            row: self.row,
            column: self.cols.header(column),
            key,
            value: short(value),
        });
    }
}

fn required<'a>(key: &'static str) -> impl Fn(&'a str) -> Result<&'a str, Invalid> {
    move |s| {
        if s.trim().is_empty() {
            Err(Invalid::new("value", key))
        } else {
            Ok(s)
        }
    }
}

/// Reads and checks a student roster. Every row is checked; every problem is returned.
pub fn students(table: &Table) -> (Vec<RosterStudent>, Vec<Problem>) {
    let mut problems = Vec::new();
    let Some(cols) = Columns::find(table, STUDENT_COLUMNS, &mut problems) else {
        return (Vec::new(), problems);
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (row, cells) in &table.rows {
        let before = problems.len();
        let mut c = RowCheck {
            row: *row,
            cols: &cols,
            cells,
            problems: &mut problems,
        };
        let number = c.take("学号", StudentNumber::parse);
        if let Some(n) = &number
            && let Some(first) = seen.insert(n.as_str().to_string(), *row)
        {
            c.problem("学号", "err-student-number-duplicate", &format!("{} ↔ {first}", n.as_str()));
        }
        let name = c.take("姓名", |s| DisplayName::parse(s).map(|n| n.as_str().to_string()));
        let gender = c.take("性别", Gender::parse);
        let birth_date = match cols.cell(cells, "出生日期") {
            None => Some(None),
            Some(cell) if cell.is_empty() => Some(None),
            Some(Cell::Date(serial)) => match excel_serial_date(*serial) {
                Some(d) => Some(Some(d)),
                None => {
                    c.problem("出生日期", "err-date", &serial.to_string());
                    None
                }
            },
            Some(_) => c.take("出生日期", parse_flexible_date).map(Some),
        };
        let grade_text = cols.text(cells, "年级");
        let class = if grade_text.is_empty() {
            c.take("班级", parse_class)
        } else {
            let g = c.take("年级", Grade::parse);
            let n = c.take("班级", |s| parse_class(s).map(|(_, n)| n).or_else(|_| parse_class_number(s)));
            g.zip(n)
        };
        let mut guardians = Vec::new();
        for i in ["1", "2"] {
            let (name_col, rel_col, phone_col) = (format!("监护人{i}姓名"), format!("监护人{i}关系"), format!("监护人{i}电话"));
            let (gname, gphone) = (cols.text(cells, &name_col), cols.text(cells, &phone_col));
            if i == "2" && gname.is_empty() && gphone.is_empty() {
                continue;
            }
            let gname = c.take(&name_col, |s| {
                required("err-guardian-name-required")(s)
                    .and_then(DisplayName::parse)
                    .map(|n| n.as_str().to_string())
            });
            let rel_text = cols.text(cells, &rel_col);
            let relationship = if rel_text.is_empty() {
                Some("监护人".to_string())
            } else {
                c.take(&rel_col, parse_relationship)
            };
            let phone = c.take(&phone_col, PhoneNumber::parse);
            if let (Some(name), Some(relationship), Some(phone)) = (gname, relationship, phone) {
                if guardians.iter().any(|g: &RosterGuardian| g.phone == phone) {
                    c.problem(&phone_col, "err-guardian-phone-twice", phone.as_str());
                }
                guardians.push(RosterGuardian { name, relationship, phone });
            }
        }
        let priority_groups = c.take("优先保障", PriorityGroup::parse_list).unwrap_or_default();
        let health_notes = cols.text(cells, "健康情况");
        if health_notes.chars().count() > 200 {
            c.problem("健康情况", "err-health-too-long", &health_notes);
        }
        if problems.len() > before {
            continue;
        }
        if let (Some(number), Some(name), Some(gender), Some(birth_date), Some((grade, class_number))) =
            (number, name, gender, birth_date, class)
        {
            out.push(RosterStudent {
                row: *row,
                number,
                name,
                gender,
                birth_date,
                grade,
                class_number,
                guardians,
                priority_groups,
                health_notes,
            });
        }
    }
    if table.rows.is_empty() {
        problems.push(Problem {
            row: 0,
            column: String::new(),
            key: "err-file-no-rows",
            value: String::new(),
        });
    }
    (out, problems)
}

/// Reads and checks a staff list.
pub fn staff(table: &Table) -> (Vec<RosterStaff>, Vec<Problem>) {
    let mut problems = Vec::new();
    let Some(cols) = Columns::find(table, STAFF_COLUMNS, &mut problems) else {
        return (Vec::new(), problems);
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (row, cells) in &table.rows {
        let before = problems.len();
        let mut c = RowCheck {
            row: *row,
            cols: &cols,
            cells,
            problems: &mut problems,
        };
        let number = c.take("工号", |s| {
            StudentNumber::parse(s)
                .map(|n| n.as_str().to_string())
                .map_err(|_| Invalid::new("staff_number", "err-staff-number"))
        });
        if let Some(n) = &number
            && let Some(first) = seen.insert(n.clone(), *row)
        {
            c.problem("工号", "err-staff-number-duplicate", &format!("{n} ↔ {first}"));
        }
        let name = c.take("姓名", |s| DisplayName::parse(s).map(|n| n.as_str().to_string()));
        let phone_text = cols.text(cells, "手机号");
        let phone = if phone_text.is_empty() {
            Some(None)
        } else {
            c.take("手机号", PhoneNumber::parse).map(Some)
        };
        let title = cols.text(cells, "职务");
        if title.chars().count() > 20 {
            c.problem("职务", "err-title-too-long", &title);
        }
        if problems.len() > before {
            continue;
        }
        if let (Some(staff_number), Some(name), Some(phone)) = (number, name, phone) {
            out.push(RosterStaff {
                row: *row,
                staff_number,
                name,
                phone,
                title,
            });
        }
    }
    (out, problems)
}

/// The class of every row whose class can be read, clean or not: so a missing class is
/// reported in the same round as the row's other mistakes.
pub fn class_refs(table: &Table) -> Vec<(usize, Grade, u8)> {
    let mut ignored = Vec::new();
    let Some(cols) = Columns::find(table, STUDENT_COLUMNS, &mut ignored) else {
        return Vec::new();
    };
    table
        .rows
        .iter()
        .filter_map(|(row, cells)| {
            let grade_text = cols.text(cells, "年级");
            let class_text = cols.text(cells, "班级");
            let class = if grade_text.is_empty() {
                parse_class(&class_text).ok()
            } else {
                Grade::parse(&grade_text).ok().zip(
                    parse_class(&class_text)
                        .map(|(_, n)| n)
                        .or_else(|_| parse_class_number(&class_text))
                        .ok(),
                )
            };
            class.map(|(g, n)| (*row, g, n))
        })
        .collect()
}
