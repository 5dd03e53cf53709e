//! The classroom door on a phone with a whole class: marking the 31st child keeps the teacher
//! where they are (htmx swaps that card only), the card and its button show the mark, a wrong
//! mark is undone, 其余全部到 marks the rest after a confirmation naming them, the counts stay
//! current, and the links above the list are big enough to tap.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marking_the_31st_child_keeps_the_teachers_place_and_everyone_else_is_present_in_two_taps() {
    if !browser_available() {
        return;
    }
    let server = Server::start(temp_dir("browser-door-taps"), None, &["--demo"]);
    let b = Browser::start(360, 780).await;
    let base = server.base.clone();
    sign_in(&b, &base, "teacher", "王老师，您好", 0).await;
    b.goto(&format!("{base}/afternoon")).await;
    b.click("a.tile.mine").await;
    b.find("ul.door").await;
    let class_id = b
        .script("return location.pathname.split('/').pop()")
        .await
        .as_str()
        .unwrap()
        .to_string();
    b.screenshot("door-before-360").await;
    let children = b
        .script("return document.querySelectorAll('ul.door > li').length")
        .await
        .as_u64()
        .unwrap();
    assert!(children >= 31, "{children}");
    b.wait_text("#unmarked-count", &children.to_string()).await;
    // Every link above the list is a finger's height.
    let short = b
        .script("return [...document.querySelectorAll('.tap-links a')].filter(a => a.getBoundingClientRect().height < 44).length")
        .await;
    assert_eq!(short, 0);

    // The 31st child, scrolled to the middle of the screen.
    let id = b
        .script("const li = document.querySelectorAll('ul.door > li')[30]; li.scrollIntoView({block: 'center'}); return li.id")
        .await;
    let id = id.as_str().unwrap().to_string();
    let before = b.script("return window.scrollY").await.as_f64().unwrap();
    assert!(before > 2000.0, "scrolled to the 31st child: {before}");
    b.click(&format!("#{id} .roll-absent")).await;
    b.wait_script(&format!("return document.getElementById('{id}').classList.contains('is-absent')"))
        .await;
    let after = b.script("return window.scrollY").await.as_f64().unwrap();
    assert!((after - before).abs() < 5.0, "the teacher stays at the child: {before} → {after}");
    assert_eq!(
        b.script(&format!(
            "return document.querySelector('#{id} .roll-absent').getAttribute('aria-pressed')"
        ))
        .await,
        "true"
    );
    // The chosen button is filled, the others are not.
    let filled = b
        .script(&format!(
            "return getComputedStyle(document.querySelector('#{id} .roll-absent')).color === 'rgb(255, 255, 255)'"
        ))
        .await;
    assert_eq!(filled, Value::Bool(true));
    b.wait_text("#marked-count", "1").await;
    b.wait_text("#absent-count", "1").await;
    b.wait_text("#unmarked-count", &(children - 1).to_string()).await;
    // The guardians were told, and the card says they have not read it yet.
    let told = b.script(&format!("return document.querySelector('#{id} .told').innerText")).await;
    let told = told.as_str().unwrap_or_default().to_string();
    assert!(told.starts_with("未到通知 ") && told.ends_with("未读"), "{told}");
    b.screenshot("door-marked-360").await;

    // A wrong mark taken back, still in place.
    b.click(&format!("#{id} .undo-mark")).await;
    b.wait_script(&format!("return document.getElementById('{id}').classList.contains('is-unmarked')"))
        .await;
    let undone = b.script("return window.scrollY").await.as_f64().unwrap();
    assert!((undone - before).abs() < 5.0, "{before} → {undone}");
    b.wait_text("#marked-count", "0").await;

    // Absent for real this time; then everyone else present, after a confirmation that names them.
    b.click(&format!("#{id} .roll-absent")).await;
    b.wait_text("#absent-count", "1").await;
    b.script("window.scrollTo(0, 0); return true").await;
    b.click("#rest-present-open").await;
    b.wait_text("#rest-present-confirm", &format!("确认全部到（{}）", children - 1))
        .await;
    b.click("#rest-present-confirm").await;
    b.wait_text("#unmarked-count", "0").await;
    b.wait_text("#present-count", &(children - 1).to_string()).await;
    b.wait_text("#absent-count", "1").await;
    assert_eq!(
        b.script(&format!("return document.getElementById('{id}').classList.contains('is-absent')"))
            .await,
        Value::Bool(true)
    );
    b.wait_text("#in-care-count", &(children - 1).to_string()).await;
    b.assert_fits(360).await;
    b.screenshot("door-after-360").await;

    // The board counts the class the same way, with a legend saying what each number means.
    b.goto(&format!("{base}/afternoon/board")).await;
    let card = format!("#board-{class_id}");
    b.wait_text(&format!("{card} .n-unmarked"), "0").await;
    b.wait_text(&format!("{card} .n-in-care"), &(children - 1).to_string()).await;
    let legend = b.text("#board-legend").await;
    assert!(legend.contains("未点名") && legend.contains("应到但还没有点名"), "{legend}");
    b.assert_fits(360).await;
    b.screenshot("board-legend-360").await;
}
