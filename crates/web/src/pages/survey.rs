//! 告家长书 and 调查摸底: the school publishes the notice (versioned per term) and runs the
//! needs survey; guardians answer on a phone; class teachers and grade directors see the
//! answers per class, who has not answered, and enter answers collected on paper.

use super::IdPath;
use super::enrolment::enrolment_term;
use super::school::{Pairs, field};
use super::{AppForm, SchoolPick, SchoolQuery, page, pick_school, school_query};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yanshi_domain::agreement::DEFAULT_NOTICE;
use yanshi_domain::enrolment::Weekdays;
use yanshi_domain::ids::{ClassId, StudentId};
use yanshi_domain::policy::{Action, may_see_class};
use yanshi_domain::role::Role;
use yanshi_domain::school::{format_clock, parse_clock};
use yanshi_domain::school_time::format_local;
use yanshi_store::School;
use yanshi_store::people::Student;
use yanshi_store::setup::ClassInfo;
use yanshi_store::survey::SurveyAnswer;
use yanshi_store::terms::Term;

#[derive(Template)]
#[template(path = "notice_admin.html")]
struct NoticeAdmin {
    l: Layout,
    school: yanshi_store::School,
    q: String,
    term: Option<Term>,
    version: i64,
    body: String,
    template_version: i64,
    template: String,
    survey_url: String,
    survey_qr: String,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

async fn notice_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    school: yanshi_store::School,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let term = enrolment_term(state, &school).await?;
    let (version, body) = match &term {
        Some(t) => match state.store.current_notice(&t.id).await? {
            Some(n) => (n.version, n.body),
            None => {
                let (_, contact) = state.store.school_profile(&school.id).await?;
                let end = t
                    .times
                    .end
                    .values()
                    .max()
                    .map(|e| format_clock(*e))
                    .unwrap_or_else(|| "18:00".into());
                let deadline = t.dates.first_service_day.to_string();
                let body = DEFAULT_NOTICE
                    .replace("{school}", &school.name)
                    .replace("{term}", &t.name)
                    .replace("{times}", &end)
                    .replace("{deadline}", &deadline)
                    .replace("{contact}", &contact);
                (0, body)
            }
        },
        None => (0, String::new()),
    };
    let (template_version, template) = state.store.agreement_template(&school.id).await?;
    let survey_url = format!("{}/survey", state.config.public_url);
    let survey_qr = qrcode::QrCode::new(survey_url.as_bytes())
        .map(|c| c.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).build())
        .unwrap_or_default();
    let q = school_query(me, &school);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        NoticeAdmin {
            l,
            school,
            q,
            term,
            version,
            body,
            template_version,
            template,
            survey_url,
            survey_qr,
            message,
            error,
        },
    )
}

pub async fn admin(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    match pick_school(&state, lang, &me, q.school.as_deref(), Action::ManageSchool, "ui-nav-notice").await? {
        SchoolPick::Picked(s) => notice_page(&state, lang, &me, s, None, None).await,
        SchoolPick::Pick(r) => Ok(r),
    }
}

/// The letter to parents (告家长书) as posted: a new version is published.
#[derive(Deserialize)]
pub struct NoticeForm {
    #[serde(default)]
    school: String,
    #[serde(default)]
    body: String,
}

/// The agreement template (安全责任书模板) as posted.
#[derive(Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    school: String,
    #[serde(default)]
    template: String,
}

/// The page again, saying what was done or what was wrong.
async fn after_notice(state: &AppState, lang: Lang, me: &Me, school: School, result: AppResult<&'static str>) -> AppResult<Response> {
    match result {
        Ok(message) => notice_page(state, lang, me, school, Some(message), None).await,
        Err(AppError::Invalid(i)) => notice_page(state, lang, me, school, None, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

/// Publishes a new version of the letter to parents for the term being enrolled.
pub async fn publish_notice(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<NoticeForm>) -> AppResult<Response> {
    let school = super::school_named(&state, &me, &f.school, Action::ManageSchool).await?;
    let result = async {
        let term = enrolment_term(&state, &school)
            .await?
            .ok_or(yanshi_domain::Invalid::new("term", "err-no-term"))?;
        state
            .store
            .publish_notice(&me.user, &term.id, f.body.trim(), state.clock.now())
            .await?;
        Ok("ui-notice-published")
    };
    let result = result.await;
    after_notice(&state, lang, &me, school, result).await
}

/// Saves the school's agreement template; agreements already made keep their text.
pub async fn save_template(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<TemplateForm>) -> AppResult<Response> {
    let school = super::school_named(&state, &me, &f.school, Action::ManageSchool).await?;
    let result = state
        .store
        .save_agreement_template(&me.user, &school.id, f.template.trim(), state.clock.now())
        .await
        .map(|_| "ui-template-saved")
        .map_err(AppError::from);
    after_notice(&state, lang, &me, school, result).await
}

/// A guardian's list of children to answer the survey for (the link posted in the class group).
pub async fn mine(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    if me.user.role != Role::Guardian {
        return Ok(Redirect::to("/survey/classes").into_response());
    }
    let kids = state.store.children_of(&me.user.id).await?;
    match kids.as_slice() {
        [(only, _)] => Ok(Redirect::to(&format!("/survey/{}", only.id)).into_response()),
        _ => Ok(Redirect::to("/home").into_response()),
    }
}

#[derive(Template)]
#[template(path = "survey_form.html")]
struct SurveyForm {
    l: Layout,
    student: Student,
    class: ClassInfo,
    term: Option<Term>,
    days: Vec<(u8, &'static str, bool)>,
    needs: bool,
    latest_pickup: String,
    reason: String,
    staff: bool,
    saved: bool,
    error: Option<&'static str>,
}

/// The student the person may answer for: their own child, or one of a class they are responsible for.
async fn answerable(state: &AppState, me: &Me, id: &StudentId) -> AppResult<(Student, ClassInfo, bool)> {
    let student = state.store.student(id).await?;
    let class = state.store.class(&student.class_id).await?;
    if me.user.role == Role::Guardian {
        if !state.store.children_of(&me.user.id).await?.iter().any(|(s, _)| s.id == *id) {
            return Err(AppError::Forbidden);
        }
        return Ok((student, class, false));
    }
    if !may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    Ok((student, class, true))
}

async fn form_page(
    state: &AppState,
    lang: Lang,
    me: &Me,
    (student, class, staff): (Student, ClassInfo, bool),
    saved: bool,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let l = Layout::for_user(state, lang, &me.user).await;
    let school = state.store.school(&student.school_id).await?;
    let term = enrolment_term(state, &school).await?;
    let existing = match &term {
        Some(t) => state
            .store
            .survey_of_class(&t.id, &class.id)
            .await?
            .into_iter()
            .find(|(s, _)| s.id == student.id)
            .and_then(|(_, a)| a),
        None => None,
    };
    let chosen = existing
        .as_ref()
        .map(|a| a.weekdays.numbers())
        .unwrap_or_else(|| vec![1, 2, 3, 4, 5]);
    let days = (1..=5u8)
        .map(|d| (d, crate::i18n::Tr(lang).weekday(d), chosen.contains(&d)))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(
        status,
        SurveyForm {
            l,
            needs: existing.as_ref().is_none_or(|a| a.needs_care),
            latest_pickup: existing
                .as_ref()
                .and_then(|a| a.latest_pickup)
                .map(format_clock)
                .unwrap_or_else(|| "17:30".into()),
            reason: existing.map(|a| a.reason).unwrap_or_default(),
            student,
            class,
            term,
            days,
            staff,
            saved,
            error,
        },
    )
}

pub async fn form(State(state): State<AppState>, lang: Lang, me: Me, IdPath(id): IdPath<StudentId>) -> AppResult<Response> {
    let (student, class, staff) = answerable(&state, &me, &id).await?;
    form_page(&state, lang, &me, (student, class, staff), false, None).await
}

pub async fn answer(
    State(state): State<AppState>,
    lang: Lang,
    me: Me,
    IdPath(id): IdPath<StudentId>,
    AppForm(f): AppForm<Pairs>,
) -> AppResult<Response> {
    let (student, class, staff) = answerable(&state, &me, &id).await?;
    let school = state.store.school(&student.school_id).await?;
    let result: AppResult<()> = async {
        let term = enrolment_term(&state, &school)
            .await?
            .ok_or(yanshi_domain::Invalid::new("term", "err-no-term"))?;
        let needs = field(&f, "needs") == "yes";
        let days: Vec<u8> = f.iter().filter(|(k, _)| k == "day").filter_map(|(_, v)| v.parse().ok()).collect();
        let answer = SurveyAnswer {
            needs_care: needs,
            weekdays: if needs { Weekdays::from_numbers(&days)? } else { Weekdays(0) },
            latest_pickup: if needs {
                Some(parse_clock(field(&f, "latest_pickup"))?)
            } else {
                None
            },
            reason: field(&f, "reason").to_string(),
            source: if field(&f, "source") == "PHONE" {
                "PHONE".into()
            } else {
                "PAPER".into()
            },
            answered_by: String::new(),
            answered_at: state.clock.now(),
        };
        state
            .store
            .answer_survey(&me.user, &student.id, &term.id, &answer, state.clock.now())
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) if staff => Ok(Redirect::to(&format!("/survey/classes?class={}", class.id)).into_response()),
        Ok(()) => form_page(&state, lang, &me, (student, class, staff), true, None).await,
        Err(AppError::Invalid(i)) => form_page(&state, lang, &me, (student, class, staff), false, Some(i.key)).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct ClassQuery {
    school: Option<String>,
    class: Option<String>,
}

pub struct AnswerRow {
    pub student_id: String,
    pub name: String,
    pub answered: bool,
    pub needs: bool,
    pub days: String,
    pub latest: String,
    pub reason: String,
    pub source: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "survey_classes.html")]
struct SurveyClasses {
    l: Layout,
    school: yanshi_store::School,
    term: Option<Term>,
    classes: Vec<ClassInfo>,
    class: Option<ClassInfo>,
    rows: Vec<AnswerRow>,
    answered: usize,
    needing: usize,
}

async fn class_rows(state: &AppState, lang: Lang, term: &Term, class: &ClassInfo, zone: &str) -> AppResult<Vec<AnswerRow>> {
    Ok(state
        .store
        .survey_of_class(&term.id, &class.id)
        .await?
        .into_iter()
        .map(|(s, a)| AnswerRow {
            student_id: s.id.to_string(),
            name: s.name,
            answered: a.is_some(),
            needs: a.as_ref().is_some_and(|a| a.needs_care),
            days: a.as_ref().map(|a| crate::i18n::Tr(lang).weekdays(&a.weekdays)).unwrap_or_default(),
            latest: a.as_ref().and_then(|a| a.latest_pickup).map(format_clock).unwrap_or_default(),
            reason: a.as_ref().map(|a| a.reason.clone()).unwrap_or_default(),
            source: a.as_ref().map(|a| a.source.clone()).unwrap_or_default(),
            by: a
                .map(|a| format!("{} {}", a.answered_by, format_local(a.answered_at, zone)))
                .unwrap_or_default(),
        })
        .collect())
}

/// The survey per class for the staff responsible (non-responders included).
pub async fn classes(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<ClassQuery>) -> AppResult<Response> {
    let school = match pick_school(&state, lang, &me, q.school.as_deref(), Action::ReviewEnrolments, "ui-nav-survey").await? {
        SchoolPick::Picked(s) => s,
        SchoolPick::Pick(r) => return Ok(r),
    };
    let term = enrolment_term(&state, &school).await?;
    let classes: Vec<ClassInfo> = state
        .store
        .classes(&school.id)
        .await?
        .into_iter()
        .filter(|c| may_see_class(&me.principal, &c.scope()))
        .collect();
    let class = q
        .class
        .as_deref()
        .and_then(ClassId::parse)
        .and_then(|id| classes.iter().find(|c| c.id == id).cloned())
        .or_else(|| (classes.len() == 1).then(|| classes[0].clone()));
    let rows = match (&term, &class) {
        (Some(t), Some(c)) => class_rows(&state, lang, t, c, &school.time_zone).await?,
        _ => Vec::new(),
    };
    let answered = rows.iter().filter(|r| r.answered).count();
    let needing = rows.iter().filter(|r| r.needs).count();
    let l = Layout::for_user(&state, lang, &me.user).await;
    page(
        StatusCode::OK,
        SurveyClasses {
            l,
            school,
            term,
            classes,
            class,
            rows,
            answered,
            needing,
        },
    )
}

/// The class's answers as .xlsx.
pub async fn export(State(state): State<AppState>, me: Me, Query(q): Query<ClassQuery>) -> AppResult<Response> {
    let id = q.class.as_deref().and_then(ClassId::parse).ok_or(AppError::NotFound)?;
    let class = state.store.class(&id).await?;
    if !may_see_class(&me.principal, &class.scope()) {
        return Err(AppError::Forbidden);
    }
    let school = state.store.school(&class.school_id).await?;
    let term = enrolment_term(&state, &school).await?.ok_or(AppError::NotFound)?;
    // The export is the school's Chinese spreadsheet (its headers are): weekdays in Chinese.
    let rows = class_rows(&state, Lang::ZhCn, &term, &class, &school.time_zone).await?;
    let table: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            vec![
                r.name,
                if !r.answered {
                    "未填写".into()
                } else if r.needs {
                    "需要".into()
                } else {
                    "不需要".into()
                },
                r.days,
                r.latest,
                r.reason,
                r.source,
                r.by,
            ]
        })
        .collect();
    let bytes = yanshi_roster::write_table(
        "需求调查",
        &["学生", "是否需要", "服务日", "最晚接送", "原因", "来源", "填写人"],
        &table,
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"survey.xlsx\"".to_string()),
        ],
        bytes,
    )
        .into_response())
}
