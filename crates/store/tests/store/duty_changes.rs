//! 换班, 请假 and 代班, 值班记录: changes to the published duty roster. A hallway post and a
//! gate post that admits volunteers; three teachers without a class (孙, 周, 吴) and a
//! volunteer (钱) besides the world's class teachers, who carry their class's care 16:10–18:00.

use crate::fixtures::{NOW, World, account, forbidden, key, refusal};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};
use yanshi_domain::duty::post::{PostSpec, Unavailable};
use yanshi_domain::duty::swap::{SwapStatus, SwapStep};
use yanshi_domain::ids::{DutyPostId, TurnId, UserId};
use yanshi_domain::role::Role;
use yanshi_store::duty::{DutySettings, GapKind, TurnSource};
use yanshi_store::{Backend, Store, User};

contract!(
    a_swap_is_proposed_accepted_and_approved,
    a_swap_stands_once_accepted_when_the_school_says_so,
    a_swap_to_someone_who_cannot_take_the_turn_is_refused,
    an_absence_opens_gaps_that_the_fairest_cover_fills,
    the_signed_record_gives_the_session_to_the_cover,
    the_duty_log_is_signed_once_by_the_person_on_duty,
);

const WED: Date = date!(2026 - 09 - 09);
const THU: Date = date!(2026 - 09 - 10);

struct Duty {
    w: World,
    sun: User,
    zhou: User,
    wu: User,
    qian: User,
    hallway: DutyPostId,
    gate: DutyPostId,
}

async fn duty(backend: Backend) -> Duty {
    let w = World::new(backend).await;
    let s = &w.store;
    let sun = account(s, &w.school, Role::Teacher, "sunli", "孙老师", NOW).await;
    let zhou = account(s, &w.school, Role::Teacher, "zhouqi", "周老师", NOW).await;
    let wu = account(s, &w.school, Role::Teacher, "wuhan", "吴老师", NOW).await;
    let qian = account(s, &w.school, Role::Volunteer, "qianyi", "钱志愿者", NOW).await;
    let spec = |kind, name, starts, ends, roles: &[Role]| {
        PostSpec::parse(kind, name, &[1, 2, 3, 4, 5], &[], starts, ends, "1", "100", roles).unwrap()
    };
    let hallway = s
        .save_duty_post(
            &w.admin,
            &w.school.id,
            None,
            &spec("HALLWAY", "一楼楼道", "16:00", "17:30", &[]),
            true,
            NOW,
        )
        .await
        .unwrap();
    let gate = s
        .save_duty_post(
            &w.admin,
            &w.school.id,
            None,
            &spec("GATE", "东门", "17:30", "18:30", &[Role::Teacher, Role::Volunteer]),
            true,
            NOW,
        )
        .await
        .unwrap();
    Duty {
        w,
        sun,
        zhou,
        wu,
        qian,
        hallway,
        gate,
    }
}

impl Duty {
    fn s(&self) -> &Store {
        &self.w.store
    }

    async fn assign(&self, day: Date, post: &DutyPostId, who: &User) {
        self.s()
            .assign_duty_turn(&self.w.admin, &self.w.term.id, day, post, &who.id, NOW)
            .await
            .unwrap();
    }

    async fn publish(&self) {
        self.s().publish_roster(&self.w.admin, &self.w.term.id, NOW).await.unwrap();
    }

    /// Who holds `post` on `day`, published and draft.
    async fn holders(&self, day: Date, post: &DutyPostId) -> (Vec<String>, Vec<String>) {
        let of = |published| async move {
            self.s()
                .duty_turns(&self.w.term.id, published, day, day)
                .await
                .unwrap()
                .into_iter()
                .filter(|t| t.post.as_ref() == Some(post))
                .map(|t| t.user_name)
                .collect::<Vec<_>>()
        };
        (of(true).await, of(false).await)
    }

    async fn turn_of(&self, day: Date, post: &DutyPostId, who: &User) -> TurnId {
        self.s()
            .my_duty_turns(&who.id, day, day)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.post.as_ref() == Some(post))
            .unwrap()
            .id
    }

    async fn inbox_keys(&self, who: &User) -> Vec<String> {
        self.s()
            .inbox(&who.id, 50)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|m| m.message.map(|m| m.key))
            .collect()
    }

    async fn actions(&self) -> Vec<String> {
        self.s()
            .audit_entries(Some(&self.w.school.id), 200)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

async fn a_swap_is_proposed_accepted_and_approved(backend: Backend) {
    let d = duty(backend).await;
    let s = d.s();
    d.assign(WED, &d.hallway, &d.sun).await;
    d.assign(THU, &d.hallway, &d.zhou).await;
    d.publish().await;
    let wed = d.turn_of(WED, &d.hallway, &d.sun).await;
    let thu = d.turn_of(THU, &d.hallway, &d.zhou).await;

    // 孙 offers Wednesday to 周 and asks for 周's Thursday back.
    let id = s
        .propose_duty_swap(&d.sun, &wed, &d.zhou.id, Some(&thu), " 周三要开家长会 ", NOW)
        .await
        .unwrap();
    assert!(d.inbox_keys(&d.zhou).await.contains(&"msg-duty-swap-proposed".to_string()));
    assert_eq!(
        key(s.propose_duty_swap(&d.sun, &wed, &d.wu.id, None, "", NOW).await.unwrap_err()),
        "err-duty-swap-open",
        "one open swap per turn"
    );
    // Only the colleague answers, only a leader approves, and only once accepted.
    assert_eq!(
        forbidden(s.duty_swap_step(&d.sun, &id, SwapStep::Accept, NOW).await.unwrap_err()),
        "err-duty-swap-not-yours"
    );
    assert_eq!(
        key(s.duty_swap_step(&d.w.admin, &id, SwapStep::Approve, NOW).await.unwrap_err()),
        "err-duty-swap-step"
    );
    assert_eq!(
        s.duty_swap_step(&d.zhou, &id, SwapStep::Accept, NOW).await.unwrap(),
        SwapStatus::Accepted
    );
    assert!(d.inbox_keys(&d.sun).await.contains(&"msg-duty-swap-accepted".to_string()));
    assert!(d.inbox_keys(&d.w.admin).await.contains(&"msg-duty-swap-to-approve".to_string()));
    assert_eq!(d.holders(WED, &d.hallway).await.0, ["孙老师"], "accepted is not yet applied");
    assert_eq!(
        forbidden(s.duty_swap_step(&d.zhou, &id, SwapStep::Approve, NOW).await.unwrap_err()),
        "err-duty-swap-not-yours"
    );
    assert_eq!(
        s.duty_swap_step(&d.w.admin, &id, SwapStep::Approve, NOW).await.unwrap(),
        SwapStatus::Approved
    );

    // Both turns changed hands, published and draft, marked as a swap's.
    assert_eq!(d.holders(WED, &d.hallway).await, (vec!["周老师".into()], vec!["周老师".into()]));
    assert_eq!(d.holders(THU, &d.hallway).await, (vec!["孙老师".into()], vec!["孙老师".into()]));
    let (turn, ..) = s.duty_turn(&wed).await.unwrap();
    assert_eq!(turn.source, TurnSource::Swap);
    assert!(d.inbox_keys(&d.zhou).await.contains(&"msg-duty-swap-approved".to_string()));
    let swap = s.duty_swap(&id).await.unwrap();
    assert_eq!((swap.status, swap.note.as_str()), (SwapStatus::Approved, "周三要开家长会"));
    let actions = d.actions().await;
    for a in ["duty.swap_proposed", "duty.swap_accepted", "duty.swap_approved"] {
        assert!(actions.contains(&a.to_string()), "{a} audited");
    }
    // Ended: no further step.
    assert_eq!(
        key(s.duty_swap_step(&d.sun, &id, SwapStep::Withdraw, NOW).await.unwrap_err()),
        "err-duty-swap-step"
    );

    // Declined and withdrawn swaps change nothing; a swap whose day has passed lapses.
    let back = s.propose_duty_swap(&d.sun, &thu, &d.wu.id, None, "", NOW).await.unwrap();
    assert_eq!(
        s.duty_swap_step(&d.wu, &back, SwapStep::Decline, NOW).await.unwrap(),
        SwapStatus::Declined
    );
    let again = s.propose_duty_swap(&d.sun, &thu, &d.wu.id, None, "", NOW).await.unwrap();
    assert_eq!(
        s.duty_swap_step(&d.sun, &again, SwapStep::Withdraw, NOW).await.unwrap(),
        SwapStatus::Withdrawn
    );
    let late = s.propose_duty_swap(&d.sun, &thu, &d.wu.id, None, "", NOW).await.unwrap();
    let friday: OffsetDateTime = datetime!(2026-09-11 02:00 UTC);
    assert_eq!(
        key(s.duty_swap_step(&d.wu, &late, SwapStep::Accept, friday).await.unwrap_err()),
        "err-duty-swap-lapsed"
    );
    assert_eq!(s.duty_swap(&late).await.unwrap().status, SwapStatus::Lapsed);
    // Nobody acts on one: listing lapses it all the same, once, told and audited.
    let forgotten = s.propose_duty_swap(&d.sun, &thu, &d.wu.id, None, "", NOW).await.unwrap();
    assert_eq!(s.lapse_duty_swaps(&d.w.school.id, NOW).await.unwrap(), 0);
    assert_eq!(s.lapse_duty_swaps(&d.w.school.id, friday).await.unwrap(), 1);
    assert_eq!(s.lapse_duty_swaps(&d.w.school.id, friday).await.unwrap(), 0);
    assert_eq!(s.duty_swap(&forgotten).await.unwrap().status, SwapStatus::Lapsed);
    assert!(d.inbox_keys(&d.wu).await.contains(&"msg-duty-swap-lapsed".to_string()));
    assert_eq!(d.holders(THU, &d.hallway).await.0, ["孙老师"]);
    let mine: Vec<_> = s
        .duty_swaps(&d.w.school.id, Some(&d.wu.id))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.status)
        .collect();
    assert_eq!(
        mine,
        [SwapStatus::Lapsed, SwapStatus::Lapsed, SwapStatus::Withdrawn, SwapStatus::Declined]
    );
}

async fn a_swap_stands_once_accepted_when_the_school_says_so(backend: Backend) {
    let d = duty(backend).await;
    let s = d.s();
    let settings = DutySettings {
        swaps_need_leader: false,
        ..DutySettings::default()
    };
    s.set_duty_settings(&d.w.admin, &d.w.school.id, &settings, NOW).await.unwrap();
    d.assign(WED, &d.hallway, &d.sun).await;
    d.publish().await;
    let wed = d.turn_of(WED, &d.hallway, &d.sun).await;
    let id = s.propose_duty_swap(&d.sun, &wed, &d.wu.id, None, "", NOW).await.unwrap();
    assert_eq!(
        s.duty_swap_step(&d.wu, &id, SwapStep::Accept, NOW).await.unwrap(),
        SwapStatus::Approved
    );
    assert_eq!(d.holders(WED, &d.hallway).await, (vec!["吴老师".into()], vec!["吴老师".into()]));
    assert!(d.inbox_keys(&d.sun).await.contains(&"msg-duty-swap-approved".to_string()));
    assert!(!d.inbox_keys(&d.w.admin).await.contains(&"msg-duty-swap-to-approve".to_string()));
}

async fn a_swap_to_someone_who_cannot_take_the_turn_is_refused(backend: Backend) {
    let d = duty(backend).await;
    let s = d.s();
    d.assign(WED, &d.hallway, &d.sun).await;
    d.assign(WED, &d.gate, &d.sun).await;
    d.assign(THU, &d.hallway, &d.zhou).await;
    d.publish().await;
    let hallway = d.turn_of(WED, &d.hallway, &d.sun).await;
    let gate = d.turn_of(WED, &d.gate, &d.sun).await;
    s.declare_unavailable(&d.wu, &d.wu.id, Unavailable::Weekday(3), "周三下午进修", NOW)
        .await
        .unwrap();
    let refused = [
        // 吴 cannot serve on Wednesdays.
        (
            s.propose_duty_swap(&d.sun, &hallway, &d.wu.id, None, "", NOW).await,
            "err-duty-unavailable",
        ),
        // 王老师 has 三年级二班's care then.
        (
            s.propose_duty_swap(&d.sun, &hallway, &d.w.teacher.id, None, "", NOW).await,
            "err-duty-overlap",
        ),
        // The hallway is for staff; the gate admits a volunteer, but never alone.
        (
            s.propose_duty_swap(&d.sun, &hallway, &d.qian.id, None, "", NOW).await,
            "err-duty-role",
        ),
        (
            s.propose_duty_swap(&d.sun, &gate, &d.qian.id, None, "", NOW).await,
            "err-duty-volunteer-alone",
        ),
        (
            s.propose_duty_swap(&d.sun, &hallway, &d.sun.id, None, "", NOW).await,
            "err-duty-swap-self",
        ),
        // Asking back a turn that is not the colleague's.
        (
            s.propose_duty_swap(&d.sun, &hallway, &d.wu.id, Some(&gate), "", NOW).await,
            "err-duty-swap-back",
        ),
        // Not one's own turn.
        (
            s.propose_duty_swap(&d.zhou, &hallway, &d.wu.id, None, "", NOW).await,
            "err-duty-swap-not-yours",
        ),
    ];
    for (result, expected) in refused {
        let e = result.unwrap_err();
        let got = match e {
            yanshi_store::StoreError::Forbidden(k) => k,
            e => refusal(e),
        };
        assert_eq!(got, expected);
    }
    // The gate to 周, asking 周's Thursday hallway back: each could take the other's turn.
    let thu = d.turn_of(THU, &d.hallway, &d.zhou).await;
    s.propose_duty_swap(&d.sun, &gate, &d.zhou.id, Some(&thu), "", NOW).await.unwrap();
    assert_eq!(d.holders(WED, &d.gate).await.0, ["孙老师"], "refusals and proposals change nothing");
}

async fn an_absence_opens_gaps_that_the_fairest_cover_fills(backend: Backend) {
    let d = duty(backend).await;
    let s = d.s();
    d.assign(WED, &d.hallway, &d.sun).await;
    d.assign(THU, &d.hallway, &d.zhou).await;
    d.publish().await;
    let school = &d.w.school.id;

    // 孙 is away on Wednesday: the hallway is open. 周 has had a turn this term, 吴 none.
    let absence = s.report_duty_absence(&d.sun, &d.sun.id, WED, "外出培训", NOW).await.unwrap();
    assert!(d.inbox_keys(&d.w.admin).await.contains(&"msg-duty-absence".to_string()));
    assert_eq!(
        key(s.report_duty_absence(&d.sun, &d.sun.id, WED, "外出培训", NOW).await.unwrap_err()),
        "err-duty-absence-twice"
    );
    assert_eq!(
        forbidden(s.report_duty_absence(&d.zhou, &d.sun.id, THU, "x", NOW).await.unwrap_err()),
        "err-duty-not-yours"
    );
    // 王老师 too, reported by a leader: 三年级二班's care is open.
    let wang = s.report_duty_absence(&d.w.admin, &d.w.teacher.id, WED, "病假", NOW).await.unwrap();
    let gaps = s.duty_gaps(school, WED).await.unwrap();
    let shown: Vec<_> = gaps
        .iter()
        .map(|g| {
            (
                g.absent.1.as_str(),
                g.place.as_str(),
                g.suggestions.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            // Not 王老师 or 赵老师 (their classes' care), not 孙 (away), 周 last (most load).
            ("孙老师", "一楼楼道", vec!["吴老师", "李校长", "周老师"]),
            // Care: no school admin, no volunteer, not 赵老师 (their own class).
            ("王老师", "三年级二班", vec!["吴老师", "周老师"]),
        ]
    );
    assert!(gaps[1].suggestions[1].load > 0 && gaps[1].suggestions[0].load == 0);

    // The leader picks; a teacher may not, nor pick someone who cannot.
    let hallway = gaps[0].kind.clone();
    assert_eq!(
        forbidden(s.cover_duty_gap(&d.zhou, &absence, &hallway, &d.wu.id, NOW).await.unwrap_err()),
        "err-duty-not-leader"
    );
    let care = gaps[1].kind.clone();
    assert_eq!(
        key(s
            .cover_duty_gap(&d.w.admin, &wang, &care, &d.w.other_teacher.id, NOW)
            .await
            .unwrap_err()),
        "err-duty-overlap"
    );
    assert_eq!(
        key(s.cover_duty_gap(&d.w.admin, &wang, &care, &d.qian.id, NOW).await.unwrap_err()),
        "err-duty-role"
    );
    assert_eq!(
        key(s.cover_duty_gap(&d.w.admin, &wang, &hallway, &d.wu.id, NOW).await.unwrap_err()),
        "err-duty-gap",
        "a gap of another absence"
    );
    s.cover_duty_gap(&d.w.admin, &absence, &hallway, &d.wu.id, NOW).await.unwrap();
    s.cover_duty_gap(&d.w.admin, &wang, &care, &d.zhou.id, NOW).await.unwrap();
    assert!(d.inbox_keys(&d.wu).await.contains(&"msg-duty-cover".to_string()));

    // The hallway's turn is 吴's now, published and draft, as cover for 孙.
    assert_eq!(d.holders(WED, &d.hallway).await, (vec!["吴老师".into()], vec!["吴老师".into()]));
    let on_duty = s.on_duty(school, WED).await.unwrap();
    let covers: Vec<_> = on_duty
        .iter()
        .map(|t| {
            (
                t.place.as_str(),
                t.user_name.as_str(),
                t.source,
                t.covers.as_ref().map(|c| c.1.as_str()),
            )
        })
        .collect();
    assert!(
        covers.contains(&("一楼楼道", "吴老师", TurnSource::Cover, Some("孙老师"))),
        "{covers:?}"
    );
    assert!(
        covers.contains(&("三年级二班", "周老师", TurnSource::Cover, Some("王老师"))),
        "{covers:?}"
    );
    let gaps = s.duty_gaps(school, WED).await.unwrap();
    let covered: Vec<_> = gaps
        .iter()
        .map(|g| (g.place.as_str(), g.covered_by.as_ref().map(|c| c.1.as_str()), g.suggestions.len()))
        .collect();
    assert_eq!(covered, [("一楼楼道", Some("吴老师"), 0), ("三年级二班", Some("周老师"), 0)]);
    assert_eq!(
        key(s.cover_duty_gap(&d.w.admin, &wang, &care, &d.wu.id, NOW).await.unwrap_err()),
        "err-duty-gap-covered"
    );

    // 周 reports Thursday and takes it back the day before: the gap closes, nothing else moves.
    let thu = s.report_duty_absence(&d.zhou, &d.zhou.id, THU, "家中有事", NOW).await.unwrap();
    assert_eq!(s.duty_gaps(school, THU).await.unwrap().len(), 1);
    s.withdraw_duty_absence(&d.zhou, &thu, NOW).await.unwrap();
    assert!(s.duty_gaps(school, THU).await.unwrap().is_empty());
    assert_eq!(d.holders(THU, &d.hallway).await.0, ["周老师"]);
    assert_eq!(
        key(s
            .withdraw_duty_absence(&d.w.teacher, &wang, datetime!(2026-09-09 01:00 UTC))
            .await
            .unwrap_err()),
        "err-duty-absence-started"
    );
    let actions = d.actions().await;
    for a in ["duty.absence", "duty.cover", "duty.absence_withdrawn"] {
        assert!(actions.contains(&a.to_string()), "{a} audited");
    }
}

async fn the_signed_record_gives_the_session_to_the_cover(backend: Backend) {
    let d = duty(backend).await;
    let s = d.s();
    let wang = s
        .report_duty_absence(&d.w.teacher, &d.w.teacher.id, WED, "病假", NOW)
        .await
        .unwrap();
    let class = s.class(&d.w.class.id).await.unwrap();
    let care = GapKind::Care(class.id.clone());
    s.cover_duty_gap(&d.w.admin, &wang, &care, &d.zhou.id, NOW).await.unwrap();
    let staff = |r: yanshi_store::service_record::ServiceRecord| r.facts.staff.into_iter().map(|l| l.name).collect::<Vec<_>>();
    assert_eq!(staff(s.service_record(&class, WED).await.unwrap()), ["周老师"]);
    // Thursday nobody covers: the class teacher's, as always.
    assert_eq!(staff(s.service_record(&class, THU).await.unwrap()), ["王老师"]);
    let evening = datetime!(2026-09-09 11:00 UTC);
    s.sign_service_record(&d.w.teacher, &class, WED, "王老师", None, evening)
        .await
        .unwrap();
    let work = s.workload(&d.w.school.id, WED, WED, None).await.unwrap();
    // (No child was there, so the session ends as it starts: the minutes are not the point.)
    let rows: Vec<_> = work.iter().map(|e| (e.name.as_str(), e.class.as_str())).collect();
    assert_eq!(rows, [("周老师", "三年级二班")]);
    assert!(
        s.workload(&d.w.school.id, WED, WED, Some(&d.w.teacher.id))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_duty_log_is_signed_once_by_the_person_on_duty(backend: Backend) {
    let d = duty(backend).await;
    let s = d.s();
    d.assign(WED, &d.hallway, &d.sun).await;
    d.assign(THU, &d.hallway, &d.zhou).await;
    d.publish().await;
    let absence = s.report_duty_absence(&d.sun, &d.sun.id, WED, "外出培训", NOW).await.unwrap();
    let hallway = GapKind::Post(d.turn_of(WED, &d.hallway, &d.sun).await);
    let turn = s.cover_duty_gap(&d.w.admin, &absence, &hallway, &d.wu.id, NOW).await.unwrap();
    let during = datetime!(2026-09-09 09:40 UTC);
    let refused = [
        (
            s.sign_duty_log(&d.zhou, &turn, "楼道、楼梯", "", "周老师", during).await,
            "err-duty-log-not-yours",
        ),
        (
            s.sign_duty_log(&d.wu, &turn, "楼道", "", "吴老师", NOW).await,
            "err-duty-log-not-today",
        ),
        (
            s.sign_duty_log(&d.wu, &turn, " ", "", "吴老师", during).await,
            "err-duty-log-checked",
        ),
        (
            s.sign_duty_log(&d.wu, &turn, "楼道", "", "周老师", during).await,
            "err-record-own-name",
        ),
    ];
    for (result, expected) in refused {
        let got = match result.unwrap_err() {
            yanshi_store::StoreError::Forbidden(k) => k,
            e => key(e),
        };
        assert_eq!(got, expected);
    }
    let mine = s.my_duty_log_today(&d.wu, during).await.unwrap();
    assert_eq!((mine.len(), mine[0].1.is_none()), (1, true));
    s.sign_duty_log(&d.wu, &turn, "楼道、楼梯、厕所", "一年级学生摔倒，已送医务室", " 吴老师 ", during)
        .await
        .unwrap();
    assert_eq!(
        key(s.sign_duty_log(&d.wu, &turn, "楼道", "", "吴老师", during).await.unwrap_err()),
        "err-duty-log-signed"
    );
    let log = s.duty_log(&d.w.admin, &d.w.school.id, WED).await.unwrap();
    let rows: Vec<_> = log
        .iter()
        .map(|e| {
            (
                e.post_name.as_str(),
                e.user_name.as_str(),
                e.minutes,
                e.covered_for.as_ref().map(|c| c.1.as_str()),
                e.signed_name.as_str(),
            )
        })
        .collect();
    assert_eq!(rows, [("一楼楼道", "吴老师", 90, Some("孙老师"), "吴老师")]);
    assert!(s.my_duty_log_today(&d.wu, during).await.unwrap()[0].1.is_some());
    assert_eq!(
        forbidden(s.duty_log(&d.wu, &d.w.school.id, WED).await.unwrap_err()),
        "err-duty-not-leader"
    );
    let _: UserId = d.qian.id.clone();
}
