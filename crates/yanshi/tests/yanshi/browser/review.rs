//! Review and signing on a phone (360 px): the work that waits is a tile with its count on the
//! home page of whoever it waits for; the guardian's 去签署 is a real button; the sign button's
//! hint lists what is still missing and follows each step; the school's enrolment list shows
//! every name and state whole, without scrolling sideways.

use super::*;

/// The text of the hint's conditions still shown ("" when the hint is hidden).
const NEEDS: &str = "const h = document.getElementById('read-hint'); return h.hidden ? '' : \
    [...h.querySelectorAll('.need')].filter(n => !n.hidden).map(n => n.innerText).join(' · ')";

async fn needs(b: &Browser) -> String {
    b.script(NEEDS).await.as_str().unwrap_or_default().to_string()
}

async fn wait_needs(b: &Browser, expected: &str) {
    b.wait_script(&format!("return (() => {{ {NEEDS} }})() === {expected:?}")).await;
}

/// Clicks a home-page tile and checks its count first.
async fn tile(b: &Browser, id: &str, count: &str) {
    b.wait_text(&format!("#{id} .count"), count).await;
    b.click(&format!("#{id}")).await;
    b.find("#waiting-filter").await;
}

/// The sign form with the hint following each condition, then signed.
async fn sign_with_hints(b: &Browser, name: &str) {
    assert_eq!(b.script("return document.getElementById('sign').disabled").await, true);
    assert_eq!(needs(b).await, "滚动到末尾 · 输入您的姓名 · 勾选确认");
    assert!(b.text("#read-hint").await.starts_with("还需："));
    b.script("document.getElementById('agreement-end').scrollIntoView()").await;
    wait_needs(b, "输入您的姓名 · 勾选确认").await;
    b.script("document.getElementById('typed_name').scrollIntoView()").await;
    b.type_into("#typed_name", name).await;
    wait_needs(b, "勾选确认").await;
    assert_eq!(b.script("return document.getElementById('sign').disabled").await, true);
    b.click("#statement").await;
    wait_needs(b, "").await;
    assert_eq!(b.script("return document.getElementById('sign').disabled").await, false);
    // Untick: it waits again, and says so.
    b.click("#statement").await;
    wait_needs(b, "勾选确认").await;
    b.click("#statement").await;
    wait_needs(b, "").await;
    b.assert_fits(360).await;
    b.click("#sign").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_work_shows_on_each_home_page_and_signing_says_what_it_waits_for() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-review"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();

    sign_in(&b, &base, "10000000001", "张丽，您好", 0).await;
    assert_eq!(b.script("return document.querySelectorAll('.go-sign').length").await, 0);
    b.click(".apply-link").await;
    b.find("#parent-notice").await;
    b.click("#notice-read").await;
    b.click("#consent").await;
    b.click("#submit-application").await;
    b.wait_text("#enrolment-state", "已提交，待班主任审核").await;
    sign_out(&b).await;

    // The class teacher: a tile with the count, to the list of what waits for them.
    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
    b.assert_fits(360).await;
    b.screenshot("review-teacher-home-360").await;
    tile(&b, "waiting-class", "1").await;
    assert_eq!(
        b.script("return [...document.querySelectorAll('#applications td.name')].map(t => t.innerText).join()")
            .await,
        "王小明"
    );
    b.click("#applications td.name a").await;
    b.click("#class-approve").await;
    b.wait_text("#enrolment-state", "班主任已通过，待学校审核").await;
    b.goto(&format!("{base}/home")).await;
    assert_eq!(b.script("return document.querySelectorAll('#waiting a').length").await, 0);
    sign_out(&b).await;

    sign_in(&b, &base, "admin", "李校长，您好", 0).await;
    tile(&b, "waiting-school", "1").await;
    b.click("#applications td.name a").await;
    b.click("#school-approve").await;
    b.wait_text("#enrolment-state", "学校已通过，待家长签署").await;
    sign_out(&b).await;

    // The guardian: 去签署, a primary button at least 44 px high, to the agreement.
    sign_in(&b, &base, "10000000001", "张丽，您好", 0).await;
    let button = b
        .script(
            "const a = document.querySelector('a.go-sign'); const r = a.getBoundingClientRect(); const s = getComputedStyle(a); \
             return [a.innerText, r.height >= 44, r.right <= 360, s.backgroundColor !== 'rgba(0, 0, 0, 0)' && s.color === 'rgb(255, 255, 255)']",
        )
        .await;
    assert_eq!(button, json!(["去签署", true, true, true]), "a real button");
    b.assert_fits(360).await;
    b.screenshot("review-go-sign-360").await;
    b.click("a.go-sign").await;
    b.find("#agreement-text").await;
    sign_with_hints(&b, "张丽").await;
    b.wait_text("#enrolment-state", "家长已签署，待学校签章").await;
    b.goto(&format!("{base}/home")).await;
    assert_eq!(b.script("return document.querySelectorAll('.go-sign').length").await, 0);
    sign_out(&b).await;

    // The school countersigns on the same page, with the same hint.
    sign_in(&b, &base, "admin", "李校长，您好", 1).await;
    tile(&b, "waiting-countersign", "1").await;
    b.click("#applications td.name a").await;
    b.find("#agreement-text").await;
    sign_with_hints(&b, "李校长").await;
    b.wait_text("#enrolment-state", "已生效").await;

    // The whole list: every name and every state on one line, nothing to scroll sideways.
    b.goto(&format!("{base}/enrolment")).await;
    b.find("#applications").await;
    let rows = b.script("return document.querySelectorAll('#applications tbody tr').length").await;
    assert!(rows.as_u64().unwrap() > 20, "the demo class: {rows}");
    let broken = b
        .script(
            "const lines = (e) => { const r = document.createRange(); r.selectNodeContents(e); \
               return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }; \
             return [...document.querySelectorAll('#applications td.name a, #applications td.class-name, #applications .state')] \
               .filter(e => lines(e) > e.innerText.split('，').length).map(e => e.innerText)",
        )
        .await;
    assert_eq!(broken, json!([]), "broken inside a word");
    let pills = b
        .script("return [...document.querySelectorAll('#applications .state')].filter(e => e.innerText === '已生效').length")
        .await;
    assert!(pills.as_u64().unwrap() > 20, "{pills}");
    b.assert_fits(360).await;
    assert_eq!(
        b.script("const w = document.querySelector('#applications').parentElement; return w.scrollWidth <= w.clientWidth")
            .await,
        true,
        "the table does not scroll inside its box either"
    );
    b.screenshot("review-list-360").await;
}
