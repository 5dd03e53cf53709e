//! Which links to show: a page shows a link only where the route it names lets the person in,
//! by the same table and the same check as the guard.

use super::{Access, all};
use axum::http::Method;
use yanshi_domain::policy::{Principal, may};

/// The GET routes by their path segments, with what each needs: read from [`all`] once.
static GET_ROUTES: std::sync::LazyLock<Vec<(Vec<&'static str>, Access)>> = std::sync::LazyLock::new(|| {
    all()
        .infos()
        .iter()
        .filter(|r| r.method == Method::GET)
        .map(|r| (r.path.split('/').collect(), r.access))
        .collect()
});

/// Would the guard let `principal` open the page at `path` (its query ignored)? The one check a
/// link is shown by, so every link a page shows opens for whom it is shown to. The route that
/// answers is the one axum picks: the match with the most fixed segments. No route: no.
pub fn may_open(principal: &Principal, path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').collect();
    let best = GET_ROUTES
        .iter()
        .filter(|(pattern, _)| {
            pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
        })
        .max_by_key(|(pattern, _)| pattern.iter().filter(|p| !p.starts_with('{')).count());
    match best.map(|(_, access)| *access) {
        Some(Access::Public | Access::EnrolSecondFactor) => true,
        Some(Access::SecondFactorPending) | None => false,
        Some(Access::Can(action)) => may(principal, action, None),
    }
}
