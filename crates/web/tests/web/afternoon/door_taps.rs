//! The classroom door as a teacher taps it with 38 children: a tap answers with that child's
//! card and the counts (htmx), the mark is plain on the card, 其余全部到 marks only the children
//! the teacher saw unmarked, a wrong mark is undone, the guardians are offered first at the
//! hand-over unless a custody limit names them, nothing happens before the door opens, and the
//! card says whether the guardian read the absence notice.

use super::active_child;
use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use yanshi_domain::family::PickupLevel;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// A form post as htmx sends it from the door.
fn hx(path: &str, session: &str, form: &[(&str, &str)]) -> Request<Body> {
    let mut req = request(Method::POST, path, Some(session), Some(serde_urlencoded::to_string(form).unwrap()));
    req.headers_mut().insert("hx-request", "true".parse().unwrap());
    req
}

/// The value of `id="{id}">…<` in a page.
fn shown(body: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    body.split(&marker)
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_tap_answers_with_the_childs_card_and_the_counts_and_can_be_undone() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, _, _) = active_child(&app).await;
        let teacher = app.session(Role::Teacher).await;
        let page = format!("/afternoon/class/{class}");
        let before = app.get(&page, Some(&teacher)).await;
        assert_eq!(shown(&before.body, "unmarked-count"), "1", "{}", before.body);
        assert!(before.body.contains("class=\"card-child is-unmarked\""), "{}", before.body);

        let tap = app
            .send(hx(
                &format!("{page}/roll"),
                &teacher,
                &[("student", &student), ("status", "ABSENT")],
            ))
            .await;
        assert_eq!(tap.status, StatusCode::OK, "{}", tap.body);
        // Just the card and the counts, not the page.
        assert!(!tap.body.contains("<html"), "{}", tap.body);
        assert_eq!(tap.body.matches("<li ").count(), 1, "{}", tap.body);
        assert!(
            tap.body.contains("id=\"roll-summary\" class=\"roll-summary\" hx-swap-oob=\"true\""),
            "{}",
            tap.body
        );
        assert!(tap.body.contains("class=\"card-child is-absent\""), "{}", tap.body);
        assert!(
            tap.body.contains("class=\"roll-absent chosen\" aria-pressed=\"true\""),
            "{}",
            tap.body
        );
        assert_eq!(shown(&tap.body, "marked-count"), "1");
        assert_eq!(shown(&tap.body, "unmarked-count"), "0");
        assert_eq!(shown(&tap.body, "absent-count"), "1");
        // The guardian was told, and the card says so until they read it.
        assert!(tap.body.contains("未到通知 张丽") && tap.body.contains("未读"), "{}", tap.body);
        let guardian = app.session(Role::Guardian).await;
        assert_eq!(app.get("/inbox", Some(&guardian)).await.status, StatusCode::OK);
        let card = app.get(&page, Some(&teacher)).await;
        assert!(card.body.contains("未到通知 张丽 16:00 · 已读 16:00"), "{}", card.body);

        // A wrong mark taken back: unmarked again, the 未到 alert closed, audited.
        let undo = app.send(hx(&format!("{page}/roll/undo"), &teacher, &[("student", &student)])).await;
        assert_eq!(undo.status, StatusCode::OK, "{}", undo.body);
        assert!(undo.body.contains("is-unmarked") && undo.body.contains("已撤销"), "{}", undo.body);
        assert_eq!(shown(&undo.body, "unmarked-count"), "1");
        let audit = app.store.audit_entries(Some(&app.school.id), 100).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "roll.undo"), "{audit:?}");

        // Without script the same form answers with the page, at the child's card.
        let plain = app
            .post_form(
                &format!("{page}/roll"),
                Some(&teacher),
                &[("student", &student), ("status", "PRESENT")],
            )
            .await;
        assert!(
            plain.body.contains("<html") && plain.body.contains(&format!("roll#child-{student}")),
            "{}",
            plain.body
        );
        assert_eq!(shown(&plain.body, "in-care-count"), "1");
    }
}

#[tokio::test]
async fn everyone_else_present_marks_only_the_children_shown_unmarked() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, _, _) = active_child(&app).await;
        let teacher = app.session(Role::Teacher).await;
        let page = format!("/afternoon/class/{class}");
        let before = app.get(&page, Some(&teacher)).await;
        assert!(
            before.body.contains("其余全部到（1）") && before.body.contains("确认全部到（1）"),
            "{}",
            before.body
        );
        // Marked absent on another phone after this page was drawn: the absence stands.
        app.post_form(
            &format!("{page}/roll"),
            Some(&teacher),
            &[("student", &student), ("status", "ABSENT")],
        )
        .await;
        let rest = app
            .post_form(&format!("{page}/roll/rest"), Some(&teacher), &[("students", &student)])
            .await;
        assert_eq!(rest.status, StatusCode::OK, "{}", rest.body);
        assert!(rest.body.contains("已将 0 名学生记为“到”"), "{}", rest.body);
        assert_eq!(shown(&rest.body, "absent-count"), "1");
        app.post_form(&format!("{page}/roll/undo"), Some(&teacher), &[("student", &student)])
            .await;
        let rest = app
            .post_form(&format!("{page}/roll/rest"), Some(&teacher), &[("students", &student)])
            .await;
        assert!(rest.body.contains("已将 1 名学生记为“到”"), "{}", rest.body);
        assert_eq!(shown(&rest.body, "present-count"), "1");
        assert!(!rest.body.contains("其余全部到（"), "{}", rest.body);
        // A student id that names nobody is not a child of this class.
        let wrong = app
            .post_form(&format!("{page}/roll/rest"), Some(&teacher), &[("students", "nonsense")])
            .await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_guardians_are_offered_first_unless_a_custody_limit_names_them() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, _, _) = active_child(&app).await;
        let teacher = app.session(Role::Teacher).await;
        let page = format!("/afternoon/class/{class}");
        let door = app.get(&page, Some(&teacher)).await;
        let offered = door.body.split("value=\"guardian:").nth(1).and_then(|s| s.split('"').next());
        let mother = offered.unwrap_or_else(|| panic!("{}", door.body)).to_string();
        assert!(door.body.contains("张丽（母亲）· 监护人"), "{}", door.body);
        // The guardian's radio comes before the pickup list.
        assert!(door.body.find("张丽（母亲）").unwrap() < door.body.find("王奶奶（奶奶）").unwrap());
        app.post_form(
            &format!("{page}/roll"),
            Some(&teacher),
            &[("student", &student), ("status", "PRESENT")],
        )
        .await;
        let adult = format!("guardian:{mother}");
        let taken = app
            .send(hx(
                &format!("{page}/handover"),
                &teacher,
                &[("student", &student), ("adult", &adult), ("request_id", "door-guardian-1")],
            ))
            .await;
        assert_eq!(taken.status, StatusCode::OK, "{}", taken.body);
        assert!(taken.body.contains("已交接 王小明 · 16:00 张丽（母亲）"), "{}", taken.body);
        assert_eq!(shown(&taken.body, "handed-count"), "1");
    }
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // A custody limit on the mother herself (the same phone): she is not offered, and refused.
        let f = app
            .family()
            .number("1")
            .adult("张丽", "母亲", "13800138000", PickupLevel::Never, false)
            .active()
            .build()
            .await;
        let teacher = app.session(Role::Teacher).await;
        let page = format!("/afternoon/class/{}", f.class.id);
        let door = app.get(&page, Some(&teacher)).await;
        assert!(!door.body.contains("value=\"guardian:"), "{}", door.body);
        let mother = app.store.guardians_of(&f.student.id).await.unwrap().remove(0).guardian_id;
        let student = f.student.id.to_string();
        app.post_form(
            &format!("{page}/roll"),
            Some(&teacher),
            &[("student", &student), ("status", "PRESENT")],
        )
        .await;
        let adult = format!("guardian:{mother}");
        let refused = app
            .post_form(
                &format!("{page}/handover"),
                Some(&teacher),
                &[("student", &student), ("adult", &adult), ("request_id", "door-guardian-2")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert!(refused.body.contains("不得交接"), "{}", refused.body);
    }
}

#[tokio::test]
async fn before_the_door_opens_and_on_a_holiday_roll_call_and_hand_over_wait_and_say_why() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, grandma, _) = active_child(&app).await;
        let teacher = app.session(Role::Teacher).await;
        let page = format!("/afternoon/class/{class}");
        // 13:38 Beijing time; the grade's service starts at 16:10.
        app.clock.set(time::macros::datetime!(2026-12-01 05:38 UTC));
        let door = app.get(&page, Some(&teacher)).await;
        assert!(
            door.body.contains("延时服务今天 16:10 开始，15:55 起可以点名和交接"),
            "{}",
            door.body
        );
        assert!(door.body.contains("aria-pressed=\"false\" disabled"), "{}", door.body);
        let roll = app
            .post_form(
                &format!("{page}/roll"),
                Some(&teacher),
                &[("student", &student), ("status", "PRESENT")],
            )
            .await;
        assert_eq!(roll.status, StatusCode::UNPROCESSABLE_ENTITY);
        let early = app
            .post_form(
                &format!("{page}/handover"),
                Some(&teacher),
                &[("student", &student), ("adult", &grandma), ("request_id", "early-1")],
            )
            .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", early.body);
        assert!(early.body.contains("此前离校的孩子请按请假处理"), "{}", early.body);
        let day = app.get(&page, Some(&teacher)).await;
        assert_eq!(shown(&day.body, "marked-count"), "0");
        assert_eq!(shown(&day.body, "handed-count"), "0");
        // From 15:55 the door is open.
        app.clock.set(time::macros::datetime!(2026-12-01 07:55 UTC));
        let roll = app
            .post_form(
                &format!("{page}/roll"),
                Some(&teacher),
                &[("student", &student), ("status", "PRESENT")],
            )
            .await;
        assert_eq!(roll.status, StatusCode::OK, "{}", roll.body);
        assert_eq!(shown(&roll.body, "present-count"), "1");
        // 元旦 2027 (derived: no notice for 2027 is shipped): nobody expected, nothing taken.
        app.clock.set(time::macros::datetime!(2027-01-01 08:30 UTC));
        // A month later: signed in again (the old session has timed out).
        let teacher = app.session(Role::Teacher).await;
        let holiday = app.get(&page, Some(&teacher)).await;
        assert!(holiday.body.contains("今天不开展延时服务（元旦）"), "{}", holiday.body);
        assert_eq!(shown(&holiday.body, "expected-count"), "0");
        assert!(!holiday.body.contains("class=\"roll\""), "{}", holiday.body);
        let roll = app
            .post_form(
                &format!("{page}/roll"),
                Some(&teacher),
                &[("student", &student), ("status", "PRESENT")],
            )
            .await;
        assert_eq!(roll.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
