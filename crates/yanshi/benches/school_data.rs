//! Benchmarks for the school-data issue (numbers go in the closing note, never into tests):
//! - importing a 5,000-student .xlsx (read + check, preview, the all-or-nothing write, and a
//!   re-import that changes nothing), on SQLite and — with YANSHI_TEST_PG_URL — PostgreSQL;
//! - "is D a service day for class C" over a whole term for every class.
//!
//! Run: `cargo bench -p yanshi --bench school_data`

use std::time::Instant;
use time::macros::{date, datetime};
use yanshi_domain::calendar::{GradeTimes, Season};
use yanshi_domain::school::Grade;
use yanshi_roster::ExportStudent;
use yanshi_store::terms::NewTerm;
use yanshi_store::testing::{TestDatabase, backends};
use yanshi_store::{Actor, Backend};

const STUDENTS: usize = 5_000;

/// A 5,000-row roster in the school's layout: 6 grades × 20 classes, two guardians each.
fn roster_xlsx() -> Vec<u8> {
    let rows: Vec<ExportStudent> = (0..STUDENTS)
        .map(|i| ExportStudent {
            number: format!("2026{i:05}"),
            name: format!("学生{i}"),
            gender: if i % 2 == 0 { "男".into() } else { "女".into() },
            birth_date: "2017-05-12".into(),
            grade: Grade::new((i % 6) as u32 + 1).unwrap().name_zh(),
            class: format!("{}班", i / 6 % 20 + 1),
            guardians: vec![
                (format!("母亲{i}"), "母亲".into(), format!("138{:08}", i * 2)),
                (format!("父亲{i}"), "父亲".into(), format!("139{:08}", i * 2 + 1)),
            ],
        })
        .collect();
    yanshi_roster::export_students(&rows).unwrap()
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

async fn import(backend: Backend, bytes: &[u8]) {
    let db = TestDatabase::new(backend).await;
    let store = db.store().await;
    let now = datetime!(2026-09-01 08:00 UTC);
    let school = store
        .create_school(&Actor::Cli, "基准小学", "Asia/Shanghai", false, now)
        .await
        .unwrap();
    store.create_standard_classes(&Actor::Cli, &school.id, 20, now).await.unwrap();

    let t = Instant::now();
    let (table, file_problems) = yanshi_roster::read_table(bytes).unwrap();
    let read = ms(t);
    let t = Instant::now();
    let (rows, problems) = yanshi_roster::students(&table);
    let check = ms(t);
    assert!(file_problems.is_empty() && problems.is_empty(), "{problems:?}");
    let t = Instant::now();
    let (counts, db_problems) = store.preview_student_import(&school.id, &rows).await.unwrap();
    let preview = ms(t);
    assert!(db_problems.is_empty() && counts.created == STUDENTS);
    let t = Instant::now();
    let done = store.import_students(&Actor::Cli, &school.id, &rows, "bench", now).await.unwrap();
    let write = ms(t);
    assert_eq!(done.created, STUDENTS);
    let t = Instant::now();
    let again = store.import_students(&Actor::Cli, &school.id, &rows, "bench", now).await.unwrap();
    let reimport = ms(t);
    assert_eq!(again.unchanged, STUDENTS);
    println!(
        "import {STUDENTS} students [{}]: read xlsx {read:.0} ms, check rows {check:.0} ms, preview {preview:.0} ms, write {write:.0} ms ({:.0} rows/s), re-import (no change) {reimport:.0} ms; total first import {:.0} ms",
        backend.name(),
        STUDENTS as f64 / (write / 1000.0),
        read + check + preview + write
    );
}

async fn service_days(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let store = db.store().await;
    let now = datetime!(2026-09-01 08:00 UTC);
    let school = store
        .create_school(&Actor::Cli, "基准小学", "Asia/Shanghai", false, now)
        .await
        .unwrap();
    store.create_standard_classes(&Actor::Cli, &school.id, 4, now).await.unwrap();
    let mut times = GradeTimes::default();
    for g in 1..=6 {
        times.dismissal.insert((g, 0), time::macros::time!(16:10));
        times.end.insert((g, Season::Summer), time::macros::time!(18:00));
        times.end.insert((g, Season::Winter), time::macros::time!(17:30));
    }
    let new = NewTerm {
        name: "2026秋".into(),
        starts_on: date!(2026 - 09 - 01),
        ends_on: date!(2027 - 01 - 24),
        first_service_day: None,
        last_service_day: None,
        times,
    };
    let term = store.create_term(&Actor::Cli, &school.id, new, now).await.unwrap();
    let classes = store.classes(&school.id).await.unwrap();
    let t = Instant::now();
    let cal = store.service_calendar(term).await.unwrap();
    let load = ms(t);
    let t = Instant::now();
    let (mut calls, mut service) = (0usize, 0usize);
    for _ in 0..100 {
        for c in &classes {
            let mut d = cal.term.dates.starts_on;
            while d <= cal.term.dates.ends_on {
                calls += 1;
                service += usize::from(cal.status(d, c.grade).is_service());
                d = d.next_day().unwrap();
            }
        }
    }
    let all = ms(t);
    println!(
        "service day [{}]: load the term's calendar {load:.2} ms; {} classes × {} days × 100 rounds = {calls} answers in {all:.1} ms ({:.0} ns each, {:.2} ms per whole term for every class); {} service days per class",
        backend.name(),
        classes.len(),
        calls / 100 / classes.len(),
        all * 1e6 / calls as f64,
        all / 100.0,
        service / 100 / classes.len()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let t = Instant::now();
    let bytes = roster_xlsx();
    println!("made a {STUDENTS}-row roster: {} KB in {:.0} ms", bytes.len() / 1024, ms(t));
    for backend in backends() {
        rt.block_on(import(backend, &bytes));
        rt.block_on(service_days(backend));
    }
}
