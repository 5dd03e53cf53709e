//! Class invitations (班级邀请码): guardians are linked to their own children, with the phone on the school's record.

use super::*;

contract!(
    class_invitations_link_guardians_to_their_own_children,
    a_guardian_code_needs_the_phone_on_the_schools_record,
);

async fn class_invitations_link_guardians_to_their_own_children(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 1, NOW).await.unwrap();
    let rows = vec![
        child(
            2,
            "1",
            "王小明",
            1,
            1,
            &[("张丽", "母亲", "13800138000"), ("王强", "父亲", "13900139000")],
        ),
        child(3, "2", "王小红", 1, 1, &[("张丽", "母亲", "13800138000")]),
        child(4, "3", "李华", 1, 1, &[("李梅", "母亲", "13700137000")]),
    ];
    store.import_students(&actor, &school.id, &rows, "x", NOW).await.unwrap();
    let class = store.classes(&school.id).await.unwrap().remove(0);
    let first = store
        .create_class_invitations(&actor, &class, NOW, Duration::days(14))
        .await
        .unwrap();
    assert_eq!(first.len(), 3, "one code per guardian, even with two children: {first:?}");
    let second = store
        .create_class_invitations(&actor, &class, NOW, Duration::days(14))
        .await
        .unwrap();
    let zhang_old = first.iter().find(|i| i.guardian_name == "张丽").unwrap().code.clone();
    let zhang_new = second.iter().find(|i| i.guardian_name == "张丽").unwrap().code.clone();
    let redeem = |code: InvitationCode, phone: &'static str| {
        let store = store.clone();
        async move {
            store
                .redeem_invitation(
                    &code,
                    DisplayName::parse("张丽").unwrap(),
                    PhoneNumber::parse(phone).unwrap(),
                    "x".into(),
                    NOW,
                )
                .await
        }
    };
    assert_eq!(
        key(redeem(zhang_old, "13800138000").await.unwrap_err()),
        "err-invitation-invalid",
        "only the newest slip works"
    );
    let zhang = redeem(zhang_new, "13800138000").await.unwrap();
    let mut kids: Vec<String> = store
        .children_of(&zhang.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(s, _)| s.name)
        .collect();
    kids.sort();
    assert_eq!(kids, vec!["王小明", "王小红"], "her own two children, not 李华");
    let third = store
        .create_class_invitations(&actor, &class, NOW, Duration::days(14))
        .await
        .unwrap();
    assert_eq!(third.len(), 2, "guardians with an account get no new code");
}

async fn a_guardian_code_needs_the_phone_on_the_schools_record(backend: Backend) {
    let (_db, store, school, admin) = setup(backend).await;
    let actor = Actor::User(admin.id.clone());
    store.create_standard_classes(&actor, &school.id, 1, NOW).await.unwrap();
    let rows = vec![child(2, "1", "王小明", 1, 1, &[("张丽", "母亲", "13800138000")])];
    store.import_students(&actor, &school.id, &rows, "x", NOW).await.unwrap();
    let class = store.classes(&school.id).await.unwrap().remove(0);
    let code = store
        .create_class_invitations(&actor, &class, NOW, Duration::days(14))
        .await
        .unwrap()
        .remove(0)
        .code;
    let stranger = PhoneNumber::parse("13900000009").unwrap();
    assert_eq!(
        key(store.check_invitation(&code, &stranger, NOW).await.unwrap_err()),
        "err-invitation-phone"
    );
    let refused = store
        .redeem_invitation(&code, DisplayName::parse("张丽").unwrap(), stranger.clone(), "x".into(), NOW)
        .await
        .unwrap_err();
    assert_eq!(key(refused), "err-invitation-phone", "someone else's phone takes nobody's children");
    assert!(
        store
            .user_by_login(&yanshi_domain::account::Login::Phone(stranger))
            .await
            .unwrap()
            .is_none(),
        "a refusal creates nobody"
    );
    // The school's number, typed with full-width digits and spaces, is the same number.
    let typed = PhoneNumber::parse("１３８ ００１３ ８０００").unwrap();
    store.check_invitation(&code, &typed, NOW).await.expect("the code is still open");
    let mother = store
        .redeem_invitation(&code, DisplayName::parse("张丽").unwrap(), typed.clone(), "x".into(), NOW)
        .await
        .expect("the code was not spent by the refusal");
    assert_eq!(store.children_of(&mother.id).await.unwrap().len(), 1);
    assert_eq!(
        key(store.check_invitation(&code, &typed, NOW).await.unwrap_err()),
        "err-invitation-invalid",
        "spent now"
    );
}
