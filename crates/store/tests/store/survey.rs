//! The needs survey and who has not answered it.

use crate::fixtures::{NOW, World, forbidden};
use time::macros::time;
use yanshi_domain::enrolment::Weekdays;
use yanshi_store::Backend;

contract!(the_needs_survey_shows_who_has_not_answered,);

async fn the_needs_survey_shows_who_has_not_answered(backend: Backend) {
    use yanshi_store::survey::SurveyAnswer;
    let w = World::new(backend).await;
    let s = &w.store;
    let answer = |source: &str| SurveyAnswer {
        needs_care: true,
        weekdays: Weekdays::from_numbers(&[1, 2, 3]).unwrap(),
        latest_pickup: Some(time!(17:30)),
        reason: "父母都下班晚".into(),
        source: source.into(),
        answered_by: String::new(),
        answered_at: NOW,
    };
    let class = s.class(&w.child.class_id).await.unwrap();
    let before = s.survey_of_class(&w.term.id, &class.id).await.unwrap();
    assert!(before.iter().all(|(_, a)| a.is_none()), "nobody has answered");
    assert_eq!(
        forbidden(
            s.answer_survey(&w.stranger, &w.child.id, &w.term.id, &answer("ONLINE"), NOW)
                .await
                .unwrap_err()
        ),
        "err-enrolment-not-yours"
    );
    s.answer_survey(&w.mother, &w.child.id, &w.term.id, &answer("ONLINE"), NOW)
        .await
        .unwrap();
    let after = s.survey_of_class(&w.term.id, &class.id).await.unwrap();
    let a = after.iter().find(|(st, _)| st.id == w.child.id).unwrap().1.clone().unwrap();
    assert_eq!((a.source.as_str(), a.needs_care, a.answered_by.as_str()), ("ONLINE", true, "张丽"));
    // The class teacher enters an answer collected on paper; a teacher of another class cannot.
    let mut paper = answer("PAPER");
    paper.needs_care = false;
    assert_eq!(
        forbidden(
            s.answer_survey(&w.other_teacher, &w.child.id, &w.term.id, &paper, NOW)
                .await
                .unwrap_err()
        ),
        "err-enrolment-not-yours"
    );
    s.answer_survey(&w.teacher, &w.child.id, &w.term.id, &paper, NOW).await.unwrap();
    assert_eq!(
        s.survey_answer(&w.term.id, &w.child.id).await.unwrap(),
        Some(false),
        "the newer answer replaces the older"
    );
}
