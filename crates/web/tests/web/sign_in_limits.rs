//! The limits on guessing, as an attacker tries them: two-factor codes after a known password,
//! parallel wrong passwords, locking a teacher out from elsewhere, sign-ups with made-up codes
//! or someone else's phone, and tokens issued during a rehearsal. On both databases.

use crate::common::*;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;
use yanshi_domain::account::InvitationCode;
use yanshi_domain::clock::{Clock, RehearsalClock};
use yanshi_domain::role::Role;
use yanshi_store::Actor;
use yanshi_store::testing::backends;
use yanshi_web::{AppState, WebConfig};

/// A request as if from the client address `ip` (the connection's peer).
fn from(ip: &str, mut req: Request<Body>) -> Request<Body> {
    let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    req
}

fn login_form(login: &str, password: &str) -> Option<String> {
    Some(serde_urlencoded::to_string([("login", login), ("password", password)]).unwrap())
}

fn token_request(login: &str, password: &str, code: Option<&str>) -> Request<Body> {
    api(
        Method::POST,
        "/api/v1/tokens",
        None,
        Some(json!({ "login": login, "password": password, "totp_code": code })),
    )
}

/// Six digits that are none of the codes accepted around `now`.
fn wrong_code(now: OffsetDateTime) -> String {
    let near: Vec<String> = [-30, 0, 30].iter().map(|s| current_code(now + Duration::seconds(*s))).collect();
    (0..10).map(|d| d.to_string().repeat(6)).find(|c| !near.contains(c)).unwrap()
}

/// A value from this instance's `/metrics`.
async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = app.get("/metrics", None).await.body;
    let line = text
        .lines()
        .find(|l| l.split(' ').next() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn two_factor_codes_have_one_limit_that_a_right_password_does_not_reset() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let wrong = wrong_code(app.clock.now());
        for _ in 0..5 {
            let r = app.send(token_request("admin", PASSWORD, Some(&wrong))).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert_eq!(r.json()["error"]["field"], "totp_code");
        }
        let r = app
            .send(token_request("admin", PASSWORD, Some(&current_code(app.clock.now()))))
            .await;
        assert_eq!(
            (r.status, r.json()["error"]["code"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")),
            "the right password does not buy more guesses: {}",
            r.body
        );
        // The page keeps the same count.
        let half = app.send(request(Method::POST, "/login", None, login_form("admin", PASSWORD))).await;
        assert_eq!(half.location(), "/login/two-factor");
        let half = half.cookie("yanshi_session").unwrap();
        let page = app
            .post_form("/login/two-factor", Some(&half), &[("code", &current_code(app.clock.now()))])
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(page.body.contains("请 15 分钟后再试"), "{}", page.body);

        // After the window the right code works, and forgives the wrong ones before it.
        app.clock.advance(Duration::minutes(16));
        let wrong = wrong_code(app.clock.now());
        for _ in 0..4 {
            let r = app.post_form("/login/two-factor", Some(&half), &[("code", &wrong)]).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        let ok = app
            .send(token_request("admin", PASSWORD, Some(&current_code(app.clock.now()))))
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
        for _ in 0..4 {
            let r = app.send(token_request("admin", PASSWORD, Some(&wrong))).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a right code cleared the count");
        }
        // No code at all is asked for, not counted.
        let none = app.send(token_request("admin", PASSWORD, None)).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        app.clock.advance(Duration::seconds(31));
        let ok = app
            .send(token_request("admin", PASSWORD, Some(&current_code(app.clock.now()))))
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_are_checked_at_most_the_limit() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..40 {
            let router = app.router.clone();
            tasks.spawn(async move {
                let req = if i % 2 == 0 {
                    request(Method::POST, "/login", None, login_form("teacher", "not the password"))
                } else {
                    token_request("teacher", "not the password", None)
                };
                router.oneshot(from("10.0.0.1", req)).await.unwrap().status()
            });
        }
        let statuses = tasks.join_all().await;
        let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
        let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
        assert_eq!(checked + throttled, 40, "{statuses:?}");
        // However the 40 interleave, no more than the limit reach the hash (under a burst all
        // may be turned away: the limit is never exceeded, and waiting is enough).
        assert!(checked <= 5, "{checked} passwords checked against a limit of 5");
        assert_eq!(metric(&app, "yanshi_password_hashes_total").await, checked as u64);
        let right = app
            .send(from(
                "10.0.0.1",
                request(Method::POST, "/login", None, login_form("teacher", PASSWORD)),
            ))
            .await;
        let expect = if checked == 5 {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::SEE_OTHER
        };
        assert_eq!(right.status, expect, "the turned-away attempts were not counted as failures");
    }
}

#[tokio::test]
async fn a_stranger_cannot_lock_a_teacher_out_from_elsewhere() {
    for backend in backends() {
        let config = WebConfig {
            account_failure_ceiling: 12,
            ..WebConfig::default()
        };
        let app = TestApp::with_config(backend, config).await;
        let sign_in =
            |ip: &'static str, password: &'static str| from(ip, request(Method::POST, "/login", None, login_form("teacher", password)));
        for _ in 0..5 {
            assert_eq!(app.send(sign_in("203.0.113.9", "guess")).await.status, StatusCode::UNAUTHORIZED);
        }
        let there = app.send(sign_in("203.0.113.9", PASSWORD)).await;
        assert_eq!(there.status, StatusCode::TOO_MANY_REQUESTS, "locked where the guessing was");
        let school = app.send(sign_in("10.1.1.20", PASSWORD)).await;
        assert_eq!(
            (school.status, school.location()),
            (StatusCode::SEE_OTHER, "/home"),
            "the teacher signs in from the school's network: {}",
            school.body
        );
        // A right password from an address forgives that address's own slips.
        for _ in 0..4 {
            app.send(sign_in("10.1.1.20", "typo")).await;
        }
        assert_eq!(app.send(sign_in("10.1.1.20", PASSWORD)).await.status, StatusCode::SEE_OTHER);
        assert_eq!(app.send(sign_in("10.1.1.20", "typo")).await.status, StatusCode::UNAUTHORIZED);
        // 5 + 4 + 1 failures so far; spread over more addresses the account-wide ceiling holds.
        for ip in ["198.51.100.1", "198.51.100.2"] {
            app.send(sign_in(ip, "guess")).await;
        }
        let ceiling = app.send(sign_in("10.1.1.21", PASSWORD)).await;
        assert_eq!(ceiling.status, StatusCode::TOO_MANY_REQUESTS, "12 failures in all");
        app.clock.advance(Duration::minutes(16));
        assert_eq!(app.send(sign_in("10.1.1.21", PASSWORD)).await.status, StatusCode::SEE_OTHER);
    }
}

fn registration(code: &str, phone: &str) -> Option<String> {
    let form = [
        ("code", code),
        ("name", "张丽"),
        ("phone", phone),
        ("password", "my child is safe"),
        ("password_again", "my child is safe"),
        ("agree", "yes"),
    ];
    Some(serde_urlencoded::to_string(form).unwrap())
}

fn register_from(ip: &str, code: &str, phone: &str) -> Request<Body> {
    from(ip, request(Method::POST, "/register", None, registration(code, phone)))
}

async fn plain_invitation(app: &TestApp) -> InvitationCode {
    let teacher = Actor::User(app.user(Role::ClassTeacher).id.clone());
    app.store
        .create_invitation(&teacher, &app.school.id, "", app.clock.now(), Duration::days(14))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_sign_up_checks_the_code_before_hashing_and_is_limited_per_address() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        for i in 0..20 {
            let made_up = format!(
                "ABCDE-FGH{}{}",
                ["J", "K"][i % 2],
                ["M", "N", "P", "Q", "R", "S", "T", "U", "V", "W"][i / 2]
            );
            let r = app.send(register_from("203.0.113.7", &made_up, "13800138000")).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{made_up}: {}", r.body);
            assert!(r.body.contains("邀请码无效"));
        }
        assert_eq!(
            metric(&app, "yanshi_password_hashes_total").await,
            0,
            "made-up codes cost no password hash"
        );
        let code = plain_invitation(&app).await;
        let r = app.send(register_from("203.0.113.7", &code.grouped(), "13800138000")).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the address is used up");
        assert!(r.body.contains("尝试次数过多，请 15 分钟后再试"), "{}", r.body);
        let r = app.send(register_from("10.1.1.30", &code.grouped(), "13800138000")).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/home"), "{}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_hashing_runs_a_bounded_number_at_once() {
    let permits = std::thread::available_parallelism().map_or(2, |n| n.get() * 2).max(2);
    let app = TestApp::new(yanshi_store::Backend::Sqlite).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..(permits * 4) {
        let code = plain_invitation(&app).await;
        let router = app.router.clone();
        tasks.spawn(async move {
            let req = register_from("10.1.1.40", &code.grouped(), &format!("139{i:08}"));
            router.oneshot(req).await.unwrap().status()
        });
    }
    let statuses = tasks.join_all().await;
    assert!(statuses.iter().all(|s| *s == StatusCode::SEE_OTHER), "{statuses:?}");
    assert_eq!(metric(&app, "yanshi_password_hashes_total").await, (permits * 4) as u64);
    let peak = metric(&app, "yanshi_password_hashing_peak").await;
    assert!((1..=permits as u64).contains(&peak), "{peak} hashes at once, {permits} allowed");
}

/// A class with one child whose mother the school has as 138 0013 8000, and her code.
async fn guardian_code(app: &TestApp) -> InvitationCode {
    let admin = Actor::User(app.user(Role::SchoolAdmin).id.clone());
    let f = app.family().grade(1).number("20260101").without_account().build().await;
    app.store
        .create_class_invitations(&admin, &f.class, app.clock.now(), Duration::days(14))
        .await
        .unwrap()
        .remove(0)
        .code
}

#[tokio::test]
async fn a_guardian_code_needs_the_schools_phone_and_wrong_phones_are_limited_per_code() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let code = guardian_code(&app).await.grouped();
        let stranger = app.send(register_from("203.0.113.8", &code, "13900139999")).await;
        assert_eq!(stranger.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", stranger.body);
        assert!(stranger.body.contains("手机号与学校登记的监护人手机号不一致"), "{}", stranger.body);
        let login = yanshi_domain::account::Login::parse("13900139999").unwrap();
        assert!(app.store.user_by_login(&login).await.unwrap().is_none(), "nobody was created");
        for i in 1..5 {
            let ip = format!("203.0.113.{}", 10 + i);
            let r = app.send(register_from(&ip, &code, &format!("1390013900{i}"))).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let mother = app.send(register_from("10.1.1.50", &code, "138 0013 8000")).await;
        assert_eq!(
            mother.status,
            StatusCode::TOO_MANY_REQUESTS,
            "five wrong phones for one code: the code rests for the window"
        );
        app.clock.advance(Duration::minutes(16));
        let mother = app.send(register_from("10.1.1.50", &code, "１３８ ００１３ ８０００")).await;
        assert_eq!(
            (mother.status, mother.location()),
            (StatusCode::SEE_OTHER, "/home"),
            "{}",
            mother.body
        );
        let home = app.get("/home", mother.cookie("yanshi_session").as_deref()).await;
        assert!(home.body.contains("王小明"), "{}", home.body);
    }
}

#[tokio::test]
async fn api_tokens_issued_in_a_rehearsal_follow_real_time() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // `serve --demo --demo-time` a month back, at 60x.
        let rehearsal = RehearsalClock::new(Arc::new(app.clock.clone()), app.clock.now() - Duration::days(40), 60);
        assert!(rehearsal.now() < app.clock.now() - Duration::days(30));
        let state = AppState::new(app.store.clone(), Arc::new(rehearsal), WebConfig::default(), Default::default());
        let router = yanshi_web::app(state.clone());
        let send = |req: Request<Body>| {
            let router = router.clone();
            async move {
                let resp = router.oneshot(req).await.unwrap();
                let status = resp.status();
                let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
                (status, serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default())
            }
        };
        let (status, body) = send(token_request("teacher", PASSWORD, None)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let expires = OffsetDateTime::parse(body["expires_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
        assert_eq!(expires, app.clock.now() + Duration::days(30), "thirty real days");
        let token = body["token"].as_str().unwrap().to_string();
        let (me, _) = send(api(Method::GET, "/api/v1/me", Some(&token), None)).await;
        assert_eq!(me, StatusCode::OK, "not born expired");
        yanshi_web::sweep::sweep_once(&state).await.unwrap();
        let (me, _) = send(api(Method::GET, "/api/v1/me", Some(&token), None)).await;
        assert_eq!(me, StatusCode::OK, "the sweep goes by real time too");
        app.clock.advance(Duration::days(31));
        let (me, _) = send(api(Method::GET, "/api/v1/me", Some(&token), None)).await;
        assert_eq!(me, StatusCode::UNAUTHORIZED, "and ends on real time");
    }
}
