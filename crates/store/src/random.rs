//! Secrets the store hands out (session tokens, API tokens, invitation codes) come from the
//! operating system's generator; only their SHA-256 is stored.

use sha2::{Digest, Sha256};

pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system's random generator is available");
    b
}

/// A 256-bit token as 64 hex characters.
pub(crate) fn token() -> String {
    hex::encode(bytes::<32>())
}

pub(crate) fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}
