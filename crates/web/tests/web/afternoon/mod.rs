//! The afternoon through the pages and the API, on both databases, each module one part of it.

mod api;
mod board;
mod door;
mod door_taps;
mod on_duty;
mod record;
mod refusals;

use crate::common::*;
use yanshi_domain::family::PickupLevel;

/// 王小明 of 三年级一班 in care this term, with his grandmother (ALWAYS) and a father who must
/// never take him (NEVER): (class, student, grandma, father) as the pages name them.
pub(super) async fn active_child(app: &TestApp) -> (String, String, String, String) {
    let f = app
        .family()
        .number("1")
        .adult("王奶奶", "奶奶", "13600136000", PickupLevel::Always, false)
        .adult("王某", "父亲", "13600136002", PickupLevel::Never, false)
        .active()
        .build()
        .await;
    (
        f.class.id.to_string(),
        f.student.id.to_string(),
        f.adults[0].to_string(),
        f.adults[1].to_string(),
    )
}
