//! A real headless Chromium (Debian's `chromium` + `chromium-driver`) at phone width against
//! the real binary in demo mode. Skipped when the browser is missing, unless
//! `YANSHI_REQUIRE_BROWSER=1` (CI), where a missing browser fails.

mod afternoon;
mod door;
mod duty;
mod duty_swap;
mod enrolment;
mod layout;
mod people;
mod review;
mod scan;
mod school_setup;
mod sign_in;
mod volunteers;

use crate::support::{Server, temp_dir};
use base64::Engine;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn browser_available() -> bool {
    let found = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !found && std::env::var("YANSHI_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("YANSHI_REQUIRE_BROWSER=1 but {CHROMIUM} / {CHROMEDRIVER} are missing (apt-get install chromium chromium-driver)");
    }
    if !found {
        eprintln!("skipped: no chromium/chromedriver");
    }
    found
}

/// A minimal W3C WebDriver client: just what these tests use.
struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
    _profile: std::path::PathBuf,
}

const WECHAT_UA: &str = "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) \
    Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) \
    WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    async fn start(width: u32, height: u32) -> Browser {
        Browser::start_with(width, height, &[]).await
    }

    /// As `start`, with more Chromium switches (a fake camera, say).
    async fn start_with(width: u32, height: u32, extra_args: &[String]) -> Browser {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.json::<Value>().await.map(|v| v["value"]["ready"] == true).unwrap_or(false)
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = temp_dir("chromium-profile");
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={},{}", width.max(500), height),
            "--lang=zh-CN".into(),
        ];
        args.extend_from_slice(extra_args);
        let caps = json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM, "args": args, "prefs": { "intl.accept_languages": "zh-CN,zh" },
            // Headless windows are at least 500 px wide: emulate the phone's viewport instead,
            // with the user agent of WeChat's in-app browser, where parents open yanshi.
            "mobileEmulation": { "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0 }, "userAgent": WECHAT_UA } } } } });
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"))
            .to_string();
        let b = Browser {
            http,
            base,
            session,
            driver,
            _profile: profile,
        };
        // A form post navigates after the click returns: let element look-ups wait for the new page.
        b.cmd(reqwest::Method::POST, "/timeouts", Some(json!({ "implicit": 5000 }))).await;
        b
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        if v["value"].get("error").is_some() {
            panic!("webdriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    async fn find(&self, css: &str) -> String {
        let url = format!("{}/session/{}/element", self.base, self.session);
        let v: Value = self
            .http
            .post(url)
            .json(&json!({ "using": "css selector", "value": css }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let v = v["value"].clone();
        match v[ELEMENT].as_str() {
            Some(id) => id.to_string(),
            None => {
                self.screenshot("failed-find").await;
                let url = self.cmd(reqwest::Method::GET, "/url", None).await;
                let src = self.script("return document.body.innerText").await;
                panic!("no element {css} at {url}: {v}\n{src}")
            }
        }
    }

    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({})))
            .await;
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{id}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits (up to 5 s) for an element to show `expected`: a click's navigation may still be under way.
    async fn wait_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let js = format!("const e = document.querySelector({css:?}); return e ? e.innerText : null");
            if self.script(&js).await.as_str() == Some(expected) {
                return;
            }
            if Instant::now() > deadline {
                self.screenshot("failed-wait").await;
                panic!("{css} never showed {expected:?}; it shows {}", self.script(&js).await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to 5 s) until a script returns true.
    async fn wait_script(&self, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.script(js).await != Value::Bool(true) {
            assert!(Instant::now() < deadline, "never true: {js}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn script(&self, js: &str) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": js, "args": [] })))
            .await
    }

    /// Saves a screenshot under target/screenshots for a person to look at.
    async fn screenshot(&self, name: &str) {
        Box::pin(self.screenshot_inner(name)).await
    }

    async fn screenshot_inner(&self, name: &str) {
        let png = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }

    /// The page is no wider than the window: nothing to scroll sideways at phone width.
    async fn assert_fits(&self, width: u32) {
        let w = self.script("return document.documentElement.scrollWidth").await.as_u64().unwrap();
        if w > width as u64 {
            self.screenshot("failed-fit").await;
            let js = format!(
                "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > {width} || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible').slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id).join(' ')"
            );
            let culprits = self.script(&js).await;
            panic!("the page is {w} px wide at a {width} px window: {culprits}");
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Signs in (with the demo TOTP code for admins) and waits for the home page. `later` picks a
/// code that many 30-second steps ahead (within the allowed drift): one code signs in once, so
/// a second admin sign-in in the same half minute needs the next one.
async fn sign_in(b: &Browser, base: &str, login: &str, title: &str, later: i64) {
    b.goto(&format!("{base}/login")).await;
    b.type_into("#login", login).await;
    b.type_into("#password", "yanshi-demo").await;
    b.click("#sign-in").await;
    if login == "admin" {
        let secret = yanshi_domain::totp::base32_decode("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
        b.type_into(
            "#code",
            &yanshi_domain::totp::current_code(&secret, time::OffsetDateTime::now_utc() + time::Duration::seconds(30 * later)),
        )
        .await;
        b.click("button.primary").await;
    }
    b.wait_text("#home-title", title).await;
}

async fn sign_out(b: &Browser) {
    b.click("#logout").await;
    b.find("#login").await;
}

/// Waits (up to 5 s) until an element's text contains `part`.
async fn wait_contains(b: &Browser, css: &str, part: &str) {
    b.wait_script(&format!(
        "const e = document.querySelector({css:?}); return !!e && e.innerText.includes({part:?})"
    ))
    .await;
}
