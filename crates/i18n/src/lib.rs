//! yanshi-i18n — every text a person reads, in zh-CN (the default and the fallback) and en-US.
//!
//! Messages live in `messages/zh-CN.txt` and `messages/en-US.txt` as `key = text` lines,
//! compiled into the binary. A text may name its arguments: `{name}` is replaced by the argument
//! `name`. Below the web layer nothing composes text: the store and the domain hand over a
//! [`Message`] (a key and typed arguments), and whoever shows or sends it renders it in the
//! reader's language ([`Message::render`]) — the inbox when it is read, a channel when it is sent.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// A reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    ZhCn,
    EnUs,
}

static ZH: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(include_str!("../messages/zh-CN.txt")));
static EN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| parse(include_str!("../messages/en-US.txt")));

/// The raw catalogs, for tests that check them.
pub const CATALOGS: [(&str, &str); 2] = [
    ("zh-CN", include_str!("../messages/zh-CN.txt")),
    ("en-US", include_str!("../messages/en-US.txt")),
];

fn parse(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = ").map(|(k, v)| (k.trim(), v.trim())))
        .collect()
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::EnUs => "en-US",
        }
    }

    /// `zh…` or `en…`, case-insensitively; anything else is not a language yanshi speaks.
    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Locale::ZhCn)
        } else if s.starts_with("en") {
            Some(Locale::EnUs)
        } else {
            None
        }
    }

    /// The text for `key`; a missing key falls back to Chinese, then to "…" (and a warning).
    pub fn t(self, key: &str) -> &'static str {
        let table = match self {
            Locale::ZhCn => &*ZH,
            Locale::EnUs => &*EN,
        };
        table.get(key).or_else(|| ZH.get(key)).copied().unwrap_or_else(|| {
            tracing::warn!(key, "missing message");
            "…"
        })
    }

    /// 周一 … 周日 / Mon … Sun, for a weekday numbered from Monday (1).
    pub fn weekday(self, number_from_monday: u8) -> &'static str {
        self.t(&format!("ui-weekday-{number_from_monday}"))
    }

    /// Weekdays as a list in this language: 周一、周三、周五 / Mon, Wed, Fri.
    pub fn weekdays(self, numbers_from_monday: &[u8]) -> String {
        let names: Vec<&str> = numbers_from_monday.iter().map(|d| self.weekday(*d)).collect();
        names.join(self.t("ui-list-sep"))
    }

    /// The text for `key` with each `{name}` replaced by its argument, rendered in this language.
    pub fn render(self, key: &str, args: &Args) -> String {
        let mut out = self.t(key).to_string();
        for (name, value) in &args.0 {
            let shown = match value {
                Arg::Text(s) => s.clone(),
                Arg::Number(n) => n.to_string(),
                Arg::Key(k) => self.t(k).to_string(),
            };
            out = out.replace(&format!("{{{name}}}"), &shown);
        }
        out
    }

    /// Is there a message for `key` (in the fallback language)?
    pub fn has(key: &str) -> bool {
        ZH.contains_key(key)
    }
}

/// One named argument of a message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arg {
    /// Shown as it is: a name, a time of day already in the school's time zone, a class.
    Text(String),
    Number(i64),
    /// Another message key, shown in the reader's language (a roll mark, a pickup level).
    Key(String),
}

/// The named arguments of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Args(pub BTreeMap<String, Arg>);

impl Args {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn text(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0.insert(name.to_string(), Arg::Text(value.into()));
        self
    }

    pub fn number(mut self, name: &str, value: i64) -> Self {
        self.0.insert(name.to_string(), Arg::Number(value));
        self
    }

    pub fn key(mut self, name: &str, key: &str) -> Self {
        self.0.insert(name.to_string(), Arg::Key(key.to_string()));
        self
    }
}

/// A notification as the store records it: a key and its arguments. Its title is the text of
/// `{key}-title`, its body the text of `{key}-body`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    pub key: String,
    pub args: Args,
}

impl Message {
    pub fn new(key: &str, args: Args) -> Self {
        Self {
            key: key.to_string(),
            args,
        }
    }

    pub fn title(&self, locale: Locale) -> String {
        locale.render(&format!("{}-title", self.key), &self.args)
    }

    pub fn body(&self, locale: Locale) -> String {
        locale.render(&format!("{}-body", self.key), &self.args)
    }

    /// The arguments as stored (JSON).
    pub fn args_json(&self) -> String {
        serde_json::to_string(&self.args).unwrap_or_else(|_| "{}".into())
    }

    /// A stored message back; `None` if the arguments do not read (shown as its key's text).
    pub fn from_stored(key: &str, args: &str) -> Self {
        Self {
            key: key.to_string(),
            args: serde_json::from_str(args).unwrap_or_default(),
        }
    }
}

/// What a stored notification says in `locale`: its message rendered, or — for a row written
/// before notifications had keys — the text it was stored with.
pub fn shown(locale: Locale, message: Option<&Message>, title: &str, body: &str) -> (String, String) {
    match message {
        Some(m) => (m.title(locale), m.body(locale)),
        None => (title.to_string(), body.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for (lang, text) in CATALOGS {
            let keys: Vec<&str> = text
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
                .collect();
            let mut seen = std::collections::HashSet::new();
            let twice: Vec<_> = keys.iter().filter(|k| !seen.insert(**k)).collect();
            assert!(twice.is_empty(), "{lang}: written twice: {twice:?}");
        }
    }

    /// The same named arguments in both languages: a `{name}` only one side has would show raw.
    #[test]
    fn both_languages_name_the_same_arguments() {
        let names = |text: &str| {
            let mut v: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
                .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .collect();
            v.sort();
            v
        };
        for (key, zh) in ZH.iter() {
            assert_eq!(names(zh), names(EN[key]), "{key}");
        }
    }

    #[test]
    fn weekdays_in_the_readers_language() {
        assert_eq!(Locale::ZhCn.weekdays(&[1, 3, 5]), "周一、周三、周五");
        // The catalog trims values: the English separator is a bare comma.
        assert_eq!(Locale::EnUs.weekdays(&[1, 3, 5]), "Mon,Wed,Fri");
        assert_eq!((Locale::ZhCn.weekday(1), Locale::ZhCn.weekday(7)), ("周一", "周日"));
        assert_eq!(Locale::EnUs.weekdays(&[]), "");
    }

    #[test]
    fn a_message_renders_in_the_readers_language_with_its_arguments() {
        let m = Message::new(
            "msg-guardian-added",
            Args::new()
                .text("student", "王小明")
                .text("guardian", "王强")
                .text("relationship", "父亲")
                .text("by", "王老师"),
        );
        let zh = m.body(Locale::ZhCn);
        let en = m.body(Locale::EnUs);
        assert!(zh.contains("王小明") && zh.contains("王强") && !zh.contains('{'), "{zh}");
        assert!(en.contains("王强") && en.contains("guardian") && !en.contains('{'), "{en}");
        let back = Message::from_stored(&m.key, &m.args_json());
        assert_eq!(back, m);
        assert_eq!(Locale::parse("EN-us"), Some(Locale::EnUs));
        assert_eq!(Locale::EnUs.render("ui-app-name", &Args::new()), "yanshi");
    }
}
