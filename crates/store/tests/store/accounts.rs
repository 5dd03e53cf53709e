//! Accounts and what guards them: unique usernames and phones, sessions and tokens, attempts
//! counted per key, invitations, the audit chain, the outbox, two-factor codes.

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
    sessions_expire_and_end,
    disabling_an_account_ends_its_access_at_once,
    api_tokens_work_until_revoked,
    attempts_are_counted_per_key_and_forgiven,
    parallel_attempts_never_pass_a_limit_together,
    expired_sessions_tokens_and_old_attempts_are_swept,
    an_invitation_creates_one_guardian_once,
    the_audit_chain_finds_edits_and_deletions,
    concurrent_writes_keep_one_audit_chain,
    the_outbox_retries_and_records_every_attempt,
    two_workers_never_claim_the_same_message,
    totp_steps_are_used_once,
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

async fn sessions_expire_and_end(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let u = store
        .create_user(&Actor::Cli, staff(&school, Role::Teacher, "tea1", None), NOW)
        .await
        .unwrap();
    let t = SessionTimeouts {
        idle: Duration::minutes(30),
        absolute: Duration::hours(2),
    };
    let s = store.start_session(&u, SessionStage::Full, "test", NOW, t).await.unwrap();
    assert_eq!(
        store.session(&s, NOW + Duration::minutes(29), t).await.unwrap().unwrap().user.id,
        u.id
    );
    assert_eq!(
        store.session(&s, NOW + Duration::minutes(58), t).await.unwrap().map(|x| x.stage),
        Some(SessionStage::Full),
        "each request extends the idle time"
    );
    assert!(
        store.session(&s, NOW + Duration::minutes(89), t).await.unwrap().is_none(),
        "idle too long"
    );
    assert!(
        store.session(&s, NOW, t).await.unwrap().is_none(),
        "an expired session is gone for good"
    );

    let s2 = store.start_session(&u, SessionStage::Full, "test", NOW, t).await.unwrap();
    let mut at = NOW;
    for _ in 0..5 {
        at += Duration::minutes(25);
        if at < NOW + Duration::hours(2) {
            assert!(store.session(&s2, at, t).await.unwrap().is_some());
        }
    }
    assert!(
        store.session(&s2, NOW + Duration::hours(2), t).await.unwrap().is_none(),
        "absolute lifetime"
    );

    let s3 = store.start_session(&u, SessionStage::Full, "test", NOW, t).await.unwrap();
    store.end_session(&s3, &u, NOW).await.unwrap();
    assert!(store.session(&s3, NOW, t).await.unwrap().is_none(), "sign-out really ends it");
    assert!(store.session("not-a-token", NOW, t).await.unwrap().is_none());
}

async fn disabling_an_account_ends_its_access_at_once(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let u = store
        .create_user(&Actor::Cli, staff(&school, Role::Teacher, "tea1", None), NOW)
        .await
        .unwrap();
    let t = SessionTimeouts::default();
    let a = store.start_session(&u, SessionStage::Full, "phone", NOW, t).await.unwrap();
    let b = store.start_session(&u, SessionStage::Full, "pc", NOW, t).await.unwrap();
    let tok = store.create_api_token(&u, NOW, Duration::days(30)).await.unwrap();
    store.disable_user(&Actor::Cli, &u.id, NOW).await.unwrap();
    assert!(store.session(&a, NOW, t).await.unwrap().is_none());
    assert!(store.session(&b, NOW, t).await.unwrap().is_none());
    assert!(store.api_token_user(&tok.token, NOW).await.unwrap().is_none());
    assert!(store.user(&u.id).await.unwrap().disabled);
    assert!(matches!(
        store.disable_user(&Actor::Cli, &yanshi_domain::ids::UserId::new(), NOW).await,
        Err(StoreError::NotFound)
    ));
}

async fn api_tokens_work_until_revoked(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let u = store
        .create_user(&Actor::Cli, staff(&school, Role::Teacher, "tea1", None), NOW)
        .await
        .unwrap();
    let tok = store.create_api_token(&u, NOW, Duration::days(1)).await.unwrap();
    assert!(tok.token.starts_with("ys_"));
    assert_eq!(store.api_token_user(&tok.token, NOW).await.unwrap().unwrap().id, u.id);
    assert!(
        store.api_token_user(&tok.token, NOW + Duration::days(2)).await.unwrap().is_none(),
        "expired"
    );
    assert!(store.revoke_api_token(&tok.token).await.unwrap());
    assert!(store.api_token_user(&tok.token, NOW).await.unwrap().is_none());
}

async fn attempts_are_counted_per_key_and_forgiven(backend: Backend) {
    let (_db, store, _) = setup(backend).await;
    let keys = vec!["user:wang".to_string(), "ip:10.0.0.1".to_string()];
    for i in 0..3 {
        let (_, counts) = store.begin_attempt(&keys, NOW + Duration::minutes(i), NOW).await.unwrap();
        assert_eq!(counts, vec![i + 1, i + 1], "an attempt counts itself");
    }
    assert_eq!(store.attempts_since("user:wang", NOW).await.unwrap(), 3);
    assert_eq!(store.attempts_since("user:wang", NOW + Duration::minutes(2)).await.unwrap(), 1);
    let (right, counts) = store.begin_attempt(&keys, NOW + Duration::minutes(3), NOW).await.unwrap();
    assert_eq!(counts, vec![4, 4]);
    store.forgive_attempt(right).await.unwrap();
    assert_eq!(store.attempts_since("user:wang", NOW).await.unwrap(), 3, "only its own rows go");
    store.clear_attempts("user:wang").await.unwrap();
    assert_eq!(store.attempts_since("user:wang", NOW).await.unwrap(), 0);
    assert_eq!(
        store.attempts_since("ip:10.0.0.1", NOW).await.unwrap(),
        3,
        "the address keeps its count"
    );
}

/// However many attempts run at once, at most `limit` of them see a count within the limit.
async fn parallel_attempts_never_pass_a_limit_together(backend: Backend) {
    let (_db, store, _) = setup(backend).await;
    let limit = 5;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let store = store.clone();
        tasks.spawn(async move {
            let keys = vec!["user:wang".to_string()];
            let (attempt, counts) = store.begin_attempt(&keys, NOW, NOW - Duration::minutes(15)).await.unwrap();
            if counts[0] > limit {
                store.forgive_attempt(attempt).await.unwrap();
                false
            } else {
                // A wrong password: the attempt stands.
                true
            }
        });
    }
    let passed = tasks.join_all().await.into_iter().filter(|p| *p).count();
    assert!(passed <= limit as usize, "{passed} attempts passed a limit of {limit}");
    assert_eq!(
        store.attempts_since("user:wang", NOW - Duration::minutes(15)).await.unwrap(),
        passed as i64
    );
}

async fn expired_sessions_tokens_and_old_attempts_are_swept(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let u = store
        .create_user(&Actor::Cli, staff(&school, Role::Teacher, "tea1", None), NOW)
        .await
        .unwrap();
    let t = SessionTimeouts {
        idle: Duration::minutes(30),
        absolute: Duration::hours(2),
    };
    let idle = store.start_session(&u, SessionStage::Full, "test", NOW, t).await.unwrap();
    let live = store.start_session(&u, SessionStage::Full, "test", NOW, t).await.unwrap();
    let old_token = store.create_api_token(&u, NOW, Duration::minutes(30)).await.unwrap();
    let new_token = store.create_api_token(&u, NOW, Duration::days(1)).await.unwrap();
    let keys = vec!["user:tea1".to_string()];
    let _ = store.begin_attempt(&keys, NOW, NOW).await.unwrap();
    let _ = store.begin_attempt(&keys, NOW + Duration::minutes(30), NOW).await.unwrap();
    let later = NOW + Duration::minutes(40);
    assert!(store.session(&live, NOW + Duration::minutes(20), t).await.unwrap().is_some());

    let swept = store.sweep_expired(later, t, later - Duration::minutes(15), later).await.unwrap();
    assert_eq!(
        swept,
        yanshi_store::Swept {
            sessions: 1,
            api_tokens: 1,
            attempts: 1,
            code_attempts: 0
        }
    );
    assert!(store.session(&live, later, t).await.unwrap().is_some(), "a live session stays");
    assert!(store.api_token_user(&new_token.token, later).await.unwrap().is_some());
    assert!(
        store.api_token_user(&old_token.token, NOW).await.unwrap().is_none(),
        "gone, not just expired"
    );
    assert!(store.session(&idle, NOW, t).await.unwrap().is_none(), "gone, not just idle");
    assert_eq!(
        store.attempts_since("user:tea1", NOW).await.unwrap(),
        1,
        "the attempt in the window stays"
    );
    let again = store.sweep_expired(later, t, later - Duration::minutes(15), later).await.unwrap();
    assert_eq!(again, yanshi_store::Swept::default(), "nothing twice");
    let end = store
        .sweep_expired(NOW + Duration::hours(3), t, NOW + Duration::hours(3), NOW + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!((end.sessions, end.attempts), (1, 1), "everything ends");
}

async fn an_invitation_creates_one_guardian_once(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let teacher = store
        .create_user(&Actor::Cli, staff(&school, Role::ClassTeacher, "ctea", None), NOW)
        .await
        .unwrap();
    let actor = Actor::User(teacher.id.clone());
    let code = store
        .create_invitation(&actor, &school.id, "三年级二班 王小明家长", NOW, Duration::days(14))
        .await
        .unwrap();
    let typed = InvitationCode::parse(&code.grouped().to_lowercase()).unwrap();
    store
        .check_invitation(&typed, &PhoneNumber::parse("19900000001").unwrap(), NOW)
        .await
        .expect("a code without a guardian record takes any phone");
    let g = store
        .redeem_invitation(
            &typed,
            DisplayName::parse("张丽").unwrap(),
            PhoneNumber::parse("19900000001").unwrap(),
            "$argon2id$x".into(),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(g.role, Role::Guardian);
    assert_eq!(g.school_id.as_ref(), Some(&school.id));
    let again = store
        .redeem_invitation(
            &typed,
            DisplayName::parse("李四").unwrap(),
            PhoneNumber::parse("19900000002").unwrap(),
            "$argon2id$x".into(),
            NOW,
        )
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Invalid(ref i) if i.key == "err-invitation-invalid"));
    assert!(
        store.user_by_login(&Login::parse("19900000002").unwrap()).await.unwrap().is_none(),
        "a refused code creates nobody"
    );

    let late = store
        .create_invitation(&actor, &school.id, "", NOW, Duration::days(1))
        .await
        .unwrap();
    let expired = store
        .redeem_invitation(
            &late,
            DisplayName::parse("李四").unwrap(),
            PhoneNumber::parse("19900000002").unwrap(),
            "$argon2id$x".into(),
            NOW + Duration::days(2),
        )
        .await
        .unwrap_err();
    assert!(matches!(expired, StoreError::Invalid(_)));

    // A phone that already has an account: the code is not spent.
    let third = store
        .create_invitation(&actor, &school.id, "", NOW, Duration::days(1))
        .await
        .unwrap();
    let clash = store
        .redeem_invitation(
            &third,
            DisplayName::parse("张丽").unwrap(),
            PhoneNumber::parse("19900000001").unwrap(),
            "$argon2id$x".into(),
            NOW,
        )
        .await
        .unwrap_err();
    assert!(matches!(clash, StoreError::Invalid(ref i) if i.key == "err-phone-taken"));
    store
        .redeem_invitation(
            &third,
            DisplayName::parse("李四").unwrap(),
            PhoneNumber::parse("19900000003").unwrap(),
            "$argon2id$x".into(),
            NOW,
        )
        .await
        .expect("the code still works after a refused attempt");

    let inbox = store.inbox(&teacher.id, 10).await.unwrap().zh();
    assert_eq!(inbox.len(), 2, "the issuer hears of each sign-up");
    assert!(inbox.iter().any(|m| zh(m).contains("张丽")));
    let listed = store.invitations(&school.id, 10).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().any(|i| i.used_by_name.as_deref() == Some("张丽")));
}

async fn the_audit_chain_finds_edits_and_deletions(backend: Backend) {
    let (db, store, school) = setup(backend).await;
    for name in ["tea1", "tea2", "tea3"] {
        store
            .create_user(&Actor::Cli, staff(&school, Role::Teacher, name, None), NOW)
            .await
            .unwrap();
    }
    let reports = store.verify_audit().await.unwrap();
    assert!(reports.iter().all(|r| r.result.is_ok()), "{reports:?}");
    let entries = store.audit_entries(Some(&school.id), 10).await.unwrap();
    assert_eq!(entries.len(), 4, "school.create + three user.create");
    assert_eq!(entries[0].action, "user.create");

    raw(
        &db,
        "UPDATE audit_log SET details = '{\"role\":\"school_admin\"}' WHERE seq = 3 AND scope <> 'district'",
    )
    .await;
    let report = store
        .verify_audit()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.scope == school.id.as_str())
        .unwrap();
    assert_eq!(report.result, Err(Break::Altered { seq: 3 }));
    assert_eq!(
        store.verify_audit_chain(Some(&school.id)).await.unwrap().result,
        Err(Break::Altered { seq: 3 }),
        "one chain alone says the same"
    );

    let (db2, store2, school2) = setup(backend).await;
    for name in ["tea1", "tea2", "tea3"] {
        store2
            .create_user(&Actor::Cli, staff(&school2, Role::Teacher, name, None), NOW)
            .await
            .unwrap();
    }
    raw(&db2, "DELETE FROM audit_log WHERE seq = 2 AND scope <> 'district'").await;
    let report = store2
        .verify_audit()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.scope == school2.id.as_str())
        .unwrap();
    assert_eq!(report.result, Err(Break::Missing { seq: 2 }));
    drop(db);
}

async fn concurrent_writes_keep_one_audit_chain(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (store, school) = (store.clone(), school.clone());
        tasks.push(tokio::spawn(async move {
            store
                .create_user(&Actor::Cli, staff(&school, Role::Teacher, &format!("tea{i}"), None), NOW)
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let reports = store.verify_audit().await.unwrap();
    let mine = reports.iter().find(|r| r.scope == school.id.as_str()).unwrap();
    assert_eq!(mine.result, Ok(17));
}

async fn the_outbox_retries_and_records_every_attempt(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let admin = store
        .create_user(&Actor::Cli, staff(&school, Role::SchoolAdmin, "admin", None), NOW)
        .await
        .unwrap();
    let actor = Actor::User(admin.id.clone());
    let bad = store
        .create_channel(
            &actor,
            &school.id,
            NewChannel {
                kind: ChannelKind::Webhook,
                name: "x".into(),
                target: "ftp://nope".into(),
                secret: None,
            },
            NOW,
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(ref i)) if i.key == "err-channel-url"));
    store
        .create_channel(
            &actor,
            &school.id,
            NewChannel {
                kind: ChannelKind::Webhook,
                name: "值班群".into(),
                target: "http://127.0.0.1:9/hook".into(),
                secret: None,
            },
            NOW,
        )
        .await
        .unwrap();
    let notice = Notice::new(
        &school.id,
        vec![admin.id.clone()],
        yanshi_i18n::Message::new("msg-channel-test", yanshi_i18n::Args::new().text("name", "测试")),
        true,
    );
    assert_eq!(store.notify(&actor, &notice, NOW).await.unwrap(), 1);
    assert_eq!(store.unread_count(&admin.id).await.unwrap(), 1);
    assert_eq!(store.outbox_pending().await.unwrap(), 1);

    let claimed = store.claim_due_messages("w1", NOW, 60_000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].channel.kind, ChannelKind::Webhook);
    let id = claimed[0].id.clone();
    assert!(
        store.claim_due_messages("w2", NOW, 60_000, 10).await.unwrap().is_empty(),
        "claimed messages are not handed out twice"
    );
    assert!(
        store
            .record_delivery("w1", &id, false, "connection refused", NOW, Some(NOW + Duration::seconds(30)))
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_due_messages("w1", NOW + Duration::seconds(10), 60_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "not before the retry time"
    );
    let again = store
        .claim_due_messages("w2", NOW + Duration::seconds(31), 60_000, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert!(
        !store.record_delivery("w1", &id, true, "late", NOW, None).await.unwrap(),
        "only the claim holder records"
    );
    assert!(
        store
            .record_delivery("w2", &id, true, "200", NOW + Duration::seconds(31), None)
            .await
            .unwrap()
    );
    let (status, attempts, log) = store.message_delivery(&id).await.unwrap();
    assert_eq!((status.as_str(), attempts), ("SENT", 2));
    assert_eq!(log, vec![(false, "connection refused".to_string()), (true, "200".to_string())]);
    assert_eq!(store.outbox_pending().await.unwrap(), 0);

    // A worker that died: its lease runs out and another worker takes the message.
    store.notify(&actor, &notice, NOW).await.unwrap();
    assert_eq!(store.claim_due_messages("dead", NOW, 60_000, 10).await.unwrap().len(), 1);
    assert!(
        store
            .claim_due_messages("w3", NOW + Duration::seconds(30), 60_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .claim_due_messages("w3", NOW + Duration::seconds(61), 60_000, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn two_workers_never_claim_the_same_message(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let admin = store
        .create_user(&Actor::Cli, staff(&school, Role::SchoolAdmin, "admin", None), NOW)
        .await
        .unwrap();
    let actor = Actor::User(admin.id.clone());
    store
        .create_channel(
            &actor,
            &school.id,
            NewChannel {
                kind: ChannelKind::Webhook,
                name: "群".into(),
                target: "http://127.0.0.1:9/".into(),
                secret: None,
            },
            NOW,
        )
        .await
        .unwrap();
    let notice = Notice::new(
        &school.id,
        vec![],
        yanshi_i18n::Message::new("msg-channel-test", yanshi_i18n::Args::new().text("name", "测试")),
        true,
    );
    for _ in 0..40 {
        store.notify(&actor, &notice, NOW).await.unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_due_messages(&format!("w{w}"), NOW, 60_000, 3).await.unwrap();
                if batch.is_empty() {
                    break mine;
                }
                mine.extend(batch.into_iter().map(|m| m.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40), "every message claimed exactly once");
}

async fn totp_steps_are_used_once(backend: Backend) {
    let (_db, store, school) = setup(backend).await;
    let u = store
        .create_user(&Actor::Cli, staff(&school, Role::SchoolAdmin, "admin", None), NOW)
        .await
        .unwrap();
    store.begin_totp_enrolment(&u.id, "MZXW6YTBOI").await.unwrap();
    let u = store.user(&u.id).await.unwrap();
    assert_eq!(store.credentials(&u.id).await.unwrap().totp_secret.as_deref(), Some("MZXW6YTBOI"));
    assert!(!u.totp_enabled);
    store.enable_totp(&Actor::User(u.id.clone()), &u, 100, NOW).await.unwrap();
    assert!(store.user(&u.id).await.unwrap().totp_enabled);
    assert!(
        !store.use_totp_step(&u.id, 100).await.unwrap(),
        "the enrolment code cannot sign in again"
    );
    assert!(store.use_totp_step(&u.id, 101).await.unwrap());
    assert!(!store.use_totp_step(&u.id, 101).await.unwrap());
    store.begin_totp_enrolment(&u.id, "OTHER").await.unwrap();
    assert_eq!(
        store.credentials(&u.id).await.unwrap().totp_secret.as_deref(),
        Some("MZXW6YTBOI"),
        "an enabled secret is not replaced"
    );
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
