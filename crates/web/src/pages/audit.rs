//! The audit log (审计日志) of a school, with its hash chain verified, as its admins and the
//! district read it (without the school's sensitive details for the district).

use super::{SchoolQuery, page, resolve_school};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::identity::Me;
use crate::layout::Layout;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use yanshi_domain::audit::AuditEntry;
use yanshi_domain::policy::Action;
use yanshi_domain::school_time::format_local;
use yanshi_store::School;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    school: Option<School>,
    schools: Vec<School>,
    entries: Vec<(AuditEntry, String)>,
    chain_ok: bool,
    chain_message: String,
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

pub async fn audit(State(state): State<AppState>, lang: Lang, me: Me, Query(q): Query<SchoolQuery>) -> AppResult<Response> {
    let school = resolve_school(&me, q.school.as_deref(), Action::ViewAudit)?;
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
            },
        );
    };
    let school = state.store.school(&school_id).await?;
    let sensitive = yanshi_domain::policy::may_read_school_sensitive(&me.principal, &school_id);
    let entries = state
        .store
        .audit_entries(Some(&school_id), 200)
        .await?
        .into_iter()
        .map(|mut e| {
            if !sensitive && yanshi_domain::policy::audit_details_are_sensitive(&e.action) {
                e.details = without_sensitive_keys(&e.details);
            }
            let at = format_local(yanshi_domain::clock::from_millis(e.at_ms), &school.time_zone);
            (e, at)
        })
        .collect();
    let report = Some(state.store.verify_audit_chain(Some(&school_id)).await?);
    let (chain_ok, chain_message) = match report.map(|r| r.result) {
        Some(Err(b)) => (false, format!("{b:?}")),
        Some(Ok(n)) => (true, n.to_string()),
        None => (true, "0".into()),
    };
    page(
        StatusCode::OK,
        AuditPage {
            l,
            school: Some(school),
            schools: vec![],
            entries,
            chain_ok,
            chain_message,
        },
    )
}
