//! The authorization matrix: every route the router has, for every role and for anonymous,
//! against the table below. A route missing from the table fails; so does any allow the
//! table does not grant, and any deny it does not expect.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// Who may pass each route's guard. `ANON` = anyone, signed in or not; `SIGNED_IN` = every role.
const ANON: &[&str] = &[
    "anonymous",
    "district_admin",
    "school_admin",
    "grade_director",
    "class_teacher",
    "teacher",
    "volunteer",
    "guardian",
];
const SIGNED_IN: &[&str] = &[
    "district_admin",
    "school_admin",
    "grade_director",
    "class_teacher",
    "teacher",
    "volunteer",
    "guardian",
];
const ADMINS: &[&str] = &["district_admin", "school_admin"];
const NOBODY: &[&str] = &[];

const EXPECTED: &[(&str, &str, &[&str])] = &[
    ("GET", "/healthz", ANON),
    ("GET", "/metrics", ANON),
    ("GET", "/static/{file}", ANON),
    ("GET", "/", ANON),
    ("GET", "/login", ANON),
    ("POST", "/login", ANON),
    // Only a session half-way through sign-in (password right, code to come).
    ("GET", "/login/two-factor", NOBODY),
    ("POST", "/login/two-factor", NOBODY),
    ("POST", "/logout", ANON),
    ("POST", "/lang", ANON),
    ("GET", "/register", ANON),
    ("POST", "/register", ANON),
    ("GET", "/home", SIGNED_IN),
    ("GET", "/inbox", SIGNED_IN),
    ("GET", "/account", SIGNED_IN),
    ("POST", "/account/password", SIGNED_IN),
    ("GET", "/account/two-factor", SIGNED_IN),
    ("POST", "/account/two-factor", SIGNED_IN),
    ("GET", "/admin/users", ADMINS),
    ("POST", "/admin/users", ADMINS),
    ("POST", "/admin/users/{id}/disable", ADMINS),
    (
        "GET",
        "/admin/invitations",
        &["district_admin", "school_admin", "grade_director", "class_teacher"],
    ),
    (
        "POST",
        "/admin/invitations",
        &["district_admin", "school_admin", "grade_director", "class_teacher"],
    ),
    ("GET", "/admin/channels", ADMINS),
    ("POST", "/admin/channels", ADMINS),
    ("POST", "/admin/channels/test", ADMINS),
    ("GET", "/admin/audit", ADMINS),
    ("GET", "/district", &["district_admin"]),
    ("POST", "/district/schools", &["district_admin"]),
    ("GET", "/api/v1/openapi.json", ANON),
    ("GET", "/api/v1/docs", ANON),
    ("POST", "/api/v1/tokens", ANON),
    ("DELETE", "/api/v1/tokens/current", SIGNED_IN),
    ("GET", "/api/v1/me", SIGNED_IN),
    ("GET", "/api/v1/inbox", SIGNED_IN),
    ("GET", "/api/v1/schools", &["district_admin"]),
    ("POST", "/api/v1/schools", &["district_admin"]),
    ("GET", "/api/v1/users", ADMINS),
    ("POST", "/api/v1/users", ADMINS),
    (
        "POST",
        "/api/v1/invitations",
        &["district_admin", "school_admin", "grade_director", "class_teacher"],
    ),
    ("GET", "/api/v1/audit", ADMINS),
];

#[test]
fn every_route_is_in_the_table_and_every_table_row_is_a_route() {
    let mut routes: Vec<(String, String)> = yanshi_web::routes::all()
        .infos()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let mut table: Vec<(String, String)> = EXPECTED.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    routes.sort();
    table.sort();
    let missing: Vec<_> = routes.iter().filter(|r| !table.contains(r)).collect();
    let stale: Vec<_> = table.iter().filter(|r| !routes.contains(r)).collect();
    assert!(missing.is_empty(), "routes without a row in the authorization table: {missing:?}");
    assert!(stale.is_empty(), "table rows without a route: {stale:?}");
}

/// Did the request get past the route's guard? Denied = 401, 403, or the guard's redirect to sign in.
fn passed_guard(resp: &Resp) -> bool {
    let to_sign_in = resp.headers.contains_key(yanshi_web::routes::DENIED_HEADER);
    !(resp.status == StatusCode::UNAUTHORIZED || resp.status == StatusCode::FORBIDDEN || to_sign_in)
}

#[tokio::test]
async fn every_role_reaches_exactly_what_the_table_grants() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let mut who: Vec<(&str, Option<Role>)> = vec![("anonymous", None)];
        for role in Role::ALL {
            who.push((role.as_str(), Some(role)));
        }
        // The account `/admin/users/{id}/disable` acts on: not one of the roles asking.
        let target = app
            .store
            .create_user(
                &yanshi_store::Actor::Cli,
                yanshi_store::NewUser {
                    school_id: Some(app.school.id.clone()),
                    role: Role::Teacher,
                    username: Some(yanshi_domain::account::Username::parse("target").unwrap()),
                    phone: None,
                    display_name: yanshi_domain::account::DisplayName::parse("目标").unwrap(),
                    password_hash: HASH.clone(),
                },
                START,
            )
            .await
            .unwrap()
            .id
            .to_string();
        let mut wrong = Vec::new();
        for (method, path, allowed) in EXPECTED {
            let concrete = path.replace("{file}", "app.css").replace("{id}", &target);
            for (name, role) in &who {
                // A fresh session each time: some routes (sign-out) end the one they are given.
                let session = match role {
                    Some(r) => Some(app.session(*r).await),
                    None => None,
                };
                let m: Method = method.parse().unwrap();
                let body = (m != Method::GET).then(String::new);
                let resp = app.send(request(m, &concrete, session.as_deref(), body)).await;
                let passed = passed_guard(&resp);
                if passed != allowed.contains(name) {
                    wrong.push(format!("{method} {path} as {name}: {} {}", resp.status, resp.location()));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{backend:?}: the matrix differs from the table:\n{}",
            wrong.join("\n")
        );
    }
}
