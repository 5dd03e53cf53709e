//! The audit chain (审计日志): edits and deletions are found; concurrent writes keep one chain.

use super::*;

contract!(the_audit_chain_finds_edits_and_deletions, concurrent_writes_keep_one_audit_chain,);

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
