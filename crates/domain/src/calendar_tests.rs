//! The calendar's rules: the bundled files, make-up days, school overrides, seasons and the
//! admins' warning.
use super::*;
use time::macros::{date, time};

fn autumn_2026() -> (TermDates, HolidayCalendar, ServicePolicy, GradeTimes) {
    let cal = HolidayCalendar::bundled();
    let starts = date!(2026 - 09 - 01);
    let ends = date!(2027 - 01 - 22);
    let term = TermDates {
        starts_on: starts,
        ends_on: ends,
        first_service_day: cal.first_workday_from(starts),
        last_service_day: cal.last_workday_until(ends),
    };
    let mut times = GradeTimes::default();
    for g in 1..=6 {
        times.dismissal.insert((g, 0), if g <= 2 { time!(15:30) } else { time!(16:10) });
        times.end.insert((g, Season::Winter), time!(17:30));
        times.end.insert((g, Season::Summer), time!(18:00));
    }
    times.dismissal.insert((3, 5), time!(15:00)); // Fridays earlier for grade 3
    (term, cal, ServicePolicy::default(), times)
}

#[test]
fn the_bundled_files_parse_and_name_their_notice() {
    let cal = HolidayCalendar::bundled();
    assert!(cal.has_year(2025) && cal.has_year(2026));
    assert!(cal.years().all(|y| y.notice.contains("国务院办公厅")));
    assert_eq!(cal.national(date!(2026 - 02 - 15)).map(|x| x.0), Some(NationalKind::Holiday));
    assert_eq!(cal.national(date!(2025 - 09 - 28)).map(|x| x.0), Some(NationalKind::MakeupWorkday));
}

#[test]
fn autumn_2026_make_up_days_are_service_days_and_national_day_is_not() {
    let (term, cal, policy, times) = autumn_2026();
    let status = |d| day_status(d, 3, &term, &cal, &[], &policy, &times);
    assert_eq!(
        status(date!(2026 - 09 - 20)),
        DayStatus::Service {
            start: time!(16:10),
            end: time!(18:00),
            makeup: true
        },
        "Sunday 9-20 is a make-up workday"
    );
    assert!(status(date!(2026 - 10 - 10)).is_service(), "Saturday 10-10 is a make-up workday");
    for day in 1..=7 {
        let d = Date::from_calendar_date(2026, Month::October, day).unwrap();
        assert_eq!(status(d), DayStatus::Holiday("国庆节".into()), "{d}");
    }
    assert_eq!(status(date!(2026 - 09 - 25)), DayStatus::Holiday("中秋节".into()));
    assert_eq!(status(date!(2026 - 10 - 17)), DayStatus::Weekend);
    assert_eq!(
        status(date!(2026 - 10 - 12)),
        DayStatus::Service {
            start: time!(16:10),
            end: time!(17:30),
            makeup: false
        },
        "winter hours from 10-01"
    );
    assert_eq!(
        status(date!(2026 - 10 - 16)),
        DayStatus::Service {
            start: time!(15:00),
            end: time!(17:30),
            makeup: false
        },
        "grade 3's Friday"
    );
    assert_eq!(status(date!(2026 - 08 - 31)), DayStatus::OutsideServicePeriod);
    assert_eq!(term.first_service_day, date!(2026 - 09 - 01));
}

#[test]
fn a_term_starting_on_a_holiday_starts_service_on_the_next_workday() {
    let cal = HolidayCalendar::bundled();
    assert_eq!(cal.first_workday_from(date!(2026 - 02 - 15)), date!(2026 - 02 - 24));
    assert_eq!(
        cal.first_workday_from(date!(2026 - 02 - 28)),
        date!(2026 - 02 - 28),
        "a make-up Saturday is a workday"
    );
    assert_eq!(cal.last_workday_until(date!(2027 - 01 - 24)), date!(2027 - 01 - 22));
}

#[test]
fn school_overrides_close_days_and_add_days_per_grade() {
    let (term, cal, policy, times) = autumn_2026();
    let overrides = vec![
        SchoolOverride {
            date: date!(2026 - 10 - 20),
            kind: OverrideKind::Closed,
            grade: None,
            reason: "秋季运动会".into(),
        },
        SchoolOverride {
            date: date!(2026 - 10 - 21),
            kind: OverrideKind::Closed,
            grade: Some(6),
            reason: "六年级期中考试".into(),
        },
        SchoolOverride {
            date: date!(2026 - 10 - 24),
            kind: OverrideKind::ExtraDay,
            grade: None,
            reason: "补课日".into(),
        },
        SchoolOverride {
            date: date!(2026 - 10 - 20),
            kind: OverrideKind::ExtraDay,
            grade: Some(1),
            reason: "一年级照常".into(),
        },
    ];
    let status = |d, g| day_status(d, g, &term, &cal, &overrides, &policy, &times);
    assert_eq!(status(date!(2026 - 10 - 20), 3), DayStatus::Closed("秋季运动会".into()));
    assert!(status(date!(2026 - 10 - 20), 1).is_service(), "a grade's own override wins");
    assert_eq!(status(date!(2026 - 10 - 21), 6), DayStatus::Closed("六年级期中考试".into()));
    assert!(status(date!(2026 - 10 - 21), 5).is_service());
    assert!(status(date!(2026 - 10 - 24), 2).is_service(), "an extra Saturday");
}

#[test]
fn seasons_switch_on_the_policy_dates() {
    let p = ServicePolicy::default();
    assert_eq!(p.season(date!(2026 - 04 - 30)), Season::Winter);
    assert_eq!(p.season(date!(2026 - 05 - 01)), Season::Summer);
    assert_eq!(p.season(date!(2026 - 09 - 30)), Season::Summer);
    assert_eq!(p.season(date!(2026 - 10 - 01)), Season::Winter);
}

#[test]
fn the_end_time_never_passes_the_latest_allowed() {
    let (term, cal, policy, mut times) = autumn_2026();
    times.end.insert((4, Season::Winter), time!(19:00));
    assert_eq!(
        day_status(date!(2026 - 10 - 12), 4, &term, &cal, &[], &policy, &times),
        DayStatus::Service {
            start: time!(16:10),
            end: time!(18:30),
            makeup: false
        }
    );
    times.dismissal.clear();
    assert_eq!(
        day_status(date!(2026 - 10 - 12), 4, &term, &cal, &[], &policy, &times),
        DayStatus::Unscheduled
    );
}

#[test]
fn admins_are_warned_from_december_when_next_year_is_missing() {
    let cal = HolidayCalendar::bundled();
    assert_eq!(cal.missing_next_year(date!(2026 - 11 - 30)), None);
    assert_eq!(cal.missing_next_year(date!(2026 - 12 - 01)), Some(2027));
    assert_eq!(cal.missing_next_year(date!(2025 - 12 - 01)), None, "2026 is bundled");
}

#[test]
fn malformed_holiday_files_are_refused() {
    assert!(parse_holiday_year("year 2027\nholiday 2027-13-01 x").is_err());
    assert!(parse_holiday_year("holiday 2027-01-01 x").is_err());
    assert!(parse_holiday_year("year 2027\nvacation 2027-01-01 x").is_err());
    assert!(parse_holiday_year("year 2027\nholiday 2030-01-01 x").is_err());
}
