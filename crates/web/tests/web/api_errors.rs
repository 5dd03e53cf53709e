//! The API as a client meets it, on each backend: bearer tokens, the error envelope in the
//! caller's language, and bad input that gets a clear error and changes nothing.

use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use yanshi_domain::clock::Clock;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

#[tokio::test]
async fn the_api_signs_in_with_tokens_and_answers_errors_in_an_envelope() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let r = app
            .send(api(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({ "login": "teacher", "password": PASSWORD })),
            ))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let token = r.json()["token"].as_str().unwrap().to_string();
        let me = app.send(api(Method::GET, "/api/v1/me", Some(&token), None)).await;
        assert_eq!(me.json()["user"]["role"], "class_teacher");
        assert_eq!(me.json()["school"]["name"], "实验小学");

        let malformed = app
            .send(
                Request::post("/api/v1/tokens")
                    .header("content-type", "application/json")
                    .body(Body::from("{\"login\": "))
                    .unwrap(),
            )
            .await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert_eq!(malformed.json()["error"]["code"], "bad_request");
        assert!(malformed.json()["error"]["message"].as_str().unwrap().contains("JSON"));
        let en = app
            .send(
                Request::post("/api/v1/tokens")
                    .header("content-type", "application/json")
                    .header("accept-language", "en")
                    .body(Body::from("[]"))
                    .unwrap(),
            )
            .await;
        assert!(
            en.json()["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("The request body is not valid JSON")
        );

        let wrong = app
            .send(api(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({ "login": "teacher", "password": "nope nope" })),
            ))
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.json()["error"]["code"], "unauthenticated");
        let admin = app
            .send(api(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({ "login": "admin", "password": PASSWORD })),
            ))
            .await;
        assert_eq!(admin.status, StatusCode::UNPROCESSABLE_ENTITY, "an admin needs the code");
        assert_eq!(admin.json()["error"]["field"], "totp_code");
        let code = current_code(app.clock.now());
        let admin = app
            .send(api(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({ "login": "admin", "password": PASSWORD, "totp_code": code })),
            ))
            .await;
        assert_eq!(admin.status, StatusCode::CREATED);
        let admin_token = admin.json()["token"].as_str().unwrap().to_string();
        let created = app
            .send(api(Method::POST, "/api/v1/users", Some(&admin_token), Some(json!({ "username": "li.laoshi", "display_name": "李老师", "role": "teacher", "password": "a long new password", "phone": "+86 100-0000-0099" }))))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.json()["user"]["phone"], "10000000099");
        let dup = app
            .send(api(
                Method::POST,
                "/api/v1/users",
                Some(&admin_token),
                Some(json!({ "username": "li.laoshi", "display_name": "x", "role": "teacher", "password": "a long new password" })),
            ))
            .await;
        assert_eq!(
            (dup.status, dup.json()["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("username"))
        );
        let forbidden = app.send(api(Method::GET, "/api/v1/users", Some(&token), None)).await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        assert_eq!(forbidden.json()["error"]["code"], "forbidden");
        let other_school = app
            .send(api(
                Method::GET,
                &format!("/api/v1/users?school={}", yanshi_domain::ids::SchoolId::new()),
                Some(&admin_token),
                None,
            ))
            .await;
        assert_eq!(other_school.status, StatusCode::FORBIDDEN, "an admin stays in their school");

        let gone = app.send(api(Method::DELETE, "/api/v1/tokens/current", Some(&token), None)).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        assert_eq!(
            app.send(api(Method::GET, "/api/v1/me", Some(&token), None)).await.status,
            StatusCode::UNAUTHORIZED
        );
        let unknown = app.send(api(Method::GET, "/api/v1/nothing-here", None, None)).await;
        assert_eq!(
            (unknown.status, unknown.json()["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
        let page = app.get("/nothing-here", None).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.body.contains("找不到该页面"));
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let before = app.store.users_of_school(Some(&app.school.id)).await.unwrap().len();
        let long = "很".repeat(41);
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (
                vec![
                    ("username", "ok.name"),
                    ("display_name", &long),
                    ("role", "teacher"),
                    ("password", "a long new password"),
                ],
                "姓名最多 40 个字",
            ),
            (
                vec![
                    ("username", "x"),
                    ("display_name", "甲"),
                    ("role", "teacher"),
                    ("password", "a long new password"),
                ],
                "用户名为 3–32 位",
            ),
            (
                vec![
                    ("username", "ok.name"),
                    ("display_name", "甲"),
                    ("role", "guardian"),
                    ("password", "a long new password"),
                ],
                "请选择有效的角色",
            ),
            (
                vec![
                    ("username", "ok.name"),
                    ("display_name", "甲"),
                    ("role", "teacher"),
                    ("password", "short"),
                ],
                "至少需要 8 个字符",
            ),
            (
                vec![
                    ("username", "ok.name"),
                    ("display_name", "甲"),
                    ("role", "teacher"),
                    ("password", "a long new password"),
                    ("phone", "123"),
                ],
                "手机号格式不正确",
            ),
        ];
        for (form, message) in cases {
            let r = app.post_form("/admin/users", Some(&admin), &form).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
            assert!(r.body.contains(message), "{message}: {}", r.body);
        }
        let missing = app.post_form("/admin/users", Some(&admin), &[("username", "x")]).await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        assert!(missing.body.contains("表单内容无法识别"));
        let huge = "a".repeat(2 * 1024 * 1024);
        let r = app.post_form("/admin/users", Some(&admin), &[("username", &huge)]).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        let r = app
            .send(request(Method::GET, "/admin/users/not-an-id/disable", Some(&admin), None))
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(r.body.contains("不支持此操作方式"));
        let r = app.post_form("/admin/users/not-an-id/disable", Some(&admin), &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.store.users_of_school(Some(&app.school.id)).await.unwrap().len(),
            before,
            "nothing was created"
        );
    }
}
