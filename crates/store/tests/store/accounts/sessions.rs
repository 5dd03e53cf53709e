//! Signing in and staying signed in: sessions, API tokens, two-factor codes, the attempts
//! counted per key, and the sweep of what expired.

use super::*;

contract!(
    sessions_expire_and_end,
    disabling_an_account_ends_its_access_at_once,
    api_tokens_work_until_revoked,
    attempts_are_counted_per_key_and_forgiven,
    parallel_attempts_never_pass_a_limit_together,
    expired_sessions_tokens_and_old_attempts_are_swept,
    totp_steps_are_used_once,
);

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
