//! The demo school (演示小学): one account per role, and a realistic school behind them —
//! 6 grades × 4 classes × about 40 children, about 60 staff, guardians, pickup adults, a
//! leadership group and a current term in which today is a service day. `--demo-schools N`
//! makes a district of N such schools. Phones use the 100 prefix, which no operator assigns,
//! so no real person is ever messaged.

mod duty;
mod people;
mod term;

use anyhow::Context;
use people::{fill, name};
use term::ensure_service_today;
use time::OffsetDateTime;
use yanshi_domain::account::{Login, NewPassword, PhoneNumber, Username};
use yanshi_domain::password;
use yanshi_domain::role::Role;
use yanshi_domain::school_time::DEFAULT_TIME_ZONE;
use yanshi_store::{Actor, NewUser, School, Store};

pub const DEMO_SCHOOL: &str = "演示小学（Demo）";
pub const DEMO_PASSWORD: &str = "yanshi-demo";
/// The TOTP secret of the demo admin accounts, printed at start so anyone can add it to an
/// authenticator app (or ask `yanshi demo-code`). Never used outside the demo.
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// (login, name, role). A login of 11 digits is a phone: guardians sign in by phone.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role)] = &[
    ("district", "区教育局 周主任", Role::DistrictAdmin),
    ("admin", "李校长", Role::SchoolAdmin),
    ("grade3", "陈主任（三年级）", Role::GradeDirector),
    ("teacher", "王老师（三年级二班班主任）", Role::ClassTeacher),
    ("duty", "赵老师（值班）", Role::Teacher),
    ("volunteer", "孙阿姨（家长志愿者）", Role::Volunteer),
    ("10000000001", "张丽", Role::Guardian),
];

/// Creates the demo district (or reuses it): `schools` schools, the first holding the demo accounts.
pub async fn ensure(store: &Store, now: OffsetDateTime, schools: usize) -> anyhow::Result<()> {
    let pw = NewPassword::parse(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("demo password: {e}"))?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw)).await?;
    for i in 0..schools.max(1) {
        let school_name = if i == 0 {
            DEMO_SCHOOL.to_string()
        } else {
            format!("演示第{}小学（Demo）", yanshi_domain::school::chinese_number(i as u32 + 1))
        };
        let school = match store.school_by_name(&school_name).await? {
            Some(s) => s,
            None => {
                store
                    .create_school(&Actor::System, &school_name, DEFAULT_TIME_ZONE, true, now)
                    .await?
            }
        };
        if i == 0 {
            ensure_accounts(store, &school, &hash, now).await?;
        }
        if store.classes(&school.id).await?.is_empty() {
            fill(store, &school, i as u64, &hash, now)
                .await
                .with_context(|| format!("filling {school_name}"))?;
        }
        ensure_service_today(store, &school, now).await?;
        if i == 0 {
            duty::ensure_roster(store, &school, now).await?;
        }
    }
    Ok(())
}

async fn ensure_accounts(store: &Store, school: &School, hash: &str, now: OffsetDateTime) -> anyhow::Result<()> {
    for (login, display, role) in DEMO_ACCOUNTS {
        let parsed = Login::parse(login).map_err(|e| anyhow::anyhow!("{e}"))?;
        if store.user_by_login(&parsed).await?.is_some() {
            continue;
        }
        let guardian = *role == Role::Guardian;
        let new = NewUser {
            school_id: (!role.is_district_wide()).then(|| school.id.clone()),
            role: *role,
            username: if guardian {
                None
            } else {
                Some(Username::parse(login).map_err(|e| anyhow::anyhow!("{e}"))?)
            },
            phone: if guardian {
                Some(PhoneNumber::parse(login).map_err(|e| anyhow::anyhow!("{e}"))?)
            } else {
                None
            },
            display_name: name(display)?,
            password_hash: hash.to_string(),
        };
        let user = store
            .create_user(&Actor::System, new, now)
            .await
            .with_context(|| format!("demo account {login}"))?;
        if role.requires_two_factor() {
            store.begin_totp_enrolment(&user.id, DEMO_TOTP_SECRET).await?;
            store.enable_totp(&Actor::System, &user, 0, now).await?;
        }
    }
    Ok(())
}

pub fn print_accounts() {
    println!("演示学校 / demo school: {DEMO_SCHOOL}");
    println!("演示账号 / demo accounts (密码 / password: {DEMO_PASSWORD}):");
    for (login, display, role) in DEMO_ACCOUNTS {
        println!("  {login:<12} {:<15} {display}", role.as_str());
    }
    println!("  另有每班班主任 ct11…ct64、年级主任 director1…director6 / class teachers ct11…ct64, grade directors director1…director6");
    println!("管理员两步验证密钥 / admins' TOTP secret: {DEMO_TOTP_SECRET}");
    println!("  (当前验证码 / current code: yanshi demo-code)");
}
