//! A school's rules run in its local time; instants are stored in UTC.
//!
//! Every zone a Chinese school uses today is a fixed offset without daylight saving, so a
//! small table is exact and needs no time-zone database in the binary.

use time::{OffsetDateTime, UtcOffset};

/// The default for every school: 北京时间.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// The UTC offset of a supported IANA zone name, or `None` for one yanshi does not know.
pub fn offset_of(zone: &str) -> Option<UtcOffset> {
    let hours = match zone {
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Hong_Kong" | "Asia/Macau" | "Asia/Taipei" | "PRC" => 8,
        "Asia/Urumqi" => 6,
        "UTC" | "Etc/UTC" => 0,
        _ => return None,
    };
    UtcOffset::from_hms(hours, 0, 0).ok()
}

/// An instant as the school's wall clock shows it.
pub fn local(at: OffsetDateTime, zone: &str) -> OffsetDateTime {
    at.to_offset(offset_of(zone).unwrap_or(UtcOffset::UTC))
}

/// The instant when the school's wall clock shows `time` on `day` (17:42 on the paper sheet, the
/// session's end at 18:00).
pub fn at(day: time::Date, time: time::Time, zone: &str) -> OffsetDateTime {
    time::PrimitiveDateTime::new(day, time).assume_offset(offset_of(zone).unwrap_or(UtcOffset::UTC))
}

/// `2026-12-01 17:42`, in the school's time.
pub fn format_local(at: OffsetDateTime, zone: &str) -> String {
    let l = local(at, zone);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        l.year(),
        l.month() as u8,
        l.day(),
        l.hour(),
        l.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn six_pm_in_shanghai_is_ten_utc() {
        let at = datetime!(2026-12-01 10:00 UTC);
        assert_eq!(format_local(at, "Asia/Shanghai"), "2026-12-01 18:00");
        assert_eq!(local(at, DEFAULT_TIME_ZONE).hour(), 18);
        assert_eq!(
            super::at(time::macros::date!(2026 - 12 - 01), time::macros::time!(18:00), DEFAULT_TIME_ZONE),
            at
        );
        assert_eq!(offset_of("Mars/Olympus"), None);
    }
}
