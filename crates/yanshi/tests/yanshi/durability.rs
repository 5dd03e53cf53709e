//! Durability of the hand-over: teachers hand children over at once while the server is killed
//! with SIGKILL at a random moment, again and again; every hand-over the server acknowledged is in
//! the database exactly once afterwards, and the audit chain is intact. SQLite, and PostgreSQL
//! when configured. Three cycles by default; `YANSHI_KILL_CYCLES=20` spreads the demo class's
//! children over twenty.

use crate::support::{Server, temp_dir};
use std::collections::HashMap;

/// Children not yet handed over on the class page, with an adult who may always take them.
fn open_children(page: &str) -> Vec<(String, String)> {
    page.split("<li class=")
        .skip(1)
        .filter_map(|li| {
            let child = li.split("id=\"child-").nth(1)?.split('"').next()?.to_string();
            let adult = li
                .split("level-ALWAYS\"><input type=\"radio\" name=\"adult\" value=\"")
                .nth(1)?
                .split('"')
                .next()?
                .to_string();
            Some((child, adult))
        })
        .collect()
}

/// A pseudo-random number from the clock: where in the burst the kill lands.
fn jitter(max: u64) -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        % max
}

/// Runs the kill cycles against one database; returns the acknowledged request ids.
async fn cycles(dir: &std::path::Path, url: Option<&str>) -> HashMap<String, String> {
    let cycles: usize = std::env::var("YANSHI_KILL_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let client = crate::support::http();
    let mut acknowledged = HashMap::new();
    for cycle in 0..cycles {
        let server = Server::start(dir.to_path_buf(), url, &["--demo"]);
        let base = server.base.clone();
        let cookie = crate::support::sign_in(&client, &base, "teacher", "yanshi-demo").await;
        let today = client
            .get(format!("{base}/afternoon"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let class = today
            .split("class=\"card tile mine\" href=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let page = client
            .get(format!("{base}{class}"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let open = open_children(&page);
        assert!(!open.is_empty(), "the demo class has children left to hand over");
        // Spread the demo class's children over the cycles (one hand-over per child per day).
        let burst = (open.len() / (cycles - cycle)).max(1);
        // A burst of hand-overs at once; the server dies somewhere inside it: after a random
        // number of answers (counted as they come), not after a time a loaded machine may miss.
        let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let kill_after = 1 + jitter(burst as u64) as usize / 2;
        let mut tasks = Vec::new();
        for (i, (child, adult)) in open.into_iter().take(burst).enumerate() {
            let (client, base, class, cookie) = (client.clone(), base.clone(), class.clone(), cookie.clone());
            let answered = answered.clone();
            let request = format!("kill-{cycle}-{i}-{child}");
            tasks.push(tokio::spawn(async move {
                let resp = client
                    .post(format!("{base}{class}/handover"))
                    .header("origin", &base)
                    .header("cookie", cookie)
                    .form(&[
                        ("student", child.as_str()),
                        ("adult", adult.as_str()),
                        ("request_id", request.as_str()),
                    ])
                    .send()
                    .await
                    .ok()?;
                let ok = resp.status() == 200;
                let body = resp.text().await.ok()?;
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                (ok && body.contains("id=\"door-message\">已交接")).then_some((request, child))
            }));
        }
        let guard = std::time::Instant::now();
        while answered.load(std::sync::atomic::Ordering::SeqCst) < kill_after {
            // Only keeps a broken build from hanging: the answers come in milliseconds.
            assert!(guard.elapsed() < std::time::Duration::from_secs(120), "no answers from the server");
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        drop(server); // SIGKILL
        let sent = tasks.len();
        let mut acked = 0;
        for t in tasks {
            if let Some((request, child)) = t.await.unwrap() {
                acknowledged.insert(request, child);
                acked += 1;
            }
        }
        eprintln!("cycle {cycle}: {acked} of {sent} acknowledged before SIGKILL");
    }
    acknowledged
}

async fn check(url: &str, acknowledged: &HashMap<String, String>) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    for (request, child) in acknowledged {
        let rows: Vec<String> = sqlx::query_scalar("SELECT student_id FROM handovers WHERE request_id = $1")
            .bind(request)
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(rows, vec![child.clone()], "acknowledged hand-over {request} is there exactly once");
    }
    let twice: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT student_id, day FROM handovers GROUP BY student_id, day HAVING COUNT(*) > 1) t")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(twice, 0);
    pool.close().await;
}

#[tokio::test]
async fn acknowledged_hand_overs_survive_sigkill_exactly_once() {
    // SQLite in the data directory.
    let dir = temp_dir("kill");
    let acknowledged = cycles(&dir, None).await;
    eprintln!("sqlite: {} hand-overs acknowledged across kills", acknowledged.len());
    assert!(!acknowledged.is_empty(), "some hand-overs were acknowledged before the kills");
    check(&format!("sqlite://{}", dir.join("yanshi.db").display()), &acknowledged).await;
    let verify = crate::support::yanshi()
        .arg("--data-dir")
        .arg(&dir)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    let _ = std::fs::remove_dir_all(&dir);

    // PostgreSQL.
    if yanshi_store::testing::postgres_url().is_some() {
        let db = yanshi_store::testing::TestDatabase::new(yanshi_store::Backend::Postgres).await;
        let dir = temp_dir("kill-pg");
        let acknowledged = cycles(&dir, Some(&db.url)).await;
        eprintln!("postgres: {} hand-overs acknowledged across kills", acknowledged.len());
        assert!(!acknowledged.is_empty(), "some hand-overs were acknowledged before the kills");
        check(&db.url, &acknowledged).await;
        let verify = crate::support::yanshi()
            .arg("--data-dir")
            .arg(&dir)
            .arg("--database-url")
            .arg(&db.url)
            .args(["audit", "verify"])
            .output()
            .unwrap();
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
