//! 领导小组 and 年级主任: the school's leadership group and the director of each grade.

use super::*;

impl Store {
    pub async fn leadership(&self, school: &SchoolId) -> Result<Vec<LeadershipMember>> {
        let rows = sqlx::query("SELECT position, name, title FROM leadership_members WHERE school_id = $1 ORDER BY sort")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let p: String = r.try_get("position")?;
                Ok(LeadershipMember {
                    position: LeaderPosition::parse(&p).ok_or_else(|| StoreError::Corrupt(format!("leadership_members.position = {p}")))?,
                    name: r.try_get("name")?,
                    title: r.try_get("title")?,
                })
            })
            .collect()
    }

    /// Replaces the leadership group (组长 first). Exactly one 组长.
    pub async fn set_leadership(&self, actor: &Actor, school: &SchoolId, members: &[LeadershipMember], now: OffsetDateTime) -> Result<()> {
        if members.iter().filter(|m| m.position == LeaderPosition::Leader).count() != 1 {
            return Err(Invalid::new("leadership", "err-one-leader").into());
        }
        if members.len() > 30
            || members
                .iter()
                .any(|m| m.name.trim().is_empty() || m.name.chars().count() > 40 || m.title.chars().count() > 40)
        {
            return Err(Invalid::new("leadership", "err-leadership-member").into());
        }
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM leadership_members WHERE school_id = $1")
            .bind(school.to_string())
            .execute(&mut *tx)
            .await?;
        for (i, m) in members.iter().enumerate() {
            sqlx::query("INSERT INTO leadership_members (id, school_id, position, name, title, sort) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(PlaceId::new().to_string())
                .bind(school.to_string())
                .bind(m.position.as_str())
                .bind(m.name.trim().to_string())
                .bind(m.title.trim().to_string())
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit(
            Some(school),
            actor,
            "school.set_leadership",
            school.as_str(),
            json!({ "members": members.len() }),
            at,
        )
        .await?;
        Ok(())
    }

    pub async fn grades(&self, school: &SchoolId) -> Result<Vec<GradeInfo>> {
        let rows = sqlx::query(
            "SELECT g.grade, g.director_id, u.display_name FROM grades g LEFT JOIN users u ON u.id = g.director_id WHERE g.school_id = $1",
        )
        .bind(school.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<GradeInfo> = Grade::ALL
            .iter()
            .map(|g| GradeInfo {
                grade: g.number(),
                name: g.name_zh(),
                director: None,
            })
            .collect();
        for r in rows {
            let g = r.try_get::<i64, _>("grade")?;
            if let (Some(info), Some(id)) = (
                out.iter_mut().find(|x| x.grade as i64 == g),
                r.try_get::<Option<String>, _>("director_id")?,
            ) {
                info.director = Some((
                    UserId::from_db(id),
                    r.try_get::<Option<String>, _>("display_name")?.unwrap_or_default(),
                ));
            }
        }
        Ok(out)
    }

    /// Names (or clears) a grade's director (年级主任).
    pub async fn set_grade_director(
        &self,
        actor: &Actor,
        school: &SchoolId,
        grade: Grade,
        director: Option<&UserId>,
        now: OffsetDateTime,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        if let Some(d) = director {
            staff_user_of(tx.tx(), school, d, "director").await?;
        }
        sqlx::query("DELETE FROM grades WHERE school_id = $1 AND grade = $2")
            .bind(school.to_string())
            .bind(grade.number() as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO grades (school_id, grade, director_id) VALUES ($1, $2, $3)")
            .bind(school.to_string())
            .bind(grade.number() as i64)
            .bind(director.map(ToString::to_string))
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(school),
            actor,
            "grade.set_director",
            &grade.number().to_string(),
            json!({ "director": director.map(|d| d.as_str()) }),
            to_millis(now),
        )
        .await?;
        Ok(())
    }
}
