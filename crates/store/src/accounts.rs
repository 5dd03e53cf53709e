//! Accounts (账号) of staff and guardians.

use crate::audit::Actor;
use crate::{OnConflict, Result, Store, StoreError, Write};
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yanshi_domain::Invalid;
use yanshi_domain::account::{DisplayName, Login, PhoneNumber, Username};
use yanshi_domain::clock::to_millis;
use yanshi_domain::ids::{SchoolId, UserId};
use yanshi_domain::role::Role;

/// An account: who someone is. What proves it ([`Credentials`]) is read apart, only where a
/// password or code is checked, so it travels with no request and reaches no page or log.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub school_id: Option<SchoolId>,
    pub role: Role,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: String,
    pub locale: Option<String>,
    pub totp_enabled: bool,
    pub disabled: bool,
}

/// An account's secrets: its password hash, its TOTP secret and the last TOTP step used.
/// `Debug` shows none of them.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("totp_secret", &self.totp_secret.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("school_id", &self.school_id)
            .field("role", &self.role)
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("totp_enabled", &self.totp_enabled)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

impl User {
    /// Who this account is, as the policy sees it.
    pub fn principal(&self) -> yanshi_domain::policy::Principal {
        yanshi_domain::policy::Principal {
            user_id: self.id.clone(),
            role: self.role,
            school_id: self.school_id.clone(),
        }
    }

    /// `138****8000`: the phone as shown to people who do not need the whole number.
    pub fn masked_phone(&self) -> Option<String> {
        self.phone.as_deref().and_then(|p| PhoneNumber::parse(p).ok()).map(|p| p.masked())
    }
}

/// What it takes to create an account.
pub struct NewUser {
    pub school_id: Option<SchoolId>,
    pub role: Role,
    pub username: Option<Username>,
    pub phone: Option<PhoneNumber>,
    pub display_name: DisplayName,
    /// An Argon2id PHC string from `yanshi_domain::password::hash`.
    pub password_hash: String,
}

pub(crate) fn user_from_row(r: &sqlx::any::AnyRow) -> Result<User> {
    let role: String = r.try_get("role")?;
    Ok(User {
        id: UserId::from_db(r.try_get("id")?),
        school_id: r.try_get::<Option<String>, _>("school_id")?.map(SchoolId::from_db),
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("users.role = {role}")))?,
        username: r.try_get("username")?,
        phone: r.try_get("phone")?,
        display_name: r.try_get("display_name")?,
        locale: r.try_get("locale")?,
        totp_enabled: r.try_get::<i64, _>("totp_enabled")? != 0,
        disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
    })
}

/// The field of `users` a uniqueness violation clashed on, and its refusal.
fn taken(constraint: &str) -> Option<Invalid> {
    if constraint.contains("phone") {
        Some(Invalid::new("phone", "err-phone-taken"))
    } else if constraint.contains("username") {
        Some(Invalid::new("username", "err-username-taken"))
    } else {
        None
    }
}

pub(crate) async fn insert_user(tx: &mut Write, actor: &Actor, new: NewUser, at: i64) -> Result<User> {
    if new.role.is_district_wide() != new.school_id.is_none() {
        return Err(Invalid::new("role", "err-role-school").into());
    }
    if new.username.is_none() && new.phone.is_none() {
        return Err(Invalid::new("login", "err-login-required").into());
    }
    let id = UserId::new();
    sqlx::query(
        "INSERT INTO users (id, school_id, role, username, phone, display_name, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_string())
    .bind(new.school_id.as_ref().map(ToString::to_string))
    .bind(new.role.as_str())
    .bind(new.username.as_ref().map(|u| u.as_str().to_string()))
    .bind(new.phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(new.display_name.as_str().to_string())
    .bind(new.password_hash)
    .bind(at)
    .execute(&mut **tx)
    .await
    .on_conflict_where(taken)?;
    tx.audit(
        new.school_id.as_ref(),
        actor,
        "user.create",
        id.as_str(),
        json!({ "role": new.role.as_str(), "username": new.username.as_ref().map(|u| u.as_str()) }),
        at,
    )
    .await?;
    let row = sqlx::query("SELECT * FROM users WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&mut **tx)
        .await?;
    user_from_row(&row)
}

impl Store {
    pub async fn create_user(&self, actor: &Actor, new: NewUser, now: OffsetDateTime) -> Result<User> {
        let mut tx = self.write().await?;
        let user = insert_user(&mut tx, actor, new, to_millis(now)).await?;
        tx.commit_audited().await?;
        Ok(user)
    }

    /// An account's secrets, for the one place that checks a password or a code.
    pub async fn credentials(&self, id: &UserId) -> Result<Credentials> {
        let r = sqlx::query("SELECT password_hash, totp_secret, totp_last_step FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        Ok(Credentials {
            password_hash: r.try_get("password_hash")?,
            totp_secret: r.try_get("totp_secret")?,
            totp_last_step: r.try_get("totp_last_step")?,
        })
    }

    pub async fn user(&self, id: &UserId) -> Result<User> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        user_from_row(&row)
    }

    pub async fn user_by_login(&self, login: &Login) -> Result<Option<User>> {
        let row = match login {
            Login::Username(u) => {
                sqlx::query("SELECT * FROM users WHERE username = $1")
                    .bind(u.as_str().to_string())
                    .fetch_optional(self.pool())
                    .await?
            }
            Login::Phone(p) => {
                sqlx::query("SELECT * FROM users WHERE phone = $1")
                    .bind(p.as_str().to_string())
                    .fetch_optional(self.pool())
                    .await?
            }
        };
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every account of a school (district admins: `None`), staff first, then by name.
    pub async fn users_of_school(&self, school: Option<&SchoolId>) -> Result<Vec<User>> {
        let rows = match school {
            Some(s) => {
                sqlx::query("SELECT * FROM users WHERE school_id = $1 ORDER BY role, display_name")
                    .bind(s.to_string())
                    .fetch_all(self.pool())
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM users WHERE school_id IS NULL ORDER BY display_name")
                    .fetch_all(self.pool())
                    .await?
            }
        };
        rows.iter().map(user_from_row).collect()
    }

    /// Disables an account and ends all its sessions and API tokens in the same transaction,
    /// so access stops on the very next request, on every instance.
    pub async fn disable_user(&self, actor: &Actor, id: &UserId, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let row = sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL RETURNING school_id")
            .bind(id.to_string())
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            // Unknown, or already disabled: nothing changes.
            let exists = sqlx::query("SELECT id FROM users WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            return if exists.is_some() { Ok(()) } else { Err(StoreError::NotFound) };
        };
        let school = row.try_get::<Option<String>, _>("school_id")?.map(SchoolId::from_db);
        let ended = end_all_access(tx.tx(), id).await?;
        tx.commit(
            school.as_ref(),
            actor,
            "user.disable",
            id.as_str(),
            json!({ "sessions_ended": ended }),
            at,
        )
        .await?;
        Ok(())
    }

    /// Enables a disabled account again: it can sign in with its password (its sessions ended
    /// when it was disabled, so it signs in afresh). Enabling an enabled account changes nothing.
    pub async fn enable_user(&self, actor: &Actor, id: &UserId, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let row = sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL RETURNING school_id")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            let exists = sqlx::query("SELECT id FROM users WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            return if exists.is_some() { Ok(()) } else { Err(StoreError::NotFound) };
        };
        let school = row.try_get::<Option<String>, _>("school_id")?.map(SchoolId::from_db);
        tx.commit(school.as_ref(), actor, "user.enable", id.as_str(), json!({}), at).await?;
        Ok(())
    }

    /// Sets a new password and ends every session and token of the account.
    pub async fn set_password(&self, actor: &Actor, id: &UserId, password_hash: String, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let row = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING school_id")
            .bind(id.to_string())
            .bind(password_hash)
            .fetch_one(&mut *tx)
            .await?;
        let school = row.try_get::<Option<String>, _>("school_id")?.map(SchoolId::from_db);
        end_all_access(tx.tx(), id).await?;
        tx.commit(school.as_ref(), actor, "user.set_password", id.as_str(), json!({}), at)
            .await?;
        Ok(())
    }

    pub async fn set_locale(&self, id: &UserId, locale: &str) -> Result<()> {
        sqlx::query("UPDATE users SET locale = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(locale.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores a new, not yet confirmed TOTP secret (base32). Two-factor stays as it was until
    /// the person proves their app works with [`Store::enable_totp`].
    pub async fn begin_totp_enrolment(&self, id: &UserId, secret_b32: &str) -> Result<()> {
        sqlx::query("UPDATE users SET totp_secret = $2 WHERE id = $1 AND totp_enabled = 0")
            .bind(id.to_string())
            .bind(secret_b32.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn enable_totp(&self, actor: &Actor, user: &User, step: i64, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("UPDATE users SET totp_enabled = 1, totp_last_step = $2 WHERE id = $1")
            .bind(user.id.to_string())
            .bind(step)
            .execute(&mut *tx)
            .await?;
        tx.commit(user.school_id.as_ref(), actor, "user.enable_totp", user.id.as_str(), json!({}), at)
            .await?;
        Ok(())
    }

    /// Records that a TOTP step was used. Returns false if it (or a later one) was used
    /// already — on any instance — so one code signs in once.
    pub async fn use_totp_step(&self, id: &UserId, step: i64) -> Result<bool> {
        let r = sqlx::query("UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)")
            .bind(id.to_string())
            .bind(step)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() == 1)
    }
}

/// Ends every session and API token of an account; returns how many sessions ended.
pub(crate) async fn end_all_access(tx: &mut crate::Tx, id: &UserId) -> Result<u64> {
    let n = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(n)
}
