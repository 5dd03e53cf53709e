//! TOTP two-factor codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), as every
//! authenticator app (微信小程序, Google Authenticator, 腾讯身份验证器) understands them.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use time::OffsetDateTime;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The 6-digit code for a secret at a given 30-second step.
pub fn code_at_step(secret: &[u8], step: i64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([h[offset] & 0x7f, h[offset + 1], h[offset + 2], h[offset + 3]]);
    bin % 10u32.pow(DIGITS)
}

pub fn step_of(now: OffsetDateTime) -> i64 {
    now.unix_timestamp().div_euclid(STEP_SECONDS)
}

/// The current code, formatted with leading zeros (for tests and the demo).
pub fn current_code(secret: &[u8], now: OffsetDateTime) -> String {
    format!("{:06}", code_at_step(secret, step_of(now)))
}

/// Checks a typed code against the steps around `now` (±1 step for clock drift) and returns
/// the step it matched. A step at or before `last_used_step` is refused, so a code seen over
/// someone's shoulder cannot be replayed.
pub fn verify(secret: &[u8], typed: &str, now: OffsetDateTime, last_used_step: Option<i64>) -> Option<i64> {
    let digits: String = crate::account::fold_full_width(typed)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if digits.len() != DIGITS as usize || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let typed: u32 = digits.parse().ok()?;
    let now_step = step_of(now);
    (now_step - 1..=now_step + 1)
        .filter(|s| last_used_step.is_none_or(|last| *s > last))
        .find(|s| code_at_step(secret, *s) == typed)
}

/// RFC 4648 base32 without padding: how secrets are shown to people and apps.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in data {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(B32[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(B32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in s.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let v = B32.iter().position(|b| *b as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app reads from a QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        base32_encode(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA1, truncated to 6 digits.
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, 287082),
            (1111111109, 81804),
            (1111111111, 50471),
            (1234567890, 5924),
            (2000000000, 279037),
        ] {
            assert_eq!(code_at_step(secret, t / 30), code, "t={t}");
        }
    }

    #[test]
    fn verify_accepts_drift_and_refuses_replay() {
        let secret = b"12345678901234567890";
        let now = OffsetDateTime::from_unix_timestamp(1111111111).unwrap();
        let code = current_code(secret, now);
        let step = verify(secret, &code, now, None).expect("current code");
        assert_eq!(verify(secret, &code, now, Some(step)), None, "replay refused");
        let later = now + time::Duration::seconds(30);
        assert!(verify(secret, &code, later, None).is_some(), "one step of drift");
        let much_later = now + time::Duration::seconds(120);
        assert_eq!(verify(secret, &code, much_later, None), None);
        assert_eq!(verify(secret, "12a456", now, None), None);
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI").unwrap(), b"foobar");
        assert_eq!(base32_decode("mzxw6ytboi======").unwrap(), b"foobar");
        assert_eq!(base32_decode("M1"), None);
    }
}
