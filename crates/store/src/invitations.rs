//! Guardian invitations (家长邀请码): the school hands a code to a guardian, who creates their
//! own account with it on a phone. A code works once and expires.

use crate::accounts::insert_user;
use crate::audit::Actor;
use crate::notify::{Notice, enqueue};
use crate::random::{bytes, sha256_hex};
use crate::{NewUser, Result, Store, User};
use serde_json::json;
use sqlx::Row;
use time::{Duration, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::account::{DisplayName, InvitationCode, PhoneNumber};
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::{SchoolId, UserId};
use yanshi_domain::role::Role;
use yanshi_i18n::{Args, Message};

/// An invitation as the school sees it (the code itself is shown only once, when issued).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Invitation {
    pub note: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub used_by_name: Option<String>,
}

/// A code issued for one guardian of one child of a class, for the printed slip.
#[derive(Debug, Clone)]
pub struct ClassInvitation {
    pub student_name: String,
    pub guardian_name: String,
    pub relationship: String,
    pub code: InvitationCode,
}

impl Store {
    /// Issues a fresh code for every guardian of the class's children who has no account yet.
    /// A guardian's earlier unused codes stop working, so only the newest slip counts.
    pub async fn create_class_invitations(
        &self,
        actor: &Actor,
        class: &crate::setup::ClassInfo,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<Vec<ClassInvitation>> {
        let creator = match actor {
            Actor::User(id) => id.to_string(),
            _ => return Err(Invalid::new("actor", "err-invitation-needs-user").into()),
        };
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let rows = sqlx::query(
            "SELECT s.name AS student_name, g.id AS guardian_id, g.name AS guardian_name, sg.relationship FROM students s \
             JOIN student_guardians sg ON sg.student_id = s.id JOIN guardians g ON g.id = sg.guardian_id \
             WHERE s.class_id = $1 AND s.active = 1 AND g.user_id IS NULL AND sg.confirmed_at IS NOT NULL ORDER BY s.student_number, sg.is_primary DESC",
        )
        .bind(class.id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut done = std::collections::HashSet::new();
        for r in rows {
            let guardian: String = r.try_get("guardian_id")?;
            let (student_name, guardian_name, relationship): (String, String, String) =
                (r.try_get("student_name")?, r.try_get("guardian_name")?, r.try_get("relationship")?);
            // One code per guardian, even with two children in the class.
            if !done.insert(guardian.clone()) {
                continue;
            }
            sqlx::query("UPDATE guardian_invitations SET expires_at = $2 WHERE guardian_id = $1 AND used_at IS NULL AND expires_at > $2")
                .bind(guardian.clone())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let code = InvitationCode::from_random(bytes::<10>());
            sqlx::query(
                "INSERT INTO guardian_invitations (code_hash, school_id, note, created_by, created_at, expires_at, guardian_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(sha256_hex(code.as_str()))
            .bind(class.school_id.to_string())
            .bind(format!("{} {student_name} {relationship}", class.name))
            .bind(creator.clone())
            .bind(at)
            .bind(to_millis(now + ttl))
            .bind(guardian)
            .execute(&mut *tx)
            .await?;
            out.push(ClassInvitation {
                student_name,
                guardian_name,
                relationship,
                code,
            });
        }
        tx.commit(
            Some(&class.school_id),
            actor,
            "invitation.create_for_class",
            class.id.as_str(),
            json!({ "codes": out.len() }),
            at,
        )
        .await?;
        Ok(out)
    }

    /// Issues a code for one guardian. `note` is for the school's own reference (e.g. "三年级二班 王小明家长").
    pub async fn create_invitation(
        &self,
        actor: &Actor,
        school: &SchoolId,
        note: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<InvitationCode> {
        let note = note.trim();
        if note.chars().count() > 80 || note.chars().any(char::is_control) {
            return Err(Invalid::new("note", "err-note-format").into());
        }
        let code = InvitationCode::from_random(bytes::<10>());
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let creator = match actor {
            Actor::User(id) => id.to_string(),
            _ => return Err(Invalid::new("actor", "err-invitation-needs-user").into()),
        };
        sqlx::query(
            "INSERT INTO guardian_invitations (code_hash, school_id, note, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sha256_hex(code.as_str()))
        .bind(school.to_string())
        .bind(note.to_string())
        .bind(creator)
        .bind(at)
        .bind(to_millis(now + ttl))
        .execute(&mut *tx)
        .await?;
        tx.commit(Some(school), actor, "invitation.create", "", json!({ "note": note }), at)
            .await?;
        Ok(code)
    }

    pub async fn invitations(&self, school: &SchoolId, limit: i64) -> Result<Vec<Invitation>> {
        let rows = sqlx::query(
            "SELECT i.note, i.created_at, i.expires_at, u.display_name AS used_by_name FROM guardian_invitations i \
             LEFT JOIN users u ON u.id = i.used_by WHERE i.school_id = $1 ORDER BY i.created_at DESC LIMIT $2",
        )
        .bind(school.to_string())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Invitation {
                    note: r.try_get("note")?,
                    created_at: from_millis(r.try_get("created_at")?),
                    expires_at: from_millis(r.try_get("expires_at")?),
                    used_by_name: r.try_get("used_by_name")?,
                })
            })
            .collect()
    }

    /// Whether a code is open (known, unspent, unexpired) for a guardian with this phone,
    /// without changing anything: checked before the slow password hash, so a wrong code costs
    /// the server nothing. [`Store::redeem_invitation`] checks again in its transaction.
    pub async fn check_invitation(&self, code: &InvitationCode, phone: &PhoneNumber, now: OffsetDateTime) -> Result<()> {
        let row = sqlx::query(
            "SELECT i.guardian_id, g.phone, g.user_id FROM guardian_invitations i LEFT JOIN guardians g ON g.id = i.guardian_id \
             WHERE i.code_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2",
        )
        .bind(sha256_hex(code.as_str()))
        .bind(to_millis(now))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Err(Invalid::new("invitation_code", "err-invitation-invalid").into());
        };
        if row.try_get::<Option<String>, _>("guardian_id")?.is_none() {
            return Ok(());
        }
        if row.try_get::<Option<String>, _>("user_id")?.is_some() {
            return Err(Invalid::new("invitation_code", "err-invitation-invalid").into());
        }
        let on_record: Option<String> = row.try_get("phone")?;
        same_phone(on_record.as_deref(), phone)
    }

    /// A guardian creates their account with a code. The code is spent in the same
    /// transaction; an unknown, used or expired code changes nothing. A code issued for a
    /// guardian record needs the phone the school has for that guardian: a different one is
    /// refused and changes nothing either.
    pub async fn redeem_invitation(
        &self,
        code: &InvitationCode,
        name: DisplayName,
        phone: PhoneNumber,
        password_hash: String,
        now: OffsetDateTime,
    ) -> Result<User> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "UPDATE guardian_invitations SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING school_id, created_by, guardian_id",
        )
        .bind(sha256_hex(code.as_str()))
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(Invalid::new("invitation_code", "err-invitation-invalid").into());
        };
        let school = SchoolId::from_db(row.try_get("school_id")?);
        let issuer = UserId::from_db(row.try_get("created_by")?);
        let guardian: Option<String> = row.try_get("guardian_id")?;
        if let Some(g) = &guardian {
            let on_record: Option<String> = sqlx::query_scalar("SELECT phone FROM guardians WHERE id = $1")
                .bind(g.clone())
                .fetch_optional(&mut *tx)
                .await?;
            // Dropping the transaction takes the spent code back.
            same_phone(on_record.as_deref(), &phone)?;
        }
        let new = NewUser {
            school_id: Some(school.clone()),
            role: Role::Guardian,
            username: None,
            phone: Some(phone),
            display_name: name,
            password_hash,
        };
        // The guardian acts for themselves: the audit names the new account as its actor.
        let user = insert_user(&mut tx, &Actor::System, new, at).await?;
        sqlx::query("UPDATE guardian_invitations SET used_by = $2 WHERE code_hash = $1")
            .bind(sha256_hex(code.as_str()))
            .bind(user.id.to_string())
            .execute(&mut *tx)
            .await?;
        // A code issued for a guardian record links the account to it: the account then sees
        // that guardian's children, and no others.
        if let Some(g) = &guardian {
            let linked = sqlx::query("UPDATE guardians SET user_id = $2 WHERE id = $1 AND user_id IS NULL")
                .bind(g.clone())
                .bind(user.id.to_string())
                .execute(&mut *tx)
                .await?;
            if linked.rows_affected() == 0 {
                return Err(Invalid::new("invitation_code", "err-invitation-invalid").into());
            }
        }
        tx.audit(
            Some(&school),
            &Actor::User(user.id.clone()),
            "invitation.redeem",
            user.id.as_str(),
            json!({ "guardian": guardian }),
            at,
        )
        .await?;
        let message = Message::new("msg-guardian-signed-up", Args::new().text("name", user.display_name.clone()));
        let notice = Notice::new(&school, vec![issuer], message, false);
        enqueue(tx.tx(), &notice, at).await?;
        tx.commit_audited().await?;
        Ok(user)
    }
}

/// The phone typed at sign-up against the one on the school's record for the guardian (both
/// folded the same way, so `138 0013 8000` and full-width digits match).
fn same_phone(on_record: Option<&str>, typed: &PhoneNumber) -> Result<()> {
    let matches = on_record.is_some_and(|p| match PhoneNumber::parse(p) {
        Ok(p) => p.as_str() == typed.as_str(),
        Err(_) => p == typed.as_str(),
    });
    if matches {
        Ok(())
    } else {
        Err(Invalid::new("phone", "err-invitation-phone").into())
    }
}
