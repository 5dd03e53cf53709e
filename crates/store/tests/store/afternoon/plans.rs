//! 活动安排: a class's session plan, and a lesson flagged.

use crate::fixtures::{NOW, World, refusal};
use yanshi_store::{Backend, User};

contract!(a_class_plans_its_sessions_and_a_lesson_is_flagged,);

async fn a_class_plans_its_sessions_and_a_lesson_is_flagged(backend: Backend) {
    use yanshi_store::afternoon::PlanInput;
    let w = World::new(backend).await;
    let s = &w.store;
    let class = s.class(&w.child.class_id).await.unwrap();
    let plan = |weekday, content: &str, note: &str, teacher: Option<&User>| PlanInput {
        weekday,
        content: content.into(),
        note: note.into(),
        teacher: teacher.map(|t| t.id.clone()),
        volunteer: None,
    };
    s.set_session_plan(
        &w.teacher,
        &class,
        &w.term.id,
        &plan(1, "趣味数学", "数独与七巧板", Some(&w.teacher)),
        NOW,
    )
    .await
    .unwrap();
    let plans = s.session_plans(&class.id, &w.term.id).await.unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!((plans[0].content.as_str(), plans[0].flagged), ("趣味数学", false));
    assert_eq!(plans[0].teacher.as_ref().map(|t| t.1.as_str()), Some("王老师"));

    let refused = [
        (
            s.set_session_plan(&w.other_teacher, &class, &w.term.id, &plan(2, "社团", "", None), NOW)
                .await,
            "err-plan-not-yours",
        ),
        (
            s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(2, "新课", "", None), NOW)
                .await,
            "err-session-content",
        ),
        (
            s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(6, "社团", "", None), NOW)
                .await,
            "err-plan-weekday",
        ),
        (
            s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(2, "社团", "", Some(&w.mother)), NOW)
                .await,
            "err-plan-person",
        ),
    ];
    for (result, expected) in refused {
        assert_eq!(refusal(result.unwrap_err()), expected);
    }
    assert_eq!(
        s.session_plans(&class.id, &w.term.id).await.unwrap().len(),
        1,
        "refusals change nothing"
    );

    // A lesson in disguise is saved but flagged for the leaders; a change replaces the day.
    s.set_session_plan(&w.admin, &class, &w.term.id, &plan(3, "其他", "数学上新课：分数", None), NOW)
        .await
        .unwrap();
    assert_eq!(
        s.flagged_plans(&class.school_id, &w.term.id).await.unwrap(),
        vec![("三年级二班".to_string(), 3, "其他".to_string(), "数学上新课：分数".to_string())]
    );
    s.set_session_plan(&w.teacher, &class, &w.term.id, &plan(3, "自主阅读", "", None), NOW)
        .await
        .unwrap();
    assert!(s.flagged_plans(&class.school_id, &w.term.id).await.unwrap().is_empty());
    let plans = s.session_plans(&class.id, &w.term.id).await.unwrap();
    assert_eq!(
        plans.iter().map(|p| (p.weekday, p.content.as_str())).collect::<Vec<_>>(),
        [(1, "趣味数学"), (3, "自主阅读")]
    );
}
