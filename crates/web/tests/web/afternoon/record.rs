//! 延时服务记录 through the pages: drafted, signed, locked, corrected, checked; the workload.

use super::active_child;
use crate::common::*;
use axum::http::StatusCode;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// 延时服务记录 through the pages: the draft follows the day, the class teacher signs under their
/// own name once every child has gone home, the record locks, corrections are appended, a leader
/// checks it, and the signature wrote the day's workload.
#[tokio::test]
async fn the_class_teacher_signs_the_days_record_and_corrections_are_appended() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, student, grandma, _) = active_child(&app).await;
        let class_teacher = app.session(Role::ClassTeacher).await;
        let teacher = app.session(Role::Teacher).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let door = format!("/afternoon/class/{class}");
        let record = format!("{door}/record");
        assert!(app.get(&door, Some(&teacher)).await.body.contains("id=\"record-link\""));
        let draft = app.get(&record, Some(&class_teacher)).await;
        assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
        assert!(
            draft.body.contains("草稿") && draft.body.contains("class=\"n-expected\">1<"),
            "{}",
            draft.body
        );
        let early = app
            .post_form(
                &format!("{record}/signature"),
                Some(&class_teacher),
                &[("day", "2026-12-01"), ("name", "class_teacher测试")],
            )
            .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(early.body.contains("还有学生在校未交接"), "{}", early.body);

        // The afternoon happens: present at roll call, the grandmother takes him at 17:45.
        app.post_form(
            &format!("{door}/roll"),
            Some(&teacher),
            &[("student", &student), ("status", "PRESENT")],
        )
        .await;
        app.clock.set(time::macros::datetime!(2026-12-01 09:45 UTC));
        let ok = app
            .post_form(
                &format!("{door}/handover"),
                Some(&teacher),
                &[("student", &student), ("adult", &grandma), ("request_id", "r1")],
            )
            .await;
        assert!(ok.body.contains("已交接 王小明"), "{}", ok.body);
        let notes = app
            .post_form(
                &format!("{record}/notes"),
                Some(&class_teacher),
                &[("day", "2026-12-01"), ("notes", "安全，无事故。")],
            )
            .await;
        assert!(
            notes.body.contains("已保存记录") && notes.body.contains("安全，无事故。"),
            "{}",
            notes.body
        );
        let not_theirs = app
            .post_form(&format!("{record}/notes"), Some(&teacher), &[("day", "2026-12-01"), ("notes", "x")])
            .await;
        assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
        let someone_else = app
            .post_form(
                &format!("{record}/signature"),
                Some(&class_teacher),
                &[("day", "2026-12-01"), ("name", "李校长")],
            )
            .await;
        assert!(someone_else.body.contains("不能代签"), "{}", someone_else.body);
        // The page carries the hash of the record as shown; signing without it is refused.
        let blind = app
            .post_form(
                &format!("{record}/signature"),
                Some(&class_teacher),
                &[("day", "2026-12-01"), ("name", "class_teacher测试")],
            )
            .await;
        assert!(blind.body.contains("被修改过"), "{}", blind.body);
        let seen = hidden(&blind.body, "seen");
        let signed = app
            .post_form(
                &format!("{record}/signature"),
                Some(&class_teacher),
                &[("day", "2026-12-01"), ("name", "class_teacher测试"), ("seen", &seen)],
            )
            .await;
        assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
        assert!(
            signed.body.contains("记录已锁定")
                && signed.body.contains("class=\"n-handed\">1<")
                && signed.body.contains("class_teacher测试 · 看护 · 16:10–17:45 · 95 分钟")
                && !signed.body.contains("id=\"record-notes-form\""),
            "{}",
            signed.body
        );
        let again = app
            .post_form(
                &format!("{record}/notes"),
                Some(&class_teacher),
                &[("day", "2026-12-01"), ("notes", "改写")],
            )
            .await;
        assert!(
            again.body.contains("已经签名锁定") && again.body.contains("安全，无事故。"),
            "{}",
            again.body
        );
        let corrected = app
            .post_form(
                &format!("{record}/corrections"),
                Some(&class_teacher),
                &[("day", "2026-12-01"), ("text", "接走时间应为 17:46")],
            )
            .await;
        assert!(
            corrected.body.contains("已追加更正") && corrected.body.contains("接走时间应为 17:46"),
            "{}",
            corrected.body
        );
        assert!(!corrected.body.contains("id=\"record-check-form\""), "only a leader checks");
        let checked = app
            .post_form(&format!("{record}/check"), Some(&admin), &[("day", "2026-12-01")])
            .await;
        assert!(
            checked.body.contains("值班领导核查：") && checked.body.contains("school_admin测试"),
            "{}",
            checked.body
        );

        // The workload the signature wrote: the leader sees everyone's, a teacher their own.
        let work = app.get("/afternoon/workload?month=2026-12", Some(&admin)).await;
        assert!(work.body.contains("class_teacher测试</strong> · 1 次 · 95 分钟"), "{}", work.body);
        // The teacher who called the roll took care of the class too; they see only their own.
        let own = app.get("/afternoon/workload", Some(&teacher)).await;
        assert!(
            own.body.contains("<strong>teacher测试</strong> · 看护 · 16:10–17:45 · 95 分钟") && !own.body.contains("class_teacher测试"),
            "{}",
            own.body
        );
        let volunteer = app.session(Role::Volunteer).await;
        assert_eq!(app.get("/afternoon/workload", Some(&volunteer)).await.status, StatusCode::FORBIDDEN);

        // Bad input: a day that is not a date, a Saturday, an unknown operation.
        let bad = app.get(&format!("{record}?day=tomorrow"), Some(&class_teacher)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("日期无法识别"));
        let saturday = app.get(&format!("{record}?day=2026-12-05"), Some(&class_teacher)).await;
        assert!(saturday.body.contains("没有延时服务"), "{}", saturday.body);
        let month = app.get("/afternoon/workload?month=13", Some(&admin)).await;
        assert_eq!(month.status, StatusCode::UNPROCESSABLE_ENTITY);
        let end_of_time = app.get("/afternoon/workload?month=9999-12", Some(&admin)).await;
        assert_eq!(end_of_time.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", end_of_time.body);
        // A NUL character is refused up front (PostgreSQL could not store it), changing nothing.
        let nul = app
            .post_form(
                &format!("{record}/corrections"),
                Some(&class_teacher),
                &[("day", "2026-12-01"), ("text", "a\0b")],
            )
            .await;
        assert_eq!(nul.status, StatusCode::BAD_REQUEST);
        // Each change has its own address; the record's page itself takes no post.
        let unknown = app.post_form(&record, Some(&class_teacher), &[("op", "erase")]).await;
        assert_eq!(unknown.status, StatusCode::METHOD_NOT_ALLOWED);
        let unknown = app.post_form(&format!("{record}/erase"), Some(&class_teacher), &[]).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let still = app.get(&record, Some(&class_teacher)).await;
        assert!(
            still.body.contains("记录已锁定") && still.body.contains("接走时间应为 17:46"),
            "{}",
            still.body
        );
    }
}
