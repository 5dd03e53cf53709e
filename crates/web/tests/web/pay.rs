//! 绩效工资 through the pages, on both databases: a leader sets the rates, makes a period,
//! corrects and locks it; the .xlsx reads back with the finance office's headers and totals;
//! a teacher sees only their own lines and none of the leaders' pages.

use crate::common::*;
use axum::http::{Method, StatusCode};
use calamine::{Data, Reader, Xlsx};
use tower::ServiceExt;
use yanshi_domain::role::Role;
use yanshi_store::afternoon::PlanInput;
use yanshi_store::testing::backends;

async fn bytes(app: &TestApp, path: &str, session: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = app
        .router
        .clone()
        .oneshot(request(Method::GET, path, Some(session), None))
        .await
        .unwrap();
    let status = resp.status();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = axum::body::to_bytes(resp.into_body(), 4 * 1024 * 1024).await.unwrap();
    (status, kind, body.to_vec())
}

fn cell(row: &[Data], c: usize) -> String {
    match &row[c] {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f:.2}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn a_leader_reviews_locks_and_exports_a_period_and_a_teacher_sees_only_their_own() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let f = app.family().term().build().await;
        let term = f.term.clone().unwrap();
        let teacher = app.user(Role::ClassTeacher).clone();
        let class = app.store.class(&f.class.id).await.unwrap();
        assert_eq!(class.class_teacher.as_ref().map(|c| &c.0), Some(&teacher.id));
        // Thursdays the class teacher takes the class; Thursday 2026-09-03 is signed.
        app.store
            .set_session_plan(
                &teacher,
                &class,
                &term,
                &PlanInput {
                    weekday: 4,
                    content: "作业辅导".into(),
                    note: String::new(),
                    teacher: Some(teacher.id.clone()),
                    volunteer: None,
                },
                START,
            )
            .await
            .unwrap();
        app.store
            .sign_service_record(
                &teacher,
                &class,
                time::macros::date!(2026 - 09 - 03),
                &teacher.display_name,
                None,
                time::macros::datetime!(2026-09-03 11:00 UTC),
            )
            .await
            .unwrap();

        let admin = app.session(Role::SchoolAdmin).await;
        let r = app
            .post_form(
                "/school/pay/rates",
                Some(&admin),
                &[
                    ("basis", "SESSION"),
                    ("CARE_SESSION", "50"),
                    ("CARE_HOUR", "30"),
                    ("DUTY", "20"),
                    ("LEADER", "30"),
                    ("COVER", "15.5"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("标准已保存"), "{}", r.body);
        let bad = app
            .post_form("/school/pay/rates", Some(&admin), &[("basis", "SESSION"), ("DUTY", "1.234")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("最多两位小数"), "{}", bad.body);
        let r = app
            .post_form(
                "/school/pay/periods",
                Some(&admin),
                &[
                    ("term", term.as_str()),
                    ("name", "2026年9–10月"),
                    ("first", "2026-09"),
                    ("last", "2026-10"),
                ],
            )
            .await;
        assert!(r.body.contains("发放周期已新建"), "{}", r.body);
        let period = app.store.pay_periods(&app.school.id).await.unwrap().remove(0);
        let page = format!("/school/pay/{}", period.id);

        let r = app.get(&page, Some(&admin)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains(&teacher.display_name) && r.body.contains("50.00"), "{}", r.body);
        let r = app
            .post_form(
                &format!("{page}/corrections"),
                Some(&admin),
                &[
                    ("user", teacher.id.as_str()),
                    ("kind", "CARE"),
                    ("delta_amount", "-12.50"),
                    ("reason", "早退 2 分钟以上"),
                ],
            )
            .await;
        assert!(r.body.contains("更正已记录") && r.body.contains("早退 2 分钟以上"), "{}", r.body);

        // The teacher: no leaders' page, but their own lines on the workload page.
        let own = app.session(Role::ClassTeacher).await;
        for path in ["/school/pay", page.as_str(), &format!("{page}/report.xlsx")] {
            assert_eq!(app.get(path, Some(&own)).await.status, StatusCode::FORBIDDEN, "{path}");
        }
        let r = app.get("/afternoon/workload?month=2026-09", Some(&own)).await;
        assert!(r.body.contains("我的绩效工资") && r.body.contains("37.50"), "{}", r.body);
        let other = app.session(Role::Teacher).await;
        let r = app.get("/afternoon/workload?month=2026-09", Some(&other)).await;
        assert!(
            !r.body.contains("37.50") && !r.body.contains("早退"),
            "another teacher sees none of it"
        );

        // Locked: no more corrections; the sheet carries the hash.
        let r = app
            .post_form(&format!("{page}/lock"), Some(&admin), &[("seen_total_fen", "5000")])
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "the total reviewed before the correction"
        );
        let r = app
            .post_form(&format!("{page}/lock"), Some(&admin), &[("seen_total_fen", "3750")])
            .await;
        assert!(r.body.contains("本期已锁定"), "{}", r.body);
        let r = app
            .post_form(
                &format!("{page}/corrections"),
                Some(&admin),
                &[
                    ("user", teacher.id.as_str()),
                    ("kind", "CARE"),
                    ("delta_count", "1"),
                    ("reason", "补"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("不能再更正"), "{}", r.body);

        let (status, kind, xlsx) = bytes(&app, &format!("{page}/report.xlsx"), &admin).await;
        assert_eq!(status, StatusCode::OK);
        assert!(kind.contains("spreadsheetml"), "{kind}");
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        let range = wb.worksheet_range("绩效工资").unwrap();
        let rows: Vec<Vec<String>> = range.rows().map(|r| (0..r.len()).map(|c| cell(r, c)).collect()).collect();
        assert_eq!(rows[0][..7], ["工号", "姓名", "项目", "次数", "时长（小时）", "标准", "金额（元）"]);
        assert_eq!(
            rows[1][1..7],
            [teacher.display_name.as_str(), "看护", "1.00", "0.00", "50.00 元/次", "50.00"]
        );
        assert_eq!(
            rows[2][1..7],
            [teacher.display_name.as_str(), "更正·看护", "0.00", "0.00", "", "-12.50"]
        );
        assert_eq!(rows[2][7], "早退 2 分钟以上");
        assert_eq!((rows[3][0].as_str(), rows[3][6].as_str()), ("合计", "37.50"));
        assert!(rows.iter().any(|r| r[0].contains("SHA-256")), "the lock's hash on the sheet");

        let r = app.get(&format!("{page}/print"), Some(&admin)).await;
        assert!(
            r.body.contains("本人签字") && r.body.contains("37.50") && r.body.contains("校长"),
            "{}",
            r.body
        );
        let r = app.get(&format!("/school/pay/summary?term={term}"), Some(&admin)).await;
        assert!(r.body.contains(&teacher.display_name), "{}", r.body);

        // The API: the leader reads the frozen report; the teacher their own lines only.
        let token = |role: Role| {
            let app = &app;
            async move {
                app.store
                    .create_api_token(app.user(role), time::OffsetDateTime::now_utc(), time::Duration::hours(1))
                    .await
                    .unwrap()
                    .token
            }
        };
        let leader = token(Role::SchoolAdmin).await;
        let r = app
            .send(api(Method::GET, &format!("/api/v1/pay/periods/{}", period.id), Some(&leader), None))
            .await;
        assert_eq!(r.json()["total_fen"], 3750, "{}", r.body);
        let mine = token(Role::ClassTeacher).await;
        let r = app.send(api(Method::GET, "/api/v1/my/pay", Some(&mine), None)).await;
        assert_eq!(r.json()[0]["mine"]["total_fen"], 3750, "{}", r.body);
    }
}
