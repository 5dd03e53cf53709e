//! Scanning a pickup code's QR at the classroom door where the browser has no BarcodeDetector
//! (iPhones, WeChat's in-app browser): Chromium's fake camera plays a generated video of the
//! code, the vendored decoder (fetched only when the scan starts) reads it, and the child is
//! handed over as a QR hand-over.

use super::*;
use std::io::Write;

/// A few frames of YUV4MPEG2 (grey, 640×480) showing `text` as a QR code with a quiet zone.
fn qr_video(text: &str, path: &std::path::Path) {
    const W: usize = 640;
    const H: usize = 480;
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let modules = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let scale = (H - 40) / (modules + 2 * quiet);
    let side = scale * (modules + 2 * quiet);
    let (left, top) = ((W - side) / 2, (H - side) / 2);
    let mut luma = vec![200u8; W * H];
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale) as isize - quiet as isize, (y / scale) as isize - quiet as isize);
            let dark = (0..modules as isize).contains(&mx)
                && (0..modules as isize).contains(&my)
                && colors[my as usize * modules + mx as usize] == qrcode::Color::Dark;
            luma[(top + y) * W + left + x] = if dark { 16 } else { 235 };
        }
    }
    let chroma = vec![128u8; (W / 2) * (H / 2)];
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "YUV4MPEG2 W{W} H{H} F10:1 Ip A1:1 C420jpeg").unwrap();
    for _ in 0..5 {
        f.write_all(b"FRAME\n").unwrap();
        f.write_all(&luma).unwrap();
        f.write_all(&chroma).unwrap();
        f.write_all(&chroma).unwrap();
    }
    f.flush().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_scans_a_pickup_qr_without_barcode_detector() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-scan"), None, &["--demo"]);
    let base = server.base.clone();
    let client = crate::support::http();
    let token = crate::support::api_token(&client, &base, "teacher", "yanshi-demo").await;
    let cookie = crate::support::sign_in(&client, &base, "teacher", "yanshi-demo").await;

    // The teacher's own class, and a child in care with an adult who may always take them.
    let afternoon = client
        .get(format!("{base}/afternoon"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let class_path = afternoon
        .split("tile mine\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no class of the teacher's own: {afternoon}"))
        .to_string();
    let class_id = class_path.rsplit('/').next().unwrap().to_string();
    let today: Value = client
        .get(format!("{base}/api/v1/classes/{class_id}/afternoon"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (student, adult) = today["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["expected"] == true && c["handover"].is_null())
        .find_map(|c| {
            let a = c["adults"].as_array()?.iter().find(|a| a["level"] == "ALWAYS")?;
            Some((c["student_id"].as_str()?.to_string(), a["id"].as_str()?.to_string()))
        })
        .expect("a child with an adult who may always take them");

    // The adult's personal pickup code, as the page shows it once (with its QR code).
    let page = client
        .post(format!("{base}/students/{student}/pickup-code/{adult}"))
        .header("origin", &base)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let shown = page
        .split("id=\"pickup-code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_else(|| panic!("no pickup code on the page: {page}"));
    let code: String = shown.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 8, "{shown}");

    // The vendored decoder is served from the binary, cached like the other assets.
    let js = client.get(format!("{base}/static/jsQR.js")).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert_eq!(js.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(js.headers()["cache-control"], "public, max-age=3600");
    assert!(js.text().await.unwrap().contains("jsQR"));

    // Chromium's fake camera plays the adult's QR code.
    let video = temp_dir("browser-scan-video").join("code.y4m");
    qr_video(&code, &video);
    let b = Browser::start_with(
        360,
        780,
        &[
            "--use-fake-device-for-media-stream".to_string(),
            "--use-fake-ui-for-media-stream".to_string(),
            format!("--use-file-for-fake-video-capture={}", video.display()),
        ],
    )
    .await;
    // What is tested is the fallback: no BarcodeDetector, whatever this Chromium ships.
    b.cmd(
        reqwest::Method::POST,
        "/goog/cdp/execute",
        Some(json!({ "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": { "source": "delete window.BarcodeDetector;" } })),
    )
    .await;
    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
    b.goto(&format!("{base}{class_path}")).await;
    b.find("ul.door").await;
    assert_eq!(b.script("return 'BarcodeDetector' in window").await, false);
    let card = format!("#child-{student}");
    b.script(&format!("document.querySelector('{card} details').open = true")).await;
    // The button shows without BarcodeDetector; the decoder is not fetched before a scan.
    let scan = format!("{card} button.scan");
    b.wait_script(&format!("return !document.querySelector('{scan}').hidden")).await;
    let decoder_loaded = "return !!document.querySelector('script#jsqr') || !!window.jsQR || \
        performance.getEntriesByType('resource').some(e => e.name.endsWith('/static/jsQR.js'))";
    assert_eq!(b.script(decoder_loaded).await, false, "jsQR is fetched only when a scan starts");
    b.assert_fits(360).await;

    // A camera refused: a clear message, the button back to 扫描接送码, the code still typeable.
    b.script("navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'))")
        .await;
    b.click(&scan).await;
    wait_contains(&b, &format!("{card} .scan-error"), "未获准使用摄像头").await;
    assert_eq!(b.text(&scan).await, "扫描接送码");
    assert_eq!(b.script(decoder_loaded).await, false, "no camera, no decoder");
    b.assert_fits(360).await;
    b.screenshot("scan-denied-360").await;
    // A second tap while the camera starts stops the scan.
    b.script("navigator.mediaDevices.getUserMedia = () => new Promise(() => {})").await;
    b.click(&scan).await;
    b.wait_text(&scan, "停止扫描").await;
    assert_eq!(
        b.script(&format!("return !!document.querySelector('{card} video.scanner')")).await,
        true
    );
    assert_eq!(
        b.script(&format!("return !!document.querySelector('{card} .scan-error')")).await,
        false
    );
    b.click(&scan).await;
    b.wait_text(&scan, "扫描接送码").await;
    assert_eq!(
        b.script(&format!("return !!document.querySelector('{card} video.scanner')")).await,
        false
    );

    // The real camera (the fake device): the code is read and the child handed over.
    b.goto(&format!("{base}{class_path}")).await;
    b.find("ul.door").await;
    b.script(&format!("document.querySelector('{card} details').open = true")).await;
    b.wait_script(&format!("return !document.querySelector('{scan}').hidden")).await;
    assert_eq!(b.script(decoder_loaded).await, false);
    b.click(&scan).await;
    b.wait_text("#handed-count", "1").await;
    wait_contains(&b, &format!("{card} .handed"), "已交接").await;
    // In the card htmx swapped in: read in one script call, never find-then-read.
    b.wait_script("const e = document.querySelector('#door-message'); return !!e && e.innerText.startsWith('已交接')")
        .await;
    b.screenshot("scan-handed-360").await;
    let today: Value = client
        .get(format!("{base}/api/v1/classes/{class_id}/afternoon"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let child = today["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["student_id"] == student.as_str())
        .unwrap();
    assert_eq!(child["handover"]["method"], "QR", "{child}");
}
