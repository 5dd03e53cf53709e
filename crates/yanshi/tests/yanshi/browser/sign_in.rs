//! Signing in on a phone: in Chinese then English, and with a code; an invitation issued.

use super::*;

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
    b.wait_text("#home-title", "王老师，您好").await;
    b.wait_text("#school-name", "演示小学（Demo）").await;
    assert_eq!(b.script("return document.documentElement.lang").await, "zh-CN");
    b.assert_fits(360).await;
    b.screenshot("home-class-teacher-zh-360").await;

    b.click("#lang-en").await;
    b.wait_text("#home-title", "Hello, 王老师").await;
    assert_eq!(b.script("return document.documentElement.lang").await, "en-US");
    b.assert_fits(360).await;
    b.screenshot("home-class-teacher-en-360").await;

    // The choice is the account's: after signing out and in again it stays English.
    b.click("#logout").await;
    b.type_into("#login", "teacher").await;
    b.type_into("#password", "yanshi-demo").await;
    b.click("#sign-in").await;
    b.wait_text("#home-title", "Hello, 王老师").await;
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
    b.wait_text("#home-title", "李校长，您好").await;
    b.goto(&format!("{}/admin/invitations", server.base)).await;
    b.type_into("#note", "三年级二班 王小明家长").await;
    b.click("#issue-invitation").await;
    let code = b.text("#invitation-code").await;
    assert_eq!(code.len(), 11, "{code}");
    b.assert_fits(360).await;
    b.screenshot("invitation-issued-360").await;
}
