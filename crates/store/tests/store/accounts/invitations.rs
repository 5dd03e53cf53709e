//! Invitation codes (邀请码): a code creates one guardian account, once.

use super::*;

contract!(an_invitation_creates_one_guardian_once,);

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
