//! Typed ids. Every id is a UUID v7 in text form: sortable by creation time, never guessable
//! from another, and the same on SQLite and PostgreSQL.

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
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
}
