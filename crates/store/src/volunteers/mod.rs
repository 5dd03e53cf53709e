//! 志愿者 — volunteers: the record of a Volunteer-role account (what they are to the school), the
//! checks before a first session each recorded by whoever saw the evidence, the school's
//! validity for them, and who is vetted on a day (the roster generator and the session plan
//! ask). `own.rs`: what a volunteer sees of their own work and hours; `certificates.rs`: the
//! hours certificates a school admin signs off.

mod certificates;
mod own;

pub use certificates::Certificate;
pub use own::{Assignments, PlanAssignment, ServiceLine, ServiceSource, TurnAssignment};

use crate::audit::Actor;
use crate::write::OnConflict;
use crate::{Result, Store, StoreError, User};
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use yanshi_domain::Invalid;
use yanshi_domain::calendar::parse_date;
use yanshi_domain::clock::{from_millis, to_millis};
use yanshi_domain::ids::{SchoolId, UserId};
use yanshi_domain::policy::may_manage_volunteers;
use yanshi_domain::role::Role;
use yanshi_domain::volunteer::{
    CheckDates, DEFAULT_VALID_MONTHS, Gap, IdLast4, Vetting, VettingCheck, VolunteerKind, is_vetted, organisation,
};

/// One check as recorded: its dates, the last four characters of the ID for an identity check,
/// and who recorded it when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    pub check: VettingCheck,
    pub dates: CheckDates,
    pub id_last4: String,
    pub checked_by: String,
    pub checked_at: OffsetDateTime,
}

/// A registered volunteer with the newest check of each kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volunteer {
    pub user_id: UserId,
    pub school_id: SchoolId,
    pub name: String,
    pub phone: Option<String>,
    pub disabled: bool,
    pub kind: VolunteerKind,
    /// The organisation's name for a 公益组织 volunteer, else empty.
    pub organisation: String,
    pub registered_at: OffsetDateTime,
    /// The newest check of each kind, in the order of [`VettingCheck::ALL`].
    pub checks: Vec<CheckRecord>,
}

impl Volunteer {
    pub fn vetting(&self) -> Vetting {
        let mut v = Vetting::default();
        for c in &self.checks {
            v.set(c.check, c.dates);
        }
        v
    }

    /// Vetted on `on` with this validity, or what is missing or lapsed.
    pub fn vetted(&self, on: Date, valid_months: u8) -> std::result::Result<(), Vec<Gap>> {
        if self.disabled {
            return Err(VettingCheck::ALL.into_iter().map(Gap::Missing).collect());
        }
        is_vetted(&self.vetting(), on, valid_months)
    }
}

/// A registration as entered.
#[derive(Debug, Clone)]
pub struct NewVolunteer {
    pub user: UserId,
    pub kind: VolunteerKind,
    pub organisation: String,
}

/// A check as entered; `id_last4` is required for (and kept only with) an identity check.
#[derive(Debug, Clone)]
pub struct NewCheck {
    pub check: VettingCheck,
    pub dated: Date,
    pub seen_on: Date,
    pub id_last4: Option<IdLast4>,
}

fn day(r: &sqlx::any::AnyRow, column: &str) -> Result<Date> {
    let s: String = r.try_get(column)?;
    parse_date(&s).ok_or_else(|| StoreError::Corrupt(format!("{column} = {s}")))
}

/// A stored code read back, or a corrupt row.
fn code<T>(r: &sqlx::any::AnyRow, column: &str, from_code: fn(&str) -> Option<T>) -> Result<T> {
    let s: String = r.try_get(column)?;
    from_code(&s).ok_or_else(|| StoreError::Corrupt(format!("volunteers.{column} = {s}")))
}

/// The school's local date of `now`.
async fn local_today(store: &Store, school: &SchoolId, now: OffsetDateTime) -> Result<Date> {
    let s = store.school(school).await?;
    Ok(yanshi_domain::school_time::local(now, &s.time_zone).date())
}

fn refuse_unless_admin(who: &User, school: &SchoolId) -> Result<()> {
    if may_manage_volunteers(&who.principal(), school) {
        Ok(())
    } else {
        Err(StoreError::Forbidden("err-volunteer-not-yours"))
    }
}

impl Store {
    /// Registers a Volunteer-role account of the school as a volunteer. A school admin of that
    /// school may; the account must be this school's volunteer and not registered yet.
    pub async fn register_volunteer(&self, who: &User, school: &SchoolId, new: &NewVolunteer, now: OffsetDateTime) -> Result<()> {
        refuse_unless_admin(who, school)?;
        let account = self
            .user(&new.user)
            .await
            .map_err(|_| Invalid::new("user", "err-volunteer-account"))?;
        if account.school_id.as_ref() != Some(school) || account.role != Role::Volunteer {
            return Err(Invalid::new("user", "err-volunteer-account").into());
        }
        let org = organisation(new.kind, &new.organisation)?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO volunteers (user_id, school_id, kind, organisation, registered_by, registered_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new.user.to_string())
        .bind(school.to_string())
        .bind(new.kind.as_str())
        .bind(&org)
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await
        .on_conflict("user", "err-volunteer-registered")?;
        tx.commit(
            Some(school),
            &Actor::User(who.id.clone()),
            "volunteer.register",
            new.user.as_str(),
            json!({ "user": new.user.to_string(), "kind": new.kind.as_str(), "organisation": org }),
            at,
        )
        .await
    }

    /// Records one check of a volunteer, by the member of staff who saw the evidence (a school
    /// admin of the volunteer's school). Never edited: a new check of a kind replaces the old
    /// one in effect, and both stay.
    pub async fn record_volunteer_check(&self, who: &User, volunteer: &UserId, check: &NewCheck, now: OffsetDateTime) -> Result<()> {
        let school = self.volunteer_school(volunteer).await?;
        refuse_unless_admin(who, &school)?;
        let today = local_today(self, &school, now).await?;
        let dates = CheckDates::new(check.dated, check.seen_on, today)?;
        let last4 = match (check.check, &check.id_last4) {
            (VettingCheck::Identity, Some(l)) => l.as_str().to_string(),
            (VettingCheck::Identity, None) => return Err(Invalid::new("id_last4", "err-volunteer-id-last4").into()),
            _ => String::new(),
        };
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO volunteer_checks (id, school_id, user_id, check_kind, dated, seen_on, id_last4, checked_by, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(yanshi_domain::ids::row_id())
        .bind(school.to_string())
        .bind(volunteer.to_string())
        .bind(check.check.as_str())
        .bind(dates.dated.to_string())
        .bind(dates.seen_on.to_string())
        .bind(&last4)
        .bind(who.id.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        // The ID's last four stay out of the audit log: the check and its dates are enough.
        tx.commit(
            Some(&school),
            &Actor::User(who.id.clone()),
            "volunteer.check",
            volunteer.as_str(),
            json!({ "user": volunteer.to_string(), "check": check.check.as_str(), "dated": dates.dated.to_string(), "seen_on": dates.seen_on.to_string() }),
            at,
        )
        .await
    }

    /// How many months a check stays valid at the school.
    pub async fn volunteer_validity(&self, school: &SchoolId) -> Result<u8> {
        let m: Option<i64> = sqlx::query_scalar("SELECT valid_months FROM volunteer_settings WHERE school_id = $1")
            .bind(school.to_string())
            .fetch_optional(self.pool())
            .await?;
        match m {
            None => Ok(DEFAULT_VALID_MONTHS),
            Some(m) => u8::try_from(m).map_err(|_| StoreError::Corrupt(format!("volunteer_settings.valid_months = {m}"))),
        }
    }

    /// Sets the school's validity for volunteers' checks (1–60 months, see the domain).
    pub async fn set_volunteer_validity(&self, who: &User, school: &SchoolId, months: u8, now: OffsetDateTime) -> Result<()> {
        refuse_unless_admin(who, school)?;
        if !(1..=60).contains(&months) {
            return Err(Invalid::new("valid_months", "err-volunteer-valid-months").into());
        }
        let before = self.volunteer_validity(school).await?;
        let at = to_millis(now);
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM volunteer_settings WHERE school_id = $1")
            .bind(school.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO volunteer_settings (school_id, valid_months, updated_by, updated_at) VALUES ($1, $2, $3, $4)")
            .bind(school.to_string())
            .bind(i64::from(months))
            .bind(who.id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit(
            Some(school),
            &Actor::User(who.id.clone()),
            "volunteer.set_validity",
            school.as_str(),
            json!({ "valid_months": months, "before": before }),
            at,
        )
        .await
    }

    /// The school of a registered volunteer (not found when the account is not one).
    async fn volunteer_school(&self, volunteer: &UserId) -> Result<SchoolId> {
        let s: String = sqlx::query_scalar("SELECT school_id FROM volunteers WHERE user_id = $1")
            .bind(volunteer.to_string())
            .fetch_one(self.pool())
            .await?;
        Ok(SchoolId::from_db(s))
    }

    /// The school's volunteers, by name, each with their newest checks.
    pub async fn volunteers(&self, school: &SchoolId) -> Result<Vec<Volunteer>> {
        self.read_volunteers(school, None).await
    }

    /// One volunteer of the school (not found when the account is not one of its volunteers).
    pub async fn volunteer(&self, school: &SchoolId, user: &UserId) -> Result<Volunteer> {
        self.read_volunteers(school, Some(user)).await?.pop().ok_or(StoreError::NotFound)
    }

    /// Volunteer-role accounts of the school not registered yet: (id, name).
    pub async fn unregistered_volunteer_accounts(&self, school: &SchoolId) -> Result<Vec<(UserId, String)>> {
        let rows = sqlx::query(
            "SELECT u.id, u.display_name FROM users u LEFT JOIN volunteers v ON v.user_id = u.id \
             WHERE u.school_id = $1 AND u.role = $2 AND u.disabled_at IS NULL AND v.user_id IS NULL ORDER BY u.display_name",
        )
        .bind(school.to_string())
        .bind(Role::Volunteer.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((UserId::from_db(r.try_get("id")?), r.try_get("display_name")?)))
            .collect()
    }

    async fn read_volunteers(&self, school: &SchoolId, one: Option<&UserId>) -> Result<Vec<Volunteer>> {
        let rows = sqlx::query(
            "SELECT v.user_id, v.kind, v.organisation, v.registered_at, u.display_name, u.phone, u.disabled_at FROM volunteers v JOIN users u ON u.id = v.user_id \
             WHERE v.school_id = $1 AND ($2 = '' OR v.user_id = $2) ORDER BY u.display_name, v.user_id",
        )
        .bind(school.to_string())
        .bind(one.map(ToString::to_string).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        // Every check of the school (or the one volunteer), oldest first: the newest of a kind wins.
        let checks = sqlx::query(
            "SELECT c.user_id, c.check_kind, c.dated, c.seen_on, c.id_last4, c.checked_at, u.display_name FROM volunteer_checks c JOIN users u ON u.id = c.checked_by \
             WHERE c.school_id = $1 AND ($2 = '' OR c.user_id = $2) ORDER BY c.checked_at, c.id",
        )
        .bind(school.to_string())
        .bind(one.map(ToString::to_string).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        let mut newest: HashMap<String, HashMap<VettingCheck, CheckRecord>> = HashMap::new();
        for r in &checks {
            let check = code(r, "check_kind", VettingCheck::from_code)?;
            let record = CheckRecord {
                check,
                dates: CheckDates {
                    dated: day(r, "dated")?,
                    seen_on: day(r, "seen_on")?,
                },
                id_last4: r.try_get("id_last4")?,
                checked_by: r.try_get("display_name")?,
                checked_at: from_millis(r.try_get("checked_at")?),
            };
            newest.entry(r.try_get("user_id")?).or_default().insert(check, record);
        }
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("user_id")?;
                let mut mine = newest.remove(&id).unwrap_or_default();
                Ok(Volunteer {
                    user_id: UserId::from_db(id),
                    school_id: school.clone(),
                    name: r.try_get("display_name")?,
                    phone: r.try_get("phone")?,
                    disabled: r.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
                    kind: code(r, "kind", VolunteerKind::from_code)?,
                    organisation: r.try_get("organisation")?,
                    registered_at: from_millis(r.try_get("registered_at")?),
                    checks: VettingCheck::ALL.into_iter().filter_map(|c| mine.remove(&c)).collect(),
                })
            })
            .collect()
    }

    /// The school's volunteers vetted on `on` (every check within the school's validity, the
    /// account not disabled): whom the roster generator may place.
    pub async fn vetted_volunteers(&self, school: &SchoolId, on: Date) -> Result<Vec<UserId>> {
        let months = self.volunteer_validity(school).await?;
        Ok(self
            .volunteers(school)
            .await?
            .into_iter()
            .filter(|v| v.vetted(on, months).is_ok())
            .map(|v| v.user_id)
            .collect())
    }

    /// Is this account a volunteer of `school` vetted on `on`?
    pub async fn is_vetted_volunteer(&self, school: &SchoolId, user: &UserId, on: Date) -> Result<bool> {
        let months = self.volunteer_validity(school).await?;
        match self.volunteer(school, user).await {
            Ok(v) => Ok(v.vetted(on, months).is_ok()),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
