//! The long durability run (issue 5; a script, not a test — CI runs the short version in
//! `tests/yanshi/durability.rs`). A school of 4,050 children; 20 cycles, each starting the real server,
//! firing 200 concurrent hand-overs (`POST /api/v1/handovers`, 200 clients, one request each)
//! and killing the server with SIGKILL once a random number of them (1–199) has been answered. Afterwards
//! every hand-over the server acknowledged (201) is in the database exactly once, no child is
//! handed over twice on a day, and `yanshi audit verify` passes. SQLite always; PostgreSQL with
//! YANSHI_TEST_PG_URL.
//!
//! Run: `cargo bench -p yanshi --bench kill` (YANSHI_KILL_CYCLES to change the 20 cycles)

#[path = "common/school.rs"]
mod bench_school;
#[path = "../tests/yanshi/support/mod.rs"]
mod support;

use bench_school::{PASSWORD, school};
use std::collections::HashMap;
use yanshi_store::testing::{TestDatabase, backends};

const CLIENTS: usize = 200;
/// 90 classes × 45 = 4,050 children: 20 cycles of 200 and some to spare.
const CLASSES: usize = 90;

/// A pseudo-random number from the clock: where in the burst the kill lands.
fn jitter(max: u64) -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        % max
}

#[tokio::main]
async fn main() {
    let cycles: usize = std::env::var("YANSHI_KILL_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = db.store().await;
        let (_, pairs, _) = school(&store, CLASSES).await;
        drop(store);
        let dir = support::temp_dir("kill-long");
        let client = support::http();
        let mut acknowledged: HashMap<String, String> = HashMap::new();
        let mut sent_total = 0;
        for cycle in 0..cycles {
            let server = support::Server::start(dir.clone(), Some(&db.url), &[]);
            let base = server.base.clone();
            let token = support::api_token(&client, &base, "teacher", PASSWORD).await;
            let burst: Vec<_> = pairs.iter().skip(cycle * CLIENTS).take(CLIENTS).cloned().collect();
            assert_eq!(burst.len(), CLIENTS, "enough children for {cycles} cycles");
            let acks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let mut tasks = Vec::new();
            for (i, (child, adult)) in burst.into_iter().enumerate() {
                let (client, base, token, acks) = (client.clone(), base.clone(), token.clone(), acks.clone());
                let request = format!("kill-{cycle}-{i}");
                tasks.push(tokio::spawn(async move {
                    let resp = client
                        .post(format!("{base}/api/v1/handovers"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({ "student_id": child.to_string(), "adult_id": adult.to_string(), "request_id": request }))
                        .send()
                        .await
                        .ok()?;
                    let ok = resp.status() == 201;
                    acks.fetch_add(usize::from(ok), std::sync::atomic::Ordering::SeqCst);
                    ok.then(|| (request, child.to_string()))
                }));
            }
            // Kill once a random number of the burst has been answered: mid-burst, with requests
            // in flight and a batch possibly half-written.
            let target = 1 + jitter(CLIENTS as u64 - 1) as usize;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while acks.load(std::sync::atomic::Ordering::SeqCst) < target && std::time::Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_micros(200)).await;
            }
            drop(server); // SIGKILL
            let mut acked = 0;
            for t in tasks {
                if let Some((request, child)) = t.await.unwrap() {
                    acknowledged.insert(request, child);
                    acked += 1;
                }
            }
            sent_total += CLIENTS;
            println!(
                "[{}] cycle {cycle}: kill after {target} answers; {acked} of {CLIENTS} acknowledged",
                backend.name()
            );
        }
        // Every acknowledged hand-over is there exactly once; no child twice on a day.
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        for (request, child) in &acknowledged {
            let rows: Vec<String> = sqlx::query_scalar("SELECT student_id FROM handovers WHERE request_id = $1")
                .bind(request)
                .fetch_all(&pool)
                .await
                .unwrap();
            assert_eq!(rows, vec![child.clone()], "acknowledged hand-over {request} is there exactly once");
        }
        let twice: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT student_id, day FROM handovers GROUP BY student_id, day HAVING COUNT(*) > 1) t",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(twice, 0);
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM handovers").fetch_one(&pool).await.unwrap();
        pool.close().await;
        let verify = support::yanshi()
            .args(["audit", "verify", "--database-url", &db.url, "--data-dir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "audit verify: {}{}",
            String::from_utf8_lossy(&verify.stdout),
            String::from_utf8_lossy(&verify.stderr)
        );
        println!(
            "[{}] {cycles} cycles: {sent_total} sent, {} acknowledged, all present exactly once; {stored} stored (acknowledged + committed but cut off before the answer); audit chain verified",
            backend.name(),
            acknowledged.len()
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
