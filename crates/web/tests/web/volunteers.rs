//! 志愿者 through the pages and the API: a school admin registers and vets a volunteer and signs
//! off their hours; the volunteer sees their own assignments with the group's first names and
//! nothing else about a child, and nothing of another volunteer.

use crate::common::*;
use axum::http::{Method, StatusCode};
use yanshi_domain::family::PickupLevel;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// The id in a redirect to `/…/{id}`.
fn last_segment(location: &str) -> String {
    location.rsplit('/').next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_vetted_volunteer_sees_only_their_own_work_and_first_names() {
    use yanshi_store::afternoon::{AdultRef, HandoverRequest, PlanInput};
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let f = app
            .family()
            .number("1")
            .adult("王奶奶", "奶奶", "13600136000", PickupLevel::Always, false)
            .active()
            .build()
            .await;
        let admin = app.session(Role::SchoolAdmin).await;
        let volunteer_user = app.user(Role::Volunteer).clone();
        let vid = volunteer_user.id.to_string();

        // The admin registers the account and records the three checks.
        let list = app.get("/school/volunteers", Some(&admin)).await;
        assert!(list.body.contains("volunteer测试"), "{}", list.body);
        let r = app
            .post_form(
                "/school/volunteers",
                Some(&admin),
                &[("user", &vid), ("kind", "ORGANISATION"), ("organisation", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("须填写组织名称"), "{}", r.body);
        let r = app
            .post_form(
                "/school/volunteers",
                Some(&admin),
                &[("user", &vid), ("kind", "PARENT"), ("organisation", "")],
            )
            .await;
        assert_eq!(r.location(), format!("/school/volunteers/{vid}"));
        let whole_id = app
            .post_form(
                &format!("/school/volunteers/{vid}/checks"),
                Some(&admin),
                &[("check", "IDENTITY"), ("dated", "2026-12-01"), ("id_last4", "11010519491231002X")],
            )
            .await;
        assert_eq!(whole_id.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(whole_id.body.contains("只填后四位"), "{}", whole_id.body);
        for form in [
            vec![("check", "IDENTITY"), ("dated", "2026-12-01"), ("id_last4", "002x")],
            vec![("check", "CRIMINAL_RECORD"), ("dated", "2026-11-20"), ("seen_on", "2026-12-01")],
            vec![("check", "TRAINING"), ("dated", "2026-11-28")],
        ] {
            let r = app
                .post_form(&format!("/school/volunteers/{vid}/checks"), Some(&admin), &form)
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let detail = app.get(&format!("/school/volunteers/{vid}"), Some(&admin)).await;
        assert!(detail.body.contains("已通过审核，有效至 2027-11-19"), "{}", detail.body);
        assert!(detail.body.contains("002X") && !detail.body.contains("11010519"), "{}", detail.body);

        // In Tuesday's plan with the class teacher; the roster would refuse them alone too.
        let class = app.store.class(&f.class.id).await.unwrap();
        let term = f.term.clone().unwrap();
        let plan = |teacher: bool| PlanInput {
            weekday: 2,
            content: "自主阅读".into(),
            note: String::new(),
            teacher: teacher.then(|| app.user(Role::ClassTeacher).id.clone()),
            volunteer: Some(volunteer_user.id.clone()),
        };
        let teacher = app.user(Role::ClassTeacher);
        assert!(
            app.store
                .set_session_plan(teacher, &class, &term, &plan(false), START)
                .await
                .is_err()
        );
        app.store
            .set_session_plan(teacher, &class, &term, &plan(true), START)
            .await
            .unwrap();

        // The afternoon: present, handed over at 17:00, the record signed.
        let student = app.store.student(&f.student.id).await.unwrap();
        let day = time::macros::date!(2026 - 12 - 01);
        app.store
            .mark_roll(teacher, &student, day, yanshi_domain::afternoon::RollStatus::Present, "", START)
            .await
            .unwrap();
        let five = time::macros::datetime!(2026-12-01 09:00 UTC);
        let handover = HandoverRequest {
            student: student.id.clone(),
            day,
            adult: Some(AdultRef::Listed(f.adults[0].clone())),
            method: yanshi_domain::afternoon::HandoverMethod::List,
            override_reason: None,
            request_id: "v1".into(),
            paper_time: None,
        };
        app.store.record_handover(teacher, &handover, five).await.unwrap();
        app.store
            .sign_service_record(teacher, &class, day, "class_teacher测试", None, five)
            .await
            .unwrap();
        app.clock.set(five);

        // The volunteer's page: their session, the group by first name, their hours.
        let volunteer = app.session(Role::Volunteer).await;
        let home = app.get("/home", Some(&volunteer)).await;
        assert!(home.body.contains("href=\"/volunteer\""), "{}", home.body);
        let own = app.get("/volunteer", Some(&volunteer)).await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.body);
        assert!(own.body.contains("三年级一班") && own.body.contains("小明"), "{}", own.body);
        for private in ["王小明", "张丽", "王奶奶", "13800138000", "13600136000", "20260301"] {
            assert!(!own.body.contains(private), "{private} shown to a volunteer: {}", own.body);
        }
        assert!(own.body.contains("id=\"hours-total\">0.8<"), "50 minutes: {}", own.body);

        // Nothing else about a child, nor the school's volunteer pages.
        let child = f.student.id.to_string();
        for path in [
            format!("/students/{child}"),
            format!("/students/class/{}", f.class.id),
            format!("/afternoon/class/{}", f.class.id),
            format!("/afternoon/class/{}/record", f.class.id),
            "/school/volunteers".to_string(),
            format!("/school/volunteers/{vid}"),
            format!("/api/v1/classes/{}/students", f.class.id),
        ] {
            let r = app.get(&path, Some(&volunteer)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        }
        let token = app
            .store
            .create_api_token(&volunteer_user, app.clock_now(), time::Duration::days(1))
            .await
            .unwrap()
            .token;
        let me = app.send(api(Method::GET, "/api/v1/volunteer/me", Some(&token), None)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.body);
        let j = me.json();
        assert_eq!(j["assignments"][0]["group"], serde_json::json!(["小明"]));
        assert_eq!(j["total_minutes"], 50);
        assert!(!me.body.contains("王小明"), "{}", me.body);

        // The admin signs the hours off; the certificate prints for the volunteer.
        let preview = app
            .get(
                &format!("/school/volunteers/{vid}/certificate?from=2026-12-01&to=2026-12-01"),
                Some(&admin),
            )
            .await;
        assert!(
            preview.body.contains("id=\"certificate-preview\"") && preview.body.contains("0.8"),
            "{}",
            preview.body
        );
        let issued = app
            .post_form(
                &format!("/school/volunteers/{vid}/certificate"),
                Some(&admin),
                &[("from", "2026-12-01"), ("to", "2026-12-01")],
            )
            .await;
        assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
        let cert = last_segment(issued.location());
        let print = app.get(&format!("/volunteer/certificates/{cert}"), Some(&volunteer)).await;
        assert_eq!(print.status, StatusCode::OK);
        assert!(
            print.body.contains("志愿服务时长证明") && print.body.contains("school_admin测试") && print.body.contains("实验小学"),
            "{}",
            print.body
        );
        let again = app
            .get(
                &format!("/school/volunteers/{vid}/certificate?from=2026-12-01&to=2026-12-01"),
                Some(&admin),
            )
            .await;
        assert!(again.body.contains("id=\"certificate-issuer\"") && !again.body.contains("id=\"issue-certificate\""));

        // Another volunteer sees nothing of this one's work or certificate.
        let other = app
            .store
            .create_user(
                &yanshi_store::Actor::Cli,
                yanshi_store::NewUser {
                    school_id: Some(app.school.id.clone()),
                    role: Role::Volunteer,
                    username: Some(yanshi_domain::account::Username::parse("volunteer2").unwrap()),
                    phone: None,
                    display_name: yanshi_domain::account::DisplayName::parse("另一位志愿者").unwrap(),
                    password_hash: HASH.clone(),
                },
                START,
            )
            .await
            .unwrap();
        let other_session = app
            .store
            .start_session(
                &other,
                yanshi_store::SessionStage::Full,
                "test",
                app.clock_now(),
                app.state.config.session,
            )
            .await
            .unwrap();
        let theirs = app.get("/volunteer", Some(&other_session)).await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(
            !theirs.body.contains("小明") && !theirs.body.contains("三年级一班"),
            "{}",
            theirs.body
        );
        let r = app.get(&format!("/volunteer/certificates/{cert}"), Some(&other_session)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

/// The admins' API: register, a check refused for a whole ID number (never stored), the list
/// with what is missing, the validity; another school's admin reaches none of it.
#[tokio::test]
async fn the_school_admins_api_registers_and_vets_a_volunteer() {
    use serde_json::json;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = app.user(Role::SchoolAdmin).clone();
        let token = app
            .store
            .create_api_token(&admin, app.clock_now(), time::Duration::days(1))
            .await
            .unwrap()
            .token;
        let vid = app.user(Role::Volunteer).id.to_string();
        let call = |m: Method, path: &str, body: Option<serde_json::Value>| app.send(api(m, path, Some(&token), body));
        let r = call(
            Method::POST,
            "/api/v1/school/volunteers",
            Some(json!({ "user_id": vid, "kind": "CLUB" })),
        )
        .await;
        assert_eq!(
            (r.status, r.json()["error"]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("kind"))
        );
        let r = call(
            Method::POST,
            "/api/v1/school/volunteers",
            Some(json!({ "user_id": vid, "kind": "COMMUNITY" })),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["missing"], json!(["IDENTITY", "CRIMINAL_RECORD", "TRAINING"]));
        let checks = format!("/api/v1/school/volunteers/{vid}/checks");
        let whole = json!({ "check": "IDENTITY", "dated": "2026-12-01", "id_last4": "11010519491231002X" });
        let r = call(Method::POST, &checks, Some(whole)).await;
        assert_eq!(
            (r.status, r.json()["error"]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("id_last4"))
        );
        let r = call(
            Method::POST,
            &checks,
            Some(json!({ "check": "IDENTITY", "dated": "2026-12-01", "id_last4": "002X" })),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["checks"][0]["id_last4"], "002X");
        let r = call(
            Method::POST,
            "/api/v1/school/volunteer-settings",
            Some(json!({ "valid_months": 61 })),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = call(
            Method::POST,
            "/api/v1/school/volunteer-settings",
            Some(json!({ "valid_months": 6 })),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let list = call(Method::GET, "/api/v1/school/volunteers", None).await.json();
        assert_eq!(list["valid_months"], 6);
        assert_eq!(list["volunteers"][0]["missing"], json!(["CRIMINAL_RECORD", "TRAINING"]));
        let r = call(
            Method::POST,
            &format!("/api/v1/school/volunteers/{vid}/certificates"),
            Some(json!({ "from": "2026-11-01", "to": "2026-11-30" })),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no signed hours: {}", r.body);

        // Another school's admin: not found, and nothing listed.
        let other = app
            .store
            .create_school(&yanshi_store::Actor::Cli, "第二小学", "Asia/Shanghai", false, START)
            .await
            .unwrap();
        let outsider = app
            .store
            .create_user(
                &yanshi_store::Actor::Cli,
                yanshi_store::NewUser {
                    school_id: Some(other.id.clone()),
                    role: Role::SchoolAdmin,
                    username: Some(yanshi_domain::account::Username::parse("admin2").unwrap()),
                    phone: None,
                    display_name: yanshi_domain::account::DisplayName::parse("外校校长").unwrap(),
                    password_hash: HASH.clone(),
                },
                START,
            )
            .await
            .unwrap();
        let t2 = app
            .store
            .create_api_token(&outsider, app.clock_now(), time::Duration::days(1))
            .await
            .unwrap()
            .token;
        let r = app
            .send(api(Method::GET, &format!("/api/v1/school/volunteers/{vid}"), Some(&t2), None))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app.send(api(Method::GET, "/api/v1/school/volunteers", Some(&t2), None)).await;
        assert_eq!(r.json()["volunteers"], json!([]));
    }
}
