//! The demo school's duty roster: four posts (值班领导, 楼道, 校门, 等候室), generated for the term
//! from today and published, so every demo account has its turns to look at.

use anyhow::Context;
use time::OffsetDateTime;
use yanshi_domain::account::Login;
use yanshi_domain::duty::post::PostSpec;
use yanshi_domain::duty::solver::LpSolver;
use yanshi_store::{School, Store};

pub(super) async fn ensure_roster(store: &Store, school: &School, now: OffsetDateTime) -> anyhow::Result<()> {
    if !store.duty_posts(&school.id).await?.is_empty() {
        return Ok(());
    }
    let Some(admin) = store
        .user_by_login(&Login::parse("admin").map_err(|e| anyhow::anyhow!("{e}"))?)
        .await?
    else {
        return Ok(());
    };
    if admin.school_id.as_ref() != Some(&school.id) {
        return Ok(());
    }
    let posts = [
        ("LEADER", "值班领导", "15:30", "18:00", "1", "150", &[][..]),
        ("HALLWAY", "教学楼楼道", "16:00", "17:00", "2", "100", &[][..]),
        ("GATE", "东门交接点", "16:40", "18:00", "2", "100", &[][..]),
        ("WAITING_ROOM", "等候室（图书室）", "17:30", "18:30", "1", "100", &[][..]),
    ];
    for (kind, name, starts, ends, needs, weight, roles) in posts {
        let spec = PostSpec::parse(kind, name, &[1, 2, 3, 4, 5], &[], starts, ends, needs, weight, roles)
            .map_err(|e| anyhow::anyhow!("demo post {name}: {}", e.key))?;
        store.save_duty_post(&admin, &school.id, None, &spec, true, now).await?;
    }
    // The demo has few accounts besides the class teachers (who care for their classes all
    // afternoon): up to five turns a week, and 李校长 leads every day.
    let rules = yanshi_store::duty::DutySettings {
        max_per_week: 5,
        ..Default::default()
    };
    store.set_duty_settings(&admin, &school.id, &rules, now).await?;
    let today = yanshi_domain::school_time::local(now, &school.time_zone).date();
    let Some(term) = store.term_on(&school.id, today).await? else {
        return Ok(());
    };
    store
        .generate_roster(&admin, &term.id, None, &LpSolver::default(), now)
        .await
        .context("the demo roster")?;
    store
        .publish_roster(&admin, &term.id, now)
        .await
        .context("publishing the demo roster")?;
    Ok(())
}
