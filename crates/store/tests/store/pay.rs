//! 绩效工资: the report counts only what was signed (daily records, the duty log, published
//! covers), leaders correct it with a reason and lock it, and a teacher reads only their own.

use crate::fixtures::{NOW, World, account, forbidden, key};
use sqlx::AnyPool;
use time::macros::{date, datetime};
use yanshi_domain::account::DisplayName;
use yanshi_domain::pay::{CareBasis, PayKind, PeriodSpec, WorkloadRates};
use yanshi_domain::role::Role;
use yanshi_store::afternoon::PlanInput;
use yanshi_store::pay::NewCorrection;
use yanshi_store::people::NewStaff;
use yanshi_store::{Actor, Backend, User};

contract!(pay_counts_what_was_signed_and_a_locked_report_stays,);

/// Raw rows the duty roster's own code will write (its store lands separately): a post, a
/// signed duty-log row, a turn.
struct Raw {
    pool: AnyPool,
    school: String,
}

impl Raw {
    async fn exec(&self, sql: &'static str, args: &[&str]) {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(a.to_string());
        }
        q.execute(&self.pool).await.unwrap();
    }

    async fn post(&self, kind: &str, by: &User) -> String {
        let id = yanshi_domain::ids::row_id();
        self.exec(
            "INSERT INTO duty_posts (id, school_id, kind, name, weekdays, grades, starts, ends, needs, weight_permille, roles, active, updated_by, updated_at) \
             VALUES ($1, $2, $3, $3, '12345', '', '16:00', '18:00', 1, 1000, '', 1, $4, 0)",
            &[&id, &self.school, kind, by.id.as_str()],
        )
        .await;
        id
    }

    async fn log(&self, post: &str, kind: &str, who: &User, day: &str, minutes: &str, covered_for: Option<&User>) {
        let id = yanshi_domain::ids::row_id();
        let covered = covered_for.map(|u| u.id.to_string()).unwrap_or_default();
        self.exec(
            "INSERT INTO duty_log (id, school_id, day, post_id, kind, user_id, checked, happened, minutes, covered_for, signed_name, signed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, '', '', CAST($7 AS BIGINT), NULLIF($8, ''), $9, 0)",
            &[&id, &self.school, day, post, kind, who.id.as_str(), minutes, &covered, &who.display_name],
        )
        .await;
    }

    /// A cover of `class` by `who` for `absent` on `day`, in the published roster or the draft.
    async fn cover(&self, term: &str, class: &str, who: &User, absent: &User, day: &str, published: &str) {
        self.exec(
            "INSERT INTO duty_turns (id, school_id, term_id, day, slot, class_id, user_id, published, source, covers_user_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, CAST($7 AS BIGINT), 'COVER', $8, $8, 0)",
            &[&yanshi_domain::ids::row_id(), &self.school, term, day, class, who.id.as_str(), published, absent.id.as_str()],
        )
        .await;
    }

    /// A signed record of `class` on `day` whose workload says `who` took it for `minutes`.
    async fn signed_session(&self, class: &str, who: &User, role: &str, day: &str, minutes: &str) {
        let record = yanshi_domain::ids::row_id();
        let existing: Option<String> = sqlx::query_scalar("SELECT id FROM service_records WHERE class_id = $1 AND day = $2")
            .bind(class.to_string())
            .bind(day.to_string())
            .fetch_optional(&self.pool)
            .await
            .unwrap();
        let record = match existing {
            Some(id) => id,
            None => {
                self.exec(
                    "INSERT INTO service_records (id, school_id, class_id, day, notes, status, facts, text_sha256, signed_by, signed_name, signed_at, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, '', 'SIGNED', '{}', 'x', $5, 'x', 0, $5, 0)",
                    &[&record, &self.school, class, day, who.id.as_str()],
                )
                .await;
                record
            }
        };
        self.exec(
            "INSERT INTO workload_entries (id, school_id, record_id, user_id, class_id, day, role, started_at, ended_at, minutes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, CAST($8 AS BIGINT))",
            &[
                &yanshi_domain::ids::row_id(),
                &self.school,
                &record,
                who.id.as_str(),
                class,
                day,
                role,
                minutes,
            ],
        )
        .await;
    }
}

fn rates(basis: CareBasis) -> WorkloadRates {
    WorkloadRates {
        basis,
        care_session: 5000,
        care_hour: 3000,
        duty: 2000,
        leader: 3000,
        cover: 1500,
    }
}

/// (kind, count, minutes, fen) of one person's lines, months summed.
fn lines(p: &yanshi_domain::pay::PersonPay) -> Vec<(PayKind, i64, i64, i64)> {
    yanshi_domain::pay::sheet_rows(std::slice::from_ref(p))
        .into_iter()
        .filter(|r| r.correction.is_none())
        .map(|r| (r.kind, r.count, r.minutes, r.amount_fen))
        .collect()
}

async fn pay_counts_what_was_signed_and_a_locked_report_stays(backend: Backend) {
    let w = World::new(backend).await;
    let s = &w.store;
    let raw = Raw {
        pool: AnyPool::connect(&w._db.url).await.unwrap(),
        school: w.school.id.to_string(),
    };
    let volunteer = account(s, &w.school, Role::Volunteer, "vol", "志愿者甲", NOW).await;
    let staff = s
        .create_staff(
            &Actor::Cli,
            &w.school.id,
            NewStaff {
                staff_number: "T002".into(),
                name: DisplayName::parse("王老师").unwrap(),
                phone: None,
                title: "语文教师".into(),
            },
            NOW,
        )
        .await
        .unwrap();
    s.link_staff_account(&Actor::Cli, &staff.id, &w.teacher.id, NOW).await.unwrap();
    let class = s.class(&w.child.class_id).await.unwrap();
    let other_class = s
        .classes(&w.school.id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == "一年级一班")
        .unwrap();
    let (c3, c1) = (class.id.to_string(), other_class.id.to_string());

    // Thursdays 王老师 takes homework help: a plan, which alone pays nothing.
    s.set_session_plan(
        &w.teacher,
        &class,
        &w.term.id,
        &PlanInput {
            weekday: 4,
            content: "作业辅导".into(),
            note: String::new(),
            teacher: Some(w.teacher.id.clone()),
            volunteer: None,
        },
        NOW,
    )
    .await
    .unwrap();
    s.set_workload_rates(&w.admin, &w.school.id, rates(CareBasis::Session), NOW)
        .await
        .unwrap();
    assert_eq!(s.workload_rates(&w.school.id).await.unwrap(), rates(CareBasis::Session));
    assert_eq!(
        forbidden(
            s.set_workload_rates(&w.teacher, &w.school.id, WorkloadRates::default(), NOW)
                .await
                .unwrap_err()
        ),
        "err-pay-not-yours"
    );
    let spec = |name: &str, a: &str, b: &str| PeriodSpec::new(name, a, b, w.term.dates.starts_on, w.term.dates.ends_on).unwrap();
    let period = s
        .create_pay_period(&w.admin, &w.term, spec("2026年9–10月", "2026-09", "2026-10"), NOW)
        .await
        .unwrap();
    assert_eq!(
        key(s
            .create_pay_period(&w.admin, &w.term, spec("9月", "2026-09", "2026-09"), NOW)
            .await
            .unwrap_err()),
        "err-pay-period-overlaps"
    );
    assert_eq!(
        key(s
            .create_pay_period(&w.admin, &w.term, spec("2026年9–10月", "2026-11", "2026-11"), NOW)
            .await
            .unwrap_err()),
        "err-pay-period-taken"
    );
    assert_eq!(
        forbidden(
            s.create_pay_period(&w.teacher, &w.term, spec("11月", "2026-11", "2026-11"), NOW)
                .await
                .unwrap_err()
        ),
        "err-pay-not-yours"
    );
    let report = s.pay_report(&period).await.unwrap();
    assert!(report.people.is_empty(), "a plan with no signed record counts nothing");

    // Thursday 09-10: 王老师 signs the class's record (no child enrolled yet), which writes the workload.
    let thu = date!(2026 - 09 - 10);
    s.sign_service_record(&w.teacher, &class, thu, "王老师", None, datetime!(2026-09-10 11:00 UTC))
        .await
        .unwrap();
    // Friday 09-11 赵老师 took 一年级一班 for two hours, with a volunteer (not paid); a draft cover
    // turn for that day is no cover.
    raw.signed_session(&c1, &w.other_teacher, "SUPERVISOR", "2026-09-11", "120").await;
    raw.signed_session(&c1, &volunteer, "VOLUNTEER", "2026-09-11", "120").await;
    raw.cover(w.term.id.as_str(), &c1, &w.other_teacher, &w.teacher, "2026-09-11", "0")
        .await;
    // Thursday 09-17 王老师 is away: 赵老师 covers 三年级二班 (published cover) for 100 minutes.
    raw.cover(w.term.id.as_str(), &c3, &w.other_teacher, &w.teacher, "2026-09-17", "1")
        .await;
    raw.signed_session(&c3, &w.other_teacher, "TUTOR", "2026-09-17", "100").await;
    // The duty log: 王老师 at the gate, 李校长 the leader on duty, 赵老师 in the hallway for 王老师.
    let gate = raw.post("GATE", &w.admin).await;
    let hallway = raw.post("HALLWAY", &w.admin).await;
    let leader = raw.post("LEADER", &w.admin).await;
    raw.log(&gate, "GATE", &w.teacher, "2026-09-14", "30", None).await;
    // At the gate he released a child after the end time: the record names him on duty, which
    // the duty log pays already (not care as well).
    raw.signed_session(&c1, &w.teacher, "DUTY", "2026-09-14", "30").await;
    raw.log(&leader, "LEADER", &w.admin, "2026-09-14", "120", None).await;
    raw.log(&hallway, "HALLWAY", &w.other_teacher, "2026-10-15", "45", Some(&w.teacher))
        .await;
    // Outside the period (November) nothing counts in it.
    raw.log(&gate, "GATE", &w.teacher, "2026-11-02", "30", None).await;

    let report = s.pay_report(&period).await.unwrap();
    let names: Vec<(&str, &str)> = report.people.iter().map(|p| (p.staff_number.as_str(), p.name.as_str())).collect();
    assert_eq!(
        names,
        [("", "李校长"), ("", "赵老师"), ("T002", "王老师")],
        "by 工号 then name; no volunteer"
    );
    let find = |u: &User| report.people.iter().find(|p| p.user_id == u.id.as_str()).unwrap();
    assert_eq!(lines(find(&w.teacher)), [(PayKind::Care, 1, 0, 5000), (PayKind::Duty, 1, 30, 2000)]);
    assert_eq!(
        lines(find(&w.other_teacher)),
        [
            (PayKind::Care, 2, 220, 10000),
            (PayKind::Duty, 1, 45, 2000),
            (PayKind::Cover, 2, 145, 3000)
        ]
    );
    assert_eq!(lines(find(&w.admin)), [(PayKind::Leader, 1, 120, 3000)]);
    assert_eq!(report.totals.amount_fen, 25000);
    let months: Vec<String> = find(&w.other_teacher).lines.iter().map(|l| l.month.code()).collect();
    assert_eq!(
        months,
        ["2026-09", "2026-10", "2026-09", "2026-10"],
        "per month: care, duty, cover ×2"
    );

    // Per hour: 220 minutes at 30 元 an hour.
    s.set_workload_rates(&w.admin, &w.school.id, rates(CareBasis::Hour), NOW)
        .await
        .unwrap();
    let hourly = s.pay_report(&period).await.unwrap();
    let zhao = hourly.people.iter().find(|p| p.user_id == w.other_teacher.id.as_str()).unwrap();
    assert_eq!(lines(zhao)[0], (PayKind::Care, 2, 220, 11000));

    // The term summary for 评优评先, the November gate turn included.
    let summary = s.term_workload(&w.term).await.unwrap();
    let wang = summary.iter().find(|t| t.user_id == w.teacher.id.as_str()).unwrap();
    assert_eq!(
        (wang.sessions, wang.care_minutes, wang.duty_turns, wang.duty_minutes),
        (1, 0, 2, 60)
    );
    let zhao = summary.iter().find(|t| t.user_id == w.other_teacher.id.as_str()).unwrap();
    assert_eq!(
        (zhao.sessions, zhao.care_minutes, zhao.duty_turns, zhao.cover_turns),
        (2, 220, 1, 2)
    );
    assert!(summary.iter().all(|t| t.user_id != volunteer.id.as_str()));

    // A correction: a leader, with a reason, for staff of the school.
    let correction = |user: &User| NewCorrection {
        user: user.id.clone(),
        kind: PayKind::Duty,
        delta_count: -1,
        delta_minutes: -30,
        delta_fen: -2000,
        reason: "未到岗".into(),
    };
    assert_eq!(
        forbidden(s.correct_pay(&w.teacher, &period, correction(&w.teacher), NOW).await.unwrap_err()),
        "err-pay-not-yours"
    );
    assert_eq!(
        key(s.correct_pay(&w.admin, &period, correction(&w.mother), NOW).await.unwrap_err()),
        "err-pay-user"
    );
    s.correct_pay(&w.admin, &period, correction(&w.teacher), NOW).await.unwrap();

    // A teacher's own lines, and only theirs; a guardian has none.
    let mine = s.my_pay(&w.teacher, &period).await.unwrap().unwrap();
    assert_eq!((mine.user_id.as_str(), mine.staff_number.as_str()), (w.teacher.id.as_str(), "T002"));
    assert_eq!((mine.corrections.len(), mine.corrections[0].reason.as_str()), (1, "未到岗"));
    assert_eq!(mine.total_fen, 0, "per hour: 0 minutes of care; the gate corrected away");
    assert!(s.my_pay(&w.mother, &period).await.unwrap().is_none());

    // Lock: frozen with its hash; no more corrections; later records do not reach it.
    let before = s.pay_report(&period).await.unwrap();
    assert_eq!(
        forbidden(s.lock_pay_period(&w.teacher, &period, None, NOW).await.unwrap_err()),
        "err-pay-not-yours"
    );
    assert_eq!(
        key(s
            .lock_pay_period(&w.admin, &period, Some(before.totals.amount_fen + 1), NOW)
            .await
            .unwrap_err()),
        "err-pay-changed",
        "not a report other than the one reviewed"
    );
    let sha = s
        .lock_pay_period(&w.admin, &period, Some(before.totals.amount_fen), NOW)
        .await
        .unwrap();
    let period = s.pay_period(&period.id).await.unwrap();
    let locked = period.locked.clone().unwrap();
    assert_eq!((locked.sha256.as_str(), locked.by_name.as_str()), (sha.as_str(), "李校长"));
    assert_eq!(
        key(s.correct_pay(&w.admin, &period, correction(&w.teacher), NOW).await.unwrap_err()),
        "err-pay-locked"
    );
    assert_eq!(
        key(s.lock_pay_period(&w.admin, &period, None, NOW).await.unwrap_err()),
        "err-pay-locked"
    );
    raw.log(&gate, "GATE", &w.teacher, "2026-10-20", "30", None).await;
    s.set_workload_rates(&w.admin, &w.school.id, rates(CareBasis::Session), NOW)
        .await
        .unwrap();
    let live = s
        .workload_counts(&w.school.id, date!(2026 - 10 - 01), date!(2026 - 10 - 31))
        .await
        .unwrap();
    assert!(
        live.iter().any(|c| c.user_id == w.teacher.id.as_str() && c.kind == PayKind::Duty),
        "the new turn is in the records"
    );
    assert_eq!(s.pay_report(&period).await.unwrap(), before, "but not in the locked report");
    assert_eq!(s.my_pay(&w.teacher, &period).await.unwrap().unwrap(), mine);
}
