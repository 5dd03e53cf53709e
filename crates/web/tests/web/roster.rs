//! 花名册 — the roster import through the page and the API, on both databases: refused with
//! row messages, then imported once, then again with no change; a dry run over the API.

use crate::common::*;
use axum::http::{Method, StatusCode};
use serde_json::json;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

const HEADER: &str = "学号,姓名,性别,出生日期,年级,班级,监护人1姓名,监护人1关系,监护人1电话,监护人2姓名,监护人2关系,监护人2电话\n";

pub(crate) fn roster(rows: &[&str]) -> Vec<u8> {
    format!("{HEADER}{}\n", rows.join("\n")).into_bytes()
}

pub(crate) fn good_rows() -> Vec<&'static str> {
    vec![
        "20260301,王小明,男,2017-05-12,三年级,2班,张丽,母亲,１３８００１３８０００,王强,父亲,13900139000",
        "20260302,李华,女,2017/6/1,三年级,2班,李梅,母亲,13700137000,,,",
        "20260101,赵小雨,女,20190301,一年级,1班,赵大,父亲,13600136000,,,",
    ]
}

pub(crate) async fn with_classes(app: &TestApp) {
    let admin = app.session(Role::SchoolAdmin).await;
    let r = app.post_form("/school/classes/standard", Some(&admin), &[("per_grade", "2")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn a_roster_with_mistakes_is_refused_then_imports_once_and_again_changes_nothing() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        with_classes(&app).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let school = app.school.id.to_string();
        let bad = roster(&[
            "20260301,王小明,男,2017-05-12,三年级,2班,张丽,母亲,13800138000,,,",
            "20260301,王小明二,男,2017-05-12,三年级,2班,张丽,母亲,13800138000,,,",
            "20260303,李四,男,2017-13-01,三年级,9班,李五,父亲,138,,,",
        ]);
        let r = app.send(upload("/students/import", &admin, &school, "roster.csv", &bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        for message in ["学号重复", "日期无法识别", "手机号格式不正确", "学校还没有这个班级"] {
            assert!(r.body.contains(message), "{message}: {}", r.body);
        }
        assert!(r.body.contains("<td>3</td><td>学号</td>"), "row 3, column 学号: {}", r.body);
        assert!(!r.body.contains("confirm-import"), "no way to import a file with problems");
        assert_eq!(
            app.store
                .classes(&app.school.id)
                .await
                .unwrap()
                .iter()
                .map(|c| c.active_students)
                .sum::<i64>(),
            0
        );

        let good = roster(&good_rows());
        let preview = app.send(upload("/students/import", &admin, &school, "roster.csv", &good)).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(preview.body.contains("id=\"preview-created\">3<"), "{}", preview.body);
        let data = hidden(&preview.body, "data");
        let done = app
            .post_form("/students/import/confirm", Some(&admin), &[("school", &school), ("data", &data)])
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("id=\"count-created\">3<"), "{}", done.body);
        let again = app
            .post_form("/students/import/confirm", Some(&admin), &[("school", &school), ("data", &data)])
            .await;
        assert!(
            again.body.contains("id=\"count-created\">0<") && again.body.contains("id=\"count-unchanged\">3<"),
            "{}",
            again.body
        );

        // An updated file: one child moved class; a new child.
        let mut rows = good_rows();
        rows[1] = "20260302,李华,女,2017/6/1,三年级,1班,李梅,母亲,13700137000,,,";
        rows.push("20260303,周周,男,2017年1月2日,,3-1,周妈,母亲,13500135000,,,");
        let updated = app
            .send(upload("/students/import", &admin, &school, "roster.csv", &roster(&rows)))
            .await;
        assert!(
            updated.body.contains("id=\"preview-created\">1<") && updated.body.contains("id=\"preview-updated\">1<"),
            "{}",
            updated.body
        );
        let data = hidden(&updated.body, "data");
        app.post_form("/students/import/confirm", Some(&admin), &[("school", &school), ("data", &data)])
            .await;
        let counts: Vec<(String, i64)> = app
            .store
            .classes(&app.school.id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.name, c.active_students))
            .filter(|c| c.1 > 0)
            .collect();
        assert_eq!(
            counts,
            vec![("一年级一班".into(), 1), ("三年级一班".into(), 2), ("三年级二班".into(), 1)]
        );

        // The export reads back in the import layout.
        let export = app.get("/students/export.xlsx", Some(&admin)).await;
        assert_eq!(export.status, StatusCode::OK);
        let audit = app.store.audit_entries(Some(&app.school.id), 3).await.unwrap();
        assert_eq!(audit[0].action, "roster.export", "a bulk export is audited");
        let template = app.get("/students/template.xlsx", Some(&admin)).await;
        assert!(template.headers["content-type"].to_str().unwrap().contains("spreadsheetml"));

        let not_a_file = app
            .send(upload(
                "/students/import",
                &admin,
                &school,
                "photo.jpg",
                &[0xFF, 0xD8, 0xFF, 0x00, 0x10],
            ))
            .await;
        assert_eq!(not_a_file.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(not_a_file.body.contains("这不是表格文件"));
    }
}

#[tokio::test]
async fn the_api_imports_a_roster_with_a_dry_run_and_row_problems() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        with_classes(&app).await;
        let code = current_code(app.clock_now());
        let token = app
            .send(api(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({ "login": "admin", "password": PASSWORD, "totp_code": code })),
            ))
            .await
            .json()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let raw = |path: &str, body: Vec<u8>| {
            axum::http::Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::from(body))
                .unwrap()
        };
        let bad = app
            .send(raw("/api/v1/students/import", roster(&["1,王,男,,三年级,2班,张,母亲,123,,,"])))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["problems"][0]["column"], "监护人1电话");
        assert_eq!(bad.json()["problems"][0]["row"], 2);
        let dry = app
            .send(raw("/api/v1/students/import?dry_run=true", roster(&good_rows())))
            .await
            .json();
        assert_eq!((dry["created"].as_u64(), dry["dry_run"].as_bool()), (Some(3), Some(true)));
        let real = app.send(raw("/api/v1/students/import", roster(&good_rows()))).await.json();
        assert_eq!(real["created"], 3);
        let again = app.send(raw("/api/v1/students/import", roster(&good_rows()))).await.json();
        assert_eq!((again["created"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(3)));
        let classes = app.send(api(Method::GET, "/api/v1/classes", Some(&token), None)).await.json();
        assert_eq!(classes["classes"].as_array().unwrap().len(), 12);
    }
}
