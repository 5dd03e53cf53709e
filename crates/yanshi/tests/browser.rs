//! A real headless Chromium (Debian's `chromium` + `chromium-driver`) at phone width against
//! the real binary in demo mode. Skipped when the browser is missing, unless
//! `YANSHI_REQUIRE_BROWSER=1` (CI), where a missing browser fails.

mod support;

use base64::Engine;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Server, temp_dir};

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
        let args = vec![
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_class_teacher_signs_in_at_phone_width_in_chinese_then_switches_to_english() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    b.goto(&format!("{}/", server.base)).await;
    assert!(b.text("#demo-banner").await.contains("演示模式"), "demo mode is visible");
    b.assert_fits(360).await;
    b.screenshot("login-360").await;
    b.type_into("#login", "teacher").await;
    b.type_into("#password", "yanshi-demo").await;
    b.click("#sign-in").await;
    b.wait_text("#home-title", "班主任，您好").await;
    b.wait_text("#school-name", "演示小学（Demo）").await;
    assert_eq!(b.script("return document.documentElement.lang").await, "zh-CN");
    b.assert_fits(360).await;
    b.screenshot("home-class-teacher-zh-360").await;

    b.click("#lang-en").await;
    b.wait_text("#home-title", "Hello, class teacher").await;
    assert_eq!(b.script("return document.documentElement.lang").await, "en-US");
    b.assert_fits(360).await;
    b.screenshot("home-class-teacher-en-360").await;

    // The choice is the account's: after signing out and in again it stays English.
    b.click("#logout").await;
    b.type_into("#login", "teacher").await;
    b.type_into("#password", "yanshi-demo").await;
    b.click("#sign-in").await;
    b.wait_text("#home-title", "Hello, class teacher").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_admin_signs_in_with_a_code_and_issues_an_invitation_on_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-admin"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    b.goto(&format!("{}/login", server.base)).await;
    b.type_into("#login", "admin").await;
    b.type_into("#password", "yanshi-demo").await;
    b.click("#sign-in").await;
    let secret = yanshi_domain::totp::base32_decode("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    let code = yanshi_domain::totp::current_code(&secret, time::OffsetDateTime::now_utc());
    b.type_into("#code", &code).await;
    b.click("button.primary").await;
    b.wait_text("#home-title", "学校管理员，您好").await;
    b.goto(&format!("{}/admin/invitations", server.base)).await;
    b.type_into("#note", "三年级二班 王小明家长").await;
    b.click("#issue-invitation").await;
    let code = b.text("#invitation-code").await;
    assert_eq!(code.len(), 11, "{code}");
    b.assert_fits(360).await;
    b.screenshot("invitation-issued-360").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_admin_imports_a_roster_and_reads_the_calendar_on_a_phone() {
    if !browser_available() {
        return;
    }
    let dir = temp_dir("browser-import");
    let server = Server::start(dir.clone(), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    b.goto(&format!("{}/login", server.base)).await;
    b.type_into("#login", "admin").await;
    b.type_into("#password", "yanshi-demo").await;
    b.click("#sign-in").await;
    let secret = yanshi_domain::totp::base32_decode("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    b.type_into(
        "#code",
        &yanshi_domain::totp::current_code(&secret, time::OffsetDateTime::now_utc()),
    )
    .await;
    b.click("button.primary").await;
    b.wait_text("#home-title", "学校管理员，您好").await;
    b.screenshot("home-school-admin-360").await;

    // A roster with a mistake: refused with the row and column named.
    let bad = dir.join("roster.csv");
    std::fs::write(
        &bad,
        "学号,姓名,性别,班级,监护人1姓名,监护人1电话\n99990001,新同学,女,三年级二班,新妈妈,1380013\n",
    )
    .unwrap();
    b.goto(&format!("{}/students/import", server.base)).await;
    b.type_into("#file", bad.to_str().unwrap()).await;
    b.click("#check-file").await;
    b.wait_text("#import-refused", "文件有问题，没有导入任何数据。请修改后重新上传 (1)")
        .await;
    b.assert_fits(360).await;
    b.screenshot("import-refused-360").await;

    // The corrected file: checked, then imported.
    let good = dir.join("roster-fixed.csv");
    std::fs::write(
        &good,
        "学号,姓名,性别,班级,监护人1姓名,监护人1电话\n99990001,新同学,女,三年级二班,新妈妈,13800138099\n",
    )
    .unwrap();
    b.type_into("#file", good.to_str().unwrap()).await;
    b.click("#check-file").await;
    b.wait_text("#preview-created", "1").await;
    b.click("#confirm-import").await;
    b.wait_text("#count-created", "1").await;
    b.screenshot("import-done-360").await;

    b.goto(&format!("{}/school/calendar?grade=3", server.base)).await;
    b.assert_fits(360).await;
    b.screenshot("calendar-360").await;
    let count: u64 = b.text("#service-day-count").await.parse().unwrap();
    assert!(count > 50, "a term of service days: {count}");
    let _ = std::fs::remove_dir_all(dir);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_applies_and_signs_on_a_phone_and_the_school_makes_it_active() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-enrol"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();

    sign_in(&b, &base, "10000000001", "家长，您好", 0).await;
    b.click(".apply-link").await;
    b.find("#parent-notice").await;
    b.click("#notice-read").await;
    b.click("#consent").await;
    b.assert_fits(360).await;
    b.screenshot("enrol-apply-360").await;
    b.click("#submit-application").await;
    b.wait_text("#enrolment-state", "已提交，待班主任审核").await;
    let enrolment = b.script("return location.pathname").await.as_str().unwrap().to_string();
    sign_out(&b).await;

    sign_in(&b, &base, "teacher", "班主任，您好", 0).await;
    b.goto(&format!("{base}{enrolment}")).await;
    b.click("#class-approve").await;
    b.wait_text("#enrolment-state", "班主任已通过，待学校审核").await;
    sign_out(&b).await;

    sign_in(&b, &base, "admin", "学校管理员，您好", 0).await;
    b.goto(&format!("{base}{enrolment}")).await;
    b.click("#school-approve").await;
    b.wait_text("#enrolment-state", "学校已通过，待家长签署").await;
    sign_out(&b).await;

    sign_in(&b, &base, "10000000001", "家长，您好", 0).await;
    b.goto(&format!("{base}{enrolment}")).await;
    assert_eq!(
        b.script("return document.getElementById('sign').disabled").await,
        true,
        "not before reading to the end"
    );
    b.script("document.getElementById('agreement-end').scrollIntoView()").await;
    b.wait_script("return document.getElementById('sign').disabled === false").await;
    // A finger draws a stroke on the pad.
    b.script("const p = document.getElementById('signature-pad'); p.scrollIntoView(); const r = p.getBoundingClientRect(); \
        const ev = (t, x) => p.dispatchEvent(new PointerEvent(t, { clientX: r.left + x, clientY: r.top + 30, pointerId: 1, bubbles: true })); \
        ev('pointerdown', 10); ev('pointermove', 60); ev('pointermove', 120); ev('pointerup', 120);").await;
    b.type_into("#typed_name", "张丽").await;
    b.click("#statement").await;
    b.assert_fits(360).await;
    b.screenshot("enrol-sign-360").await;
    b.click("#sign").await;
    b.wait_text("#enrolment-state", "家长已签署，待学校签章").await;
    sign_out(&b).await;

    sign_in(&b, &base, "admin", "学校管理员，您好", 1).await;
    b.goto(&format!("{base}{enrolment}")).await;
    b.script("document.getElementById('agreement-end').scrollIntoView()").await;
    b.type_into("#typed_name", "李校长").await;
    b.click("#statement").await;
    b.click("#sign").await;
    b.wait_text("#enrolment-state", "已生效").await;
    b.goto(&format!("{base}{enrolment}/print")).await;
    let signatures = b.text("#signatures").await;
    assert!(signatures.contains("张丽") && signatures.contains("李校长"), "{signatures}");
    assert_eq!(
        b.script("return document.querySelectorAll('#signatures img.drawn').length").await,
        1,
        "the drawn signature is kept"
    );
    b.screenshot("agreement-print").await;
    let links = b.text("#guardian-links").await;
    assert!(
        links.contains("张丽") && links.contains("学校花名册导入"),
        "how each guardian was linked: {links}"
    );
}

/// A guardian a class teacher adds on a phone counts only when a second school admin confirms:
/// the teacher sees it waiting, the admin finds it on the home page and confirms it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_added_by_the_class_teacher_waits_for_a_second_admin_on_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-guardian"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "teacher", "班主任，您好", 0).await;
    b.click("#my-classes a.tile").await;
    b.click("ul.students a").await;
    b.script("document.querySelectorAll('details').forEach(d => d.open = true); return true")
        .await;
    b.type_into("#gname", "王大伯").await;
    b.type_into("#grel", "伯父").await;
    b.type_into("#gphone", "13912345678").await;
    b.script("document.querySelector('form[action$=\"/guardians\"]').requestSubmit(); return true")
        .await;
    wait_contains(&b, "main", "待另一位学校管理员确认").await;
    assert_eq!(
        b.script("return document.querySelectorAll('input[value=confirm_guardian]').length")
            .await,
        0,
        "the teacher who added it cannot confirm it"
    );
    b.assert_fits(360).await;
    b.screenshot("guardian-pending-360").await;
    sign_out(&b).await;

    sign_in(&b, &base, "admin", "学校管理员，您好", 0).await;
    wait_contains(&b, "#pending-guardians", "王大伯").await;
    b.click("#pending-guardians a").await;
    b.script("document.querySelector('form[action$=\"/confirm\"]').querySelector('button').click(); return true")
        .await;
    wait_contains(&b, "main", "确认：").await;
    let text = b.text("main").await;
    assert!(!text.contains("待另一位学校管理员确认"), "{text}");
    b.assert_fits(360).await;
    b.screenshot("guardian-confirmed-360").await;
}

/// Every page a school admin, a class teacher and a guardian use fits a 360 px phone: nothing
/// to scroll sideways (tables scroll inside their own box).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-pages"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "admin", "学校管理员，您好", 0).await;
    b.goto(&format!("{base}/students")).await;
    let class = b
        .script("return document.querySelector('a.tile').getAttribute('href')")
        .await
        .as_str()
        .unwrap()
        .to_string();
    b.goto(&format!("{base}{class}")).await;
    let student = b
        .script("return document.querySelector('ul.students a').getAttribute('href')")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let pages = [
        "/home",
        "/school",
        "/school/terms",
        "/school/calendar",
        "/school/classes",
        "/school/staff",
        "/school/notice",
        "/students",
        &class,
        &student,
        &format!("{student}?sensitive=1"),
        "/students/import",
        "/enrolment",
        "/enrolment/published",
        "/survey/classes",
        "/admin/users",
        "/admin/invitations",
        "/admin/channels",
        "/admin/audit",
        "/account",
        "/account/two-factor",
        "/inbox",
        "/api/v1/docs",
        "/afternoon",
        "/afternoon/board",
        "/afternoon/workload",
        "/afternoon/absences",
    ];
    for p in pages {
        b.goto(&format!("{base}{p}")).await;
        b.find("main").await;
        // Folded parts (the weather form, the hand-over forms) must fit too once opened.
        b.script("document.querySelectorAll('details').forEach(d => d.open = true); return true")
            .await;
        b.assert_fits(360).await;
    }
    b.goto(&format!("{base}/home")).await;
    sign_out(&b).await;
    sign_in(&b, &base, "10000000001", "家长，您好", 0).await;
    let child = b
        .script("return document.querySelector('a.survey-link').getAttribute('href')")
        .await
        .as_str()
        .unwrap()
        .to_string();
    for p in ["/home", child.as_str(), "/inbox", "/account"] {
        b.goto(&format!("{base}{p}")).await;
        b.find("main").await;
        b.assert_fits(360).await;
    }
    b.goto(&format!("{base}/home")).await;
    b.click(".apply-link").await;
    b.find("#parent-notice").await;
    b.assert_fits(360).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_calls_the_roll_and_hands_a_child_over_on_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-door"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "teacher", "班主任，您好", 0).await;
    b.goto(&format!("{base}/afternoon")).await;
    b.click("a.tile.mine").await;
    b.find("ul.door").await;
    // The class page's own address: each of its forms posts to an action under it.
    let class_path = b.script("return location.pathname").await.as_str().unwrap().to_string();
    let class_id = class_path.rsplit('/').next().unwrap().to_string();
    let children = b
        .script("return document.querySelectorAll('ul.door > li').length")
        .await
        .as_u64()
        .unwrap();
    assert!(children >= 30, "the demo class takes part: {children}");
    b.assert_fits(360).await;
    b.click("ul.door > li .roll-present").await;
    b.wait_text("#present-count", "1").await;
    // Hand over the first child whose list has an adult who may always take them.
    let picked = b
        .script(
            "const li = [...document.querySelectorAll('ul.door > li')].find(l => l.querySelector('.level-ALWAYS input')); \
             li.querySelector('details').open = true; li.querySelector('.level-ALWAYS input').click(); return li.id",
        )
        .await;
    let li = picked.as_str().unwrap().to_string();
    b.click(&format!("#{li} .handover-submit")).await;
    b.wait_text("#handed-count", "1").await;
    assert!(b.text("#door-message").await.starts_with("已交接"));
    b.assert_fits(360).await;
    b.screenshot("door-360").await;

    // The live board, open on this phone, redraws when another teacher calls the roll.
    let other = b
        .script("const all = [...document.querySelectorAll('ul.door > li')].filter(l => l.querySelector('.roll-present')); return all[all.length - 1].id")
        .await;
    let other = other.as_str().unwrap().trim_start_matches("child-").to_string();
    b.goto(&format!("{base}/afternoon/board")).await;
    let present = format!("#board-{class_id} .n-present");
    b.wait_text(&present, "1").await;
    b.assert_fits(360).await;
    let client = support::http();
    let cookie = support::sign_in(&client, &base, "teacher", "yanshi-demo").await;
    let roll = client
        .post(format!("{base}{class_path}/roll"))
        .header("origin", &base)
        .header("cookie", cookie)
        .form(&[("student", other.as_str()), ("status", "PRESENT")])
        .send()
        .await
        .unwrap();
    assert_eq!(roll.status(), 200);
    b.wait_text(&present, "2").await;
    b.screenshot("board-360").await;
    // The class's week plan and the paper sheet fit the phone too.
    for p in [format!("{class_path}/plan"), format!("{class_path}/sheet")] {
        b.goto(&format!("{base}{p}")).await;
        b.find("main").await;
        b.assert_fits(360).await;
    }
    b.screenshot("plan-360").await;
}

/// 延时服务记录 at phone width: once every child of the demo class has gone home (handed over
/// through the API, those without an adult who may always take them marked not at school), the
/// class teacher writes notes and signs under their own name; the record locks and the day's
/// workload lists them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_class_teacher_signs_the_days_record_on_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-record"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "teacher", "班主任，您好", 0).await;
    b.goto(&format!("{base}/afternoon")).await;
    b.click("a.tile.mine").await;
    b.find("ul.door").await;
    let class_path = b.script("return location.pathname").await.as_str().unwrap().to_string();
    let class_id = class_path.rsplit('/').next().unwrap().to_string();
    b.click("#record-link").await;
    b.find("#record-sign-form").await;
    b.assert_fits(360).await;
    // Signing while children are still in care is refused, with the reason.
    b.type_into("#record-sign-form input[name=name]", "王老师（三年级二班班主任）")
        .await;
    b.click("#record-sign-form button").await;
    wait_contains(&b, "#record-message", "还有学生在校未交接").await;

    // The afternoon passes: every child goes home.
    let client = support::http();
    let token = support::api_token(&client, &base, "teacher", "yanshi-demo").await;
    let today: serde_json::Value = client
        .get(format!("{base}/api/v1/classes/{class_id}/afternoon"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (i, child) in today["children"].as_array().unwrap().iter().enumerate() {
        if child["expected"] != true || !child["handover"].is_null() {
            continue;
        }
        let id = child["student_id"].as_str().unwrap();
        let adult = child["adults"].as_array().unwrap().iter().find(|a| a["level"] == "ALWAYS");
        let resp = match adult {
            Some(a) => client
                .post(format!("{base}/api/v1/handovers"))
                .bearer_auth(&token)
                .json(&serde_json::json!({ "student_id": id, "adult_id": a["id"], "request_id": format!("record-{i}") }))
                .send()
                .await
                .unwrap(),
            None => client
                .post(format!("{base}/api/v1/classes/{class_id}/roll"))
                .bearer_auth(&token)
                .json(&serde_json::json!({ "student_id": id, "status": "ABSENT_FROM_SCHOOL" }))
                .send()
                .await
                .unwrap(),
        };
        assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    }

    b.goto(&format!("{base}{class_path}/record")).await;
    b.type_into("#record-notes-form textarea", "安全无事故，全部交接完毕。").await;
    b.click("#record-notes-form button").await;
    wait_contains(&b, "#record-message", "已保存记录").await;
    b.type_into("#record-sign-form input[name=name]", "王老师（三年级二班班主任）")
        .await;
    b.click("#record-sign-form button").await;
    wait_contains(&b, "#record-status", "已签名").await;
    assert!(b.text("#record-signature").await.contains("王老师（三年级二班班主任）"));
    assert!(b.text("#record-notes").await.contains("安全无事故"));
    b.assert_fits(360).await;
    b.screenshot("record-360").await;
    b.goto(&format!("{base}/afternoon/workload")).await;
    wait_contains(&b, "#workload-entries", "王老师（三年级二班班主任）").await;
    b.assert_fits(360).await;
    b.goto(&format!("{base}/afternoon/absences")).await;
    b.find("#absences-form").await;
    b.assert_fits(360).await;
}

/// Waits (up to 5 s) until an element's text contains `part`.
async fn wait_contains(b: &Browser, css: &str, part: &str) {
    b.wait_script(&format!(
        "const e = document.querySelector({css:?}); return !!e && e.innerText.includes({part:?})"
    ))
    .await;
}

/// A rehearsal (演练) at phone width: the demo school's clock starts at 17:30 today and runs 60×
/// faster; 18:00 passes with the demo class still in school, and the open board shows the late
/// pickups (迟接) once the afternoon sweep has run, without a reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eighteen_hundred_passes_on_the_board_in_a_rehearsal() {
    if !browser_available() {
        return;
    }
    let beijing = time::OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap());
    // Thirty rehearsal minutes (thirty real seconds) before the end: time to start and sign in
    // on a machine busy with other builds (ten seconds was not always enough).
    let start = format!("{}T17:30", beijing.date());
    let server = Server::start(
        temp_dir("browser-rehearsal"),
        None,
        &["--demo", "--demo-time", &start, "--demo-speed", "60"],
    );
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "teacher", "班主任，您好", 0).await;
    b.goto(&format!("{base}/afternoon/board")).await;
    b.find(".board").await;
    assert_eq!(
        b.script("return document.querySelectorAll('.n-late').length").await,
        0,
        "nobody is late before 18:00"
    );
    // The sweep runs every 30 s of school time (half a real second at 60×): wait for its
    // redraw; the bound only keeps a broken build from hanging CI.
    let deadline = Instant::now() + Duration::from_secs(180);
    while b.script("return document.querySelectorAll('.n-late').length").await == 0 {
        assert!(Instant::now() < deadline, "the board never showed a late pickup");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Read in one script: the board redraws while we look, and an element found a moment ago
    // may already be replaced.
    let late = b.script("return document.querySelector('.n-late').innerText").await;
    assert!(late.as_str().is_some_and(|t| t.starts_with("迟接")), "{late}");
    b.assert_fits(360).await;
    b.screenshot("board-late-360").await;
}
