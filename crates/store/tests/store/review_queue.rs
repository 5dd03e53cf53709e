//! 待审核: each review step tells the next reviewer (inbox, in the step's transaction) and the
//! counts on their home page follow, counted in the database.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, signature};
use time::macros::time;
use yanshi_domain::enrolment::{PickupPlan, Step, Terms, Weekdays};
use yanshi_store::Backend;
use yanshi_store::enrolment::{Decision, ReviewQueue};

contract!(each_step_tells_the_next_reviewer_and_the_counts_follow);

fn titles(items: &[yanshi_store::InboxItem]) -> Vec<String> {
    items.iter().map(|i| i.title.clone()).collect()
}

async fn each_step_tells_the_next_reviewer_and_the_counts_follow(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    let q = |class_review, school_review, countersign| ReviewQueue {
        class_review,
        school_review,
        countersign,
    };
    assert_eq!(s.review_queue(&w.teacher).await.unwrap(), q(0, 0, 0));
    assert_eq!(s.review_queue(&w.admin).await.unwrap(), q(0, 0, 0));

    // A draft tells nobody; the submission tells 王小明's class teacher, not another one.
    let app = w.application(&[1, 3, 5], time!(17:20), PickupPlan::ByAdults);
    s.apply(&w.mother, &w.child.id, &w.term.id, &app, false, NOW).await.unwrap();
    assert!(s.inbox(&w.teacher.id, 10).await.unwrap().is_empty());
    let id = s.apply(&w.mother, &w.child.id, &w.term.id, &app, true, NOW).await.unwrap();
    let inbox = s.inbox(&w.teacher.id, 10).await.unwrap().zh();
    assert_eq!(titles(&inbox), ["待审核报名：三年级二班王小明"]);
    assert!(
        inbox[0].body.contains("王小明（三年级二班）的家长提交了延时服务报名"),
        "{}",
        inbox[0].body
    );
    assert!(s.inbox(&w.other_teacher.id, 10).await.unwrap().is_empty());
    assert!(
        !titles(&s.inbox(&w.admin.id, 10).await.unwrap().zh())
            .iter()
            .any(|t| t.contains("王小明")),
        "the class reviews first"
    );
    assert_eq!(s.review_queue(&w.teacher).await.unwrap(), q(1, 0, 0));
    assert_eq!(s.review_queue(&w.other_teacher).await.unwrap(), q(0, 0, 0));
    assert_eq!(
        s.review_queue(&w.admin).await.unwrap(),
        q(0, 0, 0),
        "an admin is not a class teacher"
    );
    assert_eq!(s.review_queue(&w.mother).await.unwrap(), q(0, 0, 0));

    // The class review hands it to the school admins.
    s.enrolment_step(&w.teacher, &id, Step::ClassApprove, Decision::default(), NOW)
        .await
        .unwrap();
    assert_eq!(s.review_queue(&w.teacher).await.unwrap(), q(0, 0, 0));
    assert_eq!(s.review_queue(&w.admin).await.unwrap(), q(0, 1, 0));
    assert_eq!(
        titles(&s.inbox(&w.admin.id, 10).await.unwrap().zh())[0],
        "待学校审核：三年级二班王小明"
    );
    s.enrolment_step(&w.admin, &id, Step::SchoolApprove, Decision::default(), NOW)
        .await
        .unwrap();
    assert_eq!(
        s.review_queue(&w.admin).await.unwrap(),
        q(0, 0, 0),
        "the agreement waits for the guardian"
    );

    // The guardian's signature waits for the school's countersignature.
    let a = s.agreements(&id).await.unwrap().remove(0);
    s.sign_agreement(&w.mother, &id, &signature(&a, "张丽"), NOW).await.unwrap();
    assert_eq!(s.review_queue(&w.admin).await.unwrap(), q(0, 0, 1));
    assert_eq!(
        titles(&s.inbox(&w.admin.id, 10).await.unwrap().zh())[0],
        "待学校签章：三年级二班王小明"
    );
    assert!(s.enrolments_of_term(&w.term.id).await.unwrap()[0].awaiting_countersign);
    s.sign_agreement(&w.admin, &id, &signature(&a, "李校长"), NOW).await.unwrap();
    assert_eq!(s.review_queue(&w.admin).await.unwrap(), q(0, 0, 0));
    assert!(!s.enrolments_of_term(&w.term.id).await.unwrap()[0].awaiting_countersign);

    // A change of terms signed by the guardian waits for the school again, the child active.
    let terms = Terms {
        weekdays: Weekdays::from_numbers(&[1, 2, 3, 4, 5]).unwrap(),
        latest_pickup: time!(17:30),
        pickup_plan: PickupPlan::ByAdults,
    };
    s.change_terms(&w.mother, &id, &terms, NOW).await.unwrap();
    assert_eq!(s.review_queue(&w.admin).await.unwrap(), q(0, 0, 0));
    let v2 = s.agreements(&id).await.unwrap().remove(0);
    s.sign_agreement(&w.mother, &id, &signature(&v2, "张丽"), NOW).await.unwrap();
    assert_eq!(s.review_queue(&w.admin).await.unwrap(), q(0, 0, 1));
    assert_eq!(
        s.inbox(&w.admin.id, 10)
            .await
            .unwrap()
            .zh()
            .iter()
            .filter(|i| i.title == "待学校签章：三年级二班王小明")
            .count(),
        2
    );
}
