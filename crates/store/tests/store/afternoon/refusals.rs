//! Refused pickups: a burst of refusals of one child is one alert that counts.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, active};
use time::macros::date;
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_store::{Actor, Backend};

contract!(refusals_of_one_child_within_minutes_are_one_alert_that_counts,);

/// The father with a custody limit tries six times in a few minutes: every refusal is on the
/// record, the leaders get one message, and the afternoon page counts the six. Ten minutes after
/// the first, a refusal alerts again; codes held back by the limit are counted beside it; two
/// instances refusing at once still send one message.
async fn refusals_of_one_child_within_minutes_are_one_alert_that_counts(backend: Backend) {
    use yanshi_domain::afternoon::PickupCode;
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let father = s
        .add_pickup_adult(
            &Actor::User(w.mother.id.clone()),
            &w.child,
            NewPickupAdult {
                name: DisplayName::parse("王某").unwrap(),
                relationship: "父亲".into(),
                phone: PhoneNumber::parse("13600136002").unwrap(),
                id_last4: None,
                photo: None,
                adult_confirmed: true,
                level: PickupLevel::Never,
            },
            NOW,
        )
        .await
        .unwrap();
    let n = std::sync::atomic::AtomicUsize::new(0);
    let req = |day, adult: AdultRef| HandoverRequest {
        student: w.child.id.clone(),
        day,
        adult: Some(adult),
        method: yanshi_domain::afternoon::HandoverMethod::List,
        override_reason: None,
        request_id: format!("f{}", n.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        paper_time: None,
    };
    let school = w.child.school_id.clone();
    let messages = || async {
        s.inbox(&w.admin.id, 100)
            .await
            .unwrap()
            .zh()
            .into_iter()
            .filter(|m| m.title.contains("拒绝接走"))
            .count()
    };
    let wed = date!(2026 - 09 - 02);
    for i in 0..6 {
        let at = NOW + time::Duration::minutes(i);
        let who = if i % 2 == 0 { &w.teacher } else { &w.admin };
        let out = s
            .record_handover(who, &req(wed, AdultRef::Listed(father.clone())), at)
            .await
            .unwrap();
        assert!(matches!(out, HandoverOutcome::Refused { .. }), "{out:?}");
    }
    assert_eq!(s.refused_pickups(&school, wed).await.unwrap().len(), 6, "each on the record");
    assert_eq!(messages().await, 1, "one message for the leaders");
    let alerts = s.refusal_alerts(&school, wed).await.unwrap();
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(
        (
            a.student.as_str(),
            a.class.as_deref(),
            a.burst_refusals,
            a.refusals_today,
            a.codes_held_back
        ),
        ("王小明", Some("三年级二班"), 6, 6, 0)
    );
    assert_eq!((a.burst_started, a.burst_last), (NOW, NOW + time::Duration::minutes(5)));

    // Ten minutes after the first: a new burst, a new message; the day's total goes on.
    let later = NOW + time::Duration::minutes(10);
    s.record_handover(&w.teacher, &req(wed, AdultRef::Listed(father.clone())), later)
        .await
        .unwrap();
    assert_eq!(messages().await, 2);
    // Then wrong codes: five refused into the same burst, two held back by the limit.
    for i in 0..7 {
        let code = PickupCode::parse(&format!("2000000{i}")).unwrap();
        s.record_handover(&w.admin, &req(wed, AdultRef::Code(code)), later).await.unwrap();
    }
    assert_eq!(messages().await, 2, "no message for the codes");
    let a = s.refusal_alerts(&school, wed).await.unwrap().remove(0);
    assert_eq!(
        (a.burst_started, a.burst_refusals, a.refusals_today, a.codes_held_back),
        (later, 6, 12, 2)
    );

    // Thursday, four refusals at the same instant (two instances, say): one message.
    let thu = date!(2026 - 09 - 03);
    let mut tasks = Vec::new();
    for who in [w.teacher.clone(), w.admin.clone(), w.other_teacher.clone(), w.admin.clone()] {
        let (s, r) = (s.clone(), req(thu, AdultRef::Listed(father.clone())));
        tasks.push(tokio::spawn(async move { s.record_handover(&who, &r, NOW).await.unwrap() }));
    }
    for t in tasks {
        assert!(matches!(t.await.unwrap(), HandoverOutcome::Refused { .. }));
    }
    assert_eq!(messages().await, 3);
    let a = s.refusal_alerts(&school, thu).await.unwrap().remove(0);
    assert_eq!((a.burst_refusals, a.refusals_today), (4, 4));
}
