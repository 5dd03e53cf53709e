//! 值班 in the afternoon's watch: a late pickup's waiting-room and decision alerts go to the
//! day's duty leader (值班领导) and the waiting room's teacher, the other leaders hear of them
//! only when the duty leader has not acted in time, and each person is reminded of the next
//! day's turns once.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, account, active};
use time::{Date, macros::date, macros::datetime};
use yanshi_domain::afternoon::{LateDecision, RollStatus};
use yanshi_domain::duty::post::PostSpec;
use yanshi_domain::ids::UserId;
use yanshi_domain::role::Role;
use yanshi_store::{Backend, User};

contract!(
    the_duty_leader_hears_first_and_the_others_only_when_nobody_acts,
    without_a_duty_leader_every_leader_hears_and_nothing_escalates,
    each_person_is_reminded_of_tomorrows_turns_once,
);

/// Thursday 10 September: the service ends at 18:00 Beijing time (10:00 UTC).
const THU: Date = date!(2026 - 09 - 10);

/// 李校长 the duty leader and 赵老师 in the waiting room on Thursday, published; 陈副校长 a
/// second leader off duty. Returns 陈副校长.
async fn roster(w: &World) -> User {
    let s = &w.store;
    let vice = account(s, &w.school, Role::SchoolAdmin, "vice", "陈副校长", NOW).await;
    let post = |kind, name, starts, ends, roles: &[Role]| {
        PostSpec::parse(kind, name, &[1, 2, 3, 4, 5], &[], starts, ends, "1", "100", roles).unwrap()
    };
    let leader = post("LEADER", "值班领导", "17:30", "19:30", &[Role::SchoolAdmin]);
    let room = post("WAITING_ROOM", "等候室", "18:00", "19:30", &[]);
    let gate = post("GATE", "校门", "16:00", "17:00", &[]);
    let mut placed = Vec::new();
    for (spec, who) in [(leader, &w.admin.id), (room, &w.other_teacher.id), (gate, &w.teacher.id)] {
        let id = s.save_duty_post(&w.admin, &w.school.id, None, &spec, true, NOW).await.unwrap();
        placed.push(s.assign_duty_turn(&w.admin, &w.term.id, THU, &id, who, NOW).await.unwrap());
    }
    assert_eq!(s.publish_roster(&w.admin, &w.term.id, NOW).await.unwrap(), 3);
    vice
}

/// How many of a person's inbox titles (in Chinese) start with `prefix`.
async fn titled(w: &World, who: &UserId, prefix: &str) -> usize {
    let inbox = w.store.inbox(who, 100).await.unwrap().zh();
    inbox.iter().filter(|m| m.title.starts_with(prefix)).count()
}

async fn the_duty_leader_hears_first_and_the_others_only_when_nobody_acts(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let vice = roster(&w).await;
    s.mark_roll(&w.teacher, &w.child, THU, RollStatus::Present, "", NOW).await.unwrap();
    // The guardians at 18:00, the call list at 18:10, the waiting room at 18:30.
    for at in [datetime!(2026-09-10 10:00 UTC), datetime!(2026-09-10 10:10 UTC)] {
        assert_eq!(s.afternoon_sweep(at).await.unwrap(), 1);
    }
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:30 UTC)).await.unwrap(), 1);
    let room = "迟接：王小明 转到等候室";
    assert_eq!(titled(&w, &w.admin.id, room).await, 1, "the duty leader");
    assert_eq!(titled(&w, &w.other_teacher.id, room).await, 1, "the waiting room's teacher");
    assert_eq!(titled(&w, &vice.id, room).await, 0, "a leader off duty is not told yet");
    assert_eq!(
        titled(&w, &w.teacher.id, room).await,
        0,
        "the gate's teacher has nothing to do with it"
    );

    // Nine minutes on, nothing; after the school's ten, the other leaders are told, once.
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:39 UTC)).await.unwrap(), 0);
    let escalated = "迟接未处理：王小明";
    assert_eq!(titled(&w, &vice.id, escalated).await, 0);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:40 UTC)).await.unwrap(), 1);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:45 UTC)).await.unwrap(), 0);
    let inbox = s.inbox(&vice.id, 10).await.unwrap().zh();
    let told: Vec<_> = inbox.iter().filter(|m| m.title.starts_with(escalated)).collect();
    assert_eq!(told.len(), 1, "{inbox:?}");
    assert!(
        told[0]
            .body
            .contains("三年级二班王小明 18:30 转到等候室，值班领导李校长在 10 分钟内未处理"),
        "{}",
        told[0].body
    );
    assert_eq!(titled(&w, &w.admin.id, escalated).await, 0, "not the duty leader himself");
    assert_eq!(titled(&w, &w.other_teacher.id, escalated).await, 0);

    // The duty leader decides at 18:50: the decision alert at 19:00 goes to him, and does not
    // escalate however long it stays.
    s.record_late_decision(
        &w.admin,
        &w.child,
        THU,
        LateDecision::KeepWaiting,
        "母亲电话未接，继续联系",
        datetime!(2026-09-10 10:50 UTC),
    )
    .await
    .unwrap();
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 11:00 UTC)).await.unwrap(), 1);
    assert_eq!(titled(&w, &w.admin.id, "迟接待决定：王小明").await, 1);
    assert_eq!(titled(&w, &vice.id, "迟接待决定：王小明").await, 0);
    for at in [datetime!(2026-09-10 11:10 UTC), datetime!(2026-09-10 11:40 UTC)] {
        assert_eq!(s.afternoon_sweep(at).await.unwrap(), 0);
    }
    assert_eq!(titled(&w, &vice.id, "迟接待决定未处理").await, 0);
    assert_eq!(titled(&w, &vice.id, escalated).await, 1);
}

async fn without_a_duty_leader_every_leader_hears_and_nothing_escalates(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    // The roster names people on Thursday only: Friday has no duty leader.
    let vice = roster(&w).await;
    let fri = date!(2026 - 09 - 11);
    s.mark_roll(&w.teacher, &w.child, fri, RollStatus::Present, "", NOW).await.unwrap();
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-11 10:30 UTC)).await.unwrap(), 3);
    let room = "迟接：王小明 转到等候室";
    for leader in [&w.admin.id, &vice.id] {
        assert_eq!(titled(&w, leader, room).await, 1);
    }
    assert_eq!(titled(&w, &w.other_teacher.id, room).await, 0, "not on Friday's roster");
    for at in [datetime!(2026-09-11 10:45 UTC), datetime!(2026-09-11 11:30 UTC)] {
        s.afternoon_sweep(at).await.unwrap();
    }
    assert_eq!(titled(&w, &vice.id, "迟接未处理").await, 0);
    assert_eq!(titled(&w, &vice.id, "迟接待决定：王小明").await, 1);
}

async fn each_person_is_reminded_of_tomorrows_turns_once(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    let vice = roster(&w).await;
    // Wednesday 16:59 in Shanghai: not yet; from 17:00 each of the three, once.
    assert_eq!(s.duty_reminder_sweep(datetime!(2026-09-09 08:59 UTC)).await.unwrap(), 0);
    assert_eq!(s.duty_reminder_sweep(datetime!(2026-09-09 09:00 UTC)).await.unwrap(), 3);
    assert_eq!(s.duty_reminder_sweep(datetime!(2026-09-09 09:00 UTC)).await.unwrap(), 0);
    assert_eq!(s.duty_reminder_sweep(datetime!(2026-09-09 14:00 UTC)).await.unwrap(), 0);
    let inbox = s.inbox(&w.other_teacher.id, 10).await.unwrap().zh();
    let reminders: Vec<_> = inbox.iter().filter(|m| m.title.starts_with("明天值班")).collect();
    assert_eq!(reminders.len(), 1, "{inbox:?}");
    assert_eq!(reminders[0].title, "明天值班：2026-09-10 周四");
    assert!(reminders[0].body.contains("等候室 18:00–19:30"), "{}", reminders[0].body);
    assert_eq!(titled(&w, &w.admin.id, "明天值班").await, 1);
    assert_eq!(titled(&w, &vice.id, "明天值班").await, 0, "no turn tomorrow");
    // Thursday evening: Friday has no turns, nobody is told anything more.
    assert_eq!(s.duty_reminder_sweep(datetime!(2026-09-10 10:00 UTC)).await.unwrap(), 0);
    assert_eq!(titled(&w, &w.admin.id, "明天值班").await, 1);
}
