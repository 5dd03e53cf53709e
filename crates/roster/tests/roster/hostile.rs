//! Files made to hurt the server (found by fuzzing the upload): each used to abort the process or
//! take gigabytes. Now each is refused as a file problem, or read in little memory.

use crate::common::{STRINGS, entries, rewrite, with_bomb, with_cell_replaced, with_cells, zip_of};
use rust_xlsxwriter::Workbook;
use yanshi_roster::{Cell, read_table, student_template, students};

fn refused(bytes: &[u8]) -> &'static str {
    let p = read_table(bytes).expect_err("refused");
    assert_eq!(p.row, 0, "{p:?}");
    p.key
}

fn template() -> Vec<u8> {
    student_template().unwrap()
}

#[test]
fn a_cell_far_from_the_data_is_refused_without_allocating_the_gap() {
    let far = with_cells(&template(), r#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#);
    assert_eq!(refused(&far), "err-file-too-many-rows");
    let right = with_cells(&template(), r#"<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>"#);
    assert_eq!(refused(&right), "err-file-too-wide");
    // Excel writes empty cells that only carry a format; they are no data.
    let styled = with_cells(&template(), r#"<row r="1048576"><c r="XFD1048576" s="1"/></row>"#);
    let (table, problems) = read_table(&styled).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(students(&table).0.len(), 1);
}

#[test]
fn a_formula_far_from_the_data_is_reported_where_it_is() {
    let cells = concat!(
        r#"<row r="3"><c r="A3"><f t="shared" ref="A3:A4" si="99999999999">B3+1</f><v>1</v></c></row>"#,
        r#"<row r="4"><c r="A4"><f t="shared" si="99999999999"/><v>2</v></c></row>"#,
        r#"<row r="1048576"><c r="XFD1048576"><f>1+1</f></c></row>"#,
    );
    let (_, problems) = read_table(&with_cells(&template(), cells)).unwrap();
    let found: Vec<(usize, &str, &str, &str)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_str(), p.key, p.value.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (3, "学号", "err-cell-formula", "=B3+1"),
            (4, "学号", "err-cell-formula", "=B4+1"),
            (1048576, "", "err-cell-formula", "=1+1"),
        ]
    );
}

#[test]
fn a_huge_shared_string_count_is_refused_before_it_is_reserved() {
    for (from, to) in [
        (r#"uniqueCount="34""#, r#"uniqueCount="999999999999""#),
        (r#"count="34""#, r#"count="2000000""#),
        (
            r#"uniqueCount="34""#,
            r#"uniqueCount="0000000000000000000000000000000000000000099999999""#,
        ),
    ] {
        let bytes = rewrite(&template(), STRINGS, |xml| xml.replacen(from, to, 1));
        assert_eq!(refused(&bytes), "err-file-too-large", "{to}");
    }
    // Even in a part nothing refers to: calamine reads it when it opens the file.
    let mut numbers = Workbook::new();
    numbers.add_worksheet().write_number(0, 0, 1.0).unwrap();
    let mut all = entries(&numbers.save_to_buffer().unwrap());
    all.retain(|(n, _)| n != STRINGS);
    all.push((STRINGS.into(), br#"<sst uniqueCount="999999999999"></sst>"#.to_vec()));
    assert_eq!(refused(&zip_of(&all, false)), "err-file-too-large");
}

#[test]
fn a_blank_birth_date_text_cell_is_empty_as_in_csv() {
    let blanks = [
        with_cell_replaced(&template(), "D2", r#"<c r="D2" t="inlineStr"><is><t></t></is></c>"#),
        with_cell_replaced(
            &template(),
            "D2",
            "<c r=\"D2\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> \u{3000}</t></is></c>",
        ),
        rewrite(&template(), STRINGS, |xml| {
            xml.replacen("<si><t>2017-05-12</t></si>", "<si><t></t></si>", 1)
        }),
        rewrite(&template(), STRINGS, |xml| {
            xml.replacen("<si><t>2017-05-12</t></si>", r#"<si><t xml:space="preserve">  </t></si>"#, 1)
        }),
    ];
    for bytes in blanks {
        let (table, file_problems) = read_table(&bytes).unwrap();
        assert!(file_problems.is_empty(), "{file_problems:?}");
        assert_eq!(table.rows[0].1.get(3), Some(&Cell::Empty));
        let (rows, problems) = students(&table);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows[0].birth_date, None);
    }
}

#[test]
fn zip_bombs_and_swollen_parts_are_refused() {
    let zeros = with_bomb(&template(), "xl/media/image1.png", b"", &[0], 100 << 20);
    assert!(zeros.len() < 1 << 20, "{} bytes", zeros.len());
    assert_eq!(refused(&zeros), "err-file-too-large");
    let strings = with_bomb(&template(), STRINGS, b"<sst>", b"<si><t>a</t></si>", 20 << 20);
    assert_eq!(refused(&strings), "err-file-too-large", "over a million strings");
    let styles = with_bomb(&template(), "xl/styles.xml", b"<styleSheet><cellXfs>", b"<xf/>", 1 << 20);
    assert_eq!(refused(&styles), "err-file-too-large", "a style object per <xf/>");
    let mut many = entries(&template());
    many.extend((0..10_001).map(|i| (format!("xl/media/{i}.bin"), Vec::new())));
    assert_eq!(refused(&zip_of(&many, false)), "err-file-too-large");
}

#[test]
fn a_csv_with_cells_far_to_the_right_is_refused() {
    let header = "学号,姓名,性别,班级,监护人1姓名,监护人1电话";
    let wide = format!("{header}{}\n", ",x".repeat(300));
    assert_eq!(refused(wide.as_bytes()), "err-file-too-wide");
    let trailing = format!("{header}{}\n1,王,男,3-2,张,13800138000\n", ",".repeat(300));
    let (table, _) = read_table(trailing.as_bytes()).unwrap();
    assert_eq!(table.headers.len(), 256, "empty fields past the last column are dropped");
    assert_eq!(students(&table).0.len(), 1);
    let commas = format!("{header}\n{}", ",".repeat(3_000_000));
    assert_eq!(refused(commas.as_bytes()), "err-file-too-large");
}

#[test]
fn a_sheet_read_in_one_pass_keeps_excel_rows_and_columns() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(2, 2, "学号").unwrap();
    ws.write_string(2, 4, "是否").unwrap();
    ws.write_number(4, 2, 20260301.0).unwrap();
    ws.write_boolean(4, 4, true).unwrap();
    ws.write_string(5, 3, " ").unwrap();
    ws.write_number(6, 5, 1.5).unwrap();
    let (table, problems) = read_table(&wb.save_to_buffer().unwrap()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(table.headers, ["", "", "学号", "", "是否", ""], "as wide as the sheet");
    // A row may end at its last value.
    let rows: Vec<(usize, Vec<Cell>)> = table
        .rows
        .into_iter()
        .map(|(r, mut cells)| {
            while cells.last() == Some(&Cell::Empty) {
                cells.pop();
            }
            (r, cells)
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                5,
                vec![
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Number(20260301.0),
                    Cell::Empty,
                    Cell::Text("true".into())
                ]
            ),
            (7, vec![Cell::Empty; 5].into_iter().chain([Cell::Number(1.5)]).collect()),
        ],
        "rows as Excel numbers them; the blank row 6 is skipped"
    );
}

#[test]
fn the_largest_roster_allowed_still_reads() {
    let rows: Vec<yanshi_roster::ExportStudent> = (0..yanshi_roster::MAX_ROWS)
        .map(|i| yanshi_roster::ExportStudent {
            number: format!("2026{i:05}"),
            name: format!("学生{i}"),
            gender: "男".into(),
            birth_date: "2017-05-12".into(),
            grade: "三年级".into(),
            class: "2班".into(),
            guardians: vec![
                ("张丽".into(), "母亲".into(), format!("138{:08}", i * 2)),
                ("王强".into(), "父亲".into(), format!("139{:08}", i * 2 + 1)),
            ],
        })
        .collect();
    let bytes = yanshi_roster::export_students(&rows).unwrap();
    let (table, problems) = read_table(&bytes).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(table.rows.len(), yanshi_roster::MAX_ROWS);
    let one_more = with_cells(&bytes, r#"<row r="20002"><c r="A20002" t="inlineStr"><is><t>x</t></is></c></row>"#);
    assert_eq!(refused(&one_more), "err-file-too-many-rows");
}
