//! The afternoon on a phone: the roll called, a child handed over, the day's record signed,
//! and the board in a rehearsal.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teacher_calls_the_roll_and_hands_a_child_over_on_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-door"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
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
    // In the card htmx swapped in: read in one script call, never find-then-read.
    b.wait_script("const e = document.querySelector('#door-message'); return !!e && e.innerText.startsWith('已交接')")
        .await;
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
    let client = crate::support::http();
    let cookie = crate::support::sign_in(&client, &base, "teacher", "yanshi-demo").await;
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
    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
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
    let client = crate::support::http();
    let token = crate::support::api_token(&client, &base, "teacher", "yanshi-demo").await;
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
    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
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
