//! Enrolment through the pages, on both databases: the guardian applies on a phone, the class
//! teacher and the school approve, the guardian signs the agreement, a leader countersigns, and
//! the child is ACTIVE — with no way for staff to do the guardian's part.

use crate::common::*;
use crate::survey::setup_class;
use axum::http::StatusCode;
use time::macros::time;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// 王小明 of 三年级一班 with his mother's account linked, and a term whose service ends at 18:00:
/// (student, class).
pub(crate) async fn setup(app: &TestApp) -> (String, String) {
    let f = app.family().number("1").service_ends(time!(18:00)).build().await;
    (f.student.id.to_string(), f.class.id.to_string())
}

fn application(consent: bool, notice: &str) -> Vec<(&str, &str)> {
    let mut f = vec![
        ("notice_id", notice),
        ("notice_read", "yes"),
        ("day", "1"),
        ("day", "3"),
        ("day", "5"),
        ("latest_pickup", "17:40"),
        ("plan", "BY_ADULTS"),
        ("health", "无"),
        ("reason", "父母下班晚"),
        ("action", "submit"),
    ];
    if consent {
        f.push(("consent", "yes"));
    }
    f
}

#[tokio::test]
async fn a_guardian_applies_the_school_approves_both_sign_and_the_child_is_active() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (student, _) = setup(&app).await;
        let guardian = app.session(Role::Guardian).await;
        let home = app.get("/home", Some(&guardian)).await;
        assert!(home.body.contains("王小明") && home.body.contains("未报名"), "{}", home.body);
        let admin = app.session(Role::SchoolAdmin).await;
        let closed = app.get(&format!("/enrol/{student}"), Some(&guardian)).await;
        assert!(
            closed.body.contains("还没有发布本学期的《告家长书》"),
            "no applications before the notice"
        );
        let published = app
            .post_form(
                "/school/notice",
                Some(&admin),
                &[("body", "致家长的一封信：本学期延时服务自愿、免费……")],
            )
            .await;
        assert!(published.body.contains("已发布新版本"), "{}", published.body);
        let form = app.get(&format!("/enrol/{student}"), Some(&guardian)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("致家长的一封信：本学期延时服务自愿、免费"));
        let notice = hidden(&form.body, "notice_id");
        assert!(form.body.contains("儿童个人信息保护规则（版本 2026-1）") && form.body.contains("公益服务，不收取任何费用"));

        let no_consent = app
            .post_form(&format!("/enrol/{student}"), Some(&guardian), &application(false, &notice))
            .await;
        assert_eq!(no_consent.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_consent.body.contains("单独勾选同意"));
        let late = app
            .post_form(
                &format!("/enrol/{student}"),
                Some(&guardian),
                &[
                    ("notice_id", notice.as_str()),
                    ("notice_read", "yes"),
                    ("day", "1"),
                    ("latest_pickup", "18:30"),
                    ("consent", "yes"),
                    ("action", "submit"),
                ],
            )
            .await;
        assert!(late.body.contains("不能晚于学校的延时服务结束时间"), "{}", late.body);
        let ok = app
            .post_form(&format!("/enrol/{student}"), Some(&guardian), &application(true, &notice))
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let page = ok.location().to_string();
        let twice = app
            .post_form(&format!("/enrol/{student}"), Some(&guardian), &application(true, &notice))
            .await;
        assert!(twice.body.contains("本学期已有报名申请"));

        // Staff cannot apply for a child, nor sign for the guardian.
        assert_eq!(
            app.post_form(&format!("/enrol/{student}"), Some(&admin), &application(true, &notice))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let teacher = app.session(Role::ClassTeacher).await;
        let step = |name: &str| format!("{page}/steps/{name}");
        let r = app.post_form(&step("school_approve"), Some(&teacher), &[]).await;
        assert!(r.body.contains("不能由您办理") || r.body.contains("不能进行这个操作"), "{}", r.body);
        assert_eq!(
            app.post_form(&step("class_approve"), Some(&teacher), &[]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            app.post_form(&step("school_approve"), Some(&admin), &[]).await.status,
            StatusCode::SEE_OTHER
        );

        let seen = app.get(&page, Some(&guardian)).await;
        assert!(
            seen.body.contains("学校已通过，待家长签署") && seen.body.contains("周一、周三、周五") && seen.body.contains("17:40 前接走"),
            "{}",
            seen.body
        );
        let agreement = hidden(&seen.body, "agreement");
        let hash = hidden(&seen.body, "hash");
        let sign = |name: &'static str| {
            vec![
                ("agreement", agreement.as_str()),
                ("hash", hash.as_str()),
                ("typed_name", name),
                ("statement", "yes"),
            ]
        };
        let signature = format!("{page}/signature");
        let by_admin = app.post_form(&signature, Some(&admin), &sign("admin测试")).await;
        assert_eq!(by_admin.status, StatusCode::FORBIDDEN, "the school cannot sign the guardian's part");
        let wrong_name = app.post_form(&signature, Some(&guardian), &sign("别人")).await;
        assert!(wrong_name.body.contains("请输入您本人的姓名"));
        assert_eq!(
            app.post_form(&signature, Some(&guardian), &sign("guardian测试")).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            app.post_form(&signature, Some(&admin), &sign("李校长")).await.status,
            StatusCode::SEE_OTHER
        );
        let done = app.get(&page, Some(&guardian)).await;
        assert!(done.body.contains("id=\"enrolment-state\">已生效<"), "{}", done.body);
        let print = app.get(&format!("{page}/print"), Some(&guardian)).await;
        assert_eq!(print.status, StatusCode::OK);
        assert!(
            print.body.contains("guardian测试")
                && print.body.contains("李校长")
                && print.body.contains("乙方（监护人）")
                && print.body.contains("甲方（学校）"),
            "{}",
            print.body
        );

        let review = app.get("/enrolment", Some(&admin)).await;
        assert!(
            review.body.contains("id=\"active-count\">1<") && review.body.contains("id=\"backed-count\">1<"),
            "{}",
            review.body
        );
        let published = app.get("/enrolment/published", Some(&teacher)).await;
        assert!(
            published.body.contains("王小明") && !published.body.contains("13800138000"),
            "names and classes only"
        );

        // The guardian registers a grandmother who may take the child home; the teacher sees her.
        let adult = app
            .post_form(
                &format!("{page}/adults"),
                Some(&guardian),
                &[
                    ("name", "王奶奶"),
                    ("relationship", "奶奶"),
                    ("phone", "13600136000"),
                    ("level", "ALWAYS"),
                    ("adult", "yes"),
                ],
            )
            .await;
        assert_eq!(adult.status, StatusCode::SEE_OTHER, "{}", adult.body);
        let by_teacher = app
            .post_form(
                &format!("{page}/adults"),
                Some(&teacher),
                &[
                    ("name", "某人"),
                    ("relationship", "邻居"),
                    ("phone", "13600136001"),
                    ("level", "ALWAYS"),
                    ("adult", "yes"),
                ],
            )
            .await;
        assert_eq!(
            by_teacher.status,
            StatusCode::FORBIDDEN,
            "teachers add adults on the student's page, not the guardian's form"
        );
        assert!(app.get(&page, Some(&teacher)).await.body.contains("王奶奶"));
        // Leave: a later day is confirmed at once; today after the cut-off waits for the class teacher.
        let leave = app
            .post_form(
                &format!("{page}/leave"),
                Some(&guardian),
                &[("first_day", "2026-12-03"), ("kind", "SICK"), ("reason", "发烧")],
            )
            .await;
        assert_eq!(leave.status, StatusCode::SEE_OTHER, "{}", leave.body);
        let today = app
            .post_form(
                &format!("{page}/leave"),
                Some(&guardian),
                &[("first_day", "2026-12-01"), ("kind", "PERSONAL"), ("reason", "看牙")],
            )
            .await;
        assert_eq!(today.status, StatusCode::SEE_OTHER);
        let weekend = app
            .post_form(
                &format!("{page}/leave"),
                Some(&guardian),
                &[("first_day", "2026-12-05"), ("last_day", "2026-12-06"), ("kind", "SICK")],
            )
            .await;
        assert!(weekend.body.contains("没有延时服务"), "{}", weekend.body);
        let class_page = app
            .get(&format!("/students/class/{}", setup_class(&app).await), Some(&teacher))
            .await;
        assert!(
            class_page.body.contains("发烧") && class_page.body.contains("看牙") && class_page.body.contains("confirm-leave"),
            "{}",
            class_page.body
        );
        // Codes are shown in words: 已确认 / 待班主任确认, never CONFIRMED / PENDING.
        assert!(
            class_page.body.contains("已确认") && class_page.body.contains("待班主任确认"),
            "{}",
            class_page.body
        );
        let mine = app.get(&page, Some(&guardian)).await.body;
        assert!(
            !mine.contains(">CONFIRMED<") && !mine.contains(">PENDING<") && mine.contains("病假"),
            "{mine}"
        );

        let out = app.post_form(&step("withdraw"), Some(&guardian), &[("note", "")]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(app.get(&page, Some(&guardian)).await.body.contains("已退出"));
    }
}

/// Every page route and every step, taken by every staff role on a child's application: none
/// ever makes the child ACTIVE or signs for the guardian (plan §三.1: voluntary).
#[tokio::test]
async fn no_staff_path_makes_a_child_active() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (student, _) = setup(&app).await;
        let admin = app.session(Role::SchoolAdmin).await;
        app.post_form("/school/notice", Some(&admin), &[("body", "告家长书")]).await;
        let guardian = app.session(Role::Guardian).await;
        let form = app.get(&format!("/enrol/{student}"), Some(&guardian)).await;
        let notice = hidden(&form.body, "notice_id");
        let staff = [
            Role::DistrictAdmin,
            Role::SchoolAdmin,
            Role::GradeDirector,
            Role::ClassTeacher,
            Role::Teacher,
            Role::Volunteer,
        ];
        // Staff cannot even start an application.
        for role in staff {
            let s = app.session(role).await;
            let r = app
                .post_form(&format!("/enrol/{student}"), Some(&s), &application(true, &notice))
                .await;
            assert!(
                r.status == StatusCode::FORBIDDEN || r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login"),
                "{role:?}: {}",
                r.status
            );
        }
        let page = app
            .post_form(&format!("/enrol/{student}"), Some(&guardian), &application(true, &notice))
            .await
            .location()
            .to_string();
        let id = yanshi_domain::ids::EnrolmentId::parse(page.trim_start_matches("/enrolments/")).unwrap();
        let ops = [
            "class_approve",
            "school_approve",
            "sign",
            "withdraw",
            "cancel",
            "change_terms",
            "terminate",
            "leave",
        ];
        // Each round, every staff role tries every step (signing included, with the right hash).
        // The legitimate reviews among them move the application on to APPROVED, where an
        // agreement waits to be signed — by the guardian only.
        for stage in 0..3 {
            let seen = app.get(&page, Some(&admin)).await.body;
            let agreement = seen
                .split("name=\"agreement\" value=\"")
                .nth(1)
                .map(|s| s.split('"').next().unwrap().to_string())
                .unwrap_or_default();
            let hash = seen
                .split("name=\"hash\" value=\"")
                .nth(1)
                .map(|s| s.split('"').next().unwrap().to_string())
                .unwrap_or_default();
            for role in staff {
                let s = app.session(role).await;
                for op in ops {
                    let form = [
                        ("agreement", agreement.as_str()),
                        ("hash", hash.as_str()),
                        ("typed_name", "guardian测试"),
                        ("statement", "yes"),
                        ("reason", "OTHER"),
                        ("note", "x"),
                        ("day", "1"),
                        ("latest_pickup", "17:00"),
                    ];
                    let action = match op {
                        "sign" => format!("{page}/signature"),
                        "change_terms" => format!("{page}/terms"),
                        "leave" => format!("{page}/leave"),
                        step => format!("{page}/steps/{step}"),
                    };
                    app.post_form(&action, Some(&s), &form).await;
                    let state = app.store.enrolment(&id).await.unwrap().state;
                    assert!(
                        !matches!(
                            state,
                            yanshi_domain::enrolment::EnrolmentState::Active | yanshi_domain::enrolment::EnrolmentState::Signed
                        ),
                        "{role:?} {op} at stage {stage} reached {state:?}"
                    );
                }
            }
        }
        assert_eq!(
            app.store.enrolment(&id).await.unwrap().state,
            yanshi_domain::enrolment::EnrolmentState::Approved,
            "the reviews happened; the signature did not"
        );
        let state = app.store.enrolment(&id).await.unwrap().state;
        assert!(
            !matches!(
                state,
                yanshi_domain::enrolment::EnrolmentState::Active | yanshi_domain::enrolment::EnrolmentState::Signed
            ),
            "{state:?}"
        );
        let agreements = app.store.agreements(&id).await.unwrap();
        assert!(
            agreements
                .iter()
                .all(|a| a.signatures.iter().all(|s| s.side != yanshi_domain::enrolment::Party::Guardian)),
            "no guardian signature made by staff"
        );
    }
}

#[tokio::test]
async fn the_api_takes_an_application_through_to_active() {
    use axum::http::Method;
    use serde_json::json;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (student, _) = setup(&app).await;
        let admin_session = app.session(Role::SchoolAdmin).await;
        app.post_form("/school/notice", Some(&admin_session), &[("body", "告家长书")]).await;
        let token = |login: &'static str, totp: bool| {
            let app = &app;
            async move {
                let mut body = json!({ "login": login, "password": PASSWORD });
                if totp {
                    body["totp_code"] = json!(current_code(app.clock_now()));
                }
                app.send(api(Method::POST, "/api/v1/tokens", None, Some(body))).await.json()["token"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
        };
        let (guardian, teacher, admin) = (
            token("10000000001", false).await,
            token("teacher", false).await,
            token("admin", true).await,
        );
        let notice = app.send(api(Method::GET, "/api/v1/my/notice", Some(&guardian), None)).await.json();
        assert_eq!(notice["body"], "告家长书");
        let body = json!({ "student_id": student, "weekdays": [1, 2, 3, 4, 5], "latest_pickup": "17:30", "consent_version": "2026-1", "notice_id": notice["id"], "submit": true });
        let by_teacher = app
            .send(api(Method::POST, "/api/v1/enrolments", Some(&teacher), Some(body.clone())))
            .await;
        assert_eq!(by_teacher.status, StatusCode::FORBIDDEN, "staff cannot apply: {}", by_teacher.body);
        let created = app.send(api(Method::POST, "/api/v1/enrolments", Some(&guardian), Some(body))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()["enrolment"]["id"].as_str().unwrap().to_string();
        assert_eq!(created.json()["enrolment"]["state"], "SUBMITTED");
        let step = |token: &str, step: &str| {
            api(
                Method::POST,
                &format!("/api/v1/enrolments/{id}/steps"),
                Some(token),
                Some(json!({ "step": step })),
            )
        };
        assert_eq!(
            app.send(step(&admin, "school_approve")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "the class first"
        );
        assert_eq!(app.send(step(&teacher, "class_approve")).await.json()["state"], "CLASS_APPROVED");
        assert_eq!(app.send(step(&admin, "school_approve")).await.json()["state"], "APPROVED");
        let detail = app
            .send(api(Method::GET, &format!("/api/v1/enrolments/{id}"), Some(&guardian), None))
            .await
            .json();
        let a = &detail["agreements"][0];
        let sign = |token: &str, name: &str| {
            api(
                Method::POST,
                &format!("/api/v1/enrolments/{id}/signatures"),
                Some(token),
                Some(json!({ "agreement_id": a["id"], "text_hash": a["text_hash"], "typed_name": name, "statement": true })),
            )
        };
        assert_eq!(
            app.send(sign(&teacher, "王老师")).await.status,
            StatusCode::FORBIDDEN,
            "a teacher cannot sign for the guardian"
        );
        assert_eq!(
            app.send(sign(&admin, "admin测试")).await.status,
            StatusCode::FORBIDDEN,
            "nor can the school"
        );
        assert_eq!(app.send(sign(&guardian, "guardian测试")).await.json()["state"], "SIGNED");
        assert_eq!(app.send(sign(&admin, "李校长")).await.json()["state"], "ACTIVE");
        let mine = app.send(api(Method::GET, "/api/v1/enrolments", Some(&guardian), None)).await.json();
        assert_eq!(mine["enrolments"][0]["state"], "ACTIVE");
        let reviewer = app.send(api(Method::GET, "/api/v1/enrolments", Some(&teacher), None)).await.json();
        assert_eq!(reviewer["enrolments"].as_array().unwrap().len(), 1);
        let duty = token("duty", false).await;
        assert_eq!(
            app.send(api(Method::GET, &format!("/api/v1/enrolments/{id}"), Some(&duty), None))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
}
