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
    let all = yanshi_web::routes::all();
    let infos = all.infos();
    let api: Vec<_> = infos.iter().filter(|r| r.path.starts_with("/api/")).collect();
    let mut routes: Vec<(String, String)> = api.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
    routes.sort();
    let app = TestApp::new(yanshi_store::Backend::Sqlite).await;
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            documented.push((method.clone(), path.clone()));
            let what = format!("{method} {path}");
            let id = op["operationId"].as_str().unwrap();
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "snake_case operation ids: {id}"
            );
            // Bearer security exactly where the router asks for more than nothing.
            let route = api.iter().find(|r| r.method.as_str() == method && r.path == path).unwrap();
            let public = route.access == yanshi_web::routes::Access::Public;
            assert_eq!(op.get("security").is_none(), public, "{what}: security as the router says");
            // Every `{name}` of the path is a declared path parameter, and nothing else is.
            let in_path: Vec<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(in_path, declared, "{what}: path parameters");
            // A success answer with a schema (but 204), and the Error envelope for 4XX.
            let responses = op["responses"].as_object().unwrap();
            let success: Vec<_> = responses.iter().filter(|(k, _)| k.starts_with('2')).collect();
            assert!(!success.is_empty(), "{what}: a success answer");
            for (status, r) in success {
                if status != "204" {
                    let content = r["content"].as_object().unwrap_or_else(|| panic!("{what} {status}: a body"));
                    assert!(content.values().all(|c| c["schema"].is_object()), "{what} {status}: a schema");
                }
            }
            if path != "/api/v1/openapi.json" && path != "/api/v1/docs" {
                assert_eq!(
                    responses["4XX"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error",
                    "{what}: the Error envelope"
                );
            }
            // Every operation that reads a body says which.
            if method == "POST" && path != "/api/v1/tokens/current" {
                assert!(op["requestBody"]["content"].is_object(), "{what}: a request body");
            }
            // Every schema named is there.
            for r in op.to_string().split("\"$ref\":\"#/components/schemas/").skip(1) {
                let name = r.split('"').next().unwrap();
                assert!(schemas.contains_key(name), "{what}: schema {name}");
            }
        }
    }
    documented.sort();
    assert_eq!(routes, documented);
    assert_eq!(schemas["Error"]["required"], serde_json::json!(["error"]), "the one error envelope");
    let docs = app.get("/api/v1/docs", None).await;
    assert!(docs.body.contains("POST /api/v1/tokens"));
    assert!(docs.body.contains("TokenCreated"), "the docs page names the answer's schema");
    assert!(docs.body.contains("totp_code"), "and shows the request body");
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
