//! The duty roster on a phone: a leader adds a post, generates and publishes the roster; a
//! duty teacher finds their turns and says when they cannot serve.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_generates_and_publishes_the_roster_and_a_teacher_finds_their_turns_on_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-duty"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "admin", "李校长，您好", 0).await;
    b.goto(&format!("{base}/duty/setup")).await;
    b.assert_fits(360).await;
    // A fifth post: the playground, on Mondays and Wednesdays, one person.
    b.script("document.querySelector('#duty-new-post').open = true").await;
    b.script(
        "const f = document.querySelector('#duty-new-post form'); f.kind.value = 'HALLWAY'; f.name.value = '操场'; \
         f.querySelectorAll('input[name=weekdays]').forEach(c => c.checked = c.value === '1' || c.value === '3'); return 1",
    )
    .await;
    b.click("#duty-add-post").await;
    b.wait_text("#duty-message", "已保存。").await;
    wait_contains(&b, "main", "操场").await;
    b.screenshot("duty-setup-360").await;

    // The draft, generated from today, then published: staff are told.
    b.goto(&format!("{base}/duty?draft=1")).await;
    b.click("#duty-generate").await;
    wait_contains(&b, "#duty-message", "已生成草稿").await;
    wait_contains(&b, "#duty-figures", "ms").await;
    b.assert_fits(360).await;
    b.screenshot("duty-draft-360").await;
    b.click("#duty-publish").await;
    wait_contains(&b, "#duty-message", "值班表已发布").await;
    // This week's printable roster and its .xlsx are one tap away.
    b.find("a[href^='/duty/print']").await;
    b.find("a[href^='/duty/export.xlsx']").await;
    sign_out(&b).await;

    // 赵老师 (duty) sees their turns on the roster and says when they cannot serve.
    sign_in(&b, &base, "duty", "赵老师，您好", 0).await;
    b.goto(&format!("{base}/duty?week=2027-01-04")).await;
    wait_contains(&b, "main", "赵老师").await;
    b.assert_fits(360).await;
    b.screenshot("duty-roster-360").await;
    b.goto(&format!("{base}/duty/unavailable")).await;
    b.script("const f = document.querySelector('form.card'); f.weekday.value = '2'; f.reason.value = '周二下午教研'; return 1")
        .await;
    b.click("form.card button[type=submit]").await;
    b.wait_text("#duty-message", "已保存。").await;
    wait_contains(&b, "#my-unavailable", "周二下午教研").await;
    b.assert_fits(360).await;
    b.screenshot("duty-unavailable-360").await;
}
