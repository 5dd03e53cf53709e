//! 绩效工资 benchmark (numbers go in the closing note, never into tests): a term of 150 staff
//! with about 200,000 signed rows — 144,000 workload entries (120 classes × 100 service days ×
//! 12 people) and 56,000 duty-log rows — filled by bulk SQL, then the term's workload summary
//! and a two-month period's report, each the median of 7 runs, on SQLite and — with
//! YANSHI_TEST_PG_URL — PostgreSQL. The target is ≤ 1 s for each.
//!
//! Run: `cargo bench -p yanshi --bench pay`

use sqlx::AnyPool;
use std::time::Instant;
use time::macros::{date, datetime};
use time::{Date, Weekday};
use yanshi_domain::calendar::{GradeTimes, Season};
use yanshi_domain::pay::{CareBasis, PeriodSpec, WorkloadRates};
use yanshi_store::terms::NewTerm;
use yanshi_store::testing::{TestDatabase, backends};
use yanshi_store::{Actor, Backend};

const STAFF: usize = 150;
const PER_RECORD: usize = 12;
const POSTS: usize = 8;
const PER_POST: usize = 70;
const RUNS: usize = 7;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Rows of `cols` text values (`#1`…`#9` in `row`), inserted 2,000 at a time in one
/// transaction; numbers are cast in SQL so every value binds as text on both databases.
async fn bulk(pool: &AnyPool, head: &str, row: &str, cols: usize, rows: &[Vec<String>]) {
    let mut tx = pool.begin().await.unwrap();
    for chunk in rows.chunks(2000) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let mut t = row.to_string();
                for c in 1..=cols {
                    t = t.replace(&format!("#{c}"), &format!("${}", r * cols + c));
                }
                t
            })
            .collect();
        let sql = format!("{head} VALUES {}", values.join(", "));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            for v in r {
                q = q.bind(v.clone());
            }
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn service_days(from: Date, to: Date, n: usize) -> Vec<Date> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to && out.len() < n {
        if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            out.push(d);
        }
        d = d.next_day().unwrap();
    }
    out
}

async fn run(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let store = db.store().await;
    let now = datetime!(2026-09-01 08:00 UTC);
    let school = store
        .create_school(&Actor::Cli, "基准小学", "Asia/Shanghai", false, now)
        .await
        .unwrap();
    store.create_standard_classes(&Actor::Cli, &school.id, 20, now).await.unwrap();
    let classes = store.classes(&school.id).await.unwrap();
    let mut times = GradeTimes::default();
    for g in 1..=6 {
        times.dismissal.insert((g, 0), time::macros::time!(16:10));
        times.end.insert((g, Season::Summer), time::macros::time!(18:00));
        times.end.insert((g, Season::Winter), time::macros::time!(17:30));
    }
    let term = store
        .create_term(
            &Actor::Cli,
            &school.id,
            NewTerm {
                name: "2026秋".into(),
                starts_on: date!(2026 - 09 - 01),
                ends_on: date!(2027 - 01 - 24),
                first_service_day: None,
                last_service_day: None,
                times,
            },
            now,
        )
        .await
        .unwrap();
    let pool = AnyPool::connect(&db.url).await.unwrap();
    let sid = school.id.to_string();

    let t = Instant::now();
    let users: Vec<String> = (0..=STAFF).map(|_| yanshi_domain::ids::row_id()).collect();
    let user_rows: Vec<Vec<String>> = users
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let role = if i == STAFF { "school_admin" } else { "teacher" };
            vec![id.clone(), sid.clone(), role.into(), format!("t{i:03}"), format!("教师{i:03}")]
        })
        .collect();
    bulk(
        &pool,
        "INSERT INTO users (id, school_id, role, username, display_name, password_hash, created_at)",
        "(#1, #2, #3, #4, #5, 'x', 0)",
        5,
        &user_rows,
    )
    .await;
    let staff_rows: Vec<Vec<String>> = users[..STAFF]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            vec![
                yanshi_domain::ids::row_id(),
                sid.clone(),
                format!("T{i:03}"),
                format!("教师{i:03}"),
                id.clone(),
            ]
        })
        .collect();
    bulk(
        &pool,
        "INSERT INTO staff (id, school_id, staff_number, name, title, user_id, active, updated_at)",
        "(#1, #2, #3, #4, '教师', #5, 1, 0)",
        5,
        &staff_rows,
    )
    .await;
    let days = service_days(term.dates.first_service_day, term.dates.last_service_day, 100);
    let (mut records, mut entries) = (Vec::new(), Vec::new());
    for (di, day) in days.iter().enumerate() {
        for (ci, class) in classes.iter().enumerate() {
            let record = yanshi_domain::ids::row_id();
            records.push(vec![
                record.clone(),
                sid.clone(),
                class.id.to_string(),
                day.to_string(),
                users[0].clone(),
            ]);
            for k in 0..PER_RECORD {
                let u = (ci + di + k * 11) % STAFF;
                let role = ["SUPERVISOR", "TUTOR", "CLUB_TEACHER", "DUTY", "VOLUNTEER"][k % 5];
                entries.push(vec![
                    yanshi_domain::ids::row_id(),
                    sid.clone(),
                    record.clone(),
                    users[u].clone(),
                    class.id.to_string(),
                    day.to_string(),
                    role.into(),
                    (90 + (u % 40)).to_string(),
                ]);
            }
        }
    }
    bulk(
        &pool,
        "INSERT INTO service_records (id, school_id, class_id, day, notes, status, facts, text_sha256, signed_by, signed_name, signed_at, updated_by, updated_at)",
        "(#1, #2, #3, #4, '', 'SIGNED', '{}', 'x', #5, 'x', 0, #5, 0)",
        5,
        &records,
    )
    .await;
    bulk(
        &pool,
        "INSERT INTO workload_entries (id, school_id, record_id, user_id, class_id, day, role, started_at, ended_at, minutes)",
        "(#1, #2, #3, #4, #5, #6, #7, 0, 0, CAST(#8 AS BIGINT))",
        8,
        &entries,
    )
    .await;
    let kinds = ["HALLWAY", "GATE", "WAITING_ROOM", "LEADER"];
    let posts: Vec<(String, &str)> = (0..POSTS).map(|p| (yanshi_domain::ids::row_id(), kinds[p % 4])).collect();
    let post_rows: Vec<Vec<String>> = posts
        .iter()
        .map(|(id, kind)| vec![id.clone(), sid.clone(), kind.to_string(), users[STAFF].clone()])
        .collect();
    bulk(
        &pool,
        "INSERT INTO duty_posts (id, school_id, kind, name, weekdays, grades, starts, ends, needs, weight_permille, roles, active, updated_by, updated_at)",
        "(#1, #2, #3, #3, '12345', '', '16:00', '18:00', 1, 1000, '', 1, #4, 0)",
        4,
        &post_rows,
    )
    .await;
    let mut log = Vec::new();
    let mut turns = Vec::new();
    for (di, day) in days.iter().enumerate() {
        for (pi, (post, kind)) in posts.iter().enumerate() {
            for k in 0..PER_POST {
                let u = (di * 3 + pi * 17 + k) % STAFF;
                let covered = if k % 25 == 0 {
                    users[(u + 1) % STAFF].clone()
                } else {
                    String::new()
                };
                log.push(vec![
                    yanshi_domain::ids::row_id(),
                    sid.clone(),
                    day.to_string(),
                    post.clone(),
                    kind.to_string(),
                    users[u].clone(),
                    covered,
                ]);
            }
        }
        // Two published covers a day of a class's care.
        for c in 0..2 {
            let class = &classes[(di + c * 7) % classes.len()];
            let u = (classes.iter().position(|x| x.id == class.id).unwrap() + di) % STAFF;
            turns.push(vec![
                yanshi_domain::ids::row_id(),
                sid.clone(),
                term.id.to_string(),
                day.to_string(),
                class.id.to_string(),
                users[u].clone(),
                users[(u + 1) % STAFF].clone(),
            ]);
        }
    }
    bulk(
        &pool,
        "INSERT INTO duty_log (id, school_id, day, post_id, kind, user_id, checked, happened, minutes, covered_for, signed_name, signed_at)",
        "(#1, #2, #3, #4, #5, #6, '', '', 60, NULLIF(#7, ''), 'x', 0)",
        7,
        &log,
    )
    .await;
    bulk(
        &pool,
        "INSERT INTO duty_turns (id, school_id, term_id, day, slot, class_id, user_id, published, source, covers_user_id, created_by, created_at)",
        "(#1, #2, #3, #4, #5, #5, #6, 1, 'COVER', #7, #7, 0)",
        7,
        &turns,
    )
    .await;
    // PostgreSQL's autovacuum analyzes a table this size on its own; SQLite never does unless
    // told (yanshi does not run ANALYZE), so each is measured as it runs in a school.
    if backend == Backend::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    let fill = ms(t);
    println!(
        "pay [{}]: filled {} workload entries + {} duty-log rows ({} rows) for {STAFF} staff over {} days in {fill:.0} ms",
        backend.name(),
        entries.len(),
        log.len(),
        entries.len() + log.len(),
        days.len()
    );

    let admin = store
        .user(&yanshi_domain::ids::UserId::from_db(users[STAFF].clone()))
        .await
        .unwrap();
    let rates = WorkloadRates {
        basis: CareBasis::Hour,
        care_session: 5000,
        care_hour: 3000,
        duty: 2000,
        leader: 3000,
        cover: 1500,
    };
    store.set_workload_rates(&admin, &school.id, rates, now).await.unwrap();
    let spec = PeriodSpec::new("2026年9–10月", "2026-09", "2026-10", term.dates.starts_on, term.dates.ends_on).unwrap();
    let period = store.create_pay_period(&admin, &term, spec, now).await.unwrap();

    let mut term_runs = Vec::new();
    let mut people = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        people = store.term_workload(&term).await.unwrap().len();
        term_runs.push(ms(t));
    }
    let mut period_runs = Vec::new();
    let mut total = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = store.pay_report(&period).await.unwrap();
        total = r.totals.amount_fen;
        period_runs.push(ms(t));
    }
    let t = Instant::now();
    let sha = store.lock_pay_period(&admin, &period, Some(total), now).await.unwrap();
    let lock = ms(t);
    let period = store.pay_period(&period.id).await.unwrap();
    let mut frozen_runs = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        store.pay_report(&period).await.unwrap();
        frozen_runs.push(ms(t));
    }
    println!(
        "pay [{}]: term workload summary ({people} people) median {:.0} ms (min {:.0}, max {:.0}); period report 2026-09..10 (总额 {} 元) median {:.0} ms (min {:.0}, max {:.0}); lock {lock:.0} ms (sha {}…); the locked report read back median {:.1} ms",
        backend.name(),
        median(term_runs.clone()),
        term_runs.iter().cloned().fold(f64::MAX, f64::min),
        term_runs.iter().cloned().fold(0.0, f64::max),
        yanshi_domain::pay::format_yuan(total),
        median(period_runs.clone()),
        period_runs.iter().cloned().fold(f64::MAX, f64::min),
        period_runs.iter().cloned().fold(0.0, f64::max),
        &sha[..12],
        median(frozen_runs),
    );
    pool.close().await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    for backend in backends() {
        rt.block_on(run(backend));
    }
}
