//! 农历 and 清明, as far as the statutory holidays need them: for a Gregorian year, the date of
//! 正月初一, of any (month, day) of the lunar year that starts in it, and of the solar term 清明.
//!
//! Lunar years 2020–2100 are a table computed from the astronomical new moons and principal
//! solar terms in Beijing time (`data/lunar/generate.py` says how); 清明 comes from the
//! 21st-century solar-term formula. Both are checked against the published dates in the tests.

use time::{Date, Duration, Month};

/// The first Gregorian year the table covers.
pub const FIRST_YEAR: i32 = 2020;
/// The last Gregorian year the table covers.
pub const LAST_YEAR: i32 = 2100;

/// One lunar year per entry, the one whose 正月初一 falls in Gregorian year `FIRST_YEAR + i`:
/// bits 0–12: the months in order (a leap month in its place), set = 30 days, clear = 29;
/// bits 13–16: the leap month's number (0: none); bits 17–21: 正月初一 as days after 21 January.
const YEARS: [u32; (LAST_YEAR - FIRST_YEAR + 1) as usize] = [
    0x08952e, 0x2c0556, 0x160ab5, 0x0255b2, 0x2806d2, 0x10cea5, 0x360725, 0x20064b, // 2020–
    0x0aac97, 0x2e0cab, 0x1a055a, 0x046ad6, 0x2a0b69, 0x157752, 0x3a0b52, 0x240b25, // 2028–
    0x0eda4b, 0x320a4b, 0x1c04ab, 0x06a55b, 0x2c05ad, 0x160b6a, 0x025b52, 0x280d92, // 2036–
    0x12fd25, 0x360d25, 0x200a55, 0x0ab4ad, 0x3004b6, 0x1805b5, 0x046daa, 0x2a0ec9, // 2044–
    0x171e92, 0x3a0e92, 0x240d26, 0x0eca56, 0x320a57, 0x1c0556, 0x0686d5, 0x2c0755, // 2052–
    0x180749, 0x006e93, 0x260693, 0x10f52b, 0x36052b, 0x1e0a5b, 0x0ab55a, 0x30056a, // 2060–
    0x1a0b65, 0x04974a, 0x2a0b4a, 0x151a95, 0x3a0a95, 0x22052d, 0x0ccaad, 0x320ab5, // 2068–
    0x1e05aa, 0x068ba5, 0x2c0da5, 0x180d4a, 0x027c95, 0x260c96, 0x10f94e, 0x360556, // 2076–
    0x200ab5, 0x0ab5b2, 0x3006d2, 0x1a0ea5, 0x068e4a, 0x28068b, 0x130c97, 0x3804ab, // 2084–
    0x22055b, 0x0ccad6, 0x320b6a, 0x1e0752, 0x089725, 0x2c0b45, 0x160a8b, 0x00549b, // 2092–
    0x2604ab, // 2100
];

fn entry(year: i32) -> Option<u32> {
    let i = usize::try_from(year.checked_sub(FIRST_YEAR)?).ok()?;
    YEARS.get(i).copied()
}

/// 正月初一 of the lunar year that starts in Gregorian `year` (2020–2100).
pub fn new_year(year: i32) -> Option<Date> {
    let e = entry(year)?;
    let jan21 = Date::from_calendar_date(year, Month::January, 21).ok()?;
    Some(jan21 + Duration::days(i64::from(e >> 17)))
}

/// The leap month of that lunar year (闰几月), if any.
pub fn leap_month(year: i32) -> Option<u8> {
    let m = ((entry(year)? >> 13) & 0xf) as u8;
    (m != 0).then_some(m)
}

/// The Gregorian date of lunar `month`/`day` (the ordinary month, not its leap twin) in the
/// lunar year that starts in Gregorian `year`. `None` outside the table or for a 30th in a
/// 29-day month.
pub fn to_gregorian(year: i32, month: u8, day: u8) -> Option<Date> {
    if !(1..=12).contains(&month) || !(1..=30).contains(&day) {
        return None;
    }
    let e = entry(year)?;
    let leap = leap_month(year).unwrap_or(0);
    // The ordinary month `month` is at this position in the year's sequence of months.
    let index = u32::from(month - 1) + u32::from(leap != 0 && leap < month);
    let length = |i: u32| if e & (1 << i) != 0 { 30i64 } else { 29 };
    if i64::from(day) > length(index) {
        return None;
    }
    let before: i64 = (0..index).map(length).sum();
    Some(new_year(year)? + Duration::days(before + i64::from(day) - 1))
}

/// 清明 of `year` (2001–2100): the day the Sun reaches 15° ecliptic longitude, Beijing time,
/// by the solar-term formula `⌊Y·0.2422 + C⌋ − ⌊Y/4⌋` (Y: the year's last two digits;
/// C = 4.81 in the 21st century, 5.59 for 2100).
pub fn qingming(year: i32) -> Option<Date> {
    if !(2001..=2100).contains(&year) {
        return None;
    }
    let y = year % 100;
    // In ten-thousandths, so that the formula stays exact in integers.
    let c = if year == 2100 { 55_900 } else { 48_100 };
    let day = (y * 2422 + c) / 10_000 - y / 4;
    Date::from_calendar_date(year, Month::April, u8::try_from(day).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn new_years_match_the_published_dates() {
        for (y, d) in [
            (2020, date!(2020 - 01 - 25)),
            (2021, date!(2021 - 02 - 12)),
            (2023, date!(2023 - 01 - 22)),
            (2024, date!(2024 - 02 - 10)),
            (2025, date!(2025 - 01 - 29)),
            (2026, date!(2026 - 02 - 17)),
            (2027, date!(2027 - 02 - 06)),
            (2028, date!(2028 - 01 - 26)),
            (2030, date!(2030 - 02 - 03)),
            (2033, date!(2033 - 01 - 31)),
            (2034, date!(2034 - 02 - 19)),
            (2050, date!(2050 - 01 - 23)),
            (2100, date!(2100 - 02 - 09)),
        ] {
            assert_eq!(new_year(y), Some(d), "{y}");
        }
        assert_eq!(new_year(2019), None);
        assert_eq!(new_year(2101), None);
    }

    #[test]
    fn leap_months_match_including_the_2033_problem() {
        assert_eq!(leap_month(2020), Some(4));
        assert_eq!(leap_month(2023), Some(2));
        assert_eq!(leap_month(2025), Some(6));
        assert_eq!(leap_month(2026), None);
        assert_eq!(leap_month(2028), Some(5));
        assert_eq!(leap_month(2033), Some(11), "闰十一月, not 闰七月");
    }

    #[test]
    fn lunar_dates_of_the_festivals() {
        // 端午 (5/5) and 中秋 (8/15), as published.
        for (y, duanwu, zhongqiu) in [
            (2020, date!(2020 - 06 - 25), date!(2020 - 10 - 01)),
            (2023, date!(2023 - 06 - 22), date!(2023 - 09 - 29)),
            (2024, date!(2024 - 06 - 10), date!(2024 - 09 - 17)),
            (2025, date!(2025 - 05 - 31), date!(2025 - 10 - 06)),
            (2026, date!(2026 - 06 - 19), date!(2026 - 09 - 25)),
            (2027, date!(2027 - 06 - 09), date!(2027 - 09 - 15)),
            (2028, date!(2028 - 05 - 28), date!(2028 - 10 - 03)),
        ] {
            assert_eq!(to_gregorian(y, 5, 5), Some(duanwu), "端午 {y}");
            assert_eq!(to_gregorian(y, 8, 15), Some(zhongqiu), "中秋 {y}");
        }
        // 除夕 2026 is 腊月廿九 (a 29-day 腊月): there is no 腊月三十.
        assert_eq!(to_gregorian(2025, 12, 30), None);
        assert_eq!(to_gregorian(2025, 12, 29), Some(date!(2026 - 02 - 16)));
        assert_eq!(to_gregorian(2025, 13, 1), None);
    }

    #[test]
    fn every_lunar_year_ends_where_the_next_begins() {
        for y in FIRST_YEAR..LAST_YEAR {
            let e = entry(y).unwrap();
            let months = if leap_month(y).is_some() { 13 } else { 12 };
            let days: i64 = (0..months).map(|i| if e & (1 << i) != 0 { 30 } else { 29 }).sum();
            assert_eq!(new_year(y).unwrap() + Duration::days(days), new_year(y + 1).unwrap(), "{y}");
            assert!(e >> 13 & 0xf <= 12 && (months == 13 || e & (1 << 12) == 0), "{y}");
        }
    }

    #[test]
    fn qingming_matches_the_astronomical_dates() {
        // 4 or 5 April for 2020–2100, from the Sun's longitude in Beijing time.
        const DAYS: &str = "445544554455445544554445444544454445444544454445444544444444444444444444444444445";
        for (i, d) in DAYS.bytes().enumerate() {
            let y = 2020 + i as i32;
            assert_eq!(qingming(y).map(|q| q.day()), Some(d - b'0'), "{y}");
        }
        assert_eq!(qingming(2025), Some(date!(2025 - 04 - 04)));
        assert_eq!(qingming(2027), Some(date!(2027 - 04 - 05)));
        assert_eq!(qingming(2000), None);
    }
}
