//! 换班 on a phone (360 px): 赵老师 offers a published turn to 王老师, who accepts, and the
//! duty leader approves; the roster then has 王老师 on it. The demo school has no posts, so
//! the test sets one up and publishes a roster through the store, as a leader would.

use super::*;
use yanshi_domain::account::Login;
use yanshi_domain::duty::post::PostSpec;
use yanshi_store::Store;

/// A midday hallway post (clear of every class's care) with 赵老师 on it on the next weekday
/// the term serves, published. The day and 王老师's id.
async fn published_turn(data_dir: &std::path::Path) -> (time::Date, String) {
    let store = Store::connect(&format!("sqlite://{}", data_dir.join("yanshi.db").display()))
        .await
        .unwrap();
    let user = |login: &'static str| {
        let store = store.clone();
        async move { store.user_by_login(&Login::parse(login).unwrap()).await.unwrap().unwrap() }
    };
    let (admin, duty, teacher) = (user("admin").await, user("duty").await, user("teacher").await);
    let school = admin.school_id.clone().unwrap();
    let now = time::OffsetDateTime::now_utc();
    let spec = PostSpec::parse("HALLWAY", "午间楼道", &[1, 2, 3, 4, 5], &[], "12:00", "12:40", "1", "100", &[]).unwrap();
    let post = store.save_duty_post(&admin, &school, None, &spec, true, now).await.unwrap();
    let today = yanshi_domain::school_time::local(now, "Asia/Shanghai").date();
    let term = store.term_on(&school, today).await.unwrap().expect("the demo term is on");
    let mut day = today;
    let day = loop {
        day = day.next_day().unwrap();
        if day.weekday().number_from_monday() <= 5 && store.assign_duty_turn(&admin, &term.id, day, &post, &duty.id, now).await.is_ok() {
            break day;
        }
        assert!(day < today + time::Duration::days(30), "no day to place a turn on");
    };
    store.publish_roster(&admin, &term.id, now).await.unwrap();
    (day, teacher.id.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_is_proposed_accepted_and_approved_on_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-duty-swap"), None, &["--demo"]);
    let (day, teacher) = published_turn(&server.data_dir).await;
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();

    // 赵老师 offers the turn to 王老师.
    sign_in(&b, &base, "duty", "赵老师，您好", 0).await;
    b.goto(&format!("{base}/duty/swaps")).await;
    wait_contains(&b, "#propose-1", &format!("{day}")).await;
    b.assert_fits(360).await;
    b.script(&format!("document.querySelector('#propose-1 select[name=to]').value = {teacher:?}"))
        .await;
    b.type_into("#propose-1 input[name=note]", "那天中午要开会").await;
    b.click("#propose-1 button[type=submit]").await;
    b.wait_text("#swap-message", "已发出换班申请，等待对方答复。").await;
    wait_contains(&b, "[id^=swap-] .status", "待对方同意").await;
    b.assert_fits(360).await;
    b.screenshot("duty-swap-proposed-360").await;
    sign_out(&b).await;

    // 王老师 sees it waiting for an answer, and accepts.
    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
    b.goto(&format!("{base}/duty/swaps")).await;
    wait_contains(&b, "[id^=incoming-]", "那天中午要开会").await;
    b.assert_fits(360).await;
    b.screenshot("duty-swap-incoming-360").await;
    b.click("[id^=incoming-] button.accept").await;
    b.wait_text("#swap-message", "待领导批准").await;
    sign_out(&b).await;

    // The duty leader approves: the turn is 王老师's.
    sign_in(&b, &base, "admin", "李校长，您好", 0).await;
    b.goto(&format!("{base}/duty/swaps")).await;
    wait_contains(&b, "[id^=queue-]", "午间楼道").await;
    b.assert_fits(360).await;
    b.screenshot("duty-swap-queue-360").await;
    b.click("[id^=queue-] button.approve").await;
    b.wait_text("#swap-message", "已生效").await;
    assert_eq!(
        b.script("return document.querySelectorAll('[id^=queue-]').length").await,
        0,
        "nothing left to approve"
    );
    sign_out(&b).await;
    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
    b.goto(&format!("{base}/duty/swaps")).await;
    wait_contains(&b, "#propose-1", "午间楼道").await;
}
