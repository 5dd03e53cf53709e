//! The classroom door through the pages: roll call, what became of a missing child, a leader's
//! decision for a late one, a refused custody limit, the hand-over to the grandmother, a second
//! teacher told who took the child, a pickup code, the week's plan and the weather warning.

use super::active_child;
use crate::common::*;
use axum::http::StatusCode;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

#[tokio::test]
async fn at_the_door_a_custody_limit_is_refused_and_the_grandmother_takes_the_child() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, grandma, father) = active_child(&app).await;
        let teacher = app.session(Role::Teacher).await;
        let page = format!("/afternoon/class/{class}");
        let list = app.get(&page, Some(&teacher)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(
            list.body.contains("王小明") && list.body.contains("王奶奶（奶奶）") && list.body.contains("禁止接送"),
            "{}",
            list.body
        );
        // Seeing a custody limit at the door is a read of a sensitive field: logged.
        let reads = app
            .store
            .sensitive_reads(&yanshi_domain::ids::StudentId::parse(&student).unwrap())
            .await
            .unwrap();
        assert!(reads.iter().any(|(who, _)| who == "teacher测试"), "{reads:?}");
        // Not in the room at first: alerted, then the teacher records what happened.
        let absent = app
            .post_form(
                &format!("{page}/roll"),
                Some(&teacher),
                &[("student", &student), ("status", "ABSENT")],
            )
            .await;
        assert!(absent.body.contains("点名未到且未请假"), "{}", absent.body);
        let blank = app
            .post_form(
                &format!("{page}/whereabouts"),
                Some(&teacher),
                &[("student", &student), ("outcome", "NOT_FOUND"), ("note", "")],
            )
            .await;
        assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(blank.body.contains("请写明已查找的地方"), "{}", blank.body);
        let found = app
            .post_form(
                &format!("{page}/whereabouts"),
                Some(&teacher),
                &[("student", &student), ("outcome", "FOUND"), ("note", "在图书室")],
            )
            .await;
        assert!(found.body.contains("未到 → 已找到（在图书室）"), "{}", found.body);
        // Not found (before it was): the leaders' afternoon page shows the incident at once.
        app.store
            .record_whereabouts(
                app.user(Role::Teacher),
                &app.store
                    .student(&yanshi_domain::ids::StudentId::parse(&student).unwrap())
                    .await
                    .unwrap(),
                time::macros::date!(2026 - 12 - 01),
                yanshi_domain::afternoon::Whereabouts::NotFound,
                "各处都找过了",
                app.clock_now(),
            )
            .await
            .unwrap();
        let admin = app.session(Role::SchoolAdmin).await;
        let board = app.get("/afternoon", Some(&admin)).await;
        assert!(
            board.body.contains("今天的事件") && board.body.contains("各处都找过了"),
            "{}",
            board.body
        );
        assert!(!app.get("/afternoon", Some(&teacher)).await.body.contains("今天的事件"));
        let roll = app
            .post_form(
                &format!("{page}/roll"),
                Some(&teacher),
                &[("student", &student), ("status", "PRESENT")],
            )
            .await;
        assert!(roll.body.contains("id=\"present-count\">1<"), "{}", roll.body);
        // Ten minutes past the end (18:00 Beijing time) and still here: the call list is up.
        let fired = app
            .store
            .afternoon_sweep(time::macros::datetime!(2026-12-01 10:10 UTC))
            .await
            .unwrap();
        assert_eq!(fired, 2);
        let late = app.get(&page, Some(&teacher)).await;
        assert!(late.body.contains("迟接：请按名单电话联系"), "{}", late.body);
        let admin_now = app.session(Role::SchoolAdmin).await;
        let decided = app
            .post_form(
                &format!("{page}/decision"),
                Some(&admin_now),
                &[
                    ("student", &student),
                    ("decision", "KEEP_WAITING"),
                    ("note", "母亲电话未接，继续联系"),
                ],
            )
            .await;
        assert!(
            decided.body.contains("已记录值班领导的决定") && decided.body.contains("继续由值班教师看护并联系 · 母亲电话未接"),
            "{}",
            decided.body
        );
        let no_note = app
            .post_form(
                &format!("{page}/decision"),
                Some(&admin_now),
                &[("student", &student), ("decision", "ASK_POLICE"), ("note", "")],
            )
            .await;
        assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);

        let refused = app
            .post_form(
                &format!("{page}/handover"),
                Some(&teacher),
                &[("student", &student), ("adult", &father), ("request_id", "q1")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("不得交接") && refused.body.contains("王某"),
            "{}",
            refused.body
        );
        let none = app
            .post_form(
                &format!("{page}/handover"),
                Some(&teacher),
                &[("student", &student), ("request_id", "q2")],
            )
            .await;
        assert!(none.body.contains("请选择接孩子的人"));

        let ok = app
            .post_form(
                &format!("{page}/handover"),
                Some(&teacher),
                &[("student", &student), ("adult", &grandma), ("request_id", "q3")],
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        assert!(
            ok.body.contains("已交接 王小明") && ok.body.contains("id=\"handed-count\">1<"),
            "{}",
            ok.body
        );
        let admin = app.session(Role::SchoolAdmin).await;
        let late = app
            .post_form(
                &format!("{page}/handover"),
                Some(&admin),
                &[("student", &student), ("adult", &grandma), ("request_id", "q4")],
            )
            .await;
        assert!(
            late.body.contains("孩子已被接走") && late.body.contains("teacher测试"),
            "the second teacher is told who: {}",
            late.body
        );
        let inbox = app.get("/inbox", Some(&app.session(Role::Guardian).await)).await;
        assert!(inbox.body.contains("由 王奶奶（奶奶）接走，交接教师 teacher测试"), "{}", inbox.body);
        let alert = app.get("/inbox", Some(&admin)).await;
        assert!(alert.body.contains("拒绝接走"), "the leaders hear of the refusal");
        assert!(
            alert.body.contains("被禁止接送") && !alert.body.contains("err-pickup-refused"),
            "in words, not a message key: {}",
            alert.body
        );

        // The week's plan: a leader sets today's (Tuesday) session; the door shows it; a lesson
        // in disguise is flagged for the leaders.
        let plan_page = format!("{page}/plan");
        let saved = app
            .post_form(
                &plan_page,
                Some(&admin),
                &[
                    ("weekday", "2"),
                    ("content", "趣味数学"),
                    ("note", "七巧板"),
                    ("teacher", ""),
                    ("volunteer", ""),
                ],
            )
            .await;
        assert!(saved.body.contains("已保存活动安排"), "{}", saved.body);
        assert!(
            app.get(&page, Some(&teacher))
                .await
                .body
                .contains("今天：<strong>趣味数学</strong> · 七巧板")
        );
        let lesson = app
            .post_form(
                &plan_page,
                Some(&admin),
                &[("weekday", "3"), ("content", "其他"), ("note", "数学上新课")],
            )
            .await;
        assert!(lesson.body.contains("像是上课"), "{}", lesson.body);
        assert!(app.get("/afternoon", Some(&admin)).await.body.contains("数学上新课"));
        let compliance = app.get("/enrolment", Some(&admin)).await;
        assert!(
            compliance.body.contains("id=\"flagged-plans\"") && compliance.body.contains("数学上新课"),
            "on the compliance page too: {}",
            compliance.body
        );
        let not_theirs = app
            .post_form(&plan_page, Some(&teacher), &[("weekday", "4"), ("content", "社团")])
            .await;
        assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);

        // 天气预警: a leader sets orange; the door says nobody leaves alone; a teacher cannot set it.
        let warned = app
            .post_form("/afternoon/weather", Some(&admin), &[("level", "ORANGE"), ("note", "暴雨")])
            .await;
        assert!(
            warned.body.contains("已保存天气预警") && warned.body.contains("id=\"weather-now\""),
            "{}",
            warned.body
        );
        assert!(app.get(&page, Some(&teacher)).await.body.contains("id=\"weather-banner\""));
        let not_theirs = app.post_form("/afternoon/weather", Some(&teacher), &[("level", "NONE")]).await;
        assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
        let bad = app.post_form("/afternoon/weather", Some(&admin), &[("level", "PURPLE")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        app.post_form("/afternoon/weather", Some(&admin), &[("level", "NONE")]).await;
        assert!(!app.get(&page, Some(&teacher)).await.body.contains("id=\"weather-banner\""));

        // The paper sheet lists the child with who may, and who must never, take them.
        let sheet = app.get(&format!("{page}/sheet"), Some(&teacher)).await;
        assert_eq!(sheet.status, StatusCode::OK);
        assert!(
            sheet.body.contains("王奶奶（奶奶）") && sheet.body.contains("王某（父亲）禁止接送"),
            "{}",
            sheet.body
        );

        // The guardian makes a pickup code for the grandmother; a volunteer cannot.
        let guardian = app.session(Role::Guardian).await;
        let code = app
            .post_form(&format!("/students/{student}/pickup-code/{grandma}"), Some(&guardian), &[])
            .await;
        assert_eq!(code.status, StatusCode::OK);
        assert!(code.body.contains("id=\"pickup-code\">") && code.body.contains("<svg"));
        let volunteer = app.session(Role::Volunteer).await;
        assert_eq!(
            app.post_form(&format!("/students/{student}/pickup-code/{grandma}"), Some(&volunteer), &[])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}
