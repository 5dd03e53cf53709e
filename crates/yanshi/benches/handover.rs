//! The hand-over under load (issue 5, numbers for the closing note; never a timed test).
//!
//! A school of 1,800 children (40 classes of 45) enrolled through the real flow; the real
//! `yanshi` binary serves it; 200 concurrent clients hand every child over through the JSON
//! endpoint `POST /api/v1/handovers` (every rule, the audit entry and the guardian's notice, in a
//! durable commit — group commit batches concurrent ones). In the same run, the raw
//! durable-commit rate of the same rows on the same database: a bare INSERT of a hand-over row
//! per transaction at the same concurrency. Then the roll-call page of a 45-child class
//! (`GET /afternoon/class/{id}`, rendered) is requested 300 times. SQLite always; PostgreSQL with
//! YANSHI_TEST_PG_URL.
//!
//! Run: `cargo bench -p yanshi --bench handover`

#[path = "common/school.rs"]
mod bench_school;
#[path = "../tests/yanshi/support/mod.rs"]
mod support;

use bench_school::{PASSWORD, PER_CLASS, now, school};
use std::sync::Arc;
use std::time::Instant;
use yanshi_domain::ids::{PickupAdultId, StudentId};
use yanshi_store::testing::{TestDatabase, backends};
use yanshi_store::{Store, User};

const CLIENTS: usize = 200;
/// 45 × 40 = 1,800 children.
const CLASSES: usize = 40;

/// The same row as a hand-over, written alone in its own durable transaction (the store's
/// `begin`, so SQLite takes the write lock up front as the store does).
async fn raw_commit(store: &Store, child: &StudentId, adult: &PickupAdultId, teacher: &User, n: usize) {
    let mut tx = store.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO handovers (id, school_id, student_id, day, kind, adult_id, adult_name, relationship, method, teacher_id, at, request_id) \
         VALUES ($1, $2, $3, '2026-09-03', 'PICKUP', $4, '奶奶', '奶奶', 'LIST', $5, $6, $7)",
    )
    .bind(yanshi_domain::ids::HandoverId::new().to_string())
    .bind(teacher.school_id.as_ref().unwrap().to_string())
    .bind(child.to_string())
    .bind(adult.to_string())
    .bind(teacher.id.to_string())
    .bind(yanshi_domain::clock::to_millis(now()))
    .bind(format!("raw-{n}"))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// `jobs` spread over CLIENTS concurrent tasks; returns (per second, p50 ms, p99 ms).
async fn drive<F, Fut>(jobs: usize, job: F) -> (f64, f64, f64)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let job = Arc::new(job);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let job = job.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut n = c;
            while n < jobs {
                let t = Instant::now();
                job(n).await;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                n += CLIENTS;
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (jobs as f64 / secs, pct(&all, 0.5), pct(&all, 0.99))
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = db.store().await;
        let t = Instant::now();
        let (teacher, pairs, first_class) = school(&store, CLASSES).await;
        println!(
            "[{}] {} children enrolled through the real flow in {:.1} s",
            backend.name(),
            pairs.len(),
            t.elapsed().as_secs_f64()
        );

        // Raw durable commits of the same rows: one INSERT per transaction, same concurrency.
        let raw_jobs = pairs.len();
        let (s2, p2, t2) = (store.clone(), pairs.clone(), teacher.clone());
        let (raw_rate, raw_p50, raw_p99) = drive(raw_jobs, move |n| {
            let (store, pairs, teacher) = (s2.clone(), p2.clone(), t2.clone());
            async move { raw_commit(&store, &pairs[n].0, &pairs[n].1, &teacher, n).await }
        })
        .await;

        // The real server on the same database; the teacher's bearer token.
        let dir = support::temp_dir("bench");
        let server = support::Server::start(dir.clone(), Some(&db.url), &[]);
        let base = server.base.clone();
        let client = support::http();
        let token = support::api_token(&client, &base, "teacher", PASSWORD).await;
        // Two thirds of the children flat out (closed loop: each client sends its next request
        // as soon as the last is answered), the last third at a steady pace (see below).
        let jobs = pairs.len() * 2 / 3;
        let hand_over = {
            let (client, pairs, base, token) = (client.clone(), pairs.clone(), base.clone(), token.clone());
            move |n: usize| {
                let (client, pairs, base, token) = (client.clone(), pairs.clone(), base.clone(), token.clone());
                async move {
                    let (child, adult) = &pairs[n];
                    let resp = client
                    .post(format!("{base}/api/v1/handovers"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "student_id": child.to_string(), "adult_id": adult.to_string(), "request_id": format!("bench-{n}") }))
                    .send()
                    .await
                    .unwrap();
                    let status = resp.status();
                    let body = resp.text().await.unwrap();
                    assert_eq!(status, 201, "{body}");
                }
            }
        };
        let (rate, p50, p99) = drive(jobs, hand_over.clone()).await;
        let metrics = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
        let (commits, written) = (
            metric(&metrics, "yanshi_handover_commits_total"),
            metric(&metrics, "yanshi_handovers_written_total"),
        );
        println!(
            "[{}] POST /api/v1/handovers: {jobs} by {CLIENTS} concurrent clients: {rate:.0}/s, p50 {p50:.1} ms, p99 {p99:.1} ms \
             ({written:.0} hand-overs in {commits:.0} group commits, {:.1} per commit) | raw durable commit of the row: {raw_rate:.0}/s \
             (p50 {raw_p50:.1} ms, p99 {raw_p99:.1} ms) | ratio {:.2}",
            backend.name(),
            written / commits.max(1.0),
            rate / raw_rate
        );

        // The end of the afternoon at a steady pace: 200 teachers each handing a child over every
        // half second (400 hand-overs a second offered), the rest of the children.
        let paced: Vec<usize> = (jobs..pairs.len()).collect();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let mine: Vec<usize> = paced.iter().copied().skip(c).step_by(CLIENTS).collect();
            let hand_over = hand_over.clone();
            tasks.push(tokio::spawn(async move {
                // Spread the clients' starts over the first half second.
                tokio::time::sleep(std::time::Duration::from_micros((c as u64 * 500_000) / CLIENTS as u64)).await;
                let mut lat = Vec::new();
                for (k, n) in mine.into_iter().enumerate() {
                    let due = started + std::time::Duration::from_millis(500 * k as u64 + (c as u64 * 500) / CLIENTS as u64);
                    tokio::time::sleep_until(due.into()).await;
                    let t = Instant::now();
                    hand_over(n).await;
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                lat
            }));
        }
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await.unwrap());
        }
        lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "[{}] POST /api/v1/handovers at a steady 400/s offered by {CLIENTS} clients: {} in {:.1} s, p50 {:.1} ms, p99 {:.1} ms",
            backend.name(),
            lat.len(),
            started.elapsed().as_secs_f64(),
            pct(&lat, 0.5),
            pct(&lat, 0.99)
        );

        // The roll-call page of a 45-child class, rendered, one request at a time.
        let cookie = support::sign_in(&client, &base, "teacher", PASSWORD).await;
        // After the burst: let the database settle (checkpoint, autovacuum) and warm up with 20
        // requests that are not counted.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        // A running PostgreSQL has statistics (autovacuum analyses a table after its first
        // thousands of rows, within a minute); this database was filled seconds ago, so its
        // planner would still guess. Analyse it, as autovacuum would, before measuring reads.
        if backend == yanshi_store::Backend::Postgres {
            let mut tx = store.begin().await.unwrap();
            sqlx::query("ANALYZE").execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        }
        for _ in 0..20 {
            let resp = client
                .get(format!("{base}/afternoon/class/{first_class}"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            resp.text().await.unwrap();
        }
        let mut lat = Vec::new();
        for _ in 0..300 {
            let t = Instant::now();
            let resp = client
                .get(format!("{base}/afternoon/class/{first_class}"))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let body = resp.text().await.unwrap();
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(body.matches("id=\"child-").count(), PER_CLASS);
        }
        lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "[{}] GET /afternoon/class/{{id}} (45 children, rendered): p50 {:.2} ms, p99 {:.2} ms",
            backend.name(),
            pct(&lat, 0.5),
            pct(&lat, 0.99)
        );
        drop(server);
        let _ = std::fs::remove_dir_all(dir);
    }
}
