//! Two languages: zh-CN (the default and the fallback) and en-US.
//!
//! Messages live in `i18n/zh-CN.txt` and `i18n/en-US.txt` as `key = text` lines, compiled
//! into the binary. The language comes from the account's own choice (copied into the
//! `yanshi_lang` cookie at sign-in), then the cookie, then `Accept-Language`.

use axum::http::HeaderMap;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    EnUs,
}

pub const LANG_COOKIE: &str = "yanshi_lang";

static ZH: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(include_str!("../i18n/zh-CN.txt")));
static EN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(include_str!("../i18n/en-US.txt")));

pub(crate) fn parse(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = ").map(|(k, v)| (k.trim(), v.trim())))
        .collect()
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::EnUs => "en-US",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if s.starts_with("en") {
            Some(Lang::EnUs)
        } else {
            None
        }
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

    /// The text for `key`; a missing key falls back to Chinese, then to the key itself.
    pub fn t(self, key: &str) -> &'static str {
        let table = match self {
            Lang::ZhCn => &*ZH,
            Lang::EnUs => &*EN,
        };
        table.get(key).or_else(|| ZH.get(key)).copied().unwrap_or_else(|| {
            tracing::warn!(key, "missing message");
            "…"
        })
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

/// What templates call: `{{ t.get("key") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn get(&self, key: &str) -> &'static str {
        self.0.t(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut zh: Vec<_> = ZH.keys().collect();
        let mut en: Vec<_> = EN.keys().collect();
        zh.sort();
        en.sort();
        assert_eq!(zh, en);
        assert!(zh.len() > 50);
    }

    /// A key written twice would silently show the later text wherever the first was meant.
    #[test]
    fn no_key_is_written_twice() {
        for text in [include_str!("../i18n/zh-CN.txt"), include_str!("../i18n/en-US.txt")] {
            let keys: Vec<&str> = text
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
                .collect();
            let mut seen = std::collections::HashSet::new();
            let twice: Vec<_> = keys.iter().filter(|k| !seen.insert(**k)).collect();
            assert!(twice.is_empty(), "written twice: {twice:?}");
        }
    }

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
                    let is_key = (word.starts_with("err-") || word.starts_with("ui-"))
                        && word.len() > 4
                        && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                    if is_key && !ZH.contains_key(word) && !word.ends_with('-') {
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
