use yanshi_domain::Invalid;

/// What can go wrong in the store. Constraint violations are their own variants so the web
/// layer can answer 409 instead of checking first and racing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://HOST/DB")]
    UnsupportedUrl(String),
    #[error("cannot connect to {0}: {1}")]
    Connect(String, String),
    #[error("{0} is not available on this database backend")]
    NotOnThisBackend(&'static str),
    /// A uniqueness constraint said no (a username taken, a second hand-over).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    /// The one asking may not do this to this child, class or record ("not yours"); the
    /// message key says why, for the page (403).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The input broke a rule the store checks inside its transaction.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// A row held a value the code cannot read: the database was edited by hand.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A group commit failed for every request in it (the first error, as text: each waiting
    /// request gets its own copy). Nothing of the batch was written.
    #[error("group commit failed: {0}")]
    BatchFailed(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.constraint().unwrap_or(db.message()).to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}
