//! Setting up a school on a phone: the roster imported, the calendar read.

use super::*;

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
    b.wait_text("#home-title", "李校长，您好").await;
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
