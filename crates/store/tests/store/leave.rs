//! 请假: reported before the cut-off, confirmed after it.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, active, forbidden, key};
use time::{macros::date, macros::datetime};
use yanshi_domain::enrolment::{LeaveChannel, LeaveKind};
use yanshi_store::Backend;

contract!(leave_before_and_after_the_cut_off,);

async fn leave_before_and_after_the_cut_off(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    // Not enrolled: no leave to report.
    let refused = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 03),
            date!(2026 - 09 - 03),
            LeaveKind::Sick,
            "发烧",
            LeaveChannel::App,
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(refused), "err-leave-not-enrolled");
    active(&w).await;
    // 10:00 local, before the 12:00 cut-off: confirmed at once.
    let today = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 02),
            date!(2026 - 09 - 02),
            LeaveKind::Sick,
            "发烧",
            LeaveChannel::App,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        s.leave(&today).await.unwrap().status,
        yanshi_domain::enrolment::LeaveStatus::Confirmed
    );
    assert!(s.on_leave(&w.child.id, date!(2026 - 09 - 02)).await.unwrap());
    // 13:00 local, after the cut-off: the class teacher must confirm.
    let after = datetime!(2026-09-02 05:00 UTC);
    let late = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 02),
            date!(2026 - 09 - 04),
            LeaveKind::Personal,
            "外婆生日",
            LeaveChannel::App,
            after,
        )
        .await
        .unwrap();
    assert_eq!(s.leave(&late).await.unwrap().status, yanshi_domain::enrolment::LeaveStatus::Pending);
    assert!(
        !s.on_leave(&w.child.id, date!(2026 - 09 - 03)).await.unwrap(),
        "not before it is confirmed"
    );
    assert!(
        s.inbox(&w.teacher.id, 10)
            .await
            .unwrap()
            .zh()
            .iter()
            .any(|m| m.title.contains("请假待确认"))
    );
    assert_eq!(
        forbidden(s.confirm_leave(&w.mother, &late, after).await.unwrap_err()),
        "err-enrolment-not-yours"
    );
    assert_eq!(
        forbidden(s.confirm_leave(&w.other_teacher, &late, after).await.unwrap_err()),
        "err-enrolment-not-yours"
    );
    s.confirm_leave(&w.teacher, &late, after).await.unwrap();
    assert!(s.on_leave(&w.child.id, date!(2026 - 09 - 03)).await.unwrap());
    // A teacher enters leave taken by phone: confirmed.
    let phoned = s
        .report_leave(
            &w.teacher,
            &w.child.id,
            date!(2026 - 09 - 07),
            date!(2026 - 09 - 07),
            LeaveKind::Other,
            "电话请假",
            LeaveChannel::Phone,
            after,
        )
        .await
        .unwrap();
    assert_eq!(
        s.leave(&phoned).await.unwrap().status,
        yanshi_domain::enrolment::LeaveStatus::Confirmed
    );
    s.cancel_leave(&w.mother, &phoned, after).await.unwrap();
    assert!(!s.on_leave(&w.child.id, date!(2026 - 09 - 07)).await.unwrap());
    // Refusals.
    let weekend = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 05),
            date!(2026 - 09 - 06),
            LeaveKind::Sick,
            "",
            LeaveChannel::App,
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(weekend), "err-leave-no-service-day");
    let outside = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2027 - 02 - 01),
            date!(2027 - 02 - 02),
            LeaveKind::Sick,
            "",
            LeaveChannel::App,
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(outside), "err-leave-outside-term");
    let backwards = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 10),
            date!(2026 - 09 - 09),
            LeaveKind::Sick,
            "",
            LeaveChannel::App,
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(backwards), "err-leave-range");
    let stranger = s
        .report_leave(
            &w.stranger,
            &w.child.id,
            date!(2026 - 09 - 10),
            date!(2026 - 09 - 10),
            LeaveKind::Sick,
            "",
            LeaveChannel::App,
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(forbidden(stranger), "err-enrolment-not-yours");
    assert_eq!(s.leaves_of_student(&w.child.id).await.unwrap().len(), 3, "refusals wrote nothing");
}
