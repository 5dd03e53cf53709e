//! The live board (看板) and its stream.

use super::active_child;
use crate::common::*;
use axum::http::StatusCode;
use time::macros::date;
use yanshi_domain::afternoon::RollStatus;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// The live board: a stream that redraws when the records change — here through the store
/// directly, as another instance on the same database would. The test waits for the frame (a
/// hang guard of a minute, not a timing claim: speed is the benchmarks' business).
#[tokio::test]
async fn the_live_board_redraws_when_a_child_is_marked_present_elsewhere() {
    use futures_util::StreamExt;
    use tower::ServiceExt;
    for backend in backends() {
        let config = yanshi_web::WebConfig {
            board_stream_for: std::time::Duration::from_secs(600),
            ..Default::default()
        };
        let app = TestApp::with_config(backend, config).await;
        let (class, student, _, _) = active_child(&app).await;
        let admin = app.session(Role::SchoolAdmin).await;
        let page = app.get("/afternoon/board", Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&format!("id=\"board-{class}\"")) && page.body.contains("class=\"n-expected\">1<"),
            "{}",
            page.body
        );

        let resp = app
            .router
            .clone()
            .oneshot(request(axum::http::Method::GET, "/afternoon/board/events", Some(&admin), None))
            .await
            .unwrap();
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        let mut frames = resp.into_body().into_data_stream();
        let mut next_board = async || loop {
            let frame = tokio::time::timeout(std::time::Duration::from_secs(60), frames.next())
                .await
                .expect("the stream hung: no frame in a minute");
            let text = String::from_utf8(frame.unwrap().unwrap().to_vec()).unwrap();
            if text.contains("event: board") {
                return text;
            }
        };
        assert!(next_board().await.contains("class=\"n-present\">0<"));
        let child = app
            .store
            .student(&yanshi_domain::ids::StudentId::parse(&student).unwrap())
            .await
            .unwrap();
        app.store
            .mark_roll(
                app.user(Role::Teacher),
                &child,
                date!(2026 - 12 - 01),
                RollStatus::Present,
                "",
                app.clock_now(),
            )
            .await
            .unwrap();
        assert!(next_board().await.contains("class=\"n-present\">1<"));
    }
}
