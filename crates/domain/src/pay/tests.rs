use super::*;
use proptest::prelude::*;
use time::macros::date;

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

fn count(user: &str, month: u8, kind: PayKind, n: i64, minutes: i64) -> WorkCount {
    WorkCount {
        user_id: user.into(),
        month: YearMonth { year: 2026, month },
        kind,
        count: n,
        minutes,
    }
}

#[test]
fn care_is_paid_per_session_or_pro_rata_per_hour_rounded_half_up() {
    let s = rates(CareBasis::Session);
    assert_eq!(s.amount(PayKind::Care, 3, 100), 15000);
    let h = rates(CareBasis::Hour);
    // 100 min at 30 元/h = 50 元; 1 min = 0.5 元; 61 min at 0.01 元/h rounds.
    assert_eq!(h.amount(PayKind::Care, 3, 100), 5000);
    assert_eq!(h.amount(PayKind::Care, 1, 1), 50);
    let tiny = WorkloadRates { care_hour: 1, ..h };
    assert_eq!(tiny.amount(PayKind::Care, 1, 29), 0, "29/60 fen rounds down");
    assert_eq!(tiny.amount(PayKind::Care, 1, 30), 1, "half a fen rounds up");
    assert_eq!(h.amount(PayKind::Duty, 2, 999), 4000, "duty is per turn whatever its length");
    assert_eq!(h.amount(PayKind::Leader, 1, 0), 3000);
    assert_eq!(h.amount(PayKind::Cover, 2, 0), 3000);
    assert_eq!(h.rate_for(PayKind::Care), RateKind::CareHour);
    assert_eq!(s.rate_for(PayKind::Care), RateKind::CareSession);
}

#[test]
fn money_is_typed_in_yuan_and_kept_in_fen() {
    assert_eq!(parse_yuan("50"), Some(5000));
    assert_eq!(parse_yuan(" 50.5 "), Some(5050));
    assert_eq!(parse_yuan("０.０５"), Some(5));
    assert_eq!(parse_yuan("-12.30"), Some(-1230));
    for bad in ["", "1.234", "abc", "1e3", "-", ".5", "1,000", "12345678901"] {
        assert_eq!(parse_yuan(bad), None, "{bad}");
    }
    assert_eq!(parse_rate("10000"), Ok(MAX_RATE_FEN));
    assert!(parse_rate("10000.01").is_err() && parse_rate("-1").is_err());
    assert_eq!(format_yuan(12345), "123.45");
    assert_eq!(format_yuan(-5), "-0.05");
    assert_eq!(format_hours(90), "1.50");
    assert_eq!(format_hours(100), "1.67");
    assert_eq!(format_hours(-30), "-0.50");
}

#[test]
fn a_period_is_a_range_of_months_inside_its_term() {
    let (starts, ends) = (date!(2026 - 09 - 01), date!(2027 - 01 - 24));
    let p = PeriodSpec::new(" 2026年9–10月 ", "2026-09", "2026-10", starts, ends).unwrap();
    assert_eq!(p.name, "2026年9–10月");
    assert_eq!(p.days(starts, ends), (date!(2026 - 09 - 01), date!(2026 - 10 - 31)));
    let jan = PeriodSpec::new("1月", "2027-01", "2027-1", starts, ends).unwrap();
    assert_eq!(
        jan.days(starts, ends),
        (date!(2027 - 01 - 01), date!(2027 - 01 - 24)),
        "clipped to the term"
    );
    let err = |n: &str, a: &str, b: &str| PeriodSpec::new(n, a, b, starts, ends).unwrap_err().key;
    assert_eq!(err("", "2026-09", "2026-10"), "err-pay-period-name");
    assert_eq!(err("x", "2026-13", "2026-10"), "err-pay-month");
    assert_eq!(err("x", "2026-11", "2026-10"), "err-pay-period-order");
    assert_eq!(err("x", "2026-08", "2026-10"), "err-pay-period-outside-term");
    assert_eq!(err("x", "2026-12", "2027-02"), "err-pay-period-outside-term");
    let oct_nov = PeriodSpec::new("x", "2026-10", "2026-11", starts, ends).unwrap();
    assert!(p.overlaps(&oct_nov) && !p.overlaps(&jan));
}

#[test]
fn corrections_need_a_change_and_a_reason() {
    assert_eq!(correction_deltas("-1", "", "-50", " 迟到 "), Ok((-1, 0, -5000, "迟到".into())));
    assert_eq!(correction_deltas("", "", "", "x").unwrap_err().key, "err-pay-delta-zero");
    assert_eq!(correction_deltas("1", "", "", " ").unwrap_err().key, "err-pay-reason");
    assert_eq!(correction_deltas("x", "", "", "r").unwrap_err().key, "err-pay-delta");
    assert_eq!(correction_deltas("", "", "1.001", "r").unwrap_err().key, "err-pay-delta");
}

#[test]
fn lines_are_priced_per_teacher_and_the_sheet_sums_the_months() {
    let people = vec![
        ("u1".to_string(), "T001".to_string(), "王老师".to_string()),
        ("u2".to_string(), "T002".to_string(), "赵老师".to_string()),
        ("u3".to_string(), String::new(), "没干活".to_string()),
    ];
    let counts = vec![
        count("u1", 9, PayKind::Care, 10, 1200),
        count("u1", 10, PayKind::Care, 8, 960),
        count("u1", 9, PayKind::Duty, 2, 60),
        count("u2", 9, PayKind::Leader, 1, 120),
        count("u2", 9, PayKind::Cover, 1, 0),
    ];
    let corr = PayCorrection {
        id: "c".into(),
        user_id: "u2".into(),
        kind: PayKind::Cover,
        delta_count: -1,
        delta_minutes: 0,
        delta_fen: -1500,
        reason: "重复".into(),
        by: "a".into(),
        at: 0,
    };
    let people = price(&rates(CareBasis::Session), &people, &counts, &[corr]);
    assert_eq!(people.len(), 2, "a teacher with nothing to pay has no line");
    assert_eq!(people[0].total_fen, 18 * 5000 + 2 * 2000);
    assert_eq!(people[1].total_fen, 3000);
    let rows = sheet_rows(&people);
    assert_eq!(rows.len(), 5);
    assert_eq!(
        (rows[0].kind, rows[0].count, rows[0].minutes, rows[0].amount_fen),
        (PayKind::Care, 18, 2160, 90000)
    );
    assert_eq!(rows[4].correction.as_deref(), Some("重复"));
    let t = totals(&people);
    assert_eq!(t.amount_fen, 18 * 5000 + 2 * 2000 + 3000);
    let cover = t.by_kind.iter().find(|(k, _)| *k == PayKind::Cover).unwrap().1;
    assert_eq!((cover.count, cover.amount_fen), (0, 0));
    let s = summarise(
        &[
            ("u1".into(), "T001".into(), "王老师".into()),
            ("u2".into(), "T002".into(), "赵老师".into()),
        ],
        &counts,
    );
    assert_eq!((s[0].sessions, s[0].care_minutes, s[0].duty_turns), (18, 2160, 2));
    assert_eq!((s[1].leader_turns, s[1].cover_turns), (1, 1));
}

#[test]
fn kinds_round_trip() {
    for k in PayKind::ALL {
        assert_eq!(PayKind::parse(k.as_str()), Ok(k));
    }
    for k in RateKind::ALL {
        assert_eq!(RateKind::parse(k.as_str()), Ok(k));
    }
    assert!(PayKind::parse("FEE").is_err() && CareBasis::parse("DAY").is_err());
}

fn kind() -> impl Strategy<Value = PayKind> {
    prop::sample::select(PayKind::ALL.to_vec())
}

proptest! {
    #[test]
    fn totals_are_the_sum_of_the_lines_and_corrections(
        hourly in any::<bool>(),
        rate in prop::array::uniform5(0..=MAX_RATE_FEN),
        counts in prop::collection::vec((0..5usize, 1..=12u8, kind(), 0..2_000i64, 0..200_000i64), 0..40),
        corrections in prop::collection::vec((0..5usize, kind(), -50..50i64, -5_000..5_000i64, -1_000_000..1_000_000i64), 0..10),
    ) {
        let r = WorkloadRates {
            basis: if hourly { CareBasis::Hour } else { CareBasis::Session },
            care_session: rate[0], care_hour: rate[1], duty: rate[2], leader: rate[3], cover: rate[4],
        };
        let people: Vec<(String, String, String)> = (0..5).map(|i| (format!("u{i}"), format!("T{i}"), format!("n{i}"))).collect();
        let counts: Vec<WorkCount> = counts.into_iter().map(|(u, m, k, n, min)| count(&format!("u{u}"), m, k, n, min)).collect();
        let corrections: Vec<PayCorrection> = corrections.into_iter().enumerate().map(|(i, (u, k, n, min, fen))| PayCorrection {
            id: i.to_string(), user_id: format!("u{u}"), kind: k, delta_count: n, delta_minutes: min, delta_fen: fen,
            reason: "r".into(), by: "a".into(), at: 0,
        }).collect();
        let priced = price(&r, &people, &counts, &corrections);
        let t = totals(&priced);
        let lines: i64 = priced.iter().flat_map(|p| &p.lines).map(|l| l.amount_fen).sum();
        let corr: i64 = corrections.iter().map(|c| c.delta_fen).sum();
        prop_assert_eq!(t.amount_fen, lines + corr);
        prop_assert_eq!(t.amount_fen, priced.iter().map(|p| p.total_fen).sum::<i64>());
        prop_assert_eq!(t.amount_fen, t.by_kind.iter().map(|(_, k)| k.amount_fen).sum::<i64>());
        prop_assert_eq!(t.amount_fen, sheet_rows(&priced).iter().map(|s| s.amount_fen).sum::<i64>());
        // Every count reaches a line exactly once.
        prop_assert_eq!(priced.iter().map(|p| p.lines.len()).sum::<usize>(), counts.len());
        for l in priced.iter().flat_map(|p| &p.lines) {
            let exact = if l.rate == RateKind::CareHour { l.minutes * l.rate_fen } else { l.count * l.rate_fen * 60 };
            prop_assert!((l.amount_fen * 60 - exact).abs() <= 30, "within half a fen");
        }
    }
}
