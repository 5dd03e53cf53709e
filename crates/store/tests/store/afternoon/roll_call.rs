//! 点名: 未到 alerts and incidents, the attendance list (当天未到校), and 点名超时.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, account, active, forbidden, key};
use time::{macros::date, macros::datetime};
use yanshi_domain::afternoon::{RollStatus, Whereabouts};
use yanshi_domain::role::Role;
use yanshi_store::{Backend, User};

contract!(
    an_expected_child_not_in_the_room_alerts_at_once_and_a_child_not_found_is_an_incident,
    the_attendance_list_marks_children_absent_from_school_all_or_nothing,
    a_class_whose_roll_is_not_called_alerts_its_teacher_and_the_leaders_once,
);

async fn an_expected_child_not_in_the_room_alerts_at_once_and_a_child_not_found_is_an_incident(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let wed = date!(2026 - 09 - 02);
    let inbox = |u: &User| {
        let id = u.id.clone();
        async move { s.inbox(&id, 50).await.unwrap().zh() }
    };
    let admin_before = inbox(&w.admin).await.len();
    let school = w.child.school_id.clone();
    let seq = s.school_change_seq(&school).await.unwrap();
    let board = s.board(&school, wed).await.unwrap();
    // Not yet called: counted as such, not as in care (在班 means marked present, not yet gone).
    assert_eq!(
        (
            board.len(),
            board[0].expected,
            board[0].in_care,
            board[0].unmarked,
            board[0].unaccounted
        ),
        (1, 1, 0, 1, 0)
    );
    // The school's day is the same children as the class's day (one enrolled child here).
    let whole = s.school_day(&school, wed).await.unwrap();
    assert_eq!(
        whole.iter().map(|c| c.student.id.clone()).collect::<Vec<_>>(),
        vec![w.child.id.clone()]
    );
    s.mark_roll(&w.teacher, &w.child, wed, RollStatus::Absent, "", NOW).await.unwrap();
    // The board sees the change (on any instance: it reads the database).
    assert!(s.school_change_seq(&school).await.unwrap() > seq);
    let board = s.board(&school, wed).await.unwrap();
    assert_eq!((board[0].present, board[0].in_care, board[0].unaccounted), (0, 0, 1));
    let day = s.class_day(&w.child.class_id, wed).await.unwrap();
    assert_eq!(day[0].unaccounted.as_ref().map(|u| u.outcome), Some(None));
    assert!(inbox(&w.admin).await[0].title.starts_with("未到："));
    assert!(inbox(&w.teacher).await[0].title.starts_with("未到："));
    assert!(inbox(&w.mother).await[0].title.contains("未到延时服务教室"));
    // Marking absent again alerts nobody twice.
    s.mark_roll(&w.teacher, &w.child, wed, RollStatus::Absent, "", NOW).await.unwrap();
    assert_eq!(inbox(&w.admin).await.len(), admin_before + 1);

    // Not found needs a description; then it is an incident and leaders are alerted.
    let e = s
        .record_whereabouts(&w.teacher, &w.child, wed, Whereabouts::NotFound, " ", NOW)
        .await
        .unwrap_err();
    assert_eq!(key(e), "err-whereabouts-note");
    assert!(s.incidents(&w.child.school_id, wed).await.unwrap().is_empty());
    s.record_whereabouts(&w.teacher, &w.child, wed, Whereabouts::NotFound, "操场、厕所、图书馆都没有", NOW)
        .await
        .unwrap();
    let incidents = s.incidents(&w.child.school_id, wed).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(
        (incidents[0].kind.as_str(), incidents[0].student.as_deref()),
        ("CHILD_NOT_FOUND", Some(w.child.name.as_str()))
    );
    assert!(inbox(&w.admin).await[0].title.starts_with("紧急："));
    // Found later: the outcome changes, the incident stays on the record.
    s.record_whereabouts(&w.teacher, &w.child, wed, Whereabouts::Found, "在校医室", NOW)
        .await
        .unwrap();
    let day = s.class_day(&w.child.class_id, wed).await.unwrap();
    assert_eq!(
        day[0].unaccounted.as_ref().and_then(|u| u.outcome.map(Whereabouts::as_str)),
        Some("FOUND")
    );
    assert_eq!(s.incidents(&w.child.school_id, wed).await.unwrap().len(), 1);

    // Absent, then in the room after all: closed as found on the record.
    let thu = date!(2026 - 09 - 03);
    s.mark_roll(&w.teacher, &w.child, thu, RollStatus::Absent, "", NOW).await.unwrap();
    s.mark_roll(&w.teacher, &w.child, thu, RollStatus::Present, "", NOW).await.unwrap();
    let day = s.class_day(&w.child.class_id, thu).await.unwrap();
    assert_eq!(
        day[0].unaccounted.as_ref().and_then(|u| u.outcome.map(Whereabouts::as_str)),
        Some("FOUND")
    );
    // Missing again later the same day: reopened and everyone alerted again.
    let before = inbox(&w.admin).await.len();
    s.mark_roll(&w.teacher, &w.child, thu, RollStatus::Absent, "", NOW).await.unwrap();
    assert_eq!(
        s.class_day(&w.child.class_id, thu).await.unwrap()[0]
            .unaccounted
            .as_ref()
            .map(|u| u.outcome),
        Some(None)
    );
    assert_eq!(inbox(&w.admin).await.len(), before + 1);

    // Absent from school all day is not unaccounted; nor is there anything to record.
    let fri = date!(2026 - 09 - 04);
    s.mark_roll(&w.teacher, &w.child, fri, RollStatus::AbsentFromSchool, "", NOW)
        .await
        .unwrap();
    assert!(s.class_day(&w.child.class_id, fri).await.unwrap()[0].unaccounted.is_none());
    let e = s
        .record_whereabouts(&w.teacher, &w.child, fri, Whereabouts::Found, "", NOW)
        .await
        .unwrap_err();
    assert_eq!(key(e), "err-not-unaccounted");
    // A volunteer does not record it.
    let volunteer = account(
        s,
        &s.school(&w.child.school_id).await.unwrap(),
        Role::Volunteer,
        "vol2",
        "志愿者",
        NOW,
    )
    .await;
    assert!(
        s.record_whereabouts(&volunteer, &w.child, wed, Whereabouts::Found, "", NOW)
            .await
            .is_err()
    );
}

async fn the_attendance_list_marks_children_absent_from_school_all_or_nothing(backend: Backend) {
    use yanshi_store::afternoon::AbsenceImport;
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let school = w.child.school_id.clone();
    let thu = date!(2026 - 09 - 10);
    let later = datetime!(2026-09-10 08:30 UTC);
    // Marked absent at roll call first: the alert is raised.
    s.mark_roll(&w.teacher, &w.child, thu, RollStatus::Absent, "", later).await.unwrap();
    let class = w.child.class_id.clone();
    let class = &class;
    let day = |d| async move { s.class_day(class, d).await.unwrap().remove(0) };
    assert!(day(thu).await.unaccounted.is_some_and(|u| u.outcome.is_none()));

    assert_eq!(
        s.import_absences(&w.teacher, &school, thu, "1 王小明 发烧\n\n999 李四", later)
            .await
            .unwrap(),
        AbsenceImport::Refused(vec![(3, "999".to_string(), "err-absence-unknown")])
    );
    assert_eq!(
        day(thu).await.roll.map(RollStatus::as_str),
        Some("ABSENT"),
        "a refused list changes nothing"
    );
    assert_eq!(
        key(s.import_absences(&w.teacher, &school, thu, " \n ", later).await.unwrap_err()),
        "err-absence-empty"
    );
    assert_eq!(
        forbidden(s.import_absences(&w.mother, &school, thu, "1", later).await.unwrap_err()),
        "err-enrolment-not-yours"
    );

    // Full-width digits from a Chinese spreadsheet, the same child twice: one mark.
    assert_eq!(
        s.import_absences(&w.teacher, &school, thu, "１，王小明\n1", later).await.unwrap(),
        AbsenceImport::Marked(1)
    );
    let c = day(thu).await;
    assert_eq!((c.roll.map(RollStatus::as_str), c.expected), (Some("ABSENT_FROM_SCHOOL"), false));
    assert_eq!(
        c.unaccounted.and_then(|u| u.outcome).map(Whereabouts::as_str),
        Some("ABSENT_EXCUSED")
    );
    // Came after all: marked present, expected again.
    s.mark_roll(&w.teacher, &w.child, thu, RollStatus::Present, "", later)
        .await
        .unwrap();
    let c = day(thu).await;
    assert_eq!((c.roll.map(RollStatus::as_str), c.expected), (Some("PRESENT"), true));
}

async fn a_class_whose_roll_is_not_called_alerts_its_teacher_and_the_leaders_once(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    // Thursday: dismissal 16:10 Beijing time (08:10 UTC); the roll is due by 16:25.
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 08:24 UTC)).await.unwrap(), 0);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 08:25 UTC)).await.unwrap(), 1);
    for who in [&w.teacher, &w.admin] {
        let inbox = s.inbox(&who.id, 5).await.unwrap().zh();
        assert!(
            inbox[0].title.contains("点名超时：三年级二班") && inbox[0].body.contains("1 名应到学生未点名：王小明"),
            "{inbox:?}"
        );
    }
    assert!(
        s.inbox(&w.other_teacher.id, 5).await.unwrap().zh().is_empty(),
        "not another class's teacher"
    );
    assert!(
        s.inbox(&w.mother.id, 5)
            .await
            .unwrap()
            .zh()
            .iter()
            .all(|m| !m.title.contains("点名超时"))
    );
    // Once per class and day, on every instance.
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 08:40 UTC)).await.unwrap(), 0);
    // Friday the roll is called in time: no alert.
    s.mark_roll(&w.teacher, &w.child, date!(2026 - 09 - 11), RollStatus::Present, "", NOW)
        .await
        .unwrap();
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-11 08:30 UTC)).await.unwrap(), 0);
    // 元旦 2027, a Friday of a year whose notice is not shipped: derived, no service, no alert;
    // the Monday after is a service day again.
    assert_eq!(s.afternoon_sweep(datetime!(2027-01-01 08:30 UTC)).await.unwrap(), 0);
    assert_eq!(s.afternoon_sweep(datetime!(2027-01-04 08:30 UTC)).await.unwrap(), 1);
    let report = s.verify_audit_chain(Some(&w.child.school_id)).await.unwrap();
    assert!(report.result.is_ok(), "{report:?}");
}
