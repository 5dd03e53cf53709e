//! The school as data, on both databases: settings, classes, terms and the calendar, staff,
//! students and families, the roster import, sensitive reads, class invitations.

use crate::fixtures::{self, key};
use time::{Duration, OffsetDateTime, macros::date, macros::datetime, macros::time};
use yanshi_domain::account::{DisplayName, InvitationCode, PhoneNumber};
use yanshi_domain::calendar::{DayStatus, GradeTimes, OverrideKind, SchoolOverride, Season, ServicePolicy};
use yanshi_domain::family::{Gender, PickupLevel, PriorityGroup, StudentNumber};
use yanshi_domain::role::Role;
use yanshi_domain::roster::{RosterGuardian, RosterStaff, RosterStudent};
use yanshi_domain::school::Grade;
use yanshi_store::people::{NewPickupAdult, NewStaff, Sensitive};
use yanshi_store::setup::{LeaderPosition, LeadershipMember};
use yanshi_store::terms::NewTerm;
use yanshi_store::testing::TestDatabase;
use yanshi_store::{Actor, Backend, School, SessionStage, SessionTimeouts, Store, StoreError, User};

const NOW: OffsetDateTime = datetime!(2026-09-01 08:00 UTC);

contract!(
    settings_policy_and_leadership,
    standard_classes_with_classrooms_teachers_and_directors,
    the_autumn_2026_calendar_counts_make_up_days_and_not_national_day,
    staff_records_link_to_accounts_and_deactivation_ends_access,
    a_roster_imports_once_and_reimports_to_no_change,
    a_roster_with_a_missing_class_writes_nothing,
    sensitive_reads_are_logged,
    pickup_adults_are_adults_and_removal_is_immediate,
    class_invitations_link_guardians_to_their_own_children,
    a_guardian_code_needs_the_phone_on_the_schools_record,
);

async fn setup(backend: Backend) -> (TestDatabase, Store, School, User) {
    let (db, store, school) = fixtures::school(backend, NOW).await;
    let admin = user(&store, &school, Role::SchoolAdmin, "admin").await;
    (db, store, school, admin)
}

/// An account whose login is also its name.
async fn user(store: &Store, school: &School, role: Role, name: &str) -> User {
    fixtures::account(store, school, role, name, name, NOW).await
}

fn child(row: usize, number: &str, name: &str, grade: u32, class: u8, guardians: &[(&str, &str, &str)]) -> RosterStudent {
    RosterStudent {
        row,
        number: StudentNumber::parse(number).unwrap(),
        name: name.into(),
        gender: Gender::Female,
        birth_date: Some(date!(2017 - 05 - 12)),
        grade: Grade::new(grade).unwrap(),
        class_number: class,
        guardians: guardians
            .iter()
            .map(|(n, r, p)| RosterGuardian {
                name: n.to_string(),
                relationship: r.to_string(),
                phone: PhoneNumber::parse(p).unwrap(),
            })
            .collect(),
        priority_groups: vec![],
        health_notes: String::new(),
    }
}

async fn settings_policy_and_leadership(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    assert_eq!(store.service_policy(&school.id).await.unwrap(), ServicePolicy::default());
    let mut p = ServicePolicy {
        default_end: time!(17:30),
        late_pickup_wait_minutes: 20,
        ..ServicePolicy::default()
    };
    store
        .update_school_settings(&actor, &school.id, "潍坊市奎文区", "0536-1234567", &p, NOW)
        .await
        .unwrap();
    assert_eq!(store.service_policy(&school.id).await.unwrap(), p);
    assert_eq!(store.school_profile(&school.id).await.unwrap().0, "潍坊市奎文区");
    p.default_end = time!(19:00);
    assert_eq!(
        key(store.update_school_settings(&actor, &school.id, "", "", &p, NOW).await.unwrap_err()),
        "err-end-after-latest"
    );
    assert_eq!(
        store.service_policy(&school.id).await.unwrap().default_end,
        time!(17:30),
        "a refused change changes nothing"
    );

    let members = vec![
        LeadershipMember {
            position: LeaderPosition::Leader,
            name: "李校长".into(),
            title: "校长".into(),
        },
        LeadershipMember {
            position: LeaderPosition::Deputy,
            name: "陈主任".into(),
            title: "教导主任".into(),
        },
        LeadershipMember {
            position: LeaderPosition::Member,
            name: "王老师".into(),
            title: "班主任".into(),
        },
    ];
    store.set_leadership(&actor, &school.id, &members, NOW).await.unwrap();
    assert_eq!(store.leadership(&school.id).await.unwrap(), members);
    assert_eq!(
        key(store.set_leadership(&actor, &school.id, &members[1..], NOW).await.unwrap_err()),
        "err-one-leader"
    );
}

async fn standard_classes_with_classrooms_teachers_and_directors(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    assert_eq!(store.create_standard_classes(&actor, &school.id, 4, NOW).await.unwrap(), 24);
    assert_eq!(
        store.create_standard_classes(&actor, &school.id, 4, NOW).await.unwrap(),
        0,
        "again: nothing new"
    );
    let classes = store.classes(&school.id).await.unwrap();
    assert_eq!(classes.len(), 24);
    assert_eq!(classes[5].name, "二年级二班");
    assert_eq!(classes[5].classroom.as_deref(), Some("二年级二班教室"));
    assert_eq!(store.places(&school.id).await.unwrap().len(), 24);
    let dup = store
        .create_class(&actor, &school.id, Grade::new(2).unwrap(), 2, NOW)
        .await
        .unwrap_err();
    assert_eq!(key(dup), "err-class-exists");

    let teacher = user(&store, &school, Role::ClassTeacher, "wang").await;
    let guardian = user(&store, &school, Role::Guardian, "10000000001").await;
    store
        .set_class_teacher(&actor, &classes[5].id, Some(&teacher.id), NOW)
        .await
        .unwrap();
    assert_eq!(
        key(store
            .set_class_teacher(&actor, &classes[5].id, Some(&guardian.id), NOW)
            .await
            .unwrap_err()),
        "err-not-staff-of-school"
    );
    let director = user(&store, &school, Role::GradeDirector, "chen").await;
    store
        .set_grade_director(&actor, &school.id, Grade::new(2).unwrap(), Some(&director.id), NOW)
        .await
        .unwrap();
    let class = store.class(&classes[5].id).await.unwrap();
    assert_eq!(class.class_teacher.as_ref().map(|t| t.1.as_str()), Some("wang"));
    assert_eq!(class.grade_director.as_ref().map(|t| t.0.clone()), Some(director.id.clone()));
    assert_eq!(
        store.classes_of_staff(&school.id, &director.id).await.unwrap().len(),
        4,
        "a director is responsible for the grade"
    );
    assert_eq!(store.classes_of_staff(&school.id, &teacher.id).await.unwrap().len(), 1);
    assert_eq!(
        store.grades(&school.id).await.unwrap()[1].director.as_ref().map(|d| d.1.as_str()),
        Some("chen")
    );
}

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
    let removed = store.calendar_overrides(&school.id).await.unwrap().remove(0);
    store.remove_calendar_override(&actor, &school.id, &removed.id, NOW).await.unwrap();
    let cal = store.service_calendar(cal.term).await.unwrap();
    assert!(cal.status(date!(2026 - 10 - 20), 3).is_service());
}

async fn staff_records_link_to_accounts_and_deactivation_ends_access(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    let new = || NewStaff {
        staff_number: "t001".into(),
        name: DisplayName::parse("王芳").unwrap(),
        phone: Some(PhoneNumber::parse("13800138001").unwrap()),
        title: "语文教师".into(),
    };
    let staff = store.create_staff(&actor, &school.id, new(), NOW).await.unwrap();
    assert_eq!(staff.staff_number, "T001");
    assert_eq!(
        key(store.create_staff(&actor, &school.id, new(), NOW).await.unwrap_err()),
        "err-staff-number-taken"
    );
    let account = user(&store, &school, Role::Teacher, "wangfang").await;
    store.link_staff_account(&actor, &staff.id, &account.id, NOW).await.unwrap();
    assert_eq!(store.staff_directory(&school.id).await.unwrap()[0].role, Some(Role::Teacher));
    let session = store
        .start_session(&account, SessionStage::Full, "t", NOW, SessionTimeouts::default())
        .await
        .unwrap();
    store.deactivate_staff(&actor, &staff.id, NOW).await.unwrap();
    assert!(
        store.session(&session, NOW, SessionTimeouts::default()).await.unwrap().is_none(),
        "access ends at once"
    );
    assert!(store.user(&account.id).await.unwrap().disabled);
    assert!(!store.staff_member(&staff.id).await.unwrap().active);

    let rows = vec![
        RosterStaff {
            row: 2,
            staff_number: "T001".into(),
            name: "王芳".into(),
            phone: Some(PhoneNumber::parse("13800138001").unwrap()),
            title: "语文教师".into(),
        },
        RosterStaff {
            row: 3,
            staff_number: "T002".into(),
            name: "李强".into(),
            phone: None,
            title: "体育教师".into(),
        },
    ];
    let c = store.import_staff(&actor, &school.id, &rows, "sha", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (1, 0, 1));
    let c = store.import_staff(&actor, &school.id, &rows, "sha", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 2));
}

async fn a_roster_imports_once_and_reimports_to_no_change(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 2, NOW).await.unwrap();
    let mut rows = vec![
        child(
            2,
            "20260301",
            "王小明",
            3,
            2,
            &[("张丽", "母亲", "13800138000"), ("王强", "父亲", "13900139000")],
        ),
        child(3, "20260302", "王小红", 1, 1, &[("张丽", "母亲", "13800138000")]),
        child(4, "20260303", "李华", 3, 1, &[("李梅", "外婆", "13700137000")]),
    ];
    rows[2].priority_groups = vec![PriorityGroup::LeftBehind];
    rows[2].health_notes = "哮喘".into();
    let (preview, problems) = store.preview_student_import(&school.id, &rows).await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((preview.created, preview.updated, preview.unchanged), (3, 0, 0));
    assert!(
        store.classes(&school.id).await.unwrap().iter().all(|c| c.active_students == 0),
        "a preview writes nothing"
    );

    let c = store.import_students(&actor, &school.id, &rows, "abc", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (3, 0, 0));
    let classes = store.classes(&school.id).await.unwrap();
    let g3c2 = classes.iter().find(|c| c.name == "三年级二班").unwrap();
    let students = store.students_of_class(&g3c2.id).await.unwrap();
    assert_eq!(students.len(), 1);
    assert_eq!(students[0].1.len(), 2);
    assert!(students[0].1[0].is_primary && students[0].1[0].name == "张丽");

    let c = store.import_students(&actor, &school.id, &rows, "abc", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 3), "the same file changes nothing");

    // An updated file: 王小明 moved to 三年级一班; 李华's grandmother's name corrected.
    rows[0].class_number = 1;
    rows[2].guardians[0].name = "李美".into();
    let (preview, _) = store.preview_student_import(&school.id, &rows).await.unwrap();
    assert_eq!((preview.created, preview.updated, preview.unchanged), (0, 2, 1));
    let c = store.import_students(&actor, &school.id, &rows, "def", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 2, 1));
    let g3c1 = classes.iter().find(|c| c.name == "三年级一班").unwrap();
    assert_eq!(store.students_of_class(&g3c1.id).await.unwrap().len(), 2);
    let audit = store.audit_entries(Some(&school.id), 5).await.unwrap();
    assert_eq!(audit[0].action, "roster.import_students");
    assert!(!audit[0].details.contains("哮喘"), "no sensitive content in the audit log");
}

async fn a_roster_with_a_missing_class_writes_nothing(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 2, NOW).await.unwrap();
    let rows = vec![
        child(2, "20260301", "王小明", 3, 2, &[("张丽", "母亲", "13800138000")]),
        child(3, "20260302", "赵六", 3, 9, &[("赵大", "父亲", "13800138002")]),
        child(4, "20260303", "钱七", 4, 1, &[("另一个名字", "母亲", "13800138000")]),
    ];
    let (_, problems) = store.preview_student_import(&school.id, &rows).await.unwrap();
    let found: Vec<(usize, &str)> = problems.iter().map(|p| (p.row, p.key)).collect();
    assert_eq!(found, vec![(3, "err-class-missing"), (4, "err-guardian-phone-conflict")]);
    assert_eq!(problems[0].value, "三年级九班");
    assert!(store.import_students(&actor, &school.id, &rows, "x", NOW).await.is_err());
    assert!(
        store.classes(&school.id).await.unwrap().iter().all(|c| c.active_students == 0),
        "all or nothing"
    );
}

async fn sensitive_reads_are_logged(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 1, NOW).await.unwrap();
    store
        .import_students(
            &actor,
            &school.id,
            &[child(2, "1", "王小明", 1, 1, &[("张丽", "母亲", "13800138000")])],
            "x",
            NOW,
        )
        .await
        .unwrap();
    let class = store.classes(&school.id).await.unwrap().remove(0);
    let student = store.students_of_class(&class.id).await.unwrap().remove(0).0;
    let value = Sensitive {
        health_notes: "花生过敏".into(),
        priority_groups: vec![PriorityGroup::MigrantChild],
        custody_notes: "父亲不得接走".into(),
    };
    store.set_sensitive(&actor, &student, &value, NOW).await.unwrap();
    assert!(store.sensitive_reads(&student.id).await.unwrap().is_empty());
    assert_eq!(store.read_sensitive(&admin.id, &student, NOW).await.unwrap(), value);
    store.read_sensitive(&admin.id, &student, NOW + Duration::minutes(1)).await.unwrap();
    let reads = store.sensitive_reads(&student.id).await.unwrap();
    assert_eq!(reads.len(), 2, "every read is logged");
    assert_eq!(reads[0].0, "admin");
}

async fn pickup_adults_are_adults_and_removal_is_immediate(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 1, NOW).await.unwrap();
    store
        .import_students(
            &actor,
            &school.id,
            &[child(2, "1", "王小明", 1, 1, &[("张丽", "母亲", "13800138000")])],
            "x",
            NOW,
        )
        .await
        .unwrap();
    let class = store.classes(&school.id).await.unwrap().remove(0);
    let student = store.students_of_class(&class.id).await.unwrap().remove(0).0;
    let adult = |confirmed, level, photo: Option<&str>| NewPickupAdult {
        name: DisplayName::parse("王奶奶").unwrap(),
        relationship: "奶奶".into(),
        phone: PhoneNumber::parse("13600136000").unwrap(),
        id_last4: Some("123X".into()),
        photo: photo.map(Into::into),
        adult_confirmed: confirmed,
        level,
    };
    assert_eq!(
        key(store
            .add_pickup_adult(&actor, &student, adult(false, PickupLevel::Always, None), NOW)
            .await
            .unwrap_err()),
        "err-adult-not-confirmed"
    );
    assert_eq!(
        key(store
            .add_pickup_adult(&actor, &student, adult(true, PickupLevel::Always, Some("<script>")), NOW)
            .await
            .unwrap_err()),
        "err-photo"
    );
    let id = store
        .add_pickup_adult(
            &actor,
            &student,
            adult(true, PickupLevel::Always, Some("data:image/png;base64,iVBORw0KGgo=")),
            NOW,
        )
        .await
        .unwrap();
    store
        .add_pickup_adult(&actor, &student, adult(true, PickupLevel::Never, None), NOW)
        .await
        .unwrap();
    let adults = store.pickup_adults(&student.id).await.unwrap();
    assert_eq!(adults.len(), 2);
    assert!(adults[0].has_photo);
    assert_eq!(adults[1].level, PickupLevel::Never);
    assert!(store.pickup_adult_photo(&id).await.unwrap().is_some());
    store.remove_pickup_adult(&actor, &student, &id, NOW).await.unwrap();
    assert_eq!(store.pickup_adults(&student.id).await.unwrap().len(), 1);
    assert!(
        store.pickup_adult_photo(&id).await.unwrap().is_none(),
        "a removed adult's photo is gone from view"
    );
    assert!(matches!(
        store.remove_pickup_adult(&actor, &student, &id, NOW).await,
        Err(StoreError::NotFound)
    ));
}

async fn class_invitations_link_guardians_to_their_own_children(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 1, NOW).await.unwrap();
    let rows = vec![
        child(
            2,
            "1",
            "王小明",
            1,
            1,
            &[("张丽", "母亲", "13800138000"), ("王强", "父亲", "13900139000")],
        ),
        child(3, "2", "王小红", 1, 1, &[("张丽", "母亲", "13800138000")]),
        child(4, "3", "李华", 1, 1, &[("李梅", "母亲", "13700137000")]),
    ];
    store.import_students(&actor, &school.id, &rows, "x", NOW).await.unwrap();
    let class = store.classes(&school.id).await.unwrap().remove(0);
    let first = store
        .create_class_invitations(&actor, &class, NOW, Duration::days(14))
        .await
        .unwrap();
    assert_eq!(first.len(), 3, "one code per guardian, even with two children: {first:?}");
    let second = store
        .create_class_invitations(&actor, &class, NOW, Duration::days(14))
        .await
        .unwrap();
    let zhang_old = first.iter().find(|i| i.guardian_name == "张丽").unwrap().code.clone();
    let zhang_new = second.iter().find(|i| i.guardian_name == "张丽").unwrap().code.clone();
    let redeem = |code: InvitationCode, phone: &'static str| {
        let store = store.clone();
        async move {
            store
                .redeem_invitation(
                    &code,
                    DisplayName::parse("张丽").unwrap(),
                    PhoneNumber::parse(phone).unwrap(),
                    "x".into(),
                    NOW,
                )
                .await
        }
    };
    assert_eq!(
        key(redeem(zhang_old, "13800138000").await.unwrap_err()),
        "err-invitation-invalid",
        "only the newest slip works"
    );
    let zhang = redeem(zhang_new, "13800138000").await.unwrap();
    let mut kids: Vec<String> = store
        .children_of(&zhang.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(s, _)| s.name)
        .collect();
    kids.sort();
    assert_eq!(kids, vec!["王小明", "王小红"], "her own two children, not 李华");
    let third = store
        .create_class_invitations(&actor, &class, NOW, Duration::days(14))
        .await
        .unwrap();
    assert_eq!(third.len(), 2, "guardians with an account get no new code");
}

async fn a_guardian_code_needs_the_phone_on_the_schools_record(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 1, NOW).await.unwrap();
    let rows = vec![child(2, "1", "王小明", 1, 1, &[("张丽", "母亲", "13800138000")])];
    store.import_students(&actor, &school.id, &rows, "x", NOW).await.unwrap();
    let class = store.classes(&school.id).await.unwrap().remove(0);
    let code = store
        .create_class_invitations(&actor, &class, NOW, Duration::days(14))
        .await
        .unwrap()
        .remove(0)
        .code;
    let stranger = PhoneNumber::parse("13900000009").unwrap();
    assert_eq!(
        key(store.check_invitation(&code, &stranger, NOW).await.unwrap_err()),
        "err-invitation-phone"
    );
    let refused = store
        .redeem_invitation(&code, DisplayName::parse("张丽").unwrap(), stranger.clone(), "x".into(), NOW)
        .await
        .unwrap_err();
    assert_eq!(key(refused), "err-invitation-phone", "someone else's phone takes nobody's children");
    assert!(
        store
            .user_by_login(&yanshi_domain::account::Login::Phone(stranger))
            .await
            .unwrap()
            .is_none(),
        "a refusal creates nobody"
    );
    // The school's number, typed with full-width digits and spaces, is the same number.
    let typed = PhoneNumber::parse("１３８ ００１３ ８０００").unwrap();
    store.check_invitation(&code, &typed, NOW).await.expect("the code is still open");
    let mother = store
        .redeem_invitation(&code, DisplayName::parse("张丽").unwrap(), typed.clone(), "x".into(), NOW)
        .await
        .expect("the code was not spent by the refusal");
    assert_eq!(store.children_of(&mother.id).await.unwrap().len(), 1);
    assert_eq!(
        key(store.check_invitation(&code, &typed, NOW).await.unwrap_err()),
        "err-invitation-invalid",
        "spent now"
    );
}
