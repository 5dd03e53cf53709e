//! Work that waits is shown to whoever it waits for: the class teacher hears of a submitted
//! application (inbox) and sees the count on the home page, the school admin after the class
//! review and again after the guardian signs; the guardian sees 去签署 when the agreement waits
//! for them. And each person is greeted by name.

use crate::common::*;
use axum::http::StatusCode;
use yanshi_domain::account::DisplayName;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;
use yanshi_store::{Actor, NewUser, SessionStage};

/// The count of a home-page tile (`None` when the tile is not there).
fn tile(body: &str, id: &str) -> Option<i64> {
    let at = body.find(&format!("id=\"{id}\""))?;
    let rest = &body[at..];
    let n = rest.split("class=\"count\">").nth(1)?.split('<').next()?;
    Some(n.parse().unwrap())
}

/// The sign form's hint names each condition (app.js hides those met).
fn hint_lists_every_condition(body: &str) -> bool {
    body.contains("还需：")
        && body.contains("data-need=\"scroll\">滚动到末尾<")
        && body.contains("data-need=\"name\">输入您的姓名<")
        && body.contains("data-need=\"tick\">勾选确认<")
}

fn has_go_sign(body: &str) -> bool {
    body.contains("class=\"button primary go-sign\"") && body.contains("去签署")
}

#[tokio::test]
async fn each_reviewer_is_told_and_counts_what_waits_for_them() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let f = app.family().applied().build().await;
        let page = format!("/enrolments/{}", f.enrolment.unwrap());
        let (teacher, admin, guardian) = (
            app.session(Role::ClassTeacher).await,
            app.session(Role::SchoolAdmin).await,
            app.session(Role::Guardian).await,
        );

        // Submitted: the class teacher is told and counts it; the school not yet.
        let inbox = app.get("/inbox", Some(&teacher)).await;
        assert!(
            inbox.body.contains("待审核报名：三年级一班王小明") && inbox.body.contains("的家长提交了延时服务报名"),
            "{}",
            inbox.body
        );
        let home = app.get("/home", Some(&teacher)).await;
        assert_eq!(tile(&home.body, "waiting-class"), Some(1), "{}", home.body);
        assert!(home.body.contains("href=\"/enrolment?waiting=class\"") && home.body.contains("待审核报名"));
        let home = app.get("/home", Some(&admin)).await;
        assert_eq!(tile(&home.body, "waiting-school"), None);
        assert_eq!(tile(&home.body, "waiting-class"), None);
        let list = app.get("/enrolment?waiting=class", Some(&teacher)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            list.body.contains("王小明") && list.body.contains("id=\"waiting-filter\""),
            "{}",
            list.body
        );
        assert!(
            !app.get("/enrolment?waiting=school", Some(&teacher)).await.body.contains("王小明"),
            "filtered to what waits"
        );
        assert_eq!(
            app.get("/enrolment?waiting=nonsense", Some(&teacher)).await.status,
            StatusCode::OK,
            "an unknown filter shows everything"
        );

        // The class review hands it to the school.
        let r = app.post_form(&format!("{page}/steps/class_approve"), Some(&teacher), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(tile(&app.get("/home", Some(&teacher)).await.body, "waiting-class"), None);
        let home = app.get("/home", Some(&admin)).await;
        assert_eq!(tile(&home.body, "waiting-school"), Some(1), "{}", home.body);
        assert!(home.body.contains("href=\"/enrolment?waiting=school\""));
        assert!(app.get("/inbox", Some(&admin)).await.body.contains("待学校审核：三年级一班王小明"));
        let list = app.get("/enrolment?waiting=school", Some(&admin)).await;
        assert!(
            list.body.contains("王小明") && list.body.contains("name=\"id\""),
            "bulk approval stays"
        );
        assert!(!has_go_sign(&app.get("/home", Some(&guardian)).await.body));

        // The school approves: the guardian is asked to sign, with a button.
        let r = app.post_form(&format!("{page}/steps/school_approve"), Some(&admin), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let home = app.get("/home", Some(&admin)).await;
        assert!(tile(&home.body, "waiting-school").is_none() && tile(&home.body, "waiting-countersign").is_none());
        let home = app.get("/home", Some(&guardian)).await;
        assert!(has_go_sign(&home.body), "{}", home.body);
        assert!(
            home.body
                .contains(&format!("href=\"{page}#agreement-text\" class=\"button primary go-sign\""))
        );

        // The guardian signs: the school's countersignature waits.
        let seen = app.get(&page, Some(&guardian)).await;
        assert!(hint_lists_every_condition(&seen.body), "{}", seen.body);
        let (agreement, hash) = (hidden(&seen.body, "agreement"), hidden(&seen.body, "hash"));
        let sign = |name: &'static str| {
            vec![
                ("agreement", agreement.clone()),
                ("hash", hash.clone()),
                ("typed_name", name.to_string()),
                ("statement", "yes".to_string()),
            ]
        };
        let form = sign("guardian测试");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            app.post_form(&format!("{page}/signature"), Some(&guardian), &form).await.status,
            StatusCode::SEE_OTHER
        );
        assert!(!has_go_sign(&app.get("/home", Some(&guardian)).await.body));
        let home = app.get("/home", Some(&admin)).await;
        assert_eq!(tile(&home.body, "waiting-countersign"), Some(1), "{}", home.body);
        assert!(home.body.contains("href=\"/enrolment?waiting=countersign\"") && home.body.contains("待签章"));
        assert!(app.get("/inbox", Some(&admin)).await.body.contains("待学校签章：三年级一班王小明"));
        assert!(
            app.get("/enrolment?waiting=countersign", Some(&admin))
                .await
                .body
                .contains("王小明")
        );
        let form = sign("李校长");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            app.post_form(&format!("{page}/signature"), Some(&admin), &form).await.status,
            StatusCode::SEE_OTHER
        );
        let home = app.get("/home", Some(&admin)).await;
        assert!(!home.body.contains("id=\"waiting\""), "nothing waits: no tiles");
        assert!(
            !app.get("/enrolment?waiting=countersign", Some(&admin))
                .await
                .body
                .contains("王小明")
        );
        assert!(app.get("/enrolment", Some(&admin)).await.body.contains("王小明"));

        // A change of terms: the guardian is asked to sign again, the child still active.
        let r = app
            .post_form(
                &format!("{page}/terms"),
                Some(&guardian),
                &[("day", "1"), ("day", "2"), ("latest_pickup", "17:00"), ("plan", "BY_ADULTS")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(has_go_sign(&app.get("/home", Some(&guardian)).await.body));
    }
}

/// A staff account with this display name, signed in.
async fn staff_named(app: &TestApp, role: Role, login: &str, name: &str) -> String {
    let new = NewUser {
        school_id: Some(app.school.id.clone()),
        role,
        username: Some(yanshi_domain::account::Username::parse(login).unwrap()),
        phone: None,
        display_name: DisplayName::parse(name).unwrap(),
        password_hash: HASH.clone(),
    };
    let u = app.store.create_user(&Actor::Cli, new, START).await.unwrap();
    app.store
        .start_session(&u, SessionStage::Full, "test", START, app.state.config.session)
        .await
        .unwrap()
}

fn title(body: &str) -> &str {
    body.split("id=\"home-title\">").nth(1).unwrap().split('<').next().unwrap()
}

#[tokio::test]
async fn people_are_greeted_by_name_not_by_role() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let wang = staff_named(&app, Role::ClassTeacher, "wanglh", "王丽华").await;
        assert_eq!(title(&app.get("/home", Some(&wang)).await.body), "王老师，您好");
        let en = format!("{wang}; yanshi_lang=en-US");
        assert_eq!(title(&app.get("/home", Some(&en)).await.body), "Hello, 王丽华");
        let ouyang = staff_named(&app, Role::Teacher, "ouyang", "欧阳明月").await;
        assert_eq!(title(&app.get("/home", Some(&ouyang)).await.body), "欧阳老师，您好");
        let head = staff_named(&app, Role::SchoolAdmin, "head", "李校长").await;
        assert_eq!(title(&app.get("/home", Some(&head)).await.body), "李校长，您好");
        let anna = staff_named(&app, Role::Teacher, "anna", "Anna Smith").await;
        assert_eq!(title(&app.get("/home", Some(&anna)).await.body), "Anna Smith，您好");
        let guardian = app.session(Role::Guardian).await;
        assert_eq!(title(&app.get("/home", Some(&guardian)).await.body), "guardian测试，您好");
        let en = format!("{guardian}; yanshi_lang=en-US");
        assert_eq!(title(&app.get("/home", Some(&en)).await.body), "Hello, guardian测试");
    }
}
