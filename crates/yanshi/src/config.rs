//! Configuration: defaults → optional TOML file → `YANSHI_*` environment → flags; later wins.
//! `yanshi.example.toml` at the repository root documents every key.

use crate::say::{arg, refuse};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use yanshi_notify::SmtpConfig;

/// What the file may say. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub demo: Option<bool>,
    pub cookie_secure: Option<bool>,
    pub behind_proxy: Option<bool>,
    pub log_format: Option<String>,
    pub session_idle_minutes: Option<i64>,
    pub session_absolute_hours: Option<i64>,
    pub smtp: Option<SmtpConfig>,
    pub public_url: Option<String>,
    pub metrics_token: Option<String>,
    pub hsts: Option<bool>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| refuse("cli-config-unreadable", arg("path", path.display()).text("error", e.to_string())))?;
        toml::from_str(&text).map_err(|e| refuse("cli-config-invalid", arg("path", path.display()).text("error", e.to_string())))
    }
}

/// A public base URL as given (`https://host[:port]`, no path), without a trailing slash.
pub fn public_url(given: &str) -> anyhow::Result<String> {
    let u = given.trim().trim_end_matches('/');
    let host = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
    match host {
        Some(h) if !h.is_empty() && !h.contains(['/', '?', '#', ' ', '@']) => Ok(u.to_string()),
        _ => Err(refuse("cli-public-url", arg("value", format!("{given:?}")))),
    }
}

/// A listen address as given: `HOST:PORT` (`[::1]:8080` for IPv6), checked before anything
/// is opened, so that `--listen 0.0.0.0` is refused rather than guessed.
pub fn listen(given: &str) -> anyhow::Result<String> {
    let a = given.trim();
    match a.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !host.ends_with(':') && port.parse::<u16>().is_ok() => Ok(a.to_string()),
        _ => Err(refuse("cli-listen-port", arg("value", format!("{given:?}")))),
    }
}

pub const DEFAULT_DATA_DIR: &str = "./yanshi-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The database URL: the one given, or a SQLite file in the data directory (created on first start).
pub fn database_url(given: Option<String>, data_dir: &Path) -> anyhow::Result<String> {
    if let Some(url) = given {
        yanshi_store::Backend::from_url(&url).map_err(crate::say::store)?;
        return Ok(url);
    }
    std::fs::create_dir_all(data_dir).map_err(|e| refuse("cli-data-dir", arg("path", data_dir.display()).text("error", e.to_string())))?;
    Ok(format!("sqlite://{}", data_dir.join("yanshi.db").display()))
}

/// The file behind a `sqlite://` URL.
pub fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        return Err(refuse("cli-sqlite-only", yanshi_i18n::Args::new()));
    };
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_listen_address_needs_its_port() {
        for ok in ["127.0.0.1:8080", "0.0.0.0:0", "[::1]:8080", "localhost:80", " 127.0.0.1:8080 "] {
            assert!(super::listen(ok).is_ok(), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "localhost",
            "8080",
            ":8080",
            "127.0.0.1:",
            "127.0.0.1:http",
            "::1",
            "[::1]",
            "1.2.3.4:70000",
        ] {
            assert!(super::listen(bad).is_err(), "{bad}");
        }
    }
}
