//! 工作量: the workload entries written when a record is signed, read back per school and person.

use super::*;

impl Store {
    /// Workload entries of a school between two days (inclusive), optionally one person's.
    pub async fn workload(&self, school: &SchoolId, from: Date, to: Date, person: Option<&UserId>) -> Result<Vec<WorkloadEntry>> {
        let rows = sqlx::query(
            "SELECT w.user_id, u.display_name, c.grade, c.number, w.day, w.role, w.started_at, w.ended_at, w.minutes FROM workload_entries w \
             JOIN users u ON u.id = w.user_id JOIN classes c ON c.id = w.class_id \
             WHERE w.school_id = $1 AND w.day >= $2 AND w.day <= $3 AND ($4 = '' OR w.user_id = $4) ORDER BY w.day, c.grade, c.number, u.display_name",
        )
        .bind(school.to_string())
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(person.map(ToString::to_string).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let day: String = r.try_get("day")?;
                Ok(WorkloadEntry {
                    user_id: UserId::from_db(r.try_get("user_id")?),
                    name: r.try_get("display_name")?,
                    class: crate::afternoon::class_name(r.try_get("grade")?, r.try_get("number")?).unwrap_or_default(),
                    day: yanshi_domain::calendar::parse_date(&day)
                        .ok_or_else(|| StoreError::Corrupt(format!("workload_entries.day = {day}")))?,
                    role: r.try_get("role")?,
                    from: from_millis(r.try_get("started_at")?),
                    to: from_millis(r.try_get("ended_at")?),
                    minutes: r.try_get::<i64, _>("minutes")? as u32,
                })
            })
            .collect()
    }
}
