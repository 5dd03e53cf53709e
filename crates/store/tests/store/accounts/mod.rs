//! Accounts and what guards them: unique usernames and phones, sessions and tokens, attempts
//! counted per key, invitations, the audit chain, the outbox, two-factor codes.

mod audit;
mod invitations;
mod outbox;
mod sessions;

use crate::fixtures::InZh;
use sqlx::Executor;
use time::{Duration, OffsetDateTime, macros::datetime};
use yanshi_domain::account::{DisplayName, InvitationCode, Login, PhoneNumber, Username};
use yanshi_domain::audit::Break;
use yanshi_domain::role::Role;
use yanshi_store::testing::TestDatabase;
use yanshi_store::{Actor, Backend, ChannelKind, NewChannel, NewUser, Notice, SessionStage, SessionTimeouts, Store, StoreError};

const NOW: OffsetDateTime = datetime!(2026-12-01 08:00 UTC);

contract!(
    migrations_run_once,
    accounts_are_unique_by_username_and_phone,
    only_a_district_admin_stands_outside_a_school,
);

async fn setup(backend: Backend) -> (TestDatabase, Store, yanshi_store::School) {
    crate::fixtures::school(backend, NOW).await
}

fn staff(school: &yanshi_store::School, role: Role, username: &str, phone: Option<&str>) -> NewUser {
    NewUser {
        school_id: Some(school.id.clone()),
        role,
        username: Some(Username::parse(username).unwrap()),
        phone: phone.map(|p| PhoneNumber::parse(p).unwrap()),
        display_name: DisplayName::parse("王老师").unwrap(),
        password_hash: "$argon2id$dummy".into(),
    }
}

async fn raw(db: &TestDatabase, sql: &'static str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    pool.execute(sqlx::raw_sql(sql)).await.unwrap();
    pool.close().await;
}

async fn migrations_run_once(backend: Backend) {
    let (db, store, _) = setup(backend).await;
    assert!(store.migrate().await.unwrap().is_empty(), "a second run applies nothing");
    assert_eq!(store.schools().await.unwrap().len(), 1);
    // A database made before checksums were kept gets them recorded from the files …
    raw(&db, "DELETE FROM yanshi_migration_checksums").await;
    assert!(store.migrate().await.unwrap().is_empty());
    // … and an applied migration whose text changed since stops the start.
    raw(&db, "UPDATE yanshi_migration_checksums SET sha256 = 'edited' WHERE version = 2").await;
    match store.migrate().await {
        Err(StoreError::Corrupt(m)) => assert!(m.contains("0002_school_data") && m.contains("changed"), "{m}"),
        other => panic!("a changed migration was accepted: {other:?}"),
    }
}

async fn accounts_are_unique_by_username_and_phone(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let u = store
        .create_user(&Actor::Cli, staff(&school, Role::ClassTeacher, "wang", Some("13800138000")), NOW)
        .await
        .unwrap();
    assert_eq!(u.role, Role::ClassTeacher);
    let by_name = store.user_by_login(&Login::parse("WANG").unwrap()).await.unwrap().unwrap();
    let by_phone = store.user_by_login(&Login::parse("138 0013 8000").unwrap()).await.unwrap().unwrap();
    assert_eq!(by_name.id, u.id);
    assert_eq!(by_phone.id, u.id);
    assert_eq!(u.masked_phone().as_deref(), Some("138****8000"));

    let again = store
        .create_user(&Actor::Cli, staff(&school, Role::Teacher, "wang", None), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(again, StoreError::Invalid(ref i) if i.key == "err-username-taken"),
        "{again:?}"
    );
    let phone = store
        .create_user(&Actor::Cli, staff(&school, Role::Teacher, "lili", Some("13800138000")), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(phone, StoreError::Invalid(ref i) if i.key == "err-phone-taken"),
        "{phone:?}"
    );
    assert_eq!(
        store.users_of_school(Some(&school.id)).await.unwrap().len(),
        1,
        "refused accounts changed nothing"
    );
}

async fn only_a_district_admin_stands_outside_a_school(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let mut d = staff(&school, Role::DistrictAdmin, "district", None);
    d.school_id = None;
    store.create_user(&Actor::Cli, d, NOW).await.unwrap();
    let mut orphan = staff(&school, Role::SchoolAdmin, "orphan", None);
    orphan.school_id = None;
    assert!(store.create_user(&Actor::Cli, orphan, NOW).await.is_err());
    let dup = store
        .create_school(&Actor::Cli, "实验小学", "Asia/Shanghai", false, NOW)
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Invalid(ref i) if i.key == "err-school-name-taken"));
}

#[test]
fn secrets_never_reach_debug_output() {
    let user = yanshi_store::User {
        id: yanshi_domain::ids::UserId::new(),
        school_id: None,
        role: Role::SchoolAdmin,
        username: Some("li".into()),
        phone: Some("13800138000".into()),
        display_name: "李校长".into(),
        locale: None,
        totp_enabled: true,
        disabled: false,
    };
    let credentials = yanshi_store::Credentials {
        password_hash: "$argon2id$SECRET-HASH".into(),
        totp_secret: Some("SECRETTOTP".into()),
        totp_last_step: Some(1),
    };
    let token = yanshi_store::ApiToken {
        token: "ys_SECRET-TOKEN".into(),
        expires_at: NOW,
    };
    let text = format!("{user:?} {credentials:?} {token:?}");
    assert!(!text.contains("SECRET") && text.contains("李校长"), "{text}");
}

/// A notification as a Chinese reader sees it (messages are rendered when read).
fn zh(m: &yanshi_store::InboxItem) -> String {
    let (title, body) = yanshi_i18n::shown(yanshi_i18n::Locale::ZhCn, m.message.as_ref(), &m.title, &m.body);
    format!("{title}\n{body}")
}
