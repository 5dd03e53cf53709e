//! People and accounts on the pages: 停用 asks first and names the person, 重新启用 undoes it,
//! and a disabled account that signs in with its right password is told it is disabled.

use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use yanshi_domain::account::DisplayName;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

const TEACHER_CONFIRM: &str = "确定停用 class_teacher测试（班主任）的账号吗？停用后该账号立即退出登录，可随时重新启用。";

#[tokio::test]
async fn disabling_a_staff_member_asks_by_name_and_enabling_brings_the_account_back() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (store, school) = (&app.store, &app.school.id);
        let staff = store
            .create_staff(
                &yanshi_store::Actor::Cli,
                school,
                yanshi_store::people::NewStaff {
                    staff_number: "T1".into(),
                    name: DisplayName::parse("class_teacher测试").unwrap(),
                    phone: None,
                    title: String::new(),
                },
                START,
            )
            .await
            .unwrap();
        let teacher = app.user(Role::ClassTeacher);
        store
            .link_staff_account(&yanshi_store::Actor::Cli, &staff.id, &teacher.id, START)
            .await
            .unwrap();
        let admin = app.session(Role::SchoolAdmin).await;
        let page = app.get("/school/staff", Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);
        // The question comes first (a <details> opens it, no script needed), naming the person.
        assert!(page.body.contains(TEACHER_CONFIRM), "{}", page.body);
        assert!(page.body.contains(&format!("action=\"/school/staff/{}/deactivate\"", staff.id)));
        let session = app.session(Role::ClassTeacher).await;
        let school_id = school.to_string();
        let r = app
            .post_form(
                &format!("/school/staff/{}/deactivate", staff.id),
                Some(&admin),
                &[("school", &school_id)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            app.get("/home", Some(&session)).await.status,
            StatusCode::SEE_OTHER,
            "signed out at once"
        );
        let page = app.get("/school/staff", Some(&admin)).await;
        let enable = format!("action=\"/school/staff/{}/enable\"", staff.id);
        assert!(page.body.contains(&enable) && page.body.contains("重新启用"), "{}", page.body);

        let r = app
            .post_form(
                &format!("/school/staff/{}/enable", staff.id),
                Some(&admin),
                &[("school", &school_id)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(store.staff_member(&staff.id).await.unwrap().active);
        assert!(!store.user(&teacher.id).await.unwrap().disabled);
        let login = app.post_form("/login", None, &[("login", "teacher"), ("password", PASSWORD)]).await;
        assert_eq!(login.status, StatusCode::SEE_OTHER, "the account signs in again");
        let page = app.get("/school/staff", Some(&admin)).await;
        assert!(page.body.contains(TEACHER_CONFIRM) && !page.body.contains(&enable));
        let audit = store.audit_entries(Some(school), 100).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "staff.reactivate" && e.subject == staff.id.as_str())
        );
        let log = app.get("/admin/audit", Some(&admin)).await;
        assert!(
            log.body
                .contains("重新启用教职工</span> · <span class=\"audit-subject\">class_teacher测试</span>")
                && log
                    .body
                    .contains("停用教职工</span> · <span class=\"audit-subject\">class_teacher测试</span>"),
            "the audit log names whom: {}",
            log.body
        );

        // An id of nothing is not found; a guardian may not.
        let none = app
            .post_form(
                &format!("/school/staff/{}/enable", yanshi_domain::ids::StaffId::new()),
                Some(&admin),
                &[("school", &school_id)],
            )
            .await;
        assert_eq!(none.status, StatusCode::NOT_FOUND);
        let guardian = app.session(Role::Guardian).await;
        let no = app
            .post_form(
                &format!("/school/staff/{}/enable", staff.id),
                Some(&guardian),
                &[("school", &school_id)],
            )
            .await;
        assert_eq!(no.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_account_disabled_on_the_accounts_page_is_enabled_there_again() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let teacher = app.user(Role::ClassTeacher).id.to_string();
        let page = app.get("/admin/users", Some(&admin)).await;
        assert!(page.body.contains(TEACHER_CONFIRM), "{}", page.body);
        let r = app.post_form(&format!("/admin/users/{teacher}/disable"), Some(&admin), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = app.get("/admin/users", Some(&admin)).await;
        assert!(
            page.body.contains(&format!("action=\"/admin/users/{teacher}/enable\"")),
            "{}",
            page.body
        );
        let r = app.post_form(&format!("/admin/users/{teacher}/enable"), Some(&admin), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/admin/users");
        let login = app.post_form("/login", None, &[("login", "teacher"), ("password", PASSWORD)]).await;
        assert_eq!(login.status, StatusCode::SEE_OTHER);
        let audit = app.store.audit_entries(Some(&app.school.id), 100).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "user.enable" && e.subject == teacher));
        let teacher_session = app.session(Role::ClassTeacher).await;
        let no = app
            .post_form(&format!("/admin/users/{teacher}/enable"), Some(&teacher_session), &[])
            .await;
        assert_eq!(no.status, StatusCode::FORBIDDEN, "only admins");
    }
}

#[tokio::test]
async fn a_disabled_account_is_told_so_only_after_the_right_password() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let id = app.user(Role::Volunteer).id.to_string();
        app.post_form(&format!("/admin/users/{id}/disable"), Some(&admin), &[]).await;
        // A wrong password learns nothing about the account.
        let wrong = app
            .post_form("/login", None, &[("login", "volunteer"), ("password", "not the password")])
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("用户名/手机号或密码不正确") && !wrong.body.contains("停用"));
        let right = app
            .post_form("/login", None, &[("login", "volunteer"), ("password", PASSWORD)])
            .await;
        assert_eq!(right.status, StatusCode::FORBIDDEN);
        assert!(right.body.contains("该账号已停用，请联系学校管理员。"), "{}", right.body);
        assert!(right.cookie("yanshi_session").is_none(), "no session");
        let en = app
            .send(
                Request::post("/login")
                    .header("host", "yanshi.test")
                    .header("sec-fetch-site", "same-origin")
                    .header("accept-language", "en-US")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(format!("login=volunteer&password={}", PASSWORD.replace(' ', "+"))))
                    .unwrap(),
            )
            .await;
        assert!(en.body.contains("This account has been disabled."), "{}", en.body);
        // The API says the same, with its code.
        let api_resp = app
            .send(api(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(serde_json::json!({ "login": "volunteer", "password": PASSWORD })),
            ))
            .await;
        assert_eq!(api_resp.status, StatusCode::FORBIDDEN);
        assert!(
            api_resp.json()["error"]["message"].as_str().unwrap().contains("已停用"),
            "{}",
            api_resp.body
        );
        // Each of those was counted like a failure: the account from this address is now locked
        // (1 wrong + 3 right + the 5th), whatever the password.
        let fifth = app
            .post_form("/login", None, &[("login", "volunteer"), ("password", PASSWORD)])
            .await;
        assert_eq!(fifth.status, StatusCode::FORBIDDEN);
        let sixth = app
            .post_form("/login", None, &[("login", "volunteer"), ("password", PASSWORD)])
            .await;
        assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{}", sixth.body);
        // Enabled again, it signs in once the window has passed.
        app.store
            .enable_user(&yanshi_store::Actor::Cli, &app.user(Role::Volunteer).id, START)
            .await
            .unwrap();
        app.clock.advance(time::Duration::minutes(16));
        let back = app
            .post_form("/login", None, &[("login", "volunteer"), ("password", PASSWORD)])
            .await;
        assert_eq!(back.status, StatusCode::SEE_OTHER);
    }
}
