//! An audit entry's details as people read them: "状态：家长已签署，待学校签章 → 已生效",
//! "教师：王老师", never raw JSON. A key with words gets its label; a code with words (an
//! enrolment state, a role, a weather level) gets its words; a person's or child's id their name.

use crate::i18n::Tr;
use crate::layout::role_key;
use serde_json::Value;
use std::collections::HashMap;
use yanshi_domain::afternoon::{LateDecision, RollStatus, WeatherLevel};
use yanshi_domain::enrolment::{LeaveKind, LeaveStatus};
use yanshi_domain::family::PickupLevel;
use yanshi_domain::role::Role;
use yanshi_domain::volunteer::{VettingCheck, VolunteerKind};
use yanshi_i18n::Locale;

/// One line of what changed: its label and its value in words.
pub struct Change {
    pub label: String,
    pub value: String,
}

/// Names for the ids details carry (accounts, children), from what the page already read.
pub type Names = HashMap<String, String>;

fn label(t: Tr, key: &str) -> String {
    let k = format!("ui-audit-key-{}", key.replace('_', "-"));
    if Locale::has(&k) { t.get(&k).to_string() } else { key.to_string() }
}

/// A value in words, or `None` when there is nothing a person could read in it.
fn value(t: Tr, key: &str, v: &Value, names: &Names, action: &str) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(t.get(if *b { "ui-audit-yes" } else { "ui-audit-no" }).to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(|i| value(t, key, i, names, action)).collect();
            (!parts.is_empty()).then(|| parts.join("、"))
        }
        Value::Object(_) => Some(v.to_string()),
        Value::String(s) => Some(text(t, key, s, names, action)),
    }
}

fn text(t: Tr, key: &str, s: &str, names: &Names, action: &str) -> String {
    if let Some(name) = names.get(s) {
        return name.clone();
    }
    let words = match key {
        "from" | "to" if action.starts_with("enrolment.") => Some(t.code("state", s)),
        "role" => Role::parse(s).map(|r| t.get(role_key(r))),
        "level" | "before" if action == "weather.set" => WeatherLevel::from_code(s).map(|l| t.get(l.key())),
        "decision" => LateDecision::from_code(s).map(|d| t.get(d.key())),
        "status" if action == "roll.mark" => RollStatus::from_code(s).map(|r| t.get(r.key())),
        "status" if action.starts_with("leave.") => LeaveStatus::from_code(s).map(|r| t.get(r.key())),
        "kind" if action.starts_with("leave.") => LeaveKind::from_code(s).map(|k| t.get(k.key())),
        "kind" if action.starts_with("calendar.") => match s {
            "CLOSED" => Some(t.get("ui-day-closed")),
            "EXTRA_DAY" => Some(t.get("ui-day-extra")),
            _ => None,
        },
        "level" => PickupLevel::from_code(s).map(|l| t.get(l.key())),
        "kind" if action.starts_with("volunteer.") => VolunteerKind::from_code(s).map(|k| t.get(k.key())),
        "check" if action.starts_with("volunteer.") => VettingCheck::from_code(s).map(|c| t.get(c.key())),
        "pickup_plan" => match s {
            "BY_ADULTS" => Some(t.get("ui-plan-adults")),
            "SELF_LEAVE" => Some(t.get("ui-plan-self-leave")),
            _ => None,
        },
        _ => None,
    };
    if let Some(w) = words {
        return w.to_string();
    }
    // A hash or token is checked by machines: its start is enough to tell two apart.
    if s.len() > 24 && s.chars().all(|c| c.is_ascii_hexdigit()) {
        return format!("{}…", &s[..12]);
    }
    s.to_string()
}

/// What an entry's details record, line by line. A from/to pair (a status change) reads as one
/// line "状态：A → B"; a weather change "预警：A → B"; every other key as "label：value".
pub fn changes(t: Tr, action: &str, details: &str, names: &Names) -> Vec<Change> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(details) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let pair = |from: &str, to: &str, label_key: &str, out: &mut Vec<Change>| -> bool {
        match (map.get(from), map.get(to)) {
            (Some(a), Some(b)) => {
                let a = value(t, from, a, names, action).unwrap_or_else(|| "—".into());
                let b = value(t, to, b, names, action).unwrap_or_else(|| "—".into());
                out.push(Change {
                    label: t.get(label_key).to_string(),
                    value: format!("{a} → {b}"),
                });
                true
            }
            _ => false,
        }
    };
    let (a, b, label_key) = match action {
        a if a.starts_with("enrolment.") => ("from", "to", "ui-audit-key-status"),
        "leave.report" | "volunteer.certify" => ("from", "to", "ui-audit-key-days"),
        "volunteer.set_validity" => ("before", "valid_months", "ui-audit-key-valid-months"),
        "weather.set" => ("before", "level", "ui-audit-key-weather"),
        _ => ("", "", ""),
    };
    let skip: &[&str] = if !a.is_empty() && pair(a, b, label_key, &mut out) {
        &[a, b]
    } else {
        &[]
    };
    for (k, v) in &map {
        if skip.contains(&k.as_str()) {
            continue;
        }
        if let Some(value) = value(t, k, v, names, action) {
            out.push(Change { label: label(t, k), value });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn a_status_change_reads_as_before_and_after() {
        let t = Tr(Lang::ZhCn);
        let c = changes(t, "enrolment.countersign", r#"{"from":"SIGNED","to":"ACTIVE"}"#, &Names::new());
        assert_eq!(c.len(), 1);
        assert_eq!(format!("{}：{}", c[0].label, c[0].value), "状态：家长已签署，待学校签章 → 已生效");
    }

    #[test]
    fn ids_read_as_names_and_unknown_keys_stay_readable() {
        let t = Tr(Lang::ZhCn);
        let names = Names::from([("u-1".to_string(), "王老师".to_string())]);
        let c = changes(t, "class.set_teacher", r#"{"teacher":"u-1","odd_key":"x"}"#, &names);
        let lines: Vec<String> = c.iter().map(|c| format!("{}：{}", c.label, c.value)).collect();
        assert!(lines.contains(&"班主任：王老师".to_string()), "{lines:?}");
        assert!(lines.contains(&"odd_key：x".to_string()), "{lines:?}");
        assert!(changes(t, "x", "not json", &names).is_empty());
        let c = changes(t, "calendar.add_override", r#"{"kind":"EXTRA_DAY"}"#, &names);
        assert_eq!(c[0].value, t.get("ui-day-extra"));
    }
}
