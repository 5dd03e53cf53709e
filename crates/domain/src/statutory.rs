//! The statutory holidays of 《全国年节及纪念日放假办法》 (as amended in 2024, in force from
//! 2025), for a year whose State Council notice is not shipped yet: 元旦 1 day, 春节 4 (除夕 to
//! 正月初三), 清明 1, 劳动节 2 (1–2 May), 端午 1, 中秋 1, 国庆 3 (1–3 October).
//!
//! Only the days off the law fixes are derived. The notice also moves weekends around them
//! (调休): that is not derived, it is unknown until published. When the year's file is added to
//! `data/holidays/`, it replaces these days entirely.

use crate::calendar::{HolidayYear, NationalKind};
use crate::lunar;
use std::collections::BTreeMap;
use std::sync::LazyLock;
use time::{Date, Duration, Month};

/// The first year of the amended rules (and so of derivation).
pub const FIRST_YEAR: i32 = 2025;
/// The last year the lunar table reaches.
pub const LAST_YEAR: i32 = lunar::LAST_YEAR;

/// The statutory days off of `year` (2025–2100), by name, in the law's order.
pub fn statutory_days(year: i32) -> Option<Vec<(&'static str, Vec<Date>)>> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return None;
    }
    let day = |m: Month, d: u8| Date::from_calendar_date(year, m, d).ok();
    let run = |from: Date, n: i64| (0..n).map(|i| from + Duration::days(i)).collect::<Vec<_>>();
    let chuxi = lunar::new_year(year)? - Duration::days(1);
    Some(vec![
        ("元旦", vec![day(Month::January, 1)?]),
        ("春节", run(chuxi, 4)),
        ("清明节", vec![lunar::qingming(year)?]),
        ("劳动节", run(day(Month::May, 1)?, 2)),
        ("端午节", vec![lunar::to_gregorian(year, 5, 5)?]),
        ("国庆节", run(day(Month::October, 1)?, 3)),
        ("中秋节", vec![lunar::to_gregorian(year, 8, 15)?]),
    ])
}

/// The derived schedule of `year`, as a holiday year marked `derived` (no notice, no 调休).
pub fn derived_year(year: i32) -> Option<&'static HolidayYear> {
    static DERIVED: LazyLock<BTreeMap<i32, HolidayYear>> = LazyLock::new(|| {
        (FIRST_YEAR..=LAST_YEAR)
            .filter_map(|y| Some((y, build(y, statutory_days(y)?))))
            .collect()
    });
    DERIVED.get(&year)
}

fn build(year: i32, named: Vec<(&'static str, Vec<Date>)>) -> HolidayYear {
    let mut days: BTreeMap<Date, (NationalKind, String)> = BTreeMap::new();
    for (name, dates) in named {
        for d in dates {
            days.entry(d)
                // 中秋 on a day of 国庆 is one day off with both names, as the notices write it.
                .and_modify(|(_, n)| *n = format!("{n}、{name}"))
                .or_insert((NationalKind::Holiday, name.to_string()));
        }
    }
    HolidayYear {
        year,
        notice: String::new(),
        derived: true,
        days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::HolidayCalendar;
    use time::macros::date;

    fn days_of(year: i32) -> Vec<Date> {
        statutory_days(year).unwrap().into_iter().flat_map(|(_, d)| d).collect()
    }

    #[test]
    fn the_law_gives_thirteen_days_off() {
        for y in FIRST_YEAR..=LAST_YEAR {
            let mut d = days_of(y);
            assert_eq!(d.len(), 13, "{y}");
            d.sort();
            d.dedup();
            let merged = derived_year(y).unwrap().days.len();
            assert!(merged == d.len() && (12..=13).contains(&merged), "{y}: {merged}");
        }
        assert!(statutory_days(2024).is_none(), "before the 2024 amendment: not derived");
        assert!(statutory_days(2101).is_none());
    }

    #[test]
    fn the_derived_days_are_holidays_in_the_published_notices() {
        let cal = HolidayCalendar::bundled();
        for year in [2025, 2026] {
            let published = cal.years().find(|y| y.year == year).unwrap();
            for d in days_of(year) {
                assert_eq!(
                    published.days.get(&d).map(|x| x.0),
                    Some(NationalKind::Holiday),
                    "{d} is a day off in the {year} notice"
                );
            }
        }
        let named = |y| statutory_days(y).unwrap().into_iter().collect::<BTreeMap<_, _>>();
        let y25 = named(2025);
        assert_eq!(
            y25["春节"],
            vec![
                date!(2025 - 01 - 28),
                date!(2025 - 01 - 29),
                date!(2025 - 01 - 30),
                date!(2025 - 01 - 31)
            ]
        );
        assert_eq!(y25["清明节"], vec![date!(2025 - 04 - 04)]);
        assert_eq!(y25["端午节"], vec![date!(2025 - 05 - 31)]);
        assert_eq!(y25["中秋节"], vec![date!(2025 - 10 - 06)]);
        let y26 = named(2026);
        assert_eq!(y26["春节"][0], date!(2026 - 02 - 16), "除夕 is 腊月廿九 in 2026");
        assert_eq!(y26["春节"][3], date!(2026 - 02 - 19));
        assert_eq!(y26["清明节"], vec![date!(2026 - 04 - 05)]);
        assert_eq!(y26["端午节"], vec![date!(2026 - 06 - 19)]);
        assert_eq!(y26["中秋节"], vec![date!(2026 - 09 - 25)]);
    }

    #[test]
    fn the_years_ahead() {
        let y27 = statutory_days(2027).unwrap().into_iter().collect::<BTreeMap<_, _>>();
        assert_eq!(y27["元旦"], vec![date!(2027 - 01 - 01)]);
        assert_eq!(
            y27["春节"],
            vec![
                date!(2027 - 02 - 05),
                date!(2027 - 02 - 06),
                date!(2027 - 02 - 07),
                date!(2027 - 02 - 08)
            ]
        );
        assert_eq!(y27["清明节"], vec![date!(2027 - 04 - 05)]);
        assert_eq!(y27["劳动节"], vec![date!(2027 - 05 - 01), date!(2027 - 05 - 02)]);
        assert_eq!(y27["端午节"], vec![date!(2027 - 06 - 09)]);
        assert_eq!(y27["中秋节"], vec![date!(2027 - 09 - 15)]);
        assert_eq!(
            y27["国庆节"],
            vec![date!(2027 - 10 - 01), date!(2027 - 10 - 02), date!(2027 - 10 - 03)]
        );
        assert_eq!(derived_year(2028).unwrap().days[&date!(2028 - 01 - 26)].1, "春节", "初一 2028");
        // 中秋 on 国庆 (3 October 2028): one day, both names.
        assert_eq!(derived_year(2028).unwrap().days[&date!(2028 - 10 - 03)].1, "国庆节、中秋节");
    }

    #[test]
    fn a_year_without_a_notice_has_no_service_on_its_statutory_days() {
        use crate::calendar::{DayStatus, GradeTimes, ServicePolicy, TermDates, day_status};
        let cal = HolidayCalendar::bundled();
        assert!(!cal.has_year(2027), "this test is about a year whose notice is not shipped");
        let term = TermDates {
            starts_on: date!(2026 - 09 - 01),
            ends_on: date!(2027 - 07 - 09),
            first_service_day: date!(2026 - 09 - 01),
            last_service_day: date!(2027 - 07 - 09),
        };
        let mut times = GradeTimes::default();
        times.dismissal.insert((3, 0), time::macros::time!(16:10));
        let status = |d| day_status(d, 3, &term, &cal, &[], &ServicePolicy::default(), &times);
        assert_eq!(status(date!(2027 - 01 - 01)), DayStatus::Holiday("元旦".into()), "a Friday");
        assert!(!status(date!(2027 - 02 - 06)).is_service(), "初一, a Saturday");
        for d in [
            date!(2027 - 02 - 05),
            date!(2027 - 02 - 08),
            date!(2027 - 04 - 05),
            date!(2027 - 06 - 09),
        ] {
            assert!(matches!(status(d), DayStatus::Holiday(_)), "{d}");
        }
        assert!(cal.is_derived(date!(2027 - 01 - 01)) && !cal.is_workday(date!(2027 - 01 - 01)));
        assert!(
            status(date!(2027 - 01 - 04)).is_service(),
            "no 调休 is guessed: the Monday after is a plain day"
        );
        assert!(!cal.is_derived(date!(2026 - 10 - 01)), "2026 has its notice");
        assert_eq!(cal.first_workday_from(date!(2027 - 02 - 05)), date!(2027 - 02 - 09));
    }

    #[test]
    fn the_notice_once_added_replaces_the_derived_days() {
        let notice = crate::calendar::parse_holiday_year(
            "year 2027\nnotice 国务院办公厅关于2027年部分节假日安排的通知\nholiday 2027-01-01..2027-01-03 元旦",
        )
        .unwrap();
        let mut years: Vec<HolidayYear> = HolidayCalendar::bundled().years().cloned().collect();
        years.push(notice);
        let cal = HolidayCalendar::from_years(years);
        assert!(cal.derived(2027).is_none() && !cal.is_derived(date!(2027 - 01 - 01)));
        assert!(!cal.is_workday(date!(2027 - 01 - 01)));
        assert!(
            cal.is_workday(date!(2027 - 02 - 08)),
            "days the file does not name are no longer derived"
        );
    }
}
