//! The school as data through the pages, on both databases: class-scoped access with logged
//! sensitive reads, terms and the calendar, settings, and a guardian who sees only their own
//! children.

use crate::common::*;
use crate::roster::{good_rows, roster, with_classes};
use axum::http::{Method, StatusCode};
use serde_json::json;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

#[tokio::test]
async fn class_teachers_see_their_own_class_and_every_sensitive_read_is_logged() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        with_classes(&app).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let school = app.school.id.to_string();
        let preview = app
            .send(upload("/students/import", &admin, &school, "roster.csv", &roster(&good_rows())))
            .await;
        app.post_form(
            "/students/import/confirm",
            Some(&admin),
            &[("school", &school), ("data", &hidden(&preview.body, "data"))],
        )
        .await;
        let classes = app.store.classes(&app.school.id).await.unwrap();
        let mine = classes.iter().find(|c| c.name == "三年级二班").unwrap();
        let other = classes.iter().find(|c| c.name == "一年级一班").unwrap();
        let teacher_id = app.user(Role::ClassTeacher).id.to_string();
        let set = app
            .post_form(
                &format!("/school/classes/{}/teacher", mine.id),
                Some(&admin),
                &[("teacher", &teacher_id)],
            )
            .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);

        let teacher = app.session(Role::ClassTeacher).await;
        let list = app.get(&format!("/students/class/{}", mine.id), Some(&teacher)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("王小明") && list.body.contains("13800138000"), "{}", list.body);
        assert_eq!(
            app.get(&format!("/students/class/{}", other.id), Some(&teacher)).await.status,
            StatusCode::FORBIDDEN
        );
        let home = app.get("/home", Some(&teacher)).await;
        assert!(home.body.contains("三年级二班"), "the class teacher's home lists their class");

        let student = app
            .store
            .students_of_class(&mine.id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.0.name == "王小明")
            .unwrap()
            .0;
        let page = app.get(&format!("/students/{}", student.id), Some(&teacher)).await;
        assert!(
            page.body.contains("show-sensitive") && !page.body.contains("本次查看已记录"),
            "hidden until asked"
        );
        assert!(app.store.sensitive_reads(&student.id).await.unwrap().is_empty());
        let saved = app
            .post_form(
                &format!("/students/{}/sensitive", student.id),
                Some(&teacher),
                &[("health_notes", "花生过敏"), ("group", "LEFT_BEHIND"), ("custody_notes", "")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let shown = app.get(&format!("/students/{}?sensitive=1", student.id), Some(&teacher)).await;
        assert!(shown.body.contains("花生过敏") && shown.body.contains("本次查看已记录"));
        assert_eq!(app.store.sensitive_reads(&student.id).await.unwrap().len(), 1);
        // The district sees the class but never the sensitive fields.
        let district = app.session(Role::DistrictAdmin).await;
        let d = app.get(&format!("/students/{}?sensitive=1", student.id), Some(&district)).await;
        assert_eq!(d.status, StatusCode::OK);
        assert!(!d.body.contains("花生过敏"));
        assert_eq!(app.store.sensitive_reads(&student.id).await.unwrap().len(), 1, "no read happened");
        // A teacher without the class, a volunteer: nothing.
        for role in [Role::Teacher, Role::Volunteer, Role::Guardian] {
            let s = app.session(role).await;
            assert_eq!(
                app.get(&format!("/students/{}", student.id), Some(&s)).await.status,
                StatusCode::FORBIDDEN,
                "{role:?}"
            );
        }
        // A pickup adult must be confirmed 18 or over.
        let refused = app
            .post_form(
                &format!("/students/{}/adults", student.id),
                Some(&teacher),
                &[
                    ("name", "王奶奶"),
                    ("relationship", "奶奶"),
                    ("phone", "13600136000"),
                    ("level", "ALWAYS"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("请确认接送人已满 18 周岁"));
        let added = app
            .post_form(
                &format!("/students/{}/adults", student.id),
                Some(&teacher),
                &[
                    ("name", "王奶奶"),
                    ("relationship", "奶奶"),
                    ("phone", "13600136000"),
                    ("level", "NEVER"),
                    ("adult", "yes"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
        assert!(
            app.get(&format!("/students/{}", student.id), Some(&teacher))
                .await
                .body
                .contains("禁止接送")
        );
    }
}

#[tokio::test]
async fn a_term_made_in_the_pages_counts_the_autumn_2026_make_up_days() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let mut form: Vec<(String, String)> = vec![
            ("name".into(), "2026-2027学年第一学期".into()),
            ("starts_on".into(), "2026-09-01".into()),
            ("ends_on".into(), "2027-01-24".into()),
        ];
        for g in 1..=6 {
            form.push((format!("d{g}"), "16:10".into()));
            form.push((format!("s{g}"), "18:00".into()));
            form.push((format!("w{g}"), "17:30".into()));
        }
        let bad: Vec<(&str, &str)> = form
            .iter()
            .map(|(k, v)| (k.as_str(), if k == "w3" { "25:00" } else { v.as_str() }))
            .collect();
        let r = app.post_form("/school/terms", Some(&admin), &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("时间请写成") && r.body.contains("value=\"2026-2027学年第一学期\""),
            "the typed name is kept"
        );
        let good: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = app.post_form("/school/terms", Some(&admin), &good).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("2026-09-01 – 2027-01-22"),
            "the service period defaults: {}",
            r.body
        );

        let token = app
            .store
            .create_api_token(app.user(Role::Teacher), app.clock_now(), time::Duration::days(1))
            .await
            .unwrap()
            .token;
        for (date, service) in [
            ("2026-09-20", true),
            ("2026-10-10", true),
            ("2026-10-01", false),
            ("2026-10-07", false),
            ("2026-10-17", false),
            ("2026-10-12", true),
        ] {
            let r = app
                .send(api(
                    Method::GET,
                    &format!("/api/v1/calendar?date={date}&grade=3"),
                    Some(&token),
                    None,
                ))
                .await;
            assert_eq!(r.json()["service_day"], service, "{date}: {}", r.body);
        }
        let national = app
            .send(api(Method::GET, "/api/v1/calendar?date=2026-10-03&grade=3", Some(&token), None))
            .await
            .json();
        assert_eq!(
            (national["status"].as_str(), national["reason"].as_str()),
            (Some("holiday"), Some("国庆节"))
        );
        // 2027's notice is not shipped: 元旦 is derived from the law and has no care.
        let new_year = app
            .send(api(Method::GET, "/api/v1/calendar?date=2027-01-01&grade=3", Some(&token), None))
            .await
            .json();
        assert_eq!(
            (
                new_year["service_day"].as_bool(),
                new_year["status"].as_str(),
                new_year["reason"].as_str()
            ),
            (Some(false), Some("holiday"), Some("元旦"))
        );
        assert_eq!(new_year["derived_holiday"], true, "{new_year}");
        assert_eq!(national["derived_holiday"], false, "2026 has its notice");
        let bad_date = app
            .send(api(Method::GET, "/api/v1/calendar?date=2026-02-30&grade=3", Some(&token), None))
            .await;
        assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);

        // A closure entered in the page: the calendar and the API agree.
        let c = app
            .post_form(
                "/school/calendar/overrides",
                Some(&admin),
                &[("date", "2026-10-20"), ("kind", "CLOSED"), ("grade", "0"), ("reason", "秋季运动会")],
            )
            .await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.body);
        let day = app
            .send(api(Method::GET, "/api/v1/calendar?date=2026-10-20&grade=3", Some(&token), None))
            .await
            .json();
        assert_eq!(day["reason"], "秋季运动会");
        let page = app.get("/school/calendar?grade=3", Some(&app.session(Role::Teacher).await)).await;
        assert!(
            page.body.contains("2026年10月") && page.body.contains("title=\"秋季运动会\""),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("class=\"day holiday derived\" title=\"元旦 · 法定节假日（按放假办法推算，调休未公布）\">1<")
                && page.body.contains("2027年的国务院节假日安排通知尚未发布")
                && !page.body.contains("2026年的国务院节假日安排通知"),
            "a derived holiday shows as such, and the year's 调休 as not published: {}",
            page.body
        );
        let admin_page = app.get("/school/calendar?grade=3", Some(&admin)).await;
        assert!(admin_page.body.contains("id=\"holiday-warning\""), "the admins' warning stays");
        let none = app
            .post_form(
                "/school/calendar/overrides",
                Some(&admin),
                &[("date", "2026-10-21"), ("kind", "CLOSED"), ("grade", "0"), ("reason", "")],
            )
            .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "no closure without a reason");
    }
}

#[tokio::test]
async fn a_guardian_invited_from_the_class_slips_sees_only_their_own_children() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        with_classes(&app).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let school = app.school.id.to_string();
        let preview = app
            .send(upload("/students/import", &admin, &school, "roster.csv", &roster(&good_rows())))
            .await;
        app.post_form(
            "/students/import/confirm",
            Some(&admin),
            &[("school", &school), ("data", &hidden(&preview.body, "data"))],
        )
        .await;
        let class = app
            .store
            .classes(&app.school.id)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == "三年级二班")
            .unwrap();
        let slips = app
            .post_form(&format!("/students/class/{}/invitations", class.id), Some(&admin), &[])
            .await;
        assert_eq!(slips.status, StatusCode::OK, "{}", slips.body);
        assert_eq!(slips.body.matches("class=\"slip\"").count(), 3, "张丽, 王强, 李梅");
        // Printed links use the configured address, never the request's Host header.
        assert!(slips.body.contains("<svg") && slips.body.contains("http://127.0.0.1:8080/register"));
        assert!(!slips.body.contains("yanshi.test"), "the Host header does not reach the paper");
        let group_text = slips.body.split("id=\"group-text\">").nth(1).unwrap().split('<').next().unwrap();
        assert!(
            !group_text.contains("王小明") && !group_text.contains("张丽"),
            "no personal data for the class group: {group_text}"
        );
        let zhang = slips.body.split("张丽（母亲）").nth(1).unwrap();
        let code = zhang.split("slip-code\">").nth(1).unwrap().split('<').next().unwrap();

        let form = [
            ("code", code),
            ("name", "张丽"),
            ("phone", "13800138000"),
            ("password", "my child is safe"),
            ("password_again", "my child is safe"),
            ("agree", "yes"),
        ];
        let signed = app.post_form("/register", None, &form).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        let session = signed.cookie("yanshi_session").unwrap();
        let home = app.get("/home", Some(&session)).await;
        assert!(
            home.body.contains("我的孩子") && home.body.contains("王小明") && !home.body.contains("李华"),
            "{}",
            home.body
        );
        let token = app
            .send(api(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({ "login": "13800138000", "password": "my child is safe" })),
            ))
            .await
            .json()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let kids = app.send(api(Method::GET, "/api/v1/my/children", Some(&token), None)).await.json();
        assert_eq!(kids["children"].as_array().unwrap().len(), 1);
        assert_eq!(kids["children"][0]["student"]["name"], "王小明");
        assert_eq!(
            kids["children"][0]["student"]["birth_date"], "2017-05-12",
            "a date, not [2017, 132]"
        );
        assert_eq!(
            app.get(&format!("/students/class/{}", class.id), Some(&session)).await.status,
            StatusCode::FORBIDDEN
        );
        let other = app
            .send(api(
                Method::GET,
                &format!("/api/v1/classes/{}/students", class.id),
                Some(&token),
                None,
            ))
            .await;
        assert_eq!(other.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn settings_save_and_a_bad_time_changes_nothing() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let form = |end: &'static str| {
            vec![
                ("address", "潍坊市奎文区"),
                ("contact", "0536-1234567"),
                ("default_end", end),
                ("latest_end", "18:30"),
                ("summer_from", "05-01"),
                ("winter_from", "10-01"),
                ("late_wait", "30"),
                ("leave_cutoff", "12:00"),
                ("position0", "leader"),
                ("name0", "李校长"),
                ("title0", "校长"),
            ]
        };
        let ok = app.post_form("/school", Some(&admin), &form("18:00")).await;
        assert_eq!(ok.status, StatusCode::OK);
        assert!(ok.body.contains("已保存") && ok.body.contains("value=\"潍坊市奎文区\""));
        let late = app.post_form("/school", Some(&admin), &form("19:00")).await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(late.body.contains("结束时间不能晚于"));
        let garbage = app.post_form("/school", Some(&admin), &form("六点")).await;
        assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
        let p = app.store.service_policy(&app.school.id).await.unwrap();
        assert_eq!(
            yanshi_domain::school::format_clock(p.default_end),
            "18:00",
            "refused changes changed nothing"
        );
        assert_eq!(app.store.leadership(&app.school.id).await.unwrap()[0].name, "李校长");
    }
}
