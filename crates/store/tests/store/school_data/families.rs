//! Students and families: sensitive reads are logged; pickup adults are adults and their removal is immediate.

use super::*;

contract!(sensitive_reads_are_logged, pickup_adults_are_adults_and_removal_is_immediate,);

async fn sensitive_reads_are_logged(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 1, NOW).await.unwrap();
    store
        .import_students(
            &actor,
            &school.id,
            &[child(2, "1", "王小明", 1, 1, &[("张丽", "母亲", "13800138000")])],
            "x",
            NOW,
        )
        .await
        .unwrap();
    let class = store.classes(&school.id).await.unwrap().remove(0);
    let student = store.students_of_class(&class.id).await.unwrap().remove(0).0;
    let value = Sensitive {
        health_notes: "花生过敏".into(),
        priority_groups: vec![PriorityGroup::MigrantChild],
        custody_notes: "父亲不得接走".into(),
    };
    store.set_sensitive(&actor, &student, &value, NOW).await.unwrap();
    assert!(store.sensitive_reads(&student.id).await.unwrap().is_empty());
    assert_eq!(store.read_sensitive(&admin.id, &student, NOW).await.unwrap(), value);
    store.read_sensitive(&admin.id, &student, NOW + Duration::minutes(1)).await.unwrap();
    let reads = store.sensitive_reads(&student.id).await.unwrap();
    assert_eq!(reads.len(), 2, "every read is logged");
    assert_eq!(reads[0].0, "admin");
}

async fn pickup_adults_are_adults_and_removal_is_immediate(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 1, NOW).await.unwrap();
    store
        .import_students(
            &actor,
            &school.id,
            &[child(2, "1", "王小明", 1, 1, &[("张丽", "母亲", "13800138000")])],
            "x",
            NOW,
        )
        .await
        .unwrap();
    let class = store.classes(&school.id).await.unwrap().remove(0);
    let student = store.students_of_class(&class.id).await.unwrap().remove(0).0;
    let adult = |confirmed, level, photo: Option<&str>| NewPickupAdult {
        name: DisplayName::parse("王奶奶").unwrap(),
        relationship: "奶奶".into(),
        phone: PhoneNumber::parse("13600136000").unwrap(),
        id_last4: Some("123X".into()),
        photo: photo.map(Into::into),
        adult_confirmed: confirmed,
        level,
    };
    assert_eq!(
        key(store
            .add_pickup_adult(&actor, &student, adult(false, PickupLevel::Always, None), NOW)
            .await
            .unwrap_err()),
        "err-adult-not-confirmed"
    );
    assert_eq!(
        key(store
            .add_pickup_adult(&actor, &student, adult(true, PickupLevel::Always, Some("<script>")), NOW)
            .await
            .unwrap_err()),
        "err-photo"
    );
    let id = store
        .add_pickup_adult(
            &actor,
            &student,
            adult(true, PickupLevel::Always, Some("data:image/png;base64,iVBORw0KGgo=")),
            NOW,
        )
        .await
        .unwrap();
    store
        .add_pickup_adult(&actor, &student, adult(true, PickupLevel::Never, None), NOW)
        .await
        .unwrap();
    let adults = store.pickup_adults(&student.id).await.unwrap();
    assert_eq!(adults.len(), 2);
    assert!(adults[0].has_photo);
    assert_eq!(adults[1].level, PickupLevel::Never);
    assert!(store.pickup_adult_photo(&id).await.unwrap().is_some());
    store.remove_pickup_adult(&actor, &student, &id, NOW).await.unwrap();
    assert_eq!(store.pickup_adults(&student.id).await.unwrap().len(), 1);
    assert!(
        store.pickup_adult_photo(&id).await.unwrap().is_none(),
        "a removed adult's photo is gone from view"
    );
    assert!(matches!(
        store.remove_pickup_adult(&actor, &student, &id, NOW).await,
        Err(StoreError::NotFound)
    ));
}
