//! Taking a real .xlsx apart and putting it back together with a change, to make the files a
//! hostile upload would be.
#![allow(dead_code)] // each test binary uses a part

use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

pub const SHEET: &str = "xl/worksheets/sheet1.xml";
pub const STRINGS: &str = "xl/sharedStrings.xml";

/// Every entry of a zip, in order.
pub fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

pub fn zip_of(entries: &[(String, Vec<u8>)], deflate: bool) -> Vec<u8> {
    let options = if deflate {
        SimpleFileOptions::default().compression_level(Some(1))
    } else {
        SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The file with one entry's text changed.
pub fn rewrite(bytes: &[u8], name: &str, change: impl FnOnce(String) -> String) -> Vec<u8> {
    let mut all = entries(bytes);
    let entry = all.iter_mut().find(|(n, _)| n == name).unwrap();
    entry.1 = change(String::from_utf8(std::mem::take(&mut entry.1)).unwrap()).into_bytes();
    zip_of(&all, true)
}

/// The file with cells added at the end of the first sheet's data.
pub fn with_cells(bytes: &[u8], rows_xml: &str) -> Vec<u8> {
    rewrite(bytes, SHEET, |xml| {
        xml.replacen("</sheetData>", &format!("{rows_xml}</sheetData>"), 1)
    })
}

/// The file with the cell `r` of the first sheet replaced by `cell_xml`.
pub fn with_cell_replaced(bytes: &[u8], r: &str, cell_xml: &str) -> Vec<u8> {
    rewrite(bytes, SHEET, |xml| {
        let start = xml.find(&format!("<c r=\"{r}\"")).unwrap();
        let end = start + xml[start..].find("</c>").unwrap() + 4;
        format!("{}{cell_xml}{}", &xml[..start], &xml[end..])
    })
}

/// A zip entry of `len` bytes of `fill`, written in pieces so it is never in memory whole.
pub fn bomb_entry(zip: &mut ZipWriter<Cursor<Vec<u8>>>, name: &str, head: &[u8], fill: &[u8], len: usize) {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(len > u32::MAX as usize);
    zip.start_file(name, options).unwrap();
    zip.write_all(head).unwrap();
    let piece = fill.repeat((1 << 20) / fill.len());
    let mut written = head.len();
    while written < len {
        zip.write_all(&piece).unwrap();
        written += piece.len();
    }
}

/// The valid workbook `bytes` with one more entry of `len` inflated bytes.
pub fn with_bomb(bytes: &[u8], name: &str, head: &[u8], fill: &[u8], len: usize) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    for (n, data) in entries(bytes) {
        if n != name {
            zip.start_file(n.as_str(), options).unwrap();
            zip.write_all(&data).unwrap();
        }
    }
    bomb_entry(&mut zip, name, head, fill, len);
    zip.finish().unwrap().into_inner()
}

/// The process's peak resident memory so far (Linux), in MiB.
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
