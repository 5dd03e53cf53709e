//! Dates in JSON as people and other programs read them: `"2026-12-01"`, not the `time`
//! crate's `[2026, 335]` (year, day of the year). Reading accepts both, so data written
//! before reads back.

use serde::{Deserialize, Deserializer, Serializer};
use time::Date;

#[derive(Deserialize)]
#[serde(untagged)]
enum Either {
    Text(String),
    YearOrdinal(i32, u16),
}

fn from_either(e: Either) -> Result<Date, String> {
    match e {
        Either::Text(s) => crate::calendar::parse_date(&s).ok_or_else(|| format!("not a date (YYYY-MM-DD): {s}")),
        Either::YearOrdinal(y, d) => Date::from_ordinal_date(y, d).map_err(|e| e.to_string()),
    }
}

pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    from_either(Either::deserialize(d)?).map_err(serde::de::Error::custom)
}

/// The same for an optional date.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<Either>::deserialize(d)?
            .map(from_either)
            .transpose()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Row {
        #[serde(with = "super")]
        day: time::Date,
        #[serde(with = "super::option")]
        birth: Option<time::Date>,
    }

    #[test]
    fn dates_are_written_as_text_and_read_either_way() {
        let r = Row {
            day: date!(2026 - 12 - 01),
            birth: Some(date!(2018 - 03 - 07)),
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(text, r#"{"day":"2026-12-01","birth":"2018-03-07"}"#);
        assert_eq!(serde_json::from_str::<Row>(&text).unwrap(), r);
        let old: Row = serde_json::from_str(r#"{"day":[2026,335],"birth":null}"#).unwrap();
        assert_eq!((old.day, old.birth), (date!(2026 - 12 - 01), None));
        assert!(serde_json::from_str::<Row>(r#"{"day":"2026-13-01","birth":null}"#).is_err());
    }
}
