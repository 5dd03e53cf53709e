//! Every link a role is shown works for that role: signed in as each role of a school in use,
//! follow every same-site link from the home page on (breadth first, bounded) and expect none to
//! answer with an error or send the person back to sign in.

use crate::common::*;
use axum::http::StatusCode;
use std::collections::{BTreeSet, VecDeque};
use yanshi_domain::family::PickupLevel;
use yanshi_domain::role::Role;
use yanshi_store::testing::backends;

/// At most this many pages per role: far more than the app has kinds of page.
const MAX_PAGES: usize = 400;

/// At most this many queries of one page (`?school=…`, `?month=…`, `?actor=…`).
const MAX_QUERIES: usize = 8;

/// The same-site targets of a page's `<a href>`s, without their fragment.
fn links(html: &str) -> Vec<String> {
    html.split("<a ")
        .skip(1)
        .filter_map(|a| {
            let tag = &a[..a.find('>')?];
            let start = tag.find("href=\"")? + 6;
            let href = tag[start..].split('"').next()?;
            let href = href.replace("&amp;", "&").replace("&#38;", "&");
            let href = href.split('#').next().unwrap_or("").to_string();
            ((href.starts_with('/') && !href.starts_with("//")) || href.starts_with('?')).then_some(href)
        })
        .collect()
}

/// Links that are not pages to visit: files and the API's own documents.
fn skipped(href: &str) -> bool {
    href.starts_with("/static/") || href == "/logout"
}

#[tokio::test]
async fn every_link_shown_to_a_role_works_for_that_role() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // A school in use: a class with its teacher and grade director, a child in care with an
        // adult who may collect him, his mother's account, a staff record.
        app.family()
            .grade_director()
            .adult("王奶奶", "奶奶", "13600136000", PickupLevel::Always, true)
            .active()
            .build()
            .await;
        let mut broken = Vec::new();
        for role in Role::ALL {
            let session = app.session(role).await;
            let mut seen: BTreeSet<String> = BTreeSet::new();
            let mut queue: VecDeque<(String, String)> = VecDeque::from([("/home".to_string(), "(start)".to_string())]);
            seen.insert("/home".into());
            while let Some((path, from)) = queue.pop_front() {
                assert!(seen.len() <= MAX_PAGES, "{}: more than {MAX_PAGES} pages", role.as_str());
                let r = app.get(&path, Some(&session)).await;
                let denied = r.headers.contains_key(yanshi_web::routes::DENIED_HEADER);
                if r.status.is_client_error() || r.status.is_server_error() || denied {
                    broken.push(format!("{backend:?} {}: {path} (linked from {from}) → {}", role.as_str(), r.status));
                    continue;
                }
                let mut next = Vec::new();
                if r.status.is_redirection() {
                    next.push(r.location().to_string());
                } else if r.status == StatusCode::OK
                    && r.headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("text/html"))
                {
                    // `?school=…` (the district's school picker) is relative to the page.
                    let here = path.split('?').next().unwrap_or("/");
                    next.extend(
                        links(&r.body)
                            .into_iter()
                            .map(|h| if h.starts_with('?') { format!("{here}{h}") } else { h }),
                    );
                }
                for href in next {
                    // A page that links to itself with another query (the calendar's next month,
                    // the audit log's older entries) is followed a few times, not forever.
                    let page = href.split('?').next().unwrap_or("").to_string();
                    let variants = seen.iter().filter(|s| s.split('?').next() == Some(page.as_str())).count();
                    if skipped(&href) || variants >= MAX_QUERIES || !seen.insert(href.clone()) {
                        continue;
                    }
                    queue.push_back((href, path.clone()));
                }
            }
            assert!(seen.len() > 3, "{}: the crawl found the menu: {seen:?}", role.as_str());
        }
        assert!(
            broken.is_empty(),
            "links that do not work for whom they are shown to:\n{}",
            broken.join("\n")
        );
        // The example: the duty teacher sees the classes, and no 学生 link they cannot follow.
        let duty = app.session(Role::Teacher).await;
        let classes = app.get("/school/classes", Some(&duty)).await;
        assert_eq!(classes.status, StatusCode::OK);
        assert!(!classes.body.contains("href=\"/students"), "{}", classes.body);
        let admin = app.session(Role::SchoolAdmin).await;
        let classes = app.get("/school/classes", Some(&admin)).await;
        assert!(classes.body.contains("href=\"/students\"") && classes.body.contains("href=\"/students/class/"));
    }
}
