//! 志愿者: registered, vetted check by check within the school's validity, never alone in a
//! session plan, their own assignments with the group's first names, hours from the signed
//! records and the duty log, and the certificate a school admin signs off.

use crate::fixtures::{NOW, World, account, active, forbidden, key, refusal};
use time::macros::{date, datetime};
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::afternoon::RollStatus;
use yanshi_domain::role::Role;
use yanshi_domain::volunteer::{IdLast4, VettingCheck, VolunteerKind};
use yanshi_store::afternoon::PlanInput;
use yanshi_store::volunteers::{NewCheck, NewVolunteer, ServiceSource};
use yanshi_store::{Actor, Backend, User};

contract!(
    a_volunteer_is_registered_vetted_and_never_alone_in_a_plan,
    a_volunteer_sees_their_assignments_and_hours_and_gets_a_certificate,
);

fn check(check: VettingCheck, dated: time::Date, seen_on: time::Date, last4: Option<&str>) -> NewCheck {
    NewCheck {
        check,
        dated,
        seen_on,
        id_last4: last4.map(|l| IdLast4::parse(l).unwrap()),
    }
}

fn plan(weekday: u8, teacher: Option<&User>, volunteer: Option<&User>) -> PlanInput {
    PlanInput {
        weekday,
        content: "自主阅读".into(),
        note: String::new(),
        teacher: teacher.map(|t| t.id.clone()),
        volunteer: volunteer.map(|v| v.id.clone()),
    }
}

/// 孙阿姨, a parent volunteer of the school, registered and vetted: identity seen on 1 Sept,
/// a certificate dated 1 March, training on 30 August.
async fn vetted_volunteer(w: &World) -> User {
    let s = &w.store;
    let sun = account(s, &w.school, Role::Volunteer, "sun", "孙阿姨", NOW).await;
    let new = NewVolunteer {
        user: sun.id.clone(),
        kind: VolunteerKind::Parent,
        organisation: "写了也不留".into(),
    };
    s.register_volunteer(&w.admin, &w.school.id, &new, NOW).await.unwrap();
    for c in [
        check(VettingCheck::Identity, date!(2026 - 09 - 01), date!(2026 - 09 - 01), Some("123x")),
        check(VettingCheck::CriminalRecord, date!(2026 - 03 - 01), date!(2026 - 09 - 01), None),
        check(VettingCheck::Training, date!(2026 - 08 - 30), date!(2026 - 08 - 30), None),
    ] {
        s.record_volunteer_check(&w.admin, &sun.id, &c, NOW).await.unwrap();
    }
    sun
}

async fn a_volunteer_is_registered_vetted_and_never_alone_in_a_plan(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    let class = s.class(&w.child.class_id).await.unwrap();
    let sun = account(s, &w.school, Role::Volunteer, "sun", "孙阿姨", NOW).await;
    let org = |name: &str| NewVolunteer {
        user: sun.id.clone(),
        kind: VolunteerKind::Organisation,
        organisation: name.into(),
    };

    // Only a school admin registers, only the school's volunteer accounts, an organisation by name.
    assert_eq!(
        forbidden(
            s.register_volunteer(&w.teacher, &w.school.id, &org("阳光公益"), NOW)
                .await
                .unwrap_err()
        ),
        "err-volunteer-not-yours"
    );
    let as_teacher = NewVolunteer {
        user: w.teacher.id.clone(),
        ..org("阳光公益")
    };
    assert_eq!(
        key(s.register_volunteer(&w.admin, &w.school.id, &as_teacher, NOW).await.unwrap_err()),
        "err-volunteer-account"
    );
    assert_eq!(
        key(s.register_volunteer(&w.admin, &w.school.id, &org(" "), NOW).await.unwrap_err()),
        "err-volunteer-organisation"
    );
    assert_eq!(
        s.unregistered_volunteer_accounts(&w.school.id).await.unwrap(),
        [(sun.id.clone(), "孙阿姨".to_string())]
    );
    s.register_volunteer(&w.admin, &w.school.id, &org(" 阳光公益 "), NOW).await.unwrap();
    assert_eq!(
        key(s
            .register_volunteer(&w.admin, &w.school.id, &org("阳光公益"), NOW)
            .await
            .unwrap_err()),
        "err-volunteer-registered"
    );
    assert!(s.unregistered_volunteer_accounts(&w.school.id).await.unwrap().is_empty());
    let v = s.volunteer(&w.school.id, &sun.id).await.unwrap();
    assert_eq!(
        (v.kind, v.organisation.as_str(), v.checks.len()),
        (VolunteerKind::Organisation, "阳光公益", 0)
    );

    // Unvetted: the plan refuses them, and refuses a volunteer without a teacher in any case.
    let today = date!(2026 - 09 - 02);
    assert!(s.vetted_volunteers(&w.school.id, today).await.unwrap().is_empty());
    assert_eq!(
        key(s
            .set_session_plan(&w.teacher, &class, &w.term.id, &plan(3, Some(&w.teacher), Some(&sun)), NOW)
            .await
            .unwrap_err()),
        "err-plan-volunteer-unvetted"
    );

    // The checks, each by the one who saw it; never by a teacher, never dated ahead.
    let identity = check(VettingCheck::Identity, date!(2026 - 09 - 01), date!(2026 - 09 - 01), Some("123x"));
    assert_eq!(
        forbidden(s.record_volunteer_check(&w.teacher, &sun.id, &identity, NOW).await.unwrap_err()),
        "err-volunteer-not-yours"
    );
    let refused = [
        (
            check(VettingCheck::Identity, date!(2026 - 09 - 01), date!(2026 - 09 - 01), None),
            "err-volunteer-id-last4",
        ),
        (
            check(VettingCheck::Training, date!(2026 - 09 - 03), date!(2026 - 09 - 03), None),
            "err-volunteer-check-future",
        ),
        (
            check(VettingCheck::CriminalRecord, date!(2026 - 09 - 01), date!(2026 - 08 - 01), None),
            "err-volunteer-check-order",
        ),
    ];
    for (c, expected) in refused {
        assert_eq!(
            refusal(s.record_volunteer_check(&w.admin, &sun.id, &c, NOW).await.unwrap_err()),
            expected
        );
    }
    s.record_volunteer_check(&w.admin, &sun.id, &identity, NOW).await.unwrap();
    s.record_volunteer_check(
        &w.admin,
        &sun.id,
        &check(VettingCheck::CriminalRecord, date!(2026 - 03 - 01), date!(2026 - 09 - 01), None),
        NOW,
    )
    .await
    .unwrap();
    assert!(
        s.vetted_volunteers(&w.school.id, today).await.unwrap().is_empty(),
        "no training yet"
    );
    s.record_volunteer_check(
        &w.admin,
        &sun.id,
        &check(VettingCheck::Training, date!(2026 - 08 - 30), date!(2026 - 08 - 30), None),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(s.vetted_volunteers(&w.school.id, today).await.unwrap(), vec![sun.id.clone()]);
    let v = s.volunteer(&w.school.id, &sun.id).await.unwrap();
    let seen: Vec<_> = v
        .checks
        .iter()
        .map(|c| (c.check, c.id_last4.as_str(), c.checked_by.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (VettingCheck::Identity, "123X", "李校长"),
            (VettingCheck::CriminalRecord, "", "李校长"),
            (VettingCheck::Training, "", "李校长")
        ]
    );

    // The school's validity: six months lapse a certificate dated in March; twelve do not.
    assert_eq!(s.volunteer_validity(&w.school.id).await.unwrap(), 12);
    assert_eq!(
        forbidden(s.set_volunteer_validity(&w.teacher, &w.school.id, 6, NOW).await.unwrap_err()),
        "err-volunteer-not-yours"
    );
    assert_eq!(
        key(s.set_volunteer_validity(&w.admin, &w.school.id, 0, NOW).await.unwrap_err()),
        "err-volunteer-valid-months"
    );
    s.set_volunteer_validity(&w.admin, &w.school.id, 6, NOW).await.unwrap();
    assert_eq!(s.volunteer_validity(&w.school.id).await.unwrap(), 6);
    assert!(s.vetted_volunteers(&w.school.id, today).await.unwrap().is_empty());
    assert_eq!(
        key(s
            .set_session_plan(&w.teacher, &class, &w.term.id, &plan(3, Some(&w.teacher), Some(&sun)), NOW)
            .await
            .unwrap_err()),
        "err-plan-volunteer-unvetted"
    );
    s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(3, Some(&w.teacher), None), NOW)
        .await
        .unwrap();
    s.set_volunteer_validity(&w.admin, &w.school.id, 12, NOW).await.unwrap();

    // Vetted, but never the only adult: a plan naming a volunteer names a teacher too.
    assert_eq!(
        key(s
            .set_session_plan(&w.teacher, &class, &w.term.id, &plan(3, None, Some(&sun)), NOW)
            .await
            .unwrap_err()),
        "err-plan-volunteer-alone"
    );
    s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(3, Some(&w.teacher), Some(&sun)), NOW)
        .await
        .unwrap();
    let plans = s.session_plans(&class.id, &w.term.id).await.unwrap();
    assert_eq!(plans[0].volunteer.as_ref().map(|v| v.1.as_str()), Some("孙阿姨"));

    // A disabled account is no longer vetted; a second school sees none of these volunteers.
    s.disable_user(&Actor::User(w.admin.id.clone()), &sun.id, NOW).await.unwrap();
    assert!(s.vetted_volunteers(&w.school.id, today).await.unwrap().is_empty());
    let other = s.create_school(&Actor::Cli, "第二小学", "Asia/Shanghai", false, NOW).await.unwrap();
    assert!(s.volunteers(&other.id).await.unwrap().is_empty());
    assert!(matches!(
        s.volunteer(&other.id, &sun.id).await,
        Err(yanshi_store::StoreError::NotFound)
    ));
}

/// A post and a published turn and a signed duty-log row, as the duty roster writes them (its
/// store is not on this branch: the rows go in as its migration defines them).
async fn duty_rows(w: &World, volunteer: &User) {
    sqlx::any::install_default_drivers();
    let url = if w._db.url.starts_with("sqlite") {
        format!("{}?mode=rw", w._db.url)
    } else {
        w._db.url.clone()
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let (school, admin, user) = (w.school.id.to_string(), w.admin.id.to_string(), volunteer.id.to_string());
    sqlx::query(
        "INSERT INTO duty_posts (id, school_id, kind, name, weekdays, grades, starts, ends, needs, weight_permille, roles, active, updated_by, updated_at) \
         VALUES ('p1', $1, 'GATE', '东校门', '12345', '', '16:00', '17:00', 2, 1000, '', 1, $2, 0)",
    )
    .bind(&school)
    .bind(&admin)
    .execute(&pool)
    .await
    .unwrap();
    for (id, day, published) in [("t1", "2026-09-03", 1), ("t2", "2026-09-04", 0), ("t3", "2026-09-01", 1)] {
        sqlx::query(
            "INSERT INTO duty_turns (id, school_id, term_id, day, slot, post_id, class_id, user_id, published, source, covers_user_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, 'p1', 'p1', NULL, $5, $6, 'GENERATED', NULL, $7, 0)",
        )
        .bind(id)
        .bind(&school)
        .bind(w.term.id.to_string())
        .bind(day)
        .bind(&user)
        .bind(published)
        .bind(&admin)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO duty_log (id, school_id, day, post_id, kind, user_id, checked, happened, minutes, covered_for, signed_name, signed_at) \
         VALUES ('l1', $1, '2026-09-03', 'p1', 'GATE', $2, '', '', 60, NULL, '孙阿姨', 0)",
    )
    .bind(&school)
    .bind(&user)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

async fn a_volunteer_sees_their_assignments_and_hours_and_gets_a_certificate(backend: Backend) {
    use yanshi_domain::family::PickupLevel;
    use yanshi_store::afternoon::{AdultRef, HandoverOutcome, HandoverRequest};
    use yanshi_store::people::NewPickupAdult;
    let w = World::new(backend).await;
    let s = &w.store;
    active(&w).await;
    let class = s.class(&w.child.class_id).await.unwrap();
    let sun = vetted_volunteer(&w).await;
    s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(3, Some(&w.teacher), Some(&sun)), NOW)
        .await
        .unwrap();
    duty_rows(&w, &sun).await;

    // Their own assignments: the plan with the group's first names only, the published turns ahead.
    let today = date!(2026 - 09 - 02);
    let mine = s.volunteer_assignments(&sun, today).await.unwrap();
    assert_eq!(mine.plans.len(), 1);
    let p = &mine.plans[0];
    assert_eq!(
        (p.weekday, p.class.as_str(), p.teacher.as_deref(), p.group.clone()),
        (3, "三年级二班", Some("王老师"), vec!["小明".to_string()])
    );
    assert_eq!(
        mine.turns
            .iter()
            .map(|t| (t.day, t.place.as_str(), t.starts.as_str()))
            .collect::<Vec<_>>(),
        [(date!(2026 - 09 - 03), "东校门", "16:00")],
        "published and ahead only"
    );
    assert_eq!(
        forbidden(s.volunteer_assignments(&w.teacher, today).await.unwrap_err()),
        "err-volunteer-not-yours"
    );

    // Wednesday 9 Sept: 王小明 is handed over at 17:00 and 王老师 signs the record.
    let wed = date!(2026 - 09 - 09);
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
    let during = datetime!(2026-09-09 08:30 UTC);
    s.mark_roll(&w.teacher, &w.child, wed, RollStatus::Present, "", during)
        .await
        .unwrap();
    let r = HandoverRequest {
        student: w.child.id.clone(),
        day: wed,
        adult: Some(AdultRef::Listed(grandma)),
        method: yanshi_domain::afternoon::HandoverMethod::List,
        override_reason: None,
        request_id: "vol-wed".into(),
        paper_time: None,
    };
    let five = datetime!(2026-09-09 09:00 UTC);
    assert!(matches!(
        s.record_handover(&w.teacher, &r, five).await.unwrap(),
        HandoverOutcome::Recorded(_)
    ));
    let (from, to) = (date!(2026 - 09 - 01), date!(2026 - 09 - 30));
    assert_eq!(
        s.volunteer_service(&w.school.id, &sun.id, from, to).await.unwrap().len(),
        1,
        "a draft does not count"
    );
    s.sign_service_record(&w.teacher, &class, wed, "王老师", None, five).await.unwrap();
    let lines = s.volunteer_service(&w.school.id, &sun.id, from, to).await.unwrap();
    assert_eq!(
        lines.iter().map(|l| (l.day, l.minutes, l.source.clone())).collect::<Vec<_>>(),
        [
            (date!(2026 - 09 - 03), 60, ServiceSource::Duty { post: "东校门".into() }),
            (
                wed,
                50,
                ServiceSource::Session {
                    class: "三年级二班".into()
                }
            ),
        ]
    );
    assert!(s.volunteer_service(&w.school.id, &w.teacher.id, from, to).await.unwrap().is_empty());

    // The certificate: a school admin signs it off, for a past range with service in it.
    let later = datetime!(2026-10-08 02:00 UTC);
    assert_eq!(
        forbidden(
            s.issue_volunteer_certificate(&w.teacher, &sun.id, from, to, later)
                .await
                .unwrap_err()
        ),
        "err-volunteer-not-yours"
    );
    let refused = [
        (from, date!(2026 - 10 - 09), "err-volunteer-range-future"),
        (to, from, "err-volunteer-range"),
        (date!(2026 - 09 - 10), date!(2026 - 10 - 07), "err-volunteer-no-hours"),
    ];
    for (a, b, expected) in refused {
        assert_eq!(
            key(s.issue_volunteer_certificate(&w.admin, &sun.id, a, b, later).await.unwrap_err()),
            expected
        );
    }
    let id = s.issue_volunteer_certificate(&w.admin, &sun.id, from, to, later).await.unwrap();
    let c = s.volunteer_certificate(&id).await.unwrap();
    assert_eq!(
        (c.number, c.minutes, c.volunteer_name.as_str(), c.issuer_name.as_str(), c.kind),
        (1, 110, "孙阿姨", "李校长", VolunteerKind::Parent)
    );
    assert_eq!(c.organisation, "", "a parent's form had an organisation typed in: not kept");
    assert_eq!(
        c.days.iter().map(|d| (d.day, d.minutes)).collect::<Vec<_>>(),
        [(date!(2026 - 09 - 03), 60), (wed, 50)]
    );
    let second = s.issue_volunteer_certificate(&w.admin, &sun.id, wed, wed, later).await.unwrap();
    let all = s.volunteer_certificates(&sun.id).await.unwrap();
    assert_eq!(all.iter().map(|c| (c.number, c.minutes)).collect::<Vec<_>>(), [(2, 50), (1, 110)]);
    assert_eq!(all[0].id, second);
    assert!(s.volunteer_certificates(&w.teacher.id).await.unwrap().is_empty());
}
