//! 迟接: a child not picked up climbs the late-pickup steps, once each.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, active, forbidden, key};
use time::{macros::date, macros::datetime};
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::afternoon::{LateStep, RollStatus};
use yanshi_store::{Actor, Backend};

contract!(a_child_not_picked_up_climbs_the_late_pickup_steps_once_each,);

async fn a_child_not_picked_up_climbs_the_late_pickup_steps_once_each(backend: Backend) {
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let grandma = s
        .add_pickup_adult(
            &Actor::User(w.mother.id.clone()),
            &w.child,
            NewPickupAdult {
                name: DisplayName::parse("王奶奶").unwrap(),
                relationship: "奶奶".into(),
                phone: PhoneNumber::parse("13600136000").unwrap(),
                id_last4: None,
                photo: None,
                adult_confirmed: true,
                level: PickupLevel::Always,
            },
            NOW,
        )
        .await
        .unwrap();
    // Thursday 10 September: the service ends at 18:00 Beijing time (10:00 UTC).
    let thu = date!(2026 - 09 - 10);
    let child = &w.child.id;
    let steps = |d| async move {
        s.late_steps(child, d)
            .await
            .unwrap()
            .into_iter()
            .map(LateStep::as_str)
            .collect::<Vec<_>>()
    };
    // The afternoon starts with the roll call (an unmarked child would raise its own alert).
    for d in [thu, date!(2026 - 09 - 11)] {
        s.mark_roll(&w.teacher, &w.child, d, RollStatus::Present, "", NOW).await.unwrap();
    }
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 09:59 UTC)).await.unwrap(), 0);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:00 UTC)).await.unwrap(), 1);
    assert!(s.inbox(&w.mother.id, 5).await.unwrap().zh()[0].title.contains("请尽快接孩子"));
    // Run again (or on another instance): nothing fires twice.
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:05 UTC)).await.unwrap(), 0);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:10 UTC)).await.unwrap(), 1);
    assert!(
        s.inbox(&w.teacher.id, 5).await.unwrap().zh()[0]
            .body
            .contains("王奶奶（奶奶）13600136000")
    );
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:30 UTC)).await.unwrap(), 1);
    assert!(s.inbox(&w.admin.id, 5).await.unwrap().zh()[0].title.contains("等候室"));
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 11:00 UTC)).await.unwrap(), 1);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 11:30 UTC)).await.unwrap(), 0);
    assert_eq!(
        steps(thu).await,
        ["NOTIFY_GUARDIANS", "CALL_LIST", "WAITING_ROOM", "LEADER_DECISION"]
    );
    assert_eq!(s.late_pickup_count(&w.child.id).await.unwrap(), 1);

    // A server that was down catches up: every step due fires once.
    let fri = date!(2026 - 09 - 11);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-11 10:30 UTC)).await.unwrap(), 3);
    assert_eq!(s.late_pickup_count(&w.child.id).await.unwrap(), 2);
    assert_eq!(
        s.class_day(&w.child.class_id, fri).await.unwrap()[0]
            .late_step
            .map(LateStep::as_str),
        Some("WAITING_ROOM")
    );
    // Once handed over, the steps stop.
    let r = HandoverRequest {
        student: w.child.id.clone(),
        day: fri,
        adult: Some(AdultRef::Listed(grandma.clone())),
        method: yanshi_domain::afternoon::HandoverMethod::List,
        override_reason: None,
        request_id: "late-fri".into(),
        paper_time: None,
    };
    assert!(matches!(
        s.record_handover(&w.teacher, &r, NOW).await.unwrap(),
        HandoverOutcome::Recorded(_)
    ));
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-11 11:00 UTC)).await.unwrap(), 0);
    assert_eq!(steps(fri).await.len(), 3);

    // A child handed over on time, or marked absent, never starts the steps.
    let mon = date!(2026 - 09 - 14);
    assert!(matches!(
        s.record_handover(
            &w.teacher,
            &HandoverRequest {
                day: mon,
                request_id: "on-time".into(),
                ..r.clone()
            },
            NOW
        )
        .await
        .unwrap(),
        HandoverOutcome::Recorded(_)
    ));
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-14 11:00 UTC)).await.unwrap(), 0);
    let tue = date!(2026 - 09 - 15);
    s.mark_roll(&w.teacher, &w.child, tue, RollStatus::Absent, "病假", NOW)
        .await
        .unwrap();
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-15 11:00 UTC)).await.unwrap(), 0);
    // A weekend is not a service day.
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-12 11:00 UTC)).await.unwrap(), 0);
    assert_eq!(s.late_pickup_count(&w.child.id).await.unwrap(), 2);

    // 值班领导决定 for Thursday's child, still waiting: only a leader, with a note.
    use yanshi_domain::afternoon::LateDecision;
    let at = datetime!(2026-09-10 11:05 UTC);
    let decide = |who, day, note| s.record_late_decision(who, &w.child, day, LateDecision::KeepWaiting, note, at);
    assert_eq!(
        forbidden(decide(&w.teacher, thu, "x").await.unwrap_err()),
        "err-late-decision-not-yours"
    );
    assert_eq!(key(decide(&w.admin, thu, "  ").await.unwrap_err()), "err-late-decision-note");
    assert_eq!(key(decide(&w.admin, mon, "x").await.unwrap_err()), "err-late-decision-not-late");
    assert_eq!(key(decide(&w.admin, fri, "x").await.unwrap_err()), "err-late-decision-gone");
    decide(&w.admin, thu, "母亲电话未接，父亲关机，继续联系").await.unwrap();
    s.record_late_decision(
        &w.admin,
        &w.child,
        thu,
        LateDecision::GuardianReached,
        "19:10 联系上母亲，20 分钟到",
        at,
    )
    .await
    .unwrap();
    let decisions = s.late_decisions(&w.child.class_id, thu).await.unwrap();
    let (decision, note, by, _) = &decisions[w.child.id.as_str()];
    assert_eq!(
        (*decision, note.as_str(), by.as_str()),
        (LateDecision::GuardianReached, "19:10 联系上母亲，20 分钟到", "李校长")
    );
    assert!(
        s.inbox(&w.teacher.id, 5)
            .await
            .unwrap()
            .zh()
            .iter()
            .any(|m| m.body.contains("已联系上家长"))
    );
}
