//! 监护人关系: which guardians a child has, how each came to be linked (the school's roster
//! import, or a staff member's change that a second school admin confirms), and how the
//! guardian's account came to be linked to that record (an invitation for that record). A link takes effect — for enrolment, the guardian's view of the child and the child's
//! notices — only once it is confirmed ([`CONFIRMED`]).

use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::{OnConflict, Result, Store, StoreError, Tx, User};
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yanshi_domain::Invalid;
use yanshi_domain::account::{DisplayName, PhoneNumber};
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::family::parse_relationship;
use yanshi_domain::ids::{ClassId, GuardianId, SchoolId, StudentId, UserId};
use yanshi_domain::policy::may_confirm_guardian_link;
use yanshi_i18n::{Args, Message};

/// The SQL condition (on `student_guardians sg`) for a link in effect.
pub(crate) const CONFIRMED: &str = "sg.confirmed_at IS NOT NULL";

/// Where a link between a child and a guardian came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum LinkSource {
    /// The school's roster (学生花名册) import.
    Import,
    /// Added by a staff member on the child's page.
    Staff,
}

impl LinkSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkSource::Import => "IMPORT",
            LinkSource::Staff => "STAFF",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "IMPORT" => Ok(LinkSource::Import),
            "STAFF" => Ok(LinkSource::Staff),
            other => Err(StoreError::Corrupt(format!("student_guardians.source = {other}"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GuardianLink {
    pub guardian_id: GuardianId,
    pub name: String,
    pub phone: String,
    pub relationship: String,
    pub is_primary: bool,
    pub has_account: bool,
    pub source: LinkSource,
    pub added_by: Option<UserId>,
    pub added_by_name: Option<String>,
    /// Confirmed links are in effect; a staff member's change waits for a second admin.
    pub confirmed: bool,
    pub confirmed_by_name: Option<String>,
    #[serde(skip)]
    pub confirmed_at: Option<OffsetDateTime>,
    /// How the guardian's account was linked to this record (`INVITATION`, `DIRECT`).
    pub account_linked_via: Option<String>,
    #[serde(skip)]
    pub account_linked_at: Option<OffsetDateTime>,
}

/// An account is linked by an invitation for this guardian record (its code spent by that
/// account), or directly (the demo).
pub(crate) const LINKS: &str = "SELECT sg.student_id, sg.guardian_id, sg.relationship, sg.is_primary, sg.source, sg.added_by, \
     sg.confirmed_at, g.name, g.phone, g.user_id, gi.used_at AS account_linked_at, \
     CASE WHEN gi.used_at IS NOT NULL THEN 'INVITATION' WHEN g.user_id IS NOT NULL THEN 'DIRECT' END AS account_linked_via, \
     ua.display_name AS added_by_name, uc.display_name AS confirmed_by_name \
     FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id \
     LEFT JOIN guardian_invitations gi ON gi.guardian_id = g.id AND gi.used_by = g.user_id \
     LEFT JOIN users ua ON ua.id = sg.added_by LEFT JOIN users uc ON uc.id = sg.confirmed_by";

pub(crate) fn link_from_row(r: &sqlx::any::AnyRow) -> Result<GuardianLink> {
    let confirmed_at: Option<i64> = r.try_get("confirmed_at")?;
    Ok(GuardianLink {
        guardian_id: GuardianId::from_db(r.try_get("guardian_id")?),
        name: r.try_get("name")?,
        phone: r.try_get("phone")?,
        relationship: r.try_get("relationship")?,
        is_primary: r.try_get::<i64, _>("is_primary")? != 0,
        has_account: r.try_get::<Option<String>, _>("user_id")?.is_some(),
        source: LinkSource::parse(&r.try_get::<String, _>("source")?)?,
        added_by: r.try_get::<Option<String>, _>("added_by")?.map(UserId::from_db),
        added_by_name: r.try_get("added_by_name")?,
        confirmed: confirmed_at.is_some(),
        confirmed_by_name: r.try_get("confirmed_by_name")?,
        // 0: confirmed before links were recorded (an import).
        confirmed_at: confirmed_at.filter(|at| *at > 0).map(from_millis),
        account_linked_via: r.try_get("account_linked_via")?,
        account_linked_at: r.try_get::<Option<i64>, _>("account_linked_at")?.map(from_millis),
    })
}

/// A staff member's change waiting for a second school admin.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PendingLink {
    pub student_id: StudentId,
    pub student_name: String,
    pub class_id: ClassId,
    pub link: GuardianLink,
    #[serde(skip)]
    pub added_at: OffsetDateTime,
}

/// The guardian accounts of a child whose link is in effect: they see the child and hear of it.
pub(crate) async fn confirmed_guardian_accounts(tx: &mut Tx, student: &StudentId) -> Result<Vec<UserId>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT g.user_id FROM student_guardians sg JOIN guardians g ON g.id = sg.guardian_id \
         WHERE sg.student_id = $1 AND g.user_id IS NOT NULL AND {CONFIRMED}"
    ));
    let ids: Vec<String> = sqlx::query_scalar(sql).bind(student.to_string()).fetch_all(&mut **tx).await?;
    Ok(ids.into_iter().map(UserId::from_db).collect())
}

async fn school_admins(tx: &mut Tx, school: &SchoolId) -> Result<Vec<UserId>> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE school_id = $1 AND role = 'school_admin' AND disabled_at IS NULL")
            .bind(school.to_string())
            .fetch_all(&mut **tx)
            .await?;
    Ok(ids.into_iter().map(UserId::from_db).collect())
}

async fn load_link(tx: &mut Tx, student: &StudentId, guardian: &GuardianId) -> Result<GuardianLink> {
    let sql = sqlx::AssertSqlSafe(format!("{LINKS} WHERE sg.student_id = $1 AND sg.guardian_id = $2"));
    let row = sqlx::query(sql)
        .bind(student.to_string())
        .bind(guardian.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    link_from_row(&row)
}

impl Store {
    pub async fn guardians_of(&self, student: &StudentId) -> Result<Vec<GuardianLink>> {
        let sql = sqlx::AssertSqlSafe(format!("{LINKS} WHERE sg.student_id = $1 ORDER BY sg.is_primary DESC, g.name"));
        let rows = sqlx::query(sql).bind(student.to_string()).fetch_all(self.pool()).await?;
        rows.iter().map(link_from_row).collect()
    }

    /// A staff member adds a guardian to a child (or links an existing guardian record with the
    /// same phone). The link waits for a second school admin; the child's guardians and the
    /// school's other admins are told.
    pub async fn add_guardian(
        &self,
        who: &User,
        student: &StudentId,
        name: DisplayName,
        relationship: &str,
        phone: PhoneNumber,
        now: OffsetDateTime,
    ) -> Result<GuardianId> {
        let relationship = parse_relationship(relationship)?;
        let s = self.student(student).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let existing: Option<String> = sqlx::query_scalar("SELECT id FROM guardians WHERE school_id = $1 AND phone = $2")
            .bind(s.school_id.to_string())
            .bind(phone.as_str().to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let id = match existing {
            Some(id) => GuardianId::from_db(id),
            None => {
                let id = GuardianId::new();
                sqlx::query("INSERT INTO guardians (id, school_id, name, phone, updated_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id.to_string())
                    .bind(s.school_id.to_string())
                    .bind(name.as_str().to_string())
                    .bind(phone.as_str().to_string())
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                id
            }
        };
        let first: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM student_guardians WHERE student_id = $1")
            .bind(student.to_string())
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO student_guardians (student_id, guardian_id, relationship, is_primary, source, added_by, added_at) \
             VALUES ($1, $2, $3, $4, 'STAFF', $5, $6)",
        )
        .bind(student.to_string())
        .bind(id.to_string())
        .bind(relationship.clone())
        .bind(i64::from(first == 0))
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await
        .on_conflict("phone", "err-guardian-linked")?;
        tx.audit(
            Some(&s.school_id),
            &Actor::User(who.id.clone()),
            "guardian.link",
            student.as_str(),
            json!({ "guardian": id.as_str(), "relationship": relationship, "confirmed": false }),
            at,
        )
        .await?;
        let name = name.as_str();
        let guardians = confirmed_guardian_accounts(tx.tx(), student).await?;
        let admins: Vec<UserId> = school_admins(tx.tx(), &s.school_id)
            .await?
            .into_iter()
            .filter(|a| *a != who.id)
            .collect();
        let args = Args::new()
            .text("student", s.name.clone())
            .text("guardian", name)
            .text("relationship", relationship.clone())
            .text("by", who.display_name.clone());
        for (recipients, key) in [(guardians, "msg-guardian-added"), (admins, "msg-guardian-to-confirm")] {
            if !recipients.is_empty() {
                let notice = Notice::new(&s.school_id, recipients, Message::new(key, args.clone()), false);
                enqueue(tx.tx(), &notice, at).await?;
            }
        }
        tx.commit_audited().await?;
        Ok(id)
    }

    /// A second school admin confirms a staff member's change: from now on the guardian may
    /// apply and sign for the child.
    pub async fn confirm_guardian_link(&self, who: &User, student: &StudentId, guardian: &GuardianId, now: OffsetDateTime) -> Result<()> {
        let s = self.student(student).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let link = load_link(tx.tx(), student, guardian).await?;
        if !may_confirm_guardian_link(&who.principal(), &s.school_id, link.added_by.as_ref()) {
            return Err(Invalid::new("guardian", "err-guardian-confirm-second-admin").into());
        }
        if link.confirmed {
            return Err(Invalid::new("guardian", "err-guardian-already-confirmed").into());
        }
        sqlx::query(
            "UPDATE student_guardians SET confirmed_by = $3, confirmed_at = $4 WHERE student_id = $1 AND guardian_id = $2 AND confirmed_at IS NULL",
        )
        .bind(student.to_string())
        .bind(guardian.to_string())
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit(
            Some(&s.school_id),
            &Actor::User(who.id.clone()),
            "guardian.confirm",
            student.as_str(),
            json!({ "guardian": guardian.as_str(), "added_by": link.added_by.as_ref().map(|u| u.as_str().to_string()) }),
            at,
        )
        .await?;
        Ok(())
    }

    /// A staff member's change turned down by a second school admin (or withdrawn by the one who
    /// made it): the link is removed. A confirmed link is not removed this way.
    pub async fn reject_guardian_link(&self, who: &User, student: &StudentId, guardian: &GuardianId, now: OffsetDateTime) -> Result<()> {
        let s = self.student(student).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let link = load_link(tx.tx(), student, guardian).await?;
        let own = link.added_by.as_ref() == Some(&who.id);
        if !(own || may_confirm_guardian_link(&who.principal(), &s.school_id, link.added_by.as_ref())) {
            return Err(Invalid::new("guardian", "err-guardian-confirm-second-admin").into());
        }
        if link.confirmed {
            return Err(Invalid::new("guardian", "err-guardian-already-confirmed").into());
        }
        sqlx::query("DELETE FROM student_guardians WHERE student_id = $1 AND guardian_id = $2 AND confirmed_at IS NULL")
            .bind(student.to_string())
            .bind(guardian.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(&s.school_id),
            &Actor::User(who.id.clone()),
            "guardian.reject",
            student.as_str(),
            json!({ "guardian": guardian.as_str(), "withdrawn": own }),
            at,
        )
        .await?;
        Ok(())
    }

    /// The school's guardian changes waiting for a second admin, oldest first.
    pub async fn pending_guardian_links(&self, school: &SchoolId) -> Result<Vec<PendingLink>> {
        let columns = LINKS.trim_start_matches("SELECT ");
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT s.name AS student_name, s.class_id, sg.added_at, {columns} JOIN students s ON s.id = sg.student_id \
             WHERE s.school_id = $1 AND sg.confirmed_at IS NULL ORDER BY sg.added_at"
        ));
        let rows = sqlx::query(sql).bind(school.to_string()).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(PendingLink {
                    student_id: StudentId::from_db(r.try_get("student_id")?),
                    student_name: r.try_get("student_name")?,
                    class_id: ClassId::from_db(r.try_get("class_id")?),
                    added_at: from_millis(r.try_get::<Option<i64>, _>("added_at")?.unwrap_or(0)),
                    link: link_from_row(r)?,
                })
            })
            .collect()
    }
}
