//! The school world the store tests start from, built in one place: 实验小学 with two classes
//! per grade; its admin 李校长; 王老师, class teacher of 三年级二班, with 王小明 (学号 1) and his
//! mother 张丽; 赵老师, class teacher of 一年级一班, with 李华 (学号 2) and her mother 李梅 — a
//! stranger to 王小明; the 2026秋 term with its service times and its 告家长书, read by both
//! mothers. `World::new(backend)` builds it; `World::build(backend)` takes the options.

use time::{OffsetDateTime, macros::date, macros::datetime, macros::time};
use yanshi_domain::account::{DisplayName, InvitationCode, PhoneNumber, Username};
use yanshi_domain::agreement::PRIVACY_NOTICE_VERSION;
use yanshi_domain::calendar::{GradeTimes, Season};
use yanshi_domain::enrolment::{PickupPlan, Step, Terms, Weekdays};
use yanshi_domain::family::{Gender, StudentNumber};
use yanshi_domain::role::Role;
use yanshi_domain::roster::{RosterGuardian, RosterStudent};
use yanshi_domain::school::Grade;
use yanshi_store::enrolment::{Application, Decision, SignatureInput};
use yanshi_store::people::Student;
use yanshi_store::setup::ClassInfo;
use yanshi_store::terms::{NewTerm, Term};
use yanshi_store::testing::TestDatabase;
use yanshi_store::{Actor, Backend, NewUser, School, Store, StoreError, User};

/// The world's clock: the second day of the autumn term, 10:00 in Shanghai.
pub const NOW: OffsetDateTime = datetime!(2026-09-02 02:00 UTC);

/// A fresh database with one school, 实验小学, created at `now`.
pub async fn school(backend: Backend, now: OffsetDateTime) -> (TestDatabase, Store, School) {
    let db = TestDatabase::new(backend).await;
    let store = db.store().await;
    let school = store
        .create_school(&Actor::Cli, "实验小学", "Asia/Shanghai", false, now)
        .await
        .unwrap();
    (db, store, school)
}

/// An account: a guardian's signs in with the phone `login`, staff with the username `login`;
/// a district admin belongs to no school.
pub async fn account(store: &Store, school: &School, role: Role, login: &str, name: &str, now: OffsetDateTime) -> User {
    let guardian = role == Role::Guardian;
    let new = NewUser {
        school_id: (role != Role::DistrictAdmin).then(|| school.id.clone()),
        role,
        username: (!guardian).then(|| Username::parse(login).unwrap()),
        phone: guardian.then(|| PhoneNumber::parse(login).unwrap()),
        display_name: DisplayName::parse(name).unwrap(),
        password_hash: "x".into(),
    };
    store.create_user(&Actor::Cli, new, now).await.unwrap()
}

/// The message key of a user mistake; anything else fails the test.
pub fn key(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(i) => i.key,
        other => panic!("not a user mistake: {other:?}"),
    }
}

/// The message key of a "not yours" refusal (403); anything else fails the test.
pub fn forbidden(e: StoreError) -> &'static str {
    match e {
        StoreError::Forbidden(k) => k,
        other => panic!("not a refusal of access: {other:?}"),
    }
}

/// The key of a refusal, of the kind its key says: "not yours" is a refusal of access
/// (`Forbidden`, 403), anything else a user mistake (`Invalid`); otherwise the test fails.
pub fn refusal(e: StoreError) -> &'static str {
    match e {
        StoreError::Forbidden(k) if k.ends_with("-not-yours") => k,
        StoreError::Invalid(i) if !i.key.ends_with("-not-yours") => i.key,
        other => panic!("not the refusal its key says: {other:?}"),
    }
}

/// A roster row: a boy of 三年级二班 unless `grade`/`class` say otherwise, with one guardian (母亲).
pub fn roster_child(row: usize, number: &str, name: &str, (grade, class): (u32, u8), guardian: &str, phone: &str) -> RosterStudent {
    RosterStudent {
        row,
        number: StudentNumber::parse(number).unwrap(),
        name: name.into(),
        gender: Gender::Male,
        birth_date: None,
        grade: Grade::new(grade).unwrap(),
        class_number: class,
        guardians: vec![RosterGuardian {
            name: guardian.into(),
            relationship: "母亲".into(),
            phone: PhoneNumber::parse(phone).unwrap(),
        }],
        priority_groups: vec![],
        health_notes: String::new(),
    }
}

/// A guardian's or the school's signature on exactly the agreement's text.
pub fn signature(a: &yanshi_store::enrolment::Agreement, name: &str) -> SignatureInput {
    SignatureInput {
        agreement: a.id.clone(),
        seen_hash: a.text_hash.clone(),
        typed_name: name.into(),
        statement_ticked: true,
        drawing: None,
        device: "test phone".into(),
    }
}

pub struct World {
    pub _db: TestDatabase,
    pub store: Store,
    pub school: School,
    /// 三年级二班, 王小明's class.
    pub class: ClassInfo,
    /// 李校长, the school admin.
    pub admin: User,
    /// 王老师, class teacher of 三年级二班.
    pub teacher: User,
    /// 赵老师, class teacher of 一年级一班.
    pub other_teacher: User,
    /// 张丽, 王小明's mother.
    pub mother: User,
    /// 李梅, 李华's mother: a guardian of the school, but not of 王小明.
    pub stranger: User,
    /// 王小明.
    pub child: Student,
    pub term: Term,
    pub notice: yanshi_domain::ids::NoticeId,
}

/// How 张丽's account came to be linked to her roster record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MotherAccount {
    /// She redeemed the class's invitation slip (the usual way).
    Slip,
    /// An account with her phone, linked by the school directly.
    Direct,
}

pub struct WorldBuilder {
    backend: Backend,
    mother: MotherAccount,
}

impl WorldBuilder {
    /// 张丽's account is linked to her record directly (not through a slip).
    pub fn mother_linked_directly(mut self) -> Self {
        self.mother = MotherAccount::Direct;
        self
    }

    pub async fn create(self) -> World {
        let (db, store, school) = school(self.backend, NOW).await;
        let admin = account(&store, &school, Role::SchoolAdmin, "admin", "李校长", NOW).await;
        let teacher = account(&store, &school, Role::ClassTeacher, "wang", "王老师", NOW).await;
        let other_teacher = account(&store, &school, Role::ClassTeacher, "zhao", "赵老师", NOW).await;
        store.create_standard_classes(&Actor::Cli, &school.id, 2, NOW).await.unwrap();
        let classes = store.classes(&school.id).await.unwrap();
        let g3c2 = classes.iter().find(|c| c.name == "三年级二班").unwrap().clone();
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
            roster_child(2, "1", "王小明", (3, 2), "张丽", "13800138000"),
            RosterStudent {
                gender: Gender::Female,
                ..roster_child(3, "2", "李华", (1, 1), "李梅", "13700137000")
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
        let mother = match self.mother {
            MotherAccount::Slip => redeem(invite(&admin, &g3c2.id).await, "张丽", "13800138000").await,
            MotherAccount::Direct => {
                let mother = account(&store, &school, Role::Guardian, "13800138000", "张丽", NOW).await;
                store
                    .link_guardian_account(&school.id, &PhoneNumber::parse("13800138000").unwrap(), &mother.id)
                    .await
                    .unwrap();
                mother
            }
        };
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
            school,
            class: g3c2,
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
}

impl World {
    /// The whole world, as described at the top.
    pub async fn new(backend: Backend) -> World {
        World::build(backend).create().await
    }

    /// The world with options.
    pub fn build(backend: Backend) -> WorldBuilder {
        WorldBuilder {
            backend,
            mother: MotherAccount::Slip,
        }
    }

    /// An application for 王小明 on these weekdays, read the 告家长书 and consented.
    pub fn application(&self, weekdays: &[u8], latest: time::Time, plan: PickupPlan) -> Application {
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

/// 王小明 enrolled every weekday until 17:30, picked up by adults: his mother applies and signs,
/// his class teacher and the school approve, the school countersigns.
pub async fn active(w: &World) {
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
pub async fn active_other_child(w: &World) -> Student {
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

/// An inbox as a Chinese reader sees it: notifications are stored as message keys with their
/// arguments and rendered when read, so a test reads them rendered too.
pub trait InZh {
    fn zh(self) -> Self;
}

impl InZh for Vec<yanshi_store::InboxItem> {
    fn zh(mut self) -> Self {
        for m in &mut self {
            (m.title, m.body) = yanshi_i18n::shown(yanshi_i18n::Locale::ZhCn, m.message.as_ref(), &m.title, &m.body);
        }
        self
    }
}

/// Registers a volunteer account as a parent volunteer and records the three checks: identity
/// seen on 1 Sept, a 无犯罪记录证明 dated 1 March, training on 30 August (valid all term).
pub async fn vet(w: &World, volunteer: &User) {
    use yanshi_domain::volunteer::{IdLast4, VettingCheck, VolunteerKind};
    use yanshi_store::volunteers::{NewCheck, NewVolunteer};
    let s = &w.store;
    let new = NewVolunteer {
        user: volunteer.id.clone(),
        kind: VolunteerKind::Parent,
        organisation: "写了也不留".into(),
    };
    s.register_volunteer(&w.admin, &w.school.id, &new, NOW).await.unwrap();
    for (check, dated, seen_on, last4) in [
        (VettingCheck::Identity, date!(2026 - 09 - 01), date!(2026 - 09 - 01), Some("123x")),
        (VettingCheck::CriminalRecord, date!(2026 - 03 - 01), date!(2026 - 09 - 01), None),
        (VettingCheck::Training, date!(2026 - 08 - 30), date!(2026 - 08 - 30), None),
    ] {
        let c = NewCheck {
            check,
            dated,
            seen_on,
            id_last4: last4.map(|l| IdLast4::parse(l).unwrap()),
        };
        s.record_volunteer_check(&w.admin, &volunteer.id, &c, NOW).await.unwrap();
    }
}
