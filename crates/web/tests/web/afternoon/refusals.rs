//! Hand-overs the door refuses: a child on leave or not at school, guessed pickup codes, and
//! repeated refusals counted into one alert.

use super::active_child;
use crate::common::*;
use axum::http::StatusCode;
use time::macros::date;
use yanshi_domain::enrolment::{LeaveChannel, LeaveKind};
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// 请假 and 当天未到校 at the door and over the API: refused with their own reason (a stale
/// page or a scanner may still send the hand-over), nothing written, the guardian told nothing,
/// no alert for the leaders; once the class teacher corrects the roll, the grandmother takes him.
#[tokio::test]
async fn a_child_on_leave_or_not_at_school_is_not_handed_over() {
    use axum::http::Method;
    use serde_json::json;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, grandma, _) = active_child(&app).await;
        let child = yanshi_domain::ids::StudentId::parse(&student).unwrap();
        let teacher = app.session(Role::Teacher).await;
        let door = format!("/afternoon/class/{class}");
        let token = app
            .send(api(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({ "login": "duty", "password": PASSWORD })),
            ))
            .await
            .json()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let by_api = |request: &str| {
            api(
                Method::POST,
                "/api/v1/handovers",
                Some(&token),
                Some(json!({ "student_id": student, "adult_id": grandma, "request_id": request })),
            )
        };
        let by_page = |request: &'static str| [("student", student.as_str()), ("adult", grandma.as_str()), ("request_id", request)];
        let guardian = app.session(Role::Guardian).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let nobody_told = async || {
            assert!(!app.get("/inbox", Some(&guardian)).await.body.contains("接走"));
            assert!(!app.get("/inbox", Some(&admin)).await.body.contains("拒绝接走"));
        };

        // The mother phoned in sick leave for today; the class teacher entered it.
        let today = date!(2026 - 12 - 01);
        let leave = app
            .store
            .report_leave(
                app.user(Role::ClassTeacher),
                &child,
                today,
                today,
                LeaveKind::Sick,
                "发烧",
                LeaveChannel::Phone,
                START,
            )
            .await
            .unwrap();
        let refused = app.post_form(&format!("{door}/handover"), Some(&teacher), &by_page("p1")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("孩子今天已请假，没有在延时服务中，不能交接"),
            "{}",
            refused.body
        );
        let api_refused = app.send(by_api("a1")).await;
        assert_eq!(api_refused.status, StatusCode::OK);
        let body = api_refused.json();
        assert_eq!(
            (body["outcome"].as_str(), body["reason"].as_str()),
            (Some("refused"), Some("err-handover-on-leave")),
            "{body}"
        );
        assert!(
            body["message"].as_str().unwrap().contains("已请假") && body["adult_name"].is_null(),
            "{body}"
        );
        nobody_told().await;

        // The leave is cancelled, but the attendance list says he is not at school today.
        app.store.cancel_leave(app.user(Role::ClassTeacher), &leave, START).await.unwrap();
        let marked = app.post_form("/afternoon/absences", Some(&teacher), &[("numbers", "1")]).await;
        assert_eq!(marked.status, StatusCode::OK, "{}", marked.body);
        let list = app.get(&door, Some(&teacher)).await;
        assert!(
            list.body.contains("class=\"muted small not-in-care\">孩子今天已登记未到校") && !list.body.contains("handover-submit"),
            "the door offers the roll, not the hand-over: {}",
            list.body
        );
        let refused = app.post_form(&format!("{door}/handover"), Some(&teacher), &by_page("p2")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("孩子今天已登记未到校，不能交接；如登记有误，请先更正点名"),
            "{}",
            refused.body
        );
        let body = app.send(by_api("a2")).await.json();
        assert_eq!(
            (body["outcome"].as_str(), body["reason"].as_str()),
            (Some("refused"), Some("err-handover-absent")),
            "{body}"
        );
        nobody_told().await;
        assert!(app.store.handover_of(&child, today).await.unwrap().is_none());

        // He is in the room after all: the class teacher corrects the roll; now he goes home.
        let class_teacher = app.session(Role::ClassTeacher).await;
        let corrected = app
            .post_form(
                &format!("{door}/roll"),
                Some(&class_teacher),
                &[("student", &student), ("status", "PRESENT")],
            )
            .await;
        assert!(corrected.body.contains("id=\"present-count\">1<"), "{}", corrected.body);
        let ok = app.post_form(&format!("{door}/handover"), Some(&teacher), &by_page("p3")).await;
        assert!(ok.body.contains("已交接 王小明"), "{}", ok.body);
        assert!(app.get("/inbox", Some(&guardian)).await.body.contains("由 王奶奶（奶奶）接走"));
    }
}

/// Pickup-code guessing at the door: five wrong codes, then 429 on the API and the message at the
/// door — even for the right code — while the list still hands the child over.
#[tokio::test]
async fn after_five_wrong_codes_the_door_asks_for_the_list() {
    use axum::http::Method;
    use serde_json::json;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, grandma, _) = active_child(&app).await;
        let child = app
            .store
            .student(&yanshi_domain::ids::StudentId::parse(&student).unwrap())
            .await
            .unwrap();
        let right = app
            .store
            .issue_pickup_code(
                app.user(Role::Guardian),
                &child,
                &yanshi_domain::ids::PickupAdultId::parse(&grandma).unwrap(),
                START,
            )
            .await
            .unwrap();
        let token = app
            .send(api(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({ "login": "duty", "password": PASSWORD })),
            ))
            .await
            .json()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let by_code = |code: &str, request: &str| {
            api(
                Method::POST,
                "/api/v1/handovers",
                Some(&token),
                Some(json!({ "student_id": student, "code": code, "request_id": request })),
            )
        };
        for i in 0..5 {
            let r = app.send(by_code(&format!("1000000{i}"), &format!("w{i}"))).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(r.json()["outcome"], "refused");
        }
        let sixth = app.send(by_code("10000005", "w5")).await;
        assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{}", sixth.body);
        let body = sixth.json();
        assert_eq!(body["error"]["code"], "too_many_attempts", "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("接送码输错次数过多"),
            "its own message: {body}"
        );
        assert_eq!(
            app.store
                .refused_pickups(&app.school.id, date!(2026 - 12 - 01))
                .await
                .unwrap()
                .len(),
            5
        );

        // At the door, the same teacher types the right code: not checked now; the list works.
        let teacher = app.session(Role::Teacher).await;
        let door = format!("/afternoon/class/{class}");
        let typed = app
            .post_form(
                &format!("{door}/handover"),
                Some(&teacher),
                &[("student", &student), ("code", right.as_str()), ("request_id", "d1")],
            )
            .await;
        assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            typed.body.contains("接送码输错次数过多") && typed.body.contains("请从孩子的接送名单中选择"),
            "{}",
            typed.body
        );
        let listed = app
            .post_form(
                &format!("{door}/handover"),
                Some(&teacher),
                &[("student", &student), ("adult", &grandma), ("request_id", "d2")],
            )
            .await;
        assert!(listed.body.contains("已交接 王小明"), "{}", listed.body);
    }
}

/// The father with a custody limit is refused six times in five minutes: the leaders get one
/// message, and their afternoon page and the board show the six.
#[tokio::test]
async fn six_refusals_in_minutes_are_one_alert_that_the_leaders_see_counted() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, _, father) = active_child(&app).await;
        let teacher = app.session(Role::Teacher).await;
        let door = format!("/afternoon/class/{class}");
        for i in 0..6 {
            app.clock.set(START + time::Duration::minutes(i));
            let request = format!("f{i}");
            let refused = app
                .post_form(
                    &format!("{door}/handover"),
                    Some(&teacher),
                    &[("student", &student), ("adult", &father), ("request_id", &request)],
                )
                .await;
            assert!(refused.body.contains("不得交接"), "{}", refused.body);
        }
        let admin = app.user(Role::SchoolAdmin);
        let messages = app.store.inbox(&admin.id, 100).await.unwrap();
        assert_eq!(
            messages
                .iter()
                .filter(|m| m.message.as_ref().is_some_and(|m| m.key == "msg-pickup-refused"))
                .count(),
            1,
            "one message: {messages:?}"
        );
        let leader = app.session(Role::SchoolAdmin).await;
        let page = app.get("/afternoon", Some(&leader)).await;
        assert!(
            page.body
                .contains("<strong>三年级一班王小明</strong> 16:00 起 10 分钟内 6 次交接被拒"),
            "{}",
            page.body
        );
        let board = app.get("/afternoon/board", Some(&leader)).await;
        assert!(board.body.contains("今天的事件: 1"), "{}", board.body);
        assert!(
            !app.get("/afternoon", Some(&teacher)).await.body.contains("交接被拒"),
            "for the leaders"
        );
    }
}
