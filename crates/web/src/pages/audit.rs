//! The audit log (审计日志) of a school, with its hash chain verified, as its admins and the
//! district read it (without the school's sensitive details for the district): each entry a
//! sentence — who (name and role), what, about which child, when (school time) and what changed —
//! filtered by person, child and date in SQL, a page at a time.

use super::audit_details::{Change, Names, changes};
use super::page;
use super::resolve_school;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::{Layout, role_key};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::Date;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::StudentId;
use yanshi_domain::policy::Action;
use yanshi_domain::school_time::{at, format_local};
use yanshi_store::School;
use yanshi_store::audit_view::AuditFilter;

/// Entries on one page; "更早的记录" shows the next.
pub const PAGE_SIZE: i64 = 50;

/// The page's query as sent: every field optional, an empty one (a form's blank field) the same
/// as none. Read once into [`Filter`]; a bad value is a 400 that says which.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    school: String,
    /// Who made the change (the person filter).
    #[serde(default)]
    actor: String,
    /// The child the change concerns.
    #[serde(default)]
    child: String,
    /// The first day (YYYY-MM-DD, the school's calendar).
    #[serde(default)]
    from: String,
    /// The last day, included.
    #[serde(default)]
    to: String,
    /// Entries older than this number (the next page).
    #[serde(default)]
    before: String,
}

/// The query checked: what the store filters by, in the school's days.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub actor: Option<String>,
    pub child: Option<StudentId>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub before: Option<i64>,
}

impl TryFrom<&AuditQuery> for Filter {
    type Error = AppError;

    fn try_from(q: &AuditQuery) -> Result<Self, AppError> {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let actor = some(&q.actor);
        if actor.as_ref().is_some_and(|a| a.len() > 64) {
            return Err(AppError::BadRequest("err-audit-actor"));
        }
        let child = match some(&q.child) {
            Some(c) => Some(StudentId::parse(&c).ok_or(AppError::BadRequest("err-audit-child"))?),
            None => None,
        };
        let day = |s: &str| match some(s) {
            Some(d) => parse_date(&d).map(Some).ok_or(AppError::BadRequest("err-audit-date")),
            None => Ok(None),
        };
        let (from, to) = (day(&q.from)?, day(&q.to)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(AppError::BadRequest("err-audit-date-order"));
        }
        let before = match some(&q.before) {
            Some(b) => Some(
                b.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(AppError::BadRequest("err-audit-page"))?,
            ),
            None => None,
        };
        Ok(Filter {
            actor,
            child,
            from,
            to,
            before,
        })
    }
}

impl Filter {
    /// The store's filter: the school's days as instants.
    fn for_store(&self, zone: &str) -> AuditFilter {
        let midnight = time::Time::MIDNIGHT;
        AuditFilter {
            actor: self.actor.clone(),
            student: self.child.clone(),
            from_ms: self.from.map(|d| to_millis(at(d, midnight, zone))),
            until_ms: self.to.and_then(|d| d.next_day()).map(|d| to_millis(at(d, midnight, zone))),
            before_seq: self.before,
        }
    }

    /// The query string of this filter (for the next page's link), with `before` set.
    fn query(&self, school: Option<&str>, before: i64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(s) = school {
            pairs.push(("school", s.to_string()));
        }
        if let Some(a) = &self.actor {
            pairs.push(("actor", a.clone()));
        }
        if let Some(c) = &self.child {
            pairs.push(("child", c.to_string()));
        }
        if let Some(f) = self.from {
            pairs.push(("from", f.to_string()));
        }
        if let Some(t) = self.to {
            pairs.push(("to", t.to_string()));
        }
        pairs.push(("before", before.to_string()));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// One entry as a sentence.
pub struct EntryView {
    pub seq: i64,
    pub at: String,
    pub who: String,
    /// The actor's id, for "this person's changes" (none for the server itself).
    pub actor: String,
    pub what: String,
    pub action: String,
    pub child: Option<(String, String)>,
    pub subject: Option<String>,
    pub changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    school: Option<School>,
    schools: Vec<School>,
    entries: Vec<EntryView>,
    chain_ok: bool,
    chain_message: String,
    /// The district admin's `school` (kept in the filter form and links), else empty.
    school_param: String,
    actors: Vec<(String, String)>,
    children: Vec<(String, String)>,
    actor: String,
    child: String,
    from: String,
    to: String,
    filtered: bool,
    older: Option<String>,
}

/// Audit details with the sensitive keys left out (a custody level, a refusal's reason).
fn without_sensitive_keys(details: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(details) {
        Ok(serde_json::Value::Object(mut map)) => {
            for key in yanshi_domain::policy::SENSITIVE_AUDIT_KEYS {
                if map.remove(*key).is_some() {
                    map.insert((*key).to_string(), serde_json::Value::String("…".into()));
                }
            }
            serde_json::Value::Object(map).to_string()
        }
        // Not an object: show nothing rather than guess.
        _ => "{}".into(),
    }
}

/// Who an actor is, in words: 王老师（班主任）, 命令行, 系统.
fn who(l: &Layout, actor: &str, account: Option<&(String, yanshi_domain::role::Role)>) -> String {
    match (actor, account) {
        (_, Some((name, role))) => l.t.0.render(
            "ui-person-with-role",
            &yanshi_i18n::Args::new().text("name", name).text("role", l.t.get(role_key(*role))),
        ),
        ("cli", None) => l.t.get("ui-audit-actor-cli").to_string(),
        ("system", None) => l.t.get("ui-audit-actor-system").to_string(),
        (other, None) => other.to_string(),
    }
}

pub async fn audit(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    let school = resolve_school(&me, Some(q.school.as_str()), Action::ViewAudit)?;
    let filter = Filter::try_from(&q)?;
    let l = Layout::for_user(&state, lang, &me.user).await;
    let Some(school_id) = school else {
        let schools = state.store.schools().await?;
        return page(
            StatusCode::OK,
            AuditPage {
                l,
                school: None,
                schools,
                entries: vec![],
                chain_ok: true,
                chain_message: String::new(),
                school_param: String::new(),
                actors: vec![],
                children: vec![],
                actor: String::new(),
                child: String::new(),
                from: String::new(),
                to: String::new(),
                filtered: false,
                older: None,
            },
        );
    };
    let school = state.store.school(&school_id).await?;
    let sensitive = yanshi_domain::policy::may_read_school_sensitive(&me.principal, &school_id);
    let actors: Vec<(String, String)> = state
        .store
        .audit_actors(Some(&school_id))
        .await?
        .into_iter()
        .map(|a| {
            let account = a.name.clone().zip(a.role);
            let label = who(&l, &a.actor, account.as_ref());
            (a.actor, label)
        })
        .collect();
    let students = state.store.audit_students(Some(&school_id)).await?;
    let mut names: Names = state
        .store
        .users_of_school(Some(&school_id))
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.display_name))
        .collect();
    names.extend(students.iter().map(|(id, name, _)| (id.to_string(), name.clone())));
    // Classes, terms and staff records an entry names read by their names too (三年级二班, 2026秋).
    names.extend(
        state
            .store
            .classes(&school_id)
            .await?
            .into_iter()
            .map(|c| (c.id.to_string(), c.name)),
    );
    names.extend(state.store.terms(&school_id).await?.into_iter().map(|t| (t.id.to_string(), t.name)));
    names.extend(
        state
            .store
            .staff_directory(&school_id)
            .await?
            .into_iter()
            .map(|m| (m.id.to_string(), m.name)),
    );
    let children = students
        .into_iter()
        .map(|(id, name, number)| (id.to_string(), format!("{name}（{number}）")))
        .collect();
    let rows = state
        .store
        .audit_rows(Some(&school_id), &filter.for_store(&school.time_zone), PAGE_SIZE)
        .await?;
    let older = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|r| r.entry.seq))
        .flatten()
        .map(|seq| filter.query(me.principal.school_id.is_none().then_some(school_id.as_str()), seq));
    let entries = rows
        .into_iter()
        .map(|r| {
            let mut e = r.entry;
            if !sensitive && yanshi_domain::policy::audit_details_are_sensitive(&e.action) {
                e.details = without_sensitive_keys(&e.details);
            }
            EntryView {
                seq: e.seq,
                at: format_local(from_millis(e.at_ms), &school.time_zone),
                who: who(&l, &e.actor, r.actor.as_ref()),
                what: l.t.audit_action(&e.action).to_string(),
                changes: changes(l.t, &e.action, &e.details, &names),
                // What else the entry is about, where it has a name: an account, a class, a term.
                subject: names
                    .get(&e.subject)
                    .filter(|_| r.student.is_none() && e.subject != e.actor)
                    .cloned(),
                child: r.student.map(|(id, name, _)| (id.to_string(), name)),
                actor: e.actor,
                action: e.action,
            }
        })
        .collect();
    let report = state.store.verify_audit_chain(Some(&school_id)).await?;
    let (chain_ok, chain_message) = match report.result {
        Err(b) => (false, format!("{b:?}")),
        Ok(n) => (true, n.to_string()),
    };
    let filtered = filter != Filter::default();
    page(
        StatusCode::OK,
        AuditPage {
            school_param: if me.principal.school_id.is_none() {
                school_id.to_string()
            } else {
                String::new()
            },
            l,
            school: Some(school),
            schools: vec![],
            entries,
            chain_ok,
            chain_message,
            actors,
            children,
            actor: filter.actor.clone().unwrap_or_default(),
            child: filter.child.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            from: filter.from.map(|d| d.to_string()).unwrap_or_default(),
            to: filter.to.map(|d| d.to_string()).unwrap_or_default(),
            filtered,
            older,
        },
    )
}
