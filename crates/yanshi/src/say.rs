//! The command line's own words, in the user's language: zh-CN, or English when the first of
//! `LC_ALL`, `LC_MESSAGES`, `LANG` that is set starts with `en` (the usual precedence). Clap's
//! usage errors stay as clap prints them; every message yanshi itself prints is a `cli-*` key.

use std::sync::OnceLock;
use yanshi_i18n::{Args, Locale};
use yanshi_store::StoreError;

/// The language of this run, read once from the environment.
pub fn locale() -> Locale {
    static LOCALE: OnceLock<Locale> = OnceLock::new();
    *LOCALE.get_or_init(|| locale_from(|name| std::env::var(name).ok()))
}

/// The language the environment asks for (`get` reads a variable).
pub fn locale_from(get: impl Fn(&str) -> Option<String>) -> Locale {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .find_map(|name| get(name).filter(|v| !v.trim().is_empty()))
        .filter(|v| v.trim().to_ascii_lowercase().starts_with("en"))
        .map_or(Locale::ZhCn, |_| Locale::EnUs)
}

/// `key` in the user's language, with its arguments.
pub fn text(key: &str, args: &Args) -> String {
    locale().render(key, args)
}

/// A refusal: `key` in the user's language, as the error the command ends with.
pub fn refuse(key: &str, args: Args) -> anyhow::Error {
    anyhow::anyhow!(text(key, &args))
}

/// One text argument, the common case.
pub fn arg(name: &str, value: impl std::fmt::Display) -> Args {
    Args::new().text(name, value.to_string())
}

/// A value a rule refused: the field, the reason in words and its key (for support).
pub fn invalid(e: yanshi_domain::Invalid) -> anyhow::Error {
    refuse(
        "cli-invalid",
        arg("field", e.field).text("reason", locale().t(e.key)).text("key", e.key),
    )
}

/// What the store said, in words where it names a reason.
pub fn store(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(i) => invalid(i),
        StoreError::UnsupportedUrl(url) => refuse("cli-database-url", arg("url", url)),
        StoreError::Connect(url, error) => refuse("cli-connect", arg("url", url).text("error", error)),
        StoreError::NotOnThisBackend(what) => refuse("cli-not-on-backend", arg("what", what)),
        StoreError::NotFound => refuse("cli-not-found", Args::new()),
        other => refuse("cli-store-error", arg("error", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_lc_all_then_lc_messages_then_lang() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        assert_eq!(locale_from(env(&[])), Locale::ZhCn, "zh-CN by default");
        assert_eq!(locale_from(env(&[("LANG", "en_US.UTF-8")])), Locale::EnUs);
        assert_eq!(locale_from(env(&[("LANG", "zh_CN.UTF-8")])), Locale::ZhCn);
        assert_eq!(locale_from(env(&[("LANG", "C.UTF-8")])), Locale::ZhCn);
        assert_eq!(
            locale_from(env(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "zh_CN.UTF-8")])),
            Locale::ZhCn
        );
        assert_eq!(locale_from(env(&[("LANG", "zh_CN.UTF-8"), ("LC_MESSAGES", "en_GB")])), Locale::EnUs);
        assert_eq!(
            locale_from(env(&[("LC_ALL", ""), ("LANG", "en_US")])),
            Locale::EnUs,
            "an empty one is unset"
        );
    }

    #[test]
    fn every_cli_key_has_its_words_in_both_languages() {
        let sources = [
            include_str!("main.rs"),
            include_str!("serve.rs"),
            include_str!("config.rs"),
            include_str!("say.rs"),
        ];
        let keys: Vec<&str> = sources
            .iter()
            .flat_map(|s| s.split("\"cli-").skip(1))
            .filter_map(|rest| rest.split('"').next())
            .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !k.is_empty())
            .collect();
        assert!(keys.len() > 20, "{keys:?}");
        for key in keys.iter().map(|k| format!("cli-{k}")) {
            for (name, catalog) in yanshi_i18n::CATALOGS {
                assert!(catalog.lines().any(|l| l.starts_with(&format!("{key} = "))), "{key} in {name}");
            }
        }
    }
}
