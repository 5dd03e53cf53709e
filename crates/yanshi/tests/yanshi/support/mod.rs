//! Runs the real `yanshi` binary: a server on a free port with its own data directory.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Server {
    pub child: Child,
    pub base: String,
    pub data_dir: PathBuf,
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let mut b = [0u8; 6];
    for (i, x) in b.iter_mut().enumerate() {
        *x = (std::process::id() as u8).wrapping_add(i as u8).wrapping_mul(31)
            ^ (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
                >> (i * 3)) as u8;
    }
    let dir = std::env::temp_dir().join(format!("yanshi-{tag}-{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn yanshi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_yanshi"))
}

impl Server {
    /// Starts `yanshi serve` on port 0 and waits for the line that names its address (printed
    /// after the listener is bound, so the server is ready when it arrives).
    pub fn start(data_dir: PathBuf, database_url: Option<&str>, extra: &[&str]) -> Server {
        let mut cmd = yanshi();
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data_dir)
            .args(extra);
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("start yanshi");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().expect("yanshi exited before listening").unwrap();
            if let Some(i) = line.find("http://") {
                break line[i..].trim().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base, data_dir }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that does not follow redirects (tests look at them).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs in through the login form; returns the session cookie (`name=value`).
pub async fn sign_in(client: &reqwest::Client, base: &str, login: &str, password: &str) -> String {
    let resp = client
        .post(format!("{base}/login"))
        .header("origin", base)
        .form(&[("login", login), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "sign-in as {login}");
    resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// A bearer token for the JSON API (`POST /api/v1/tokens`).
pub async fn api_token(client: &reqwest::Client, base: &str, login: &str, password: &str) -> String {
    let body: serde_json::Value = client
        .post(format!("{base}/api/v1/tokens"))
        .json(&serde_json::json!({ "login": login, "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token for {login}: {body}"))
        .to_string()
}
