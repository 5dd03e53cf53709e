//! 志愿者 — volunteers (家长义工, 社区人员, 教师志愿者, 公益组织), DOMAIN §3.7 and §4.13. Before a
//! volunteer's first session the school vets them: identity seen (only the last four characters
//! of the ID number are kept), a criminal-record certificate (无犯罪记录证明) seen with its date,
//! and safety training done. Each check lapses after the months the school sets. A volunteer is
//! never the only adult with a group (the session plan and the roster refuse it), sees only
//! their own assignments and the first names of their group, and has their hours counted from
//! signed records (志愿服务时长证明).
//! Pure rules here; the store keeps the records.

use crate::Invalid;
use crate::account::fold_full_width;
use time::{Date, Month};

crate::text_enum! {
    /// What the volunteer is to the school.
    pub enum VolunteerKind {
        /// 家长: a parent or grandparent of a child of the school.
        Parent = "PARENT" => "ui-volunteer-kind-parent",
        /// 社区人员: someone from the community.
        Community = "COMMUNITY" => "ui-volunteer-kind-community",
        /// 教师志愿者: a (retired or student) teacher volunteering.
        Teacher = "TEACHER" => "ui-volunteer-kind-teacher",
        /// 公益组织: sent by a charitable organisation, whose name is recorded.
        Organisation = "ORGANISATION" => "ui-volunteer-kind-organisation",
    }
    parse -> Invalid("kind", "err-volunteer-kind");
}

crate::text_enum! {
    /// One of the checks before a first session (审核).
    pub enum VettingCheck {
        /// 身份核验: the identity document seen; only its last four characters are kept.
        Identity = "IDENTITY" => "ui-volunteer-check-identity",
        /// 无犯罪记录证明: the certificate seen; its own date counts.
        CriminalRecord = "CRIMINAL_RECORD" => "ui-volunteer-check-criminal-record",
        /// 安全培训: the safety training, on the day it was done.
        Training = "TRAINING" => "ui-volunteer-check-training",
    }
    parse -> Invalid("check", "err-volunteer-check");
}

/// The organisation's name: required for a 公益组织 volunteer, never kept for anyone else.
pub fn organisation(kind: VolunteerKind, name: &str) -> Result<String, Invalid> {
    let name = name.trim();
    if kind != VolunteerKind::Organisation {
        return Ok(String::new());
    }
    if name.is_empty() {
        return Err(Invalid::new("organisation", "err-volunteer-organisation"));
    }
    if name.chars().count() > 60 {
        return Err(Invalid::new("organisation", "err-text-too-long"));
    }
    Ok(name.to_string())
}

/// The last four characters of an ID number (身份证号后四位): three digits and a digit or X (the
/// check character). Never more: a whole ID number is refused, not cut, so it is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdLast4(String);

impl IdLast4 {
    pub fn parse(input: &str) -> Result<IdLast4, Invalid> {
        let s: String = fold_full_width(input.trim()).to_ascii_uppercase();
        let chars: Vec<char> = s.chars().collect();
        let ok = chars.len() == 4 && chars[..3].iter().all(char::is_ascii_digit) && (chars[3].is_ascii_digit() || chars[3] == 'X');
        if ok {
            Ok(IdLast4(s))
        } else {
            Err(Invalid::new("id_last4", "err-volunteer-id-last4"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many months a check stays valid, as the school sets it.
pub const DEFAULT_VALID_MONTHS: u8 = 12;

/// The school's validity (1–60 months) as typed.
pub fn valid_months(input: &str) -> Result<u8, Invalid> {
    match fold_full_width(input.trim()).parse::<u8>() {
        Ok(m) if (1..=60).contains(&m) => Ok(m),
        _ => Err(Invalid::new("valid_months", "err-volunteer-valid-months")),
    }
}

/// `months` calendar months after `date`; the 31st of a shorter month becomes its last day.
pub fn add_months(date: Date, months: u8) -> Date {
    let total = date.year() * 12 + (date.month() as i32 - 1) + i32::from(months);
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u8 + 1);
    let month = Month::try_from(month).unwrap_or(Month::January);
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// A check as recorded: the date that counts (the day the identity was seen, the certificate's
/// own date, the training day) and the day a member of staff saw the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckDates {
    pub dated: Date,
    pub seen_on: Date,
}

impl CheckDates {
    /// The dates as entered: the evidence is seen on or after its own date, and not in the future.
    pub fn new(dated: Date, seen_on: Date, today: Date) -> Result<CheckDates, Invalid> {
        if seen_on > today || dated > today {
            return Err(Invalid::new("dated", "err-volunteer-check-future"));
        }
        if dated > seen_on {
            return Err(Invalid::new("dated", "err-volunteer-check-order"));
        }
        Ok(CheckDates { dated, seen_on })
    }

    /// The last day this check counts.
    pub fn valid_until(&self, valid_months: u8) -> Date {
        add_months(self.dated, valid_months).previous_day().unwrap_or(self.dated)
    }
}

/// A volunteer's newest check of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vetting {
    pub identity: Option<CheckDates>,
    pub criminal_record: Option<CheckDates>,
    pub training: Option<CheckDates>,
}

/// What keeps a check from counting on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// Never recorded (or recorded only after the day asked about).
    Missing(VettingCheck),
    /// Recorded, but lapsed after this day.
    Expired(VettingCheck, Date),
}

impl Gap {
    pub fn check(self) -> VettingCheck {
        match self {
            Gap::Missing(c) | Gap::Expired(c, _) => c,
        }
    }
}

impl Vetting {
    pub fn get(&self, check: VettingCheck) -> Option<CheckDates> {
        match check {
            VettingCheck::Identity => self.identity,
            VettingCheck::CriminalRecord => self.criminal_record,
            VettingCheck::Training => self.training,
        }
    }

    pub fn set(&mut self, check: VettingCheck, dates: CheckDates) {
        match check {
            VettingCheck::Identity => self.identity = Some(dates),
            VettingCheck::CriminalRecord => self.criminal_record = Some(dates),
            VettingCheck::Training => self.training = Some(dates),
        }
    }
}

/// Is the volunteer vetted on `on`? Every check seen by then, and none older than the school's
/// validity; else every gap, in the order of [`VettingCheck::ALL`].
pub fn is_vetted(vetting: &Vetting, on: Date, valid_months: u8) -> Result<(), Vec<Gap>> {
    let gaps: Vec<Gap> = VettingCheck::ALL
        .into_iter()
        .filter_map(|check| match vetting.get(check) {
            Some(d) if d.seen_on > on => Some(Gap::Missing(check)),
            Some(d) if d.valid_until(valid_months) < on => Some(Gap::Expired(check, d.valid_until(valid_months))),
            Some(_) => None,
            None => Some(Gap::Missing(check)),
        })
        .collect();
    if gaps.is_empty() { Ok(()) } else { Err(gaps) }
}

/// A certificate's range: from ≤ to, not after today, at most two years.
pub fn certificate_range(from: Date, to: Date, today: Date) -> Result<(), Invalid> {
    if from > to {
        return Err(Invalid::new("to", "err-volunteer-range"));
    }
    if to > today {
        return Err(Invalid::new("to", "err-volunteer-range-future"));
    }
    if (to - from).whole_days() > 731 {
        return Err(Invalid::new("from", "err-volunteer-range"));
    }
    Ok(())
}

/// One day's service, as counted from the signed records and the duty log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedDay {
    pub day: Date,
    pub minutes: u32,
}

/// The days of service, one line per day (several records of one day added up), in order.
pub fn served_days(entries: impl IntoIterator<Item = (Date, u32)>) -> Vec<ServedDay> {
    let mut by_day: std::collections::BTreeMap<Date, u32> = Default::default();
    for (day, minutes) in entries {
        // A day holds at most 24 hours, however the rows add up.
        let m = by_day.entry(day).or_default();
        *m = (*m + minutes).min(24 * 60);
    }
    by_day.into_iter().map(|(day, minutes)| ServedDay { day, minutes }).collect()
}

/// The total minutes of a list of days.
pub fn total_minutes(days: &[ServedDay]) -> u32 {
    days.iter().map(|d| d.minutes).sum()
}

/// Minutes as hours with one decimal, rounded down (a certificate never claims more than was
/// served): 95 → "1.5", 60 → "1.0".
pub fn hours(minutes: u32) -> String {
    let tenths = minutes / 6;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The first name a volunteer sees of a child: the given name without the surname (明 of 王小明
/// is 小明; 欧阳小雨 is 小雨), the part before the dot of a name with one (阿依古丽·买买提 →
/// 阿依古丽), the first word of a name with spaces.
pub fn first_name(full: &str) -> String {
    let name = full.trim();
    if let Some((given, _)) = name.split_once(['·', '•', '．']) {
        return given.trim().to_string();
    }
    if name.contains(char::is_whitespace) {
        return name.split_whitespace().next().unwrap_or_default().to_string();
    }
    let n = name.chars().count();
    if n <= 1 {
        return name.to_string();
    }
    let skip = match crate::greeting::COMPOUND_SURNAMES.iter().find(|s| name.starts_with(*s)) {
        Some(s) if n >= 3 => s.chars().count(),
        _ => 1,
    };
    name.chars().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn dates(dated: Date, seen_on: Date) -> CheckDates {
        CheckDates { dated, seen_on }
    }

    #[test]
    fn an_organisation_volunteer_names_the_organisation() {
        assert_eq!(
            organisation(VolunteerKind::Organisation, "  ").unwrap_err().key,
            "err-volunteer-organisation"
        );
        assert_eq!(organisation(VolunteerKind::Organisation, " 阳光公益 ").unwrap(), "阳光公益");
        assert_eq!(
            organisation(VolunteerKind::Parent, "阳光公益").unwrap(),
            "",
            "only kept for an organisation"
        );
        assert_eq!(VolunteerKind::parse("CLUB").unwrap_err().key, "err-volunteer-kind");
        for k in VolunteerKind::ALL {
            assert_eq!(VolunteerKind::parse(k.as_str()), Ok(k));
        }
    }

    #[test]
    fn only_the_last_four_characters_of_an_id_are_taken() {
        assert_eq!(IdLast4::parse("123x").unwrap().as_str(), "123X");
        assert_eq!(IdLast4::parse(" ０４２１ ").unwrap().as_str(), "0421");
        for bad in ["", "123", "12345", "11010519491231002X", "X123", "12a4", "1 23"] {
            assert_eq!(IdLast4::parse(bad).unwrap_err().key, "err-volunteer-id-last4", "{bad}");
        }
    }

    #[test]
    fn the_schools_validity_is_between_one_month_and_five_years() {
        assert_eq!(valid_months("6"), Ok(6));
        assert_eq!(valid_months("６０"), Ok(60));
        for bad in ["0", "61", "", "a", "-1"] {
            assert!(valid_months(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 15), 3), date!(2027 - 02 - 15));
        assert_eq!(add_months(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
        assert_eq!(
            dates(date!(2026 - 03 - 10), date!(2026 - 03 - 12)).valid_until(6),
            date!(2026 - 09 - 09)
        );
    }

    #[test]
    fn a_check_is_seen_after_its_date_and_not_in_the_future() {
        let today = date!(2026 - 09 - 02);
        assert!(CheckDates::new(date!(2026 - 08 - 01), date!(2026 - 09 - 01), today).is_ok());
        assert_eq!(
            CheckDates::new(date!(2026 - 09 - 01), date!(2026 - 08 - 01), today)
                .unwrap_err()
                .key,
            "err-volunteer-check-order"
        );
        assert_eq!(
            CheckDates::new(date!(2026 - 09 - 01), date!(2026 - 09 - 03), today)
                .unwrap_err()
                .key,
            "err-volunteer-check-future"
        );
    }

    #[test]
    fn a_volunteer_is_vetted_with_every_check_within_the_schools_validity() {
        let on = date!(2026 - 09 - 09);
        let mut v = Vetting::default();
        assert_eq!(
            is_vetted(&v, on, 6).unwrap_err().iter().map(|g| g.check()).collect::<Vec<_>>(),
            VettingCheck::ALL.to_vec()
        );
        v.set(VettingCheck::Identity, dates(date!(2026 - 09 - 01), date!(2026 - 09 - 01)));
        v.set(VettingCheck::Training, dates(date!(2026 - 08 - 20), date!(2026 - 08 - 20)));
        assert_eq!(is_vetted(&v, on, 6), Err(vec![Gap::Missing(VettingCheck::CriminalRecord)]));
        // A certificate dated in February lapses with a six-month validity, holds with twelve.
        v.set(VettingCheck::CriminalRecord, dates(date!(2026 - 02 - 10), date!(2026 - 09 - 01)));
        assert_eq!(
            is_vetted(&v, on, 6),
            Err(vec![Gap::Expired(VettingCheck::CriminalRecord, date!(2026 - 08 - 09))])
        );
        assert_eq!(is_vetted(&v, on, 12), Ok(()));
        // Not before the evidence was seen, and not after the last check lapses.
        assert_eq!(
            is_vetted(&v, date!(2026 - 08 - 31), 12),
            Err(vec![
                Gap::Missing(VettingCheck::Identity),
                Gap::Missing(VettingCheck::CriminalRecord)
            ])
        );
        assert_eq!(is_vetted(&v, date!(2027 - 02 - 09), 12), Ok(()));
        assert_eq!(
            is_vetted(&v, date!(2027 - 02 - 10), 12),
            Err(vec![Gap::Expired(VettingCheck::CriminalRecord, date!(2027 - 02 - 09))])
        );
    }

    #[test]
    fn a_range_is_ordered_past_and_at_most_two_years() {
        let today = date!(2026 - 12 - 31);
        assert!(certificate_range(date!(2026 - 09 - 01), date!(2026 - 12 - 31), today).is_ok());
        assert!(certificate_range(date!(2026 - 09 - 02), date!(2026 - 09 - 01), today).is_err());
        assert_eq!(
            certificate_range(date!(2026 - 09 - 01), date!(2027 - 01 - 01), today)
                .unwrap_err()
                .key,
            "err-volunteer-range-future"
        );
        assert!(certificate_range(date!(2020 - 09 - 01), date!(2026 - 09 - 01), today).is_err());
    }

    #[test]
    fn hours_add_up_per_day_and_round_down_to_a_tenth() {
        let days = served_days([
            (date!(2026 - 09 - 10), 45),
            (date!(2026 - 09 - 09), 90),
            (date!(2026 - 09 - 10), 30),
            (date!(2026 - 09 - 11), 2000),
        ]);
        assert_eq!(
            days.iter().map(|d| (d.day, d.minutes)).collect::<Vec<_>>(),
            [
                (date!(2026 - 09 - 09), 90),
                (date!(2026 - 09 - 10), 75),
                (date!(2026 - 09 - 11), 1440)
            ]
        );
        assert_eq!(total_minutes(&days), 1605);
        assert_eq!(hours(1605), "26.7");
        assert_eq!(hours(60), "1.0");
        assert_eq!(hours(5), "0.0");
        assert_eq!(hours(0), "0.0");
    }

    #[test]
    fn a_child_is_named_by_the_given_name_only() {
        assert_eq!(first_name("王小明"), "小明");
        assert_eq!(first_name("李华"), "华");
        assert_eq!(first_name("欧阳小雨"), "小雨");
        assert_eq!(first_name("欧阳"), "阳", "a two-character name is surname + given name");
        assert_eq!(first_name("阿依古丽·买买提"), "阿依古丽");
        assert_eq!(first_name("Anna Smith"), "Anna");
        assert_eq!(first_name(" 明 "), "明");
    }
}
