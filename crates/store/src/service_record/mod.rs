//! 延时服务记录 — a class's daily service record — and the workload entries (工作量) its signature
//! writes. The draft is built from the day's data each time it is read; only the class
//! teacher's notes are stored until the record is signed. Signing freezes the facts, hashes the
//! signed text and writes who took the session, when and for how long. A signed record is never
//! changed: corrections are appended, and a school leader may mark it checked (核查).

mod draft;
mod signing;
mod workload;

use crate::afternoon::ExpectedChild;
use crate::audit::Actor;
use crate::random::sha256_hex;
use crate::setup::ClassInfo;
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::DayStatus;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::{ClassId, RecordId, SchoolId, UserId};
use yanshi_domain::policy::{is_school_leader, may_correct_service_record, may_sign_service_record};
use yanshi_domain::school::format_clock;
use yanshi_domain::school_time::{at, local};
use yanshi_domain::service_record::{DayCounts, WorkloadRole, minutes_between, session_end};

/// One person who took (part of) the session, and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffLine {
    pub user_id: String,
    pub name: String,
    /// A [`WorkloadRole`] name.
    pub role: String,
    /// UTC milliseconds.
    pub from: i64,
    pub to: i64,
    pub minutes: u32,
}

/// What the day's data says about a class's session: the record's body. Frozen as JSON when
/// the record is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFacts {
    pub class: String,
    pub classroom: Option<String>,
    pub day: Date,
    /// "15:30", "18:00" in the school's time.
    pub start: String,
    pub end: String,
    pub content: Option<String>,
    pub content_note: String,
    pub staff: Vec<StaffLine>,
    pub counts: DayCounts,
    /// "17:10 描述（报告人）"
    pub incidents: Vec<String>,
    /// Children who waited past the end time: "张三 18:12 王丽（母亲）".
    pub late: Vec<String>,
    /// Expected children marked absent, with what became of them.
    pub absent: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub at: OffsetDateTime,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub text: String,
    pub by: String,
    pub at: OffsetDateTime,
}

/// A class's record for a day: a live draft until signed, then frozen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    pub facts: RecordFacts,
    pub notes: String,
    pub signed: Option<Signature>,
    /// A school leader's check (值班领导核查): who and when.
    pub checked: Option<(String, OffsetDateTime)>,
    pub corrections: Vec<Correction>,
}

impl ServiceRecord {
    /// The exact text a signature covers (the facts and the notes) and its SHA-256: the page
    /// sends back the hash of what the teacher read, and a record that changed since is not
    /// signed.
    pub fn signing_text(&self) -> Result<(String, String)> {
        let text = serde_json::to_string(&json!({ "facts": self.facts, "notes": self.notes }))
            .map_err(|e| StoreError::Corrupt(format!("record text: {e}")))?;
        let sha = sha256_hex(&text);
        Ok((text, sha))
    }
}

/// One row of the workload ground truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadEntry {
    pub user_id: UserId,
    pub name: String,
    pub class: String,
    pub day: Date,
    pub role: String,
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub minutes: u32,
}

impl Store {
    /// The class's record for `day`: the signed one, or a draft from the day's data with the
    /// class teacher's saved notes.
    pub async fn service_record(&self, class: &ClassInfo, day: Date) -> Result<ServiceRecord> {
        let row = sqlx::query(
            "SELECT r.id, r.notes, r.status, r.facts, r.text_sha256, r.signed_name, r.signed_at, r.checked_at, c.display_name AS checker \
             FROM service_records r LEFT JOIN users c ON c.id = r.checked_by WHERE r.class_id = $1 AND r.day = $2",
        )
        .bind(class.id.to_string())
        .bind(day.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(ServiceRecord {
                facts: self.draft_facts(class, day).await?,
                notes: String::new(),
                signed: None,
                checked: None,
                corrections: Vec::new(),
            });
        };
        let id: String = row.try_get("id")?;
        let status: String = row.try_get("status")?;
        let notes: String = row.try_get("notes")?;
        if status != "SIGNED" {
            return Ok(ServiceRecord {
                facts: self.draft_facts(class, day).await?,
                notes,
                signed: None,
                checked: None,
                corrections: Vec::new(),
            });
        }
        let facts: String = row.try_get::<Option<String>, _>("facts")?.unwrap_or_default();
        let facts: RecordFacts =
            serde_json::from_str(&facts).map_err(|e| StoreError::Corrupt(format!("service_records.facts of {id}: {e}")))?;
        let signed = Some(Signature {
            name: row.try_get::<Option<String>, _>("signed_name")?.unwrap_or_default(),
            at: from_millis(row.try_get::<Option<i64>, _>("signed_at")?.unwrap_or_default()),
            sha256: row.try_get::<Option<String>, _>("text_sha256")?.unwrap_or_default(),
        });
        let checked = match row.try_get::<Option<i64>, _>("checked_at")? {
            Some(at) => Some((row.try_get::<Option<String>, _>("checker")?.unwrap_or_default(), from_millis(at))),
            None => None,
        };
        let corrections = sqlx::query(
            "SELECT k.text, k.at, u.display_name FROM service_record_corrections k JOIN users u ON u.id = k.by_user WHERE k.record_id = $1 ORDER BY k.at, k.id",
        )
        .bind(&id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(Correction {
                text: r.try_get("text")?,
                by: r.try_get("display_name")?,
                at: from_millis(r.try_get("at")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(ServiceRecord {
            facts,
            notes,
            signed,
            checked,
            corrections,
        })
    }

    /// The class teacher's notes on a draft. A signed record is not changed.
    pub async fn save_record_notes(&self, who: &crate::User, class: &ClassInfo, day: Date, notes: &str, now: OffsetDateTime) -> Result<()> {
        only_class_teacher(who, class)?;
        let notes = yanshi_domain::service_record::notes(notes)?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM service_records WHERE class_id = $1 AND day = $2")
            .bind(class.id.to_string())
            .bind(day.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        match status.as_deref() {
            Some("SIGNED") => return Err(Invalid::new("record", "err-record-signed").into()),
            Some(_) => {
                let saved = sqlx::query(
                    "UPDATE service_records SET notes = $1, updated_by = $2, updated_at = $3 WHERE class_id = $4 AND day = $5 AND status = 'DRAFT'",
                )
                .bind(&notes)
                .bind(who.id.to_string())
                .bind(at)
                .bind(class.id.to_string())
                .bind(day.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // Signed in the meantime (PostgreSQL re-checks the row after waiting for it).
                if saved == 0 {
                    return Err(Invalid::new("record", "err-record-signed").into());
                }
            }
            None => {
                sqlx::query(
                    "INSERT INTO service_records (id, school_id, class_id, day, notes, status, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, 'DRAFT', $6, $7)",
                )
                .bind(RecordId::new().to_string())
                .bind(class.school_id.to_string())
                .bind(class.id.to_string())
                .bind(day.to_string())
                .bind(&notes)
                .bind(who.id.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit(
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "service_record.notes",
            class.id.as_str(),
            json!({ "day": day.to_string(), "notes": notes }),
            at,
        )
        .await?;
        Ok(())
    }

    /// Which classes of a school have a signed record for `day` (class ids).
    pub async fn signed_records(&self, school: &SchoolId, day: Date) -> Result<Vec<ClassId>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT class_id FROM service_records WHERE school_id = $1 AND day = $2 AND status = 'SIGNED'")
                .bind(school.to_string())
                .bind(day.to_string())
                .fetch_all(self.pool())
                .await?;
        Ok(ids.into_iter().map(ClassId::from_db).collect())
    }
}

/// Notes and the signature are the class teacher's own (no signing for others).
fn only_class_teacher(who: &crate::User, class: &ClassInfo) -> Result<()> {
    if may_sign_service_record(&who.principal(), &class.scope()) {
        Ok(())
    } else {
        Err(StoreError::Forbidden("err-record-not-yours"))
    }
}
