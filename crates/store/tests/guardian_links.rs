//! 自愿 by construction, on both databases: a guardian linked to a child by one staff member
//! counts for nothing until a second school admin confirms it, so no single staff account —
//! alone, or with the invitation slips it prints — can take a child to SIGNED or ACTIVE.

#[macro_use]
mod common;

use time::{OffsetDateTime, macros::datetime};
use yanshi_domain::account::{DisplayName, PhoneNumber, Username};
use yanshi_domain::enrolment::{PickupPlan, Terms, Weekdays};
use yanshi_domain::family::{Gender, StudentNumber};
use yanshi_domain::role::Role;
use yanshi_domain::roster::{RosterGuardian, RosterStudent};
use yanshi_domain::school::Grade;
use yanshi_store::enrolment::Application;
use yanshi_store::guardian_links::LinkSource;
use yanshi_store::people::Student;
use yanshi_store::setup::ClassInfo;
use yanshi_store::terms::{NewTerm, Term};
use yanshi_store::testing::TestDatabase;
use yanshi_store::{Actor, Backend, NewUser, School, Store, StoreError, User};

const NOW: OffsetDateTime = datetime!(2026-09-02 02:00 UTC);

contract!(
    no_single_staff_account_can_enrol_a_child_through_a_guardian_it_added,
    a_second_school_admin_confirms_a_guardian_and_only_then_it_counts,
    a_roster_import_confirms_guardians_only_when_a_school_admin_imports,
    a_strangers_child_answers_the_same_with_or_without_an_application
);

struct World {
    _db: TestDatabase,
    store: Store,
    school: School,
    class: ClassInfo,
    child: Student,
    term: Term,
    staff: Vec<User>,
    mother: User,
}

async fn account(store: &Store, school: &School, role: Role, login: &str) -> User {
    let guardian = role == Role::Guardian;
    let new = NewUser {
        school_id: (role != Role::DistrictAdmin).then(|| school.id.clone()),
        role,
        username: (!guardian).then(|| Username::parse(login).unwrap()),
        phone: guardian.then(|| PhoneNumber::parse(login).unwrap()),
        display_name: DisplayName::parse(&format!("{login}老师")).unwrap(),
        password_hash: "x".into(),
    };
    store.create_user(&Actor::Cli, new, NOW).await.unwrap()
}

fn row(n: &str, name: &str, guardian: &str, phone: &str) -> RosterStudent {
    RosterStudent {
        row: 2,
        number: StudentNumber::parse(n).unwrap(),
        name: name.into(),
        gender: Gender::Male,
        birth_date: None,
        grade: Grade::new(3).unwrap(),
        class_number: 2,
        guardians: vec![RosterGuardian {
            name: guardian.into(),
            relationship: "母亲".into(),
            phone: PhoneNumber::parse(phone).unwrap(),
        }],
        priority_groups: vec![],
        health_notes: String::new(),
    }
}

async fn world(backend: Backend) -> World {
    let db = TestDatabase::new(backend).await;
    let store = db.store().await;
    let school = store
        .create_school(&Actor::Cli, "实验小学", "Asia/Shanghai", false, NOW)
        .await
        .unwrap();
    let mut staff = Vec::new();
    for (role, login) in [
        (Role::SchoolAdmin, "admin"),
        (Role::SchoolAdmin, "vice"),
        (Role::GradeDirector, "director"),
        (Role::ClassTeacher, "wang"),
        (Role::Teacher, "duty"),
        (Role::DistrictAdmin, "district"),
    ] {
        staff.push(account(&store, &school, role, login).await);
    }
    store.create_standard_classes(&Actor::Cli, &school.id, 2, NOW).await.unwrap();
    let class = store
        .classes(&school.id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "三年级二班")
        .unwrap();
    store
        .set_class_teacher(&Actor::Cli, &class.id, Some(&staff[3].id), NOW)
        .await
        .unwrap();
    store
        .import_students(&Actor::Cli, &school.id, &[row("1", "王小明", "张丽", "13800138000")], "x", NOW)
        .await
        .unwrap();
    let child = store.students_of_class(&class.id).await.unwrap().remove(0).0;
    let mother = account(&store, &school, Role::Guardian, "13800138000").await;
    store
        .link_guardian_account(&school.id, &PhoneNumber::parse("13800138000").unwrap(), &mother.id)
        .await
        .unwrap();
    let term = store
        .create_term(
            &Actor::Cli,
            &school.id,
            NewTerm {
                name: "2026秋".into(),
                starts_on: time::macros::date!(2026 - 09 - 01),
                ends_on: time::macros::date!(2027 - 01 - 24),
                first_service_day: None,
                last_service_day: None,
                times: Default::default(),
            },
            NOW,
        )
        .await
        .unwrap();
    store.publish_notice(&staff[0], &term.id, "致家长的一封信……", NOW).await.unwrap();
    World {
        _db: db,
        store,
        school,
        class,
        child,
        term,
        staff,
        mother,
    }
}

/// Whoever holds `phone` applies for the child, as a guardian would.
async fn apply_as(w: &World, guardian: &User) -> Result<yanshi_domain::ids::EnrolmentId, StoreError> {
    let notice = w.store.current_notice(&w.term.id).await.unwrap().unwrap().id;
    w.store.mark_notice_read(guardian, &notice, NOW).await.unwrap();
    let app = Application {
        terms: Terms {
            weekdays: Weekdays::from_numbers(&[1, 3, 5]).unwrap(),
            latest_pickup: time::macros::time!(17:20),
            pickup_plan: PickupPlan::ByAdults,
        },
        health_disclosure: "无".into(),
        reason: "下班晚".into(),
        priority_group: None,
        consent_version: yanshi_domain::agreement::PRIVACY_NOTICE_VERSION.into(),
        notice_id: Some(notice),
    };
    w.store.apply(guardian, &w.child.id, &w.term.id, &app, true, NOW).await
}

fn key(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(i) => i.key,
        other => panic!("{other:?}"),
    }
}

/// The made-up guardian's account, as the staff member would get it: the class's slips they
/// print, then the code redeemed with the phone they typed.
async fn slip_account(w: &World, by: &User, phone: &str) -> Option<User> {
    let slips = w
        .store
        .create_class_invitations(&Actor::User(by.id.clone()), &w.class, NOW, time::Duration::days(14))
        .await
        .unwrap();
    let slip = slips.into_iter().find(|s| s.guardian_name == "假家长")?;
    let user = w
        .store
        .redeem_invitation(
            &slip.code,
            DisplayName::parse("假家长").unwrap(),
            PhoneNumber::parse(phone).unwrap(),
            "x".into(),
            NOW,
        )
        .await
        .unwrap();
    Some(user)
}

async fn no_single_staff_account_can_enrol_a_child_through_a_guardian_it_added(backend: Backend) {
    let w = world(backend).await;
    for (i, member) in w.staff.iter().enumerate() {
        let phone = format!("1390000000{i}");
        w.store
            .add_guardian(
                member,
                &w.child.id,
                DisplayName::parse("假家长").unwrap(),
                "母亲",
                PhoneNumber::parse(&phone).unwrap(),
                NOW,
            )
            .await
            .unwrap();
        // The one who added it cannot confirm it, whatever their role.
        let added = w
            .store
            .guardians_of(&w.child.id)
            .await
            .unwrap()
            .into_iter()
            .find(|g| g.phone == phone)
            .unwrap();
        assert!(!added.confirmed && added.source == LinkSource::Staff);
        assert_eq!(
            key(w
                .store
                .confirm_guardian_link(member, &w.child.id, &added.guardian_id, NOW)
                .await
                .unwrap_err()),
            "err-guardian-confirm-second-admin",
            "{:?} confirmed their own change",
            member.role
        );
        // No slip is printed for a guardian not in effect …
        assert!(
            slip_account(&w, member, &phone).await.is_none(),
            "{:?} printed a slip for it",
            member.role
        );
        // … and a general invitation redeemed with that phone links to no child.
        let code = w
            .store
            .create_invitation(&Actor::User(member.id.clone()), &w.school.id, "", NOW, time::Duration::days(1))
            .await;
        if let Ok(code) = code {
            let fake = w
                .store
                .redeem_invitation(
                    &code,
                    DisplayName::parse("假家长").unwrap(),
                    PhoneNumber::parse(&phone).unwrap(),
                    "x".into(),
                    NOW,
                )
                .await
                .unwrap();
            assert_eq!(key(apply_as(&w, &fake).await.unwrap_err()), "err-enrolment-not-yours");
            assert!(
                w.store.children_of(&fake.id).await.unwrap().is_empty(),
                "the fake guardian sees no child"
            );
        }
        // Staff cannot apply for the child themselves either.
        assert_eq!(key(apply_as(&w, member).await.unwrap_err()), "err-enrolment-not-yours");
        w.store
            .reject_guardian_link(member, &w.child.id, &added.guardian_id, NOW)
            .await
            .unwrap();
    }
    let (states, active, _) = w.store.enrolment_compliance(&w.term.id).await.unwrap();
    assert_eq!(
        (states.iter().map(|(_, n)| n).sum::<i64>(), active),
        (0, 0),
        "no application exists at all"
    );
}

async fn a_second_school_admin_confirms_a_guardian_and_only_then_it_counts(backend: Backend) {
    let w = world(backend).await;
    let (admin, vice, teacher) = (&w.staff[0], &w.staff[1], &w.staff[3]);
    w.store
        .add_guardian(
            teacher,
            &w.child.id,
            DisplayName::parse("假家长").unwrap(),
            "父亲",
            PhoneNumber::parse("13900000009").unwrap(),
            NOW,
        )
        .await
        .unwrap();
    let mother_inbox = w.store.inbox(&w.mother.id, 10).await.unwrap();
    assert!(
        mother_inbox.iter().any(|m| zh(m).contains("假家长") && zh(m).contains("王小明")),
        "the child's guardian is told at once: {mother_inbox:?}"
    );
    let admin_inbox = w.store.inbox(&admin.id, 10).await.unwrap();
    assert!(
        admin_inbox.iter().any(|m| zh(m).contains("待确认")),
        "the admins are asked to confirm"
    );
    let pending = w.store.pending_guardian_links(&w.school.id).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].link.added_by_name.as_deref(), Some("wang老师"));
    let guardian = pending[0].link.guardian_id.clone();
    // A teacher cannot confirm; the grade director neither; an admin can.
    for who in [&w.staff[2], &w.staff[4], &w.staff[5]] {
        assert_eq!(
            key(w.store.confirm_guardian_link(who, &w.child.id, &guardian, NOW).await.unwrap_err()),
            "err-guardian-confirm-second-admin"
        );
    }
    w.store.confirm_guardian_link(admin, &w.child.id, &guardian, NOW).await.unwrap();
    assert_eq!(
        key(w.store.confirm_guardian_link(vice, &w.child.id, &guardian, NOW).await.unwrap_err()),
        "err-guardian-already-confirmed"
    );
    let link = w
        .store
        .guardians_of(&w.child.id)
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.guardian_id == guardian)
        .unwrap();
    assert!(link.confirmed && link.confirmed_by_name.as_deref() == Some("admin老师"));
    assert!(w.store.pending_guardian_links(&w.school.id).await.unwrap().is_empty());
    // Now the slip exists, and its account applies: two people stood behind the link.
    let father = slip_account(&w, teacher, "13900000009")
        .await
        .expect("a slip for a confirmed guardian");
    apply_as(&w, &father).await.unwrap();
    let link = w
        .store
        .guardians_of(&w.child.id)
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.guardian_id == guardian)
        .unwrap();
    assert_eq!(link.account_linked_via.as_deref(), Some("INVITATION"));
    let mother_link = w
        .store
        .guardians_of(&w.child.id)
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.name == "张丽")
        .unwrap();
    assert_eq!(
        (mother_link.source, mother_link.account_linked_via.as_deref()),
        (LinkSource::Import, Some("DIRECT"))
    );
}

async fn a_roster_import_confirms_guardians_only_when_a_school_admin_imports(backend: Backend) {
    let w = world(backend).await;
    let (admin, district) = (&w.staff[0], &w.staff[5]);
    w.store
        .import_students(
            &Actor::User(district.id.clone()),
            &w.school.id,
            &[row("2", "李华", "李梅", "13700137000")],
            "x",
            NOW,
        )
        .await
        .unwrap();
    w.store
        .import_students(
            &Actor::User(admin.id.clone()),
            &w.school.id,
            &[row("3", "赵六", "赵大", "13600136000")],
            "x",
            NOW,
        )
        .await
        .unwrap();
    let kids = w.store.students_of_class(&w.class.id).await.unwrap();
    let confirmed = |name: &str| kids.iter().find(|(s, _)| s.name == name).unwrap().1[0].confirmed;
    assert!(!confirmed("李华"), "the district's import waits for the school");
    assert!(confirmed("赵六"), "a school admin's roster is the school's record");
    assert_eq!(w.store.pending_guardian_links(&w.school.id).await.unwrap().len(), 1);
}

async fn a_strangers_child_answers_the_same_with_or_without_an_application(backend: Backend) {
    let w = world(backend).await;
    let stranger = account(&w.store, &w.school, Role::Guardian, "13700137000").await;
    let before = key(apply_as(&w, &stranger).await.unwrap_err());
    apply_as(&w, &w.mother).await.unwrap();
    let after = key(apply_as(&w, &stranger).await.unwrap_err());
    assert_eq!(
        (before, after),
        ("err-enrolment-not-yours", "err-enrolment-not-yours"),
        "nothing told about the child"
    );
}

/// A notification as a Chinese reader sees it (messages are rendered when read).
fn zh(m: &yanshi_store::InboxItem) -> String {
    let (title, body) = yanshi_i18n::shown(yanshi_i18n::Locale::ZhCn, m.message.as_ref(), &m.title, &m.body);
    format!("{title}\n{body}")
}
