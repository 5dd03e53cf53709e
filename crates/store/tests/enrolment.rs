//! Enrolment on both databases: the guardian's application, two reviews, the agreement signed
//! by the guardian and countersigned, a change of terms, withdrawal — and every refusal.

#[macro_use]
mod common;

use time::{OffsetDateTime, macros::date, macros::datetime, macros::time};
use yanshi_domain::account::{DisplayName, InvitationCode, PhoneNumber, Username};
use yanshi_domain::agreement::PRIVACY_NOTICE_VERSION;
use yanshi_domain::calendar::{GradeTimes, Season};
use yanshi_domain::enrolment::{EnrolmentState, PickupPlan, Step, Terms, Weekdays};
use yanshi_domain::family::{Gender, StudentNumber};
use yanshi_domain::role::Role;
use yanshi_domain::roster::{RosterGuardian, RosterStudent};
use yanshi_domain::school::Grade;
use yanshi_store::enrolment::{Application, Decision, SignatureInput};
use yanshi_store::people::Student;
use yanshi_store::terms::{NewTerm, Term};
use yanshi_store::testing::TestDatabase;
use yanshi_store::{Actor, Backend, NewUser, Store, StoreError, User};

const NOW: OffsetDateTime = datetime!(2026-09-02 02:00 UTC);

contract!(
    an_application_becomes_active_only_with_the_guardians_signature,
    refusals_change_nothing,
    leave_before_and_after_the_cut_off,
    the_needs_survey_shows_who_has_not_answered,
    one_handover_per_child_per_day_and_the_rules_at_the_door,
    a_child_not_picked_up_climbs_the_late_pickup_steps_once_each,
    an_expected_child_not_in_the_room_alerts_at_once_and_a_child_not_found_is_an_incident,
    a_class_plans_its_sessions_and_a_lesson_is_flagged,
    a_class_whose_roll_is_not_called_alerts_its_teacher_and_the_leaders_once,
    the_daily_service_record_is_drafted_signed_locked_and_corrected,
    concurrent_hand_overs_are_committed_together_and_each_child_once,
    the_attendance_list_marks_children_absent_from_school_all_or_nothing,
    an_orange_weather_warning_suspends_leaving_alone_and_tells_the_guardians,
    a_child_on_leave_or_not_at_school_cannot_be_handed_over,
    a_code_of_another_childs_adult_is_answered_as_an_unknown_code,
    wrong_pickup_codes_are_limited_per_teacher_and_per_child,
    refusals_of_one_child_within_minutes_are_one_alert_that_counts
);

struct World {
    _db: TestDatabase,
    store: Store,
    admin: User,
    teacher: User,
    other_teacher: User,
    mother: User,
    stranger: User,
    child: Student,
    term: Term,
    notice: yanshi_domain::ids::NoticeId,
}

impl World {
    fn application(&self, weekdays: &[u8], latest: time::Time, plan: PickupPlan) -> Application {
        Application {
            terms: Terms {
                weekdays: Weekdays::from_numbers(weekdays).unwrap(),
                latest_pickup: latest,
                pickup_plan: plan,
            },
            health_disclosure: "无".into(),
            reason: "父母下班晚".into(),
            priority_group: None,
            consent_version: PRIVACY_NOTICE_VERSION.into(),
            notice_id: Some(self.notice.clone()),
        }
    }
}

async fn account(store: &Store, school: &yanshi_store::School, role: Role, login: &str, name: &str) -> User {
    let guardian = role == Role::Guardian;
    let new = NewUser {
        school_id: Some(school.id.clone()),
        role,
        username: (!guardian).then(|| Username::parse(login).unwrap()),
        phone: guardian.then(|| PhoneNumber::parse(login).unwrap()),
        display_name: DisplayName::parse(name).unwrap(),
        password_hash: "x".into(),
    };
    store.create_user(&Actor::Cli, new, NOW).await.unwrap()
}

async fn world(backend: Backend) -> World {
    let db = TestDatabase::new(backend).await;
    let store = db.store().await;
    let school = store
        .create_school(&Actor::Cli, "实验小学", "Asia/Shanghai", false, NOW)
        .await
        .unwrap();
    let admin = account(&store, &school, Role::SchoolAdmin, "admin", "李校长").await;
    let teacher = account(&store, &school, Role::ClassTeacher, "wang", "王老师").await;
    let other_teacher = account(&store, &school, Role::ClassTeacher, "zhao", "赵老师").await;
    store.create_standard_classes(&Actor::Cli, &school.id, 2, NOW).await.unwrap();
    let classes = store.classes(&school.id).await.unwrap();
    let g3c2 = classes.iter().find(|c| c.name == "三年级二班").unwrap();
    store
        .set_class_teacher(&Actor::Cli, &g3c2.id, Some(&teacher.id), NOW)
        .await
        .unwrap();
    let g1c1 = classes.iter().find(|c| c.name == "一年级一班").unwrap();
    store
        .set_class_teacher(&Actor::Cli, &g1c1.id, Some(&other_teacher.id), NOW)
        .await
        .unwrap();
    let rows = vec![
        RosterStudent {
            row: 2,
            number: StudentNumber::parse("1").unwrap(),
            name: "王小明".into(),
            gender: Gender::Male,
            birth_date: None,
            grade: Grade::new(3).unwrap(),
            class_number: 2,
            guardians: vec![RosterGuardian {
                name: "张丽".into(),
                relationship: "母亲".into(),
                phone: PhoneNumber::parse("13800138000").unwrap(),
            }],
            priority_groups: vec![],
            health_notes: String::new(),
        },
        RosterStudent {
            row: 3,
            number: StudentNumber::parse("2").unwrap(),
            name: "李华".into(),
            gender: Gender::Female,
            birth_date: None,
            grade: Grade::new(1).unwrap(),
            class_number: 1,
            guardians: vec![RosterGuardian {
                name: "李梅".into(),
                relationship: "母亲".into(),
                phone: PhoneNumber::parse("13700137000").unwrap(),
            }],
            priority_groups: vec![],
            health_notes: String::new(),
        },
    ];
    store.import_students(&Actor::Cli, &school.id, &rows, "x", NOW).await.unwrap();
    let invite = |who: &User, class| {
        let store = store.clone();
        let who = who.clone();
        async move {
            let c = store.class(class).await.unwrap();
            store
                .create_class_invitations(&Actor::User(who.id.clone()), &c, NOW, time::Duration::days(14))
                .await
                .unwrap()
                .remove(0)
                .code
        }
    };
    let redeem = |code: InvitationCode, name: &'static str, phone: &'static str| {
        let store = store.clone();
        async move {
            store
                .redeem_invitation(
                    &code,
                    DisplayName::parse(name).unwrap(),
                    PhoneNumber::parse(phone).unwrap(),
                    "x".into(),
                    NOW,
                )
                .await
                .unwrap()
        }
    };
    let mother = redeem(invite(&admin, &g3c2.id).await, "张丽", "13800138000").await;
    let stranger = redeem(invite(&admin, &g1c1.id).await, "李梅", "13700137000").await;
    let child = store.students_of_class(&g3c2.id).await.unwrap().remove(0).0;
    let mut times = GradeTimes::default();
    for g in 1..=6 {
        times.dismissal.insert((g, 0), time!(16:10));
        times.end.insert((g, Season::Summer), time!(18:00));
        times.end.insert((g, Season::Winter), time!(17:30));
    }
    let term = store
        .create_term(
            &Actor::Cli,
            &school.id,
            NewTerm {
                name: "2026秋".into(),
                starts_on: date!(2026 - 09 - 01),
                ends_on: date!(2027 - 01 - 24),
                first_service_day: None,
                last_service_day: None,
                times,
            },
            NOW,
        )
        .await
        .unwrap();
    // Applications open with the 告家长书, which guardians read first.
    store.publish_notice(&admin, &term.id, "致家长的一封信……", NOW).await.unwrap();
    let notice = store.current_notice(&term.id).await.unwrap().unwrap().id;
    store.mark_notice_read(&mother, &notice, NOW).await.unwrap();
    store.mark_notice_read(&stranger, &notice, NOW).await.unwrap();
    World {
        _db: db,
        store,
        admin,
        teacher,
        other_teacher,
        mother,
        stranger,
        child,
        term,
        notice,
    }
}

fn key(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(i) => i.key,
        other => panic!("{other:?}"),
    }
}

fn signature(a: &yanshi_store::enrolment::Agreement, name: &str) -> SignatureInput {
    SignatureInput {
        agreement: a.id.clone(),
        seen_hash: a.text_hash.clone(),
        typed_name: name.into(),
        statement_ticked: true,
        drawing: None,
        device: "test phone".into(),
    }
}

async fn an_application_becomes_active_only_with_the_guardians_signature(backend: Backend) {
    let w = world(backend).await;
    let s = &w.store;
    let id = s
        .apply(
            &w.mother,
            &w.child.id,
            &w.term.id,
            &w.application(&[1, 3, 5], time!(17:20), PickupPlan::ByAdults),
            true,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(s.enrolment(&id).await.unwrap().state, EnrolmentState::Submitted);
    assert_eq!(
        s.enrolment_step(&w.teacher, &id, Step::ClassApprove, Decision::default(), NOW)
            .await
            .unwrap(),
        EnrolmentState::ClassApproved
    );
    assert_eq!(
        s.enrolment_step(&w.admin, &id, Step::SchoolApprove, Decision::default(), NOW)
            .await
            .unwrap(),
        EnrolmentState::Approved
    );
    let v1 = s.agreements(&id).await.unwrap().remove(0);
    assert_eq!((v1.version, v1.status.as_str()), (1, "PENDING"));
    assert!(
        v1.text.contains("王小明")
            && v1.text.contains("周一、周三、周五")
            && v1.text.contains("17:20 前接走")
            && v1.text.contains("17:30（冬令）/ 18:00（夏令）"),
        "{}",
        v1.text
    );

    // The admin cannot sign for the guardian, nor countersign first.
    assert!(s.sign_agreement(&w.admin, &id, &signature(&v1, "李校长"), NOW).await.is_err());
    let mut stale = signature(&v1, "张丽");
    stale.seen_hash = "0".repeat(64);
    assert_eq!(
        key(s.sign_agreement(&w.mother, &id, &stale, NOW).await.unwrap_err()),
        "err-agreement-changed"
    );
    assert_eq!(
        key(s.sign_agreement(&w.mother, &id, &signature(&v1, "别人"), NOW).await.unwrap_err()),
        "err-typed-name"
    );
    assert_eq!(
        s.sign_agreement(&w.mother, &id, &signature(&v1, "张丽"), NOW).await.unwrap(),
        EnrolmentState::Signed
    );
    assert_eq!(
        s.sign_agreement(&w.admin, &id, &signature(&v1, "李校长"), NOW).await.unwrap(),
        EnrolmentState::Active
    );
    let v1 = s.agreements(&id).await.unwrap().remove(0);
    assert_eq!(v1.status, "EFFECTIVE");
    assert_eq!(v1.signatures.len(), 2);
    assert!(
        v1.signatures
            .iter()
            .all(|sig| sig.text_hash == v1.text_hash && !sig.device.is_empty())
    );
    let (_, active, backed) = s.enrolment_compliance(&w.term.id).await.unwrap();
    assert_eq!(
        (active, backed),
        (1, 1),
        "every active enrolment rests on the guardian's application and signature"
    );

    // A change of terms: a new version to sign; the child stays active on the signed one.
    let new_terms = Terms {
        weekdays: Weekdays::from_numbers(&[1, 2, 3, 4, 5]).unwrap(),
        latest_pickup: time!(17:30),
        pickup_plan: PickupPlan::SelfLeave,
    };
    s.change_terms(&w.mother, &id, &new_terms, NOW).await.unwrap();
    let versions = s.agreements(&id).await.unwrap();
    assert_eq!(
        (versions[0].version, versions[0].status.as_str(), versions[1].status.as_str()),
        (2, "PENDING", "EFFECTIVE")
    );
    assert!(versions[0].text.contains("自行离校回家"));
    assert_eq!(s.enrolment(&id).await.unwrap().state, EnrolmentState::Active);
    assert_eq!(
        key(s
            .sign_agreement(&w.mother, &id, &signature(&versions[1], "张丽"), NOW)
            .await
            .unwrap_err()),
        "err-agreement-changed",
        "the old version cannot be signed"
    );
    s.sign_agreement(&w.mother, &id, &signature(&versions[0], "张丽"), NOW)
        .await
        .unwrap();
    s.sign_agreement(&w.admin, &id, &signature(&versions[0], "李校长"), NOW)
        .await
        .unwrap();
    let versions = s.agreements(&id).await.unwrap();
    assert_eq!(
        (versions[0].status.as_str(), versions[1].status.as_str()),
        ("EFFECTIVE", "SUPERSEDED"),
        "the old one stays in history"
    );

    // Withdrawal at any time.
    assert_eq!(
        s.enrolment_step(
            &w.mother,
            &id,
            Step::Withdraw,
            Decision {
                reason: None,
                note: "孩子奶奶来了",
                ends_on: Some(date!(2026 - 09 - 03))
            },
            NOW
        )
        .await
        .unwrap(),
        EnrolmentState::Withdrawn
    );
    assert_eq!(s.enrolment(&id).await.unwrap().ends_on, Some(date!(2026 - 09 - 03)));
    let inbox = s.inbox(&w.mother.id, 50).await.unwrap();
    assert!(inbox.len() >= 6, "the guardian hears of every step: {}", inbox.len());
    // After a withdrawal the guardian may apply again.
    s.apply(
        &w.mother,
        &w.child.id,
        &w.term.id,
        &w.application(&[1], time!(17:00), PickupPlan::ByAdults),
        false,
        NOW,
    )
    .await
    .unwrap();
}

async fn refusals_change_nothing(backend: Backend) {
    let w = world(backend).await;
    let s = &w.store;
    let app = w.application(&[1, 2], time!(17:00), PickupPlan::ByAdults);
    let mut unread = app.clone();
    unread.notice_id = None;
    assert_eq!(
        key(s.apply(&w.mother, &w.child.id, &w.term.id, &unread, true, NOW).await.unwrap_err()),
        "err-notice-unread",
        "the notice is read first"
    );
    assert_eq!(
        key(s.apply(&w.stranger, &w.child.id, &w.term.id, &app, true, NOW).await.unwrap_err()),
        "err-enrolment-not-yours",
        "another guardian"
    );
    assert_eq!(
        key(s.apply(&w.teacher, &w.child.id, &w.term.id, &app, true, NOW).await.unwrap_err()),
        "err-enrolment-not-yours",
        "a teacher cannot apply"
    );
    assert_eq!(
        key(s
            .apply(
                &w.mother,
                &w.child.id,
                &w.term.id,
                &w.application(&[1], time!(18:30), PickupPlan::ByAdults),
                true,
                NOW
            )
            .await
            .unwrap_err()),
        "err-pickup-after-end"
    );
    let mut no_consent = app.clone();
    no_consent.consent_version.clear();
    assert_eq!(
        key(s
            .apply(&w.mother, &w.child.id, &w.term.id, &no_consent, true, NOW)
            .await
            .unwrap_err()),
        "err-consent-required"
    );
    assert!(
        s.enrolments_of_term(&w.term.id).await.unwrap().is_empty(),
        "nothing written by a refusal"
    );

    let id = s.apply(&w.mother, &w.child.id, &w.term.id, &app, true, NOW).await.unwrap();
    assert_eq!(
        key(s.apply(&w.mother, &w.child.id, &w.term.id, &app, true, NOW).await.unwrap_err()),
        "err-already-applied"
    );
    assert_eq!(
        key(s
            .enrolment_step(&w.other_teacher, &id, Step::ClassApprove, Decision::default(), NOW)
            .await
            .unwrap_err()),
        "err-enrolment-not-yours",
        "not their class"
    );
    assert_eq!(
        key(s
            .enrolment_step(&w.admin, &id, Step::SchoolApprove, Decision::default(), NOW)
            .await
            .unwrap_err()),
        "err-enrolment-step",
        "the class reviews first"
    );
    assert_eq!(
        key(s
            .enrolment_step(
                &w.teacher,
                &id,
                Step::ClassReject,
                Decision {
                    reason: Some("OTHER"),
                    note: "",
                    ends_on: None
                },
                NOW
            )
            .await
            .unwrap_err()),
        "err-reason-required",
        "no rejection without a message"
    );
    assert_eq!(
        key(s
            .enrolment_step(
                &w.teacher,
                &id,
                Step::ClassReject,
                Decision {
                    reason: Some("MOOD"),
                    note: "x",
                    ends_on: None
                },
                NOW
            )
            .await
            .unwrap_err()),
        "err-reason-code"
    );
    assert_eq!(
        key(s
            .enrolment_step(&w.teacher, &id, Step::Submit, Decision::default(), NOW)
            .await
            .unwrap_err()),
        "err-enrolment-step"
    );
    assert_eq!(
        s.enrolment(&id).await.unwrap().state,
        EnrolmentState::Submitted,
        "all refused, nothing changed"
    );
    assert_eq!(
        s.enrolment_step(
            &w.teacher,
            &id,
            Step::ClassReject,
            Decision {
                reason: Some("CAN_LEAVE_ON_TIME"),
                note: "奶奶每天 16:00 可以接",
                ends_on: None
            },
            NOW
        )
        .await
        .unwrap(),
        EnrolmentState::Rejected
    );
    let e = s.enrolment(&id).await.unwrap();
    assert_eq!(
        (e.decision_reason.as_deref(), e.decision_note.as_deref()),
        (Some("CAN_LEAVE_ON_TIME"), Some("奶奶每天 16:00 可以接"))
    );
    let (by_state, active, _) = s.enrolment_compliance(&w.term.id).await.unwrap();
    assert_eq!((by_state, active), (vec![("REJECTED".to_string(), 1)], 0));
}

async fn active(w: &World) {
    let s = &w.store;
    let id = s
        .apply(
            &w.mother,
            &w.child.id,
            &w.term.id,
            &w.application(&[1, 2, 3, 4, 5], time!(17:30), PickupPlan::ByAdults),
            true,
            NOW,
        )
        .await
        .unwrap();
    s.enrolment_step(&w.teacher, &id, Step::ClassApprove, Decision::default(), NOW)
        .await
        .unwrap();
    s.enrolment_step(&w.admin, &id, Step::SchoolApprove, Decision::default(), NOW)
        .await
        .unwrap();
    let a = s.agreements(&id).await.unwrap().remove(0);
    s.sign_agreement(&w.mother, &id, &signature(&a, "张丽"), NOW).await.unwrap();
    s.sign_agreement(&w.admin, &id, &signature(&a, "李校长"), NOW).await.unwrap();
}

/// 李华 of 一年级一班 enrolled too (her mother applies and signs; her class teacher and the
/// school approve), for rules that look at two children.
async fn active_other_child(w: &World) -> Student {
    let s = &w.store;
    let classes = s.classes(&w.child.school_id).await.unwrap();
    let g1c1 = classes.iter().find(|c| c.name == "一年级一班").unwrap();
    let child = s.students_of_class(&g1c1.id).await.unwrap().remove(0).0;
    let application = w.application(&[1, 2, 3, 4, 5], time!(17:30), PickupPlan::ByAdults);
    let id = s.apply(&w.stranger, &child.id, &w.term.id, &application, true, NOW).await.unwrap();
    s.enrolment_step(&w.other_teacher, &id, Step::ClassApprove, Decision::default(), NOW)
        .await
        .unwrap();
    s.enrolment_step(&w.admin, &id, Step::SchoolApprove, Decision::default(), NOW)
        .await
        .unwrap();
    let a = s.agreements(&id).await.unwrap().remove(0);
    s.sign_agreement(&w.stranger, &id, &signature(&a, "李梅"), NOW).await.unwrap();
    s.sign_agreement(&w.admin, &id, &signature(&a, "李校长"), NOW).await.unwrap();
    child
}

async fn leave_before_and_after_the_cut_off(backend: Backend) {
    let w = world(backend).await;
    let s = &w.store;
    // Not enrolled: no leave to report.
    let refused = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 03),
            date!(2026 - 09 - 03),
            "SICK",
            "发烧",
            "APP",
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(refused), "err-leave-not-enrolled");
    active(&w).await;
    // 10:00 local, before the 12:00 cut-off: confirmed at once.
    let today = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 02),
            date!(2026 - 09 - 02),
            "SICK",
            "发烧",
            "APP",
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(s.leave(&today).await.unwrap().status, "CONFIRMED");
    assert!(s.on_leave(&w.child.id, date!(2026 - 09 - 02)).await.unwrap());
    // 13:00 local, after the cut-off: the class teacher must confirm.
    let after = datetime!(2026-09-02 05:00 UTC);
    let late = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 02),
            date!(2026 - 09 - 04),
            "PERSONAL",
            "外婆生日",
            "APP",
            after,
        )
        .await
        .unwrap();
    assert_eq!(s.leave(&late).await.unwrap().status, "PENDING");
    assert!(
        !s.on_leave(&w.child.id, date!(2026 - 09 - 03)).await.unwrap(),
        "not before it is confirmed"
    );
    assert!(
        s.inbox(&w.teacher.id, 10)
            .await
            .unwrap()
            .iter()
            .any(|m| zh(m).contains("请假待确认"))
    );
    assert_eq!(
        key(s.confirm_leave(&w.mother, &late, after).await.unwrap_err()),
        "err-enrolment-not-yours"
    );
    assert_eq!(
        key(s.confirm_leave(&w.other_teacher, &late, after).await.unwrap_err()),
        "err-enrolment-not-yours"
    );
    s.confirm_leave(&w.teacher, &late, after).await.unwrap();
    assert!(s.on_leave(&w.child.id, date!(2026 - 09 - 03)).await.unwrap());
    // A teacher enters leave taken by phone: confirmed.
    let phoned = s
        .report_leave(
            &w.teacher,
            &w.child.id,
            date!(2026 - 09 - 07),
            date!(2026 - 09 - 07),
            "OTHER",
            "电话请假",
            "PHONE",
            after,
        )
        .await
        .unwrap();
    assert_eq!(s.leave(&phoned).await.unwrap().status, "CONFIRMED");
    s.cancel_leave(&w.mother, &phoned, after).await.unwrap();
    assert!(!s.on_leave(&w.child.id, date!(2026 - 09 - 07)).await.unwrap());
    // Refusals.
    let weekend = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 05),
            date!(2026 - 09 - 06),
            "SICK",
            "",
            "APP",
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(weekend), "err-leave-no-service-day");
    let outside = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2027 - 02 - 01),
            date!(2027 - 02 - 02),
            "SICK",
            "",
            "APP",
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(outside), "err-leave-outside-term");
    let backwards = s
        .report_leave(
            &w.mother,
            &w.child.id,
            date!(2026 - 09 - 10),
            date!(2026 - 09 - 09),
            "SICK",
            "",
            "APP",
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(backwards), "err-leave-range");
    let stranger = s
        .report_leave(
            &w.stranger,
            &w.child.id,
            date!(2026 - 09 - 10),
            date!(2026 - 09 - 10),
            "SICK",
            "",
            "APP",
            NOW,
        )
        .await
        .unwrap_err();
    assert_eq!(key(stranger), "err-enrolment-not-yours");
    assert_eq!(s.leaves_of_student(&w.child.id).await.unwrap().len(), 3, "refusals wrote nothing");
}

async fn the_needs_survey_shows_who_has_not_answered(backend: Backend) {
    use yanshi_store::survey::SurveyAnswer;
    let w = world(backend).await;
    let s = &w.store;
    let answer = |source: &str| SurveyAnswer {
        needs_care: true,
        weekdays: Weekdays::from_numbers(&[1, 2, 3]).unwrap(),
        latest_pickup: Some(time!(17:30)),
        reason: "父母都下班晚".into(),
        source: source.into(),
        answered_by: String::new(),
        answered_at: NOW,
    };
    let class = s.class(&w.child.class_id).await.unwrap();
    let before = s.survey_of_class(&w.term.id, &class.id).await.unwrap();
    assert!(before.iter().all(|(_, a)| a.is_none()), "nobody has answered");
    assert_eq!(
        key(s
            .answer_survey(&w.stranger, &w.child.id, &w.term.id, &answer("ONLINE"), NOW)
            .await
            .unwrap_err()),
        "err-enrolment-not-yours"
    );
    s.answer_survey(&w.mother, &w.child.id, &w.term.id, &answer("ONLINE"), NOW)
        .await
        .unwrap();
    let after = s.survey_of_class(&w.term.id, &class.id).await.unwrap();
    let a = after.iter().find(|(st, _)| st.id == w.child.id).unwrap().1.clone().unwrap();
    assert_eq!((a.source.as_str(), a.needs_care, a.answered_by.as_str()), ("ONLINE", true, "张丽"));
    // The class teacher enters an answer collected on paper; a teacher of another class cannot.
    let mut paper = answer("PAPER");
    paper.needs_care = false;
    assert_eq!(
        key(s
            .answer_survey(&w.other_teacher, &w.child.id, &w.term.id, &paper, NOW)
            .await
            .unwrap_err()),
        "err-enrolment-not-yours"
    );
    s.answer_survey(&w.teacher, &w.child.id, &w.term.id, &paper, NOW).await.unwrap();
    assert_eq!(
        s.survey_answer(&w.term.id, &w.child.id).await.unwrap(),
        Some(false),
        "the newer answer replaces the older"
    );
}

async fn one_handover_per_child_per_day_and_the_rules_at_the_door(backend: Backend) {
    use yanshi_domain::afternoon::PickupCode;
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = world(backend).await;
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
    s.mark_roll(&w.teacher, &w.child, wed, "PRESENT", "", NOW).await.unwrap();
    assert_eq!(
        s.class_day(&w.child.class_id, wed).await.unwrap()[0].roll.as_deref(),
        Some("PRESENT")
    );

    let req = |adult: Option<AdultRef>, day, id: &str| HandoverRequest {
        student: w.child.id.clone(),
        day,
        adult,
        method: "LIST".into(),
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
        s.inbox(&w.mother.id, 5).await.unwrap()[0]
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
    assert!(s.inbox(&w.admin.id, 5).await.unwrap()[0].title.contains("拒绝接走"));
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
        h.entered_later && h.method == "PAPER" && h.at == datetime!(2026-09-01 09:42 UTC),
        "{h:?}"
    );
    assert!(
        s.inbox(&w.mother.id, 5).await.unwrap()[0]
            .body
            .contains("已于 17:42 由 王奶奶（奶奶）接走，交接教师 王老师。（纸质签退表补录）")
    );
    // A volunteer never releases a child.
    let volunteer = account(s, &s.school(&w.child.school_id).await.unwrap(), Role::Volunteer, "vol", "志愿者").await;
    assert!(
        s.record_handover(&volunteer, &req(Some(AdultRef::Listed(grandma)), date!(2026 - 09 - 09), "r11"), NOW)
            .await
            .is_err()
    );
}

async fn a_child_not_picked_up_climbs_the_late_pickup_steps_once_each(backend: Backend) {
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = world(backend).await;
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
    let steps = |d| async move { s.late_steps(child, d).await.unwrap() };
    // The afternoon starts with the roll call (an unmarked child would raise its own alert).
    for d in [thu, date!(2026 - 09 - 11)] {
        s.mark_roll(&w.teacher, &w.child, d, "PRESENT", "", NOW).await.unwrap();
    }
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 09:59 UTC)).await.unwrap(), 0);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:00 UTC)).await.unwrap(), 1);
    assert!(s.inbox(&w.mother.id, 5).await.unwrap()[0].title.contains("请尽快接孩子"));
    // Run again (or on another instance): nothing fires twice.
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:05 UTC)).await.unwrap(), 0);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:10 UTC)).await.unwrap(), 1);
    assert!(
        s.inbox(&w.teacher.id, 5).await.unwrap()[0]
            .body
            .contains("王奶奶（奶奶）13600136000")
    );
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 10:30 UTC)).await.unwrap(), 1);
    assert!(s.inbox(&w.admin.id, 5).await.unwrap()[0].title.contains("等候室"));
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
        s.class_day(&w.child.class_id, fri).await.unwrap()[0].late_step.as_deref(),
        Some("WAITING_ROOM")
    );
    // Once handed over, the steps stop.
    let r = HandoverRequest {
        student: w.child.id.clone(),
        day: fri,
        adult: Some(AdultRef::Listed(grandma.clone())),
        method: "LIST".into(),
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
    s.mark_roll(&w.teacher, &w.child, tue, "ABSENT", "病假", NOW).await.unwrap();
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-15 11:00 UTC)).await.unwrap(), 0);
    // A weekend is not a service day.
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-12 11:00 UTC)).await.unwrap(), 0);
    assert_eq!(s.late_pickup_count(&w.child.id).await.unwrap(), 2);

    // 值班领导决定 for Thursday's child, still waiting: only a leader, with a note.
    use yanshi_domain::afternoon::LateDecision;
    let at = datetime!(2026-09-10 11:05 UTC);
    let decide = |who, day, note| s.record_late_decision(who, &w.child, day, LateDecision::KeepWaiting, note, at);
    assert_eq!(key(decide(&w.teacher, thu, "x").await.unwrap_err()), "err-late-decision-not-yours");
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
            .iter()
            .any(|m| m.body.contains("已联系上家长"))
    );
}

async fn an_expected_child_not_in_the_room_alerts_at_once_and_a_child_not_found_is_an_incident(backend: Backend) {
    use yanshi_domain::afternoon::Whereabouts;
    let w = world(backend).await;
    let s = &w.store;
    active(&w).await;
    let wed = date!(2026 - 09 - 02);
    let inbox = |u: &User| {
        let id = u.id.clone();
        async move { s.inbox(&id, 50).await.unwrap() }
    };
    let admin_before = inbox(&w.admin).await.len();
    let school = w.child.school_id.clone();
    let seq = s.school_change_seq(&school).await.unwrap();
    let board = s.board(&school, wed).await.unwrap();
    assert_eq!(
        (board.len(), board[0].expected, board[0].in_care, board[0].unaccounted),
        (1, 1, 1, 0)
    );
    // The school's day is the same children as the class's day (one enrolled child here).
    let whole = s.school_day(&school, wed).await.unwrap();
    assert_eq!(
        whole.iter().map(|c| c.student.id.clone()).collect::<Vec<_>>(),
        vec![w.child.id.clone()]
    );
    s.mark_roll(&w.teacher, &w.child, wed, "ABSENT", "", NOW).await.unwrap();
    // The board sees the change (on any instance: it reads the database).
    assert!(s.school_change_seq(&school).await.unwrap() > seq);
    let board = s.board(&school, wed).await.unwrap();
    assert_eq!((board[0].present, board[0].in_care, board[0].unaccounted), (0, 0, 1));
    let day = s.class_day(&w.child.class_id, wed).await.unwrap();
    assert_eq!(day[0].unaccounted.as_ref().map(|u| u.outcome.clone()), Some(None));
    assert!(inbox(&w.admin).await[0].title.starts_with("未到："));
    assert!(inbox(&w.teacher).await[0].title.starts_with("未到："));
    assert!(inbox(&w.mother).await[0].title.contains("未到延时服务教室"));
    // Marking absent again alerts nobody twice.
    s.mark_roll(&w.teacher, &w.child, wed, "ABSENT", "", NOW).await.unwrap();
    assert_eq!(inbox(&w.admin).await.len(), admin_before + 1);

    // Not found needs a description; then it is an incident and leaders are alerted.
    let e = s
        .record_whereabouts(&w.teacher, &w.child, wed, Whereabouts::NotFound, " ", NOW)
        .await
        .unwrap_err();
    assert_eq!(key(e), "err-whereabouts-note");
    assert!(s.incidents(&w.child.school_id, wed).await.unwrap().is_empty());
    s.record_whereabouts(&w.teacher, &w.child, wed, Whereabouts::NotFound, "操场、厕所、图书馆都没有", NOW)
        .await
        .unwrap();
    let incidents = s.incidents(&w.child.school_id, wed).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(
        (incidents[0].kind.as_str(), incidents[0].student.as_deref()),
        ("CHILD_NOT_FOUND", Some(w.child.name.as_str()))
    );
    assert!(inbox(&w.admin).await[0].title.starts_with("紧急："));
    // Found later: the outcome changes, the incident stays on the record.
    s.record_whereabouts(&w.teacher, &w.child, wed, Whereabouts::Found, "在校医室", NOW)
        .await
        .unwrap();
    let day = s.class_day(&w.child.class_id, wed).await.unwrap();
    assert_eq!(day[0].unaccounted.as_ref().and_then(|u| u.outcome.as_deref()), Some("FOUND"));
    assert_eq!(s.incidents(&w.child.school_id, wed).await.unwrap().len(), 1);

    // Absent, then in the room after all: closed as found on the record.
    let thu = date!(2026 - 09 - 03);
    s.mark_roll(&w.teacher, &w.child, thu, "ABSENT", "", NOW).await.unwrap();
    s.mark_roll(&w.teacher, &w.child, thu, "PRESENT", "", NOW).await.unwrap();
    let day = s.class_day(&w.child.class_id, thu).await.unwrap();
    assert_eq!(day[0].unaccounted.as_ref().and_then(|u| u.outcome.as_deref()), Some("FOUND"));
    // Missing again later the same day: reopened and everyone alerted again.
    let before = inbox(&w.admin).await.len();
    s.mark_roll(&w.teacher, &w.child, thu, "ABSENT", "", NOW).await.unwrap();
    assert_eq!(
        s.class_day(&w.child.class_id, thu).await.unwrap()[0]
            .unaccounted
            .as_ref()
            .map(|u| u.outcome.clone()),
        Some(None)
    );
    assert_eq!(inbox(&w.admin).await.len(), before + 1);

    // Absent from school all day is not unaccounted; nor is there anything to record.
    let fri = date!(2026 - 09 - 04);
    s.mark_roll(&w.teacher, &w.child, fri, "ABSENT_FROM_SCHOOL", "", NOW).await.unwrap();
    assert!(s.class_day(&w.child.class_id, fri).await.unwrap()[0].unaccounted.is_none());
    let e = s
        .record_whereabouts(&w.teacher, &w.child, fri, Whereabouts::Found, "", NOW)
        .await
        .unwrap_err();
    assert_eq!(key(e), "err-not-unaccounted");
    // A volunteer does not record it.
    let volunteer = account(s, &s.school(&w.child.school_id).await.unwrap(), Role::Volunteer, "vol2", "志愿者").await;
    assert!(
        s.record_whereabouts(&volunteer, &w.child, wed, Whereabouts::Found, "", NOW)
            .await
            .is_err()
    );
}

async fn a_class_plans_its_sessions_and_a_lesson_is_flagged(backend: Backend) {
    use yanshi_store::afternoon::PlanInput;
    let w = world(backend).await;
    let s = &w.store;
    let class = s.class(&w.child.class_id).await.unwrap();
    let plan = |weekday, content: &str, note: &str, teacher: Option<&User>| PlanInput {
        weekday,
        content: content.into(),
        note: note.into(),
        teacher: teacher.map(|t| t.id.clone()),
        volunteer: None,
    };
    s.set_session_plan(
        &w.teacher,
        &class,
        &w.term.id,
        &plan(1, "趣味数学", "数独与七巧板", Some(&w.teacher)),
        NOW,
    )
    .await
    .unwrap();
    let plans = s.session_plans(&class.id, &w.term.id).await.unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!((plans[0].content.as_str(), plans[0].flagged), ("趣味数学", false));
    assert_eq!(plans[0].teacher.as_ref().map(|t| t.1.as_str()), Some("王老师"));

    let refused = [
        (
            s.set_session_plan(&w.other_teacher, &class, &w.term.id, &plan(2, "社团", "", None), NOW)
                .await,
            "err-plan-not-yours",
        ),
        (
            s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(2, "新课", "", None), NOW)
                .await,
            "err-session-content",
        ),
        (
            s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(6, "社团", "", None), NOW)
                .await,
            "err-plan-weekday",
        ),
        (
            s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(2, "社团", "", Some(&w.mother)), NOW)
                .await,
            "err-plan-person",
        ),
    ];
    for (result, expected) in refused {
        assert_eq!(key(result.unwrap_err()), expected);
    }
    assert_eq!(
        s.session_plans(&class.id, &w.term.id).await.unwrap().len(),
        1,
        "refusals change nothing"
    );

    // A lesson in disguise is saved but flagged for the leaders; a change replaces the day.
    s.set_session_plan(&w.admin, &class, &w.term.id, &plan(3, "其他", "数学上新课：分数", None), NOW)
        .await
        .unwrap();
    assert_eq!(
        s.flagged_plans(&class.school_id, &w.term.id).await.unwrap(),
        vec![("三年级二班".to_string(), 3, "其他".to_string(), "数学上新课：分数".to_string())]
    );
    s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(3, "自主阅读", "", None), NOW)
        .await
        .unwrap();
    assert!(s.flagged_plans(&class.school_id, &w.term.id).await.unwrap().is_empty());
    let plans = s.session_plans(&class.id, &w.term.id).await.unwrap();
    assert_eq!(
        plans.iter().map(|p| (p.weekday, p.content.as_str())).collect::<Vec<_>>(),
        [(1, "趣味数学"), (3, "自主阅读")]
    );
}

async fn the_daily_service_record_is_drafted_signed_locked_and_corrected(backend: Backend) {
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest, PlanInput};
    use yanshi_store::people::NewPickupAdult;
    let w = world(backend).await;
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
    s.mark_roll(&w.teacher, &w.child, thu, "PRESENT", "", during).await.unwrap();
    s.afternoon_sweep(datetime!(2026-09-10 10:05 UTC)).await.unwrap();
    let r = HandoverRequest {
        student: w.child.id.clone(),
        day: thu,
        adult: Some(AdultRef::Listed(grandma)),
        method: "LIST".into(),
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
        assert_eq!(key(result.unwrap_err()), expected);
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
    s.mark_roll(&w.teacher, &w.child, thu, "ABSENT_FROM_SCHOOL", "", after)
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
        key(s
            .correct_service_record(&w.other_teacher, &class, thu, "x", after)
            .await
            .unwrap_err()),
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
        key(s.check_service_record(&w.teacher, &class, thu, after).await.unwrap_err()),
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
    s.mark_roll(&w.teacher, &w.child, fri, "ABSENT_FROM_SCHOOL", "发烧", later)
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

/// Group commit: many hand-overs at once are written in shared transactions; each child is
/// still handed over once per day, racing teachers are told who took the child, retries get the
/// first answer, and the audit chain stays whole.
async fn concurrent_hand_overs_are_committed_together_and_each_child_once(backend: Backend) {
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = world(backend).await;
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
                method: "LIST".into(),
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
    let inbox = s.inbox(&w.mother.id, 100).await.unwrap();
    assert_eq!(inbox.iter().filter(|m| m.title.contains("已离校")).count(), days.len());
}

async fn the_attendance_list_marks_children_absent_from_school_all_or_nothing(backend: Backend) {
    use yanshi_store::afternoon::AbsenceImport;
    let w = world(backend).await;
    let s = &w.store;
    active(&w).await;
    let school = w.child.school_id.clone();
    let thu = date!(2026 - 09 - 10);
    let later = datetime!(2026-09-10 08:30 UTC);
    // Marked absent at roll call first: the alert is raised.
    s.mark_roll(&w.teacher, &w.child, thu, "ABSENT", "", later).await.unwrap();
    let class = w.child.class_id.clone();
    let class = &class;
    let day = |d| async move { s.class_day(class, d).await.unwrap().remove(0) };
    assert!(day(thu).await.unaccounted.is_some_and(|u| u.outcome.is_none()));

    assert_eq!(
        s.import_absences(&w.teacher, &school, thu, "1 王小明 发烧\n\n999 李四", later)
            .await
            .unwrap(),
        AbsenceImport::Refused(vec![(3, "999".to_string(), "err-absence-unknown")])
    );
    assert_eq!(day(thu).await.roll.as_deref(), Some("ABSENT"), "a refused list changes nothing");
    assert_eq!(
        key(s.import_absences(&w.teacher, &school, thu, " \n ", later).await.unwrap_err()),
        "err-absence-empty"
    );
    assert_eq!(
        key(s.import_absences(&w.mother, &school, thu, "1", later).await.unwrap_err()),
        "err-enrolment-not-yours"
    );

    // Full-width digits from a Chinese spreadsheet, the same child twice: one mark.
    assert_eq!(
        s.import_absences(&w.teacher, &school, thu, "１，王小明\n1", later).await.unwrap(),
        AbsenceImport::Marked(1)
    );
    let c = day(thu).await;
    assert_eq!((c.roll.as_deref(), c.expected), (Some("ABSENT_FROM_SCHOOL"), false));
    assert_eq!(c.unaccounted.and_then(|u| u.outcome).as_deref(), Some("ABSENT_EXCUSED"));
    // Came after all: marked present, expected again.
    s.mark_roll(&w.teacher, &w.child, thu, "PRESENT", "", later).await.unwrap();
    let c = day(thu).await;
    assert_eq!((c.roll.as_deref(), c.expected), (Some("PRESENT"), true));
}

async fn a_class_whose_roll_is_not_called_alerts_its_teacher_and_the_leaders_once(backend: Backend) {
    let w = world(backend).await;
    let s = &w.store;
    active(&w).await;
    // Thursday: dismissal 16:10 Beijing time (08:10 UTC); the roll is due by 16:25.
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 08:24 UTC)).await.unwrap(), 0);
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 08:25 UTC)).await.unwrap(), 1);
    for who in [&w.teacher, &w.admin] {
        let inbox = s.inbox(&who.id, 5).await.unwrap();
        assert!(
            inbox[0].title.contains("点名超时：三年级二班") && inbox[0].body.contains("1 名应到学生未点名：王小明"),
            "{inbox:?}"
        );
    }
    assert!(
        s.inbox(&w.other_teacher.id, 5).await.unwrap().is_empty(),
        "not another class's teacher"
    );
    assert!(
        s.inbox(&w.mother.id, 5)
            .await
            .unwrap()
            .iter()
            .all(|m| !m.title.contains("点名超时"))
    );
    // Once per class and day, on every instance.
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-10 08:40 UTC)).await.unwrap(), 0);
    // Friday the roll is called in time: no alert.
    s.mark_roll(&w.teacher, &w.child, date!(2026 - 09 - 11), "PRESENT", "", NOW)
        .await
        .unwrap();
    assert_eq!(s.afternoon_sweep(datetime!(2026-09-11 08:30 UTC)).await.unwrap(), 0);
    let report = s.verify_audit_chain(Some(&w.child.school_id)).await.unwrap();
    assert!(report.result.is_ok(), "{report:?}");
}

async fn an_orange_weather_warning_suspends_leaving_alone_and_tells_the_guardians(backend: Backend) {
    use yanshi_domain::afternoon::WeatherLevel;
    use yanshi_store::afternoon::{HandoverOutcome, HandoverRequest};
    let w = world(backend).await;
    let s = &w.store;
    // A third-grader whose signed agreement lets him leave alone every weekday.
    let id = s
        .apply(
            &w.mother,
            &w.child.id,
            &w.term.id,
            &w.application(&[1, 2, 3, 4, 5], time!(17:30), PickupPlan::SelfLeave),
            true,
            NOW,
        )
        .await
        .unwrap();
    s.enrolment_step(&w.teacher, &id, Step::ClassApprove, Decision::default(), NOW)
        .await
        .unwrap();
    s.enrolment_step(&w.admin, &id, Step::SchoolApprove, Decision::default(), NOW)
        .await
        .unwrap();
    let a = s.agreements(&id).await.unwrap().remove(0);
    s.sign_agreement(&w.mother, &id, &signature(&a, "张丽"), NOW).await.unwrap();
    s.sign_agreement(&w.admin, &id, &signature(&a, "李校长"), NOW).await.unwrap();
    let school = w.child.school_id.clone();
    let (thu, fri) = (date!(2026 - 09 - 10), date!(2026 - 09 - 11));
    let alone = |day, request: &str| HandoverRequest {
        student: w.child.id.clone(),
        day,
        adult: None,
        method: "SELF_LEAVE".into(),
        override_reason: None,
        request_id: request.into(),
        paper_time: None,
    };
    let at = datetime!(2026-09-10 09:30 UTC);

    assert_eq!(
        key(s
            .set_weather_alert(&w.teacher, &school, thu, WeatherLevel::Red, "", at)
            .await
            .unwrap_err()),
        "err-weather-not-yours"
    );
    s.set_weather_alert(&w.admin, &school, thu, WeatherLevel::Orange, "暴雨橙色预警", at)
        .await
        .unwrap();
    assert_eq!(
        s.weather_alert(&school, thu).await.unwrap().map(|a| a.level),
        Some(WeatherLevel::Orange)
    );
    let inbox = s.inbox(&w.mother.id, 5).await.unwrap();
    assert!(
        inbox[0].title.contains("橙色预警") && inbox[0].body.contains("暴雨橙色预警"),
        "{inbox:?}"
    );
    // Raising it to red tells nobody twice.
    s.set_weather_alert(&w.admin, &school, thu, WeatherLevel::Red, "", at)
        .await
        .unwrap();
    assert_eq!(
        s.inbox(&w.mother.id, 10)
            .await
            .unwrap()
            .iter()
            .filter(|m| m.title.contains("预警"))
            .count(),
        1
    );
    assert_eq!(
        s.record_handover(&w.teacher, &alone(thu, "w1"), at).await.unwrap(),
        HandoverOutcome::Refused {
            adult_name: "王小明".into(),
            reason: "err-self-leave-weather"
        }
    );
    // Lifted: he may leave alone again, as signed.
    s.set_weather_alert(&w.admin, &school, thu, WeatherLevel::None, "", at)
        .await
        .unwrap();
    assert_eq!(s.weather_alert(&school, thu).await.unwrap(), None);
    assert!(matches!(
        s.record_handover(&w.teacher, &alone(thu, "w2"), at).await.unwrap(),
        HandoverOutcome::Recorded(_)
    ));
    // A yellow warning does not suspend it.
    s.set_weather_alert(&w.admin, &school, fri, WeatherLevel::Yellow, "", at)
        .await
        .unwrap();
    assert!(matches!(
        s.record_handover(&w.teacher, &alone(fri, "w3"), at).await.unwrap(),
        HandoverOutcome::Recorded(_)
    ));
}

/// 请假 or 当天未到校: the child is not in the school's care, so nobody takes them — refused with
/// its own reason, nothing written, nobody alerted, the guardian told nothing. A wrong roll mark
/// is corrected first, and then the hand-over works.
async fn a_child_on_leave_or_not_at_school_cannot_be_handed_over(backend: Backend) {
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AbsenceImport, AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = world(backend).await;
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
        method: "LIST".into(),
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
                s.inbox(&mother, 50).await.unwrap().len(),
                s.inbox(&admin, 50).await.unwrap().len(),
            )
        }
    };

    // Thursday: the class teacher enters leave the mother phoned in (confirmed at once).
    let thu = date!(2026 - 09 - 03);
    s.report_leave(&w.teacher, &w.child.id, thu, thu, "SICK", "发烧", "PHONE", NOW)
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
    s.mark_roll(&w.admin, &w.child, wed, "PRESENT", "名单有误，孩子在教室", NOW)
        .await
        .unwrap();
    let HandoverOutcome::Recorded(h) = s.record_handover(&w.teacher, &req(wed, "a2"), NOW).await.unwrap() else {
        panic!("the corrected roll lets the grandmother take him")
    };
    assert_eq!(h.adult_name, "王奶奶");
    assert!(s.inbox(&w.mother.id, 1).await.unwrap()[0].body.contains("由 王奶奶（奶奶）接走"));
}

/// A pickup code that belongs to another child's adult is refused exactly like a code nobody
/// has: the teacher at the door (and whoever typed it) never learns whose code it was.
async fn a_code_of_another_childs_adult_is_answered_as_an_unknown_code(backend: Backend) {
    use yanshi_domain::afternoon::PickupCode;
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = world(backend).await;
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
        method: "CODE".into(),
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
    let alerts = s.inbox(&w.admin.id, 10).await.unwrap();
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
    let w = world(backend).await;
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
        method: "CODE".into(),
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
            s.inbox(&w.admin.id, 100).await.unwrap().len(),
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

/// The father with a custody limit tries six times in a few minutes: every refusal is on the
/// record, the leaders get one message, and the afternoon page counts the six. Ten minutes after
/// the first, a refusal alerts again; codes held back by the limit are counted beside it; two
/// instances refusing at once still send one message.
async fn refusals_of_one_child_within_minutes_are_one_alert_that_counts(backend: Backend) {
    use yanshi_domain::afternoon::PickupCode;
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = world(backend).await;
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
        method: "LIST".into(),
        override_reason: None,
        request_id: format!("f{}", n.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
        paper_time: None,
    };
    let school = w.child.school_id.clone();
    let messages = || async {
        s.inbox(&w.admin.id, 100)
            .await
            .unwrap()
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

/// A notification as a Chinese reader sees it (messages are rendered when read).
fn zh(m: &yanshi_store::InboxItem) -> String {
    let (title, body) = yanshi_i18n::shown(yanshi_i18n::Locale::ZhCn, m.message.as_ref(), &m.title, &m.body);
    format!("{title}\n{body}")
}
