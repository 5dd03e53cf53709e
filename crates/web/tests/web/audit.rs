//! The audit page reads as sentences and filters by person, child and day through its query;
//! a bad query is a 400 in the reader's language, never a 500.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// How many entries of the page, by their action.
fn actions(body: &str) -> Vec<String> {
    body.split("data-action=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_audit_page_reads_as_sentences_and_filters_by_person_child_and_day() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let f = app.family().active().build().await;
        let admin = app.session(Role::SchoolAdmin).await;
        let volunteer = app.user(Role::Volunteer).id.to_string();
        app.post_form(&format!("/admin/users/{volunteer}/disable"), Some(&admin), &[]).await;
        let page = app.get("/admin/audit", Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        // Who (name and role), what (in words), about whom, and what changed.
        assert!(
            page.body
                .contains("school_admin测试（学校管理员）</strong> <span class=\"audit-what\">学校签章</span>"),
            "{}",
            page.body
        );
        assert!(page.body.contains("class_teacher测试（班主任）"), "{}", page.body);
        assert!(page.body.contains("状态：</span>家长已签署，待学校签章 → 已生效"), "{}", page.body);
        assert!(page.body.contains(">王小明</a>"), "{}", page.body);
        assert!(
            page.body
                .contains("停用账号</span> · <span class=\"audit-subject\">volunteer测试</span>"),
            "whose account: {}",
            page.body
        );
        assert!(page.body.contains("2026-12-01 16:00"), "school time");
        assert!(page.body.contains("命令行（服务器上）"), "{}", page.body);
        let list = &page.body[page.body.find("id=\"audit-list\"").unwrap()..];
        assert!(!list.contains("{&quot;") && !list.contains("{\""), "no raw JSON: {list}");

        // A person.
        let teacher = app.user(Role::ClassTeacher).id.to_string();
        let mine = app.get(&format!("/admin/audit?actor={teacher}"), Some(&admin)).await;
        let a = actions(&mine.body);
        assert!(a.contains(&"enrolment.class_approve".to_string()), "{a:?}");
        assert!(
            a.iter().all(|x| x == "enrolment.class_approve" || x.starts_with("session.")),
            "{a:?}"
        );
        assert!(
            mine.body.contains(&format!("<option value=\"{teacher}\" selected>")),
            "the filter shows what it filters by"
        );

        // A child.
        let child = app.get(&format!("/admin/audit?child={}", f.student.id), Some(&admin)).await;
        let a = actions(&child.body);
        assert!(
            a.contains(&"enrolment.countersign".to_string()) && a.contains(&"enrolment.submit".to_string()),
            "{a:?}"
        );
        assert!(!a.contains(&"user.create".to_string()), "{a:?}");

        // Days, in the school's calendar: everything happened on 12-01 (16:00 in Shanghai).
        let day = app.get("/admin/audit?from=2026-12-01&to=2026-12-01", Some(&admin)).await;
        assert_eq!(actions(&day.body).len(), actions(&page.body).len());
        let after = app.get("/admin/audit?from=2026-12-02", Some(&admin)).await;
        assert!(actions(&after.body).is_empty() && after.body.contains("没有符合条件的记录"));
        let before = app.get("/admin/audit?to=2026-11-30", Some(&admin)).await;
        assert!(actions(&before.body).is_empty());
        // A form's blank fields are no filter.
        let blank = app.get("/admin/audit?actor=&child=&from=&to=", Some(&admin)).await;
        assert_eq!(actions(&blank.body).len(), actions(&page.body).len());

        // Bad values: a 400 that says what is wrong, in the reader's language.
        for (q, says) in [
            ("from=2026-13-01", "日期格式应为"),
            ("to=yesterday", "日期格式应为"),
            ("from=2026-12-02&to=2026-12-01", "开始日期不能晚于结束日期"),
            ("child=not-a-child", "学生无效"),
            ("before=abc", "页码无效"),
            ("before=-3", "页码无效"),
        ] {
            let r = app.get(&format!("/admin/audit?{q}"), Some(&admin)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
            assert!(r.body.contains(says), "{q}: {}", r.body);
        }
        let en = app
            .send(
                Request::get("/admin/audit?from=1.12.2026")
                    .header("host", "yanshi.test")
                    .header("cookie", format!("yanshi_session={admin}"))
                    .header("accept-language", "en-US")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(en.status, StatusCode::BAD_REQUEST);
        assert!(en.body.contains("Dates are written year-month-day"), "{}", en.body);
    }
}

#[tokio::test]
async fn the_audit_page_goes_back_a_page_at_a_time() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        for i in 0..60 {
            let new = yanshi_store::NewUser {
                school_id: Some(app.school.id.clone()),
                role: Role::Volunteer,
                username: Some(yanshi_domain::account::Username::parse(&format!("volunteer{i:02}")).unwrap()),
                phone: None,
                display_name: yanshi_domain::account::DisplayName::parse("志愿者").unwrap(),
                password_hash: HASH.clone(),
            };
            app.store.create_user(&yanshi_store::Actor::Cli, new, START).await.unwrap();
        }
        let admin = app.session(Role::SchoolAdmin).await;
        let first = app.get("/admin/audit?actor=cli", Some(&admin)).await;
        assert_eq!(actions(&first.body).len(), 50);
        let marker = "id=\"audit-older\"";
        let href_start = first
            .body
            .find(marker)
            .map(|i| first.body[..i].rfind("href=\"").unwrap() + 6)
            .expect("older link");
        let href = first.body[href_start..]
            .split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        assert!(href.contains("actor=cli") && href.contains("before="), "the filter is kept: {href}");
        let second = app.get(&href, Some(&admin)).await;
        assert_eq!(second.status, StatusCode::OK);
        let total = app.store.audit_entries(Some(&app.school.id), 1000).await.unwrap();
        let by_cli = total.iter().filter(|e| e.actor == "cli").count();
        assert_eq!(actions(&second.body).len(), by_cli - 50);
        assert!(!second.body.contains(marker));
        let seqs = |b: &str| -> Vec<i64> {
            b.split("data-seq=\"")
                .skip(1)
                .map(|s| s.split('"').next().unwrap().parse().unwrap())
                .collect()
        };
        let (a, b) = (seqs(&first.body), seqs(&second.body));
        assert!(a.last().unwrap() > b.first().unwrap(), "no overlap");
    }
}
