//! Schemathesis, an OpenAPI fuzzer from outside the project, reads `/api/v1/openapi.json` and
//! sends what it generates from it (valid and invalid bodies, parameters, ids) to a demo server
//! as a class teacher, a school admin and a guardian: no answer may be a 5XX, and every answer
//! must match the schema the document gives for its status.
//!
//! Needs `schemathesis` (`pip install schemathesis`): `YANSHI_SCHEMATHESIS` names the program,
//! else it is looked for on the PATH. Skipped without it, unless `YANSHI_REQUIRE_SCHEMATHESIS`
//! or `CI` is set (CI installs it). Runs on PostgreSQL too when `YANSHI_TEST_PG_URL` is set.

use crate::support::{self, Server, temp_dir};
use std::process::Command;

fn schemathesis() -> Option<String> {
    let program = std::env::var("YANSHI_SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".into());
    let found = Command::new(&program).arg("--version").output().is_ok_and(|o| o.status.success());
    if found {
        return Some(program);
    }
    let required = std::env::var_os("YANSHI_REQUIRE_SCHEMATHESIS").is_some() || std::env::var_os("CI").is_some();
    assert!(!required, "schemathesis is required here but `{program}` does not run");
    eprintln!("skipped: no schemathesis (set YANSHI_SCHEMATHESIS, or pip install schemathesis)");
    None
}

/// A bearer token for a demo account; the admin's sign-in takes the demo's TOTP code.
async fn token(client: &reqwest::Client, server: &Server, login: &str) -> String {
    let mut body = serde_json::json!({ "login": login, "password": "yanshi-demo" });
    if login == "admin" {
        let out = support::yanshi()
            .arg("--data-dir")
            .arg(&server.data_dir)
            .arg("demo-code")
            .output()
            .unwrap();
        body["totp_code"] = String::from_utf8_lossy(&out.stdout).trim().into();
    }
    let resp: serde_json::Value = client
        .post(format!("{}/api/v1/tokens", server.base))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    resp["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token for {login}: {resp}"))
        .to_string()
}

async fn get(client: &reqwest::Client, server: &Server, token: &str, path: &str) -> serde_json::Value {
    let resp = client
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "GET {path}");
    resp.json().await.unwrap()
}

/// A configuration that puts real ids into the `{id}` of the paths (the class teacher's class,
/// an enrolment of the school), so the fuzzed bodies reach the handlers' logic rather than
/// a 404 for an id that names nothing. Random ids are tried by the first run of each account.
async fn real_ids(client: &reqwest::Client, server: &Server, teacher: &str, admin: &str) -> std::path::PathBuf {
    let me = get(client, server, teacher, "/api/v1/me").await;
    let classes = get(client, server, teacher, "/api/v1/classes").await;
    let class = classes["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class_teacher"][0] == me["user"]["id"])
        .expect("the demo class teacher's class");
    let enrolments = get(client, server, admin, "/api/v1/enrolments").await;
    let enrolment = &enrolments["enrolments"][0]["id"];
    assert!(enrolment.is_string(), "an enrolment of the demo school: {enrolments}");
    let config = format!(
        "[[operations]]\ninclude-path-regex = \"^/api/v1/classes/\"\nparameters = {{ \"path.id\" = \"{}\" }}\n\n\
         [[operations]]\ninclude-path-regex = \"^/api/v1/enrolments/\"\nparameters = {{ \"path.id\" = {} }}\n",
        class["id"].as_str().unwrap(),
        enrolment
    );
    let path = server.data_dir.join("schemathesis-real-ids.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// Runs schemathesis against the server as `login`; panics with its report on any failure.
fn fuzz(program: &str, server: &Server, login: &str, token: &str, config: Option<&std::path::Path>) {
    let tag = if config.is_some() { "real-ids" } else { "random-ids" };
    let report = server.data_dir.join(format!("schemathesis-{login}-{tag}.txt"));
    let mut cmd = Command::new(program);
    // Its caches (`.schemathesis/`) go to the data directory, not into the work tree.
    cmd.current_dir(&server.data_dir);
    if let Some(config) = config {
        cmd.arg("--config-file").arg(config);
    }
    let out = cmd
        .arg("run")
        .arg(format!("{}/api/v1/openapi.json", server.base))
        .args(["--url", &server.base])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        // Revoking the token in use would leave the rest of the run signed out.
        .args(["--exclude-method", "DELETE"])
        // A modest run, the same each time: a failure reproduces with the same seed.
        .args(["--max-examples", "10", "--seed", "20261203", "--workers", "1"])
        .args(["--no-color", "--report-dir"])
        .arg(server.data_dir.join("schemathesis-report"))
        .output()
        .expect("run schemathesis");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    std::fs::write(&report, &text).unwrap();
    let summary: String = text
        .lines()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("schemathesis as {login} ({tag}):\n{summary}");
    // The report can be long (it repeats generated bodies): the failures, cut to a size.
    let failures: String = text.chars().take(20_000).collect();
    assert!(out.status.success(), "schemathesis as {login} ({tag}) found failures:\n{failures}");
}

async fn fuzz_the_api(database_url: Option<&str>) {
    let Some(program) = schemathesis() else { return };
    let dir = temp_dir("fuzz");
    let server = Server::start(dir.clone(), database_url, &["--demo"]);
    let client = support::http();
    // All tokens first: the fuzzer's wrong sign-ins count against this address's limits.
    let mut tokens = Vec::new();
    for login in ["teacher", "admin", "10000000001"] {
        tokens.push((login, token(&client, &server, login).await));
    }
    let config = real_ids(&client, &server, &tokens[0].1, &tokens[1].1).await;
    for (login, token) in &tokens {
        fuzz(&program, &server, login, token, None);
        // The guardian may open no class: real class ids would only be refused again.
        if *login != "10000000001" {
            fuzz(&program, &server, login, token, Some(&config));
        }
    }
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_openapi_fuzzer_finds_no_server_error_and_no_answer_off_the_schema() {
    fuzz_the_api(None).await;
}

#[tokio::test]
async fn an_openapi_fuzzer_finds_no_server_error_and_no_answer_off_the_schema_on_postgresql() {
    if yanshi_store::testing::postgres_url().is_none() {
        eprintln!("skipped: no YANSHI_TEST_PG_URL");
        return;
    }
    let db = yanshi_store::testing::TestDatabase::new(yanshi_store::Backend::Postgres).await;
    fuzz_the_api(Some(&db.url)).await;
}
