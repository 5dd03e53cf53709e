//! 授权接送人: the adults on a child's pickup list, with their level and photo.

use super::*;

impl Store {
    pub async fn pickup_adults(&self, student: &StudentId) -> Result<Vec<PickupAdult>> {
        let rows = sqlx::query("SELECT * FROM pickup_adults WHERE student_id = $1 AND removed_at IS NULL ORDER BY created_at")
            .bind(student.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let level: String = r.try_get("level")?;
                Ok(PickupAdult {
                    id: PickupAdultId::from_db(r.try_get("id")?),
                    name: r.try_get("name")?,
                    relationship: r.try_get("relationship")?,
                    phone: r.try_get("phone")?,
                    id_last4: r.try_get("id_last4")?,
                    level: PickupLevel::parse(&level).ok_or_else(|| StoreError::Corrupt(format!("pickup_adults.level = {level}")))?,
                    has_photo: r.try_get::<Option<String>, _>("photo")?.is_some(),
                })
            })
            .collect()
    }

    pub async fn add_pickup_adult(
        &self,
        actor: &Actor,
        student: &Student,
        new: NewPickupAdult,
        now: OffsetDateTime,
    ) -> Result<PickupAdultId> {
        if !new.adult_confirmed {
            return Err(Invalid::new("adult_confirmed", "err-adult-not-confirmed").into());
        }
        let relationship = parse_relationship(&new.relationship)?;
        if let Some(p) = &new.photo
            && (p.len() > 400_000 || !(p.starts_with("data:image/jpeg;base64,") || p.starts_with("data:image/png;base64,")))
        {
            return Err(Invalid::new("photo", "err-photo").into());
        }
        let id = PickupAdultId::new();
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO pickup_adults (id, student_id, name, relationship, phone, id_last4, photo, adult_confirmed, level, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9)",
        )
        .bind(id.to_string())
        .bind(student.id.to_string())
        .bind(new.name.as_str().to_string())
        .bind(relationship.clone())
        .bind(new.phone.as_str().to_string())
        .bind(new.id_last4.clone())
        .bind(new.photo)
        .bind(new.level.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit(
            Some(&student.school_id),
            actor,
            "pickup_adult.add",
            student.id.as_str(),
            json!({ "adult": id.as_str(), "level": new.level.as_str(), "relationship": relationship }),
            at,
        )
        .await?;
        Ok(id)
    }

    /// Removes an adult from a child's list: refused at the door from the next attempt on.
    pub async fn remove_pickup_adult(&self, actor: &Actor, student: &Student, id: &PickupAdultId, now: OffsetDateTime) -> Result<()> {
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let r = sqlx::query("UPDATE pickup_adults SET removed_at = $3 WHERE id = $1 AND student_id = $2 AND removed_at IS NULL")
            .bind(id.to_string())
            .bind(student.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit(
            Some(&student.school_id),
            actor,
            "pickup_adult.remove",
            student.id.as_str(),
            json!({ "adult": id.as_str() }),
            at,
        )
        .await?;
        Ok(())
    }

    /// The photo (a data URL) of a pickup adult, for the teacher at the door.
    pub async fn pickup_adult_photo(&self, id: &PickupAdultId) -> Result<Option<(StudentId, String)>> {
        let r = sqlx::query("SELECT student_id, photo FROM pickup_adults WHERE id = $1 AND removed_at IS NULL")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?;
        match r {
            Some(r) => Ok(r
                .try_get::<Option<String>, _>("photo")?
                .map(|p| Ok::<_, StoreError>((StudentId::from_db(r.try_get("student_id")?), p)))
                .transpose()?),
            None => Ok(None),
        }
    }
}
