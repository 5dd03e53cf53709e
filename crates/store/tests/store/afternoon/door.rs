//! The door for many children at once and for the child's own family: 其余全部到 marks only
//! the children the teacher confirmed and still unmarked, a mark is undone (its 未到 alert
//! closed), a guardian takes their child unless the pickup list names them with another
//! level, and a guardian's reading of the absence notice shows at the door.

use crate::fixtures::{NOW, World, active};
use time::macros::date;
use yanshi_domain::afternoon::RollStatus;
use yanshi_domain::ids::StudentId;
use yanshi_store::Backend;

contract!(
    everyone_else_present_marks_only_the_confirmed_unmarked_children,
    a_mark_is_undone_and_its_alert_closed_but_not_after_the_hand_over,
    a_guardian_takes_their_child_unless_a_custody_limit_names_them,
);

async fn everyone_else_present_marks_only_the_confirmed_unmarked_children(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let wed = date!(2026 - 09 - 02);
    // Nobody confirmed (an empty list), or a child of another class: nothing marked.
    assert_eq!(s.mark_rest_present(&w.teacher, &w.class.id, wed, &[], NOW).await.unwrap(), 0);
    assert_eq!(
        s.mark_rest_present(&w.teacher, &w.class.id, wed, &[StudentId::new()], NOW)
            .await
            .unwrap(),
        0
    );
    // Another school's staff may not.
    assert!(
        s.mark_rest_present(&w.stranger, &w.class.id, wed, std::slice::from_ref(&w.child.id), NOW)
            .await
            .is_err()
    );
    // Marked absent meanwhile: the absence stands.
    s.mark_roll(&w.teacher, &w.child, wed, RollStatus::Absent, "", NOW).await.unwrap();
    assert_eq!(
        s.mark_rest_present(&w.teacher, &w.class.id, wed, std::slice::from_ref(&w.child.id), NOW)
            .await
            .unwrap(),
        0
    );
    assert_eq!(s.class_day(&w.class.id, wed).await.unwrap()[0].roll, Some(RollStatus::Absent));
    s.undo_roll(&w.teacher, &w.child, wed, NOW).await.unwrap();
    assert_eq!(
        s.mark_rest_present(&w.teacher, &w.class.id, wed, std::slice::from_ref(&w.child.id), NOW)
            .await
            .unwrap(),
        1
    );
    assert_eq!(s.class_day(&w.class.id, wed).await.unwrap()[0].roll, Some(RollStatus::Present));
    let audit = s.audit_entries(Some(&w.school.id), 20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "roll.rest_present" && e.subject == w.class.id.as_str()),
        "{audit:?}"
    );
}

async fn a_mark_is_undone_and_its_alert_closed_but_not_after_the_hand_over(backend: Backend) {
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let wed = date!(2026 - 09 - 02);
    s.mark_roll(&w.teacher, &w.child, wed, RollStatus::Absent, "", NOW).await.unwrap();
    // The mother was told about her child; the door sees it, unread, then read.
    let from = yanshi_domain::school_time::at(wed, time::Time::MIDNIGHT, &w.school.time_zone);
    let told = s.guardians_told(&w.class.id, from, from + time::Duration::days(1)).await.unwrap();
    let mine = &told[w.child.id.as_str()];
    assert_eq!(
        (mine.len(), mine[0].key.as_str(), mine[0].guardian.as_str()),
        (1, "msg-not-in-room-guardian", "张丽")
    );
    assert!(mine[0].read_at.is_none());
    s.mark_inbox_read(&w.mother.id, NOW).await.unwrap();
    let told = s.guardians_told(&w.class.id, from, from + time::Duration::days(1)).await.unwrap();
    assert!(told[w.child.id.as_str()][0].read_at.is_some());
    // Undone: unmarked again, the alert closed as found.
    s.undo_roll(&w.teacher, &w.child, wed, NOW).await.unwrap();
    let day = s.class_day(&w.class.id, wed).await.unwrap();
    assert_eq!(day[0].roll, None);
    assert!(day[0].unaccounted.as_ref().is_some_and(|u| u.outcome.is_some()));
    // Undoing twice changes nothing more.
    s.undo_roll(&w.teacher, &w.child, wed, NOW).await.unwrap();
    // Handed over (by the mother herself): the mark stays.
    s.mark_roll(&w.teacher, &w.child, wed, RollStatus::Present, "", NOW).await.unwrap();
    let mother = s.guardians_of(&w.child.id).await.unwrap().remove(0).guardian_id;
    let req = HandoverRequest {
        student: w.child.id.clone(),
        day: wed,
        adult: Some(AdultRef::Guardian(mother)),
        method: yanshi_domain::afternoon::HandoverMethod::List,
        override_reason: None,
        request_id: "door-1".into(),
        paper_time: None,
    };
    let HandoverOutcome::Recorded(h) = s.record_handover(&w.teacher, &req, NOW).await.unwrap() else {
        panic!("the mother takes her child");
    };
    assert_eq!((h.adult_name.as_str(), h.relationship.as_str()), ("张丽", "母亲"));
    let refused = s.undo_roll(&w.teacher, &w.child, wed, NOW).await.unwrap_err();
    assert!(format!("{refused:?}").contains("err-undo-handed-over"), "{refused:?}");
}

async fn a_guardian_takes_their_child_unless_a_custody_limit_names_them(backend: Backend) {
    use yanshi_domain::account::{DisplayName, PhoneNumber};
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::Actor;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let wed = date!(2026 - 09 - 02);
    let mother = s.guardians_of(&w.child.id).await.unwrap().remove(0);
    // Offered at the door while the pickup list does not name her.
    let day = s.class_day(&w.class.id, wed).await.unwrap();
    assert_eq!(day[0].guardians.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["张丽"]);
    // A custody limit on her (by phone): no longer offered, and refused at the door.
    let limit = NewPickupAdult {
        name: DisplayName::parse("张女士").unwrap(),
        relationship: "母亲".into(),
        phone: PhoneNumber::parse(&mother.phone).unwrap(),
        id_last4: None,
        photo: None,
        adult_confirmed: true,
        level: PickupLevel::Never,
    };
    s.add_pickup_adult(&Actor::User(w.admin.id.clone()), &w.child, limit, NOW)
        .await
        .unwrap();
    let day = s.class_day(&w.class.id, wed).await.unwrap();
    assert!(day[0].guardians.is_empty(), "{:?}", day[0].guardians);
    s.mark_roll(&w.teacher, &w.child, wed, RollStatus::Present, "", NOW).await.unwrap();
    let req = |adult, id: &str| HandoverRequest {
        student: w.child.id.clone(),
        day: wed,
        adult: Some(adult),
        method: yanshi_domain::afternoon::HandoverMethod::List,
        override_reason: None,
        request_id: id.into(),
        paper_time: None,
    };
    let out = s
        .record_handover(&w.teacher, &req(AdultRef::Guardian(mother.guardian_id.clone()), "g-1"), NOW)
        .await
        .unwrap();
    assert!(matches!(out, HandoverOutcome::Refused { .. }), "{out:?}");
    // Another school's guardian id names nobody here: refused alike.
    let out = s
        .record_handover(
            &w.teacher,
            &req(AdultRef::Guardian(yanshi_domain::ids::GuardianId::new()), "g-2"),
            NOW,
        )
        .await
        .unwrap();
    assert!(matches!(out, HandoverOutcome::Refused { .. }), "{out:?}");
}
