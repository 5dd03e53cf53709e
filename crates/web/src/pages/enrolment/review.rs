//! 报名审核: the enrolment list by class with the compliance figures, the published list
//! (名单公示) and the school's bulk approval.

use super::*;

#[derive(Deserialize, Default)]
pub struct ReviewQuery {
    school: Option<String>,
    term: Option<String>,
    /// Only what waits for this person (the home page's counts link here): `class` (submitted,
    /// in the classes they are class teacher of), `school` (class-approved) or `countersign`.
    waiting: Option<String>,
}

/// Which rows a `waiting` filter keeps (the same as `Store::review_queue` counts).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Waiting {
    Class,
    School,
    Countersign,
}

impl Waiting {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "class" => Some(Waiting::Class),
            "school" => Some(Waiting::School),
            "countersign" => Some(Waiting::Countersign),
            _ => None,
        }
    }

    fn keeps(self, r: &EnrolmentRow, my_classes: &[String]) -> bool {
        match self {
            Waiting::Class => r.enrolment.state == EnrolmentState::Submitted && my_classes.contains(&r.class_id),
            Waiting::School => r.enrolment.state == EnrolmentState::ClassApproved,
            Waiting::Countersign => r.awaiting_countersign && matches!(r.enrolment.state, EnrolmentState::Signed | EnrolmentState::Active),
        }
    }
}

#[derive(Template)]
#[template(path = "enrolment_review.html")]
struct ReviewPage {
    l: Layout,
    school: yanshi_store::School,
    term: Option<Term>,
    rows: Vec<(EnrolmentRow, &'static str, &'static str)>,
    by_state: Vec<(&'static str, i64)>,
    active: i64,
    backed: i64,
    is_admin: bool,
    published: bool,
    /// The list shows only what waits (`?waiting=`).
    filtered: bool,
    /// Session plans that look like lessons (class, weekday, content, note).
    flagged: Vec<yanshi_store::afternoon::FlaggedPlan>,
}

async fn review_page(state: &AppState, lang: Lang, me: &Me, q: ReviewQuery, published: bool) -> AppResult<Response> {
    let school = match crate::pages::pick_school(state, lang, me, q.school.as_deref(), Action::ReviewEnrolments, "ui-nav-enrolment").await?
    {
        crate::pages::SchoolPick::Picked(s) => s,
        crate::pages::SchoolPick::Pick(r) => return Ok(r),
    };
    let term = match q.term.as_deref().and_then(TermId::parse) {
        Some(id) => Some(state.store.term(&id).await?).filter(|t| t.school_id == school.id),
        None => enrolment_term(state, &school).await?,
    };
    let l = Layout::for_user(state, lang, &me.user).await;
    let is_admin = may(&me.principal, Action::ManageStudents, Some(&school.id));
    let (mut rows, mut by_state, mut active, mut backed) = (Vec::new(), Vec::new(), 0, 0);
    let mut flagged = Vec::new();
    let waiting = q.waiting.as_deref().and_then(Waiting::parse).filter(|_| !published);
    if let Some(t) = &term {
        let classes = state.store.classes(&school.id).await?;
        let my_classes: Vec<String> = classes
            .iter()
            .filter(|c| c.class_teacher.as_ref().is_some_and(|(id, _)| *id == me.user.id))
            .map(|c| c.id.to_string())
            .collect();
        let visible: Vec<String> = classes
            .iter()
            .filter(|c| may_see_class(&me.principal, &c.scope()))
            .map(|c| c.id.to_string())
            .collect();
        let sensitive: Vec<String> = classes
            .iter()
            .filter(|c| may_read_sensitive(&me.principal, &c.scope()))
            .map(|c| c.id.to_string())
            .collect();
        rows = state
            .store
            .enrolments_of_term(&t.id)
            .await?
            .into_iter()
            .filter(|r| visible.contains(&r.class_id))
            .filter(|r| waiting.is_none_or(|w| w.keeps(r, &my_classes)))
            .filter(|r| {
                !published
                    || matches!(
                        r.enrolment.state,
                        EnrolmentState::Approved | EnrolmentState::Signed | EnrolmentState::Active
                    )
            })
            .map(|r| {
                let label = l.t.get(state_key(r.enrolment.state));
                // 优先保障对象 is a sensitive field: not for the district.
                let group = r
                    .enrolment
                    .priority_group
                    .filter(|_| sensitive.contains(&r.class_id))
                    .map(|p| lang.t(p.key()))
                    .unwrap_or("");
                (r, label, group)
            })
            .collect();
        let (states, a, b) = state.store.enrolment_compliance(&t.id).await?;
        by_state = states
            .into_iter()
            .filter_map(|(s, n)| EnrolmentState::parse(&s).map(|s| (l.t.get(state_key(s)), n)))
            .collect();
        (active, backed) = (a, b);
        // 不上课、不集中辅导: sessions that look like lessons are part of the compliance picture.
        flagged = state.store.flagged_plans(&t.school_id, &t.id).await?;
    }
    page(
        StatusCode::OK,
        ReviewPage {
            l,
            school,
            term,
            rows,
            by_state,
            active,
            backed,
            is_admin,
            published,
            filtered: waiting.is_some(),
            flagged,
        },
    )
}

pub async fn review(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<ReviewQuery>) -> AppResult<Response> {
    review_page(&state, lang, &me, q, false).await
}

/// 名单公示: names and classes only (P10), of the approved and active.
pub async fn published(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<ReviewQuery>) -> AppResult<Response> {
    review_page(&state, lang, &me, q, true).await
}

/// The school's bulk approval of class-approved applications.
pub async fn bulk_approve(State(state): State<AppState>, me: Me, AppForm(f): AppForm<Pairs>) -> AppResult<Response> {
    let ids: Vec<EnrolmentId> = f
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| EnrolmentId::parse(v))
        .collect();
    state.store.bulk_school_approve(&me.user, &ids, state.clock.now()).await?;
    Ok(Redirect::to("/enrolment").into_response())
}
