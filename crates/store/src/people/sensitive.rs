//! Sensitive fields (健康情况, 优先保障对象, 监护限制): read only through a logged read, and
//! custody limits seen anywhere logged too.

use super::*;

impl Store {
    /// Reads a child's sensitive fields and logs the read (who, which child, which fields, when)
    /// in the same transaction: there is no unlogged way to see them.
    pub async fn read_sensitive(&self, reader: &UserId, student: &Student, now: OffsetDateTime) -> Result<Sensitive> {
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO sensitive_reads (id, school_id, user_id, student_id, fields, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(yanshi_domain::ids::row_id())
            .bind(student.school_id.to_string())
            .bind(reader.to_string())
            .bind(student.id.to_string())
            .bind("health_notes,priority_groups,custody_notes")
            .bind(to_millis(now))
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("SELECT * FROM student_sensitive WHERE student_id = $1")
            .bind(student.id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit_unaudited().await?;
        let Some(r) = r else { return Ok(Sensitive::default()) };
        let groups: String = r.try_get("priority_groups")?;
        Ok(Sensitive {
            health_notes: r.try_get("health_notes")?,
            priority_groups: groups
                .split(',')
                .filter(|g| !g.is_empty())
                .map(|g| PriorityGroup::from_code(g).ok_or_else(|| StoreError::Corrupt(format!("student_sensitive.priority_groups = {g}"))))
                .collect::<Result<_>>()?,
            custody_notes: r.try_get("custody_notes")?,
        })
    }

    /// Logs that `reader` saw the custody limits (an adult marked NEVER) of these children —
    /// at the classroom door, on the paper sheet, through the API — one row per child, in one
    /// transaction, at most once per ten minutes per child, person and place. `place` says where
    /// ("door", "sheet", "api").
    pub async fn log_custody_reads(
        &self,
        reader: &UserId,
        school: &SchoolId,
        students: &[&StudentId],
        place: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        if students.is_empty() {
            return Ok(());
        }
        let fields = format!("custody_limit:{place}");
        // A teacher at the door re-renders the page with every tap: a child's limit seen by the
        // same person at the same place is logged once per ten minutes, not once per tap.
        let recent: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT student_id FROM sensitive_reads WHERE user_id = $1 AND fields = $2 AND at > $3")
                .bind(reader.to_string())
                .bind(fields.clone())
                .bind(to_millis(now) - 10 * 60 * 1000)
                .fetch_all(self.pool())
                .await?;
        let students: Vec<&&StudentId> = students.iter().filter(|s| !recent.iter().any(|r| r == s.as_str())).collect();
        if students.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        for chunk in students.chunks(100) {
            let sql = format!(
                "INSERT INTO sensitive_reads (id, school_id, user_id, student_id, fields, at) VALUES {}",
                crate::values_list(chunk.len(), 6)
            );
            // Only placeholders are formatted into the text; every value is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for student in chunk {
                q = q
                    .bind(yanshi_domain::ids::row_id())
                    .bind(school.to_string())
                    .bind(reader.to_string())
                    .bind(student.to_string())
                    .bind(fields.clone())
                    .bind(to_millis(now));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit_unaudited().await?;
        Ok(())
    }

    /// (reader's name, when) of the reads of a child's sensitive fields, newest first.
    pub async fn sensitive_reads(&self, student: &StudentId) -> Result<Vec<(String, OffsetDateTime)>> {
        let rows = sqlx::query("SELECT u.display_name, r.at FROM sensitive_reads r JOIN users u ON u.id = r.user_id WHERE r.student_id = $1 ORDER BY r.at DESC LIMIT 200")
            .bind(student.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("display_name")?, yanshi_domain::clock::from_millis(r.try_get("at")?))))
            .collect()
    }

    pub async fn set_sensitive(&self, actor: &Actor, student: &Student, value: &Sensitive, now: OffsetDateTime) -> Result<()> {
        if value.health_notes.chars().count() > 200 || value.custody_notes.chars().count() > 200 {
            return Err(Invalid::new("health_notes", "err-health-too-long").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        write_sensitive(tx.tx(), &student.id, value, at).await?;
        // The audit names the change, never the content.
        tx.commit(
            Some(&student.school_id),
            actor,
            "student.set_sensitive",
            student.id.as_str(),
            json!({}),
            at,
        )
        .await?;
        Ok(())
    }
}

pub(crate) async fn write_sensitive(tx: &mut crate::Tx, student: &StudentId, value: &Sensitive, at: i64) -> Result<()> {
    sqlx::query("DELETE FROM student_sensitive WHERE student_id = $1")
        .bind(student.to_string())
        .execute(&mut **tx)
        .await?;
    let groups: Vec<&str> = value.priority_groups.iter().map(|p| p.as_str()).collect();
    sqlx::query(
        "INSERT INTO student_sensitive (student_id, health_notes, priority_groups, custody_notes, updated_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(student.to_string())
    .bind(value.health_notes.trim().to_string())
    .bind(groups.join(","))
    .bind(value.custody_notes.trim().to_string())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
