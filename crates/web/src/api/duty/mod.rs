//! 值班 as data: the roster of a week (published, or the draft for leaders), one's own turns,
//! generating and publishing, the posts, and 不能值班.

pub mod changes;
pub mod log;

use super::{ApiJson, ErrorBody};
use crate::error::{AppError, AppResult};
use crate::identity::Me;
use crate::pages::duty::{leads, school_term};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::duty::post::{PostSpec, Unavailable};
use yanshi_domain::duty::solver::LpSolver;
use yanshi_domain::role::Role;
use yanshi_domain::school::format_clock;
use yanshi_store::duty::Turn;

/// One person on one post (or covering a class's care) on one day.
#[derive(Serialize, ToSchema)]
pub struct TurnOut {
    id: String,
    /// YYYY-MM-DD
    day: String,
    /// CARE, HALLWAY, GATE, WAITING_ROOM or LEADER
    kind: String,
    post_id: Option<String>,
    class_id: Option<String>,
    /// The post's name, or the class's.
    place: String,
    /// HH:MM, when the post has fixed hours.
    starts: Option<String>,
    ends: Option<String>,
    user_id: String,
    user_name: String,
    /// GENERATED, HAND, SWAP or COVER
    source: String,
    /// 代班: whom this turn covers.
    covers_user_id: Option<String>,
}

impl From<Turn> for TurnOut {
    fn from(t: Turn) -> Self {
        TurnOut {
            id: t.id.to_string(),
            day: t.day.to_string(),
            kind: t.kind.as_str().into(),
            post_id: t.post.map(|p| p.to_string()),
            class_id: t.class.map(|c| c.to_string()),
            place: t.place,
            starts: t.starts.map(format_clock),
            ends: t.ends.map(format_clock),
            user_id: t.user_id.to_string(),
            user_name: t.user_name,
            source: t.source.as_str().into(),
            covers_user_id: t.covers.map(|c| c.0.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RosterOut {
    term_id: String,
    from: String,
    to: String,
    /// Whether these are the draft's turns (leaders only).
    draft: bool,
    turns: Vec<TurnOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// First day (YYYY-MM-DD); default today.
    from: Option<String>,
    /// Last day; default a week after `from`.
    to: Option<String>,
    /// `true`: the draft (leaders only).
    draft: Option<bool>,
}

fn day(s: &str, field: &'static str) -> AppResult<time::Date> {
    parse_date(s.trim()).ok_or(AppError::Invalid(Invalid::new(field, "err-date")))
}

/// The roster between two days.
#[utoipa::path(get, path = "/api/v1/duty/roster", operation_id = "duty_roster", tag = "duty",
    summary = "教师值班表: the published roster (or the draft, for leaders) between two days",
    params(RosterQuery), security(("bearer" = [])),
    responses((status = 200, description = "the turns", body = RosterOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn roster(State(state): State<AppState>, me: Me, Query(q): Query<RosterQuery>) -> AppResult<Json<RosterOut>> {
    let (school, today, term) = school_term(&state, &me).await?;
    let term = term.ok_or(AppError::Invalid(Invalid::new("term", "err-duty-no-term")))?;
    let from = q.from.as_deref().map(|s| day(s, "from")).transpose()?.unwrap_or(today);
    let to =
        q.to.as_deref()
            .map(|s| day(s, "to"))
            .transpose()?
            .unwrap_or(from + time::Duration::days(6));
    if to < from || (to - from).whole_days() > 200 {
        return Err(AppError::Invalid(Invalid::new("to", "err-duty-range")));
    }
    let draft = q.draft.unwrap_or(false);
    if draft && !leads(&me, &school) {
        return Err(AppError::Forbidden);
    }
    let turns = state.store.duty_turns(&term.id, !draft, from, to).await?;
    Ok(Json(RosterOut {
        term_id: term.id.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        draft,
        turns: turns.into_iter().map(TurnOut::from).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MyTurnsOut {
    turns: Vec<TurnOut>,
}

/// One's own published turns from today for four weeks.
#[utoipa::path(get, path = "/api/v1/duty/mine", operation_id = "my_duty", tag = "duty",
    security(("bearer" = [])),
    responses((status = 200, description = "my turns", body = MyTurnsOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn mine(State(state): State<AppState>, me: Me) -> AppResult<Json<MyTurnsOut>> {
    let (_, today, _) = school_term(&state, &me).await?;
    let turns = state
        .store
        .my_duty_turns(&me.user.id, today, today + time::Duration::days(28))
        .await?;
    Ok(Json(MyTurnsOut {
        turns: turns.into_iter().map(TurnOut::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct GenerateRequest {
    /// First day to fill (YYYY-MM-DD); default today. Earlier days keep their published turns.
    from: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ShortOut {
    day: String,
    place: String,
    missing: u8,
    /// NOBODY_ELIGIBLE, ALL_UNAVAILABLE or LIMITS_REACHED
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct GeneratedOut {
    turns: usize,
    short: Vec<ShortOut>,
    /// Weighted minutes between the most- and least-loaded person who could take a post.
    spread: u64,
    spread_bound: u64,
    changes: u32,
    solver_ms: u64,
}

/// 生成: fills the draft (leaders).
#[utoipa::path(post, path = "/api/v1/duty/generate", operation_id = "generate_duty", tag = "duty",
    request_body = GenerateRequest, security(("bearer" = [])),
    responses((status = 200, description = "the draft's figures", body = GeneratedOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn generate(State(state): State<AppState>, me: Me, ApiJson(r): ApiJson<GenerateRequest>) -> AppResult<Json<GeneratedOut>> {
    let (_, _, term) = school_term(&state, &me).await?;
    let term = term.ok_or(AppError::Invalid(Invalid::new("term", "err-duty-no-term")))?;
    let from = r.from.as_deref().map(|s| day(s, "from")).transpose()?;
    let g = state
        .store
        .generate_roster(&me.user, &term.id, from, &LpSolver::default(), state.clock.now())
        .await?;
    Ok(Json(GeneratedOut {
        turns: g.turns,
        short: g
            .short
            .into_iter()
            .map(|s| ShortOut {
                day: s.day.to_string(),
                place: s.place,
                missing: s.missing,
                reason: match s.reason {
                    yanshi_domain::duty::ShortReason::NobodyEligible => "NOBODY_ELIGIBLE",
                    yanshi_domain::duty::ShortReason::AllUnavailable => "ALL_UNAVAILABLE",
                    yanshi_domain::duty::ShortReason::LimitsReached => "LIMITS_REACHED",
                }
                .into(),
            })
            .collect(),
        spread: g.spread,
        spread_bound: g.spread_bound,
        changes: g.changes,
        solver_ms: g.solver_ms,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PublishedOut {
    /// How many people with a turn ahead were told.
    told: usize,
}

/// Publishing takes no options: send `{}`.
#[derive(Deserialize, ToSchema)]
pub struct PublishRequest {}

/// 发布: the draft becomes the roster from today on (leaders).
#[utoipa::path(post, path = "/api/v1/duty/publish", operation_id = "publish_duty", tag = "duty",
    request_body = PublishRequest, security(("bearer" = [])),
    responses((status = 200, description = "published", body = PublishedOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn publish(State(state): State<AppState>, me: Me, ApiJson(_): ApiJson<PublishRequest>) -> AppResult<Json<PublishedOut>> {
    let (_, _, term) = school_term(&state, &me).await?;
    let term = term.ok_or(AppError::Invalid(Invalid::new("term", "err-duty-no-term")))?;
    let told = state.store.publish_roster(&me.user, &term.id, state.clock.now()).await?;
    Ok(Json(PublishedOut { told }))
}

#[derive(Serialize, ToSchema)]
pub struct PostOut {
    id: String,
    kind: String,
    name: String,
    /// 1 = Monday … 5 = Friday
    weekdays: Vec<u8>,
    /// Empty: the whole school.
    grades: Vec<u8>,
    starts: String,
    ends: String,
    needs: u8,
    weight_percent: u32,
    roles: Vec<String>,
    active: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PostsOut {
    posts: Vec<PostOut>,
}

/// The school's duty posts.
#[utoipa::path(get, path = "/api/v1/duty/posts", operation_id = "duty_posts", tag = "duty",
    security(("bearer" = [])),
    responses((status = 200, description = "the posts", body = PostsOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn posts(State(state): State<AppState>, me: Me) -> AppResult<Json<PostsOut>> {
    let (school, ..) = school_term(&state, &me).await?;
    let posts = state.store.duty_posts(&school).await?;
    Ok(Json(PostsOut {
        posts: posts
            .into_iter()
            .map(|p| PostOut {
                id: p.id.to_string(),
                kind: p.spec.kind.as_str().into(),
                name: p.spec.name,
                weekdays: p.spec.weekdays,
                grades: p.spec.grades,
                starts: format_clock(p.spec.starts),
                ends: format_clock(p.spec.ends),
                needs: p.spec.needs,
                weight_percent: p.spec.weight_permille / 10,
                roles: p.spec.roles.iter().map(|r| r.as_str().to_string()).collect(),
                active: p.active,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PostRequest {
    /// HALLWAY, GATE, WAITING_ROOM or LEADER
    kind: String,
    name: String,
    weekdays: Vec<u8>,
    #[serde(default)]
    grades: Vec<u8>,
    /// HH:MM
    starts: String,
    ends: String,
    needs: u8,
    /// 100 = a turn's minutes count once.
    #[serde(default = "hundred")]
    weight_percent: u32,
    /// Role codes that may take it; empty: all staff.
    #[serde(default)]
    roles: Vec<String>,
}

fn hundred() -> u32 {
    100
}

#[derive(Serialize, ToSchema)]
pub struct CreatedOut {
    id: String,
}

/// Adds a post (leaders).
#[utoipa::path(post, path = "/api/v1/duty/posts", operation_id = "create_duty_post", tag = "duty",
    request_body = PostRequest, security(("bearer" = [])),
    responses((status = 200, description = "created", body = CreatedOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn create_post(State(state): State<AppState>, me: Me, ApiJson(r): ApiJson<PostRequest>) -> AppResult<Json<CreatedOut>> {
    let (school, ..) = school_term(&state, &me).await?;
    let roles = r
        .roles
        .iter()
        .map(|c| Role::parse(c).ok_or(AppError::Invalid(Invalid::new("roles", "err-duty-post-roles"))))
        .collect::<AppResult<Vec<_>>>()?;
    let spec = PostSpec::parse(
        &r.kind,
        &r.name,
        &r.weekdays,
        &r.grades,
        &r.starts,
        &r.ends,
        &r.needs.to_string(),
        &r.weight_percent.to_string(),
        &roles,
    )?;
    let id = state
        .store
        .save_duty_post(&me.user, &school, None, &spec, true, state.clock.now())
        .await?;
    Ok(Json(CreatedOut { id: id.to_string() }))
}

#[derive(Deserialize, ToSchema)]
pub struct UnavailableRequest {
    /// 1 = Monday … 5 = Friday, every week; or
    weekday: Option<u8>,
    /// one date (YYYY-MM-DD).
    day: Option<String>,
    reason: String,
}

/// 不能值班: one's own declaration.
#[utoipa::path(post, path = "/api/v1/duty/unavailable", operation_id = "declare_unavailable", tag = "duty",
    request_body = UnavailableRequest, security(("bearer" = [])),
    responses((status = 200, description = "declared", body = CreatedOut), (status = "4XX", description = "refused", body = ErrorBody)))]
pub async fn unavailable(State(state): State<AppState>, me: Me, ApiJson(r): ApiJson<UnavailableRequest>) -> AppResult<Json<CreatedOut>> {
    let when = match (r.weekday, r.day.as_deref()) {
        (Some(w), None) => Unavailable::Weekday(w),
        (None, Some(d)) => Unavailable::Date(day(d, "day")?),
        _ => return Err(AppError::Invalid(Invalid::new("when", "err-duty-unavailable-when"))),
    };
    let id = state
        .store
        .declare_unavailable(&me.user, &me.user.id, when, &r.reason, state.clock.now())
        .await?;
    Ok(Json(CreatedOut { id }))
}
