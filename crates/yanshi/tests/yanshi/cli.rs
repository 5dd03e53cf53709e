//! The `yanshi` binary as an IT teacher uses it: migrate, accounts from the command line,
//! audit verification before and after tampering, backup and restore, several instances.

use crate::support::{Server, temp_dir, yanshi};
use std::io::Write;
use std::process::{Output, Stdio};

/// Runs the binary in English (these tests read its English words; `cli::messages` covers
/// the languages).
fn run(data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    run_in(Some("en_US.UTF-8"), data_dir, args, stdin)
}

/// Runs the binary with `LANG` set to `lang` (`None`: unset) and no `LC_ALL` / `LC_MESSAGES`.
fn run_in(lang: Option<&str>, data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = yanshi();
    cmd.env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
    if let Some(lang) = lang {
        cmd.env("LANG", lang);
    }
    let mut child = cmd
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn db_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}", dir.join("yanshi.db").display())
}

async fn raw(url: &str, sql: &'static str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::Executor::execute(&pool, sqlx::raw_sql(sql)).await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn accounts_from_the_command_line_and_audit_verification_finds_tampering() {
    let dir = temp_dir("cli");
    assert!(run(&dir, &["migrate"], None).status.success());
    assert!(run(&dir, &["migrate"], None).status.success(), "migrating twice is harmless");
    let s = run(&dir, &["school", "create", "--name", "实验小学"], None);
    assert!(s.status.success(), "{}", text(&s));
    let weak = run(
        &dir,
        &[
            "user",
            "create",
            "--username",
            "wang",
            "--name",
            "王老师",
            "--role",
            "class_teacher",
            "--school",
            "实验小学",
        ],
        Some("12345678\n"),
    );
    assert!(!weak.status.success());
    assert!(text(&weak).contains("err-password-common"), "{}", text(&weak));
    let ok = run(
        &dir,
        &[
            "user",
            "create",
            "--username",
            "wang",
            "--name",
            "王老师",
            "--role",
            "class_teacher",
            "--school",
            "实验小学",
        ],
        Some("a long first password\n"),
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let no_school = run(
        &dir,
        &["user", "create", "--username", "li", "--name", "李", "--role", "teacher"],
        Some("a long first password\n"),
    );
    assert!(text(&no_school).contains("--school is required"));
    let code = run(&dir, &["user", "invite", "--by", "wang", "--note", "李明家长"], None);
    assert!(code.status.success());
    assert_eq!(String::from_utf8_lossy(&code.stdout).trim().len(), 11);
    assert!(run(&dir, &["user", "disable", "--login", "wang"], None).status.success());
    // A new password for a disabled account leaves it disabled, and says how to enable it.
    let reset = run(
        &dir,
        &["user", "reset-password", "--login", "wang"],
        Some("a long second password\n"),
    );
    assert!(reset.status.success(), "{}", text(&reset));
    assert!(
        text(&reset).contains("stays disabled") && text(&reset).contains("yanshi user enable --login wang"),
        "{}",
        text(&reset)
    );
    let enable = run(&dir, &["user", "enable", "--login", "wang"], None);
    assert!(enable.status.success(), "{}", text(&enable));
    let reset = run(
        &dir,
        &["user", "reset-password", "--login", "wang"],
        Some("a long third password\n"),
    );
    assert!(!text(&reset).contains("stays disabled"), "{}", text(&reset));

    let verify = run(&dir, &["audit", "verify"], None);
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(text(&verify).contains("ok "));

    // Someone edits a row by hand: verification names the first broken link and fails.
    raw(
        &db_url(&dir),
        "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2 AND scope <> 'district'",
    )
    .await;
    let verify = run(&dir, &["audit", "verify"], None);
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        text(&verify).contains("BROKEN") && text(&verify).contains("Altered { seq: 2 }"),
        "{}",
        text(&verify)
    );

    let typo = run(&dir, &["--database-url", "postgress://u:secret@h/db", "migrate"], None);
    assert_eq!(typo.status.code(), Some(1));
    assert!(
        text(&typo).contains("unsupported database URL") && !text(&typo).contains("secret"),
        "{}",
        text(&typo)
    );
    assert!(!text(&typo).contains("backtrace"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_the_school() {
    let dir = temp_dir("backup");
    let server = Server::start(dir.clone(), None, &["--demo"]);
    let health = crate::support::http().get(format!("{}/healthz", server.base)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let backup = dir.join("backup.db");
    let b = run(&dir, &["backup", "--out", backup.to_str().unwrap()], None);
    assert!(b.status.success(), "{}", text(&b));
    let again = run(&dir, &["backup", "--out", backup.to_str().unwrap()], None);
    assert!(!again.status.success(), "an existing file is never overwritten");
    // After the backup, an account is disabled …
    assert!(run(&dir, &["user", "disable", "--login", "teacher"], None).status.success());
    drop(server);
    let refused = run(&dir, &["restore", "--from", backup.to_str().unwrap()], None);
    assert!(!refused.status.success() && text(&refused).contains("--yes"));
    let not_a_db = dir.join("garbage.db");
    std::fs::write(&not_a_db, b"this is not a database").unwrap();
    let bad = run(&dir, &["restore", "--from", not_a_db.to_str().unwrap(), "--yes"], None);
    assert!(!bad.status.success(), "a broken backup is refused");
    let r = run(&dir, &["restore", "--from", backup.to_str().unwrap(), "--yes"], None);
    assert!(r.status.success(), "{}", text(&r));
    // … and the restored school has it active again, with an intact audit chain.
    let server = Server::start(dir.clone(), None, &[]);
    let client = crate::support::http();
    let login = client
        .post(format!("{}/login", server.base))
        .header("origin", &server.base)
        .form(&[("login", "teacher"), ("password", "yanshi-demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    drop(server);
    assert!(run(&dir, &["audit", "verify"], None).status.success());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn two_instances_on_one_postgresql_share_sign_in() {
    let Some(_) = yanshi_store::testing::postgres_url() else {
        eprintln!("skipped: no YANSHI_TEST_PG_URL");
        return;
    };
    let db = yanshi_store::testing::TestDatabase::new(yanshi_store::Backend::Postgres).await;
    let dir = temp_dir("pg");
    let a = Server::start(dir.clone(), Some(&db.url), &["--demo"]);
    let b = Server::start(dir.clone(), Some(&db.url), &["--demo"]);
    let client = crate::support::http();
    let cookie = crate::support::sign_in(&client, &a.base, "teacher", "yanshi-demo").await;
    let home = client
        .get(format!("{}/home", b.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200, "instance B serves A's session");
    assert!(home.text().await.unwrap().contains("王老师，您好"));
    let out = client
        .post(format!("{}/logout", b.base))
        .header("origin", &b.base)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = client
        .get(format!("{}/home", a.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 303, "signed out on B means signed out on A");
    // Five wrong passwords on A lock the account on B too.
    for _ in 0..5 {
        client
            .post(format!("{}/login", a.base))
            .header("origin", &a.base)
            .form(&[("login", "duty"), ("password", "wrong wrong")])
            .send()
            .await
            .unwrap();
    }
    let locked = client
        .post(format!("{}/login", b.base))
        .header("origin", &b.base)
        .form(&[("login", "duty"), ("password", "yanshi-demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 429);
    drop((a, b));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_rehearsal_clock_runs_only_for_the_demo_school() {
    let dir = temp_dir("rehearsal");
    let refused = run(&dir, &["serve", "--demo-time", "2026-12-01T17:50"], None);
    assert!(!refused.status.success() && text(&refused).contains("--demo"), "{}", text(&refused));
    let bad = run(&dir, &["serve", "--demo", "--demo-time", "tomorrow at five"], None);
    assert!(!bad.status.success() && text(&bad).contains("2026-12-01T17:50"), "{}", text(&bad));

    let server = Server::start(
        dir.clone(),
        None,
        &["--demo", "--demo-time", "2026-12-01T17:50", "--demo-speed", "60"],
    );
    let client = crate::support::http();
    // Sign-in still works on real time while the school's clock is at 1 December.
    let cookie = crate::support::sign_in(&client, &server.base, "teacher", "yanshi-demo").await;
    let page = client
        .get(format!("{}/afternoon", server.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("2026-12-01"));
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

/// The live board on instance B redraws when a teacher calls the roll on instance A (same
/// PostgreSQL): the change travels through the database, not the process.
#[tokio::test]
async fn the_board_on_one_instance_follows_a_roll_call_on_the_other() {
    let Some(_) = yanshi_store::testing::postgres_url() else {
        eprintln!("skipped: no YANSHI_TEST_PG_URL");
        return;
    };
    let db = yanshi_store::testing::TestDatabase::new(yanshi_store::Backend::Postgres).await;
    let dir = temp_dir("pg-board");
    let a = Server::start(dir.clone(), Some(&db.url), &["--demo"]);
    let b = Server::start(dir.clone(), Some(&db.url), &["--demo"]);
    let client = crate::support::http();
    let cookie = crate::support::sign_in(&client, &a.base, "teacher", "yanshi-demo").await;
    let get = |url: String| {
        let (client, cookie) = (client.clone(), cookie.clone());
        async move { client.get(url).header("cookie", cookie).send().await.unwrap().text().await.unwrap() }
    };
    let today = get(format!("{}/afternoon", a.base)).await;
    let class = today
        .split("class=\"card tile mine\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let class_id = class.rsplit('/').next().unwrap().to_string();
    let door = get(format!("{}{class}", a.base)).await;
    let child = door.split("id=\"child-").nth(1).unwrap().split('"').next().unwrap().to_string();

    let mut stream = client
        .get(format!("{}/afternoon/board/events", b.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    // The present count of the class in the next board event.
    let marker = format!("id=\"board-{class_id}\"");
    let mut buffer = String::new();
    let mut next_present = async || loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if let Some(card) = event.split(&marker).nth(1) {
                return card
                    .split("class=\"n-present\">")
                    .nth(1)
                    .unwrap()
                    .split('<')
                    .next()
                    .unwrap()
                    .parse::<u32>()
                    .unwrap();
            }
            continue;
        }
        // A hang guard, not a deadline: the redraw is measured and printed below.
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(60), stream.chunk())
            .await
            .expect("an event at all");
        buffer.push_str(&String::from_utf8_lossy(&chunk.unwrap().expect("the stream stays open")));
    };
    let before = next_present().await;
    let started = std::time::Instant::now();
    let roll = client
        .post(format!("{}{class}/roll", a.base))
        .header("origin", &a.base)
        .header("cookie", &cookie)
        .form(&[("student", child.as_str()), ("status", "PRESENT")])
        .send()
        .await
        .unwrap();
    assert_eq!(roll.status(), 200);
    // Other changes may redraw it too (a late-pickup step after 18:00): wait for the count.
    while next_present().await != before + 1 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the board on B never showed the roll call on A"
        );
    }
    eprintln!("board on B redrawn {} ms after the roll call on A", started.elapsed().as_millis());
    drop((a, b));
    let _ = std::fs::remove_dir_all(dir);
}

#[path = "cli/api_fuzz.rs"]
mod api_fuzz;
mod compression;
mod messages;
