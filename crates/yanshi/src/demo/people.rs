//! The demo school's people: names from a small deterministic generator (the same demo every
//! time), classes, staff, children, guardians and pickup adults, and the leadership group.

use anyhow::Context;
use time::OffsetDateTime;
use yanshi_domain::account::{DisplayName, Login, PhoneNumber, Username};
use yanshi_domain::family::{Gender, PickupLevel, PriorityGroup, StudentNumber};
use yanshi_domain::ids::SchoolId;
use yanshi_domain::role::Role;
use yanshi_domain::roster::{RosterGuardian, RosterStaff, RosterStudent};
use yanshi_domain::school::{Grade, PlaceKind};
use yanshi_store::people::NewPickupAdult;
use yanshi_store::setup::{LeaderPosition, LeadershipMember};
use yanshi_store::{Actor, NewUser, School, Store};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁",
    "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程",
    "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟",
];
const BOY: &[&str] = &[
    "浩然", "子轩", "宇航", "梓豪", "俊杰", "一鸣", "博文", "嘉懿", "子墨", "天佑", "明轩", "睿", "晨阳", "思远", "浩宇", "泽宇", "铭",
    "瑞霖", "皓轩", "晓东",
];
const GIRL: &[&str] = &[
    "欣怡", "梓涵", "诗涵", "雨桐", "紫萱", "可馨", "思彤", "语嫣", "若汐", "佳琪", "梦瑶", "一诺", "芷若", "雨欣", "静怡", "安琪", "晓雯",
    "心悦", "乐瑶", "子琪",
];
const MOTHER: &[&str] = &["丽", "静", "敏", "燕", "芳", "娟", "霞", "红", "玲", "婷", "慧", "琳"];
const FATHER: &[&str] = &["强", "伟", "军", "磊", "涛", "斌", "勇", "杰", "鹏", "超", "刚", "峰"];

/// A small deterministic generator: the same demo every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }
}

pub(super) fn name(s: &str) -> anyhow::Result<DisplayName> {
    DisplayName::parse(s).map_err(|e| anyhow::anyhow!("{e}"))
}

fn phone(n: u64) -> anyhow::Result<PhoneNumber> {
    PhoneNumber::parse(&format!("100{:08}", n % 100_000_000)).map_err(|e| anyhow::anyhow!("{e}"))
}

pub(super) async fn fill(store: &Store, school: &School, seed: u64, hash: &str, now: OffsetDateTime) -> anyhow::Result<()> {
    let actor = Actor::System;
    let id = &school.id;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (seed + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    store
        .update_school_settings(
            &actor,
            id,
            "山东省潍坊市奎文区胜利东街 100 号",
            "0536-0000000",
            &yanshi_domain::calendar::ServicePolicy::default(),
            now,
        )
        .await?;
    let leaders = [
        (LeaderPosition::Leader, "李校长", "校长"),
        (LeaderPosition::Deputy, "陈主任", "教导主任"),
        (LeaderPosition::Deputy, "刘主任", "安全办主任"),
        (LeaderPosition::Member, "王老师", "三年级二班班主任"),
        (LeaderPosition::Member, "赵老师", "值班教师"),
    ];
    let leaders: Vec<_> = leaders
        .iter()
        .map(|(p, n, t)| LeadershipMember {
            position: *p,
            name: n.to_string(),
            title: t.to_string(),
        })
        .collect();
    store.set_leadership(&actor, id, &leaders, now).await?;
    store.create_standard_classes(&actor, id, 4, now).await?;
    for (place, kind) in [
        ("一楼东楼道", PlaceKind::Hallway),
        ("二楼西楼道", PlaceKind::Hallway),
        ("南校门", PlaceKind::Gate),
        ("传达室旁等候室", PlaceKind::WaitingRoom),
    ] {
        store.create_place(&actor, id, place, kind, now).await?;
    }
    let prefix = if seed == 0 { String::new() } else { format!("s{}", seed + 1) };
    // Class teachers and grade directors. In the first school, the demo logins take 三年级二班 and grade 3.
    for class in store.classes(id).await? {
        let teacher = if seed == 0 && class.grade == 3 && class.number == 2 {
            store
                .user_by_login(&Login::parse("teacher").map_err(|e| anyhow::anyhow!("{e}"))?)
                .await?
                .map(|u| u.id)
                .context("demo teacher")?
        } else {
            let display = format!("{}{}老师", rng.pick(SURNAMES), if rng.chance(2) { "" } else { "小" });
            staff_account(
                store,
                id,
                &format!("{prefix}ct{}{}", class.grade, class.number),
                &display,
                Role::ClassTeacher,
                hash,
                now,
            )
            .await?
        };
        store.set_class_teacher(&actor, &class.id, Some(&teacher), now).await?;
    }
    for g in Grade::ALL {
        let director = if seed == 0 && g.number() == 3 {
            store
                .user_by_login(&Login::parse("grade3").map_err(|e| anyhow::anyhow!("{e}"))?)
                .await?
                .map(|u| u.id)
                .context("demo grade director")?
        } else {
            let display = format!("{}主任（{}）", rng.pick(SURNAMES), g.name_zh());
            staff_account(
                store,
                id,
                &format!("{prefix}director{}", g.number()),
                &display,
                Role::GradeDirector,
                hash,
                now,
            )
            .await?
        };
        store.set_grade_director(&actor, id, g, Some(&director), now).await?;
    }
    // About 60 staff records.
    let titles = [
        "语文教师",
        "数学教师",
        "英语教师",
        "体育教师",
        "音乐教师",
        "美术教师",
        "科学教师",
        "信息技术教师",
        "心理教师",
        "校医",
    ];
    let staff: Vec<RosterStaff> = (1..=60)
        .map(|n| RosterStaff {
            row: n + 1,
            staff_number: format!("T{n:03}"),
            name: {
                let given = if rng.chance(2) { MOTHER } else { FATHER };
                format!("{}{}", rng.pick(SURNAMES), rng.pick(given))
            },
            phone: phone(90_000_000 + seed * 1000 + n as u64).ok(),
            title: titles[n % titles.len()].to_string(),
        })
        .collect();
    store.import_staff(&actor, id, &staff, "demo", now).await?;
    // 6 × 4 classes × about 40 children, one or two guardians each.
    let mut rows = Vec::new();
    let mut counter = seed * 10_000_000 + 100;
    for g in 1..=6u32 {
        for c in 1..=4u8 {
            for k in 0..(38 + (rng.next() % 5) as usize) {
                counter += 1;
                let girl = rng.chance(2);
                let surname = rng.pick(SURNAMES);
                let given = if girl { GIRL } else { BOY };
                let mut student_name = format!("{surname}{}", rng.pick(given));
                let mut guardians = vec![RosterGuardian {
                    name: format!("{}{}", rng.pick(SURNAMES), rng.pick(MOTHER)),
                    relationship: "母亲".into(),
                    phone: phone(counter * 3)?,
                }];
                if rng.chance(3) || (seed == 0 && g == 3 && c == 2 && k == 0) {
                    guardians.push(RosterGuardian {
                        name: format!("{surname}{}", rng.pick(FATHER)),
                        relationship: "父亲".into(),
                        phone: phone(counter * 3 + 1)?,
                    });
                }
                // The demo guardian's own child: 王小明 of 三年级二班.
                if seed == 0 && g == 3 && c == 2 && k == 0 {
                    student_name = "王小明".into();
                    guardians[0] = RosterGuardian {
                        name: "张丽".into(),
                        relationship: "母亲".into(),
                        phone: phone(1)?,
                    };
                    guardians[1].name = "王强".into();
                }
                let priority_groups = if rng.chance(8) {
                    vec![[PriorityGroup::DualWorking, PriorityGroup::LeftBehind, PriorityGroup::MigrantChild][(rng.next() % 3) as usize]]
                } else {
                    vec![]
                };
                let health_notes = if rng.chance(20) {
                    ["哮喘，随身带喷雾", "花生过敏", "先天性心脏病，避免剧烈运动"][(rng.next() % 3) as usize].to_string()
                } else {
                    String::new()
                };
                rows.push(RosterStudent {
                    row: rows.len() + 2,
                    number: StudentNumber::parse(&format!("{}{g}{c}{k:02}", 2026 - g as i32 + 1)).map_err(|e| anyhow::anyhow!("{e}"))?,
                    name: student_name,
                    gender: if girl { Gender::Female } else { Gender::Male },
                    birth_date: time::Date::from_calendar_date(
                        2026 - g as i32 - 6,
                        time::Month::try_from((rng.next() % 12 + 1) as u8)?,
                        (rng.next() % 28 + 1) as u8,
                    )
                    .ok(),
                    grade: Grade::new(g).map_err(|e| anyhow::anyhow!("{e}"))?,
                    class_number: c,
                    guardians,
                    priority_groups,
                    health_notes,
                });
            }
        }
    }
    store.import_students(&actor, id, &rows, "demo", now).await?;
    // One grandparent for each child; some only in an emergency; a few custody limits.
    let mut n = 0u64;
    for class in store.classes(id).await? {
        for (student, _) in store.students_of_class(&class.id).await? {
            n += 1;
            let (who, relationship, level) = if n.is_multiple_of(40) {
                (
                    format!("{}{}", student.name.chars().next().unwrap_or('王'), rng.pick(FATHER)),
                    "父亲（监护限制）",
                    PickupLevel::Never,
                )
            } else if n.is_multiple_of(10) {
                (
                    format!("{}{}", rng.pick(SURNAMES), rng.pick(MOTHER)),
                    "邻居",
                    PickupLevel::EmergencyOnly,
                )
            } else {
                let grandparent = if rng.chance(2) { "奶奶" } else { "爷爷" };
                (format!("{}{grandparent}", rng.pick(SURNAMES)), grandparent, PickupLevel::Always)
            };
            let adult = NewPickupAdult {
                name: name(&who)?,
                relationship: relationship.into(),
                phone: phone(50_000_000 + seed * 100_000 + n)?,
                id_last4: Some(format!("{:04}", rng.next() % 10_000)),
                photo: None,
                adult_confirmed: true,
                level,
            };
            store.add_pickup_adult(&actor, &student, adult, now).await?;
        }
    }
    // The demo guardian account belongs to 张丽's guardian record.
    if seed == 0
        && let Some(user) = store
            .user_by_login(&Login::parse("10000000001").map_err(|e| anyhow::anyhow!("{e}"))?)
            .await?
    {
        store.link_guardian_account(id, &phone(1)?, &user.id).await?;
    }
    Ok(())
}

/// A staff account for a class teacher or grade director the demo needs but has no login for.
async fn staff_account(
    store: &Store,
    school: &SchoolId,
    username: &str,
    display: &str,
    role: Role,
    hash: &str,
    now: OffsetDateTime,
) -> anyhow::Result<yanshi_domain::ids::UserId> {
    let login = Login::parse(username).map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(u) = store.user_by_login(&login).await? {
        return Ok(u.id);
    }
    let new = NewUser {
        school_id: Some(school.clone()),
        role,
        username: Some(Username::parse(username).map_err(|e| anyhow::anyhow!("{e}"))?),
        phone: None,
        display_name: name(display)?,
        password_hash: hash.to_string(),
    };
    Ok(store.create_user(&Actor::System, new, now).await?.id)
}
