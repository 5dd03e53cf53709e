//! Every route, for every role and for anonymous, against the table: who passes the guard.

use super::*;
use crate::common::*;
use axum::http::{Method, StatusCode};
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// Did the request get past the route's guard? Denied = 401, 403, or the guard's redirect to sign in.
fn passed_guard(resp: &Resp) -> bool {
    let to_sign_in = resp.headers.contains_key(yanshi_web::routes::DENIED_HEADER);
    // A 403 that gives the store's reason ("not your class", err-*-not-yours) passed the
    // guard: the store looked at the child or class and said no. The guard says err-forbidden.
    let forbidden = resp.status == StatusCode::FORBIDDEN
        && [yanshi_web::i18n::Lang::ZhCn, yanshi_web::i18n::Lang::EnUs]
            .iter()
            .any(|l| resp.body.contains(l.t("err-forbidden")));
    !(resp.status == StatusCode::UNAUTHORIZED || forbidden || to_sign_in)
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
        let fixtures = school_fixtures(&app).await;
        for (method, path, allowed) in EXPECTED {
            let id = if path.starts_with("/admin/users/") {
                target.clone()
            } else if path.contains("/class/")
                || path.starts_with("/api/v1/classes/")
                || path.starts_with("/afternoon/")
                || path.starts_with("/school/classes/")
            {
                fixtures.class.clone()
            } else if path.starts_with("/enrol/") || path.starts_with("/survey/{") {
                fixtures.student.clone()
            } else if path.starts_with("/enrolments/") || path.starts_with("/api/v1/enrolments/") {
                fixtures.enrolment.clone()
            } else if path.starts_with("/students/") {
                fixtures.student.clone()
            } else if path.starts_with("/pickup-adults/") {
                fixtures.adult.clone()
            } else if path.starts_with("/school/staff/") {
                fixtures.staff.clone()
            } else {
                fixtures.override_id.clone()
            };
            // Removing the fixture's adult would change what later rows see: a removal names
            // an adult that is not there.
            let adult = if path.ends_with("/remove") {
                &fixtures.override_id
            } else {
                &fixtures.adult
            };
            let concrete = path
                .replace("{file}", "app.css")
                .replace("{id}", &id)
                .replace("{adult}", adult)
                // Ids that name nothing here: the guard decides before anything is looked up.
                .replace("{guardian}", &fixtures.override_id)
                .replace("{leave}", &fixtures.override_id)
                .replace("{step}", "class_approve");
            let concrete = if *path == "/survey/export.xlsx" {
                format!("{concrete}?class={}", fixtures.class)
            } else {
                concrete
            };
            let concrete = if *path == "/api/v1/calendar" {
                format!("{concrete}?date=2026-12-01&grade=3")
            } else {
                concrete
            };
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
