//! Enrolment (报名): the guardian's application, two reviews, the agreement signed by the
//! guardian and countersigned, a change of terms, withdrawal — and every refusal.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, forbidden, key, signature};
use time::{macros::date, macros::time};
use yanshi_domain::enrolment::{AgreementStatus, EnrolmentState, PickupPlan, Step, Terms, Weekdays};
use yanshi_store::Backend;
use yanshi_store::enrolment::Decision;

contract!(
    an_application_becomes_active_only_with_the_guardians_signature,
    refusals_change_nothing,
);

async fn an_application_becomes_active_only_with_the_guardians_signature(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    let id = s
        .apply(
            &w.mother,
            &w.child.id,
            &w.term.id,
            &w.application(&[1, 3, 5], time!(17:20), PickupPlan::ByAdults),
            true,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(s.enrolment(&id).await.unwrap().state, EnrolmentState::Submitted);
    assert_eq!(
        s.enrolment_step(&w.teacher, &id, Step::ClassApprove, Decision::default(), NOW)
            .await
            .unwrap(),
        EnrolmentState::ClassApproved
    );
    assert_eq!(
        s.enrolment_step(&w.admin, &id, Step::SchoolApprove, Decision::default(), NOW)
            .await
            .unwrap(),
        EnrolmentState::Approved
    );
    let v1 = s.agreements(&id).await.unwrap().remove(0);
    assert_eq!((v1.version, v1.status.as_str()), (1, "PENDING"));
    assert!(
        v1.text.contains("王小明")
            && v1.text.contains("周一、周三、周五")
            && v1.text.contains("17:20 前接走")
            && v1.text.contains("17:30（冬令）/ 18:00（夏令）"),
        "{}",
        v1.text
    );

    // The admin cannot sign for the guardian, nor countersign first.
    assert!(s.sign_agreement(&w.admin, &id, &signature(&v1, "李校长"), NOW).await.is_err());
    let mut stale = signature(&v1, "张丽");
    stale.seen_hash = "0".repeat(64);
    assert_eq!(
        key(s.sign_agreement(&w.mother, &id, &stale, NOW).await.unwrap_err()),
        "err-agreement-changed"
    );
    assert_eq!(
        key(s.sign_agreement(&w.mother, &id, &signature(&v1, "别人"), NOW).await.unwrap_err()),
        "err-typed-name"
    );
    assert_eq!(
        s.sign_agreement(&w.mother, &id, &signature(&v1, "张丽"), NOW).await.unwrap(),
        EnrolmentState::Signed
    );
    assert_eq!(
        s.sign_agreement(&w.admin, &id, &signature(&v1, "李校长"), NOW).await.unwrap(),
        EnrolmentState::Active
    );
    let v1 = s.agreements(&id).await.unwrap().remove(0);
    assert_eq!(v1.status, AgreementStatus::Effective);
    assert_eq!(v1.signatures.len(), 2);
    assert!(
        v1.signatures
            .iter()
            .all(|sig| sig.text_hash == v1.text_hash && !sig.device.is_empty())
    );
    let (_, active, backed) = s.enrolment_compliance(&w.term.id).await.unwrap();
    assert_eq!(
        (active, backed),
        (1, 1),
        "every active enrolment rests on the guardian's application and signature"
    );

    // A change of terms: a new version to sign; the child stays active on the signed one.
    let new_terms = Terms {
        weekdays: Weekdays::from_numbers(&[1, 2, 3, 4, 5]).unwrap(),
        latest_pickup: time!(17:30),
        pickup_plan: PickupPlan::SelfLeave,
    };
    s.change_terms(&w.mother, &id, &new_terms, NOW).await.unwrap();
    let versions = s.agreements(&id).await.unwrap();
    assert_eq!(
        (versions[0].version, versions[0].status.as_str(), versions[1].status.as_str()),
        (2, "PENDING", "EFFECTIVE")
    );
    assert!(versions[0].text.contains("自行离校回家"));
    assert_eq!(s.enrolment(&id).await.unwrap().state, EnrolmentState::Active);
    assert_eq!(
        key(s
            .sign_agreement(&w.mother, &id, &signature(&versions[1], "张丽"), NOW)
            .await
            .unwrap_err()),
        "err-agreement-changed",
        "the old version cannot be signed"
    );
    s.sign_agreement(&w.mother, &id, &signature(&versions[0], "张丽"), NOW)
        .await
        .unwrap();
    s.sign_agreement(&w.admin, &id, &signature(&versions[0], "李校长"), NOW)
        .await
        .unwrap();
    let versions = s.agreements(&id).await.unwrap();
    assert_eq!(
        (versions[0].status.as_str(), versions[1].status.as_str()),
        ("EFFECTIVE", "SUPERSEDED"),
        "the old one stays in history"
    );

    // Withdrawal at any time.
    assert_eq!(
        s.enrolment_step(
            &w.mother,
            &id,
            Step::Withdraw,
            Decision {
                reason: None,
                note: "孩子奶奶来了",
                ends_on: Some(date!(2026 - 09 - 03))
            },
            NOW
        )
        .await
        .unwrap(),
        EnrolmentState::Withdrawn
    );
    assert_eq!(s.enrolment(&id).await.unwrap().ends_on, Some(date!(2026 - 09 - 03)));
    let inbox = s.inbox(&w.mother.id, 50).await.unwrap().zh();
    assert!(inbox.len() >= 6, "the guardian hears of every step: {}", inbox.len());
    // After a withdrawal the guardian may apply again.
    s.apply(
        &w.mother,
        &w.child.id,
        &w.term.id,
        &w.application(&[1], time!(17:00), PickupPlan::ByAdults),
        false,
        NOW,
    )
    .await
    .unwrap();
}

async fn refusals_change_nothing(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    let app = w.application(&[1, 2], time!(17:00), PickupPlan::ByAdults);
    let mut unread = app.clone();
    unread.notice_id = None;
    assert_eq!(
        key(s.apply(&w.mother, &w.child.id, &w.term.id, &unread, true, NOW).await.unwrap_err()),
        "err-notice-unread",
        "the notice is read first"
    );
    assert_eq!(
        forbidden(s.apply(&w.stranger, &w.child.id, &w.term.id, &app, true, NOW).await.unwrap_err()),
        "err-enrolment-not-yours",
        "another guardian"
    );
    assert_eq!(
        forbidden(s.apply(&w.teacher, &w.child.id, &w.term.id, &app, true, NOW).await.unwrap_err()),
        "err-enrolment-not-yours",
        "a teacher cannot apply"
    );
    assert_eq!(
        key(s
            .apply(
                &w.mother,
                &w.child.id,
                &w.term.id,
                &w.application(&[1], time!(18:30), PickupPlan::ByAdults),
                true,
                NOW
            )
            .await
            .unwrap_err()),
        "err-pickup-after-end"
    );
    let mut no_consent = app.clone();
    no_consent.consent_version.clear();
    assert_eq!(
        key(s
            .apply(&w.mother, &w.child.id, &w.term.id, &no_consent, true, NOW)
            .await
            .unwrap_err()),
        "err-consent-required"
    );
    assert!(
        s.enrolments_of_term(&w.term.id).await.unwrap().is_empty(),
        "nothing written by a refusal"
    );

    let id = s.apply(&w.mother, &w.child.id, &w.term.id, &app, true, NOW).await.unwrap();
    assert_eq!(
        key(s.apply(&w.mother, &w.child.id, &w.term.id, &app, true, NOW).await.unwrap_err()),
        "err-already-applied"
    );
    assert_eq!(
        forbidden(
            s.enrolment_step(&w.other_teacher, &id, Step::ClassApprove, Decision::default(), NOW)
                .await
                .unwrap_err()
        ),
        "err-enrolment-not-yours",
        "not their class"
    );
    assert_eq!(
        key(s
            .enrolment_step(&w.admin, &id, Step::SchoolApprove, Decision::default(), NOW)
            .await
            .unwrap_err()),
        "err-enrolment-step",
        "the class reviews first"
    );
    assert_eq!(
        key(s
            .enrolment_step(
                &w.teacher,
                &id,
                Step::ClassReject,
                Decision {
                    reason: Some("OTHER"),
                    note: "",
                    ends_on: None
                },
                NOW
            )
            .await
            .unwrap_err()),
        "err-reason-required",
        "no rejection without a message"
    );
    assert_eq!(
        key(s
            .enrolment_step(
                &w.teacher,
                &id,
                Step::ClassReject,
                Decision {
                    reason: Some("MOOD"),
                    note: "x",
                    ends_on: None
                },
                NOW
            )
            .await
            .unwrap_err()),
        "err-reason-code"
    );
    assert_eq!(
        key(s
            .enrolment_step(&w.teacher, &id, Step::Submit, Decision::default(), NOW)
            .await
            .unwrap_err()),
        "err-enrolment-step"
    );
    assert_eq!(
        s.enrolment(&id).await.unwrap().state,
        EnrolmentState::Submitted,
        "all refused, nothing changed"
    );
    assert_eq!(
        s.enrolment_step(
            &w.teacher,
            &id,
            Step::ClassReject,
            Decision {
                reason: Some("CAN_LEAVE_ON_TIME"),
                note: "奶奶每天 16:00 可以接",
                ends_on: None
            },
            NOW
        )
        .await
        .unwrap(),
        EnrolmentState::Rejected
    );
    let e = s.enrolment(&id).await.unwrap();
    assert_eq!(
        (e.decision_reason.as_deref(), e.decision_note.as_deref()),
        (Some("CAN_LEAVE_ON_TIME"), Some("奶奶每天 16:00 可以接"))
    );
    let (by_state, active, _) = s.enrolment_compliance(&w.term.id).await.unwrap();
    assert_eq!((by_state, active), (vec![("REJECTED".to_string(), 1)], 0));
}
