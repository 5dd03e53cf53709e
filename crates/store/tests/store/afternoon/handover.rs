//! 交接 at the door: one hand-over per child per day, the rules at the door, concurrent
//! hand-overs committed together, and no hand-over of a child not in the school's care.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, account, active, key};
use time::{macros::date, macros::datetime, macros::time};
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::afternoon::RollStatus;
use yanshi_domain::enrolment::{LeaveChannel, LeaveKind};
use yanshi_domain::role::Role;
use yanshi_store::{Actor, Backend};

contract!(
    one_handover_per_child_per_day_and_the_rules_at_the_door,
    concurrent_hand_overs_are_committed_together_and_each_child_once,
    a_child_on_leave_or_not_at_school_cannot_be_handed_over,
    a_pickup_level_the_code_cannot_read_is_corrupt_not_never,
);

async fn one_handover_per_child_per_day_and_the_rules_at_the_door(backend: Backend) {
    use yanshi_domain::afternoon::PickupCode;
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let adult = |name: &str, rel: &str, phone: &str, level| NewPickupAdult {
        name: DisplayName::parse(name).unwrap(),
        relationship: rel.into(),
        phone: PhoneNumber::parse(phone).unwrap(),
        id_last4: None,
        photo: None,
        adult_confirmed: true,
        level,
    };
    let actor = Actor::User(w.mother.id.clone());
    let grandma = s
        .add_pickup_adult(&actor, &w.child, adult("王奶奶", "奶奶", "13600136000", PickupLevel::Always), NOW)
        .await
        .unwrap();
    let neighbour = s
        .add_pickup_adult(
            &actor,
            &w.child,
            adult("赵阿姨", "邻居", "13600136001", PickupLevel::EmergencyOnly),
            NOW,
        )
        .await
        .unwrap();
    let father = s
        .add_pickup_adult(&actor, &w.child, adult("王某", "父亲", "13600136002", PickupLevel::Never), NOW)
        .await
        .unwrap();
    let wed = date!(2026 - 09 - 02);
    let day = s.class_day(&w.child.class_id, wed).await.unwrap();
    assert_eq!(day.len(), 1);
    assert!(day[0].expected && day[0].adults.len() == 3 && day[0].handover.is_none());
    s.mark_roll(&w.teacher, &w.child, wed, RollStatus::Present, "", NOW).await.unwrap();
    assert_eq!(
        s.class_day(&w.child.class_id, wed).await.unwrap()[0].roll.map(RollStatus::as_str),
        Some("PRESENT")
    );

    let req = |adult: Option<AdultRef>, day, id: &str| HandoverRequest {
        student: w.child.id.clone(),
        day,
        adult,
        method: yanshi_domain::afternoon::HandoverMethod::List,
        override_reason: None,
        request_id: id.into(),
        paper_time: None,
    };
    let first = s
        .record_handover(&w.teacher, &req(Some(AdultRef::Listed(grandma.clone())), wed, "r1"), NOW)
        .await
        .unwrap();
    let HandoverOutcome::Recorded(h) = first else { panic!("{first:?}") };
    assert_eq!((h.adult_name.as_str(), h.teacher.as_str()), ("王奶奶", "王老师"));
    assert!(
        s.inbox(&w.mother.id, 5).await.unwrap().zh()[0]
            .body
            .contains("由 王奶奶（奶奶）接走，交接教师 王老师")
    );
    let retry = s
        .record_handover(&w.teacher, &req(Some(AdultRef::Listed(grandma.clone())), wed, "r1"), NOW)
        .await
        .unwrap();
    assert_eq!(
        retry,
        HandoverOutcome::Recorded(h.clone()),
        "a retried request returns the first result"
    );
    let second = s
        .record_handover(&w.admin, &req(Some(AdultRef::Listed(neighbour.clone())), wed, "r2"), NOW)
        .await
        .unwrap();
    assert_eq!(
        second,
        HandoverOutcome::Already(h.clone()),
        "the second teacher is told who took the child"
    );

    // Thursday: a custody limit is refused, with an alert to the leaders.
    let thu = date!(2026 - 09 - 03);
    let refused = s
        .record_handover(&w.teacher, &req(Some(AdultRef::Listed(father.clone())), thu, "r3"), NOW)
        .await
        .unwrap();
    assert!(
        matches!(refused, HandoverOutcome::Refused { ref adult_name, .. } if adult_name == "王某"),
        "{refused:?}"
    );
    assert_eq!(s.refused_pickups(&w.child.school_id, thu).await.unwrap().len(), 1);
    assert!(s.inbox(&w.admin.id, 5).await.unwrap().zh()[0].title.contains("拒绝接走"));
    assert!(s.handover_of(&w.child.id, thu).await.unwrap().is_none());
    // EMERGENCY_ONLY: a teacher needs a leader; a leader releases with a reason.
    let needs = s
        .record_handover(&w.teacher, &req(Some(AdultRef::Listed(neighbour.clone())), thu, "r4"), NOW)
        .await
        .unwrap();
    assert_eq!(
        needs,
        HandoverOutcome::NeedsOverride {
            adult_name: "赵阿姨".into()
        }
    );
    let mut with_reason = req(Some(AdultRef::Listed(neighbour.clone())), thu, "r5");
    with_reason.override_reason = Some("母亲来电委托，已核实".into());
    let teacher_try = s.record_handover(&w.teacher, &with_reason, NOW).await.unwrap();
    assert!(
        matches!(teacher_try, HandoverOutcome::NeedsOverride { .. }),
        "only a leader's reason counts"
    );
    let mut by_leader = with_reason.clone();
    by_leader.request_id = "r6".into();
    let HandoverOutcome::Recorded(h) = s.record_handover(&w.admin, &by_leader, NOW).await.unwrap() else {
        panic!()
    };
    assert_eq!(h.override_reason.as_deref(), Some("母亲来电委托，已核实"));

    // Friday: a personal code; a new code makes the old one fail at once.
    let fri = date!(2026 - 09 - 04);
    let old = s.issue_pickup_code(&w.teacher, &w.child, &grandma, NOW).await.unwrap();
    let new = s.issue_pickup_code(&w.teacher, &w.child, &grandma, NOW).await.unwrap();
    let by_old = s
        .record_handover(&w.teacher, &req(Some(AdultRef::Code(old)), fri, "r7"), NOW)
        .await
        .unwrap();
    assert!(
        matches!(by_old, HandoverOutcome::Refused { .. }),
        "a revoked code is refused on the very next attempt"
    );
    let wrong = s
        .record_handover(
            &w.teacher,
            &req(Some(AdultRef::Code(PickupCode::parse("00000000").unwrap())), fri, "r8"),
            NOW,
        )
        .await
        .unwrap();
    assert!(matches!(wrong, HandoverOutcome::Refused { .. }));
    let HandoverOutcome::Recorded(h) = s
        .record_handover(&w.teacher, &req(Some(AdultRef::Code(new)), fri, "r9"), NOW)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(h.adult_name, "王奶奶");
    // Leaving alone is not in this child's agreement.
    let mon = date!(2026 - 09 - 07);
    assert!(matches!(
        s.record_handover(&w.teacher, &req(None, mon, "r10"), NOW).await.unwrap(),
        HandoverOutcome::Refused { .. }
    ));

    // Two teachers release the same child at the same moment: one record, the other is told.
    let tue = date!(2026 - 09 - 08);
    let mut tasks = Vec::new();
    for (i, who) in [w.teacher.clone(), w.admin.clone()].into_iter().enumerate() {
        let (s, r) = (s.clone(), req(Some(AdultRef::Listed(grandma.clone())), tue, &format!("race{i}")));
        tasks.push(tokio::spawn(async move { s.record_handover(&who, &r, NOW).await.unwrap() }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    assert_eq!(
        outcomes.iter().filter(|o| matches!(o, HandoverOutcome::Recorded(_))).count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| matches!(o, HandoverOutcome::Already(_))).count(),
        1,
        "{outcomes:?}"
    );
    // Typed in afterwards from the paper sheet: the real time kept, marked as such; never a time to come.
    let paper = |day, id: &str, t| HandoverRequest {
        paper_time: Some(t),
        ..req(Some(AdultRef::Listed(grandma.clone())), day, id)
    };
    let e = s
        .record_handover(&w.teacher, &paper(date!(2026 - 09 - 16), "p0", time!(17:42)), NOW)
        .await
        .unwrap_err();
    assert_eq!(key(e), "err-paper-time");
    let tue1 = date!(2026 - 09 - 01);
    let HandoverOutcome::Recorded(h) = s.record_handover(&w.teacher, &paper(tue1, "p1", time!(17:42)), NOW).await.unwrap() else {
        panic!()
    };
    assert!(
        h.entered_later && h.method.as_str() == "PAPER" && h.at == datetime!(2026-09-01 09:42 UTC),
        "{h:?}"
    );
    assert!(
        s.inbox(&w.mother.id, 5).await.unwrap().zh()[0]
            .body
            .contains("已于 17:42 由 王奶奶（奶奶）接走，交接教师 王老师。（纸质签退表补录）")
    );
    // A volunteer never releases a child.
    let volunteer = account(
        s,
        &s.school(&w.child.school_id).await.unwrap(),
        Role::Volunteer,
        "vol",
        "志愿者",
        NOW,
    )
    .await;
    assert!(
        s.record_handover(&volunteer, &req(Some(AdultRef::Listed(grandma)), date!(2026 - 09 - 09), "r11"), NOW)
            .await
            .is_err()
    );
}

/// Group commit: many hand-overs at once are written in shared transactions; each child is
/// still handed over once per day, racing teachers are told who took the child, retries get the
/// first answer, and the audit chain stays whole.
async fn concurrent_hand_overs_are_committed_together_and_each_child_once(backend: Backend) {
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
    // Twelve service days; on each, three teachers release the child at once and one of them
    // retries its request: 48 calls in flight together.
    let days: Vec<time::Date> = (0..20)
        .map(|i| date!(2026 - 09 - 07) + time::Duration::days(i))
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .take(12)
        .collect();
    let mut calls = Vec::new();
    for day in &days {
        for (n, who) in [&w.teacher, &w.admin, &w.teacher, &w.teacher].into_iter().enumerate() {
            let request_id = format!("{day}-{}", n.min(2));
            let req = HandoverRequest {
                student: w.child.id.clone(),
                day: *day,
                adult: Some(AdultRef::Listed(grandma.clone())),
                method: yanshi_domain::afternoon::HandoverMethod::List,
                override_reason: None,
                request_id,
                paper_time: None,
            };
            let (s, who) = (s.clone(), who.clone());
            calls.push(tokio::spawn(async move {
                s.record_handover(&who, &req, NOW + time::Duration::days(30)).await
            }));
        }
    }
    let mut recorded = std::collections::HashMap::new();
    let mut already = 0;
    for call in calls {
        match call.await.unwrap().unwrap() {
            HandoverOutcome::Recorded(h) => {
                recorded.entry((h.day, h.request_id.clone())).or_insert(h.id.clone());
                assert_eq!(recorded[&(h.day, h.request_id.clone())], h.id, "a retry returns the first record");
            }
            HandoverOutcome::Already(h) => {
                already += 1;
                assert_eq!(h.adult_name, "王奶奶");
            }
            other => panic!("{other:?}"),
        }
    }
    for day in &days {
        let on_day: Vec<_> = recorded.keys().filter(|(d, _)| d == day).collect();
        assert_eq!(on_day.len(), 1, "exactly one hand-over on {day}: {on_day:?}");
        assert!(s.handover_of(&w.child.id, *day).await.unwrap().is_some());
    }
    assert!(already >= days.len(), "the racing teachers were told: {already}");
    let report = s.verify_audit_chain(Some(&w.child.school_id)).await.unwrap();
    assert!(report.result.is_ok(), "{report:?}");
    // Every guardian heard once per day.
    let inbox = s.inbox(&w.mother.id, 100).await.unwrap().zh();
    assert_eq!(inbox.iter().filter(|m| m.title.contains("已离校")).count(), days.len());
}

/// 请假 or 当天未到校: the child is not in the school's care, so nobody takes them — refused with
/// its own reason, nothing written, nobody alerted, the guardian told nothing. A wrong roll mark
/// is corrected first, and then the hand-over works.
async fn a_child_on_leave_or_not_at_school_cannot_be_handed_over(backend: Backend) {
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AbsenceImport, AdultRef, HandoverOutcome, HandoverRequest};
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
    let req = |day, id: &str| HandoverRequest {
        student: w.child.id.clone(),
        day,
        adult: Some(AdultRef::Listed(grandma.clone())),
        method: yanshi_domain::afternoon::HandoverMethod::List,
        override_reason: None,
        request_id: id.into(),
        paper_time: None,
    };
    let school = w.child.school_id.clone();
    // What "nothing happened" means: no hand-over, no refusal, no audit entry, no message.
    let traces = |day| {
        let (s, school, child, mother, admin) = (
            s.clone(),
            school.clone(),
            w.child.id.clone(),
            w.mother.id.clone(),
            w.admin.id.clone(),
        );
        async move {
            (
                s.handover_of(&child, day).await.unwrap().is_some(),
                s.refused_pickups(&school, day).await.unwrap().len(),
                s.school_change_seq(&school).await.unwrap(),
                s.inbox(&mother, 50).await.unwrap().zh().len(),
                s.inbox(&admin, 50).await.unwrap().zh().len(),
            )
        }
    };

    // Thursday: the class teacher enters leave the mother phoned in (confirmed at once).
    let thu = date!(2026 - 09 - 03);
    s.report_leave(&w.teacher, &w.child.id, thu, thu, LeaveKind::Sick, "发烧", LeaveChannel::Phone, NOW)
        .await
        .unwrap();
    let before = traces(thu).await;
    assert_eq!(
        s.record_handover(&w.teacher, &req(thu, "l1"), NOW).await.unwrap(),
        HandoverOutcome::NotInCare {
            reason: "err-handover-on-leave"
        }
    );
    // Not by a leader either, nor by leaving alone, nor typed in from a paper sheet.
    let mut alone = req(thu, "l2");
    alone.adult = None;
    let mut paper = req(thu, "l3");
    paper.paper_time = Some(time!(17:00));
    for (who, r) in [(&w.admin, req(thu, "l4")), (&w.teacher, alone), (&w.teacher, paper)] {
        let later = datetime!(2026-09-03 10:00 UTC);
        assert_eq!(
            s.record_handover(who, &r, later).await.unwrap(),
            HandoverOutcome::NotInCare {
                reason: "err-handover-on-leave"
            },
            "{r:?}"
        );
    }
    assert_eq!(traces(thu).await, before, "nothing written, nobody told");

    // Wednesday: the attendance list says he is not at school today.
    let wed = date!(2026 - 09 - 02);
    assert_eq!(
        s.import_absences(&w.teacher, &school, wed, "1", NOW).await.unwrap(),
        AbsenceImport::Marked(1)
    );
    let before = traces(wed).await;
    assert_eq!(
        s.record_handover(&w.teacher, &req(wed, "a1"), NOW).await.unwrap(),
        HandoverOutcome::NotInCare {
            reason: "err-handover-absent"
        }
    );
    assert_eq!(traces(wed).await, before, "nothing written, nobody told");
    // He came after all: the leader corrects the mark (audited) and the hand-over works.
    s.mark_roll(&w.admin, &w.child, wed, RollStatus::Present, "名单有误，孩子在教室", NOW)
        .await
        .unwrap();
    let HandoverOutcome::Recorded(h) = s.record_handover(&w.teacher, &req(wed, "a2"), NOW).await.unwrap() else {
        panic!("the corrected roll lets the grandmother take him")
    };
    assert_eq!(h.adult_name, "王奶奶");
    assert!(
        s.inbox(&w.mother.id, 1).await.unwrap().zh()[0]
            .body
            .contains("由 王奶奶（奶奶）接走")
    );
}

/// A level written by hand into the database is reported as a corrupt row: the door never
/// quietly reads it as "never" (or anything else) and goes on.
async fn a_pickup_level_the_code_cannot_read_is_corrupt_not_never(backend: Backend) {
    use sqlx::Executor;
    use yanshi_domain::family::PickupLevel;
    let w = World::new(backend).await;
    active(&w).await;
    let adult = yanshi_store::people::NewPickupAdult {
        name: DisplayName::parse("王奶奶").unwrap(),
        relationship: "奶奶".into(),
        phone: PhoneNumber::parse("13600136000").unwrap(),
        id_last4: None,
        photo: None,
        adult_confirmed: true,
        level: PickupLevel::Always,
    };
    w.store.add_pickup_adult(&Actor::Cli, &w.child, adult, NOW).await.unwrap();
    let day = date!(2026 - 09 - 02);
    assert!(w.store.class_day(&w.class.id, day).await.is_ok());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&w._db.url).await.unwrap();
    pool.execute("UPDATE pickup_adults SET level = 'SOMETIMES'").await.unwrap();
    pool.close().await;
    match w.store.class_day(&w.class.id, day).await {
        Err(yanshi_store::StoreError::Corrupt(m)) => assert!(m.contains("SOMETIMES"), "{m}"),
        other => panic!("read as {other:?}"),
    }
}
