//! 自愿 by construction, on both databases: a guardian linked to a child by one staff member
//! counts for nothing until a second school admin confirms it, so no single staff account —
//! alone, or with the invitation slips it prints — can take a child to SIGNED or ACTIVE.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, account, forbidden, key, roster_child};
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::enrolment::{PickupPlan, Terms, Weekdays};
use yanshi_domain::role::Role;
use yanshi_domain::roster::RosterStudent;
use yanshi_store::enrolment::Application;
use yanshi_store::guardian_links::LinkSource;
use yanshi_store::{Actor, Backend, StoreError, User};

contract!(
    no_single_staff_account_can_enrol_a_child_through_a_guardian_it_added,
    a_second_school_admin_confirms_a_guardian_and_only_then_it_counts,
    a_roster_import_confirms_guardians_only_when_a_school_admin_imports,
    a_strangers_child_answers_the_same_with_or_without_an_application
);

/// The world with 张丽's account linked directly, and every kind of staff: [admin, vice, grade
/// director, class teacher, duty teacher, district admin].
async fn world(backend: Backend) -> (World, Vec<User>) {
    let w = World::build(backend).mother_linked_directly().create().await;
    let mut staff = vec![w.admin.clone()];
    for (role, login) in [(Role::SchoolAdmin, "vice"), (Role::GradeDirector, "director")] {
        staff.push(account(&w.store, &w.school, role, login, &format!("{login}老师"), NOW).await);
    }
    staff.push(w.teacher.clone());
    for (role, login) in [(Role::Teacher, "duty"), (Role::DistrictAdmin, "district")] {
        staff.push(account(&w.store, &w.school, role, login, &format!("{login}老师"), NOW).await);
    }
    (w, staff)
}

/// A boy of 三年级二班 and his mother, from the roster.
fn row(n: &str, name: &str, guardian: &str, phone: &str) -> RosterStudent {
    roster_child(2, n, name, (3, 2), guardian, phone)
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
    let (w, staff) = world(backend).await;
    for (i, member) in staff.iter().enumerate() {
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
            assert_eq!(forbidden(apply_as(&w, &fake).await.unwrap_err()), "err-enrolment-not-yours");
            assert!(
                w.store.children_of(&fake.id).await.unwrap().is_empty(),
                "the fake guardian sees no child"
            );
        }
        // Staff cannot apply for the child themselves either.
        assert_eq!(forbidden(apply_as(&w, member).await.unwrap_err()), "err-enrolment-not-yours");
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
    let (w, staff) = world(backend).await;
    let (admin, vice, teacher) = (&staff[0], &staff[1], &staff[3]);
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
    let mother_inbox = w.store.inbox(&w.mother.id, 10).await.unwrap().zh();
    assert!(
        mother_inbox.iter().any(|m| zh(m).contains("假家长") && zh(m).contains("王小明")),
        "the child's guardian is told at once: {mother_inbox:?}"
    );
    let admin_inbox = w.store.inbox(&admin.id, 10).await.unwrap().zh();
    assert!(
        admin_inbox.iter().any(|m| zh(m).contains("待确认")),
        "the admins are asked to confirm"
    );
    let pending = w.store.pending_guardian_links(&w.school.id).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].link.added_by_name.as_deref(), Some("王老师"));
    let guardian = pending[0].link.guardian_id.clone();
    // A teacher cannot confirm; the grade director neither; an admin can.
    for who in [&staff[2], &staff[4], &staff[5]] {
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
    assert!(link.confirmed && link.confirmed_by_name.as_deref() == Some("李校长"));
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
    let (w, staff) = world(backend).await;
    let (admin, district) = (&staff[0], &staff[5]);
    w.store
        .import_students(
            &Actor::User(district.id.clone()),
            &w.school.id,
            &[row("4", "孙悦", "孙梅", "13500135000")],
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
    assert!(!confirmed("孙悦"), "the district's import waits for the school");
    assert!(confirmed("赵六"), "a school admin's roster is the school's record");
    assert_eq!(w.store.pending_guardian_links(&w.school.id).await.unwrap().len(), 1);
}

async fn a_strangers_child_answers_the_same_with_or_without_an_application(backend: Backend) {
    let (w, _staff) = world(backend).await;
    let stranger = account(&w.store, &w.school, Role::Guardian, "13600136009", "路人", NOW).await;
    let before = forbidden(apply_as(&w, &stranger).await.unwrap_err());
    apply_as(&w, &w.mother).await.unwrap();
    let after = forbidden(apply_as(&w, &stranger).await.unwrap_err());
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
