//! The afternoon over the JSON API.

use super::active_child;
use crate::common::*;
use axum::http::StatusCode;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// The afternoon over the JSON API: the class's children, roll call, a refused adult, the
/// hand-over (201), the race's loser told who took the child, the board, the record signed.
#[tokio::test]
async fn the_afternoon_through_the_api() {
    use axum::http::Method;
    use serde_json::json;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, grandma, father) = active_child(&app).await;
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
        let (class_teacher, duty) = (token("teacher").await, token("duty").await);
        let today = app
            .send(api(Method::GET, &format!("/api/v1/classes/{class}/afternoon"), Some(&duty), None))
            .await
            .json();
        assert_eq!(today["children"][0]["name"], "王小明", "{today}");
        assert_eq!(today["children"][0]["expected"], true);
        let levels: Vec<_> = today["children"][0]["adults"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["level"].clone())
            .collect();
        assert_eq!(levels, [json!("ALWAYS"), json!("NEVER")]);
        assert!(!today.to_string().contains("13600136000"), "no phone numbers at the door");

        let bad = app
            .send(api(
                Method::POST,
                &format!("/api/v1/classes/{class}/roll"),
                Some(&duty),
                Some(json!({ "student_id": student, "status": "HERE" })),
            ))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        let roll = app
            .send(api(
                Method::POST,
                &format!("/api/v1/classes/{class}/roll"),
                Some(&duty),
                Some(json!({ "student_id": student, "status": "PRESENT" })),
            ))
            .await;
        assert_eq!(roll.status, StatusCode::OK, "{}", roll.body);

        let hand = |adult: &str, request: &str, who: &str| {
            api(
                Method::POST,
                "/api/v1/handovers",
                Some(who),
                Some(json!({ "student_id": student, "adult_id": adult, "request_id": request })),
            )
        };
        let refused = app.send(hand(&father, "a1", &duty)).await.json();
        assert_eq!(
            (refused["outcome"].as_str(), refused["adult_name"].as_str()),
            (Some("refused"), Some("王某")),
            "{refused}"
        );
        let nobody = app
            .send(api(
                Method::POST,
                "/api/v1/handovers",
                Some(&duty),
                Some(json!({ "student_id": student, "request_id": "a0" })),
            ))
            .await;
        assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
        let bad_code = app
            .send(api(
                Method::POST,
                "/api/v1/handovers",
                Some(&duty),
                Some(json!({ "student_id": student, "code": "12", "request_id": "a0" })),
            ))
            .await;
        assert_eq!(bad_code.status, StatusCode::UNPROCESSABLE_ENTITY);
        app.clock.set(time::macros::datetime!(2026-12-01 09:42 UTC));
        let ok = app.send(hand(&grandma, "a2", &duty)).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
        let ok = ok.json();
        assert_eq!(ok["handover"]["adult_name"], "王奶奶");
        assert_eq!(ok["handover"]["at"], "2026-12-01T09:42:00Z");
        let retry = app.send(hand(&grandma, "a2", &duty)).await;
        assert_eq!(
            (retry.status, retry.json()["handover"]["id"].clone()),
            (StatusCode::CREATED, ok["handover"]["id"].clone())
        );
        let second = app.send(hand(&grandma, "a3", &class_teacher)).await.json();
        assert_eq!(second["outcome"], "already_handed_over");
        assert_eq!(second["handover"]["teacher"], "teacher测试");

        let board = app.send(api(Method::GET, "/api/v1/board", Some(&duty), None)).await.json();
        assert_eq!(
            (board["classes"][0]["expected"].clone(), board["classes"][0]["handed_over"].clone()),
            (json!(1), json!(1)),
            "{board}"
        );

        let record = format!("/api/v1/classes/{class}/record");
        let draft = app.send(api(Method::GET, &record, Some(&class_teacher), None)).await.json();
        assert_eq!(draft["facts"]["counts"]["handed_over"], 1, "{draft}");
        // Dates are YYYY-MM-DD, also inside the record's facts (not the `time` crate's [year, day]).
        assert_eq!(draft["facts"]["day"], draft["day"], "{draft}");
        assert!(
            draft["day"]
                .as_str()
                .is_some_and(|d| d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-'),
            "{draft}"
        );
        assert!(draft["signed"].is_null());
        let not_mine = app
            .send(api(
                Method::POST,
                &format!("{record}/signature"),
                Some(&duty),
                Some(json!({ "name": "teacher测试" })),
            ))
            .await;
        assert_eq!(not_mine.status, StatusCode::FORBIDDEN);
        let signed = app
            .send(api(
                Method::POST,
                &format!("{record}/signature"),
                Some(&class_teacher),
                Some(json!({ "name": "class_teacher测试" })),
            ))
            .await;
        assert_eq!(signed.status, StatusCode::CREATED, "{}", signed.body);
        let after = app
            .send(api(Method::GET, &format!("{record}?day=2026-12-01"), Some(&duty), None))
            .await
            .json();
        assert_eq!(after["signed"]["sha256"], signed.json()["sha256"]);
        let bad_day = app
            .send(api(Method::GET, &format!("{record}?day=someday"), Some(&duty), None))
            .await;
        assert_eq!(bad_day.status, StatusCode::UNPROCESSABLE_ENTITY);

        // 当天未到校 from the attendance list: all or nothing, every wrong entry named.
        let refused = app
            .send(api(
                Method::POST,
                "/api/v1/absences",
                Some(&duty),
                Some(json!({ "student_numbers": ["1", "x9"] })),
            ))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        // Wang Xiaoming went home with his grandmother: he was at school; x9 is nobody.
        let problems = refused.json()["problems"].clone();
        assert_eq!(
            (problems[0]["index"].clone(), problems[0]["code"].clone()),
            (json!(0), json!("err-absence-seen"))
        );
        assert_eq!(
            (problems[1]["index"].clone(), problems[1]["code"].clone()),
            (json!(1), json!("err-absence-unknown"))
        );
        let page = app.session(Role::Teacher).await;
        let form = app.get("/afternoon/absences", Some(&page)).await;
        assert!(form.body.contains("id=\"absences-form\""), "{}", form.body);
        let wrong = app
            .post_form("/afternoon/absences", Some(&page), &[("numbers", "1\n42 不存在")])
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong.body.contains("42") && wrong.body.contains("本校没有这个学号"),
            "{}",
            wrong.body
        );
        let seen = app.post_form("/afternoon/absences", Some(&page), &[("numbers", "1 王小明")]).await;
        assert_eq!(seen.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(seen.body.contains("已点名到或已交接"), "{}", seen.body);
    }
}

/// The child's own guardians are listed at the door over the API too, without their phones, and
/// one of them takes the child by `guardian_id`.
#[tokio::test]
async fn a_guardian_takes_the_child_through_the_api() {
    use axum::http::Method;
    use serde_json::json;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, _, _) = active_child(&app).await;
        let body = json!({ "login": "teacher", "password": PASSWORD });
        let token = app.send(api(Method::POST, "/api/v1/tokens", None, Some(body))).await.json()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let today = app
            .send(api(Method::GET, &format!("/api/v1/classes/{class}/afternoon"), Some(&token), None))
            .await
            .json();
        let guardians = today["children"][0]["guardians"].as_array().unwrap().clone();
        assert_eq!(guardians.len(), 1, "{today}");
        assert_eq!(
            (guardians[0]["name"].as_str(), guardians[0]["relationship"].as_str()),
            (Some("张丽"), Some("母亲"))
        );
        assert!(!today.to_string().contains("13800138000"), "no phone numbers at the door");
        let roll = json!({ "student_id": student, "status": "PRESENT" });
        app.send(api(
            Method::POST,
            &format!("/api/v1/classes/{class}/roll"),
            Some(&token),
            Some(roll),
        ))
        .await;
        let handover = json!({ "student_id": student, "guardian_id": guardians[0]["id"], "request_id": "api-guardian-1" });
        let taken = app.send(api(Method::POST, "/api/v1/handovers", Some(&token), Some(handover))).await;
        assert_eq!(taken.status, StatusCode::CREATED, "{}", taken.body);
        assert_eq!(taken.json()["handover"]["adult_name"], "张丽");
        // A guardian id that names nobody of this child is refused, not an error.
        let stranger = json!({ "student_id": student, "guardian_id": yanshi_domain::ids::GuardianId::new().to_string(), "request_id": "api-guardian-2" });
        let refused = app.send(api(Method::POST, "/api/v1/handovers", Some(&token), Some(stranger))).await;
        assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
        assert_eq!(refused.json()["outcome"], "already_handed_over", "{}", refused.body);
    }
}
