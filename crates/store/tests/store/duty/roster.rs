//! The roster: posts as typed, a term generated (every post covered, rules kept, fair), short
//! posts with their reason, publishing, regeneration that keeps the past, hand edits refused.

use crate::fixtures::{NOW, World, account, forbidden, key};
use time::macros::date;
use yanshi_domain::duty::PostKind;
use yanshi_domain::duty::post::{PostSpec, Unavailable};
use yanshi_domain::duty::solver::LpSolver;
use yanshi_domain::role::Role;
use yanshi_store::Backend;
use yanshi_store::duty::DutySettings;

contract!(
    a_term_is_generated_fair_and_within_the_rules,
    a_post_nobody_can_take_is_reported_with_its_reason,
    a_hand_edit_keeps_the_rules,
);

fn post(kind: &str, name: &str, starts: &str, ends: &str, needs: &str) -> PostSpec {
    PostSpec::parse(kind, name, &[1, 2, 3, 4, 5], &[], starts, ends, needs, "100", &[]).unwrap()
}

async fn a_term_is_generated_fair_and_within_the_rules(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    let t1 = account(s, &w.school, Role::Teacher, "sun", "孙老师", NOW).await;
    let t2 = account(s, &w.school, Role::Teacher, "zhou", "周老师", NOW).await;
    let hallway = s
        .save_duty_post(
            &w.admin,
            &w.school.id,
            None,
            &post("HALLWAY", "一楼楼道", "16:00", "17:00", "1"),
            true,
            NOW,
        )
        .await
        .unwrap();
    let leader = s
        .save_duty_post(
            &w.admin,
            &w.school.id,
            None,
            &post("LEADER", "值班领导", "16:00", "18:00", "1"),
            true,
            NOW,
        )
        .await
        .unwrap();
    // Only leaders set duty up.
    assert_eq!(
        forbidden(
            s.save_duty_post(
                &w.teacher,
                &w.school.id,
                None,
                &post("GATE", "东门", "16:00", "17:00", "1"),
                true,
                NOW
            )
            .await
            .unwrap_err()
        ),
        "err-duty-not-leader"
    );
    s.set_duty_settings(
        &w.admin,
        &w.school.id,
        &DutySettings {
            max_per_week: 3,
            swaps_need_leader: true,
            leader_minutes: 10,
        },
        NOW,
    )
    .await
    .unwrap();
    // The one admin may lead every day.
    s.set_duty_limit(&w.admin, &w.admin.id, Some(7), false, NOW).await.unwrap();
    // 孙老师 cannot serve on Mondays; 周老师 not on 2026-09-08.
    s.declare_unavailable(&t1, &t1.id, Unavailable::Weekday(1), "周一下午教研", NOW)
        .await
        .unwrap();
    s.declare_unavailable(&w.admin, &t2.id, Unavailable::Date(date!(2026 - 09 - 08)), "外出培训", NOW)
        .await
        .unwrap();
    assert_eq!(
        key(s
            .declare_unavailable(&t1, &t1.id, Unavailable::Weekday(1), "again", NOW)
            .await
            .unwrap_err()),
        "err-duty-unavailable-twice"
    );
    assert_eq!(
        forbidden(
            s.declare_unavailable(&t1, &t2.id, Unavailable::Weekday(2), "not mine", NOW)
                .await
                .unwrap_err()
        ),
        "err-duty-not-yours"
    );

    let g = s
        .generate_roster(&w.admin, &w.term.id, None, &LpSolver::default(), NOW)
        .await
        .unwrap();
    let turns = s
        .duty_turns(&w.term.id, false, w.term.dates.first_service_day, w.term.dates.last_service_day)
        .await
        .unwrap();
    assert!(g.turns > 100, "{g:?}");
    // The leader post has one admin: covered every day by 李校长 alone; the hallway every day.
    for t in &turns {
        assert!(t.day >= date!(2026 - 09 - 02));
        match t.kind {
            PostKind::Leader => assert_eq!(t.user_id, w.admin.id),
            PostKind::Hallway => assert_ne!(t.user_id, w.admin.id, "an admin's leader turn overlaps the hallway"),
            other => panic!("unexpected {other:?}"),
        }
        if t.user_id == t1.id {
            assert_ne!(t.day.weekday(), time::Weekday::Monday, "孙老师 placed on a Monday");
        }
        if t.user_id == t2.id {
            assert_ne!(t.day, date!(2026 - 09 - 08));
        }
    }
    let days: std::collections::BTreeSet<_> = turns.iter().filter(|t| t.post.as_ref() == Some(&hallway)).map(|t| t.day).collect();
    let leader_days: std::collections::BTreeSet<_> = turns.iter().filter(|t| t.post.as_ref() == Some(&leader)).map(|t| t.day).collect();
    assert_eq!(days, leader_days, "every service day has both posts");
    // At most three a week each (the school's limit), counting hallway turns.
    let mut per_week = std::collections::HashMap::new();
    for t in turns.iter().filter(|t| t.kind == PostKind::Hallway) {
        let (y, wk, _) = t.day.to_iso_week_date();
        *per_week.entry((t.user_id.clone(), y, wk)).or_insert(0) += 1;
    }
    assert!(per_week.values().all(|n| *n <= 3), "{per_week:?}");
    assert!(g.short.is_empty(), "{:?}", g.short);
    assert!(g.spread >= g.spread_bound);

    // Nothing is published yet: staff see no turns; publishing tells everyone with a turn.
    assert!(
        s.my_duty_turns(&t1.id, date!(2026 - 09 - 01), date!(2027 - 01 - 31))
            .await
            .unwrap()
            .is_empty()
    );
    let told = s.publish_roster(&w.admin, &w.term.id, NOW).await.unwrap();
    assert!(told >= 3, "{told}");
    let mine = s.my_duty_turns(&t1.id, date!(2026 - 09 - 01), date!(2027 - 01 - 31)).await.unwrap();
    assert!(!mine.is_empty());
    assert_eq!(
        forbidden(s.publish_roster(&w.teacher, &w.term.id, NOW).await.unwrap_err()),
        "err-duty-not-leader"
    );

    // Regenerated from a later day with nothing changed: the past stays, nothing moves.
    let later = NOW + time::Duration::days(14);
    let g2 = s
        .generate_roster(&w.admin, &w.term.id, None, &LpSolver::default(), later)
        .await
        .unwrap();
    assert_eq!(g2.changes, 0, "{g2:?}");
    let before: Vec<_> = s
        .duty_turns(&w.term.id, true, date!(2026 - 09 - 01), date!(2026 - 09 - 15))
        .await
        .unwrap();
    s.publish_roster(&w.admin, &w.term.id, later).await.unwrap();
    let after: Vec<_> = s
        .duty_turns(&w.term.id, true, date!(2026 - 09 - 01), date!(2026 - 09 - 15))
        .await
        .unwrap();
    let people = |v: &[yanshi_store::duty::Turn]| v.iter().map(|t| (t.day, t.place.clone(), t.user_id.clone())).collect::<Vec<_>>();
    assert_eq!(people(&before), people(&after));
}

async fn a_post_nobody_can_take_is_reported_with_its_reason(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    // Two duty leaders a day, and the school has one admin (who may serve every day).
    s.set_duty_settings(
        &w.admin,
        &w.school.id,
        &DutySettings {
            max_per_week: 10,
            swaps_need_leader: true,
            leader_minutes: 10,
        },
        NOW,
    )
    .await
    .unwrap();
    s.save_duty_post(
        &w.admin,
        &w.school.id,
        None,
        &post("LEADER", "值班领导", "16:00", "18:00", "2"),
        true,
        NOW,
    )
    .await
    .unwrap();
    let g = s
        .generate_roster(&w.admin, &w.term.id, None, &LpSolver::default(), NOW)
        .await
        .unwrap();
    assert!(!g.short.is_empty());
    assert!(
        g.short.iter().all(|p| p.missing == 1 && p.place == "值班领导"),
        "{:?}",
        &g.short[..3]
    );
    assert!(
        g.short
            .iter()
            .all(|p| p.reason_key == "ui-duty-short-nobody-eligible" || p.reason_key == "ui-duty-short-limits")
    );
    let (state, changed, published) = s.roster_state(&w.term.id).await.unwrap();
    assert_eq!(state.unwrap().short.len(), g.short.len());
    assert!(changed && published.is_none());
}

async fn a_hand_edit_keeps_the_rules(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    let volunteer = account(s, &w.school, Role::Volunteer, "vol", "陈阿姨", NOW).await;
    let mut gate = post("GATE", "东门", "16:30", "17:30", "2");
    gate.roles = vec![Role::ClassTeacher, Role::Volunteer];
    let gate = s.save_duty_post(&w.admin, &w.school.id, None, &gate, true, NOW).await.unwrap();
    let hallway = s
        .save_duty_post(
            &w.admin,
            &w.school.id,
            None,
            &post("HALLWAY", "一楼楼道", "17:00", "18:00", "1"),
            true,
            NOW,
        )
        .await
        .unwrap();
    let day = date!(2026 - 09 - 03);
    let term = &w.term.id;
    // An unvetted volunteer is never placed; a vetted one never alone on a post, beside a teacher
    // it is fine.
    assert_eq!(
        key(s
            .assign_duty_turn(&w.admin, term, day, &gate, &volunteer.id, NOW)
            .await
            .unwrap_err()),
        "err-plan-volunteer-unvetted"
    );
    crate::fixtures::vet(&w, &volunteer).await;
    assert_eq!(
        key(s
            .assign_duty_turn(&w.admin, term, day, &gate, &volunteer.id, NOW)
            .await
            .unwrap_err()),
        "err-duty-volunteer-alone"
    );
    s.assign_duty_turn(&w.admin, term, day, &gate, &w.teacher.id, NOW).await.unwrap();
    let v = s.assign_duty_turn(&w.admin, term, day, &gate, &volunteer.id, NOW).await.unwrap();
    let _ = v;
    // Nor can the teacher be taken off, leaving the volunteer alone.
    let turns = s.duty_turns(term, false, day, day).await.unwrap();
    let teachers = turns.iter().find(|t| t.user_id == w.teacher.id).unwrap();
    assert_eq!(
        key(s.remove_duty_turn(&w.admin, &teachers.id, NOW).await.unwrap_err()),
        "err-duty-volunteer-alone"
    );
    // No two posts at once; not twice on a post; roles; past days; outside the term.
    assert_eq!(
        key(s
            .assign_duty_turn(&w.admin, term, day, &hallway, &w.teacher.id, NOW)
            .await
            .unwrap_err()),
        "err-duty-overlap"
    );
    assert_eq!(
        key(s
            .assign_duty_turn(&w.admin, term, day, &gate, &w.teacher.id, NOW)
            .await
            .unwrap_err()),
        "err-duty-already-on-post"
    );
    assert_eq!(
        key(s.assign_duty_turn(&w.admin, term, day, &gate, &w.admin.id, NOW).await.unwrap_err()),
        "err-duty-role"
    );
    assert_eq!(
        key(s
            .assign_duty_turn(&w.admin, term, date!(2026 - 09 - 01), &gate, &w.other_teacher.id, NOW)
            .await
            .unwrap_err()),
        "err-duty-day-past"
    );
    assert_eq!(
        key(s
            .assign_duty_turn(&w.admin, term, date!(2027 - 03 - 01), &gate, &w.other_teacher.id, NOW)
            .await
            .unwrap_err()),
        "err-duty-day-outside-term"
    );
    // Unavailable, excluded and the weekly limit.
    s.declare_unavailable(&w.other_teacher, &w.other_teacher.id, Unavailable::Date(day), "家中有事", NOW)
        .await
        .unwrap();
    assert_eq!(
        key(s
            .assign_duty_turn(&w.admin, term, day, &hallway, &w.other_teacher.id, NOW)
            .await
            .unwrap_err()),
        "err-duty-unavailable"
    );
    s.set_duty_limit(&w.admin, &w.other_teacher.id, Some(1), false, NOW).await.unwrap();
    s.assign_duty_turn(&w.admin, term, date!(2026 - 09 - 04), &hallway, &w.other_teacher.id, NOW)
        .await
        .unwrap();
    assert_eq!(
        key(s
            .assign_duty_turn(&w.admin, term, date!(2026 - 09 - 02), &hallway, &w.other_teacher.id, NOW)
            .await
            .unwrap_err()),
        "err-duty-week-limit"
    );
    s.set_duty_limit(&w.admin, &w.teacher.id, None, true, NOW).await.unwrap();
    assert_eq!(
        key(s
            .assign_duty_turn(&w.admin, term, date!(2026 - 09 - 10), &hallway, &w.teacher.id, NOW)
            .await
            .unwrap_err()),
        "err-duty-excluded"
    );
    // A teacher cannot edit the roster.
    assert_eq!(
        forbidden(
            s.assign_duty_turn(&w.teacher, term, day, &hallway, &w.other_teacher.id, NOW)
                .await
                .unwrap_err()
        ),
        "err-duty-not-leader"
    );
    // A post changed keeps its id and turns; another school's id names nothing here.
    let mut later = post("HALLWAY", "一楼楼道（东）", "17:00", "18:00", "2");
    later.weekdays = vec![1, 3];
    s.save_duty_post(&w.admin, &w.school.id, Some(&hallway), &later, false, NOW)
        .await
        .unwrap();
    let changed = s.duty_post(&w.school.id, &hallway).await.unwrap();
    assert_eq!(
        (
            changed.spec.name.as_str(),
            changed.spec.needs,
            changed.spec.weekdays.clone(),
            changed.active
        ),
        ("一楼楼道（东）", 2, vec![1, 3], false)
    );
    assert_eq!(s.duty_posts(&w.school.id).await.unwrap().len(), 2);
    let elsewhere = s
        .create_school(&yanshi_store::Actor::Cli, "别的小学", "Asia/Shanghai", false, NOW)
        .await
        .unwrap();
    assert!(matches!(
        s.save_duty_post(&w.admin, &elsewhere.id, Some(&hallway), &later, true, NOW).await,
        Err(yanshi_store::StoreError::Forbidden(_))
    ));
    assert!(matches!(
        s.duty_post(&elsewhere.id, &hallway).await,
        Err(yanshi_store::StoreError::NotFound)
    ));
    // Posts are checked as typed.
    assert_eq!(
        PostSpec::parse("HALLWAY", "楼道", &[1], &[], "17:00", "16:00", "1", "100", &[])
            .unwrap_err()
            .key,
        "err-duty-post-times"
    );
}
