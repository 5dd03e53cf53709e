//! 志愿者 on a phone: the school admin registers 孙阿姨 and records her three checks, puts her in
//! a session with 王老师, and she sees her own page with the group's first names only.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_is_registered_vetted_and_sees_her_own_page_on_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-volunteers"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "admin", "李校长，您好", 0).await;

    // Register her: the account is the demo's volunteer.
    b.goto(&format!("{base}/school/volunteers")).await;
    b.find("#register-volunteer").await;
    b.assert_fits(360).await;
    let picked = b
        .script(
            "const s = document.querySelector('#v-user'); const o = [...s.options].find(o => o.text.includes('孙阿姨')); \
             if (!o) return false; s.value = o.value; return true",
        )
        .await;
    assert_eq!(picked, Value::Bool(true), "孙阿姨's account waits to be registered");
    b.click("#register-volunteer button").await;
    b.wait_text("h1", "孙阿姨（家长志愿者）").await;
    wait_contains(&b, "#vetting-state", "缺少身份核验").await;

    // The three checks, each dated today by default; the ID only by its last four.
    b.type_into("#check-IDENTITY input[name=id_last4]", "123x").await;
    b.click("#check-IDENTITY button").await;
    b.wait_script("return !!document.querySelector('#check-IDENTITY .recorded')").await;
    b.click("#check-CRIMINAL_RECORD button").await;
    b.wait_script("return !!document.querySelector('#check-CRIMINAL_RECORD .recorded')")
        .await;
    b.click("#check-TRAINING button").await;
    wait_contains(&b, "#vetting-state", "已通过审核").await;
    wait_contains(&b, "#check-IDENTITY .recorded", "123X").await;
    b.assert_fits(360).await;
    b.screenshot("volunteer-vetted-360").await;
    b.goto(&format!("{base}/school/volunteers")).await;
    wait_contains(&b, "#volunteer-list .vetted", "已通过审核").await;

    // A session of 三年级二班 with 王老师; the names of its children as the door shows them.
    b.goto(&format!("{base}/afternoon")).await;
    let class = b
        .script("return [...document.querySelectorAll('a.tile')].find(a => a.textContent.includes('三年级二班')).getAttribute('href')")
        .await
        .as_str()
        .unwrap()
        .to_string();
    b.goto(&format!("{base}{class}")).await;
    let names: Vec<String> = serde_json::from_value(
        b.script("return [...document.querySelectorAll('.child-name')].map(e => e.textContent.trim())")
            .await,
    )
    .unwrap();
    assert!(!names.is_empty(), "the demo class has children");
    b.goto(&format!("{base}{class}/plan")).await;
    let set = b
        .script(
            "const f = document.querySelector('#plan-1'); const pick = (n, t) => { const s = f.querySelector(`select[name=${n}]`); \
             const o = [...s.options].find(o => o.text.includes(t)); if (!o) return false; s.value = o.value; return true; }; \
             return pick('teacher', '王老师') && pick('volunteer', '孙阿姨')",
        )
        .await;
    assert_eq!(set, Value::Bool(true));
    b.click("#plan-1 button").await;
    b.wait_text("#plan-message", "已保存活动安排。").await;
    sign_out(&b).await;

    // Her own page: the session, the teacher, the group by first name, her hours.
    sign_in(&b, &base, "volunteer", "孙阿姨，您好", 0).await;
    b.click("a.tile[href=\"/volunteer\"]").await;
    b.find("#my-sessions .my-session").await;
    let page = b
        .script("return [document.querySelector('#my-sessions').innerText, document.querySelector('#hours-total').innerText]")
        .await;
    let (sessions, hours) = (page[0].as_str().unwrap(), page[1].as_str().unwrap());
    assert!(sessions.contains("三年级二班") && sessions.contains("王老师"), "{sessions}");
    assert!(
        names.iter().any(|n| sessions.contains(&yanshi_domain::volunteer::first_name(n))),
        "{sessions}"
    );
    for full in &names {
        assert!(!sessions.contains(full.as_str()), "{full} in full: {sessions}");
    }
    assert_eq!(hours, "0.0");
    b.assert_fits(360).await;
    b.screenshot("volunteer-own-360").await;

    // Nothing else about the children: the class's door is not hers.
    b.goto(&format!("{base}{class}")).await;
    wait_contains(&b, "main", "没有权限").await;
}
