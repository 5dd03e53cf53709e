//! 天气预警: from ORANGE up no child leaves alone, and the guardians are told.

use crate::fixtures::InZh;
use crate::fixtures::{NOW, World, forbidden, signature};
use time::{macros::date, macros::datetime, macros::time};
use yanshi_domain::enrolment::{PickupPlan, Step};
use yanshi_store::Backend;
use yanshi_store::enrolment::Decision;

contract!(an_orange_weather_warning_suspends_leaving_alone_and_tells_the_guardians,);

async fn an_orange_weather_warning_suspends_leaving_alone_and_tells_the_guardians(backend: Backend) {
    use yanshi_domain::afternoon::WeatherLevel;
    use yanshi_store::afternoon::{HandoverOutcome, HandoverRequest};
    let w = World::new(backend).await;
    let s = &w.store;
    // A third-grader whose signed agreement lets him leave alone every weekday.
    let id = s
        .apply(
            &w.mother,
            &w.child.id,
            &w.term.id,
            &w.application(&[1, 2, 3, 4, 5], time!(17:30), PickupPlan::SelfLeave),
            true,
            NOW,
        )
        .await
        .unwrap();
    s.enrolment_step(&w.teacher, &id, Step::ClassApprove, Decision::default(), NOW)
        .await
        .unwrap();
    s.enrolment_step(&w.admin, &id, Step::SchoolApprove, Decision::default(), NOW)
        .await
        .unwrap();
    let a = s.agreements(&id).await.unwrap().remove(0);
    s.sign_agreement(&w.mother, &id, &signature(&a, "张丽"), NOW).await.unwrap();
    s.sign_agreement(&w.admin, &id, &signature(&a, "李校长"), NOW).await.unwrap();
    let school = w.child.school_id.clone();
    let (thu, fri) = (date!(2026 - 09 - 10), date!(2026 - 09 - 11));
    let alone = |day, request: &str| HandoverRequest {
        student: w.child.id.clone(),
        day,
        adult: None,
        method: yanshi_domain::afternoon::HandoverMethod::SelfLeave,
        override_reason: None,
        request_id: request.into(),
        paper_time: None,
    };
    let at = datetime!(2026-09-10 09:30 UTC);

    assert_eq!(
        forbidden(
            s.set_weather_alert(&w.teacher, &school, thu, WeatherLevel::Red, "", at)
                .await
                .unwrap_err()
        ),
        "err-weather-not-yours"
    );
    s.set_weather_alert(&w.admin, &school, thu, WeatherLevel::Orange, "暴雨橙色预警", at)
        .await
        .unwrap();
    assert_eq!(
        s.weather_alert(&school, thu).await.unwrap().map(|a| a.level),
        Some(WeatherLevel::Orange)
    );
    let inbox = s.inbox(&w.mother.id, 5).await.unwrap().zh();
    assert!(
        inbox[0].title.contains("橙色预警") && inbox[0].body.contains("暴雨橙色预警"),
        "{inbox:?}"
    );
    // Raising it to red tells nobody twice.
    s.set_weather_alert(&w.admin, &school, thu, WeatherLevel::Red, "", at)
        .await
        .unwrap();
    assert_eq!(
        s.inbox(&w.mother.id, 10)
            .await
            .unwrap()
            .zh()
            .iter()
            .filter(|m| m.title.contains("预警"))
            .count(),
        1
    );
    assert_eq!(
        s.record_handover(&w.teacher, &alone(thu, "w1"), at).await.unwrap(),
        HandoverOutcome::Refused {
            adult_name: "王小明".into(),
            reason: "err-self-leave-weather"
        }
    );
    // Lifted: he may leave alone again, as signed.
    s.set_weather_alert(&w.admin, &school, thu, WeatherLevel::None, "", at)
        .await
        .unwrap();
    assert_eq!(s.weather_alert(&school, thu).await.unwrap(), None);
    assert!(matches!(
        s.record_handover(&w.teacher, &alone(thu, "w2"), at).await.unwrap(),
        HandoverOutcome::Recorded(_)
    ));
    // A yellow warning does not suspend it.
    s.set_weather_alert(&w.admin, &school, fri, WeatherLevel::Yellow, "", at)
        .await
        .unwrap();
    assert!(matches!(
        s.record_handover(&w.teacher, &alone(fri, "w3"), at).await.unwrap(),
        HandoverOutcome::Recorded(_)
    ));
}
