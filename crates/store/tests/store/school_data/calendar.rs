//! Terms and the calendar (学期与校历): make-up days count, national holidays do not.

use super::*;

contract!(the_autumn_2026_calendar_counts_make_up_days_and_not_national_day,);

fn autumn_times() -> GradeTimes {
    let mut t = GradeTimes::default();
    for g in 1..=6 {
        t.dismissal.insert((g, 0), if g <= 2 { time!(15:30) } else { time!(16:10) });
        t.end.insert((g, Season::Summer), time!(18:00));
        t.end.insert((g, Season::Winter), time!(17:30));
    }
    t
}

async fn the_autumn_2026_calendar_counts_make_up_days_and_not_national_day(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    let term = store
        .create_term(
            &actor,
            &school.id,
            NewTerm {
                name: "2026-2027学年第一学期".into(),
                starts_on: date!(2026 - 09 - 01),
                ends_on: date!(2027 - 01 - 24),
                first_service_day: None,
                last_service_day: None,
                times: autumn_times(),
            },
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(term.dates.first_service_day, date!(2026 - 09 - 01));
    assert_eq!(
        term.dates.last_service_day,
        date!(2027 - 01 - 22),
        "the last workday before the vacation"
    );
    assert_eq!(
        store.term_on(&school.id, date!(2026 - 10 - 10)).await.unwrap().map(|t| t.id),
        Some(term.id.clone())
    );
    assert_eq!(store.term_on(&school.id, date!(2026 - 08 - 10)).await.unwrap(), None);
    let dup = store
        .create_term(
            &actor,
            &school.id,
            NewTerm {
                name: "2026-2027学年第一学期".into(),
                starts_on: date!(2026 - 09 - 01),
                ends_on: date!(2027 - 01 - 24),
                first_service_day: None,
                last_service_day: None,
                times: autumn_times(),
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(dup), "err-term-name-taken");

    store
        .add_calendar_override(
            &actor,
            &school.id,
            &SchoolOverride {
                date: date!(2026 - 10 - 20),
                kind: OverrideKind::Closed,
                grade: None,
                reason: "秋季运动会".into(),
            },
            NOW,
        )
        .await
        .unwrap();
    let again = store
        .add_calendar_override(
            &actor,
            &school.id,
            &SchoolOverride {
                date: date!(2026 - 10 - 20),
                kind: OverrideKind::Closed,
                grade: None,
                reason: "x".into(),
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(again), "err-override-exists");
    let no_reason = store
        .add_calendar_override(
            &actor,
            &school.id,
            &SchoolOverride {
                date: date!(2026 - 10 - 21),
                kind: OverrideKind::Closed,
                grade: None,
                reason: " ".into(),
            },
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(no_reason), "err-reason-required");

    let cal = store.service_calendar(term).await.unwrap();
    assert!(cal.status(date!(2026 - 09 - 20), 1).is_service());
    assert!(cal.status(date!(2026 - 10 - 10), 6).is_service());
    for d in 1..=7 {
        assert!(matches!(
            cal.status(date!(2026 - 10 - 01) + Duration::days(d - 1), 3),
            DayStatus::Holiday(_)
        ));
    }
    assert_eq!(cal.status(date!(2026 - 10 - 20), 3), DayStatus::Closed("秋季运动会".into()));
    // 2027 has no notice shipped: 元旦 is derived from the law, not a service day.
    assert_eq!(cal.status(date!(2027 - 01 - 01), 3), DayStatus::Holiday("元旦".into()));
    assert!(cal.holidays.is_derived(date!(2027 - 01 - 01)));
    assert!(cal.status(date!(2027 - 01 - 04), 3).is_service());
    let removed = store.calendar_overrides(&school.id).await.unwrap().remove(0);
    store.remove_calendar_override(&actor, &school.id, &removed.id, NOW).await.unwrap();
    let cal = store.service_calendar(cal.term).await.unwrap();
    assert!(cal.status(date!(2026 - 10 - 20), 3).is_service());
}
