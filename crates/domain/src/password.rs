//! Password hashing: Argon2id with the crate's defaults (19 MiB, 2 passes), PHC strings.

use crate::account::NewPassword;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

/// Hashes a password that met the policy. Slow on purpose: call it off the async runtime.
pub fn hash(password: &NewPassword) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .expect("argon2 hashing with default parameters cannot fail")
        .to_string()
}

/// Checks a typed password against a stored hash. A malformed hash never matches.
pub fn verify(stored: &str, typed: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => Argon2::default().verify_password(typed.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A hash of nothing anyone knows, verified against when the account does not exist, so a
/// wrong username takes as long as a wrong password.
pub const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0oSJpd1B5TGxCzAJb4mTnxL9ZU6Rb1CsErwhwHbwaFw";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let p = NewPassword::parse("correct horse battery").unwrap();
        let a = hash(&p);
        let b = hash(&p);
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify(&a, "correct horse battery"));
        assert!(!verify(&a, "correct horse battery!"));
        assert!(!verify("not a hash", "x"));
        assert!(!verify(DECOY_HASH, "correct horse battery"));
    }
}
