//! The demo school's calendar: a current term in which today is a service day, and the class
//! whose children the demo enrols the way the plan says.

use super::people::name;
use time::{Duration, OffsetDateTime, macros::time};
use yanshi_domain::account::{Login, PhoneNumber};
use yanshi_domain::calendar::{GradeTimes, HolidayCalendar, OverrideKind, SchoolOverride, Season};
use yanshi_domain::role::Role;
use yanshi_domain::school_time::local;
use yanshi_store::terms::NewTerm;
use yanshi_store::{Actor, NewUser, School, Store};

/// A current term around today, and today a service day (an extra day if it falls on a
/// weekend or holiday), so the afternoon can be tried at any time.
pub(super) async fn ensure_service_today(store: &Store, school: &School, now: OffsetDateTime) -> anyhow::Result<()> {
    let today = local(now, &school.time_zone).date();
    let term = match store.term_on(&school.id, today).await? {
        Some(t) => t,
        None => {
            let mut times = GradeTimes::default();
            for g in 1..=6u8 {
                times.dismissal.insert((g, 0), if g <= 2 { time!(15:30) } else { time!(16:10) });
                times.dismissal.insert((g, 5), if g <= 2 { time!(15:00) } else { time!(15:40) });
                times.end.insert((g, Season::Summer), time!(18:00));
                times.end.insert((g, Season::Winter), time!(18:00));
            }
            let (name, starts, ends) = school_term_around(today);
            let cal = HolidayCalendar::bundled();
            let new = NewTerm {
                name,
                starts_on: starts,
                ends_on: ends,
                first_service_day: Some(cal.first_workday_from(starts).min(today)),
                last_service_day: None,
                times,
            };
            store.create_term(&Actor::System, &school.id, new, now).await?
        }
    };
    // Applications open with the notice to parents (告家长书).
    if store.current_notice(&term.id).await?.is_none()
        && let Some(admin) = store
            .user_by_login(&Login::parse("admin").map_err(|e| anyhow::anyhow!("{e}"))?)
            .await?
        && admin.school_id.as_ref() == Some(&school.id)
    {
        let body = yanshi_domain::agreement::DEFAULT_NOTICE
            .replace("{school}", &school.name)
            .replace("{term}", &term.name)
            .replace("{times}", "18:00")
            .replace("{deadline}", &term.dates.last_service_day.to_string())
            .replace("{contact}", "0536-0000000");
        store.publish_notice(&admin, &term.id, &body, now).await?;
    }
    enrol_demo_class(store, school, &term, now).await?;
    let cal = store.service_calendar(term).await?;
    if !cal.status(today, 3).is_service() && !store.calendar_overrides(&school.id).await?.iter().any(|o| o.value.date == today) {
        let o = SchoolOverride {
            date: today,
            kind: OverrideKind::ExtraDay,
            grade: None,
            reason: "演示：今天照常开展延时服务".into(),
        };
        store.add_calendar_override(&Actor::System, &school.id, &o, now).await?;
    }
    Ok(())
}

/// The real term a date falls in (autumn: 1 September to late January; spring: mid February to
/// early July), or a demo term around it in the summer vacation.
fn school_term_around(today: time::Date) -> (String, time::Date, time::Date) {
    use time::{Date, Month};
    let y = today.year();
    let d = |y, m, day| Date::from_calendar_date(y, m, day).unwrap_or(today);
    let (name, starts, ends) = match today.month() {
        Month::September | Month::October | Month::November | Month::December => (
            format!("{y}-{}学年第一学期", y + 1),
            d(y, Month::September, 1),
            d(y + 1, Month::January, 31),
        ),
        Month::January => (
            format!("{}-{y}学年第一学期", y - 1),
            d(y - 1, Month::September, 1),
            d(y, Month::January, 31),
        ),
        Month::August => (
            format!("{y}年暑期演示学期"),
            today - Duration::days(30),
            today + Duration::days(120),
        ),
        _ => (
            format!("{}-{y}学年第二学期", y - 1),
            d(y, Month::February, 15),
            d(y, Month::July, 10),
        ),
    };
    if starts <= today && today <= ends {
        (name, starts, ends)
    } else {
        (format!("演示学期 {y}"), today - Duration::days(30), today + Duration::days(120))
    }
}

/// The children of 三年级二班 (all but 王小明, whom the demo guardian enrols by hand) take part
/// this term, the way the plan says: each primary guardian gets an account, applies, the class
/// teacher and the school approve, the guardian signs and the principal countersigns. So the
/// classroom door has a full class to hand over.
async fn enrol_demo_class(store: &Store, school: &School, term: &yanshi_store::terms::Term, now: OffsetDateTime) -> anyhow::Result<()> {
    use yanshi_domain::enrolment::{PickupPlan, Step, Terms, Weekdays};
    use yanshi_store::enrolment::{Application, Decision, SignatureInput};
    let login = |s: &str| Login::parse(s).map_err(|e| anyhow::anyhow!("{e}"));
    let (Some(admin), Some(teacher)) = (
        store.user_by_login(&login("admin")?).await?,
        store.user_by_login(&login("teacher")?).await?,
    ) else {
        return Ok(());
    };
    if admin.school_id.as_ref() != Some(&school.id) || !store.enrolments_of_term(&term.id).await?.is_empty() {
        return Ok(());
    }
    let Some(class) = store.classes(&school.id).await?.into_iter().find(|c| c.grade == 3 && c.number == 2) else {
        return Ok(());
    };
    let Some(notice) = store.current_notice(&term.id).await? else {
        return Ok(());
    };
    let hash = store.credentials(&admin.id).await?.password_hash;
    for (student, guardians) in store.students_of_class(&class.id).await? {
        let Some(primary) = guardians.into_iter().find(|g| g.is_primary) else {
            continue;
        };
        if student.name == "王小明" || primary.has_account {
            continue;
        }
        let phone = PhoneNumber::parse(&primary.phone).map_err(|e| anyhow::anyhow!("{e}"))?;
        let new = NewUser {
            school_id: Some(school.id.clone()),
            role: Role::Guardian,
            username: None,
            phone: Some(phone.clone()),
            display_name: name(&primary.name)?,
            password_hash: hash.clone(),
        };
        let guardian = store.create_user(&Actor::System, new, now).await?;
        store.link_guardian_account(&school.id, &phone, &guardian.id).await?;
        store.mark_notice_read(&guardian, &notice.id, now).await?;
        let application = Application {
            terms: Terms {
                weekdays: Weekdays::ALL_SCHOOL_DAYS,
                latest_pickup: time!(18:00),
                pickup_plan: PickupPlan::ByAdults,
            },
            health_disclosure: "无".into(),
            reason: "父母下班晚，无法按时接孩子".into(),
            priority_group: None,
            consent_version: yanshi_domain::agreement::PRIVACY_NOTICE_VERSION.into(),
            notice_id: Some(notice.id.clone()),
        };
        let id = store.apply(&guardian, &student.id, &term.id, &application, true, now).await?;
        store
            .enrolment_step(&teacher, &id, Step::ClassApprove, Decision::default(), now)
            .await?;
        store
            .enrolment_step(&admin, &id, Step::SchoolApprove, Decision::default(), now)
            .await?;
        let agreement = store.agreements(&id).await?.remove(0);
        for (who, typed) in [(&guardian, primary.name.as_str()), (&admin, "李校长")] {
            let input = SignatureInput {
                agreement: agreement.id.clone(),
                seen_hash: agreement.text_hash.clone(),
                typed_name: typed.into(),
                statement_ticked: true,
                drawing: None,
                device: "demo".into(),
            };
            store.sign_agreement(who, &id, &input, now).await?;
        }
    }
    Ok(())
}
