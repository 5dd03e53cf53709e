//! 需求调查 — the needs survey answered by guardians on a phone (or entered by the class
//! teacher from a call) and counted per class for the leaders.

use crate::common::*;
use crate::enrolment::setup;
use axum::http::StatusCode;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

pub(crate) async fn setup_class(app: &TestApp) -> String {
    app.store
        .classes(&app.school.id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.grade == 3)
        .unwrap()
        .id
        .to_string()
}

#[tokio::test]
async fn the_needs_survey_is_answered_on_a_phone_and_counted_per_class() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (student, class) = setup(&app).await;
        let guardian = app.session(Role::Guardian).await;
        let teacher = app.session(Role::ClassTeacher).await;
        let before = app.get(&format!("/survey/classes?class={class}"), Some(&teacher)).await;
        assert!(
            before.body.contains("id=\"answered-count\">0<") && before.body.contains("未填写"),
            "{}",
            before.body
        );
        assert_eq!(
            app.get("/survey", Some(&guardian)).await.location(),
            format!("/survey/{student}"),
            "the group link leads a parent to their child"
        );
        let bad = app
            .post_form(
                &format!("/survey/{student}"),
                Some(&guardian),
                &[("needs", "yes"), ("latest_pickup", "17:30")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "no days chosen");
        let ok = app
            .post_form(
                &format!("/survey/{student}"),
                Some(&guardian),
                &[
                    ("needs", "yes"),
                    ("day", "1"),
                    ("day", "2"),
                    ("latest_pickup", "17:30"),
                    ("reason", "双职工"),
                ],
            )
            .await;
        assert!(ok.body.contains("已提交，谢谢"), "{}", ok.body);
        let after = app.get(&format!("/survey/classes?class={class}"), Some(&teacher)).await;
        assert!(
            after.body.contains("id=\"answered-count\">1<") && after.body.contains("周一、周二") && after.body.contains("ONLINE"),
            "{}",
            after.body
        );
        let paper = app
            .post_form(
                &format!("/survey/{student}"),
                Some(&teacher),
                &[("needs", "no"), ("source", "PAPER")],
            )
            .await;
        assert_eq!(paper.status, StatusCode::SEE_OTHER);
        assert!(
            app.get(&format!("/survey/classes?class={class}"), Some(&teacher))
                .await
                .body
                .contains("PAPER")
        );
        let export = app.get(&format!("/survey/export.xlsx?class={class}"), Some(&teacher)).await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(export.headers["content-type"].to_str().unwrap().contains("spreadsheetml"));
        assert_eq!(
            app.get(&format!("/survey/{student}"), Some(&app.session(Role::Teacher).await))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}
