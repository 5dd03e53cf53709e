//! How the home page addresses a person: by name, not by role (王老师，您好 · 张丽，您好).
//! Staff with a Chinese name are addressed as surname + 老师 (a name that already ends in a
//! title — 李校长, 王老师 — stays as it is); anyone else by the display name.

/// Compound surnames (复姓) common enough to meet at a school.
pub(crate) const COMPOUND_SURNAMES: [&str; 20] = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "南宫", "西门",
    "独孤", "呼延", "轩辕",
];

/// Titles a display name may already carry.
const TITLES: [&str; 5] = ["老师", "校长", "主任", "书记", "园长"];

/// Whom a greeting names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressee {
    /// A member of staff with a Chinese name: 王老师 in Chinese; `full` elsewhere.
    Teacher { surname: String, full: String },
    /// Anyone else, or a name that already is a form of address.
    Name(String),
}

/// The display name without a trailing note in brackets: "王老师（三年级二班班主任）" → "王老师".
fn without_note(display: &str) -> &str {
    let cut = display.find(['（', '(']).unwrap_or(display.len());
    let name = display[..cut].trim();
    if name.is_empty() { display.trim() } else { name }
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}')
}

/// A Chinese personal name: two to four Han characters (a middle dot allowed between parts is
/// not a Han name here: such names are addressed in full).
fn is_chinese_name(name: &str) -> bool {
    let n = name.chars().count();
    (2..=4).contains(&n) && name.chars().all(is_han)
}

/// How to address a person with this display name; `staff` for anyone working at the school.
pub fn addressee(display: &str, staff: bool) -> Addressee {
    let name = without_note(display);
    if !staff || !is_chinese_name(name) || TITLES.iter().any(|t| name.ends_with(t)) {
        return Addressee::Name(name.to_string());
    }
    let surname = match COMPOUND_SURNAMES.iter().find(|s| name.starts_with(*s)) {
        Some(s) if name.chars().count() >= 3 => s.to_string(),
        _ => name.chars().next().map(String::from).unwrap_or_default(),
    };
    Addressee::Teacher {
        surname,
        full: name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teacher(s: &str, f: &str) -> Addressee {
        Addressee::Teacher {
            surname: s.into(),
            full: f.into(),
        }
    }

    #[test]
    fn staff_by_surname_guardians_by_name() {
        assert_eq!(addressee("王丽华", true), teacher("王", "王丽华"));
        assert_eq!(addressee("欧阳明", true), teacher("欧阳", "欧阳明"));
        assert_eq!(
            addressee("欧阳", true),
            teacher("欧", "欧阳"),
            "a two-character name is surname + given name"
        );
        assert_eq!(addressee("李校长", true), Addressee::Name("李校长".into()));
        assert_eq!(addressee("王老师（三年级二班班主任）", true), Addressee::Name("王老师".into()));
        assert_eq!(addressee("陈静（数学）", true), teacher("陈", "陈静"));
        assert_eq!(addressee("Anna Smith", true), Addressee::Name("Anna Smith".into()));
        assert_eq!(addressee("买买提·艾力", true), Addressee::Name("买买提·艾力".into()));
        assert_eq!(addressee("张丽", false), Addressee::Name("张丽".into()));
        assert_eq!(addressee("（备注）", false), Addressee::Name("（备注）".into()));
    }
}
