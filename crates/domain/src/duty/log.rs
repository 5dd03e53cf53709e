//! 值班记录 — the duty log of a hallway, gate, waiting-room or leader post: what was checked,
//! anything that happened, signed under one's own name, once.

use super::PostKind;
use crate::Invalid;

impl PostKind {
    /// Does a turn of this post keep a duty log? A class's care has its daily record instead.
    pub fn keeps_log(self) -> bool {
        !matches!(self, PostKind::Care)
    }
}

/// What the person on duty writes, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogText {
    /// What was checked (a checklist's words or free text): required.
    pub checked: String,
    /// Anything that happened; empty when nothing did.
    pub happened: String,
}

impl LogText {
    pub fn parse(checked: &str, happened: &str) -> Result<Self, Invalid> {
        let checked = checked.trim();
        if checked.is_empty() || checked.chars().count() > 500 {
            return Err(Invalid::new("checked", "err-duty-log-checked"));
        }
        let happened = happened.trim();
        if happened.chars().count() > 2000 {
            return Err(Invalid::new("happened", "err-duty-log-happened"));
        }
        Ok(LogText {
            checked: checked.to_string(),
            happened: happened.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_says_what_was_checked() {
        assert!(LogText::parse("  ", "").is_err());
        assert!(LogText::parse("楼道", &"x".repeat(2001)).is_err());
        let t = LogText::parse(" 楼道、楼梯 ", " ").unwrap();
        assert_eq!((t.checked.as_str(), t.happened.as_str()), ("楼道、楼梯", ""));
        assert!(PostKind::Gate.keeps_log() && !PostKind::Care.keeps_log());
    }
}
