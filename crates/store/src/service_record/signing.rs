//! Signing (own name, every child accounted for: the facts frozen with their SHA-256 and the
//! workload written), corrections appended afterwards, and a leader's check.

use super::*;

impl Store {
    /// The class teacher signs the day's record under their own name, once every child is
    /// accounted for. The facts are frozen, and who took the session, when and how long, is
    /// written as workload entries — in one transaction.
    pub async fn sign_service_record(
        &self,
        who: &crate::User,
        class: &ClassInfo,
        day: Date,
        typed_name: &str,
        seen_sha256: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Signature> {
        only_class_teacher(who, class)?;
        yanshi_domain::service_record::own_name(typed_name, &who.display_name)?;
        let school = self.school(&class.school_id).await?;
        if day > local(now, &school.time_zone).date() {
            return Err(Invalid::new("day", "err-record-future").into());
        }
        let record = self.service_record(class, day).await?;
        if record.signed.is_some() {
            return Err(Invalid::new("record", "err-record-signed").into());
        }
        yanshi_domain::service_record::may_sign(&record.facts.counts)?;
        let (_, sha) = record.signing_text()?;
        if seen_sha256.is_some_and(|seen| seen != sha) {
            return Err(Invalid::new("record", "err-record-changed").into());
        }
        let facts = serde_json::to_string(&record.facts).map_err(|e| StoreError::Corrupt(format!("record facts: {e}")))?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let existing: Option<(String, String, String)> =
            sqlx::query("SELECT id, status, notes FROM service_records WHERE class_id = $1 AND day = $2")
                .bind(class.id.to_string())
                .bind(day.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| Ok::<_, StoreError>((r.try_get("id")?, r.try_get("status")?, r.try_get("notes")?)))
                .transpose()?;
        let id = match existing {
            Some((_, status, _)) if status == "SIGNED" => return Err(Invalid::new("record", "err-record-signed").into()),
            // The notes changed since the page was drafted: sign what the teacher read, not this.
            Some((_, _, notes)) if notes != record.notes => return Err(Invalid::new("record", "err-record-changed").into()),
            Some((id, _, _)) => {
                let signed = sqlx::query(
                    "UPDATE service_records SET status = 'SIGNED', facts = $1, text_sha256 = $2, signed_by = $3, signed_name = $4, signed_at = $5, updated_by = $3, updated_at = $5 \
                     WHERE id = $6 AND status = 'DRAFT' AND notes = $7",
                )
                .bind(&facts)
                .bind(&sha)
                .bind(who.id.to_string())
                .bind(typed_name.trim())
                .bind(at)
                .bind(&id)
                .bind(&record.notes)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // Another signature, or new notes, got there first (PostgreSQL re-checks the row
                // after waiting for it).
                if signed == 0 {
                    let status: Option<String> = sqlx::query_scalar("SELECT status FROM service_records WHERE id = $1")
                        .bind(&id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let key = if status.as_deref() == Some("SIGNED") {
                        "err-record-signed"
                    } else {
                        "err-record-changed"
                    };
                    return Err(Invalid::new("record", key).into());
                }
                id
            }
            None => {
                let id = RecordId::new().to_string();
                let inserted = sqlx::query(
                    "INSERT INTO service_records (id, school_id, class_id, day, notes, status, facts, text_sha256, signed_by, signed_name, signed_at, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, '', 'SIGNED', $5, $6, $7, $8, $9, $7, $9)",
                )
                .bind(&id)
                .bind(class.school_id.to_string())
                .bind(class.id.to_string())
                .bind(day.to_string())
                .bind(&facts)
                .bind(&sha)
                .bind(who.id.to_string())
                .bind(typed_name.trim())
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from);
                if let Err(e) = inserted {
                    let StoreError::Conflict(_) = e else { return Err(e) };
                    // Someone created the day's row meanwhile: signed it, or saved notes the
                    // teacher has not read.
                    drop(tx);
                    let status: Option<String> = sqlx::query_scalar("SELECT status FROM service_records WHERE class_id = $1 AND day = $2")
                        .bind(class.id.to_string())
                        .bind(day.to_string())
                        .fetch_optional(self.pool())
                        .await?;
                    let key = if status.as_deref() == Some("SIGNED") {
                        "err-record-signed"
                    } else {
                        "err-record-changed"
                    };
                    return Err(Invalid::new("record", key).into());
                }
                id
            }
        };
        for s in &record.facts.staff {
            sqlx::query(
                "INSERT INTO workload_entries (id, school_id, record_id, user_id, class_id, day, role, started_at, ended_at, minutes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(RecordId::new().to_string())
            .bind(class.school_id.to_string())
            .bind(&id)
            .bind(&s.user_id)
            .bind(class.id.to_string())
            .bind(day.to_string())
            .bind(&s.role)
            .bind(s.from)
            .bind(s.to)
            .bind(i64::from(s.minutes))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit(
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "service_record.sign",
            class.id.as_str(),
            json!({ "day": day.to_string(), "sha256": sha, "name": typed_name.trim(), "workload_entries": record.facts.staff.len() }),
            at,
        )
        .await?;
        Ok(Signature {
            name: typed_name.trim().to_string(),
            at: from_millis(at),
            sha256: sha,
        })
    }

    /// Appends a correction to a signed record (the class teacher, the grade's director or a
    /// school leader). Nothing already signed is changed.
    pub async fn correct_service_record(
        &self,
        who: &crate::User,
        class: &ClassInfo,
        day: Date,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if !may_correct_service_record(&who.principal(), &class.scope()) {
            return Err(StoreError::Forbidden("err-record-not-yours"));
        }
        let text = yanshi_domain::service_record::correction(text)?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let id: Option<String> =
            sqlx::query_scalar("SELECT id FROM service_records WHERE class_id = $1 AND day = $2 AND status = 'SIGNED'")
                .bind(class.id.to_string())
                .bind(day.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(id) = id else {
            return Err(Invalid::new("record", "err-record-not-signed").into());
        };
        sqlx::query("INSERT INTO service_record_corrections (id, record_id, text, by_user, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(RecordId::new().to_string())
            .bind(&id)
            .bind(&text)
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "service_record.correct",
            class.id.as_str(),
            json!({ "day": day.to_string(), "text": text }),
            at,
        )
        .await?;
        Ok(())
    }

    /// A school leader checks a signed record (值班领导核查), once.
    pub async fn check_service_record(&self, who: &crate::User, class: &ClassInfo, day: Date, now: OffsetDateTime) -> Result<()> {
        if !is_school_leader(&who.principal(), &class.school_id) {
            return Err(StoreError::Forbidden("err-record-not-yours"));
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let done = sqlx::query(
            "UPDATE service_records SET checked_by = $1, checked_at = $2 WHERE class_id = $3 AND day = $4 AND status = 'SIGNED' AND checked_at IS NULL",
        )
        .bind(who.id.to_string())
        .bind(at)
        .bind(class.id.to_string())
        .bind(day.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            let signed: Option<String> =
                sqlx::query_scalar("SELECT status FROM service_records WHERE class_id = $1 AND day = $2 AND status = 'SIGNED'")
                    .bind(class.id.to_string())
                    .bind(day.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
            let key = if signed.is_some() {
                "err-record-checked"
            } else {
                "err-record-not-signed"
            };
            return Err(Invalid::new("record", key).into());
        }
        tx.commit(
            Some(&class.school_id),
            &Actor::User(who.id.clone()),
            "service_record.check",
            class.id.as_str(),
            json!({ "day": day.to_string() }),
            at,
        )
        .await?;
        Ok(())
    }
}
