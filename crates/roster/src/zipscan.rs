//! A pass over an .xlsx zip before calamine opens it. calamine trusts what the file claims: it
//! reserves `uniqueCount` strings, keeps one style object per `<xf/>` and one copy of a sheet's
//! path per `<sheet/>`, and inflates every part it reads. So a few kilobytes could ask for
//! gigabytes. Here every entry is inflated into a counting sink (nothing is buffered), the total
//! is capped, and the elements calamine keeps one object per are counted per entry.

use crate::table::file_problem;
use std::io::{Cursor, Read};
use yanshi_domain::roster::Problem;

/// Inflated bytes of all entries together; a 20,000-row roster sheet is about 10 MB.
const MAX_UNZIPPED: u64 = 64 << 20;
/// Entries in the zip (a roster has about ten); the zip reader keeps a record per entry.
const MAX_ENTRIES: usize = 10_000;
/// The shared strings a file may claim (`uniqueCount`, `count`): 20,000 rows × 50 columns.
const MAX_STRINGS: u32 = 1_000_000;
/// Elements calamine keeps an object for, and how many one entry may have. Excel itself
/// allows 64,000 cell formats; rosters have a few sheets and names.
const LIMITS: &[(&[u8], u32)] = &[
    (b"si", MAX_STRINGS),
    (b"xf", 65_536),
    (b"font", 65_536),
    (b"fill", 65_536),
    (b"border", 65_536),
    (b"numFmt", 65_536),
    (b"sheet", 1_000),
    (b"definedName", 100_000),
    (b"Relationship", 10_000),
];
/// The longest of those tags (a relationship's target is copied into every sheet's path).
const MAX_TAG: usize = 16 << 10;

fn too_large(what: String) -> Problem {
    file_problem("err-file-too-large", what)
}

/// Refuses a zip that would cost calamine more than the limits above; a zip the zip reader
/// cannot open is broken. Entries that cannot be inflated are skipped: calamine cannot read
/// them either.
pub(crate) fn check(bytes: &[u8]) -> Result<(), Problem> {
    // Count the central directory records before the zip reader builds one object for each.
    let entries = bytes.windows(4).filter(|w| *w == b"PK\x01\x02").count();
    if entries > MAX_ENTRIES {
        return Err(too_large(format!("{entries} entries")));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| file_problem("err-file-broken", e.to_string()))?;
    let mut left = MAX_UNZIPPED;
    let mut buf = vec![0u8; 64 << 10];
    for i in 0..zip.len() {
        let Ok(mut entry) = zip.by_index(i) else { continue };
        let name: String = String::from_utf8_lossy(entry.name_raw()).chars().take(100).collect();
        let mut scan = Scanner::default();
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            left = left
                .checked_sub(n as u64)
                .ok_or_else(|| too_large(format!("> {} MiB", MAX_UNZIPPED >> 20)))?;
            scan.feed(&buf[..n]).map_err(|what| too_large(format!("{name}: {what}")))?;
        }
    }
    Ok(())
}

#[derive(Default, PartialEq)]
enum State {
    #[default]
    Text,
    /// After `<`: the element's name so far.
    Name,
    /// Inside a counted tag, after its name; `Some(quote)` inside an attribute value.
    Attrs(Option<u8>),
}

/// Finds start tags by local name in a stream, the way quick-xml reads them. It errs on the
/// side of counting: a tag inside a comment counts too. NUL bytes are skipped, so a UTF-16
/// part is read as well.
#[derive(Default)]
struct Scanner {
    state: State,
    name: Vec<u8>,
    /// The counted tag's bytes after its name (kept only for `<sst>`).
    attrs: Vec<u8>,
    tag_len: usize,
    is_sst: bool,
    counts: [u32; LIMITS.len()],
}

impl Scanner {
    fn feed(&mut self, mut chunk: &[u8]) -> Result<(), String> {
        while !chunk.is_empty() {
            if self.state == State::Text {
                // The common case: skip text to the next tag in one call.
                match chunk.iter().position(|b| *b == b'<') {
                    Some(at) => {
                        self.state = State::Name;
                        self.name.clear();
                        chunk = &chunk[at + 1..];
                    }
                    None => return Ok(()),
                }
                continue;
            }
            let b = chunk[0];
            chunk = &chunk[1..];
            if b != 0 {
                self.byte(b)?;
            }
        }
        Ok(())
    }

    fn byte(&mut self, b: u8) -> Result<(), String> {
        match self.state {
            State::Text => {}
            // Only the local name counts, however long the prefix.
            State::Name if b == b'<' || b == b':' => self.name.clear(),
            // The most common tags (`<c>`, `<v>`, `<t>`) are shorter than any counted one.
            State::Name if self.name.len() < 2 && (b.is_ascii_whitespace() || b == b'>' || b == b'/') => {
                self.state = State::Text;
            }
            State::Name if b.is_ascii_whitespace() || b == b'>' || b == b'/' => {
                let local = self.name.as_slice();
                let rule = LIMITS.iter().position(|(n, _)| *n == local);
                self.is_sst = local == b"sst";
                if let Some(i) = rule {
                    self.counts[i] += 1;
                    if self.counts[i] > LIMITS[i].1 {
                        return Err(format!("> {} <{}>", LIMITS[i].1, String::from_utf8_lossy(LIMITS[i].0)));
                    }
                }
                self.attrs.clear();
                self.tag_len = 0;
                self.state = if b != b'>' && (rule.is_some() || self.is_sst) {
                    State::Attrs(None)
                } else {
                    State::Text
                };
                if b == b'>' && self.is_sst {
                    self.end_of_sst()?;
                }
            }
            State::Name => {
                if self.name.len() < 64 {
                    self.name.push(b);
                }
            }
            State::Attrs(quote) => {
                self.tag_len += 1;
                if self.tag_len > MAX_TAG {
                    return Err(format!("a tag > {MAX_TAG} bytes"));
                }
                if self.is_sst {
                    self.attrs.push(b);
                }
                match quote {
                    Some(q) if b == q => self.state = State::Attrs(None),
                    Some(_) => {}
                    None if b == b'"' || b == b'\'' => self.state = State::Attrs(Some(b)),
                    None if b == b'>' => {
                        self.state = State::Text;
                        if self.is_sst {
                            self.end_of_sst()?;
                        }
                    }
                    None => {}
                }
            }
        }
        Ok(())
    }

    /// calamine reserves `uniqueCount` strings up front; any `…count="n"` is checked.
    fn end_of_sst(&mut self) -> Result<(), String> {
        self.is_sst = false;
        let a = &self.attrs;
        for i in 0..a.len().saturating_sub(4) {
            if !a[i..i + 5].eq_ignore_ascii_case(b"count") {
                continue;
            }
            let mut rest = a[i + 5..].iter().copied().filter(|b| !b.is_ascii_whitespace());
            if rest.next() != Some(b'=') || !matches!(rest.next(), Some(b'"' | b'\'')) {
                continue;
            }
            let digits: Vec<u8> = rest.take_while(u8::is_ascii_digit).skip_while(|d| *d == b'0').collect();
            let n = std::str::from_utf8(&digits).ok().and_then(|s| s.parse::<u64>().ok());
            if digits.len() > 7 || n.is_some_and(|n| n > u64::from(MAX_STRINGS)) {
                return Err(format!(
                    "{}=\"{}…\"",
                    String::from_utf8_lossy(&a[i..i + 5]),
                    String::from_utf8_lossy(&digits[..digits.len().min(20)])
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(parts: &[&[u8]]) -> Result<(), String> {
        let mut s = Scanner::default();
        parts.iter().try_for_each(|p| s.feed(p))
    }

    #[test]
    fn counts_claimed_by_the_shared_strings_are_checked_across_chunks() {
        assert!(scan(&[b"<?xml version=\"1.0\"?><sst count=\"3\" uniqueCount=\"2\"><si><t>a</t></si></sst>"]).is_ok());
        assert!(scan(&[b"<x:sst xmlns:x=\"u\" uniqueCount = '999999999999'>"]).is_err());
        assert!(scan(&[b"<sst coun", b"t=\"00000000", b"2000000\"/>"]).is_err());
        assert!(scan(&[b"<s\0s\0t\0 \0c\0o\0u\0n\0t\0=\0\"\x009\x009\x009\x009\x009\x009\x009\x009\0\"\0>"]).is_err());
        assert!(
            scan(&[b"<sst a=\">\" uniqueCount=\"99999999\">"]).is_err(),
            "a quoted > does not end the tag"
        );
        let prefixed = format!("<{}:sst count=\"99999999\">", "p".repeat(100));
        assert!(scan(&[prefixed.as_bytes()]).is_err(), "a long prefix hides nothing");
    }

    #[test]
    fn elements_calamine_keeps_are_counted_and_their_tags_bounded() {
        let xfs = b"<xf/>".repeat(65_536);
        assert!(scan(&[b"<cellXfs>", &xfs]).is_ok());
        assert!(scan(&[b"<cellXfs>", &xfs, b"<xf numFmtId=\"0\">"]).is_err());
        let long = format!("<Relationship Target=\"{}\"/>", "a".repeat(MAX_TAG));
        assert!(scan(&[long.as_bytes()]).is_err());
        let text = "a".repeat(MAX_TAG * 2);
        assert!(
            scan(&[b"<row>", text.as_bytes(), b"</row>"]).is_ok(),
            "only counted tags are bounded"
        );
    }
}
