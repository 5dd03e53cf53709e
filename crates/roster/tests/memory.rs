//! Alone in its binary, so the process's peak memory is this test's.

mod common;

use yanshi_roster::{read_table, student_template};

#[test]
fn a_cell_in_the_last_row_of_a_roster_is_refused_in_little_memory() {
    // calamine's range made this 1,048,576 rows × 14 columns of cells: 660–850 MiB a request.
    let bytes = common::with_cells(
        &student_template().unwrap(),
        r#"<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
    );
    let keys: Vec<_> = (0..3).map(|_| read_table(&bytes).err().map(|p| p.key)).collect();
    if let Some(peak) = common::peak_rss_mib() {
        eprintln!("peak RSS {peak} MiB");
        assert!(peak < 64, "peak RSS {peak} MiB");
    }
    assert_eq!(keys, [Some("err-file-too-many-rows"); 3]);
}
