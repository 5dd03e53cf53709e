//! The audit log as its page reads it: each entry with who made it (name and role) and the
//! child it concerns, filtered in SQL by person, child and time, newest first, a page at a time.

use crate::audit::scope_of;
use crate::{Result, Store, StoreError};
use sqlx::Row;
use yanshi_domain::audit::AuditEntry;
use yanshi_domain::ids::{SchoolId, StudentId};
use yanshi_domain::role::Role;

/// What the page asks for; every part may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Who made the change, as stored (a user's id, `cli` or `system`).
    pub actor: Option<String>,
    /// The child the change concerns: the entry's subject is the child, an application,
    /// agreement or leave of the child, or its details name the child.
    pub student: Option<StudentId>,
    /// From this instant (UTC milliseconds) on.
    pub from_ms: Option<i64>,
    /// Before this instant (UTC milliseconds).
    pub until_ms: Option<i64>,
    /// Only entries older than this one (the next page).
    pub before_seq: Option<i64>,
}

/// One entry as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub entry: AuditEntry,
    /// The actor's account, where the actor is one (not the command line or the server).
    pub actor: Option<(String, Role)>,
    /// The child the entry concerns, where its subject leads to one: id, name, 学号.
    pub student: Option<(StudentId, String, String)>,
}

/// A person who appears in a log, for the filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditActor {
    pub actor: String,
    pub name: Option<String>,
    pub role: Option<Role>,
}

/// The joins that lead from an entry's subject to its actor's account and to a child.
const FROM: &str = "FROM audit_log a \
     LEFT JOIN users u ON u.id = a.actor \
     LEFT JOIN enrolments e ON e.id = a.subject \
     LEFT JOIN agreements ag ON ag.id = a.subject \
     LEFT JOIN enrolments ea ON ea.id = ag.enrolment_id \
     LEFT JOIN leave_requests lr ON lr.id = a.subject \
     LEFT JOIN students st ON st.id = COALESCE(e.student_id, ea.student_id, lr.student_id, a.subject)";

fn role_of(code: Option<String>) -> Result<Option<Role>> {
    code.map(|c| Role::parse(&c).ok_or_else(|| StoreError::Corrupt(format!("users.role = {c}"))))
        .transpose()
}

impl Store {
    /// Up to `limit` entries of a school's chain (or the district's) that match `filter`,
    /// newest first.
    pub async fn audit_rows(&self, school: Option<&SchoolId>, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditRow>> {
        let mut conditions = vec!["a.scope = $1".to_string()];
        let mut binds: Vec<Bind> = vec![Bind::Text(scope_of(school).to_string())];
        if let Some(actor) = &filter.actor {
            let p = next(Bind::Text(actor.clone()), &mut binds);
            conditions.push(format!("a.actor = {p}"));
        }
        if let Some(student) = &filter.student {
            let p = next(Bind::Text(student.to_string()), &mut binds);
            // serde_json writes details without spaces: {"student":"…"}.
            let like = next(Bind::Text(format!("%\"student\":\"{student}\"%")), &mut binds);
            conditions.push(format!("(st.id = {p} OR a.details LIKE {like})"));
        }
        if let Some(from) = filter.from_ms {
            let p = next(Bind::Int(from), &mut binds);
            conditions.push(format!("a.at >= {p}"));
        }
        if let Some(until) = filter.until_ms {
            let p = next(Bind::Int(until), &mut binds);
            conditions.push(format!("a.at < {p}"));
        }
        if let Some(before) = filter.before_seq {
            let p = next(Bind::Int(before), &mut binds);
            conditions.push(format!("a.seq < {p}"));
        }
        let lim = next(Bind::Int(limit), &mut binds);
        let sql = format!(
            "SELECT a.*, u.display_name AS actor_name, u.role AS actor_role, st.id AS student_id, \
             st.name AS student_name, st.student_number AS student_number {FROM} WHERE {} ORDER BY a.seq DESC LIMIT {lim}",
            conditions.join(" AND ")
        );
        // Only placeholders and fixed text are formatted in; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = match b {
                Bind::Text(t) => q.bind(t),
                Bind::Int(i) => q.bind(i),
            };
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let entry = crate::audit::entry_from_row(r)?;
                let actor = match (r.try_get::<Option<String>, _>("actor_name")?, role_of(r.try_get("actor_role")?)?) {
                    (Some(n), Some(role)) => Some((n, role)),
                    _ => None,
                };
                let student = match r.try_get::<Option<String>, _>("student_id")? {
                    Some(id) => Some((
                        StudentId::from_db(id),
                        r.try_get::<Option<String>, _>("student_name")?.unwrap_or_default(),
                        r.try_get::<Option<String>, _>("student_number")?.unwrap_or_default(),
                    )),
                    None => None,
                };
                Ok(AuditRow { entry, actor, student })
            })
            .collect()
    }

    /// Everyone who appears as the actor of a chain, by name: the page's person filter.
    pub async fn audit_actors(&self, school: Option<&SchoolId>) -> Result<Vec<AuditActor>> {
        let rows = sqlx::query(
            "SELECT DISTINCT a.actor AS actor, u.display_name AS name, u.role AS role FROM audit_log a \
             LEFT JOIN users u ON u.id = a.actor WHERE a.scope = $1 ORDER BY name, actor",
        )
        .bind(scope_of(school).to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditActor {
                    actor: r.try_get("actor")?,
                    name: r.try_get("name")?,
                    role: role_of(r.try_get("role")?)?,
                })
            })
            .collect()
    }

    /// Every child a chain's entries lead to (id, name, 学号), by name: the page's child filter.
    pub async fn audit_students(&self, school: Option<&SchoolId>) -> Result<Vec<(StudentId, String, String)>> {
        let sql = format!(
            "SELECT DISTINCT st.id AS id, st.name AS name, st.student_number AS number {FROM} \
             WHERE a.scope = $1 AND st.id IS NOT NULL ORDER BY name, number"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(scope_of(school).to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((StudentId::from_db(r.try_get("id")?), r.try_get("name")?, r.try_get("number")?)))
            .collect()
    }
}

enum Bind {
    Text(String),
    Int(i64),
}

/// Adds a value and returns its placeholder (`$3`).
fn next(b: Bind, binds: &mut Vec<Bind>) -> String {
    binds.push(b);
    format!("${}", binds.len())
}
