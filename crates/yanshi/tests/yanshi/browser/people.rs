//! People and accounts on a phone: 停用 asks first and names the person, the account is out at
//! once and can be enabled again; the audit log reads as sentences and fits 360 px.

use super::*;

/// Signs in over plain HTTP (as a second device would) and returns the status and the page.
async fn try_sign_in(base: &str, login: &str) -> (u16, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .post(format!("{base}/login"))
        .header("origin", base)
        .form(&[("login", login), ("password", "yanshi-demo")])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_asks_by_name_and_the_account_is_enabled_again_on_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-people"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "admin", "李校长，您好", 0).await;
    b.goto(&format!("{base}/admin/users")).await;
    let id = b
        .script("return [...document.querySelectorAll('details.confirm')].find(d => d.textContent.includes('赵老师（值班）')).id")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let user = id.trim_start_matches("disable-").to_string();
    let question = format!("#{id} .confirm-question");
    // Nothing happens on the first tap but the question, which names the person and their role.
    let hidden = format!("return !document.querySelector('#{id}').open && !document.querySelector('{question}').checkVisibility()");
    assert_eq!(b.script(&hidden).await, Value::Bool(true), "the question is folded away");
    b.click(&format!("#{id} summary")).await;
    b.wait_text(
        &question,
        "确定停用 赵老师（值班）（延时服务教师）的账号吗？停用后该账号立即退出登录，可随时重新启用。",
    )
    .await;
    b.assert_fits(360).await;
    b.screenshot("disable-confirm-360").await;
    b.click(&format!("#{id} button.confirm-yes")).await;
    let enable = format!("form[action=\"/admin/users/{user}/enable\"] button");
    b.find(&enable).await;
    b.assert_fits(360).await;
    b.screenshot("disabled-360").await;
    let (status, page) = try_sign_in(&base, "duty").await;
    assert_eq!(status, 403);
    assert!(page.contains("该账号已停用，请联系学校管理员。"), "{page}");

    b.click(&enable).await;
    b.find(&format!("#{id}")).await;
    assert_eq!(
        b.script(&format!(
            "return !!document.querySelector('form[action=\"/admin/users/{user}/enable\"]')"
        ))
        .await,
        Value::Bool(false)
    );
    let (status, _) = try_sign_in(&base, "duty").await;
    assert_eq!(status, 303, "the account signs in again");

    // A staff record (教职工) the same way: asked first, then 重新启用.
    b.goto(&format!("{base}/school/staff")).await;
    let id = b
        .script("return document.querySelector('details.confirm').id")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let staff = id.trim_start_matches("deactivate-").to_string();
    b.click(&format!("#{id} summary")).await;
    wait_contains(&b, &format!("#{id} .confirm-question"), "可随时重新启用").await;
    b.assert_fits(360).await;
    b.click(&format!("#{id} button.confirm-yes")).await;
    let enable = format!("form[action=\"/school/staff/{staff}/enable\"] button");
    b.find(&enable).await;
    b.assert_fits(360).await;
    b.click(&enable).await;
    b.find(&format!("#{id}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_reads_as_sentences_and_fits_a_phone() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-audit"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "admin", "李校长，您好", 0).await;
    b.goto(&format!("{base}/admin/audit")).await;
    b.find("#audit-list li.audit-entry").await;
    // Cards, not a table: nothing in the list reaches past the screen's edge.
    let fits = "return document.querySelector('main table') === null && \
        [...document.querySelectorAll('#audit-list *')].every(e => e.getBoundingClientRect().right <= 360 + 0.5)";
    assert_eq!(b.script(fits).await, Value::Bool(true));
    b.assert_fits(360).await;
    b.script("document.querySelector('#audit-list').scrollIntoView(); return true")
        .await;
    b.screenshot("audit-360").await;
    let who = b.text("#audit-list li.audit-entry .audit-who").await;
    assert!(
        who.contains("李校长（学校管理员）"),
        "the newest entry is the admin's sign-in: {who}"
    );

    // Only this person: the folded filter opens, and says what it filters by.
    b.click("#audit-filter-open").await;
    b.script(
        "const s = document.querySelector('#f-actor'); \
         s.value = [...s.options].find(o => o.text.includes('李校长')).value; return true",
    )
    .await;
    b.click("#audit-filter-go").await;
    b.find("#audit-filter-clear").await;
    let all_admin = "return [...document.querySelectorAll('.audit-who')].every(e => e.innerText.startsWith('李校长'))";
    assert_eq!(b.script(all_admin).await, Value::Bool(true));
    b.assert_fits(360).await;
    b.click("#audit-filter-clear").await;
    b.find("#audit-older").await;
    b.click("#audit-older").await;
    b.find("#audit-list li.audit-entry").await;
    assert_eq!(b.script(fits).await, Value::Bool(true));
    b.assert_fits(360).await;
}
