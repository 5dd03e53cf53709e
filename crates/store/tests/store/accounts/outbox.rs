//! The outbox: retries with every attempt recorded, and no message claimed by two workers.

use super::*;

contract!(
    the_outbox_retries_and_records_every_attempt,
    two_workers_never_claim_the_same_message,
);

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
