//! The school as data, on both databases: settings, classes, terms and the calendar, staff,
//! students and families, the roster import, sensitive reads, class invitations.

mod calendar;
mod families;
mod invitations;
mod roster_import;
mod staff;

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
