//! Students (学生), guardians (监护人) and the adults authorized to take a child home
//! (授权接送人), with the sensitive fields the law says to guard (DOMAIN §4.3, §4.4, §9).

use crate::Invalid;
use crate::account::fold_full_width;
use time::{Date, Month};

/// A student number (学号) as the school assigns it: 1–20 letters and digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StudentNumber(String);

impl StudentNumber {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = fold_full_width(s).trim().to_uppercase();
        // Excel turns long numbers into floats: "20230101.0" is the number the school typed.
        let t = t.strip_suffix(".0").map(str::to_string).unwrap_or(t);
        if t.is_empty() {
            return Err(Invalid::new("student_number", "err-student-number-required"));
        }
        if t.len() > 20 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Invalid::new("student_number", "err-student-number-format"));
        }
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::text_enum! {
    /// 性别, stored as M or F.
    pub enum Gender {
        Male = "M" => "ui-gender-male",
        Female = "F" => "ui-gender-female",
    }
}

impl Gender {
    /// As a roster or a form writes it: 男 / 女, M / F, male / female.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match fold_full_width(s).trim().to_lowercase().as_str() {
            "男" | "m" | "male" | "男生" => Ok(Gender::Male),
            "女" | "f" | "female" | "女生" => Ok(Gender::Female),
            _ => Err(Invalid::new("gender", "err-gender")),
        }
    }

    /// The stored code (M, F), exactly.
    pub fn from_db(s: &str) -> Option<Self> {
        Self::from_code(s)
    }

    /// The word a Chinese roster writes (男, 女): a file format, not the page's language.
    pub fn roster_word(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

/// A date as schools type it: 2016-09-01, 2016/9/1, 2016.9.1, 20160901, 2016年9月1日.
pub fn parse_flexible_date(s: &str) -> Result<Date, Invalid> {
    let t = fold_full_width(s).trim().replace(['年', '月', '/', '.'], "-").replace('日', "");
    let bad = || Invalid::new("date", "err-date");
    let parts: Vec<&str> = if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        vec![&t[..4], &t[4..6], &t[6..]]
    } else {
        t.split('-').collect()
    };
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let (y, m, d): (i32, u8, u8) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    Date::from_calendar_date(y, Month::try_from(m).map_err(|_| bad())?, d).map_err(|_| bad())
}

/// Excel's date serial (days since 1899-12-30) as a date.
pub fn excel_serial_date(serial: f64) -> Option<Date> {
    let base = Date::from_calendar_date(1899, Month::December, 30).ok()?;
    (1.0..200_000.0)
        .contains(&serial)
        .then(|| base + time::Duration::days(serial.floor() as i64))
}

crate::text_enum! {
    /// 优先保障对象 (DOMAIN §4.2): kept coarse, sensitive.
    pub enum PriorityGroup {
        LeftBehind = "LEFT_BEHIND" => "ui-group-left-behind",
        MigrantChild = "MIGRANT_CHILD" => "ui-group-migrant-child",
        Orphan = "ORPHAN" => "ui-group-orphan",
        Disabled = "DISABLED" => "ui-group-disabled",
        LowIncome = "LOW_INCOME" => "ui-group-low-income",
        DualWorking = "DUAL_WORKING" => "ui-group-dual-working",
        SingleParent = "SINGLE_PARENT" => "ui-group-single-parent",
        LowerGrade = "LOWER_GRADE" => "ui-group-lower-grade",
    }
}

impl PriorityGroup {
    /// The code, or the Chinese name a roster uses (留守儿童, 随迁子女 …).
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        Self::ALL.into_iter().find(|p| p.as_str() == t || p.roster_word() == t)
    }

    /// The words a Chinese roster writes (留守儿童 …): a file format, not the page's language.
    pub fn roster_word(self) -> &'static str {
        match self {
            PriorityGroup::LeftBehind => "留守儿童",
            PriorityGroup::MigrantChild => "随迁子女",
            PriorityGroup::Orphan => "孤儿",
            PriorityGroup::Disabled => "残疾儿童",
            PriorityGroup::LowIncome => "困难家庭",
            PriorityGroup::DualWorking => "双职工家庭",
            PriorityGroup::SingleParent => "单亲家庭",
            PriorityGroup::LowerGrade => "低年级",
        }
    }

    /// "留守儿童、随迁子女" or "LEFT_BEHIND,MIGRANT_CHILD".
    pub fn parse_list(s: &str) -> Result<Vec<Self>, Invalid> {
        let mut out = Vec::new();
        for part in s.split([',', '，', '、', ';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
            let p = Self::parse(part).ok_or(Invalid::new("priority_groups", "err-priority-group"))?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(out)
    }
}

crate::text_enum! {
    /// How far an adult may take a child home (DOMAIN §4.4).
    pub enum PickupLevel {
        /// Takes the child home on any day.
        Always = "ALWAYS" => "ui-level-always",
        /// Only with a leader's override and a reason.
        EmergencyOnly = "EMERGENCY_ONLY" => "ui-level-emergency-only",
        /// Never: a custody limit. An attempt raises an alert.
        Never = "NEVER" => "ui-level-never",
    }
}

impl PickupLevel {
    /// The code, or the words a roster uses (可接送 …).
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        Self::ALL.into_iter().find(|l| l.as_str() == t || l.roster_word() == t)
    }

    /// The words a Chinese roster writes (可接送 …): a file format, not the page's language.
    pub fn roster_word(self) -> &'static str {
        match self {
            PickupLevel::Always => "可接送",
            PickupLevel::EmergencyOnly => "仅紧急情况",
            PickupLevel::Never => "禁止接送",
        }
    }
}

/// The last four characters of an ID number (身份证后四位): never more (data minimisation, P3).
pub fn parse_id_last4(s: &str) -> Result<String, Invalid> {
    let t = fold_full_width(s).trim().to_uppercase();
    if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit() || c == 'X') {
        Ok(t)
    } else {
        Err(Invalid::new("id_last4", "err-id-last4"))
    }
}

/// A relationship to the child as typed (母亲, 爷爷, 阿姨 …): 1–10 characters.
pub fn parse_relationship(s: &str) -> Result<String, Invalid> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 10 || t.chars().any(char::is_control) {
        return Err(Invalid::new("relationship", "err-relationship"));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_in_the_formats_schools_use() {
        for s in [
            "2016-09-01",
            "2016/9/1",
            "2016.9.1",
            "20160901",
            "2016年9月1日",
            "２０１６－０９－０１",
        ] {
            let s = s.replace('－', "-");
            assert_eq!(parse_flexible_date(&s), Ok(date!(2016 - 09 - 01)), "{s}");
        }
        assert!(parse_flexible_date("2016-02-30").is_err());
        assert!(parse_flexible_date("九月一日").is_err());
        assert_eq!(excel_serial_date(42614.0), Some(date!(2016 - 09 - 01)));
        assert_eq!(excel_serial_date(-1.0), None);
    }

    #[test]
    fn student_numbers_and_genders() {
        assert_eq!(StudentNumber::parse(" ２０２３０１０１ ").unwrap().as_str(), "20230101");
        assert_eq!(StudentNumber::parse("20230101.0").unwrap().as_str(), "20230101");
        assert!(StudentNumber::parse("").is_err());
        assert!(StudentNumber::parse("学号1").is_err());
        assert_eq!(Gender::parse("女"), Ok(Gender::Female));
        assert!(Gender::parse("?").is_err());
    }

    #[test]
    fn priority_groups_and_levels() {
        assert_eq!(
            PriorityGroup::parse_list("留守儿童、随迁子女，留守儿童").unwrap(),
            vec![PriorityGroup::LeftBehind, PriorityGroup::MigrantChild]
        );
        assert!(PriorityGroup::parse_list("富二代").is_err());
        assert_eq!(PriorityGroup::parse_list("").unwrap(), vec![]);
        assert_eq!(PickupLevel::parse("禁止接送"), Some(PickupLevel::Never));
        assert_eq!(parse_id_last4("123x"), Ok("123X".into()));
        assert!(parse_id_last4("110101199001011234").is_err(), "never a whole ID number");
    }
}
