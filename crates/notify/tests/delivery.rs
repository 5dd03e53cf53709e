//! Real deliveries to receivers on this machine: a webhook that was down at first, the robots'
//! error codes. Runs on SQLite and, when configured, PostgreSQL.

use axum::{Router, extract::State, http::HeaderMap, routing::post};
use std::sync::{Arc, Mutex};
use time::{Duration, macros::datetime};
use yanshi_domain::account::{DisplayName, Username};
use yanshi_domain::clock::ManualClock;
use yanshi_domain::role::Role;
use yanshi_notify::{Deliverer, Worker};
use yanshi_store::testing::{TestDatabase, backends};
use yanshi_store::{Actor, ChannelKind, NewChannel, NewUser, Notice};

type Seen = Arc<Mutex<Vec<(Option<String>, serde_json::Value)>>>;

async fn receive(State(seen): State<Seen>, headers: HeaderMap, body: String) -> String {
    let id = headers.get("x-yanshi-message-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    seen.lock().unwrap().push((id, serde_json::from_str(&body).unwrap_or_default()));
    r#"{"errcode":0,"errmsg":"ok"}"#.into()
}

async fn robot_refuses() -> String {
    r#"{"errcode":310000,"errmsg":"keywords not in content"}"#.into()
}

#[tokio::test]
async fn a_webhook_that_was_down_receives_the_message_once_it_is_up() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = db.store().await;
        let start = datetime!(2026-12-01 09:00 UTC);
        let clock = ManualClock::new(start);
        let school = store
            .create_school(&Actor::Cli, "实验小学", "Asia/Shanghai", false, start)
            .await
            .unwrap();
        let admin = store
            .create_user(
                &Actor::Cli,
                NewUser {
                    school_id: Some(school.id.clone()),
                    role: Role::SchoolAdmin,
                    username: Some(Username::parse("admin").unwrap()),
                    phone: None,
                    display_name: DisplayName::parse("校长").unwrap(),
                    password_hash: "x".into(),
                },
                start,
            )
            .await
            .unwrap();
        // Reserve a port, then close it: the receiver is down.
        let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = probe.local_addr().unwrap();
        drop(probe);
        let actor = Actor::User(admin.id.clone());
        store
            .create_channel(
                &actor,
                &school.id,
                NewChannel {
                    kind: ChannelKind::Webhook,
                    name: "hook".into(),
                    target: format!("http://{addr}/hook"),
                    secret: Some("s3cret".into()),
                },
                start,
            )
            .await
            .unwrap();
        // Rendered in the school's language when it is sent, from its key and arguments.
        let message = yanshi_i18n::Message::new("msg-channel-test", yanshi_i18n::Args::new().text("name", "王老师"));
        let notice = Notice::new(&school.id, vec![], message, true);
        store.notify(&actor, &notice, start).await.unwrap();
        let id = store.outbox_ids(&school.id).await.unwrap().remove(0);

        let worker = Worker::new(store.clone(), Arc::new(clock.clone()), Deliverer::new(None), "w1".into());
        assert_eq!(worker.run_once().await.unwrap(), 1);
        let (status, attempts, log) = store.message_delivery(&id).await.unwrap();
        assert_eq!((status.as_str(), attempts), ("PENDING", 1));
        assert!(!log[0].0 && log[0].1.contains("request failed"), "{log:?}");

        // The receiver comes up; nothing happens before the backoff has passed.
        let seen: Seen = Arc::default();
        let app = Router::new().route("/hook", post(receive)).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        clock.advance(Duration::seconds(10));
        assert_eq!(worker.run_once().await.unwrap(), 0);
        clock.advance(Duration::seconds(25));
        assert_eq!(worker.run_once().await.unwrap(), 1);

        let (status, attempts, log) = store.message_delivery(&id).await.unwrap();
        assert_eq!((status.as_str(), attempts), ("SENT", 2), "{backend:?}");
        assert_eq!(log.len(), 2);
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "delivered exactly once");
        assert_eq!(seen[0].0.as_deref(), Some(id.as_str()), "idempotency key header");
        assert_eq!(seen[0].1["title"], "yanshi 测试消息");
        assert_eq!(seen[0].1["body"], "王老师 发送的测试消息。");
        clock.advance(Duration::hours(2));
        assert_eq!(worker.run_once().await.unwrap(), 0, "a sent message is not sent again");
    }
}

#[tokio::test]
async fn robot_error_codes_are_failures_and_success_is_errcode_zero() {
    let db = TestDatabase::new(yanshi_store::Backend::Sqlite).await;
    let store = db.store().await;
    let now = datetime!(2026-12-01 09:00 UTC);
    let school = store
        .create_school(&Actor::Cli, "实验小学", "Asia/Shanghai", false, now)
        .await
        .unwrap();
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/ok", post(receive))
        .route("/refuse", post(robot_refuses))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    for (kind, path, secret) in [
        (ChannelKind::WeCom, "ok", None),
        (ChannelKind::DingTalk, "ok", Some("SEC1")),
        (ChannelKind::DingTalk, "refuse", None),
    ] {
        store
            .create_channel(
                &Actor::Cli,
                &school.id,
                NewChannel {
                    kind,
                    name: path.into(),
                    target: format!("http://{addr}/{path}?access_token=t"),
                    secret: secret.map(Into::into),
                },
                now,
            )
            .await
            .unwrap();
    }
    store
        .notify(
            &Actor::Cli,
            &Notice::new(
                &school.id,
                vec![],
                yanshi_i18n::Message::new("msg-channel-test", yanshi_i18n::Args::new().text("name", "测试")),
                true,
            ),
            now,
        )
        .await
        .unwrap();
    let worker = Worker::new(store.clone(), Arc::new(ManualClock::new(now)), Deliverer::new(None), "w".into());
    assert_eq!(worker.run_once().await.unwrap(), 3);
    let mut statuses = Vec::new();
    for id in store.outbox_ids(&school.id).await.unwrap() {
        let (status, _, log) = store.message_delivery(&id).await.unwrap();
        statuses.push((status, log[0].1.clone()));
    }
    statuses.sort();
    assert_eq!(statuses[0].0, "PENDING");
    assert!(statuses[0].1.contains("310000"), "{statuses:?}");
    assert_eq!(statuses[1].0, "SENT");
    assert_eq!(statuses[2].0, "SENT");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].1["msgtype"], "text");
    assert_eq!(
        seen[0].1["text"]["content"], "yanshi 测试消息\n测试 发送的测试消息。",
        "rendered in the school's language"
    );
}

/// A minimal SMTP receiver on loopback: enough of RFC 5321 for one message.
async fn smtp_receiver() -> (std::net::SocketAddr, tokio::sync::oneshot::Receiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r).lines();
        w.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut data = String::new();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    w.write_all(b"250 queued\r\n").await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 test\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    w.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            w.write_all(reply).await.unwrap();
        }
        let _ = tx.send(data);
    });
    (addr, rx)
}

#[tokio::test]
async fn email_goes_out_through_smtp() {
    let db = TestDatabase::new(yanshi_store::Backend::Sqlite).await;
    let store = db.store().await;
    let now = datetime!(2026-12-01 09:00 UTC);
    let school = store
        .create_school(&Actor::Cli, "实验小学", "Asia/Shanghai", false, now)
        .await
        .unwrap();
    store
        .create_channel(
            &Actor::Cli,
            &school.id,
            NewChannel {
                kind: ChannelKind::Email,
                name: "办公室".into(),
                target: "office@school.example".into(),
                secret: None,
            },
            now,
        )
        .await
        .unwrap();
    store
        .notify(
            &Actor::Cli,
            &Notice::new(
                &school.id,
                vec![],
                yanshi_i18n::Message::new("msg-channel-test", yanshi_i18n::Args::new().text("name", "测试")),
                true,
            ),
            now,
        )
        .await
        .unwrap();
    let (addr, received) = smtp_receiver().await;
    let smtp = yanshi_notify::SmtpConfig {
        host: "127.0.0.1".into(),
        port: addr.port(),
        username: None,
        password: None,
        from: "yanshi <yanshi@school.example>".into(),
        security: "none".into(),
    };
    let worker = Worker::new(
        store.clone(),
        Arc::new(ManualClock::new(now)),
        Deliverer::new(Some(smtp)),
        "w".into(),
    );
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let id = store.outbox_ids(&school.id).await.unwrap().remove(0);
    let (status, _, log) = store.message_delivery(&id).await.unwrap();
    assert_eq!(status, "SENT", "{log:?}");
    let mail = received.await.unwrap();
    assert!(mail.contains("To: office@school.example"), "{mail}");
    assert!(mail.contains("Subject:"), "{mail}");

    // Without SMTP settings an email channel fails with a reason and is retried, never lost.
    store
        .notify(
            &Actor::Cli,
            &Notice::new(
                &school.id,
                vec![],
                yanshi_i18n::Message::new("msg-channel-test", yanshi_i18n::Args::new().text("name", "测试")),
                true,
            ),
            now,
        )
        .await
        .unwrap();
    let unconfigured = Worker::new(store.clone(), Arc::new(ManualClock::new(now)), Deliverer::new(None), "w2".into());
    assert_eq!(unconfigured.run_once().await.unwrap(), 1);
    let id = store.outbox_ids(&school.id).await.unwrap().remove(1);
    let (status, _, log) = store.message_delivery(&id).await.unwrap();
    assert_eq!(status, "PENDING");
    assert!(log[0].1.contains("SMTP is not configured"));
}
