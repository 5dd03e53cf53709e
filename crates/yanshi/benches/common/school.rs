//! A school for the benchmarks: N classes of 45 children, every child enrolled through the real
//! flow (the guardian applies and signs, class and school approve, the school countersigns), each
//! with a grandmother who may always take them. The term is built around today, because the
//! real server hands children over "today" by its own clock.

#![allow(dead_code)]

use time::OffsetDateTime;
use time::macros::time;
use yanshi_domain::account::{DisplayName, PhoneNumber, Username};
use yanshi_domain::agreement::PRIVACY_NOTICE_VERSION;
use yanshi_domain::calendar::{GradeTimes, Season};
use yanshi_domain::enrolment::{PickupPlan, Step, Terms, Weekdays};
use yanshi_domain::family::{Gender, PickupLevel, StudentNumber};
use yanshi_domain::ids::{PickupAdultId, StudentId};
use yanshi_domain::role::Role;
use yanshi_domain::roster::{RosterGuardian, RosterStudent};
use yanshi_domain::school::Grade;
use yanshi_store::enrolment::{Application, Decision, SignatureInput};
use yanshi_store::people::NewPickupAdult;
use yanshi_store::terms::NewTerm;
use yanshi_store::{Actor, NewUser, Store, User};

/// The server hands over "today" by its real clock, so the school's term is built around now.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}
/// Children per class: the target class size.
pub const PER_CLASS: usize = 45;
/// The password of the school's teacher account ("teacher"), who releases every child.
pub const PASSWORD: &str = "bench-password";

async fn user(store: &Store, school: &yanshi_store::School, role: Role, login: &str) -> User {
    // Only the teacher signs in over HTTP; the others need no real password.
    let new = NewUser {
        school_id: Some(school.id.clone()),
        role,
        username: Some(Username::parse(login).unwrap()),
        phone: None,
        display_name: DisplayName::parse(login).unwrap(),
        password_hash: yanshi_domain::password::hash(&yanshi_domain::account::NewPassword::parse(PASSWORD).unwrap()),
    };
    store.create_user(&Actor::Cli, new, now()).await.unwrap()
}

/// A school whose children all take part, enrolled the way the plan says (guardian applies and
/// signs, class and school approve, school countersigns), each with a grandmother who may
/// always take them. Returns the releasing teacher and (child, adult) pairs.
pub async fn school(store: &Store, classes: usize) -> (User, Vec<(StudentId, PickupAdultId)>, yanshi_domain::ids::ClassId) {
    let at = now();
    let school = store
        .create_school(&Actor::Cli, "压测小学", "Asia/Shanghai", false, at)
        .await
        .unwrap();
    let admin = user(store, &school, Role::SchoolAdmin, "admin").await;
    let teacher = user(store, &school, Role::ClassTeacher, "teacher").await;
    store
        .create_standard_classes(&Actor::Cli, &school.id, classes.div_ceil(6) as u8, at)
        .await
        .unwrap();
    let classes: Vec<_> = store.classes(&school.id).await.unwrap().into_iter().take(classes).collect();
    let mut rows = Vec::new();
    for (c, class) in classes.iter().enumerate() {
        store
            .set_class_teacher(&Actor::Cli, &class.id, Some(&teacher.id), at)
            .await
            .unwrap();
        for k in 0..PER_CLASS {
            let i = c * PER_CLASS + k;
            rows.push(RosterStudent {
                row: i + 2,
                number: StudentNumber::parse(&format!("{}", 100000 + i)).unwrap(),
                name: format!("学生{i}"),
                gender: Gender::Female,
                birth_date: None,
                grade: Grade::new(class.grade as u32).unwrap(),
                class_number: class.number,
                guardians: vec![RosterGuardian {
                    name: format!("母亲{i}"),
                    relationship: "母亲".into(),
                    phone: PhoneNumber::parse(&format!("138{i:08}")).unwrap(),
                }],
                priority_groups: vec![],
                health_notes: String::new(),
            });
        }
    }
    store.import_students(&Actor::Cli, &school.id, &rows, "bench", at).await.unwrap();
    let mut times = GradeTimes::default();
    for g in 1..=6 {
        times.dismissal.insert((g, 0), time!(16:10));
        times.end.insert((g, Season::Summer), time!(18:00));
        times.end.insert((g, Season::Winter), time!(18:00));
    }
    let term = store
        .create_term(
            &Actor::Cli,
            &school.id,
            NewTerm {
                name: "2026秋".into(),
                starts_on: at.date() - time::Duration::days(30),
                ends_on: at.date() + time::Duration::days(90),
                first_service_day: None,
                last_service_day: None,
                times,
            },
            at,
        )
        .await
        .unwrap();
    store.publish_notice(&admin, &term.id, "致家长的一封信", at).await.unwrap();
    let notice = store.current_notice(&term.id).await.unwrap().unwrap().id;
    let mut pairs = Vec::new();
    for class in &classes {
        let codes = store
            .create_class_invitations(&Actor::User(admin.id.clone()), class, at, time::Duration::days(14))
            .await
            .unwrap();
        let students = store.students_of_class(&class.id).await.unwrap();
        for inv in codes {
            let i: usize = inv.guardian_name.trim_start_matches("母亲").parse().unwrap();
            let mother = store
                .redeem_invitation(
                    &inv.code,
                    DisplayName::parse(&inv.guardian_name).unwrap(),
                    PhoneNumber::parse(&format!("138{i:08}")).unwrap(),
                    "x".into(),
                    at,
                )
                .await
                .unwrap();
            let child = students.iter().find(|(s, _)| s.name == format!("学生{i}")).unwrap().0.clone();
            store.mark_notice_read(&mother, &notice, at).await.unwrap();
            let app = Application {
                terms: Terms {
                    weekdays: Weekdays::from_numbers(&[1, 2, 3, 4, 5]).unwrap(),
                    latest_pickup: time!(18:00),
                    pickup_plan: PickupPlan::ByAdults,
                },
                health_disclosure: "无".into(),
                reason: "下班晚".into(),
                priority_group: None,
                consent_version: PRIVACY_NOTICE_VERSION.into(),
                notice_id: Some(notice.clone()),
            };
            let id = store.apply(&mother, &child.id, &term.id, &app, true, at).await.unwrap();
            store
                .enrolment_step(&teacher, &id, Step::ClassApprove, Decision::default(), at)
                .await
                .unwrap();
            store
                .enrolment_step(&admin, &id, Step::SchoolApprove, Decision::default(), at)
                .await
                .unwrap();
            let a = store.agreements(&id).await.unwrap().remove(0);
            for (who, name) in [(&mother, inv.guardian_name.as_str()), (&admin, "校长")] {
                let sig = SignatureInput {
                    agreement: a.id.clone(),
                    seen_hash: a.text_hash.clone(),
                    typed_name: name.into(),
                    statement_ticked: true,
                    drawing: None,
                    device: "bench".into(),
                };
                store.sign_agreement(who, &id, &sig, at).await.unwrap();
            }
            let grandma = NewPickupAdult {
                name: DisplayName::parse("奶奶").unwrap(),
                relationship: "奶奶".into(),
                phone: PhoneNumber::parse(&format!("139{i:08}")).unwrap(),
                id_last4: None,
                photo: None,
                adult_confirmed: true,
                level: PickupLevel::Always,
            };
            let adult = store
                .add_pickup_adult(&Actor::User(mother.id.clone()), &child, grandma, at)
                .await
                .unwrap();
            pairs.push((child.id.clone(), adult));
        }
    }
    (teacher, pairs, classes[0].id.clone())
}
