//! 志愿服务时长证明 — a volunteer's hours over a range, signed off by a school admin. The days
//! and minutes are counted from the signed records when it is issued and frozen with it, with
//! the names as they stood, so a printed certificate always reads the same.

use super::{code, day, local_today, refuse_unless_admin};
use crate::audit::Actor;
use crate::write::OnConflict;
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::{CertificateId, SchoolId, UserId};
use yanshi_domain::volunteer::{ServedDay, VolunteerKind, certificate_range, served_days, total_minutes};

/// An issued certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub id: CertificateId,
    pub school_id: SchoolId,
    pub user_id: UserId,
    /// The school's running number (证明编号).
    pub number: i64,
    pub from: Date,
    pub to: Date,
    pub minutes: u32,
    pub days: Vec<ServedDay>,
    pub volunteer_name: String,
    pub kind: VolunteerKind,
    pub organisation: String,
    /// The school admin who signed it off.
    pub issuer_name: String,
    pub issued_at: OffsetDateTime,
}

fn certificate_from_row(r: &sqlx::any::AnyRow) -> Result<Certificate> {
    let days: Vec<(String, u32)> = serde_json::from_str(&r.try_get::<String, _>("days")?)
        .map_err(|e| StoreError::Corrupt(format!("volunteer_certificates.days: {e}")))?;
    let days = days
        .into_iter()
        .map(|(d, minutes)| {
            parse_date(&d)
                .map(|day| ServedDay { day, minutes })
                .ok_or_else(|| StoreError::Corrupt(format!("volunteer_certificates.days: {d}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Certificate {
        id: CertificateId::from_db(r.try_get("id")?),
        school_id: SchoolId::from_db(r.try_get("school_id")?),
        user_id: UserId::from_db(r.try_get("user_id")?),
        number: r.try_get("number")?,
        from: day(r, "from_day")?,
        to: day(r, "to_day")?,
        minutes: u32::try_from(r.try_get::<i64, _>("minutes")?)
            .map_err(|_| StoreError::Corrupt("volunteer_certificates.minutes".into()))?,
        days,
        volunteer_name: r.try_get("volunteer_name")?,
        kind: code(r, "kind", VolunteerKind::from_code)?,
        organisation: r.try_get("organisation")?,
        issuer_name: r.try_get("issuer_name")?,
        issued_at: from_millis(r.try_get("issued_at")?),
    })
}

impl Store {
    /// Issues a volunteer's hours certificate for `from..=to` (at most two years, not past the
    /// school's today), signed off by `who`, a school admin of the volunteer's school. A range
    /// without any signed service is refused: there is nothing to certify.
    pub async fn issue_volunteer_certificate(
        &self,
        who: &User,
        volunteer: &UserId,
        from: Date,
        to: Date,
        now: OffsetDateTime,
    ) -> Result<CertificateId> {
        let school = self.volunteer_school(volunteer).await?;
        refuse_unless_admin(who, &school)?;
        certificate_range(from, to, local_today(self, &school, now).await?)?;
        let v = self.volunteer(&school, volunteer).await?;
        let days = served_days(
            self.volunteer_service(&school, volunteer, from, to)
                .await?
                .into_iter()
                .map(|l| (l.day, l.minutes)),
        );
        let minutes = total_minutes(&days);
        if minutes == 0 {
            return Err(Invalid::new("from", "err-volunteer-no-hours").into());
        }
        let frozen = serde_json::to_string(&days.iter().map(|d| (d.day.to_string(), d.minutes)).collect::<Vec<_>>())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = CertificateId::new();
        let at = to_millis(now);
        let mut tx = self.write().await?;
        let number: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM volunteer_certificates WHERE school_id = $1")
            .bind(school.to_string())
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO volunteer_certificates (id, school_id, user_id, number, from_day, to_day, minutes, days, volunteer_name, kind, organisation, issued_by, issuer_name, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(id.to_string())
        .bind(school.to_string())
        .bind(volunteer.to_string())
        .bind(number)
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(i64::from(minutes))
        .bind(&frozen)
        .bind(&v.name)
        .bind(v.kind.as_str())
        .bind(&v.organisation)
        .bind(who.id.to_string())
        .bind(&who.display_name)
        .bind(at)
        .execute(&mut *tx)
        .await
        // Two admins issuing at the same instant: the second tries again.
        .on_conflict("from", "err-volunteer-certificate-busy")?;
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "volunteer.certify",
            volunteer.as_str(),
            json!({ "user": volunteer.to_string(), "from": from.to_string(), "to": to.to_string(), "minutes": minutes, "number": number }),
            at,
        )
        .await?;
        Ok(id)
    }

    /// A volunteer's certificates, newest first.
    pub async fn volunteer_certificates(&self, volunteer: &UserId) -> Result<Vec<Certificate>> {
        let rows = sqlx::query("SELECT * FROM volunteer_certificates WHERE user_id = $1 ORDER BY issued_at DESC, number DESC")
            .bind(volunteer.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(certificate_from_row).collect()
    }

    /// One certificate (the page checks whose it is).
    pub async fn volunteer_certificate(&self, id: &CertificateId) -> Result<Certificate> {
        let r = sqlx::query("SELECT * FROM volunteer_certificates WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.pool())
            .await?;
        certificate_from_row(&r)
    }
}
