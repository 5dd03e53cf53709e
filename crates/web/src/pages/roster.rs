//! Roster files (花名册): templates, the two-step import (preview every problem, then write
//! all rows or none) and the export.

use super::school::{Pairs, field};
use super::{AppForm, SchoolPick, SchoolQuery, page, pick_school, school_query};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use yanshi_domain::policy::Action;
use yanshi_domain::roster::{ImportCounts, Problem};
use yanshi_roster::{ExportStudent, Table, read_table};
use yanshi_store::{Actor, School};

/// Which roster a page handles.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Students,
    Staff,
}

impl Kind {
    fn action(self) -> Action {
        match self {
            Kind::Students => Action::ManageStudents,
            Kind::Staff => Action::ManageStaff,
        }
    }

    fn base(self) -> &'static str {
        match self {
            Kind::Students => "/students/import",
            Kind::Staff => "/school/staff/import",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Students => "ui-import-students",
            Kind::Staff => "ui-import-staff",
        }
    }

    fn template(self) -> &'static str {
        match self {
            Kind::Students => "/students/template.xlsx",
            Kind::Staff => "/school/staff/template.xlsx",
        }
    }
}

pub struct ProblemRow {
    pub row: String,
    pub column: String,
    pub message: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    l: Layout,
    school: School,
    q: String,
    title: &'static str,
    back: &'static str,
    base: &'static str,
    template_href: &'static str,
    /// After an upload: the rows checked and what importing would do.
    rows: Option<usize>,
    counts: ImportCounts,
    problems: Vec<ProblemRow>,
    more_problems: usize,
    data: String,
    sha: String,
    /// After a confirmed import.
    done: Option<ImportCounts>,
    error: Option<&'static str>,
}

impl ImportPage {
    fn new(l: Layout, school: School, q: String, kind: Kind) -> Self {
        let title = l.t.get(kind.title());
        ImportPage {
            l,
            school,
            q,
            title,
            back: if kind == Kind::Students { "/students" } else { "/school/staff" },
            base: kind.base(),
            template_href: kind.template(),
            rows: None,
            counts: ImportCounts::default(),
            problems: Vec::new(),
            more_problems: 0,
            data: String::new(),
            sha: String::new(),
            done: None,
            error: None,
        }
    }
}

async fn school_for(state: &AppState, lang: Lang, me: &Me, asked: Option<&str>, kind: Kind) -> AppResult<Result<School, Response>> {
    Ok(
        match pick_school(state, lang, me, asked.filter(|s| !s.is_empty()), kind.action(), kind.title()).await? {
            SchoolPick::Picked(s) => Ok(s),
            SchoolPick::Pick(r) => Err(r),
        },
    )
}

pub async fn form_students(state: State<AppState>, lang: Lang, me: Me, q: Query<SchoolQuery>) -> AppResult<Response> {
    form(state, lang, me, q, Kind::Students).await
}

pub async fn form_staff(state: State<AppState>, lang: Lang, me: Me, q: Query<SchoolQuery>) -> AppResult<Response> {
    form(state, lang, me, q, Kind::Staff).await
}

async fn form(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>, kind: Kind) -> AppResult<Response> {
    let school = match school_for(&state, lang, &me, q.school.as_deref(), kind).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let l = Layout::for_user(&state, lang, &me.user).await;
    let q = school_query(&me, &school);
    page(StatusCode::OK, ImportPage::new(l, school, q, kind))
}

/// Everything checked about a file, before anything is written.
struct Checked {
    rows: usize,
    counts: ImportCounts,
    problems: Vec<Problem>,
    students: Vec<yanshi_domain::roster::RosterStudent>,
    staff: Vec<yanshi_domain::roster::RosterStaff>,
}

/// Reads a roster file off the async runtime, at most [`crate::state::CONCURRENT_IMPORTS`] at
/// once per instance: a large file takes real memory and CPU, and a flood of uploads must not
/// take the service from every other school on the instance.
pub async fn read_roster(state: &AppState, bytes: &[u8]) -> AppResult<Result<(Table, Vec<Problem>), Problem>> {
    let _turn = state
        .imports
        .acquire()
        .await
        .map_err(|e| AppError::Internal(format!("import queue closed: {e}")))?;
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || read_table(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("roster reader: {e}")))
}

async fn check(state: &AppState, school: &School, kind: Kind, bytes: &[u8]) -> AppResult<Checked> {
    let (table, mut problems) = match read_roster(state, bytes).await? {
        Ok(t) => t,
        Err(p) => {
            return Ok(Checked {
                rows: 0,
                counts: ImportCounts::default(),
                problems: vec![p],
                students: vec![],
                staff: vec![],
            });
        }
    };
    let rows = table.rows.len();
    match kind {
        Kind::Students => {
            let (students, mut row_problems) = yanshi_roster::students(&table);
            problems.append(&mut row_problems);
            let (counts, mut db_problems) = state.store.preview_student_import(&school.id, &students).await?;
            problems.append(&mut db_problems);
            // Rows with other mistakes were not checked against the school's classes: do it here.
            let classes: Vec<(u8, u8)> = state.store.classes(&school.id).await?.iter().map(|c| (c.grade, c.number)).collect();
            for (row, grade, number) in yanshi_roster::class_refs(&table) {
                let reported = problems.iter().any(|p| p.row == row && p.key == "err-class-missing");
                if !reported && !classes.contains(&(grade.number(), number)) {
                    let value = yanshi_domain::school::class_name_zh(grade, number);
                    problems.push(Problem {
                        row,
                        column: "班级".into(),
                        key: "err-class-missing",
                        value,
                    });
                }
            }
            Ok(Checked {
                rows,
                counts,
                problems,
                students,
                staff: vec![],
            })
        }
        Kind::Staff => {
            let (staff, mut row_problems) = yanshi_roster::staff(&table);
            problems.append(&mut row_problems);
            let existing: HashMap<String, (String, Option<String>, String)> = state
                .store
                .staff_directory(&school.id)
                .await?
                .into_iter()
                .map(|m| (m.staff_number, (m.name, m.phone, m.title)))
                .collect();
            let mut counts = ImportCounts::default();
            for s in &staff {
                match existing.get(&s.staff_number) {
                    None => counts.created += 1,
                    Some((n, p, t)) if *n == s.name && *p == s.phone.as_ref().map(|p| p.as_str().to_string()) && *t == s.title => {
                        counts.unchanged += 1
                    }
                    Some(_) => counts.updated += 1,
                }
            }
            Ok(Checked {
                rows,
                counts,
                problems,
                students: vec![],
                staff,
            })
        }
    }
}

fn problem_rows(lang: Lang, mut problems: Vec<Problem>) -> (Vec<ProblemRow>, usize) {
    problems.sort_by_key(|p| p.row);
    let more = problems.len().saturating_sub(500);
    let rows = problems
        .into_iter()
        .take(500)
        .map(|p| ProblemRow {
            row: if p.row == 0 { "—".into() } else { p.row.to_string() },
            column: p.column,
            message: lang.t(p.key),
            value: p.value,
        })
        .collect();
    (rows, more)
}

pub async fn upload_students(state: State<AppState>, lang: Lang, me: Me, multipart: Multipart) -> AppResult<Response> {
    upload(state, lang, me, multipart, Kind::Students).await
}

pub async fn upload_staff(state: State<AppState>, lang: Lang, me: Me, multipart: Multipart) -> AppResult<Response> {
    upload(state, lang, me, multipart, Kind::Staff).await
}

/// Step 1: the file is read and every row checked; nothing is written.
async fn upload(State(state): State<AppState>, lang: Lang, me: Me, mut multipart: Multipart, kind: Kind) -> AppResult<Response> {
    let (mut school_field, mut bytes) = (None, None);
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| crate::error::rejection(e.status(), "err-bad-form"))?
    {
        match part.name() {
            Some("school") => school_field = Some(part.text().await.map_err(|e| crate::error::rejection(e.status(), "err-bad-form"))?),
            Some("file") => {
                bytes = Some(
                    part.bytes()
                        .await
                        .map_err(|e| crate::error::rejection(e.status(), "err-bad-form"))?,
                )
            }
            _ => {}
        }
    }
    let school = match school_for(&state, lang, &me, school_field.as_deref(), kind).await? {
        Ok(s) => s,
        Err(_) => return Err(AppError::NotFound),
    };
    let l = Layout::for_user(&state, lang, &me.user).await;
    let q = school_query(&me, &school);
    let mut p = ImportPage::new(l, school, q, kind);
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        p.error = Some("err-file-empty");
        return page(StatusCode::UNPROCESSABLE_ENTITY, p);
    };
    let checked = check(&state, &p.school, kind, &bytes).await?;
    let status = if checked.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    p.rows = Some(checked.rows);
    p.counts = checked.counts;
    (p.problems, p.more_problems) = problem_rows(lang, checked.problems);
    if p.problems.is_empty() {
        p.data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        p.sha = hex::encode(Sha256::digest(&bytes));
    }
    page(status, p)
}

pub async fn confirm_students(state: State<AppState>, lang: Lang, me: Me, form: AppForm<Pairs>) -> AppResult<Response> {
    confirm(state, lang, me, form, Kind::Students).await
}

pub async fn confirm_staff(state: State<AppState>, lang: Lang, me: Me, form: AppForm<Pairs>) -> AppResult<Response> {
    confirm(state, lang, me, form, Kind::Staff).await
}

/// Step 2: the same file, checked again, written in one transaction.
async fn confirm(State(state): State<AppState>, lang: Lang, me: Me, AppForm(f): AppForm<Pairs>, kind: Kind) -> AppResult<Response> {
    let school = match school_for(&state, lang, &me, Some(field(&f, "school")), kind).await? {
        Ok(s) => s,
        Err(_) => return Err(AppError::NotFound),
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(field(&f, "data"))
        .map_err(|_| AppError::BadRequest("err-bad-form"))?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let l = Layout::for_user(&state, lang, &me.user).await;
    let q = school_query(&me, &school);
    let mut p = ImportPage::new(l, school, q, kind);
    // Checked again: the data may have changed since the preview (another import, a new class).
    let checked = check(&state, &p.school, kind, &bytes).await?;
    if !checked.problems.is_empty() {
        p.rows = Some(checked.rows);
        (p.problems, p.more_problems) = problem_rows(lang, checked.problems);
        return page(StatusCode::UNPROCESSABLE_ENTITY, p);
    }
    let actor = Actor::User(me.user.id.clone());
    let now = state.clock.now();
    let counts = match kind {
        Kind::Students => {
            state
                .store
                .import_students(&actor, &p.school.id, &checked.students, &sha, now)
                .await?
        }
        Kind::Staff => state.store.import_staff(&actor, &p.school.id, &checked.staff, &sha, now).await?,
    };
    p.done = Some(counts);
    page(StatusCode::OK, p)
}

fn xlsx(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

pub async fn student_template() -> AppResult<Response> {
    Ok(xlsx(
        "students-template.xlsx",
        yanshi_roster::student_template().map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}

pub async fn staff_template() -> AppResult<Response> {
    Ok(xlsx(
        "staff-template.xlsx",
        yanshi_roster::staff_template().map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}

/// Every active student with guardians, in the import layout. A bulk export of minors' data:
/// school admins only, and audited.
pub async fn export(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    let school = match school_for(&state, lang, &me, q.school.as_deref(), Kind::Students).await? {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let mut rows = Vec::new();
    for class in state.store.classes(&school.id).await? {
        let grade = yanshi_domain::school::Grade::new(class.grade as u32)
            .map(|g| g.name_zh())
            .unwrap_or_default();
        for (s, guardians) in state.store.students_of_class(&class.id).await? {
            rows.push(ExportStudent {
                number: s.number,
                name: s.name,
                gender: s.gender.roster_word().into(),
                birth_date: s.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                grade: grade.clone(),
                class: format!("{}班", class.number),
                guardians: guardians.into_iter().map(|g| (g.name, g.relationship, g.phone)).collect(),
            });
        }
    }
    state
        .store
        .record_export(
            &Actor::User(me.user.id.clone()),
            &school.id,
            "students.xlsx",
            rows.len(),
            state.clock.now(),
        )
        .await?;
    Ok(xlsx(
        "students.xlsx",
        yanshi_roster::export_students(&rows).map_err(|e| AppError::Internal(e.to_string()))?,
    ))
}
