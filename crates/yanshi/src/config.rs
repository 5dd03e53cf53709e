//! Configuration: defaults → optional TOML file → `YANSHI_*` environment → flags; later wins.
//! `yanshi.example.toml` at the repository root documents every key.

use anyhow::{Context, bail};
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
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("the config file {} is not valid", path.display()))
    }
}

/// A public base URL as given (`https://host[:port]`, no path), without a trailing slash.
pub fn public_url(given: &str) -> anyhow::Result<String> {
    let u = given.trim().trim_end_matches('/');
    let host = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
    match host {
        Some(h) if !h.is_empty() && !h.contains(['/', '?', '#', ' ', '@']) => Ok(u.to_string()),
        _ => bail!("public_url {given:?}: expected e.g. https://yanshi.example.edu.cn"),
    }
}

pub const DEFAULT_DATA_DIR: &str = "./yanshi-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The database URL: the one given, or a SQLite file in the data directory (created on first start).
pub fn database_url(given: Option<String>, data_dir: &Path) -> anyhow::Result<String> {
    if let Some(url) = given {
        yanshi_store::Backend::from_url(&url).map_err(|e| anyhow::anyhow!("{e}"))?;
        return Ok(url);
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    Ok(format!("sqlite://{}", data_dir.join("yanshi.db").display()))
}

/// The file behind a `sqlite://` URL.
pub fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        bail!("this command works on SQLite; for PostgreSQL use pg_dump / pg_restore (see README)");
    };
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}
