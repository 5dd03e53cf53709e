//! Staff records (教职工): linked to accounts; deactivation ends access at once.

use super::*;

contract!(staff_records_link_to_accounts_and_deactivation_ends_access,);

async fn staff_records_link_to_accounts_and_deactivation_ends_access(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    let new = || NewStaff {
        staff_number: "t001".into(),
        name: DisplayName::parse("王芳").unwrap(),
        phone: Some(PhoneNumber::parse("13800138001").unwrap()),
        title: "语文教师".into(),
    };
    let staff = store.create_staff(&actor, &school.id, new(), NOW).await.unwrap();
    assert_eq!(staff.staff_number, "T001");
    assert_eq!(
        key(store.create_staff(&actor, &school.id, new(), NOW).await.unwrap_err()),
        "err-staff-number-taken"
    );
    let account = user(&store, &school, Role::Teacher, "wangfang").await;
    store.link_staff_account(&actor, &staff.id, &account.id, NOW).await.unwrap();
    assert_eq!(store.staff_directory(&school.id).await.unwrap()[0].role, Some(Role::Teacher));
    let session = store
        .start_session(&account, SessionStage::Full, "t", NOW, SessionTimeouts::default())
        .await
        .unwrap();
    store.deactivate_staff(&actor, &staff.id, NOW).await.unwrap();
    assert!(
        store.session(&session, NOW, SessionTimeouts::default()).await.unwrap().is_none(),
        "access ends at once"
    );
    assert!(store.user(&account.id).await.unwrap().disabled);
    assert!(!store.staff_member(&staff.id).await.unwrap().active);
    // 重新启用: the record is active again and its account can sign in afresh (no session returns).
    store.reactivate_staff(&actor, &staff.id, NOW).await.unwrap();
    assert!(store.staff_member(&staff.id).await.unwrap().active);
    assert!(!store.user(&account.id).await.unwrap().disabled);
    assert!(store.session(&session, NOW, SessionTimeouts::default()).await.unwrap().is_none());
    store.reactivate_staff(&actor, &staff.id, NOW).await.unwrap();
    let entries = store.audit_entries(Some(&school.id), 100).await.unwrap();
    assert_eq!(
        entries.iter().filter(|e| e.action == "staff.reactivate").count(),
        1,
        "once: reactivating an active record changes nothing"
    );
    assert!(matches!(
        store.reactivate_staff(&actor, &yanshi_domain::ids::StaffId::new(), NOW).await,
        Err(StoreError::NotFound)
    ));
    store.deactivate_staff(&actor, &staff.id, NOW).await.unwrap();

    let rows = vec![
        RosterStaff {
            row: 2,
            staff_number: "T001".into(),
            name: "王芳".into(),
            phone: Some(PhoneNumber::parse("13800138001").unwrap()),
            title: "语文教师".into(),
        },
        RosterStaff {
            row: 3,
            staff_number: "T002".into(),
            name: "李强".into(),
            phone: None,
            title: "体育教师".into(),
        },
    ];
    let c = store.import_staff(&actor, &school.id, &rows, "sha", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (1, 0, 1));
    let c = store.import_staff(&actor, &school.id, &rows, "sha", NOW).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 2));
}
