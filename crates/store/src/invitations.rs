//! Guardian invitations (家长邀请码): the school hands a code to a guardian, who creates their
//! own account with it on a phone. A code works once and expires.

use crate::accounts::insert_user;
use crate::audit::{Actor, append};
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

impl Store {
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
        let mut tx = self.begin().await?;
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
        append(
            &mut tx,
            Some(school),
            actor,
            "invitation.create",
            "",
            json!({ "note": note }),
            at,
        )
        .await?;
        tx.commit().await?;
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

    /// A guardian creates their account with a code. The code is spent in the same
    /// transaction; an unknown, used or expired code changes nothing.
    pub async fn redeem_invitation(
        &self,
        code: &InvitationCode,
        name: DisplayName,
        phone: PhoneNumber,
        password_hash: String,
        now: OffsetDateTime,
    ) -> Result<User> {
        let at = to_millis(now);
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "UPDATE guardian_invitations SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING school_id, created_by",
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
        append(
            &mut tx,
            Some(&school),
            &Actor::User(user.id.clone()),
            "invitation.redeem",
            user.id.as_str(),
            json!({}),
            at,
        )
        .await?;
        let notice = Notice {
            school: school.clone(),
            recipients: vec![issuer],
            title: "家长已注册 / A guardian has signed up".into(),
            body: format!(
                "{} 已用邀请码创建账号。/ {} created an account with an invitation code.",
                user.display_name, user.display_name
            ),
            external: false,
        };
        enqueue(&mut tx, &notice, at).await?;
        tx.commit().await?;
        Ok(user)
    }
}
