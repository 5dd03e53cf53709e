//! 换班 and 代班 over the JSON API and the pages: a swap proposed, accepted and approved by a
//! leader, a refusal with its field, an absence whose gap a leader covers.

use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use time::macros::date;
use yanshi_domain::duty::post::PostSpec;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// A JSON request from a signed-in page (session cookie, same origin).
fn json_as(session: &str, path: &str, body: Value) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("host", "yanshi.test")
        .header("sec-fetch-site", "same-origin")
        .header("cookie", format!("yanshi_session={session}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn a_swap_and_a_cover_through_the_api() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let built = app.family().term().build().await;
        let term = built.term.clone().unwrap();
        let admin = app.user(Role::SchoolAdmin);
        let (duty, grade3) = (app.user(Role::Teacher).clone(), app.user(Role::GradeDirector).clone());
        let spec = PostSpec::parse("GATE", "东门", &[1, 2, 3, 4, 5], &[], "17:30", "18:30", "1", "100", &[]).unwrap();
        let post = app
            .store
            .save_duty_post(admin, &app.school.id, None, &spec, true, START)
            .await
            .unwrap();
        let wed = date!(2026 - 12 - 09);
        app.store.assign_duty_turn(admin, &term, wed, &post, &duty.id, START).await.unwrap();
        app.store.publish_roster(admin, &term, START).await.unwrap();
        let token = |login: &'static str| {
            let app = &app;
            async move {
                let body = json!({ "login": login, "password": PASSWORD });
                app.send(api(Method::POST, "/api/v1/tokens", None, Some(body))).await.json()["token"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
        };
        let (duty_token, grade3_token) = (token("duty").await, token("grade3").await);
        let turn = app.store.my_duty_turns(&duty.id, wed, wed).await.unwrap().remove(0).id;

        // To a volunteer: refused, the field named.
        let volunteer = app.user(Role::Volunteer).id.to_string();
        let refused = app
            .send(api(
                Method::POST,
                "/api/v1/duty/swaps",
                Some(&duty_token),
                Some(json!({ "turn_id": turn.as_str(), "to_user_id": volunteer })),
            ))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert_eq!(refused.json()["error"]["field"], "to");

        let proposed = app
            .send(api(
                Method::POST,
                "/api/v1/duty/swaps",
                Some(&duty_token),
                Some(json!({ "turn_id": turn.as_str(), "to_user_id": grade3.id.as_str(), "note": "家长会" })),
            ))
            .await;
        assert_eq!(proposed.status, StatusCode::CREATED, "{}", proposed.body);
        let swap = proposed.json();
        assert_eq!(
            (swap["status"].as_str(), swap["turn"]["place"].as_str()),
            (Some("PROPOSED"), Some("东门"))
        );
        let id = swap["id"].as_str().unwrap().to_string();
        // The colleague's page offers the answer; the proposer cannot give it.
        let session = app.session(Role::GradeDirector).await;
        let page = app.get("/duty/swaps", Some(&session)).await;
        assert!(page.body.contains(&format!("/duty/swaps/{id}/accept")), "{}", page.body);
        let own = app
            .send(api(
                Method::POST,
                &format!("/api/v1/duty/swaps/{id}/accept"),
                Some(&duty_token),
                Some(json!({})),
            ))
            .await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        let accepted = app
            .send(api(
                Method::POST,
                &format!("/api/v1/duty/swaps/{id}/accept"),
                Some(&grade3_token),
                Some(json!({})),
            ))
            .await;
        assert_eq!(accepted.json()["status"], "ACCEPTED", "{}", accepted.body);
        let leader = app.session(Role::SchoolAdmin).await;
        let queue = app.get("/duty/swaps", Some(&leader)).await;
        assert!(queue.body.contains(&format!("/duty/swaps/{id}/approve")));
        let approved = app
            .send(json_as(&leader, &format!("/api/v1/duty/swaps/{id}/approve"), json!({})))
            .await;
        assert_eq!(approved.json()["status"], "APPROVED", "{}", approved.body);
        assert_eq!(approved.json()["turn"]["user_name"], grade3.display_name.as_str());
        assert_eq!(approved.json()["turn"]["source"], "SWAP");

        // 陈 is away that day now: the gate is open, and the leader covers it with 赵.
        let absent = app
            .send(api(
                Method::POST,
                "/api/v1/duty/absences",
                Some(&grade3_token),
                Some(json!({ "day": "2026-12-09", "reason": "外出培训" })),
            ))
            .await;
        assert_eq!(absent.status, StatusCode::CREATED, "{}", absent.body);
        let absence = absent.json()["id"].as_str().unwrap().to_string();
        let gaps = app.get("/api/v1/duty/gaps?day=2026-12-09", Some(&leader)).await.json();
        let gap = &gaps["gaps"][0];
        assert_eq!(gap["place"], "东门", "{gaps}");
        let names: Vec<&str> = gap["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&duty.display_name.as_str()), "{names:?}");
        let page = app.get("/duty/absence?day=2026-12-09", Some(&leader)).await;
        assert!(page.body.contains(&format!("/duty/absences/{absence}/cover")));
        let covered = app
            .send(json_as(
                &leader,
                &format!("/api/v1/duty/absences/{absence}/cover"),
                json!({ "gap": gap["gap"], "user_id": duty.id.as_str() }),
            ))
            .await;
        assert_eq!(covered.status, StatusCode::CREATED, "{}", covered.body);
        assert_eq!(covered.json()["source"], "COVER");
        assert_eq!(covered.json()["covers_user_id"], grade3.id.as_str());
        // That day the class's door page says who is on duty.
        app.clock.set(time::macros::datetime!(2026-12-09 07:00 UTC));
        let leader = app.session(Role::SchoolAdmin).await;
        let door = app.get(&format!("/afternoon/class/{}", built.class.id), Some(&leader)).await;
        let shown = format!("东门 {}", duty.display_name);
        assert!(door.body.contains(&shown), "{}", door.body);
    }
}
