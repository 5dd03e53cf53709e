//! Real files: templates written and read back, and the mistakes schools make.

use rust_xlsxwriter::{Format, Workbook};
use yanshi_roster::{Cell, read_table, staff, student_template, students};

fn csv_table(text: &str) -> yanshi_roster::Table {
    read_table(text.as_bytes()).unwrap().0
}

const HEADER: &str = "学号,姓名,性别,出生日期,班级,监护人1姓名,监护人1关系,监护人1电话,监护人2姓名,监护人2关系,监护人2电话,优先保障\n";

#[test]
fn the_template_reads_back_with_its_example_row_valid() {
    let bytes = student_template().unwrap();
    let (table, file_problems) = read_table(&bytes).unwrap();
    assert!(file_problems.is_empty(), "{file_problems:?}");
    let (rows, problems) = students(&table);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "王小明");
    assert_eq!((rows[0].grade.number(), rows[0].class_number), (3, 2));
    assert_eq!(rows[0].guardians.len(), 2);
}

#[test]
fn every_mistake_is_reported_by_row_and_column() {
    let text = format!(
        "{HEADER}\
         20260301,王小明,男,2017-05-12,三年级二班,张丽,母亲,１３８００１３８０００,,,,\n\
         ,,,,,,,,,,,\n\
         20260302,李华,女,2017/5/12,3-2,李梅,母亲,1380013800,,,,\n\
         20260301,赵六,男,20170512,九年级一班,赵大,父亲,13800138002,,,,\n\
         20260304,钱七,不详,2017年5月12日,3年级2班,,,13800138003,,,,留守儿童、外星人\n\
         20260305,孙八,男,2017-02-30,3-2,孙九,父亲,13800138004,孙十,,,\n"
    );
    let (rows, problems) = students(&csv_table(&text));
    let found: Vec<(usize, &str, &str)> = problems.iter().map(|p| (p.row, p.column.as_str(), p.key)).collect();
    let expected = [
        (4, "监护人1电话", "err-phone-format"),
        (5, "学号", "err-student-number-duplicate"),
        (5, "班级", "err-grade"),
        (6, "性别", "err-gender"),
        (6, "监护人1姓名", "err-guardian-name-required"),
        (6, "优先保障", "err-priority-group"),
        (7, "出生日期", "err-date"),
        (7, "监护人2电话", "err-phone-required"),
    ];
    for e in expected {
        assert!(found.contains(&e), "missing {e:?} in {found:?}");
    }
    assert_eq!(found.len(), expected.len(), "{found:?}");
    assert_eq!(rows.len(), 1, "only row 2 is clean; the blank row 3 is skipped");
    assert_eq!(rows[0].guardians[0].phone.as_str(), "13800138000", "full-width digits folded");
    assert!(
        problems
            .iter()
            .find(|p| p.key == "err-student-number-duplicate")
            .unwrap()
            .value
            .contains("↔ 2")
    );
}

#[test]
fn missing_columns_are_named() {
    let (_, problems) = students(&csv_table("学号,姓名\n1,王\n"));
    let missing: Vec<&str> = problems
        .iter()
        .filter(|p| p.key == "err-column-missing")
        .map(|p| p.column.as_str())
        .collect();
    assert_eq!(missing, vec!["性别", "班级", "监护人1姓名", "监护人1电话"]);
}

#[test]
fn gbk_csv_from_chinese_excel_is_read() {
    let text = format!("{HEADER}20260301,王小明,男,,三年级二班,张丽,母亲,13800138000,,,,\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let (table, _) = read_table(&gbk).unwrap();
    let (rows, problems) = students(&table);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rows[0].name, "王小明");
}

#[test]
fn formulas_and_merged_cells_are_refused_where_they_are() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["学号", "姓名", "性别", "班级", "监护人1姓名", "监护人1电话"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 20260301.0).unwrap();
    ws.write_string(1, 1, "王小明").unwrap();
    ws.write_string(1, 2, "男").unwrap();
    ws.merge_range(1, 3, 2, 3, "三年级二班", &Format::new()).unwrap();
    ws.write_string(1, 4, "张丽").unwrap();
    ws.write_formula(1, 5, "=13800138000").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let (table, problems) = read_table(&bytes).unwrap();
    let found: Vec<(usize, &str, &str)> = problems.iter().map(|p| (p.row, p.column.as_str(), p.key)).collect();
    assert!(found.contains(&(2, "监护人1电话", "err-cell-formula")), "{found:?}");
    assert!(found.contains(&(2, "班级", "err-cell-merged")), "{found:?}");
    assert_eq!(table.rows[0].1[0], Cell::Number(20260301.0));
    assert_eq!(table.rows[0].1[0].text(), "20260301", "a number typed as a number keeps its digits");
}

#[test]
fn files_that_are_not_rosters_are_refused() {
    assert_eq!(read_table(b"").unwrap_err().key, "err-file-empty");
    let bytes = student_template().unwrap();
    assert_eq!(
        read_table(&bytes[..bytes.len() / 2]).unwrap_err().key,
        "err-file-broken",
        "a truncated file"
    );
    assert_eq!(
        read_table(&[0u8, 159, 146, 150, 0, 1, 2]).unwrap_err().key,
        "err-file-not-spreadsheet"
    );
    assert_eq!(read_table(&[0xD0, 0xCF, 0x11, 0xE0, 1, 2]).unwrap_err().key, "err-file-xls");
    let huge = format!("{HEADER}{}", "20260301,王,男,,3-2,张,母,13800138000,,,,\n".repeat(20_001));
    assert_eq!(read_table(huge.as_bytes()).unwrap_err().key, "err-file-too-many-rows");
}

#[test]
fn a_staff_list_reads_with_optional_phones() {
    let (rows, problems) = staff(&csv_table(
        "工号,姓名,手机号,职务\nT001,王芳,13800138001,语文教师\nT002,李强,,体育教师\nT001,重复,,\nT004,赵,123,\n",
    ));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].phone, None);
    let keys: Vec<&str> = problems.iter().map(|p| p.key).collect();
    assert_eq!(keys, vec!["err-staff-number-duplicate", "err-phone-format"]);
}
