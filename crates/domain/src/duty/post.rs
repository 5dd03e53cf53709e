//! 值班岗位 as the school types them: which post, on which weekdays, for which grades, when,
//! how many people and who may take it.

use super::PostKind;
use crate::Invalid;
use crate::role::Role;
use crate::school::parse_clock;
use time::{Date, Time, Weekday};

/// A post as the school sets it up, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostSpec {
    pub kind: PostKind,
    pub name: String,
    /// 1 = Monday … 5 = Friday (a 调休 Saturday counts as the weekday it replaces: see `runs_on`).
    pub weekdays: Vec<u8>,
    /// Empty: the whole school.
    pub grades: Vec<u8>,
    pub starts: Time,
    pub ends: Time,
    pub needs: u8,
    pub weight_permille: u32,
    /// Who may take it; empty means any teaching staff. A leader post: school admins.
    pub roles: Vec<Role>,
}

/// The most people one post may need on one day.
pub const MAX_NEEDS: u8 = 10;

/// The roles that take duty at all (a volunteer only where a post lists them).
pub const DUTY_ROLES: [Role; 4] = [Role::SchoolAdmin, Role::GradeDirector, Role::ClassTeacher, Role::Teacher];

impl PostSpec {
    /// Checks what a school admin typed.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        kind: &str,
        name: &str,
        weekdays: &[u8],
        grades: &[u8],
        starts: &str,
        ends: &str,
        needs: &str,
        weight_percent: &str,
        roles: &[Role],
    ) -> Result<Self, Invalid> {
        let kind = PostKind::parse(kind.trim())?;
        if kind == PostKind::Care {
            // A class's care comes from its session plan, never from a post row.
            return Err(Invalid::new("kind", "err-duty-post-kind"));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(Invalid::new("name", "err-duty-post-name"));
        }
        let mut weekdays: Vec<u8> = weekdays.to_vec();
        weekdays.sort_unstable();
        weekdays.dedup();
        if weekdays.is_empty() || weekdays.iter().any(|d| !(1..=5).contains(d)) {
            return Err(Invalid::new("weekdays", "err-duty-post-weekdays"));
        }
        let mut grades: Vec<u8> = grades.to_vec();
        grades.sort_unstable();
        grades.dedup();
        if grades.iter().any(|g| !(1..=6).contains(g)) {
            return Err(Invalid::new("grades", "err-duty-post-grades"));
        }
        let starts = parse_clock(starts).map_err(|_| Invalid::new("starts", "err-duty-post-times"))?;
        let ends = parse_clock(ends).map_err(|_| Invalid::new("ends", "err-duty-post-times"))?;
        if ends <= starts {
            return Err(Invalid::new("ends", "err-duty-post-times"));
        }
        let needs: u8 = crate::account::fold_full_width(needs.trim())
            .parse()
            .ok()
            .filter(|n| (1..=MAX_NEEDS).contains(n))
            .ok_or_else(|| Invalid::new("needs", "err-duty-post-needs"))?;
        let weight: u32 = crate::account::fold_full_width(weight_percent.trim())
            .parse()
            .ok()
            .filter(|w| (10..=500).contains(w))
            .ok_or_else(|| Invalid::new("weight", "err-duty-post-weight"))?;
        let mut roles: Vec<Role> = roles.to_vec();
        roles.dedup();
        if roles.iter().any(|r| !DUTY_ROLES.contains(r) && *r != Role::Volunteer) {
            return Err(Invalid::new("roles", "err-duty-post-roles"));
        }
        if kind == PostKind::Leader && roles.iter().any(|r| *r != Role::SchoolAdmin) {
            // 值班领导 comes from the leadership group.
            return Err(Invalid::new("roles", "err-duty-post-leader-roles"));
        }
        if kind == PostKind::Leader && roles.is_empty() {
            roles.push(Role::SchoolAdmin);
        }
        Ok(PostSpec {
            kind,
            name: name.to_string(),
            weekdays,
            grades,
            starts,
            ends,
            needs,
            weight_permille: weight * 10,
            roles,
        })
    }

    /// May someone of `role` take this post?
    pub fn admits(&self, role: Role) -> bool {
        if self.roles.is_empty() {
            DUTY_ROLES.contains(&role)
        } else {
            self.roles.contains(&role)
        }
    }

    /// Does the post run on `date`, given which grades have service that day?
    pub fn runs_on(&self, date: Date, grades_with_service: &[u8]) -> bool {
        let weekday = match date.weekday() {
            // A 调休 weekend day runs the posts of every weekday: the school works as on a weekday.
            Weekday::Saturday | Weekday::Sunday => None,
            w => Some(w.number_from_monday()),
        };
        let day_ok = weekday.is_none_or(|w| self.weekdays.contains(&w));
        let grade_ok = if self.grades.is_empty() {
            !grades_with_service.is_empty()
        } else {
            self.grades.iter().any(|g| grades_with_service.contains(g))
        };
        day_ok && grade_ok
    }

    /// Weekdays as stored: "135".
    pub fn weekdays_code(&self) -> String {
        self.weekdays.iter().map(|d| char::from(b'0' + d)).collect()
    }

    pub fn grades_code(&self) -> String {
        self.grades.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

/// Digits of a stored weekday or grade code ("135" → [1, 3, 5]); anything else is `None`.
pub fn digits(code: &str) -> Option<Vec<u8>> {
    code.bytes().map(|b| b.is_ascii_digit().then(|| b - b'0')).collect()
}

/// 不能值班: what a person declares. Either a weekday of every week or one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    Weekday(u8),
    Date(Date),
}

impl Unavailable {
    pub fn covers(&self, date: Date) -> bool {
        match *self {
            Unavailable::Weekday(w) => date.weekday().number_from_monday() == w,
            Unavailable::Date(d) => d == date,
        }
    }
}

/// Checks a reason: required, short.
pub fn reason(text: &str) -> Result<&str, Invalid> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 100 {
        return Err(Invalid::new("reason", "err-duty-reason"));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, time};

    fn hallway() -> PostSpec {
        PostSpec::parse("HALLWAY", "一楼楼道", &[1, 2, 3, 4, 5], &[], "16:00", "17:30", "２", "100", &[]).unwrap()
    }

    #[test]
    fn a_post_is_checked_as_typed() {
        let p = hallway();
        assert_eq!(
            (p.starts, p.ends, p.needs, p.weight_permille),
            (time!(16:00), time!(17:30), 2, 1000)
        );
        assert!(p.admits(Role::Teacher) && !p.admits(Role::Volunteer) && !p.admits(Role::Guardian));
        for bad in [
            PostSpec::parse("CARE", "看护", &[1], &[], "16:00", "17:00", "1", "100", &[]),
            PostSpec::parse("HALLWAY", " ", &[1], &[], "16:00", "17:00", "1", "100", &[]),
            PostSpec::parse("HALLWAY", "楼道", &[], &[], "16:00", "17:00", "1", "100", &[]),
            PostSpec::parse("HALLWAY", "楼道", &[6], &[], "16:00", "17:00", "1", "100", &[]),
            PostSpec::parse("HALLWAY", "楼道", &[1], &[7], "16:00", "17:00", "1", "100", &[]),
            PostSpec::parse("HALLWAY", "楼道", &[1], &[], "17:00", "16:00", "1", "100", &[]),
            PostSpec::parse("HALLWAY", "楼道", &[1], &[], "16:00", "17:00", "0", "100", &[]),
            PostSpec::parse("HALLWAY", "楼道", &[1], &[], "16:00", "17:00", "1", "0", &[]),
            PostSpec::parse("HALLWAY", "楼道", &[1], &[], "16:00", "17:00", "1", "100", &[Role::Guardian]),
            PostSpec::parse("LEADER", "值班领导", &[1], &[], "16:00", "18:00", "1", "150", &[Role::Teacher]),
        ] {
            assert!(bad.is_err(), "{bad:?}");
        }
        let leader = PostSpec::parse("LEADER", "值班领导", &[1], &[], "16:00", "18:00", "1", "150", &[]).unwrap();
        assert_eq!(leader.roles, vec![Role::SchoolAdmin]);
        assert_eq!(leader.weight_permille, 1500);
    }

    #[test]
    fn a_post_runs_on_its_weekdays_when_its_grades_have_service() {
        let mut p = hallway();
        p.weekdays = vec![1, 3];
        p.grades = vec![1, 2];
        assert!(p.runs_on(date!(2026 - 12 - 07), &[1, 3])); // Monday
        assert!(!p.runs_on(date!(2026 - 12 - 08), &[1, 3])); // Tuesday
        assert!(!p.runs_on(date!(2026 - 12 - 07), &[3, 4]));
        assert_eq!(p.weekdays_code(), "13");
        assert_eq!(digits("13"), Some(vec![1, 3]));
        assert_eq!(digits("1x"), None);
        assert!(Unavailable::Weekday(1).covers(date!(2026 - 12 - 07)));
        assert!(!Unavailable::Date(date!(2026 - 12 - 08)).covers(date!(2026 - 12 - 07)));
    }
}
