//! Grades (年级), classes (班级), places (服务场所) and times of day as a school writes them.

use crate::Invalid;
use crate::account::fold_full_width;
use time::Time;

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// 1–99 in Chinese numerals (三, 十二, 二十): how class names are written.
pub fn chinese_number(n: u32) -> String {
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", DIGITS[(n % 10) as usize]),
        _ if n.is_multiple_of(10) => format!("{}十", DIGITS[(n / 10 % 10) as usize]),
        _ => format!("{}十{}", DIGITS[(n / 10 % 10) as usize], DIGITS[(n % 10) as usize]),
    }
}

/// Reads "3", "３", "三", "十二", "二十" as a number.
pub fn parse_number(s: &str) -> Option<u32> {
    let s = fold_full_width(s);
    let s = s.trim();
    if let Ok(n) = s.parse::<u32>() {
        return Some(n);
    }
    let digit = |c: char| {
        DIGITS
            .iter()
            .position(|d| *d == c)
            .map(|p| p as u32)
            .or(if c == '两' { Some(2) } else { None })
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// A grade of primary school, 1–6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grade(u8);

impl Grade {
    pub const ALL: [Grade; 6] = [Grade(1), Grade(2), Grade(3), Grade(4), Grade(5), Grade(6)];

    pub fn new(n: u32) -> Result<Grade, Invalid> {
        (1..=6)
            .contains(&n)
            .then_some(Grade(n as u8))
            .ok_or(Invalid::new("grade", "err-grade"))
    }

    /// "3", "三", "三年级", "3年级", "初三" is refused (not primary).
    pub fn parse(s: &str) -> Result<Grade, Invalid> {
        let t = fold_full_width(s);
        let t = t.trim().trim_end_matches("年级").trim();
        Grade::new(parse_number(t).ok_or(Invalid::new("grade", "err-grade"))?)
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// 三年级
    pub fn name_zh(self) -> String {
        format!("{}年级", chinese_number(self.0 as u32))
    }
}

/// A class's number within its grade: "2", "二", "2班", "(2)班", "（二）班".
pub fn parse_class_number(s: &str) -> Result<u8, Invalid> {
    let t = fold_full_width(s);
    let t = t.trim().trim_end_matches('班').trim().trim_start_matches('(').trim_end_matches(')');
    match parse_number(t) {
        Some(n) if (1..=30).contains(&n) => Ok(n as u8),
        _ => Err(Invalid::new("class", "err-class")),
    }
}

/// 三年级二班 / Grade 3 Class 2.
pub fn class_name_zh(grade: Grade, number: u8) -> String {
    format!("{}{}班", grade.name_zh(), chinese_number(number as u32))
}

/// Reads a class written in one cell: "三年级二班", "3年级2班", "三(2)班", "3-2", "3.2", "3/2".
pub fn parse_class(s: &str) -> Result<(Grade, u8), Invalid> {
    let t = fold_full_width(s).trim().replace(' ', "");
    let bad = || Invalid::new("class", "err-class");
    for sep in ['-', '.', '/', '_'] {
        if let Some((g, c)) = t.split_once(sep) {
            return Ok((Grade::parse(g)?, parse_class_number(c)?));
        }
    }
    if let Some((g, c)) = t.split_once("年级") {
        return Ok((Grade::parse(g)?, parse_class_number(c)?));
    }
    if let Some(i) = t.find('(') {
        return Ok((Grade::parse(&t[..i])?, parse_class_number(&t[i..])?));
    }
    Err(bad())
}

/// A time of day as typed: "15:30", "15：30", "1530".
pub fn parse_clock(s: &str) -> Result<Time, Invalid> {
    let t = fold_full_width(s).trim().replace('：', ":");
    let bad = || Invalid::new("time", "err-time");
    let (h, m) = match t.split_once(':') {
        Some((h, m)) => (h.to_string(), m.to_string()),
        None if t.len() == 4 => (t[..2].to_string(), t[2..].to_string()),
        None => return Err(bad()),
    };
    let (h, m): (u8, u8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    Time::from_hms(h, m, 0).map_err(|_| bad())
}

/// "15:30"
pub fn format_clock(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

crate::text_enum! {
    /// Kinds of place (场所) a school has.
    pub enum PlaceKind {
        /// 教室 — where a class's care happens (plan §五.4).
        Classroom = "CLASSROOM",
        /// 楼道 — duty posts keep order in the hallways (plan §六.2).
        Hallway = "HALLWAY",
        /// 校门
        Gate = "GATE",
        /// 等候室 — where children not yet picked up wait after the end time.
        WaitingRoom = "WAITING_ROOM",
        Other = "OTHER",
    }
    parse -> Option;
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::time;

    #[test]
    fn chinese_numbers_both_ways() {
        for n in 1..=40 {
            assert_eq!(parse_number(&chinese_number(n)), Some(n), "{n}");
        }
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(parse_number("３"), Some(3));
        assert_eq!(parse_number("两"), Some(2));
        assert_eq!(parse_number("x"), None);
    }

    #[test]
    fn classes_are_read_the_ways_schools_write_them() {
        let g3 = Grade::new(3).unwrap();
        for s in [
            "三年级二班",
            "3年级2班",
            "三(2)班",
            "3-2",
            "３．２".replace('．', ".").as_str(),
            "三年级（二）班",
            "3 / 2",
        ] {
            assert_eq!(parse_class(s), Ok((g3, 2)), "{s}");
        }
        assert_eq!(class_name_zh(g3, 2), "三年级二班");
        assert!(parse_class("七年级一班").is_err(), "not a primary grade");
        assert!(parse_class("三年级").is_err());
        assert_eq!(Grade::parse("六年级").unwrap().number(), 6);
        assert!(Grade::parse("0").is_err());
        assert_eq!(parse_class_number("（12）班"), Ok(12));
    }

    #[test]
    fn clock_times() {
        assert_eq!(parse_clock("15:30"), Ok(time!(15:30)));
        assert_eq!(parse_clock("１５：３０"), Ok(time!(15:30)));
        assert_eq!(parse_clock("1800"), Ok(time!(18:00)));
        assert!(parse_clock("25:00").is_err());
        assert!(parse_clock("abc").is_err());
        assert_eq!(format_clock(time!(9:05)), "09:05");
    }
}
