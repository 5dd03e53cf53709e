//! The channels: a generic JSON webhook, the 企业微信 and 钉钉 group robots, and SMTP email.

use base64::Engine;
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;
use sha2::Sha256;
use std::time::Duration;
use yanshi_i18n::Locale;
use yanshi_store::{ChannelKind, ClaimedMessage};

/// The SMTP server email is sent through.
#[derive(Clone, serde::Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
    /// `starttls` (default), `tls` (implicit, port 465) or `none` (a local relay only).
    #[serde(default = "default_smtp_security")]
    pub security: String,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_smtp_security() -> String {
    "starttls".into()
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .field("security", &self.security)
            .finish()
    }
}

/// Sends one message through its channel. Cheap to clone.
#[derive(Clone)]
pub struct Deliverer {
    http: reqwest::Client,
    smtp: Option<SmtpConfig>,
}

impl Deliverer {
    pub fn new(smtp: Option<SmtpConfig>) -> Self {
        // reqwest and lettre use rustls with the ring provider (no C toolchain for aws-lc).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("yanshi/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with default settings");
        Self { http, smtp }
    }

    /// Delivers `msg`; `Ok` carries a short note for the attempt log, `Err` the reason it failed.
    pub async fn deliver(&self, msg: &ClaimedMessage, now_ms: i64) -> Result<String, String> {
        // A school's channel reads the school's language: zh-CN, the one a school has today.
        let (title, body) = yanshi_i18n::shown(Locale::ZhCn, msg.message.as_ref(), &msg.title, &msg.body);
        let text = format!("{title}\n{body}");
        let robot = json!({ "msgtype": "text", "text": { "content": text } });
        match msg.channel.kind {
            ChannelKind::Webhook => {
                let body = json!({
                    "id": msg.id.as_str(),
                    "school_id": msg.channel.school_id.as_str(),
                    "title": title,
                    "body": body,
                })
                .to_string();
                let mut req = self
                    .http
                    .post(&msg.channel.target)
                    .header("content-type", "application/json")
                    // Receivers drop repeats by this key: a retry after a lost reply is not a second message.
                    .header("x-yanshi-message-id", msg.id.as_str());
                if let Some(secret) = &msg.channel.secret {
                    req = req.header("x-yanshi-signature", format!("sha256={}", hmac_sha256_hex(secret, &body)));
                }
                let resp = req.body(body).send().await.map_err(|e| format!("request failed: {e}"))?;
                let status = resp.status();
                if status.is_success() {
                    Ok(format!("HTTP {}", status.as_u16()))
                } else {
                    Err(format!("HTTP {}", status.as_u16()))
                }
            }
            ChannelKind::WeCom => self.robot(&msg.channel.target, &robot).await,
            ChannelKind::DingTalk => {
                let url = match &msg.channel.secret {
                    Some(secret) => dingtalk_signed_url(&msg.channel.target, secret, now_ms),
                    None => msg.channel.target.clone(),
                };
                self.robot(&url, &robot).await
            }
            ChannelKind::Email => self.email(&msg.channel.target, &title, &body).await,
        }
    }

    /// Both robots answer HTTP 200 with `{"errcode": 0}` on success and a non-zero code otherwise.
    async fn robot(&self, url: &str, body: &serde_json::Value) -> Result<String, String> {
        let resp = self
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = resp.status();
        let answer: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
        let code = answer.get("errcode").and_then(|c| c.as_i64());
        match (status.is_success(), code) {
            (true, Some(0)) => Ok("errcode 0".into()),
            (_, Some(c)) => Err(format!(
                "HTTP {} errcode {c} {}",
                status.as_u16(),
                answer.get("errmsg").and_then(|m| m.as_str()).unwrap_or("")
            )),
            _ => Err(format!("HTTP {} without errcode", status.as_u16())),
        }
    }

    async fn email(&self, to: &str, subject: &str, body: &str) -> Result<String, String> {
        let Some(cfg) = &self.smtp else {
            return Err("SMTP is not configured ([smtp] in the config file)".into());
        };
        let message = Message::builder()
            .from(cfg.from.parse().map_err(|e| format!("bad from address: {e}"))?)
            .to(to.parse().map_err(|e| format!("bad address: {e}"))?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| format!("cannot build the message: {e}"))?;
        let builder = match cfg.security.as_str() {
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host),
            "none" => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)),
            _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host),
        }
        .map_err(|e| format!("SMTP set-up: {e}"))?
        .port(cfg.port)
        .timeout(Some(Duration::from_secs(15)));
        let builder = match (&cfg.username, &cfg.password) {
            (Some(u), Some(p)) => builder.credentials(Credentials::new(u.clone(), p.clone())),
            _ => builder,
        };
        let response = builder.build().send(message).await.map_err(|e| format!("SMTP: {e}"))?;
        Ok(format!("SMTP {}", response.code()))
    }
}

fn hmac_sha256(key: &str, data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hmac_sha256_hex(key: &str, data: &str) -> String {
    hmac_sha256(key, data).iter().map(|b| format!("{b:02x}")).collect()
}

/// 钉钉 robot signing: `sign = urlencode(base64(HMAC-SHA256(secret, "{timestamp}\n{secret}")))`,
/// appended with the timestamp in milliseconds to the robot's URL.
pub fn dingtalk_signed_url(url: &str, secret: &str, timestamp_ms: i64) -> String {
    let sign = base64::engine::general_purpose::STANDARD.encode(hmac_sha256(secret, &format!("{timestamp_ms}\n{secret}")));
    let encoded = serde_urlencoded::to_string([("timestamp", timestamp_ms.to_string()), ("sign", sign)]).unwrap_or_default();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_sign_matches_the_documented_algorithm() {
        // Computed independently: printf '1700000000000\nSECxyz' | openssl dgst -sha256 -hmac SECxyz -binary | base64
        let url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECxyz", 1_700_000_000_000);
        assert!(
            url.starts_with("https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign="),
            "{url}"
        );
        let sign = url.rsplit("sign=").next().unwrap();
        assert_eq!(sign, EXPECTED_SIGN);
    }

    const EXPECTED_SIGN: &str = "0PUR1j8g85Xg3vlFV%2FUrEcxXfF5HpCAGzcjrNfyJoyg%3D";
}
