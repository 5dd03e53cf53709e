//! The demo school (演示小学): one account per role, for trying yanshi out and for tests.
//! Later issues fill it with grades, classes and children.

use anyhow::Context;
use time::OffsetDateTime;
use yanshi_domain::account::{DisplayName, NewPassword, PhoneNumber, Username};
use yanshi_domain::password;
use yanshi_domain::role::Role;
use yanshi_domain::school_time::DEFAULT_TIME_ZONE;
use yanshi_store::{Actor, NewUser, Store};

pub const DEMO_SCHOOL: &str = "演示小学（Demo）";
pub const DEMO_PASSWORD: &str = "yanshi-demo";
/// The TOTP secret of the demo admin accounts, printed at start so anyone can add it to an
/// authenticator app (or ask `yanshi demo-code`). Never used outside the demo school.
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// (login, name, role). A login of 11 digits is a phone: guardians sign in by phone. The
/// 100-prefix is not a number any operator assigns, so no real person is ever messaged.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role)] = &[
    ("district", "区教育局 周主任", Role::DistrictAdmin),
    ("admin", "李校长", Role::SchoolAdmin),
    ("grade3", "陈主任（三年级）", Role::GradeDirector),
    ("teacher", "王老师（三年级二班班主任）", Role::ClassTeacher),
    ("duty", "赵老师（值班）", Role::Teacher),
    ("volunteer", "孙阿姨（家长志愿者）", Role::Volunteer),
    ("10000000001", "张丽（王小明妈妈）", Role::Guardian),
];

/// Creates the demo school and its accounts, or reuses them if they exist.
pub async fn ensure(store: &Store, now: OffsetDateTime) -> anyhow::Result<()> {
    let school = match store.school_by_name(DEMO_SCHOOL).await? {
        Some(s) => s,
        None => {
            store
                .create_school(&Actor::System, DEMO_SCHOOL, DEFAULT_TIME_ZONE, true, now)
                .await?
        }
    };
    let pw = NewPassword::parse(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("demo password: {e}"))?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw)).await?;
    for (login, name, role) in DEMO_ACCOUNTS {
        let parsed = yanshi_domain::account::Login::parse(login).map_err(|e| anyhow::anyhow!("{e}"))?;
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
            display_name: DisplayName::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?,
            password_hash: hash.clone(),
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
    for (login, name, role) in DEMO_ACCOUNTS {
        println!("  {login:<12} {:<15} {name}", role.as_str());
    }
    println!("管理员两步验证密钥 / admins' TOTP secret: {DEMO_TOTP_SECRET}");
    println!("  (当前验证码 / current code: yanshi demo-code)");
}
