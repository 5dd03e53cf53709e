//! Enrolment on a phone: a guardian applies and signs, the school makes it active; a guardian
//! added by the class teacher waits for a second admin.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_applies_and_signs_on_a_phone_and_the_school_makes_it_active() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-enrol"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();

    sign_in(&b, &base, "10000000001", "张丽，您好", 0).await;
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

    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
    b.goto(&format!("{base}{enrolment}")).await;
    b.click("#class-approve").await;
    b.wait_text("#enrolment-state", "班主任已通过，待学校审核").await;
    sign_out(&b).await;

    sign_in(&b, &base, "admin", "李校长，您好", 0).await;
    b.goto(&format!("{base}{enrolment}")).await;
    b.click("#school-approve").await;
    b.wait_text("#enrolment-state", "学校已通过，待家长签署").await;
    sign_out(&b).await;

    sign_in(&b, &base, "10000000001", "张丽，您好", 0).await;
    b.goto(&format!("{base}{enrolment}")).await;
    assert_eq!(
        b.script("return document.getElementById('sign').disabled").await,
        true,
        "not before reading to the end"
    );
    b.script("document.getElementById('agreement-end').scrollIntoView()").await;
    // Read to the end: the name and the tick still wait (the hint, in review.rs).
    b.wait_script("return document.querySelector('#read-hint [data-need=scroll]').hidden === true")
        .await;
    assert_eq!(b.script("return document.getElementById('sign').disabled").await, true);
    // A finger draws a stroke on the pad.
    b.script("const p = document.getElementById('signature-pad'); p.scrollIntoView(); const r = p.getBoundingClientRect(); \
        const ev = (t, x) => p.dispatchEvent(new PointerEvent(t, { clientX: r.left + x, clientY: r.top + 30, pointerId: 1, bubbles: true })); \
        ev('pointerdown', 10); ev('pointermove', 60); ev('pointermove', 120); ev('pointerup', 120);").await;
    b.type_into("#typed_name", "张丽").await;
    b.click("#statement").await;
    b.wait_script("return document.getElementById('sign').disabled === false").await;
    b.assert_fits(360).await;
    b.screenshot("enrol-sign-360").await;
    b.click("#sign").await;
    b.wait_text("#enrolment-state", "家长已签署，待学校签章").await;
    sign_out(&b).await;

    sign_in(&b, &base, "admin", "李校长，您好", 1).await;
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
    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
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
        b.script("return document.querySelectorAll('form[action$=\"/confirm\"]').length")
            .await,
        0,
        "the teacher who added it cannot confirm it"
    );
    b.assert_fits(360).await;
    b.screenshot("guardian-pending-360").await;
    sign_out(&b).await;

    sign_in(&b, &base, "admin", "李校长，您好", 0).await;
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
