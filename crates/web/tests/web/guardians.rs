//! Whose child it is, and who may see what of it: a guardian added by staff waits for a second
//! school admin, and the district sees no custody limit or priority group (issue 9).

use crate::common::*;
use crate::enrolment::setup;
use axum::http::StatusCode;
use time::macros::time;
use yanshi_domain::account::PhoneNumber;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// A child with a custody limit (禁止接送) and an application marked 留守儿童.
async fn child_with_sensitive_facts(app: &TestApp, student: &str) {
    use yanshi_domain::account::DisplayName;
    use yanshi_domain::family::{PickupLevel, PriorityGroup};
    let s = app
        .store
        .student(&yanshi_domain::ids::StudentId::parse(student).unwrap())
        .await
        .unwrap();
    let adult = yanshi_store::people::NewPickupAdult {
        name: DisplayName::parse("赵禁止").unwrap(),
        relationship: "生父".into(),
        phone: PhoneNumber::parse("13911112222").unwrap(),
        id_last4: None,
        photo: None,
        adult_confirmed: true,
        level: PickupLevel::Never,
    };
    app.store
        .add_pickup_adult(&yanshi_store::Actor::Cli, &s, adult, START)
        .await
        .unwrap();
    let admin = app.user(Role::SchoolAdmin);
    let term = app.store.terms(&app.school.id).await.unwrap().remove(0);
    app.store.publish_notice(admin, &term.id, "致家长的一封信", START).await.unwrap();
    let notice = app.store.current_notice(&term.id).await.unwrap().unwrap().id;
    let guardian = app.user(Role::Guardian);
    app.store.mark_notice_read(guardian, &notice, START).await.unwrap();
    let application = yanshi_store::enrolment::Application {
        terms: yanshi_domain::enrolment::Terms {
            weekdays: yanshi_domain::enrolment::Weekdays::from_numbers(&[1, 3]).unwrap(),
            latest_pickup: time!(17:30),
            pickup_plan: yanshi_domain::enrolment::PickupPlan::ByAdults,
        },
        health_disclosure: String::new(),
        reason: String::new(),
        priority_group: Some(PriorityGroup::LeftBehind),
        consent_version: yanshi_domain::agreement::PRIVACY_NOTICE_VERSION.into(),
        notice_id: Some(notice),
    };
    app.store.apply(guardian, &s.id, &term.id, &application, true, START).await.unwrap();
}

/// The custody level NEVER as the audit page writes it.
const NEVER_WORDS: &str = "禁止接送";

#[tokio::test]
async fn the_district_sees_no_custody_limit_or_priority_group_and_the_schools_view_is_logged() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (student, _) = setup(&app).await;
        child_with_sensitive_facts(&app, &student).await;
        let sid = yanshi_domain::ids::StudentId::parse(&student).unwrap();
        let district = app.session(Role::DistrictAdmin).await;
        let school = app.school.id.to_string();
        let page = app.get(&format!("/students/{student}"), Some(&district)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("赵禁止") && !page.body.contains("13911112222") && !page.body.contains("禁止接送</strong>"),
            "the district sees no custody limit"
        );
        assert!(
            page.body.contains("id=\"hidden-limits\""),
            "but is told there is one the school keeps"
        );
        let review = app.get(&format!("/enrolment?school={school}"), Some(&district)).await;
        assert!(
            review.body.contains("王小明") && !review.body.contains("留守儿童"),
            "{}",
            review.body
        );
        assert!(
            app.store.sensitive_reads(&sid).await.unwrap().is_empty(),
            "nothing was shown, nothing logged"
        );
        let audit = app.get(&format!("/admin/audit?school={school}"), Some(&district)).await;
        assert!(
            audit.body.contains("pickup_adult.add") && !audit.body.contains("NEVER") && !audit.body.contains(NEVER_WORDS),
            "{}",
            audit.body
        );

        // The school sees both, and showing the custody limit is a logged read.
        let admin = app.session(Role::SchoolAdmin).await;
        let page = app.get(&format!("/students/{student}"), Some(&admin)).await;
        assert!(page.body.contains("赵禁止") && page.body.contains("13911112222"));
        let reads = app.store.sensitive_reads(&sid).await.unwrap();
        assert_eq!(reads.len(), 1, "the student page logs the custody limit it shows: {reads:?}");
        let review = app.get("/enrolment", Some(&admin)).await;
        assert!(review.body.contains("留守儿童"));
        assert!(
            app.get("/admin/audit", Some(&admin)).await.body.contains(NEVER_WORDS),
            "the school's admin sees it (in words)"
        );
        let e = app
            .store
            .enrolments_of_guardian(&app.user(Role::Guardian).id)
            .await
            .unwrap()
            .remove(0);
        let shown = app.get(&format!("/enrolments/{}", e.enrolment.id), Some(&district)).await;
        assert!(
            shown.status == StatusCode::OK && !shown.body.contains("赵禁止"),
            "nor on the enrolment page"
        );
    }
}

#[tokio::test]
async fn a_guardian_added_on_the_childs_page_waits_for_a_second_admin() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (student, _) = setup(&app).await;
        let teacher = app.session(Role::ClassTeacher).await;
        let added = app
            .post_form(
                &format!("/students/{student}/guardians"),
                Some(&teacher),
                &[("name", "王强"), ("relationship", "父亲"), ("phone", "13900001111")],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let mine = app.get(&format!("/students/{student}"), Some(&teacher)).await;
        assert!(mine.body.contains("待另一位学校管理员确认"), "{}", mine.body);
        assert!(
            !mine.body.contains("value=\"confirm_guardian\""),
            "the one who added it cannot confirm it"
        );
        assert!(mine.body.contains("撤回"), "but may withdraw it");
        let mother = app.get("/home", Some(&app.session(Role::Guardian).await)).await;
        assert!(mother.body.contains("王小明"));
        let inbox = app.store.inbox(&app.user(Role::Guardian).id, 5).await.unwrap();
        assert!(inbox.iter().any(|m| m.message.is_some()), "the child's guardian is told");
        let page = app.get("/inbox", Some(&app.session(Role::Guardian).await)).await;
        assert!(
            page.body.contains("王强") && page.body.contains("另一位学校管理员确认"),
            "in their language: {}",
            page.body
        );
        let mut english = request(axum::http::Method::GET, "/inbox", None, None);
        let cookie = format!("yanshi_session={}; yanshi_lang=en-US", app.session(Role::Guardian).await);
        english.headers_mut().insert("cookie", cookie.parse().unwrap());
        let page = app.send(english).await;
        assert!(
            page.body.contains("A guardian was added to your child") && page.body.contains("王强"),
            "{}",
            page.body
        );

        let admin = app.session(Role::SchoolAdmin).await;
        let home = app.get("/home", Some(&admin)).await;
        assert!(
            home.body.contains("id=\"pending-guardians\"") && home.body.contains("王强"),
            "the admin's home lists it"
        );
        let page = app.get(&format!("/students/{student}"), Some(&admin)).await;
        let guardian = page
            .body
            .split(&format!("action=\"/students/{student}/guardians/"))
            .nth(1)
            .and_then(|rest| rest.split_once("/confirm\"").map(|(id, _)| id))
            .expect("a second admin may confirm")
            .to_string();
        let done = app
            .post_form(&format!("/students/{student}/guardians/{guardian}/confirm"), Some(&admin), &[])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let page = app.get(&format!("/students/{student}"), Some(&admin)).await;
        assert!(
            !page.body.contains("待另一位学校管理员确认") && page.body.contains("确认："),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("学校花名册导入"),
            "the imported mother's link says where it came from"
        );
        let again = app
            .post_form(&format!("/students/{student}/guardians/{guardian}/reject"), Some(&teacher), &[])
            .await;
        assert_eq!(
            again.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a confirmed link is not withdrawn this way"
        );
    }
}
