//! 服务场所 and 班级: the school's places and its classes (each with its classroom and class teacher).

use super::*;

impl Store {
    pub async fn places(&self, school: &SchoolId) -> Result<Vec<Place>> {
        let rows = sqlx::query("SELECT id, name, kind FROM places WHERE school_id = $1 ORDER BY kind, name")
            .bind(school.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let k: String = r.try_get("kind")?;
                Ok(Place {
                    id: PlaceId::from_db(r.try_get("id")?),
                    name: r.try_get("name")?,
                    kind: PlaceKind::parse(&k).ok_or_else(|| StoreError::Corrupt(format!("places.kind = {k}")))?,
                })
            })
            .collect()
    }

    pub async fn create_place(&self, actor: &Actor, school: &SchoolId, name: &str, kind: PlaceKind, now: OffsetDateTime) -> Result<Place> {
        let mut tx = self.write().await?;
        let place = insert_place(tx.tx(), school, name, kind).await?;
        tx.commit(
            Some(school),
            actor,
            "place.create",
            place.id.as_str(),
            json!({ "name": place.name, "kind": kind.as_str() }),
            to_millis(now),
        )
        .await?;
        Ok(place)
    }

    pub async fn classes(&self, school: &SchoolId) -> Result<Vec<ClassInfo>> {
        let sql = sqlx::AssertSqlSafe(format!("{CLASS_SELECT} WHERE c.school_id = $1 ORDER BY c.grade, c.number"));
        let rows = sqlx::query(sql).bind(school.to_string()).fetch_all(self.pool()).await?;
        rows.iter().map(class_from_row).collect()
    }

    pub async fn class(&self, id: &ClassId) -> Result<ClassInfo> {
        let sql = sqlx::AssertSqlSafe(format!("{CLASS_SELECT} WHERE c.id = $1"));
        let row = sqlx::query(sql).bind(id.to_string()).fetch_one(self.pool()).await?;
        class_from_row(&row)
    }

    /// The classes a class teacher or grade director is responsible for.
    pub async fn classes_of_staff(&self, school: &SchoolId, user: &UserId) -> Result<Vec<ClassInfo>> {
        Ok(self
            .classes(school)
            .await?
            .into_iter()
            .filter(|c| c.class_teacher.as_ref().map(|t| &t.0) == Some(user) || c.grade_director.as_ref().map(|t| &t.0) == Some(user))
            .collect())
    }

    /// Creates a class with its own classroom (服务场所, plan §五.4).
    pub async fn create_class(&self, actor: &Actor, school: &SchoolId, grade: Grade, number: u8, now: OffsetDateTime) -> Result<ClassInfo> {
        if !(1..=30).contains(&number) {
            return Err(Invalid::new("class", "err-class").into());
        }
        let mut tx = self.write().await?;
        let id = insert_class(tx.tx(), school, grade, number).await?;
        tx.commit(
            Some(school),
            actor,
            "class.create",
            id.as_str(),
            json!({ "grade": grade.number(), "number": number }),
            to_millis(now),
        )
        .await?;
        self.class(&id).await
    }

    /// Creates `per_grade` classes in every grade that has fewer (a new school's first step).
    pub async fn create_standard_classes(&self, actor: &Actor, school: &SchoolId, per_grade: u8, now: OffsetDateTime) -> Result<usize> {
        if !(1..=30).contains(&per_grade) {
            return Err(Invalid::new("per_grade", "err-class").into());
        }
        let mut tx = self.write().await?;
        let mut created = 0;
        for grade in Grade::ALL {
            for number in 1..=per_grade {
                let exists = sqlx::query("SELECT id FROM classes WHERE school_id = $1 AND grade = $2 AND number = $3")
                    .bind(school.to_string())
                    .bind(grade.number() as i64)
                    .bind(number as i64)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    insert_class(tx.tx(), school, grade, number).await?;
                    created += 1;
                }
            }
        }
        tx.commit(
            Some(school),
            actor,
            "class.create_standard",
            school.as_str(),
            json!({ "per_grade": per_grade, "created": created }),
            to_millis(now),
        )
        .await?;
        Ok(created)
    }

    /// Names (or clears) a class's class teacher (班主任).
    pub async fn set_class_teacher(&self, actor: &Actor, class: &ClassId, teacher: Option<&UserId>, now: OffsetDateTime) -> Result<()> {
        let info = self.class(class).await?;
        let mut tx = self.write().await?;
        if let Some(t) = teacher {
            staff_user_of(tx.tx(), &info.school_id, t, "class_teacher").await?;
        }
        sqlx::query("UPDATE classes SET class_teacher_id = $2 WHERE id = $1")
            .bind(class.to_string())
            .bind(teacher.map(ToString::to_string))
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(&info.school_id),
            actor,
            "class.set_teacher",
            class.as_str(),
            json!({ "teacher": teacher.map(|t| t.as_str()) }),
            to_millis(now),
        )
        .await?;
        Ok(())
    }
}

pub(crate) async fn insert_place(tx: &mut Tx, school: &SchoolId, name: &str, kind: PlaceKind) -> Result<Place> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(Invalid::new("name", "err-place-name").into());
    }
    let id = PlaceId::new();
    sqlx::query("INSERT INTO places (id, school_id, name, kind) VALUES ($1, $2, $3, $4)")
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(name.to_string())
        .bind(kind.as_str())
        .execute(&mut **tx)
        .await
        .on_conflict("name", "err-place-taken")?;
    Ok(Place {
        id,
        name: name.to_string(),
        kind,
    })
}

async fn insert_class(tx: &mut Tx, school: &SchoolId, grade: Grade, number: u8) -> Result<ClassId> {
    let name = class_name_zh(grade, number);
    // The classroom may exist already (a class re-created): reuse it.
    let existing = sqlx::query("SELECT id FROM places WHERE school_id = $1 AND name = $2")
        .bind(school.to_string())
        .bind(format!("{name}教室"))
        .fetch_optional(&mut **tx)
        .await?;
    let room = match existing {
        Some(r) => PlaceId::from_db(r.try_get("id")?),
        None => insert_place(tx, school, &format!("{name}教室"), PlaceKind::Classroom).await?.id,
    };
    let id = ClassId::new();
    sqlx::query("INSERT INTO classes (id, school_id, grade, number, classroom_id) VALUES ($1, $2, $3, $4, $5)")
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(grade.number() as i64)
        .bind(number as i64)
        .bind(room.to_string())
        .execute(&mut **tx)
        .await
        .on_conflict("class", "err-class-exists")?;
    Ok(id)
}
