//! 值班 where people already look: 我的值班 on the home page (one's own published turns, today
//! and the next 7 days) and 今日值班 on a class's door page (who holds the day's posts).

use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;
use time::{Date, Duration};
use yanshi_domain::duty::PostKind;
use yanshi_domain::role::Role;
use yanshi_domain::school::format_clock;
use yanshi_i18n::Args;
use yanshi_store::duty::Turn;
use yanshi_store::setup::ClassInfo;

/// How many days ahead the home page shows.
const DAYS_AHEAD: i64 = 7;

/// One of my turns as the home page lists it.
pub struct MyTurn {
    /// 12-02 周三
    pub day: String,
    pub today: bool,
    /// The post's name (值班领导, 校门 …) or the class for a care cover.
    pub place: String,
    /// 17:30–18:30, empty for a care cover (the grade's service times).
    pub hours: String,
    /// 代王老师: whom this turn covers.
    pub covers: Option<String>,
}

fn hours(t: &Turn) -> String {
    match (t.starts, t.ends) {
        (Some(s), Some(e)) => format!("{}–{}", format_clock(s), format_clock(e)),
        _ => String::new(),
    }
}

/// A staff member's published turns from today to a week ahead (none for a guardian).
pub(crate) async fn my_turns(state: &AppState, lang: Lang, user: &yanshi_store::User, today: Date) -> AppResult<Vec<MyTurn>> {
    if user.school_id.is_none() || user.role == Role::Guardian {
        return Ok(Vec::new());
    }
    let turns = state
        .store
        .my_duty_turns(&user.id, today, today + Duration::days(DAYS_AHEAD))
        .await?;
    Ok(turns
        .into_iter()
        .map(|t| MyTurn {
            day: format!("{} {}", &t.day.to_string()[5..], lang.t(weekday_key(t.day))),
            today: t.day == today,
            hours: hours(&t),
            covers: t
                .covers
                .as_ref()
                .map(|(_, name)| lang.render("ui-duty-covering-for", &Args::new().text("absent", name.clone()))),
            place: t.place,
        })
        .collect())
}

/// 今日值班 on a class's door: each post with its people, in the roster's order, and this
/// class's care cover if it has one; other classes' care is not the door's business.
pub(crate) async fn door_line(state: &AppState, lang: Lang, class: &ClassInfo, day: Date) -> AppResult<Vec<(String, String)>> {
    let mut turns = state.store.on_duty(&class.school_id, day).await?;
    // The leader first, then where late children wait, then the gate and the hallways.
    turns.sort_by_key(|t| match t.kind {
        PostKind::Leader => 0,
        PostKind::WaitingRoom => 1,
        PostKind::Gate => 2,
        PostKind::Hallway => 3,
        PostKind::Care => 4,
    });
    let mut line: Vec<(String, Vec<String>)> = Vec::new();
    for t in turns {
        if t.kind == PostKind::Care && t.class.as_ref() != Some(&class.id) {
            continue;
        }
        let who = match &t.covers {
            Some((_, absent)) => lang.render(
                "ui-duty-person-covering",
                &Args::new().text("person", t.user_name.clone()).text("absent", absent.clone()),
            ),
            None => t.user_name.clone(),
        };
        match line.last_mut() {
            Some((place, people)) if *place == t.place => people.push(who),
            _ => line.push((t.place, vec![who])),
        }
    }
    let sep = lang.t("ui-list-sep");
    Ok(line.into_iter().map(|(place, people)| (place, people.join(sep))).collect())
}

fn weekday_key(day: Date) -> &'static str {
    match day.weekday().number_from_monday() {
        1 => "ui-weekday-1",
        2 => "ui-weekday-2",
        3 => "ui-weekday-3",
        4 => "ui-weekday-4",
        5 => "ui-weekday-5",
        6 => "ui-weekday-6",
        _ => "ui-weekday-7",
    }
}
