//! Two languages: zh-CN (the default and the fallback) and en-US.
//!
//! The messages themselves live in the `yanshi-i18n` crate (shared with the notification
//! worker, which renders a message in the language of whoever it goes to). Here: which
//! language a request is read in — the account's own choice (copied into the `yanshi_lang`
//! cookie at sign-in), then the cookie, then `Accept-Language`.

use axum::http::HeaderMap;
use yanshi_i18n::{Args, Locale, Message};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    EnUs,
}

pub const LANG_COOKIE: &str = "yanshi_lang";

impl From<Lang> for Locale {
    fn from(l: Lang) -> Locale {
        match l {
            Lang::ZhCn => Locale::ZhCn,
            Lang::EnUs => Locale::EnUs,
        }
    }
}

impl Lang {
    pub fn code(self) -> &'static str {
        Locale::from(self).code()
    }

    pub fn parse(s: &str) -> Option<Lang> {
        Locale::parse(s).map(|l| match l {
            Locale::ZhCn => Lang::ZhCn,
            Locale::EnUs => Lang::EnUs,
        })
    }

    /// Cookie first, then the first language of `Accept-Language` yanshi speaks, then zh-CN.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        if let Some(l) = cookie(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)) {
            return l;
        }
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').find_map(|part| Lang::parse(part.split(';').next().unwrap_or(""))))
            .unwrap_or_default()
    }

    /// The text for `key`; a missing key falls back to Chinese, then to "…".
    pub fn t(self, key: &str) -> &'static str {
        Locale::from(self).t(key)
    }

    /// The text for `key` with its named arguments (`{name}`) filled in.
    pub fn render(self, key: &str, args: &Args) -> String {
        Locale::from(self).render(key, args)
    }

    /// A stored message's (title, body) in this language.
    pub fn message(self, m: &Message) -> (String, String) {
        (m.title(self.into()), m.body(self.into()))
    }
}

/// The value of one cookie from the request's headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn code_key(family: &str, code: &str) -> String {
    format!("ui-{family}-{}", code.to_ascii_lowercase().replace(['_', '.'], "-"))
}

/// The codes the pages show through [`Tr::code`], by family: each has its words.
pub const SHOWN_CODES: &[(&str, &[&str])] = &[("audit", yanshi_domain::audit::ACTIONS)];

/// What templates call: `{{ t.get("key") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn get(&self, key: &str) -> &'static str {
        self.0.t(key)
    }

    /// A stored code (`CONFIRMED`, `APP`, `EFFECTIVE` …) of a `family` in words: the text of
    /// `ui-{family}-{code}` (lower case, `_` as `-`), so no ALL-CAPS code reaches a page.
    pub fn code(&self, family: &str, code: &str) -> &'static str {
        self.0.t(&code_key(family, code))
    }

    /// An audit action (`handover.record`) in words; one written before its words existed
    /// shows as stored rather than as nothing.
    pub fn audit_action<'a>(&self, action: &'a str) -> &'a str {
        let key = code_key("audit", action);
        if Locale::has(&key) { self.0.t(&key) } else { action }
    }

    /// 周一、周三、周五 / Mon, Wed, Fri.
    pub fn weekdays(&self, w: &yanshi_domain::enrolment::Weekdays) -> String {
        Locale::from(self.0).weekdays(&w.numbers())
    }

    /// 周一 / Mon, for a weekday numbered from Monday (1).
    pub fn weekday(&self, number_from_monday: u8) -> &'static str {
        Locale::from(self.0).weekday(number_from_monday)
    }

    /// A note as stored: a person's words as they wrote them, or a code the product wrote
    /// (`msg-note-…`) in this language.
    pub fn note<'a>(&self, note: &'a str) -> &'a str {
        if note.starts_with("msg-note-") && Locale::has(note) {
            self.0.t(note)
        } else {
            note
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// Every key the code or the templates use exists (the domain's `err-…` keys too).
    #[test]
    fn every_used_key_exists() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    if !p.ends_with("target") && !p.ends_with("tests") {
                        stack.push(p);
                    }
                    continue;
                }
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                if ext != "rs" && ext != "html" {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                for (i, _) in text.match_indices('"') {
                    let rest = &text[i + 1..];
                    let Some(end) = rest.find('"') else { continue };
                    let word = &rest[..end];
                    let is_key = (word.starts_with("err-") || word.starts_with("ui-") || word.starts_with("msg-"))
                        && word.len() > 4
                        && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                    // A notification's key names a title and a body.
                    let message = Locale::has(&format!("{word}-title")) && Locale::has(&format!("{word}-body"));
                    if is_key && !Locale::has(word) && !message && !word.ends_with('-') {
                        missing.push(format!("{}: {word}", p.display()));
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "keys without a message:\n{}", missing.join("\n"));
    }

    #[test]
    fn every_code_a_page_shows_has_its_words() {
        for (family, codes) in SHOWN_CODES {
            for code in *codes {
                assert!(Locale::has(&code_key(family, code)), "{}", code_key(family, code));
            }
        }
    }

    #[test]
    fn language_comes_from_cookie_then_accept_language() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::from_headers(&h), Lang::ZhCn);
        h.insert("accept-language", HeaderValue::from_static("fr-FR, en-US;q=0.8, zh;q=0.5"));
        assert_eq!(Lang::from_headers(&h), Lang::EnUs);
        h.insert("cookie", HeaderValue::from_static("a=b; yanshi_lang=zh-CN"));
        assert_eq!(Lang::from_headers(&h), Lang::ZhCn);
        assert_eq!(Lang::EnUs.t("ui-app-name"), "yanshi");
    }
}
