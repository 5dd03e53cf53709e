//! Typed ids. Every id is a UUID v7 in text form: sortable by creation time, never guessable
//! from another, and the same on SQLite and PostgreSQL. Deserializing one (a path segment, a
//! JSON field) accepts a UUID and nothing else, so a handler never holds a malformed id.

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Parses an id from user input (a path segment, a form field).
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s.trim()).ok().map(|u| Self(u.to_string()))
            }

            /// Wraps an id read back from the database, which only ever holds valid ones.
            pub fn from_db(s: String) -> Self {
                Self(s)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| serde::de::Error::custom(concat!(stringify!($name), ": not a UUID")))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// A fresh id for a row no typed id names (an attempt, an alert, a roll mark, a log line):
/// a UUID v7 like every id, so rows sort by creation time on both databases.
pub fn row_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

typed_id!(
    /// A school (学校). Every school-owned row carries one.
    SchoolId
);
typed_id!(
    /// A sign-in account: staff or guardian.
    UserId
);
typed_id!(
    /// A notification channel configured by a school (webhook, robot, email).
    ChannelId
);
typed_id!(
    /// A message in the notification outbox.
    MessageId
);

typed_id!(
    /// A class (班级).
    ClassId
);
typed_id!(
    /// A place (场所): a classroom, a hallway, the gate, the waiting room.
    PlaceId
);
typed_id!(
    /// A term (学期).
    TermId
);
typed_id!(
    /// A staff record (教职工), with or without a sign-in account.
    StaffId
);
typed_id!(
    /// A student (学生).
    StudentId
);
typed_id!(
    /// A guardian (监护人) record, linked to an account once they sign up.
    GuardianId
);
typed_id!(
    /// An adult authorized to take a child home (授权接送人).
    PickupAdultId
);
typed_id!(
    /// A school's change to the calendar (closure or extra day).
    OverrideId
);

typed_id!(
    /// An enrolment (报名): one child, one term, from application to the end.
    EnrolmentId
);
typed_id!(
    /// One version of a child's safety agreement (安全责任书).
    AgreementId
);
typed_id!(
    /// A version of the notice to parents (告家长书).
    NoticeId
);
typed_id!(
    /// A leave request (请假).
    LeaveId
);

typed_id!(
    /// A hand-over (交接) of one child on one day.
    HandoverId
);
typed_id!(
    /// A class's daily service record (延时服务记录).
    RecordId
);
typed_id!(
    /// A payment period (发放周期) of performance pay.
    PayPeriodId
);

typed_id!(
    /// A volunteer's hours certificate (志愿服务时长证明).
    CertificateId
);
typed_id!(
    /// A duty post (值班岗位): hallway, gate, waiting room or duty leader.
    DutyPostId
);
typed_id!(
    /// One person's turn on a post or a class's care on one day (值班表).
    TurnId
);
typed_id!(
    /// A proposed swap of duty turns (换班).
    SwapId
);
typed_id!(
    /// A teacher's reported absence on a day, which cover (代班) fills.
    StaffAbsenceId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_uuids() {
        let id = UserId::new();
        assert_eq!(UserId::parse(id.as_str()), Some(id));
        assert_eq!(UserId::parse("1"), None);
        assert_eq!(UserId::parse("../etc/passwd"), None);
    }

    #[test]
    fn ids_deserialize_only_from_uuids() {
        use serde::Deserialize;
        use serde::de::IntoDeserializer;
        use serde::de::value::Error;
        let from = |s: &str| StudentId::deserialize(IntoDeserializer::<Error>::into_deserializer(s));
        let id = StudentId::new();
        assert_eq!(from(id.as_str()).unwrap(), id);
        assert_eq!(from(&id.as_str().to_uppercase()).unwrap(), id, "read back in one form");
        for bad in ["not-a-uuid", "", "../etc/passwd", "1"] {
            assert!(from(bad).is_err(), "{bad}");
        }
        assert!(StudentId::deserialize(IntoDeserializer::<Error>::into_deserializer(42u32)).is_err());
    }
}
