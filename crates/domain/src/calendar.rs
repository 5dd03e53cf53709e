//! The service calendar (校历): is a date a service day for a grade, and from when to when.
//!
//! Three layers decide: the term (学期) and its service period; the State Council's holiday
//! schedule with its 调休 make-up workdays (shipped as data in `data/holidays/`; for a year whose
//! notice is not shipped, the statutory days the law fixes, see `statutory`); and the school's
//! own closures and extra days. A make-up Saturday is a service day; a holiday is not.

use std::collections::BTreeMap;
use time::macros::format_description;
use time::{Date, Month, Time, Weekday};

/// What the national schedule says about a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NationalKind {
    /// 法定节假日 — a day off.
    Holiday,
    /// 调休上班 — a weekend day that is a workday.
    MakeupWorkday,
}

#[derive(Debug, Clone)]
pub struct HolidayYear {
    pub year: i32,
    /// The notice the dates come from (empty when derived).
    pub notice: String,
    /// Derived from the law (`statutory`): no notice yet, so no 调休 either.
    pub derived: bool,
    pub days: BTreeMap<Date, (NationalKind, String)>,
}

/// The bundled schedules. Add next year's file here when the notice is published.
const BUNDLED: &[&str] = &[include_str!("../data/holidays/2025.txt"), include_str!("../data/holidays/2026.txt")];

pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// Parses one year's file (`year`, `notice`, `holiday FROM[..TO] NAME`, `workday DATE NAME`).
pub fn parse_holiday_year(text: &str) -> Result<HolidayYear, String> {
    let (mut year, mut notice, mut days) = (None, String::new(), BTreeMap::new());
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, rest) = line.split_once(' ').ok_or(format!("line {n}: `{line}`"))?;
        match word {
            "year" => year = Some(rest.trim().parse::<i32>().map_err(|_| format!("line {n}: year"))?),
            "notice" => notice = rest.trim().to_string(),
            "holiday" | "workday" => {
                let (range, name) = rest.trim().split_once(' ').ok_or(format!("line {n}: name missing"))?;
                let (from, to) = match range.split_once("..") {
                    Some((a, b)) => (a, b),
                    None => (range, range),
                };
                let (from, to) = (
                    parse_date(from).ok_or(format!("line {n}: date"))?,
                    parse_date(to).ok_or(format!("line {n}: date"))?,
                );
                let kind = if word == "holiday" {
                    NationalKind::Holiday
                } else {
                    NationalKind::MakeupWorkday
                };
                let mut d = from;
                while d <= to {
                    days.insert(d, (kind, name.trim().to_string()));
                    d = d.next_day().ok_or(format!("line {n}: date out of range"))?;
                }
            }
            _ => return Err(format!("line {n}: unknown `{word}`")),
        }
    }
    let year = year.ok_or("no `year` line")?;
    if days.keys().any(|d| d.year() != year && d.year() != year - 1) {
        return Err(format!("{year}: a date outside the year"));
    }
    Ok(HolidayYear {
        year,
        notice,
        derived: false,
        days,
    })
}

/// Every national schedule yanshi knows.
#[derive(Debug, Clone)]
pub struct HolidayCalendar {
    years: BTreeMap<i32, HolidayYear>,
}

impl HolidayCalendar {
    /// The schedules shipped in `data/holidays/`, parsed once per process.
    pub fn bundled() -> Self {
        static PARSED: std::sync::LazyLock<HolidayCalendar> = std::sync::LazyLock::new(|| {
            let years = BUNDLED
                .iter()
                .map(|t| parse_holiday_year(t).expect("bundled holiday files are valid (tested)"))
                .map(|y| (y.year, y))
                .collect();
            HolidayCalendar { years }
        });
        PARSED.clone()
    }

    pub fn from_years(years: Vec<HolidayYear>) -> Self {
        Self {
            years: years.into_iter().map(|y| (y.year, y)).collect(),
        }
    }

    /// What the national schedule says about `date`: the year's notice when shipped, else the
    /// statutory days derived from the law (a notice, once added, replaces them entirely).
    pub fn national(&self, date: Date) -> Option<&(NationalKind, String)> {
        self.years
            .values()
            .find_map(|y| y.days.get(&date))
            .or_else(|| self.derived(date.year())?.days.get(&date))
    }

    /// The derived schedule of `year` when its notice is not shipped (2025–2100).
    pub fn derived(&self, year: i32) -> Option<&'static HolidayYear> {
        if self.has_year(year) {
            return None;
        }
        crate::statutory::derived_year(year)
    }

    /// Is `date` a holiday only by derivation (its year's notice not shipped)?
    pub fn is_derived(&self, date: Date) -> bool {
        self.years.values().all(|y| !y.days.contains_key(&date)) && self.derived(date.year()).is_some_and(|y| y.days.contains_key(&date))
    }

    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = &HolidayYear> {
        self.years.values()
    }

    /// A workday under the national schedule: Monday–Friday unless a holiday, or a make-up day.
    pub fn is_workday(&self, date: Date) -> bool {
        match self.national(date) {
            Some((NationalKind::Holiday, _)) => false,
            Some((NationalKind::MakeupWorkday, _)) => true,
            None => !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// The first workday on or after `date` (the default first service day, plan §五.3).
    pub fn first_workday_from(&self, date: Date) -> Date {
        let mut d = date;
        for _ in 0..60 {
            if self.is_workday(d) {
                return d;
            }
            d = d.next_day().unwrap_or(d);
        }
        date
    }

    /// The last workday on or before `date` (the default last service day, before the vacation).
    pub fn last_workday_until(&self, date: Date) -> Date {
        let mut d = date;
        for _ in 0..60 {
            if self.is_workday(d) {
                return d;
            }
            d = d.previous_day().unwrap_or(d);
        }
        date
    }

    /// From 1 December, the year whose notice is still missing (admins are warned; its statutory
    /// days are derived meanwhile, its 调休 are not known).
    pub fn missing_next_year(&self, today: Date) -> Option<i32> {
        let next = today.year() + 1;
        (today.month() == Month::December && !self.has_year(next)).then_some(next)
    }
}

crate::text_enum! {
    /// 夏令 / 冬令作息: the season decides the service end time.
    #[derive(PartialOrd, Ord)]
    pub enum Season {
        Summer = "SUMMER",
        Winter = "WINTER",
    }
    parse -> Option;
}

crate::text_enum! {
    /// A school's own change to the calendar.
    pub enum OverrideKind {
        /// No service (运动会, 考试, 恶劣天气 …).
        Closed = "CLOSED",
        /// An extra school day with service (a school-announced make-up day).
        ExtraDay = "EXTRA_DAY",
    }
    parse -> Option;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolOverride {
    pub date: Date,
    pub kind: OverrideKind,
    /// `None`: the whole school; otherwise one grade.
    pub grade: Option<u8>,
    pub reason: String,
}

/// The service period of a term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermDates {
    pub starts_on: Date,
    pub ends_on: Date,
    pub first_service_day: Date,
    pub last_service_day: Date,
}

/// The service policy (延时服务时间) of a school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePolicy {
    /// The end time when a grade has none of its own.
    pub default_end: Time,
    /// Summer runs from this (month, day) until the winter date.
    pub summer_from: (Month, u8),
    pub winter_from: (Month, u8),
    /// No grade's service may end later than this.
    pub latest_end: Time,
    /// How long after the end time a child waits before the late-pickup steps (迟接).
    pub late_pickup_wait_minutes: u16,
    /// Leave (请假) reported after this time of day needs the class teacher.
    pub leave_cutoff: Time,
}

impl Default for ServicePolicy {
    fn default() -> Self {
        Self {
            default_end: Time::from_hms(18, 0, 0).expect("valid"),
            summer_from: (Month::May, 1),
            winter_from: (Month::October, 1),
            latest_end: Time::from_hms(18, 30, 0).expect("valid"),
            late_pickup_wait_minutes: 30,
            leave_cutoff: Time::from_hms(12, 0, 0).expect("valid"),
        }
    }
}

impl ServicePolicy {
    pub fn season(&self, date: Date) -> Season {
        let md = (date.month() as u8, date.day());
        let s = (self.summer_from.0 as u8, self.summer_from.1);
        let w = (self.winter_from.0 as u8, self.winter_from.1);
        let in_summer = if s <= w { md >= s && md < w } else { md >= s || md < w };
        if in_summer { Season::Summer } else { Season::Winter }
    }
}

/// When each grade is dismissed (放学) and when its service ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GradeTimes {
    /// (grade, weekday 1–7 or 0 for "every day") → dismissal time.
    pub dismissal: BTreeMap<(u8, u8), Time>,
    /// (grade, season) → service end time.
    pub end: BTreeMap<(u8, Season), Time>,
}

impl GradeTimes {
    pub fn dismissal_for(&self, grade: u8, weekday: Weekday) -> Option<Time> {
        self.dismissal
            .get(&(grade, weekday.number_from_monday()))
            .or_else(|| self.dismissal.get(&(grade, 0)))
            .copied()
    }
}

/// What a date is for one grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayStatus {
    /// A service day: care from `start` (dismissal) to `end`.
    Service {
        start: Time,
        end: Time,
        makeup: bool,
    },
    OutsideServicePeriod,
    Weekend,
    Holiday(String),
    Closed(String),
    /// A service day whose grade has no dismissal time set: the admin must complete the term.
    Unscheduled,
}

impl DayStatus {
    pub fn is_service(&self) -> bool {
        matches!(self, DayStatus::Service { .. })
    }
}

/// Is `date` a service day for `grade`, and from when to when?
pub fn day_status(
    date: Date,
    grade: u8,
    term: &TermDates,
    calendar: &HolidayCalendar,
    overrides: &[SchoolOverride],
    policy: &ServicePolicy,
    times: &GradeTimes,
) -> DayStatus {
    if date < term.first_service_day || date > term.last_service_day {
        return DayStatus::OutsideServicePeriod;
    }
    let applies = |o: &&SchoolOverride| o.date == date && o.grade.is_none_or(|g| g == grade);
    // A grade's own override wins over a school-wide one.
    let own = overrides.iter().filter(applies).max_by_key(|o| o.grade.is_some());
    let makeup = match own {
        Some(o) if o.kind == OverrideKind::Closed => return DayStatus::Closed(o.reason.clone()),
        Some(_) => true,
        None => match calendar.national(date) {
            Some((NationalKind::Holiday, name)) => return DayStatus::Holiday(name.clone()),
            Some((NationalKind::MakeupWorkday, _)) => true,
            None if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) => {
                return DayStatus::Weekend;
            }
            None => false,
        },
    };
    let Some(start) = times.dismissal_for(grade, date.weekday()) else {
        return DayStatus::Unscheduled;
    };
    let end = times
        .end
        .get(&(grade, policy.season(date)))
        .copied()
        .unwrap_or(policy.default_end)
        .min(policy.latest_end);
    DayStatus::Service { start, end, makeup }
}

#[cfg(test)]
mod tests {
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
}
