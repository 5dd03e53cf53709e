//! 值班 where people look: 我的值班 on a staff member's home page and 今日值班 on the class's door.

use super::active_child;
use crate::common::*;
use axum::http::StatusCode;
use yanshi_domain::duty::post::PostSpec;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

#[tokio::test]
async fn the_home_page_lists_my_duties_and_the_door_who_is_on_duty_today() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (class, ..) = active_child(&app).await;
        let (s, admin, now) = (&app.store, app.user(Role::SchoolAdmin), app.clock_now());
        let term = s
            .term_on(&app.school.id, time::macros::date!(2026 - 12 - 01))
            .await
            .unwrap()
            .unwrap()
            .id;
        let post = |kind, name, starts, ends, roles: &[Role]| {
            PostSpec::parse(kind, name, &[1, 2, 3, 4, 5], &[], starts, ends, "1", "100", roles).unwrap()
        };
        let leader = post("LEADER", "值班领导", "17:30", "19:30", &[Role::SchoolAdmin]);
        let gate = post("GATE", "校门", "16:00", "17:00", &[]);
        // Today (Tuesday 1 December) and tomorrow: 李校长's test twin leads, the teacher keeps the gate.
        for (spec, who, days) in [(leader, &admin.id, &[1u8][..]), (gate, &app.user(Role::Teacher).id, &[1, 2][..])] {
            let id = s.save_duty_post(admin, &app.school.id, None, &spec, true, now).await.unwrap();
            for d in days {
                let day = time::Date::from_calendar_date(2026, time::Month::December, *d).unwrap();
                s.assign_duty_turn(admin, &term, day, &id, who, now).await.unwrap();
            }
        }
        let teacher = app.session(Role::Teacher).await;
        // Nothing published yet: no 我的值班, no duty line.
        assert!(!app.get("/home", Some(&teacher)).await.body.contains("id=\"my-duty\""));
        let door = format!("/afternoon/class/{class}");
        let class_teacher = app.session(Role::ClassTeacher).await;
        assert!(!app.get(&door, Some(&class_teacher)).await.body.contains("今日值班"));
        s.publish_roster(admin, &term, now).await.unwrap();

        let home = app.get("/home", Some(&teacher)).await;
        assert_eq!(home.status, StatusCode::OK, "{}", home.body);
        let mine = home.body.split("id=\"my-duty\"").nth(1).expect(&home.body);
        let mine = &mine[..mine.find("</section>").unwrap()];
        assert!(mine.contains("我的值班"), "{mine}");
        assert!(
            mine.contains("<strong>12-01 周二</strong> <em>今天</em> · 校门 <span class=\"muted\">16:00–17:00</span>"),
            "{mine}"
        );
        assert!(mine.contains("<strong>12-02 周三</strong> · 校门"), "{mine}");
        assert!(!mine.contains("值班领导"), "only my own turns: {mine}");
        // Someone without turns sees no such section.
        let volunteer = app.session(Role::Volunteer).await;
        assert!(!app.get("/home", Some(&volunteer)).await.body.contains("我的值班"));

        let page = app.get(&door, Some(&class_teacher)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body
                .contains("今日值班： 值班领导 <strong>school_admin测试</strong> · 校门 <strong>teacher测试</strong></p>"),
            "{}",
            page.body
        );
    }
}
