//! Students and their families (学生与家庭): class lists, a child's card with guardians and
//! pickup adults, the sensitive fields behind a deliberate, logged read, and the printed
//! invitation slips for a class's guardians.

pub mod family;

use super::IdPath;
use super::{SchoolPick, SchoolQuery, page, pick_school};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use yanshi_domain::enrolment::LeaveStatus;
use yanshi_domain::family::{PickupLevel, PriorityGroup};
use yanshi_domain::ids::{ClassId, PickupAdultId, StudentId};
use yanshi_domain::policy::{Action, may, may_confirm_guardian_link, may_read_sensitive, may_see_class};
use yanshi_store::people::{GuardianLink, PickupAdult, Student};
use yanshi_store::setup::ClassInfo;
use yanshi_store::{Actor, School};

#[derive(Template)]
#[template(path = "students_index.html")]
struct IndexPage {
    l: Layout,
    school: School,
    classes: Vec<ClassInfo>,
    can_manage: bool,
    q: String,
}

pub async fn index(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    let school = match pick_school(&state, lang, &me, q.school.as_deref(), Action::ViewStudents, "ui-nav-students").await? {
        SchoolPick::Picked(s) => s,
        SchoolPick::Pick(r) => return Ok(r),
    };
    let l = Layout::for_user(&state, lang, &me.user).await;
    let classes = state
        .store
        .classes(&school.id)
        .await?
        .into_iter()
        .filter(|c| may_see_class(&me.principal, &c.scope()))
        .collect();
    let can_manage = may(&me.principal, Action::ManageStudents, Some(&school.id));
    let q = super::school_query(&me, &school);
    page(
        StatusCode::OK,
        IndexPage {
            l,
            school,
            classes,
            can_manage,
            q,
        },
    )
}

/// A class the person may see, or 404/403.
async fn visible_class(state: &AppState, me: &Me, id: &ClassId) -> AppResult<ClassInfo> {
    let class = state.store.class(id).await?;
    if !may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    Ok(class)
}

/// A student the person may see, with their class.
pub(crate) async fn visible_student(state: &AppState, me: &Me, id: &StudentId) -> AppResult<(Student, ClassInfo)> {
    let student = state.store.student(id).await?;
    let class = state.store.class(&student.class_id).await?;
    if !may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    Ok((student, class))
}

#[derive(Template)]
#[template(path = "class_students.html")]
struct ClassPage {
    l: Layout,
    class: ClassInfo,
    students: Vec<(Student, Vec<GuardianLink>)>,
    can_invite: bool,
    leaves: Vec<yanshi_store::leave::Leave>,
}

pub async fn class(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Response> {
    let class = visible_class(&state, &me, &id).await?;
    let students = state.store.students_of_class(&class.id).await?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    let can_invite = may(&me.principal, Action::IssueGuardianInvitations, Some(&class.school_id));
    let zone = state.store.school(&class.school_id).await?.time_zone;
    let today = yanshi_domain::school_time::local(state.clock.now(), &zone).date();
    let leaves = state.store.leaves_of_class(&class.id, today).await?;
    page(
        StatusCode::OK,
        ClassPage {
            l,
            class,
            students,
            can_invite,
            leaves,
        },
    )
}

/// A guardian as the child's page shows it, with what this reader may do about a pending link.
pub struct GuardianRow {
    pub link: GuardianLink,
    pub may_confirm: bool,
    pub may_withdraw: bool,
}

pub struct SensitiveView {
    pub health_notes: String,
    pub custody_notes: String,
    pub reads: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "student.html")]
struct StudentPage {
    l: Layout,
    student: Student,
    class: ClassInfo,
    guardians: Vec<GuardianRow>,
    adults: Vec<PickupAdult>,
    /// Adults who must never take the child, not shown to this reader (the district).
    hidden_limits: usize,
    levels: Vec<(&'static str, &'static str)>,
    groups: Vec<(&'static str, &'static str, bool)>,
    may_sensitive: bool,
    sensitive: Option<SensitiveView>,
    leaves: Vec<yanshi_store::leave::Leave>,
    error: Option<&'static str>,
}

/// A child's pickup adults as a staff member may see them. A custody limit (禁止接送) is a
/// sensitive field: shown only to those who may read those (not the district), and every
/// showing is logged like a read at the door. Returns the adults and how many were held back.
pub async fn pickup_adults_for(
    state: &AppState,
    me: &Me,
    student: &Student,
    may_sensitive: bool,
    place: &str,
) -> AppResult<(Vec<PickupAdult>, usize)> {
    let mut adults = state.store.pickup_adults(&student.id).await?;
    let limits = adults.iter().filter(|a| a.level == PickupLevel::Never).count();
    if may_sensitive {
        if limits > 0 {
            state
                .store
                .log_custody_reads(&me.user.id, &student.school_id, &[&student.id], place, state.clock.now())
                .await?;
        }
        Ok((adults, 0))
    } else {
        adults.retain(|a| a.level != PickupLevel::Never);
        Ok((adults, limits))
    }
}

#[derive(Deserialize, Default)]
pub struct StudentQuery {
    sensitive: Option<String>,
}

pub(crate) async fn student_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    student: Student,
    class: ClassInfo,
    show_sensitive: bool,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let guardians = state
        .store
        .guardians_of(&student.id)
        .await?
        .into_iter()
        .map(|link| GuardianRow {
            may_confirm: !link.confirmed && may_confirm_guardian_link(&me.principal, &student.school_id, link.added_by.as_ref()),
            may_withdraw: !link.confirmed && link.added_by.as_ref() == Some(&me.user.id),
            link,
        })
        .collect();
    let may_sensitive = may_read_sensitive(&me.principal, &class.scope());
    let (adults, hidden_limits) = pickup_adults_for(state, me, &student, may_sensitive, "student").await?;
    let mut chosen = Vec::new();
    let sensitive = if may_sensitive && show_sensitive {
        // The read is logged by the store, with who and when.
        let s = state.store.read_sensitive(&me.user.id, &student, state.clock.now()).await?;
        chosen = s.priority_groups.clone();
        let zone = state.store.school(&student.school_id).await?.time_zone;
        let reads = state
            .store
            .sensitive_reads(&student.id)
            .await?
            .into_iter()
            .take(20)
            .map(|(who, at)| (who, yanshi_domain::school_time::format_local(at, &zone)))
            .collect();
        Some(SensitiveView {
            health_notes: s.health_notes,
            custody_notes: s.custody_notes,
            reads,
        })
    } else {
        None
    };
    let leaves = state.store.leaves_of_student(&student.id).await?;
    let levels = PickupLevel::ALL.iter().map(|p| (p.as_str(), lang.t(p.key()))).collect();
    let groups = PriorityGroup::ALL
        .iter()
        .map(|p| (p.as_str(), lang.t(p.key()), chosen.contains(p)))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        StudentPage {
            l,
            student,
            class,
            guardians,
            adults,
            hidden_limits,
            levels,
            groups,
            may_sensitive,
            sensitive,
            leaves,
            error,
        },
    )
}

pub async fn student(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StudentId>,
    Query(q): Query<StudentQuery>,
) -> AppResult<Response> {
    let (student, class) = visible_student(&state, &me, &id).await?;
    student_page(&state, lang, &me, student, class, q.sensitive.is_some(), None).await
}

/// A pickup adult's photo, for the teacher who may see the child.
pub async fn adult_photo(State(state): State<AppState>, me: Me, IdPath(id): IdPath<PickupAdultId>) -> AppResult<Response> {
    let (student, data) = state.store.pickup_adult_photo(&id).await?.ok_or(AppError::NotFound)?;
    visible_student(&state, &me, &student).await?;
    let (mime, b64) = data
        .strip_prefix("data:")
        .and_then(|d| d.split_once(";base64,"))
        .ok_or(AppError::NotFound)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| AppError::NotFound)?;
    let mime = if mime == "image/png" { "image/png" } else { "image/jpeg" };
    Ok(([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "private, no-store")], bytes).into_response())
}

pub struct Slip {
    pub student: String,
    pub guardian: String,
    pub relationship: String,
    pub code: String,
    pub qr_svg: String,
}

#[derive(Template)]
#[template(path = "invitation_slips.html")]
struct SlipsPage {
    l: Layout,
    school: School,
    class: ClassInfo,
    slips: Vec<Slip>,
    register_url: String,
    group_text: String,
    expires: String,
}

/// Issues codes for the class's guardians without an account and shows A4 slips to print.
pub async fn invitations(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<ClassId>) -> AppResult<Response> {
    let class = visible_class(&state, &me, &id).await?;
    let now = state.clock.now();
    let issued = state
        .store
        .create_class_invitations(&Actor::User(me.user.id.clone()), &class, now, state.config.invitation_ttl)
        .await?;
    let school = state.store.school(&class.school_id).await?;
    let register_url = format!("{}/register", state.config.public_url);
    let slips = issued
        .into_iter()
        .map(|i| {
            let link = format!("{register_url}?code={}", i.code.as_str());
            let qr_svg = qrcode::QrCode::new(link.as_bytes())
                .map(|c| c.render::<qrcode::render::svg::Color>().min_dimensions(120, 120).build())
                .unwrap_or_default();
            Slip {
                student: i.student_name,
                guardian: i.guardian_name,
                relationship: i.relationship,
                code: i.code.grouped(),
                qr_svg,
            }
        })
        .collect();
    let expires = yanshi_domain::school_time::format_local(now + state.config.invitation_ttl, &school.time_zone)[..10].to_string();
    // No names, no codes: the class group only learns where to sign up (P12).
    let group_text = lang.render(
        "ui-invitation-group-text",
        &yanshi_i18n::Args::new()
            .text("url", register_url.as_str())
            .text("expires", expires.as_str()),
    );
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        SlipsPage {
            l,
            school,
            class,
            slips,
            register_url,
            group_text,
            expires,
        },
    )
}
