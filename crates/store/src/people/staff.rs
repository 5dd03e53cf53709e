//! 教职工: the school's staff records and the sign-in accounts linked to them.

use super::*;

fn staff_from_row(r: &sqlx::any::AnyRow) -> Result<StaffMember> {
    Ok(StaffMember {
        id: StaffId::from_db(r.try_get("id")?),
        staff_number: r.try_get("staff_number")?,
        name: r.try_get("name")?,
        phone: r.try_get("phone")?,
        title: r.try_get("title")?,
        user_id: r.try_get::<Option<String>, _>("user_id")?.map(UserId::from_db),
        role: match r.try_get::<Option<String>, _>("role")? {
            Some(role) => Some(Role::from_code(&role).ok_or_else(|| StoreError::Corrupt(format!("users.role = {role}")))?),
            None => None,
        },
        active: r.try_get::<i64, _>("active")? != 0,
    })
}

impl Store {
    pub async fn staff_directory(&self, school: &SchoolId) -> Result<Vec<StaffMember>> {
        let rows = sqlx::query("SELECT s.*, u.role FROM staff s LEFT JOIN users u ON u.id = s.user_id WHERE s.school_id = $1 ORDER BY s.active DESC, s.staff_number")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(staff_from_row).collect()
    }

    pub async fn staff_member(&self, id: &StaffId) -> Result<StaffMember> {
        let r = sqlx::query("SELECT s.*, u.role FROM staff s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        staff_from_row(&r)
    }

    pub async fn create_staff(&self, actor: &Actor, school: &SchoolId, new: NewStaff, now: OffsetDateTime) -> Result<StaffMember> {
        let number = new.staff_number.trim().to_uppercase();
        if number.is_empty() || number.len() > 20 || !number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Invalid::new("staff_number", "err-staff-number").into());
        }
        if new.title.chars().count() > 20 {
            return Err(Invalid::new("title", "err-title-too-long").into());
        }
        let id = StaffId::new();
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO staff (id, school_id, staff_number, name, phone, title, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7)")
            .bind(id.to_string())
            .bind(school.to_string())
            .bind(number.clone())
            .bind(new.name.as_str().to_string())
            .bind(new.phone.as_ref().map(|p| p.as_str().to_string()))
            .bind(new.title.trim().to_string())
            .bind(at)
            .execute(&mut *tx)
            .await
            .on_conflict("staff_number", "err-staff-number-taken")?;
        tx.commit(
            Some(school),
            actor,
            "staff.create",
            id.as_str(),
            json!({ "staff_number": number }),
            at,
        )
        .await?;
        self.staff_member(&id).await
    }

    /// Links a staff record to a sign-in account of the same school.
    pub async fn link_staff_account(&self, actor: &Actor, staff: &StaffId, user: &UserId, now: OffsetDateTime) -> Result<()> {
        let member = self.staff_member(staff).await?;
        let account = self.user(user).await?;
        let school = sqlx::query_scalar::<_, String>("SELECT school_id FROM staff WHERE id = $1")
            .bind(staff.to_string())
            .fetch_one(self.pool())
            .await?;
        if account.school_id.as_ref().map(|s| s.as_str()) != Some(school.as_str()) || !account.role.is_staff() {
            return Err(Invalid::new("user", "err-not-staff-of-school").into());
        }
        let mut tx = self.write().await?;
        sqlx::query("UPDATE staff SET user_id = $2 WHERE id = $1")
            .bind(staff.to_string())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await
            .on_conflict("user", "err-account-linked")?;
        tx.commit(
            account.school_id.as_ref(),
            actor,
            "staff.link_account",
            staff.as_str(),
            json!({ "user": user.as_str(), "staff_number": member.staff_number }),
            to_millis(now),
        )
        .await?;
        Ok(())
    }

    /// Deactivates a staff member; a linked account is disabled and its sessions end at once.
    pub async fn deactivate_staff(&self, actor: &Actor, staff: &StaffId, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let r = sqlx::query("UPDATE staff SET active = 0, updated_at = $2 WHERE id = $1 RETURNING school_id, user_id")
            .bind(staff.to_string())
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let school = SchoolId::from_db(r.try_get("school_id")?);
        if let Some(user) = r.try_get::<Option<String>, _>("user_id")?.map(UserId::from_db) {
            sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
                .bind(user.to_string())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            end_all_access(tx.tx(), &user).await?;
        }
        tx.commit(Some(&school), actor, "staff.deactivate", staff.as_str(), json!({}), at)
            .await?;
        Ok(())
    }

    /// Takes a deactivated staff member back into the active list; a linked account is enabled
    /// again (it signs in afresh with its password). An active member changes nothing.
    pub async fn reactivate_staff(&self, actor: &Actor, staff: &StaffId, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let r = sqlx::query("UPDATE staff SET active = 1, updated_at = $2 WHERE id = $1 AND active = 0 RETURNING school_id, user_id")
            .bind(staff.to_string())
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(r) = r else {
            let exists = sqlx::query("SELECT id FROM staff WHERE id = $1")
                .bind(staff.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            return if exists.is_some() { Ok(()) } else { Err(StoreError::NotFound) };
        };
        let school = SchoolId::from_db(r.try_get("school_id")?);
        if let Some(user) = r.try_get::<Option<String>, _>("user_id")?.map(UserId::from_db) {
            sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                .bind(user.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit(Some(&school), actor, "staff.reactivate", staff.as_str(), json!({}), at)
            .await?;
        Ok(())
    }
}
