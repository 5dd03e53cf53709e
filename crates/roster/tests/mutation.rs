//! Over 10,000 damaged and hostile uploads from a fixed seed: the reader never panics, every
//! refusal is a file problem, and the process's peak memory stays bounded. Alone in its binary
//! (one test), so the peak is this test's. Print the numbers with `-- --nocapture`.

mod common;

use common::{STRINGS, bomb_entry, entries, peak_rss_mib, with_bomb, zip_of};
use rust_xlsxwriter::{Format, Workbook};
use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use yanshi_roster::{ExportStudent, class_refs, read_table, staff, staff_template, student_template, students};

/// xorshift64*: enough to spread damage around, and the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

static CASE: Mutex<String> = Mutex::new(String::new());
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static CASES: AtomicUsize = AtomicUsize::new(0);

/// Reads one file the way the upload does; returns the outcome's key.
fn run(label: String, bytes: &[u8]) -> &'static str {
    CASES.fetch_add(1, Ordering::Relaxed);
    *CASE.lock().unwrap() = label;
    let outcome = catch_unwind(AssertUnwindSafe(|| match read_table(bytes) {
        Ok((table, problems)) => {
            for p in &problems {
                assert!(p.key.starts_with("err-cell-") && p.row > 0, "{p:?}");
            }
            let _ = (students(&table), staff(&table), class_refs(&table));
            "ok"
        }
        Err(p) => {
            assert!(p.key.starts_with("err-file-"), "not a file problem: {p:?}");
            p.key
        }
    }));
    outcome.unwrap_or("panic")
}

fn damage_bytes(rng: &mut Rng, mut b: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(6) {
        if b.is_empty() {
            break;
        }
        let at = rng.below(b.len());
        match rng.below(6) {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b[at] = rng.next() as u8,
            2 => b.insert(at, rng.next() as u8),
            3 => {
                b.drain(at..(at + 1 + rng.below(64)).min(b.len()));
            }
            4 => b.truncate(at.max(1)),
            _ => {
                let span: Vec<u8> = b[at..(at + rng.below(256)).min(b.len())].to_vec();
                let to = rng.below(b.len());
                b.splice(to..to, span);
            }
        }
    }
    b
}

const SNIPPETS: &[&str] = &[
    r#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    r#"<c r="A99999999999"><v>1</v></c>"#,
    r#"<c r="AAAAAAAAAAAAAA1"><v>1</v></c>"#,
    r#"<row r="4294967297">"#,
    r#"<row r="0">"#,
    r#"<c r="B2" t="s"><v>99999999999</v></c>"#,
    r#"<c r="C2" t="s"><v>-1</v></c>"#,
    r#"<c r="C3"><v>1e308</v></c>"#,
    r#"<c r="C3" t="n"><v>inf</v></c>"#,
    r#"<c r="D2" t="d"><v>2017-05-12T00:00:00</v></c>"#,
    r#"<c r="D2" t="e"><v>#N/A</v></c>"#,
    r#"<c r="D2" t="b"><v>2</v></c>"#,
    r#"<c r="D2" s="99999"><v>43000</v></c>"#,
    r#"<c r="D2" s="2"><v>43000.5</v></c>"#,
    r#"<c r="E2" t="inlineStr"><is><t></t></is></c>"#,
    r#"<c r="E2" t="str"><f>A1</f><v>x</v></c>"#,
    r#"<f t="shared" ref="A1:XFD1048576" si="99999999999">A1</f>"#,
    r#"<f t="shared" si="4"/>"#,
    r#"<f t="shared" si="x" ref="Z9:A1">B1</f>"#,
    r#"<f>SUM(A1:XFD1048576)</f>"#,
    r#"<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>"#,
    r#"<mergeCell ref="B9:A1"/>"#,
    r#"<dimension ref="A1:XFD1048576"/>"#,
    r#"<sst uniqueCount="99999999999">"#,
    r#"<sst count="4294967296" uniqueCount="18446744073709551616">"#,
    "<si><t>x</t></si>",
    "<si/>",
    r#"<xf numFmtId="14" fontId="9999" fillId="-1"/>"#,
    r#"<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>"#,
    r#"<sheet name="x" sheetId="9" r:id="rId99"/>"#,
    r#"<sheet name="" state="weird" r:id="rId1"/>"#,
    r#"<definedName name="a">b</definedName>"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>"#,
    r#"<Relationship Id="rId1" Type="x/chartsheet" Target="../../../etc/passwd"/>"#,
    r#"<workbookPr date1904="1"/>"#,
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "&#0;",
    "&#xFFFFFFFF;",
    "&unknown;",
    "<",
    ">",
    "\"",
    "</c>",
    "</row>",
    "</sheetData>",
    "<sheetData>",
    "\u{FEFF}",
    "\0",
    "\u{FFFF}",
];

fn damage_xml(rng: &mut Rng, mut x: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        let mut at = rng.below(x.len() + 1);
        if rng.one_in(2)
            && let Some(tag) = x[at..].iter().position(|b| *b == b'<')
        {
            at += tag;
        }
        match rng.below(5) {
            0 | 1 => {
                let s = rng.pick(SNIPPETS).as_bytes();
                x.splice(at..at, s.iter().copied());
            }
            2 => {
                x.drain(at..(at + rng.below(40)).min(x.len()));
            }
            3 if at < x.len() => x[at] = *rng.pick(b"<>/\"'=&;0123456789 x:"),
            _ => {
                // A number made huge: an index, a count, a row.
                if let Some(d) = x[at..].iter().position(u8::is_ascii_digit) {
                    let digits = "9".repeat(1 + rng.below(24));
                    x.splice(at + d..at + d, digits.bytes());
                }
            }
        }
    }
    x
}

fn letters(mut col: u64) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        col /= 26;
        if col == 0 {
            break;
        }
        col -= 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

fn far_cell(rng: &mut Rng) -> String {
    let row: u64 = match rng.below(4) {
        0 => 1 + rng.below(30) as u64,
        1 => 20_000 + rng.below(2_000) as u64,
        2 => 1_048_576 - rng.below(3) as u64,
        _ => rng.next() >> rng.below(64),
    };
    let col: u64 = match rng.below(4) {
        0 => rng.below(20) as u64,
        1 => 250 + rng.below(10) as u64,
        2 => 16_383,
        _ => rng.next() >> (20 + rng.below(44)),
    };
    let r = format!("{}{row}", letters(col));
    let value = match rng.below(5) {
        0 => "<v>1</v>".to_string(),
        1 => "<f>1+1</f>".to_string(),
        2 => format!(r#"<f t="shared" ref="{r}:{r}" si="{}">A1</f><v>2</v>"#, rng.next() >> rng.below(64)),
        3 => String::new(),
        _ => "<v>0</v>".to_string(),
    };
    let t = if rng.one_in(5) { r#" t="s""# } else { "" };
    format!(r#"<row r="{row}"><c r="{r}"{t}>{value}</c></row>"#)
}

/// A valid workbook whose one part is replaced (or added).
fn with_part(base: &[(String, Vec<u8>)], name: &str, data: Vec<u8>, deflate: bool) -> Vec<u8> {
    let mut all: Vec<(String, Vec<u8>)> = base.iter().filter(|(n, _)| n != name).cloned().collect();
    all.push((name.to_string(), data));
    zip_of(&all, deflate)
}

fn huge_count(rng: &mut Rng, base: &[(String, Vec<u8>)]) -> Vec<u8> {
    let n = rng.next() >> rng.below(64);
    let xfs = if rng.one_in(8) { 70_000 } else { 2_000 };
    let (name, xml) = match rng.below(6) {
        0 => (STRINGS, format!(r#"<sst uniqueCount="{n}" count="{n}"><si><t>a</t></si></sst>"#)),
        1 => (
            STRINGS,
            format!(r#"<sst count="{n}">{}</sst>"#, "<si><t>a</t></si>".repeat(rng.below(3000))),
        ),
        2 => (
            "xl/styles.xml",
            format!("<styleSheet><cellXfs>{}</cellXfs></styleSheet>", "<xf/>".repeat(rng.below(xfs))),
        ),
        3 => (
            "xl/workbook.xml",
            format!(
                "<workbook><sheets>{}</sheets></workbook>",
                r#"<sheet name="a" r:id="rId1"/>"#.repeat(rng.below(1_200))
            ),
        ),
        4 => (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml{}"/></Relationships>"#,
                "/".repeat(rng.below(20_000))
            ),
        ),
        _ => (
            "xl/workbook.xml",
            format!(
                "<workbook>{}</workbook>",
                "<definedName name=\"a\">b</definedName>".repeat(rng.below(3_000))
            ),
        ),
    };
    with_part(base, name, xml.into_bytes(), rng.one_in(2))
}

fn roster_csv(rng: &mut Rng) -> String {
    let mut text =
        "学号,姓名,性别,出生日期,班级,监护人1姓名,监护人1关系,监护人1电话,监护人2姓名,监护人2关系,监护人2电话,优先保障\n".to_string();
    let fields = [
        "20260301",
        "王小明",
        "男",
        "2017-05-12",
        "三年级二班",
        "",
        " ",
        "\"张,丽\"",
        "\"a\"\"b\"",
        "１３８００１３８０００",
        "😀",
        "\"\n\"",
        "=1+1",
    ];
    for _ in 0..rng.below(30) {
        let row: Vec<&str> = (0..1 + rng.below(14)).map(|_| *rng.pick(&fields)).collect();
        text.push_str(&row.join(","));
        let end: [&str; 3] = ["\n", "\r\n", "\r"];
        text.push_str(end[rng.below(end.len())]);
    }
    text
}

fn csv_case(rng: &mut Rng) -> Vec<u8> {
    let text = roster_csv(rng);
    let mut bytes = match rng.below(7) {
        0 => text.into_bytes(),
        1 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        2 => encoding_rs::GBK.encode(&text).0.into_owned(),
        3 => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        4 => [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect(),
        5 => encoding_rs::BIG5.encode(&text).0.into_owned(),
        _ => text
            .into_bytes()
            .iter()
            .map(|b| if rng.one_in(40) { 0x80 | rng.next() as u8 } else { *b })
            .collect(),
    };
    if rng.one_in(8) {
        let at = rng.below(bytes.len());
        bytes.insert(at, 0);
    }
    if rng.one_in(300) {
        let line = match rng.below(3) {
            0 => "x".repeat(1 << (18 + rng.below(4))),
            1 => ",".repeat(1 << (18 + rng.below(4))),
            _ => "1,王,男,,3-2,张,母,13800138000\n".repeat(20_001),
        };
        bytes.extend_from_slice(line.as_bytes());
    }
    if rng.one_in(3) {
        bytes = damage_bytes(rng, bytes);
    }
    bytes
}

fn bases() -> Vec<Vec<u8>> {
    let export: Vec<ExportStudent> = (0..30)
        .map(|i| ExportStudent {
            number: format!("2026{i:04}"),
            name: format!("学生{i}"),
            gender: "女".into(),
            birth_date: "2017-05-12".into(),
            grade: "三年级".into(),
            class: "2班".into(),
            guardians: vec![("张丽".into(), "母亲".into(), format!("138{i:08}"))],
        })
        .collect();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["学号", "姓名", "性别", "出生日期", "班级", "监护人1姓名", "监护人1电话"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 20260301.0).unwrap();
    ws.write_datetime_with_format(
        1,
        3,
        rust_xlsxwriter::ExcelDateTime::from_ymd(2017, 5, 12).unwrap(),
        &Format::new().set_num_format("yyyy-mm-dd"),
    )
    .unwrap();
    ws.merge_range(1, 4, 2, 4, "三年级二班", &Format::new()).unwrap();
    ws.write_formula(1, 6, "=13800138000").unwrap();
    ws.write_boolean(2, 1, true).unwrap();
    vec![
        student_template().unwrap(),
        staff_template().unwrap(),
        yanshi_roster::export_students(&export).unwrap(),
        wb.save_to_buffer().unwrap(),
    ]
}

#[test]
fn ten_thousand_hostile_files_are_read_or_refused_in_bounded_memory() {
    let started = Instant::now();
    std::panic::set_hook(Box::new(|info| {
        let case = CASE.lock().map(|c| c.clone()).unwrap_or_default();
        if let Ok(mut panics) = PANICS.try_lock() {
            panics.push(format!("{case}: {info}"));
        }
    }));
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let bases = bases();
    let parts: Vec<Vec<(String, Vec<u8>)>> = bases.iter().map(|b| entries(b)).collect();
    let mut outcomes: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut tally = |kind: &'static str, key: &'static str| *outcomes.entry((kind, key)).or_default() += 1;
    let mut phases = Vec::new();
    let mut phase = Instant::now();
    let mut lap = |kind: &'static str| {
        phases.push((kind, phase.elapsed()));
        phase = Instant::now();
    };

    for i in 0..4_000 {
        let base = rng.below(bases.len());
        let bytes = damage_bytes(&mut rng, bases[base].clone());
        tally("bytes", run(format!("bytes #{i}"), &bytes));
    }
    lap("bytes");
    for i in 0..3_500 {
        let base = &parts[rng.below(parts.len())];
        let (name, xml) = rng.pick(base);
        let bytes = with_part(base, name, damage_xml(&mut rng, xml.clone()), rng.one_in(2));
        tally("xml", run(format!("xml #{i} {name}"), &bytes));
    }
    lap("xml");
    for i in 0..600 {
        let base = &parts[rng.below(parts.len())];
        let (name, xml) = base.iter().find(|(n, _)| n == common::SHEET).unwrap();
        let cells: String = (0..1 + rng.below(3)).map(|_| far_cell(&mut rng)).collect();
        let xml = String::from_utf8(xml.clone())
            .unwrap()
            .replacen("</sheetData>", &format!("{cells}</sheetData>"), 1);
        tally(
            "far",
            run(format!("far #{i} {cells}"), &with_part(base, name, xml.into_bytes(), true)),
        );
    }
    lap("far");
    for i in 0..400 {
        let base = &parts[rng.below(parts.len())];
        tally("count", run(format!("count #{i}"), &huge_count(&mut rng, base)));
    }
    lap("count");
    // Bombs: parts calamine reads and parts it never opens, over and under the cap.
    let bombs: &[(&str, &[u8], &[u8], usize)] = &[
        ("xl/media/image1.png", b"", &[0], 200 << 20),
        ("xl/media/image1.png", b"", b"ab", 40 << 20),
        (STRINGS, b"<sst>", b"<si><t>aaaa</t></si>", 90 << 20),
        (STRINGS, b"<sst><si><t>", b"a", 60 << 20),
        ("xl/styles.xml", b"<styleSheet><cellXfs>", b"<xf numFmtId=\"14\"/>", 30 << 20),
        (common::SHEET, b"<worksheet><sheetData><row r=\"1\">", b"<c/>", 20 << 20),
        (
            common::SHEET,
            b"<worksheet><sheetData>",
            b"<row><c t=\"inlineStr\"><is><t>x</t></is></c></row>",
            80 << 20,
        ),
        (
            "xl/workbook.xml",
            b"<workbook><sheets>",
            b"<sheet name=\"a\" r:id=\"rId1\"/>",
            20 << 20,
        ),
        ("[Content_Types].xml", b"", b" ", 70 << 20),
    ];
    for (i, (name, head, fill, len)) in bombs.iter().enumerate() {
        let base = &bases[i % bases.len()];
        tally("bomb", run(format!("bomb #{i} {name}"), &with_bomb(base, name, head, fill, *len)));
    }
    let parts_read_first: [&str; 3] = [STRINGS, "xl/styles.xml", common::SHEET];
    for i in 0..20 {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for j in 0..1 + rng.below(4) {
            bomb_entry(&mut zip, &format!("x/{j}.xml"), b"", b"<si/>", 1 + rng.below(6 << 20));
        }
        bomb_entry(&mut zip, parts_read_first[rng.below(3)], b"", b"<xf/><si/>", 1 + rng.below(4 << 20));
        tally("bomb", run(format!("small bomb #{i}"), &zip.finish().unwrap().into_inner()));
    }
    lap("bomb");
    for i in 0..2_000 {
        let bytes = csv_case(&mut rng);
        tally("csv", run(format!("csv #{i}"), &bytes));
    }

    lap("csv");
    let elapsed = started.elapsed();
    let peak = peak_rss_mib();
    let cases = CASES.load(Ordering::Relaxed);
    eprintln!("{cases} files in {elapsed:.1?}, peak RSS {peak:?} MiB; {phases:.1?}");
    for ((kind, key), n) in &outcomes {
        eprintln!("  {kind:6} {key:28} {n}");
    }
    let panics = std::mem::take(&mut *PANICS.lock().unwrap());
    let _ = std::panic::take_hook();
    let mut by_place: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for p in &panics {
        let at = p.split("panicked at ").nth(1).unwrap_or(p);
        let place = at.match_indices(':').nth(1).map_or(at, |(i, _)| &at[..i]);
        by_place.entry(place).or_insert((0, p)).0 += 1;
    }
    assert!(
        panics.is_empty(),
        "{} panics, by place (count, first):\n{by_place:#?}",
        panics.len()
    );
    assert!(cases >= 10_000);
    assert!(
        outcomes.iter().filter(|((k, _), _)| *k != "csv").any(|((_, key), _)| *key == "ok"),
        "some damage is harmless"
    );
    if let Some(peak) = peak {
        assert!(peak < 512, "peak RSS {peak} MiB");
    }
}
