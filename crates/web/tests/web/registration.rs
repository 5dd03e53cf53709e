//! 注册 — a guardian signs up with the invitation code the class teacher handed out, once.

use crate::common::*;
use axum::http::StatusCode;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

#[tokio::test]
async fn a_guardian_signs_up_with_an_invitation_code_once() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let teacher = app.session(Role::ClassTeacher).await;
        let issued = app
            .post_form("/admin/invitations", Some(&teacher), &[("note", "三年级二班 李明家长")])
            .await;
        assert_eq!(issued.status, StatusCode::OK);
        let code = issued
            .body
            .split("id=\"invitation-code\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(code.len(), 11, "{code}");

        let bad = app
            .post_form(
                "/register",
                None,
                &[
                    ("code", &code),
                    ("name", "李华"),
                    ("phone", "10000000077"),
                    ("password", "12345678"),
                    ("password_again", "12345678"),
                    ("agree", "yes"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("这个密码太常见"), "{}", bad.body);
        assert!(bad.body.contains("value=\"李华\""), "what was typed is kept");

        let form = [
            ("code", code.as_str()),
            ("name", "李华"),
            ("phone", "100 0000 0077"),
            ("password", "my child is safe"),
            ("password_again", "my child is safe"),
            ("agree", "yes"),
        ];
        let ok = app.post_form("/register", None, &form).await;
        assert_eq!((ok.status, ok.location()), (StatusCode::SEE_OTHER, "/home"), "{}", ok.body);
        let home = app.get("/home", ok.cookie("yanshi_session").as_deref()).await;
        assert!(home.body.contains("李华，您好"), "greeted by the name she signed up with");
        let g = ok.cookie("yanshi_session").unwrap();
        assert_eq!(app.get("/admin/invitations", Some(&g)).await.status, StatusCode::FORBIDDEN);

        let again = app
            .post_form(
                "/register",
                None,
                &[
                    ("code", &code),
                    ("name", "王五"),
                    ("phone", "10000000078"),
                    ("password", "my child is safe"),
                    ("password_again", "my child is safe"),
                    ("agree", "yes"),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("邀请码无效、已被使用或已过期"));
        let inbox = app.get("/inbox", Some(&teacher)).await;
        assert!(inbox.body.contains("李华 已用邀请码创建账号"), "the teacher is told");
    }
}
