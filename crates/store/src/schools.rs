//! Schools (学校). A district deployment holds many; every school-owned row names one.

use crate::audit::Actor;
use crate::{OnConflict, Result, Store};
use serde_json::json;
use sqlx::Row;
use time::OffsetDateTime;
use yanshi_domain::clock::to_millis;
use yanshi_domain::ids::SchoolId;
use yanshi_domain::{Invalid, school_time};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct School {
    pub id: SchoolId,
    pub name: String,
    pub time_zone: String,
    pub is_demo: bool,
}

fn school_from_row(r: &sqlx::any::AnyRow) -> Result<School> {
    Ok(School {
        id: SchoolId::from_db(r.try_get("id")?),
        name: r.try_get("name")?,
        time_zone: r.try_get("time_zone")?,
        is_demo: r.try_get::<i64, _>("is_demo")? != 0,
    })
}

impl Store {
    /// Creates a school. Its name is unique within the deployment.
    pub async fn create_school(&self, actor: &Actor, name: &str, time_zone: &str, is_demo: bool, now: OffsetDateTime) -> Result<School> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(Invalid::new("name", "err-school-name").into());
        }
        if school_time::offset_of(time_zone).is_none() {
            return Err(Invalid::new("time_zone", "err-time-zone").into());
        }
        let school = School {
            id: SchoolId::new(),
            name: name.to_string(),
            time_zone: time_zone.to_string(),
            is_demo,
        };
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("INSERT INTO schools (id, name, time_zone, is_demo, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(school.id.to_string())
            .bind(school.name.clone())
            .bind(school.time_zone.clone())
            .bind(i64::from(is_demo))
            .bind(at)
            .execute(&mut *tx)
            .await
            .on_conflict("name", "err-school-name-taken")?;
        tx.audit(None, actor, "school.create", school.id.as_str(), json!({ "name": school.name }), at)
            .await?;
        // The school's own chain starts with its creation too.
        tx.commit(
            Some(&school.id),
            actor,
            "school.create",
            school.id.as_str(),
            json!({ "name": school.name }),
            at,
        )
        .await?;
        Ok(school)
    }

    pub async fn schools(&self) -> Result<Vec<School>> {
        let rows = sqlx::query("SELECT * FROM schools ORDER BY name").fetch_all(self.pool()).await?;
        rows.iter().map(school_from_row).collect()
    }

    pub async fn school(&self, id: &SchoolId) -> Result<School> {
        let row = sqlx::query("SELECT * FROM schools WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        school_from_row(&row)
    }

    pub async fn school_by_name(&self, name: &str) -> Result<Option<School>> {
        let row = sqlx::query("SELECT * FROM schools WHERE name = $1")
            .bind(name.trim().to_string())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(school_from_row).transpose()
    }
}
