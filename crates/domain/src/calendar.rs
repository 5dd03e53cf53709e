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
#[path = "calendar_tests.rs"]
mod tests;
