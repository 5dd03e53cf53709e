//! 接送码 at the door: another child's adult's code answers like an unknown one; wrong codes
//! are limited per teacher and per child, and the attempts counted are swept once outside the
//! window.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, active, active_other_child};
use time::{macros::date, macros::datetime};
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_store::people::Student;
use yanshi_store::{Actor, Backend};

contract!(
    a_code_of_another_childs_adult_is_answered_as_an_unknown_code,
    wrong_pickup_codes_are_limited_per_teacher_and_per_child,
    pickup_code_attempts_outside_the_window_are_swept,
);

/// A pickup code that belongs to another child's adult is refused exactly like a code nobody
/// has: the teacher at the door (and whoever typed it) never learns whose code it was.
async fn a_code_of_another_childs_adult_is_answered_as_an_unknown_code(backend: Backend) {
    use yanshi_domain::afternoon::PickupCode;
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let classes = s.classes(&w.child.school_id).await.unwrap();
    let g1c1 = classes.iter().find(|c| c.name == "一年级一班").unwrap();
    let other_child = s.students_of_class(&g1c1.id).await.unwrap().remove(0).0;
    let grandpa = s
        .add_pickup_adult(
            &Actor::User(w.stranger.id.clone()),
            &other_child,
            NewPickupAdult {
                name: DisplayName::parse("李爷爷").unwrap(),
                relationship: "爷爷".into(),
                phone: PhoneNumber::parse("13500135000").unwrap(),
                id_last4: None,
                photo: None,
                adult_confirmed: true,
                level: PickupLevel::Always,
            },
            NOW,
        )
        .await
        .unwrap();
    let theirs = s.issue_pickup_code(&w.stranger, &other_child, &grandpa, NOW).await.unwrap();
    let req = |code: PickupCode, id: &str| HandoverRequest {
        student: w.child.id.clone(),
        day: date!(2026 - 09 - 02),
        adult: Some(AdultRef::Code(code)),
        method: yanshi_domain::afternoon::HandoverMethod::Code,
        override_reason: None,
        request_id: id.into(),
        paper_time: None,
    };
    let by_theirs = s.record_handover(&w.teacher, &req(theirs, "c1"), NOW).await.unwrap();
    let by_nobodys = s
        .record_handover(&w.teacher, &req(PickupCode::parse("00000000").unwrap(), "c2"), NOW)
        .await
        .unwrap();
    let unknown = HandoverOutcome::Refused {
        adult_name: String::new(),
        reason: "err-pickup-refused",
    };
    assert_eq!((&by_theirs, &by_nobodys), (&unknown, &unknown));
    let refusals = s.refused_pickups(&w.child.school_id, date!(2026 - 09 - 02)).await.unwrap();
    assert_eq!(refusals.len(), 2);
    assert!(refusals.iter().all(|(_, adult, _)| adult.is_empty()), "{refusals:?}");
    let alerts = s.inbox(&w.admin.id, 10).await.unwrap().zh();
    assert!(
        alerts.iter().all(|m| !m.body.contains("李爷爷")) && alerts.iter().any(|m| m.title.contains("拒绝接走")),
        "{alerts:?}"
    );
    assert!(s.handover_of(&w.child.id, date!(2026 - 09 - 02)).await.unwrap().is_none());
}

/// 接送码 guessing: five wrong codes per teacher and five per child in ten minutes; beyond that
/// no code is looked up (not even a right one) and nothing is written for the leaders, while the
/// list still works. A burst of concurrent guesses gets no more codes looked up than that.
async fn wrong_pickup_codes_are_limited_per_teacher_and_per_child(backend: Backend) {
    use yanshi_domain::afternoon::PickupCode;
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let adult = |name: &str, phone: &str| NewPickupAdult {
        name: DisplayName::parse(name).unwrap(),
        relationship: "奶奶".into(),
        phone: PhoneNumber::parse(phone).unwrap(),
        id_last4: None,
        photo: None,
        adult_confirmed: true,
        level: PickupLevel::Always,
    };
    let grandma = s
        .add_pickup_adult(&Actor::User(w.mother.id.clone()), &w.child, adult("王奶奶", "13600136000"), NOW)
        .await
        .unwrap();
    let right = s.issue_pickup_code(&w.mother, &w.child, &grandma, NOW).await.unwrap();
    let other_child = active_other_child(&w).await;
    let wed = date!(2026 - 09 - 02);
    let n = std::sync::atomic::AtomicUsize::new(0);
    let req = |child: &Student, adult: AdultRef| HandoverRequest {
        student: child.id.clone(),
        day: wed,
        adult: Some(adult),
        method: yanshi_domain::afternoon::HandoverMethod::Code,
        override_reason: None,
        request_id: format!("g{}", n.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        paper_time: None,
    };
    let wrong = |i: u32| AdultRef::Code(PickupCode::parse(&format!("{:08}", 10_000_000 + i)).unwrap());
    let school = w.child.school_id.clone();
    let traces = || async {
        (
            s.refused_pickups(&school, wed).await.unwrap().len(),
            s.school_change_seq(&school).await.unwrap(),
            s.inbox(&w.admin.id, 100).await.unwrap().zh().len(),
        )
    };

    // Five wrong codes are refused as ever (each a refusal on the record)…
    for i in 0..5 {
        let at = NOW + time::Duration::seconds(i64::from(i));
        assert!(
            matches!(
                s.record_handover(&w.teacher, &req(&w.child, wrong(i)), at).await.unwrap(),
                HandoverOutcome::Refused { .. }
            ),
            "wrong code {i}"
        );
    }
    let after_five = traces().await;
    assert_eq!(after_five.0, 5);
    // … the sixth is one too many: not looked up, nothing written for the leaders. Nor is a
    // right code looked up now, by this teacher or by another for this child.
    let soon = NOW + time::Duration::minutes(1);
    for (who, code) in [
        (&w.teacher, wrong(5)),
        (&w.teacher, AdultRef::Code(right.clone())),
        (&w.other_teacher, AdultRef::Code(right.clone())),
    ] {
        assert_eq!(
            s.record_handover(who, &req(&w.child, code), soon).await.unwrap(),
            HandoverOutcome::TooManyWrongCodes
        );
    }
    // This teacher's codes for another child wait too; another teacher's for that child do not.
    assert_eq!(
        s.record_handover(&w.teacher, &req(&other_child, wrong(6)), soon).await.unwrap(),
        HandoverOutcome::TooManyWrongCodes
    );
    assert_eq!(traces().await, after_five, "nothing written while codes wait");
    assert!(matches!(
        s.record_handover(&w.other_teacher, &req(&other_child, wrong(7)), soon)
            .await
            .unwrap(),
        HandoverOutcome::Refused { .. }
    ));
    // Ten minutes after the last wrong code looked up, a code is checked again (the waiting
    // attempts did not prolong it).
    let later = NOW + time::Duration::seconds(4) + time::Duration::minutes(10);
    let HandoverOutcome::Recorded(h) = s
        .record_handover(&w.teacher, &req(&w.child, AdultRef::Code(right)), later)
        .await
        .unwrap()
    else {
        panic!("the right code works again after ten minutes")
    };
    assert_eq!((h.adult_name.as_str(), h.method.as_str()), ("王奶奶", "CODE"));

    // A burst of 20 concurrent wrong codes for one child, from two teachers: at most five are
    // looked up (and refused), whatever the interleaving; the rest wait.
    let thu = date!(2026 - 09 - 03);
    let burst_at = datetime!(2026-09-03 09:00 UTC);
    let mut tasks = Vec::new();
    for i in 0..20u32 {
        let who = if i % 2 == 0 { w.admin.clone() } else { w.other_teacher.clone() };
        let mut r = req(&other_child, wrong(100 + i));
        r.day = thu;
        let s = s.clone();
        tasks.push(tokio::spawn(async move { s.record_handover(&who, &r, burst_at).await.unwrap() }));
    }
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            HandoverOutcome::Refused { .. } => refused += 1,
            HandoverOutcome::TooManyWrongCodes => {}
            other => panic!("{other:?}"),
        }
    }
    // (Fewer when many commit before any counts: the limit is a ceiling, never a floor.)
    assert!(refused <= 5, "{refused} looked up");
    assert_eq!(s.refused_pickups(&school, thu).await.unwrap().len(), refused);
}

/// The periodic sweep deletes the pickup codes tried at the door once they are outside the
/// wrong-code window (school time); the ones inside it stay and still count.
async fn pickup_code_attempts_outside_the_window_are_swept(backend: Backend) {
    use yanshi_domain::afternoon::{PickupCode, WRONG_CODE_WINDOW_MINUTES};
    use yanshi_store::SessionTimeouts;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let wed = date!(2026 - 09 - 02);
    let req = |i: u32| HandoverRequest {
        student: w.child.id.clone(),
        day: wed,
        adult: Some(AdultRef::Code(PickupCode::parse(&format!("{:08}", 10_000_000 + i)).unwrap())),
        method: yanshi_domain::afternoon::HandoverMethod::Code,
        override_reason: None,
        request_id: format!("sweep{i}"),
        paper_time: None,
    };
    let t = SessionTimeouts {
        idle: time::Duration::minutes(30),
        absolute: time::Duration::hours(2),
    };
    let window = time::Duration::minutes(WRONG_CODE_WINDOW_MINUTES);
    // Two wrong codes early, five half an hour later.
    for i in 0..2 {
        let at = NOW + time::Duration::seconds(i64::from(i));
        assert!(matches!(
            s.record_handover(&w.teacher, &req(i), at).await.unwrap(),
            HandoverOutcome::Refused { .. }
        ));
    }
    let later = NOW + time::Duration::minutes(30);
    for i in 2..7 {
        let at = later + time::Duration::seconds(i64::from(i));
        assert!(matches!(
            s.record_handover(&w.teacher, &req(i), at).await.unwrap(),
            HandoverOutcome::Refused { .. }
        ));
    }
    let now = later + time::Duration::minutes(1);
    let swept = s.sweep_expired(now, t, now, now - window).await.unwrap();
    assert_eq!(swept.code_attempts, 2, "the two early attempts are outside the window");
    let again = s.sweep_expired(now, t, now, now - window).await.unwrap();
    assert_eq!(again.code_attempts, 0, "nothing twice");
    // The five inside the window still count: the next code is one too many.
    assert_eq!(
        s.record_handover(&w.teacher, &req(7), now).await.unwrap(),
        HandoverOutcome::TooManyWrongCodes
    );
    let end = now + window + time::Duration::minutes(1);
    let swept = s.sweep_expired(end, t, end, end - window).await.unwrap();
    assert_eq!(swept.code_attempts, 6, "every attempt ends, the waiting one too");
}
