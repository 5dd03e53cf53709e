//! Templates to fill in, and exports, as `.xlsx` with Chinese headers.

use crate::parse::{STAFF_COLUMNS, STUDENT_COLUMNS};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

fn sheet_with_headers(wb: &mut Workbook, name: &str, headers: &[&str]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    for (c, h) in headers.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, &bold)?;
        // Text columns: student numbers and phones keep their digits and leading zeros.
        ws.set_column_format(c, &text)?;
        ws.set_column_width(c, 14)?;
    }
    Ok(())
}

fn notes(wb: &mut Workbook, lines: &[&str]) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("填写说明")?;
    ws.set_column_width(0, 90)?;
    for (r, l) in lines.iter().enumerate() {
        ws.write_string(r as u32, 0, *l)?;
    }
    Ok(())
}

/// The student roster template: headers, one example row, and a sheet of instructions.
pub fn student_template() -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let headers: Vec<&str> = STUDENT_COLUMNS.iter().map(|c| c.0).collect();
    sheet_with_headers(&mut wb, "学生花名册", &headers)?;
    let example = [
        "20260301",
        "王小明",
        "男",
        "2017-05-12",
        "三年级",
        "2班",
        "张丽",
        "母亲",
        "13800138000",
        "王强",
        "父亲",
        "13900139000",
        "",
        "",
    ];
    let ws = wb.worksheet_from_index(0)?;
    for (c, v) in example.iter().enumerate() {
        ws.write_string(1, c as u16, *v)?;
    }
    notes(
        &mut wb,
        &[
            "学生花名册填写说明",
            "1. 第一行是表头，请勿修改；示例行（第 2 行）请替换为真实数据。",
            "2. 必填：学号、姓名、性别、班级、监护人1姓名、监护人1电话。",
            "3. 班级可写“三年级二班”“3年级2班”“3-2”；也可分开填“年级”和“班级”。",
            "4. 出生日期可写 2017-05-12、2017/5/12、20170512 或 2017年5月12日。",
            "5. 手机号为 11 位，全角数字会自动转换。同一学号只能出现一次。",
            "6. 请勿使用公式和合并单元格。优先保障可填：留守儿童、随迁子女、孤儿、残疾儿童、困难家庭、双职工家庭、单亲家庭、低年级。",
            "7. 重新导入同一文件不会重复添加；按学号更新已有学生。",
        ],
    )?;
    wb.save_to_buffer()
}

pub fn staff_template() -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let headers: Vec<&str> = STAFF_COLUMNS.iter().map(|c| c.0).collect();
    sheet_with_headers(&mut wb, "教职工名单", &headers)?;
    let ws = wb.worksheet_from_index(0)?;
    for (c, v) in ["T001", "王芳", "13800138001", "语文教师"].iter().enumerate() {
        ws.write_string(1, c as u16, *v)?;
    }
    notes(
        &mut wb,
        &[
            "教职工名单填写说明",
            "1. 必填：工号、姓名。手机号可选（11 位）。",
            "2. 重新导入按工号更新，不会重复添加。",
        ],
    )?;
    wb.save_to_buffer()
}

/// One row of the student export.
pub struct ExportStudent {
    pub number: String,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub grade: String,
    pub class: String,
    /// (name, relationship, phone) of up to two guardians.
    pub guardians: Vec<(String, String, String)>,
}

/// Students with their guardians, in the import layout (so an export can be edited and re-imported).
pub fn export_students(rows: &[ExportStudent]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let headers: Vec<&str> = STUDENT_COLUMNS.iter().take(12).map(|c| c.0).collect();
    sheet_with_headers(&mut wb, "学生花名册", &headers)?;
    let ws = wb.worksheet_from_index(0)?;
    for (i, s) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        let mut values = vec![
            s.number.clone(),
            s.name.clone(),
            s.gender.clone(),
            s.birth_date.clone(),
            s.grade.clone(),
            s.class.clone(),
        ];
        for g in s.guardians.iter().take(2) {
            values.extend([g.0.clone(), g.1.clone(), g.2.clone()]);
        }
        for (c, v) in values.iter().enumerate() {
            ws.write_string(r, c as u16, v)?;
        }
    }
    wb.save_to_buffer()
}

/// Any table as one sheet with a bold header row (survey answers, lists).
pub fn write_table(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    sheet_with_headers(&mut wb, sheet, headers)?;
    let ws = wb.worksheet_from_index(0)?;
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v)?;
        }
    }
    wb.save_to_buffer()
}
