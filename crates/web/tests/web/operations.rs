//! Running the service, on each backend: the audit chain verifies, instances share sessions,
//! health and metrics answer (metrics behind their token), HSTS when asked, and the OpenAPI
//! document matches the router.

use crate::common::*;
use axum::http::{Method, StatusCode};
use yanshi_domain::role::Role;
use yanshi_store::Backend;
use yanshi_store::testing::backends;
use yanshi_web::WebConfig;

#[tokio::test]
async fn every_change_is_audited_and_the_chain_verifies() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let admin = app.session(Role::SchoolAdmin).await;
        app.post_form(
            "/admin/users",
            Some(&admin),
            &[
                ("username", "new.teacher"),
                ("display_name", "新老师"),
                ("role", "teacher"),
                ("password", "a long new password"),
            ],
        )
        .await;
        let page = app.get("/admin/audit", Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("user.create") && page.body.contains("session.sign_in"),
            "{}",
            page.body
        );
        assert!(page.body.contains("审计链完整"));
        assert!(
            !page.body.contains(PASSWORD) && !page.body.contains("argon2"),
            "no secrets in the audit log"
        );
        let reports = app.store.verify_audit().await.unwrap();
        assert!(reports.iter().all(|r| r.result.is_ok()));
    }
}

#[tokio::test]
async fn two_instances_share_sessions_and_health_and_metrics_answer() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let r = app.post_form("/login", None, &[("login", "duty"), ("password", PASSWORD)]).await;
        let cookie = r.cookie("yanshi_session").unwrap();
        // Another instance: its own state and router over the same database.
        let store_b = yanshi_store::Store::connect(&app.db.url).await.unwrap();
        let state_b = yanshi_web::AppState::new(
            store_b,
            std::sync::Arc::new(app.clock.clone()),
            yanshi_web::WebConfig::default(),
            Default::default(),
        );
        let b = yanshi_web::app(state_b);
        use tower::ServiceExt;
        let resp = b.clone().oneshot(request(Method::GET, "/home", Some(&cookie), None)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "a session from instance A works on B");
        let resp = b
            .clone()
            .oneshot(request(Method::POST, "/logout", Some(&cookie), Some(String::new())))
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/home", Some(&cookie)).await.status,
            StatusCode::SEE_OTHER,
            "signed out on B is signed out on A"
        );

        let health = app.get("/healthz", None).await;
        assert_eq!((health.status, health.body.as_str()), (StatusCode::OK, r#"{"status":"ok"}"#));
        let metrics = app.get("/metrics", None).await;
        assert!(metrics.body.contains("yanshi_http_responses_total{class=\"2xx\"}"));
        assert!(metrics.body.contains("yanshi_database_up 1"));
        assert!(metrics.body.contains("yanshi_outbox_pending 0"));
    }
}

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_api_routes() {
    let mut routes: Vec<(String, String)> = yanshi_web::routes::all()
        .infos()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    routes.sort();
    let app = TestApp::new(yanshi_store::Backend::Sqlite).await;
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.push((method.to_uppercase(), path.clone()));
            let id = op["operationId"].as_str().unwrap();
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "snake_case operation ids: {id}"
            );
        }
    }
    documented.sort();
    assert_eq!(routes, documented);
    let docs = app.get("/api/v1/docs", None).await;
    assert!(docs.body.contains("POST /api/v1/tokens"));
}

#[tokio::test]
async fn metrics_ask_for_their_token_and_hsts_is_sent_when_asked() {
    let config = WebConfig {
        metrics_token: Some("s3cret-metrics".into()),
        hsts: true,
        ..WebConfig::default()
    };
    let app = TestApp::with_config(Backend::Sqlite, config).await;
    assert_eq!(app.get("/metrics", None).await.status, StatusCode::UNAUTHORIZED);
    let mut wrong = request(Method::GET, "/metrics", None, None);
    wrong.headers_mut().insert("authorization", "Bearer nope".parse().unwrap());
    assert_eq!(app.send(wrong).await.status, StatusCode::UNAUTHORIZED);
    let mut right = request(Method::GET, "/metrics", None, None);
    right
        .headers_mut()
        .insert("authorization", "Bearer s3cret-metrics".parse().unwrap());
    let m = app.send(right).await;
    assert!(m.status == StatusCode::OK && m.body.contains("yanshi_http_responses_total"));
    let page = app.get("/login", None).await;
    assert!(
        page.headers
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().unwrap().contains("max-age="))
    );
    let plain = TestApp::new(Backend::Sqlite).await;
    assert!(plain.get("/login", None).await.headers.get("strict-transport-security").is_none());
    assert_eq!(
        plain.get("/metrics", None).await.status,
        StatusCode::OK,
        "open when no token is set"
    );
}
