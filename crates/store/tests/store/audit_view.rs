//! The audit log as its page reads it, on both databases: who (name and role), the child an
//! entry concerns, and the filters (person, child, time, pages) applied in SQL.

use crate::fixtures::{self, NOW, World};
use time::Duration;
use yanshi_domain::clock::to_millis;
use yanshi_domain::role::Role;
use yanshi_store::audit_view::AuditFilter;
use yanshi_store::{Actor, Backend, StoreError};

contract!(
    the_audit_log_is_filtered_by_person_child_and_time,
    an_account_is_enabled_again_and_audited,
);

async fn the_audit_log_is_filtered_by_person_child_and_time(backend: Backend) {
    let w = World::new(backend).await;
    fixtures::active(&w).await;
    let other = fixtures::active_other_child(&w).await;
    let s = &w.store;
    // A code for his grandmother: the entry's subject is the adult, its details name the child.
    let grandma = yanshi_store::people::NewPickupAdult {
        name: yanshi_domain::account::DisplayName::parse("王奶奶").unwrap(),
        relationship: "奶奶".into(),
        phone: yanshi_domain::account::PhoneNumber::parse("13600136000").unwrap(),
        id_last4: None,
        photo: None,
        adult_confirmed: true,
        level: yanshi_domain::family::PickupLevel::Always,
    };
    let grandma = s
        .add_pickup_adult(&Actor::User(w.mother.id.clone()), &w.child, grandma, NOW)
        .await
        .unwrap();
    s.issue_pickup_code(&w.teacher, &w.child, &grandma, NOW).await.unwrap();
    let school = Some(&w.school.id);
    let all = s.audit_rows(school, &AuditFilter::default(), 1000).await.unwrap();
    assert!(all.windows(2).all(|p| p[0].entry.seq > p[1].entry.seq), "newest first");
    let countersign = all
        .iter()
        .find(|r| r.entry.action == "enrolment.countersign" && r.student.as_ref().is_some_and(|s| s.0 == w.child.id))
        .unwrap();
    assert_eq!(countersign.actor, Some(("李校长".to_string(), Role::SchoolAdmin)));
    assert_eq!(
        countersign.student.as_ref().map(|(id, name, _)| (id, name.as_str())),
        Some((&w.child.id, "王小明"))
    );
    assert!(
        countersign.entry.details.contains("\"to\":\"ACTIVE\""),
        "{}",
        countersign.entry.details
    );
    let by_cli = all.iter().find(|r| r.entry.actor == "cli").unwrap();
    assert_eq!(by_cli.actor, None, "the command line is no account");

    // A person: only their entries.
    let teacher = AuditFilter {
        actor: Some(w.teacher.id.to_string()),
        ..AuditFilter::default()
    };
    let rows = s.audit_rows(school, &teacher, 1000).await.unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.entry.actor == w.teacher.id.as_str()));
    assert!(rows.iter().any(|r| r.entry.action == "enrolment.class_approve"));

    // A child: entries whose subject is the child or the child's application and agreement.
    let child = AuditFilter {
        student: Some(w.child.id.clone()),
        ..AuditFilter::default()
    };
    let rows = s.audit_rows(school, &child, 1000).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.entry.action.as_str()).collect();
    for a in [
        "enrolment.submit",
        "enrolment.class_approve",
        "enrolment.countersign",
        "pickup_code.issue",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(!actions.contains(&"user.create"), "{actions:?}");
    assert!(
        rows.iter()
            .filter(|r| r.entry.action != "pickup_code.issue")
            .all(|r| r.student.as_ref().map(|s| &s.0) == Some(&w.child.id))
    );
    let hers = AuditFilter {
        student: Some(other.id.clone()),
        ..AuditFilter::default()
    };
    let rows = s.audit_rows(school, &hers, 1000).await.unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r.student.as_ref().map(|s| &s.0) == Some(&other.id)));

    // Time: from (inclusive) and until (exclusive), in instants.
    let at = to_millis(NOW);
    let window = |from: Option<i64>, until: Option<i64>| AuditFilter {
        from_ms: from,
        until_ms: until,
        ..AuditFilter::default()
    };
    assert_eq!(
        s.audit_rows(school, &window(Some(at), Some(at + 1)), 1000).await.unwrap().len(),
        all.len()
    );
    assert!(s.audit_rows(school, &window(Some(at + 1), None), 1000).await.unwrap().is_empty());
    assert!(s.audit_rows(school, &window(None, Some(at)), 1000).await.unwrap().is_empty());
    let later = NOW + Duration::days(1);
    s.disable_user(&Actor::User(w.admin.id.clone()), &w.stranger.id, later)
        .await
        .unwrap();
    let tomorrow = s.audit_rows(school, &window(Some(to_millis(later)), None), 1000).await.unwrap();
    assert_eq!(tomorrow.len(), 1);
    assert_eq!(tomorrow[0].entry.action, "user.disable");

    // Filters combine; pages follow one another without a gap or an overlap.
    let both = AuditFilter {
        actor: Some(w.teacher.id.to_string()),
        student: Some(other.id.clone()),
        ..AuditFilter::default()
    };
    assert!(
        s.audit_rows(school, &both, 1000).await.unwrap().is_empty(),
        "王老师 did nothing for 李华"
    );
    let first = s.audit_rows(school, &AuditFilter::default(), 3).await.unwrap();
    let next = AuditFilter {
        before_seq: Some(first[2].entry.seq),
        ..AuditFilter::default()
    };
    let second = s.audit_rows(school, &next, 3).await.unwrap();
    assert_eq!(second[0].entry.seq, first[2].entry.seq - 1);

    // The filters' choices: everyone who acted, every child the log leads to.
    let actors = s.audit_actors(school).await.unwrap();
    assert!(
        actors
            .iter()
            .any(|a| a.actor == w.teacher.id.as_str() && a.name.as_deref() == Some("王老师"))
    );
    assert!(actors.iter().any(|a| a.actor == "cli" && a.name.is_none()));
    let children = s.audit_students(school).await.unwrap();
    let mut names: Vec<&str> = children.iter().map(|c| c.1.as_str()).collect();
    names.sort();
    assert_eq!(names, ["李华", "王小明"], "each child once");
    // Another school's log is another chain.
    assert!(s.audit_rows(None, &child, 1000).await.unwrap().is_empty());
}

async fn an_account_is_enabled_again_and_audited(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    let admin = Actor::User(w.admin.id.clone());
    s.disable_user(&admin, &w.teacher.id, NOW).await.unwrap();
    assert!(s.user(&w.teacher.id).await.unwrap().disabled);
    s.enable_user(&admin, &w.teacher.id, NOW).await.unwrap();
    assert!(!s.user(&w.teacher.id).await.unwrap().disabled);
    let school = w.school.id.clone();
    let enabled = || async {
        s.audit_rows(Some(&school), &AuditFilter::default(), 1000)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.entry.action == "user.enable")
            .count()
    };
    assert_eq!(enabled().await, 1);
    s.enable_user(&admin, &w.teacher.id, NOW).await.unwrap();
    assert_eq!(enabled().await, 1, "enabling an enabled account changes nothing");
    let unknown = s.enable_user(&admin, &yanshi_domain::ids::UserId::new(), NOW).await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    let chain = s.verify_audit_chain(Some(&w.school.id)).await.unwrap();
    assert!(chain.result.is_ok(), "{chain:?}");
}
