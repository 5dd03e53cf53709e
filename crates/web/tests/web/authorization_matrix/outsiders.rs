//! Another school's staff and another family: nothing of this child is reached, over the
//! pages or the API, and nothing is written.

use super::*;
use crate::common::*;
use axum::http::Method;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// Past the guard, the data decides: another school's staff and another family reach nothing of
/// this child on the routes that show or change a child's guardians, custody limits and
/// enrolment — and a refused change changes nothing.
#[tokio::test]
async fn another_school_and_another_family_reach_nothing_of_this_child() {
    use yanshi_domain::account::{DisplayName, PhoneNumber, Username};
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let f = school_fixtures(&app).await;
        let (store, actor) = (&app.store, yanshi_store::Actor::Cli);
        let student_id = yanshi_domain::ids::StudentId::parse(&f.student).unwrap();
        store
            .add_guardian(
                app.user(Role::ClassTeacher),
                &student_id,
                DisplayName::parse("王强").unwrap(),
                "父亲",
                PhoneNumber::parse("13900001111").unwrap(),
                START,
            )
            .await
            .unwrap();
        let pending = store
            .guardians_of(&student_id)
            .await
            .unwrap()
            .into_iter()
            .find(|g| !g.confirmed)
            .unwrap();
        let other = store
            .create_school(&actor, "第二小学", "Asia/Shanghai", false, START)
            .await
            .unwrap();
        let mut outsiders = Vec::new();
        for (role, login) in [
            (Role::SchoolAdmin, "admin2"),
            (Role::ClassTeacher, "teacher2"),
            (Role::Guardian, "13700137999"),
        ] {
            let guardian = role == Role::Guardian;
            let school = if guardian { app.school.id.clone() } else { other.id.clone() };
            let new = yanshi_store::NewUser {
                school_id: Some(school),
                role,
                username: (!guardian).then(|| Username::parse(login).unwrap()),
                phone: guardian.then(|| PhoneNumber::parse(login).unwrap()),
                display_name: DisplayName::parse("外人").unwrap(),
                password_hash: HASH.clone(),
            };
            let u = store.create_user(&actor, new, START).await.unwrap();
            let session = store
                .start_session(&u, yanshi_store::SessionStage::Full, "test", START, app.state.config.session)
                .await
                .unwrap();
            outsiders.push((login, session));
        }
        let guardian = pending.guardian_id.to_string();
        type Probe<'a> = (Method, String, Vec<(&'a str, &'a str)>);
        let probes: Vec<Probe> = vec![
            (Method::GET, format!("/students/{}", f.student), vec![]),
            (
                Method::POST,
                format!("/students/{}/guardians/{guardian}/confirm", f.student),
                vec![],
            ),
            (
                Method::POST,
                format!("/students/{}/adults", f.student),
                vec![
                    ("name", "外人"),
                    ("relationship", "邻居"),
                    ("phone", "13600136009"),
                    ("adult", "yes"),
                    ("level", "ALWAYS"),
                ],
            ),
            (
                Method::POST,
                format!("/students/{}/leave", f.student),
                vec![("first_day", "2026-12-04"), ("kind", "SICK")],
            ),
            (Method::POST, format!("/enrolments/{}/steps/withdraw", f.enrolment), vec![]),
            (
                Method::POST,
                format!("/enrolments/{}/leave", f.enrolment),
                vec![("first_day", "2026-12-04"), ("kind", "SICK")],
            ),
            (Method::GET, format!("/enrolments/{}", f.enrolment), vec![]),
            (Method::GET, format!("/enrolments/{}/print", f.enrolment), vec![]),
            (Method::POST, format!("/students/class/{}/invitations", f.class), vec![]),
            (Method::GET, format!("/students/class/{}", f.class), vec![]),
            (Method::POST, format!("/enrol/{}", f.student), vec![("action", "submit")]),
        ];
        let mut reached = Vec::new();
        for (login, session) in &outsiders {
            for (method, path, form) in &probes {
                let body = serde_urlencoded::to_string(form).unwrap();
                let resp = app.send(request(method.clone(), path, Some(session), Some(body))).await;
                let refused = matches!(resp.status.as_u16(), 403 | 404 | 422);
                if !refused || resp.body.contains("王小明") {
                    reached.push(format!("{method} {path} as {login}: {}", resp.status));
                }
            }
        }
        // The afternoon over the API, with the outsiders' own bearer tokens.
        for login in ["admin2", "teacher2"] {
            let who = store
                .user_by_login(&yanshi_domain::account::Login::parse(login).unwrap())
                .await
                .unwrap()
                .unwrap();
            let token = store.create_api_token(&who, START, time::Duration::days(1)).await.unwrap().token;
            let body = serde_json::json!({ "student_id": f.student, "adult_id": f.adult, "request_id": format!("probe-{login}") });
            for (method, path, json) in [
                (Method::GET, format!("/api/v1/classes/{}/afternoon", f.class), None),
                (Method::POST, "/api/v1/handovers".to_string(), Some(body)),
            ] {
                let resp = app.send(api(method.clone(), &path, Some(&token), json)).await;
                if !matches!(resp.status.as_u16(), 403 | 404) || resp.body.contains("王小明") {
                    reached.push(format!("{method} {path} as {login}: {} {}", resp.status, resp.body));
                }
            }
        }
        assert!(
            reached.is_empty(),
            "{backend:?}: outsiders reached the child:\n{}",
            reached.join("\n")
        );
        let today = yanshi_domain::school_time::local(START, "Asia/Shanghai").date();
        assert!(
            store.handover_of(&student_id, today).await.unwrap().is_none(),
            "nobody was handed over"
        );
        assert!(
            !store.pickup_adults(&student_id).await.unwrap().iter().any(|a| a.name == "外人"),
            "no pickup adult was added"
        );
        assert!(
            store.leaves_of_student(&student_id).await.unwrap().is_empty(),
            "no leave was reported"
        );
        let still = store.guardians_of(&student_id).await.unwrap();
        assert!(
            still.iter().any(|g| g.guardian_id == pending.guardian_id && !g.confirmed),
            "nothing was confirmed"
        );
    }
}
