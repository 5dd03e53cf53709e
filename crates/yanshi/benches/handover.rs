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

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;
use time::macros::time;
use yanshi_domain::account::{DisplayName, PhoneNumber, Username};
use yanshi_domain::agreement::PRIVACY_NOTICE_VERSION;
use yanshi_domain::calendar::{GradeTimes, Season};
use yanshi_domain::enrolment::{PickupPlan, Step, Terms, Weekdays};
use yanshi_domain::family::{Gender, PickupLevel, StudentNumber};
use yanshi_domain::ids::{PickupAdultId, StudentId};
use yanshi_domain::role::Role;
use yanshi_domain::roster::{RosterGuardian, RosterStudent};
use yanshi_domain::school::Grade;
use yanshi_store::enrolment::{Application, Decision, SignatureInput};
use yanshi_store::people::NewPickupAdult;
use yanshi_store::terms::NewTerm;
use yanshi_store::testing::{TestDatabase, backends};
use yanshi_store::{Actor, NewUser, Store, User};

/// The server hands over "today" by its real clock, so the school's term is built around now.
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
const CLIENTS: usize = 200;
/// Children per class (the target class size is 45) and classes: 45 × 40 = 1,800 children.
const PER_CLASS: usize = 45;
const CLASSES: usize = 40;
const PASSWORD: &str = "bench-password";

async fn user(store: &Store, school: &yanshi_store::School, role: Role, login: &str) -> User {
    // Only the teacher signs in over HTTP; the others need no real password.
    let new = NewUser {
        school_id: Some(school.id.clone()),
        role,
        username: Some(Username::parse(login).unwrap()),
        phone: None,
        display_name: DisplayName::parse(login).unwrap(),
        password_hash: yanshi_domain::password::hash(&yanshi_domain::account::NewPassword::parse(PASSWORD).unwrap()),
    };
    store.create_user(&Actor::Cli, new, now()).await.unwrap()
}

/// A school whose children all take part, enrolled the way the plan says (guardian applies and
/// signs, class and school approve, school countersigns), each with a grandmother who may
/// always take them. Returns the releasing teacher and (child, adult) pairs.
async fn school(store: &Store) -> (User, Vec<(StudentId, PickupAdultId)>, yanshi_domain::ids::ClassId) {
    let at = now();
    let school = store
        .create_school(&Actor::Cli, "压测小学", "Asia/Shanghai", false, at)
        .await
        .unwrap();
    let admin = user(store, &school, Role::SchoolAdmin, "admin").await;
    let teacher = user(store, &school, Role::ClassTeacher, "teacher").await;
    store.create_standard_classes(&Actor::Cli, &school.id, 7, at).await.unwrap();
    let classes: Vec<_> = store.classes(&school.id).await.unwrap().into_iter().take(CLASSES).collect();
    let mut rows = Vec::new();
    for (c, class) in classes.iter().enumerate() {
        store
            .set_class_teacher(&Actor::Cli, &class.id, Some(&teacher.id), at)
            .await
            .unwrap();
        for k in 0..PER_CLASS {
            let i = c * PER_CLASS + k;
            rows.push(RosterStudent {
                row: i + 2,
                number: StudentNumber::parse(&format!("{}", 100000 + i)).unwrap(),
                name: format!("学生{i}"),
                gender: Gender::Female,
                birth_date: None,
                grade: Grade::new(class.grade as u32).unwrap(),
                class_number: class.number,
                guardians: vec![RosterGuardian {
                    name: format!("母亲{i}"),
                    relationship: "母亲".into(),
                    phone: PhoneNumber::parse(&format!("138{i:08}")).unwrap(),
                }],
                priority_groups: vec![],
                health_notes: String::new(),
            });
        }
    }
    store.import_students(&Actor::Cli, &school.id, &rows, "bench", at).await.unwrap();
    let mut times = GradeTimes::default();
    for g in 1..=6 {
        times.dismissal.insert((g, 0), time!(16:10));
        times.end.insert((g, Season::Summer), time!(18:00));
        times.end.insert((g, Season::Winter), time!(18:00));
    }
    let term = store
        .create_term(
            &Actor::Cli,
            &school.id,
            NewTerm {
                name: "2026秋".into(),
                starts_on: at.date() - time::Duration::days(30),
                ends_on: at.date() + time::Duration::days(90),
                first_service_day: None,
                last_service_day: None,
                times,
            },
            at,
        )
        .await
        .unwrap();
    store.publish_notice(&admin, &term.id, "致家长的一封信", at).await.unwrap();
    let notice = store.current_notice(&term.id).await.unwrap().unwrap().id;
    let mut pairs = Vec::new();
    for class in &classes {
        let codes = store
            .create_class_invitations(&Actor::User(admin.id.clone()), class, at, time::Duration::days(14))
            .await
            .unwrap();
        let students = store.students_of_class(&class.id).await.unwrap();
        for inv in codes {
            let i: usize = inv.guardian_name.trim_start_matches("母亲").parse().unwrap();
            let mother = store
                .redeem_invitation(
                    &inv.code,
                    DisplayName::parse(&inv.guardian_name).unwrap(),
                    PhoneNumber::parse(&format!("138{i:08}")).unwrap(),
                    "x".into(),
                    at,
                )
                .await
                .unwrap();
            let child = students.iter().find(|(s, _)| s.name == format!("学生{i}")).unwrap().0.clone();
            store.mark_notice_read(&mother, &notice, at).await.unwrap();
            let app = Application {
                terms: Terms {
                    weekdays: Weekdays::from_numbers(&[1, 2, 3, 4, 5]).unwrap(),
                    latest_pickup: time!(18:00),
                    pickup_plan: PickupPlan::ByAdults,
                },
                health_disclosure: "无".into(),
                reason: "下班晚".into(),
                priority_group: None,
                consent_version: PRIVACY_NOTICE_VERSION.into(),
                notice_id: Some(notice.clone()),
            };
            let id = store.apply(&mother, &child.id, &term.id, &app, true, at).await.unwrap();
            store
                .enrolment_step(&teacher, &id, Step::ClassApprove, Decision::default(), at)
                .await
                .unwrap();
            store
                .enrolment_step(&admin, &id, Step::SchoolApprove, Decision::default(), at)
                .await
                .unwrap();
            let a = store.agreements(&id).await.unwrap().remove(0);
            for (who, name) in [(&mother, inv.guardian_name.as_str()), (&admin, "校长")] {
                let sig = SignatureInput {
                    agreement: a.id.clone(),
                    seen_hash: a.text_hash.clone(),
                    typed_name: name.into(),
                    statement_ticked: true,
                    drawing: None,
                    device: "bench".into(),
                };
                store.sign_agreement(who, &id, &sig, at).await.unwrap();
            }
            let grandma = NewPickupAdult {
                name: DisplayName::parse("奶奶").unwrap(),
                relationship: "奶奶".into(),
                phone: PhoneNumber::parse(&format!("139{i:08}")).unwrap(),
                id_last4: None,
                photo: None,
                adult_confirmed: true,
                level: PickupLevel::Always,
            };
            let adult = store
                .add_pickup_adult(&Actor::User(mother.id.clone()), &child, grandma, at)
                .await
                .unwrap();
            pairs.push((child.id.clone(), adult));
        }
    }
    (teacher, pairs, classes[0].id.clone())
}

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
        let (teacher, pairs, first_class) = school(&store).await;
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
