//! Personal pickup codes (接送码): issued to an adult on a child's list, stored only as a hash,
//! any earlier code revoked at once.

use crate::audit::Actor;
use crate::people::Student;
use crate::random::{bytes, sha256_hex};
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use time::OffsetDateTime;
use yanshi_domain::afternoon::PickupCode;
use yanshi_domain::clock::to_millis;
use yanshi_domain::ids::{PickupAdultId, SchoolId};
use yanshi_domain::policy::may_issue_pickup_code;

pub(super) fn code_hash(school: &SchoolId, code: &PickupCode) -> String {
    sha256_hex(&format!("{school}:{}", code.as_str()))
}

impl Store {
    /// A new personal pickup code for an adult on a child's list; any earlier code stops
    /// working at once, on every instance.
    pub async fn issue_pickup_code(&self, who: &User, student: &Student, adult: &PickupAdultId, now: OffsetDateTime) -> Result<PickupCode> {
        let guardian_of_child = self.children_of(&who.id).await?.iter().any(|(c, _)| c.id == student.id);
        if !may_issue_pickup_code(&who.principal(), &student.school_id, guardian_of_child) {
            return Err(StoreError::Forbidden("err-enrolment-not-yours"));
        }
        let at = to_millis(now);
        for _ in 0..5 {
            let code = PickupCode::from_random(bytes::<8>());
            let mut tx = self.write().await?;
            let owner: Option<String> = sqlx::query_scalar("SELECT student_id FROM pickup_adults WHERE id = $1 AND removed_at IS NULL")
                .bind(adult.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            if owner.as_deref() != Some(student.id.as_str()) {
                return Err(StoreError::NotFound);
            }
            sqlx::query("UPDATE pickup_codes SET revoked_at = $2 WHERE adult_id = $1 AND revoked_at IS NULL")
                .bind(adult.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let inserted =
                sqlx::query("INSERT INTO pickup_codes (id, school_id, adult_id, code_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(yanshi_domain::ids::row_id())
                    .bind(student.school_id.to_string())
                    .bind(adult.to_string())
                    .bind(code_hash(&student.school_id, &code))
                    .bind(at)
                    .execute(&mut *tx)
                    .await;
            match inserted.map_err(StoreError::from) {
                Ok(_) => {
                    tx.commit(
                        Some(&student.school_id),
                        &Actor::User(who.id.clone()),
                        "pickup_code.issue",
                        adult.as_str(),
                        json!({ "student": student.id.as_str() }),
                        at,
                    )
                    .await?;
                    return Ok(code);
                }
                // Another live code has the same digits: draw again.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict("pickup code".into()))
    }

    pub async fn revoke_pickup_code(&self, who: &User, student: &Student, adult: &PickupAdultId, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("UPDATE pickup_codes SET revoked_at = $2 WHERE adult_id = $1 AND revoked_at IS NULL")
            .bind(adult.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(&student.school_id),
            &Actor::User(who.id.clone()),
            "pickup_code.revoke",
            adult.as_str(),
            json!({}),
            at,
        )
        .await?;
        Ok(())
    }
}
