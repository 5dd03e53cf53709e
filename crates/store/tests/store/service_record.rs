//! 延时服务记录: the daily record drafted live, signed, locked and corrected.

use crate::fixtures::{NOW, World, active, forbidden, key, refusal};
use time::{macros::date, macros::datetime};
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::afternoon::RollStatus;
use yanshi_store::{Actor, Backend};

contract!(the_daily_service_record_is_drafted_signed_locked_and_corrected,);

async fn the_daily_service_record_is_drafted_signed_locked_and_corrected(backend: Backend) {
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest, PlanInput};
    use yanshi_store::people::NewPickupAdult;
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let class = s.class(&w.child.class_id).await.unwrap();
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
    // Thursdays: homework help (作业辅导) with 王老师, from dismissal at 16:10 to 18:00.
    s.set_session_plan(
        &w.teacher,
        &class,
        &w.term.id,
        &PlanInput {
            weekday: 4,
            content: "作业辅导".into(),
            note: "先写作业再阅读".into(),
            teacher: Some(w.teacher.id.clone()),
            volunteer: None,
        },
        NOW,
    )
    .await
    .unwrap();
    let thu = date!(2026 - 09 - 10);
    let draft = s.service_record(&class, thu).await.unwrap();
    assert_eq!(
        (draft.facts.content.as_deref(), draft.facts.start.as_str(), draft.facts.end.as_str()),
        (Some("作业辅导"), "16:10", "18:00")
    );
    assert_eq!((draft.facts.counts.expected, draft.facts.counts.in_care), (1, 1));
    let during = datetime!(2026-09-10 09:00 UTC);
    assert_eq!(
        key(s
            .sign_service_record(&w.teacher, &class, thu, "王老师", None, during)
            .await
            .unwrap_err()),
        "err-record-children-in-care",
        "not while a child is still in care"
    );

    // The afternoon: roll call, 18:00 passes, the principal hands the child over at 18:20.
    s.mark_roll(&w.teacher, &w.child, thu, RollStatus::Present, "", during)
        .await
        .unwrap();
    s.afternoon_sweep(datetime!(2026-09-10 10:05 UTC)).await.unwrap();
    let r = HandoverRequest {
        student: w.child.id.clone(),
        day: thu,
        adult: Some(AdultRef::Listed(grandma)),
        method: yanshi_domain::afternoon::HandoverMethod::List,
        override_reason: None,
        request_id: "record-thu".into(),
        paper_time: None,
    };
    let after = datetime!(2026-09-10 10:20 UTC);
    assert!(matches!(
        s.record_handover(&w.admin, &r, after).await.unwrap(),
        HandoverOutcome::Recorded(_)
    ));
    s.save_record_notes(&w.teacher, &class, thu, "  安全无事故；王小明 18:20 由奶奶接走。 ", after)
        .await
        .unwrap();
    let draft = s.service_record(&class, thu).await.unwrap();
    assert_eq!(draft.notes, "安全无事故；王小明 18:20 由奶奶接走。");
    let c = draft.facts.counts;
    assert_eq!(
        (c.expected, c.present, c.handed_over, c.late_pickups, c.in_care, c.left_early),
        (1, 1, 1, 1, 0, 0)
    );
    assert_eq!(draft.facts.late, ["王小明 18:20 王奶奶（奶奶）"]);
    let staff: Vec<_> = draft
        .facts
        .staff
        .iter()
        .map(|l| (l.name.as_str(), l.role.as_str(), l.minutes))
        .collect();
    assert_eq!(staff, [("王老师", "TUTOR", 130), ("李校长", "DUTY", 20)]);

    // Only the class teacher signs, under their own name, and not for a day still to come.
    let refused = [
        (
            s.sign_service_record(&w.admin, &class, thu, "李校长", None, after).await,
            "err-record-not-yours",
        ),
        (
            s.sign_service_record(&w.other_teacher, &class, thu, "赵老师", None, after).await,
            "err-record-not-yours",
        ),
        (
            s.sign_service_record(&w.teacher, &class, thu, "李校长", None, after).await,
            "err-record-own-name",
        ),
        (
            s.sign_service_record(&w.teacher, &class, date!(2026 - 09 - 11), "王老师", None, after)
                .await,
            "err-record-future",
        ),
        (
            s.save_record_notes(&w.admin, &class, thu, "x", after)
                .await
                .map(|_| unreachable_sig()),
            "err-record-not-yours",
        ),
    ];
    for (result, expected) in refused {
        assert_eq!(refusal(result.unwrap_err()), expected);
    }
    assert!(
        s.service_record(&class, thu).await.unwrap().signed.is_none(),
        "refusals change nothing"
    );
    assert!(s.workload(&class.school_id, thu, thu, None).await.unwrap().is_empty());

    // What the teacher read must be what is signed.
    assert_eq!(
        key(s
            .sign_service_record(&w.teacher, &class, thu, "王老师", Some("0000"), after)
            .await
            .unwrap_err()),
        "err-record-changed"
    );
    let (_, seen) = s.service_record(&class, thu).await.unwrap().signing_text().unwrap();
    let sig = s
        .sign_service_record(&w.teacher, &class, thu, " 王老师 ", Some(&seen), after)
        .await
        .unwrap();
    assert_eq!(sig.sha256, seen);
    assert_eq!((sig.name.as_str(), sig.sha256.len()), ("王老师", 64));
    let signed = s.service_record(&class, thu).await.unwrap();
    assert_eq!(signed.facts, draft.facts, "the signed record is what the teacher read");
    assert_eq!(signed.signed.as_ref().unwrap().sha256, sig.sha256);

    // Locked: no new notes, no second signature; a later change of the day's data does not
    // reach the signed record.
    assert_eq!(
        key(s.save_record_notes(&w.teacher, &class, thu, "改写", after).await.unwrap_err()),
        "err-record-signed"
    );
    assert_eq!(
        key(s
            .sign_service_record(&w.teacher, &class, thu, "王老师", None, after)
            .await
            .unwrap_err()),
        "err-record-signed"
    );
    s.mark_roll(&w.teacher, &w.child, thu, RollStatus::AbsentFromSchool, "", after)
        .await
        .unwrap();
    assert_eq!(s.service_record(&class, thu).await.unwrap().facts, draft.facts);

    // Workload: who, when, how long — the ground truth for later reports.
    let work = s.workload(&class.school_id, thu, thu, None).await.unwrap();
    let rows: Vec<_> = work
        .iter()
        .map(|e| (e.name.as_str(), e.role.as_str(), e.minutes, e.class.as_str()))
        .collect();
    assert_eq!(rows, [("李校长", "DUTY", 20, "三年级二班"), ("王老师", "TUTOR", 130, "三年级二班")]);
    assert_eq!(work[1].from, datetime!(2026-09-10 08:10 UTC));
    assert_eq!(work[1].to, after);
    assert_eq!(s.workload(&class.school_id, thu, thu, Some(&w.teacher.id)).await.unwrap().len(), 1);

    // Corrections are appended by the class teacher or a leader, never by others.
    assert_eq!(
        key(s.correct_service_record(&w.teacher, &class, thu, "  ", after).await.unwrap_err()),
        "err-record-correction-empty"
    );
    assert_eq!(
        forbidden(
            s.correct_service_record(&w.other_teacher, &class, thu, "x", after)
                .await
                .unwrap_err()
        ),
        "err-record-not-yours"
    );
    s.correct_service_record(&w.teacher, &class, thu, "接走时间应为 18:22", after)
        .await
        .unwrap();
    s.correct_service_record(&w.admin, &class, thu, "已与家长核实", after + time::Duration::minutes(1))
        .await
        .unwrap();
    let record = s.service_record(&class, thu).await.unwrap();
    assert_eq!(
        record
            .corrections
            .iter()
            .map(|c| (c.by.as_str(), c.text.as_str()))
            .collect::<Vec<_>>(),
        [("王老师", "接走时间应为 18:22"), ("李校长", "已与家长核实")]
    );
    assert_eq!(record.notes, "安全无事故；王小明 18:20 由奶奶接走。");

    // The leader's check, once.
    assert_eq!(
        forbidden(s.check_service_record(&w.teacher, &class, thu, after).await.unwrap_err()),
        "err-record-not-yours"
    );
    s.check_service_record(&w.admin, &class, thu, after).await.unwrap();
    assert_eq!(
        key(s.check_service_record(&w.admin, &class, thu, after).await.unwrap_err()),
        "err-record-checked"
    );
    assert_eq!(
        s.service_record(&class, thu).await.unwrap().checked.map(|c| c.0).as_deref(),
        Some("李校长")
    );

    // A request id is one hand-over: the same id for another day is refused, not answered with
    // Thursday's record.
    let reused = HandoverRequest {
        day: date!(2026 - 09 - 11),
        ..r.clone()
    };
    assert_eq!(
        key(s.record_handover(&w.teacher, &reused, after).await.unwrap_err()),
        "err-request-id-reused"
    );
    let bad_id = HandoverRequest {
        request_id: "a\u{7}b".into(),
        ..reused.clone()
    };
    assert_eq!(
        key(s.record_handover(&w.teacher, &bad_id, after).await.unwrap_err()),
        "err-request-id"
    );

    // Two signatures at once: one record, the other is told it is signed already.
    let fri = date!(2026 - 09 - 11);
    let later = datetime!(2026-09-11 10:30 UTC);
    s.mark_roll(&w.teacher, &w.child, fri, RollStatus::AbsentFromSchool, "发烧", later)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        s.sign_service_record(&w.teacher, &class, fri, "王老师", None, later),
        s.sign_service_record(&w.teacher, &class, fri, "王老师", None, later)
    );
    let mut outcomes = [a.is_ok(), b.is_ok()];
    outcomes.sort();
    assert_eq!(outcomes, [false, true]);
    assert_eq!(key(a.err().or(b.err()).unwrap()), "err-record-signed");
    assert_eq!(s.service_record(&class, fri).await.unwrap().facts.counts.absent_from_school, 1);
    // No service on a Saturday: there is no record to draft.
    assert_eq!(
        key(s.service_record(&class, date!(2026 - 09 - 12)).await.unwrap_err()),
        "err-record-no-service"
    );
}

fn unreachable_sig() -> yanshi_store::service_record::Signature {
    unreachable!("the save was refused")
}
