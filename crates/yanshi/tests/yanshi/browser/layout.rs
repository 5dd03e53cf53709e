//! Every page fits a phone's width.

use super::*;

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
    sign_in(&b, &base, "admin", "李校长，您好", 0).await;
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
    sign_in(&b, &base, "10000000001", "张丽，您好", 0).await;
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
