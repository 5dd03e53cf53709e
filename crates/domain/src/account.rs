//! Accounts (账号): the names, phone numbers and passwords people sign in with.
//!
//! Each type can only hold an acceptable value; it is built at the edge from user input.

use crate::Invalid;

/// Folds full-width digits and letters (０-９, Ａ-Ｚ) to ASCII, as typed on Chinese phones.
pub fn fold_full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// A staff sign-in name: 3–32 characters of `a-z 0-9 _ . -`, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = fold_full_width(input).trim().to_lowercase();
        if s.is_empty() {
            return Err(Invalid::new("username", "err-username-required"));
        }
        let ok_chars = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c));
        if !(3..=32).contains(&s.len()) || !ok_chars {
            return Err(Invalid::new("username", "err-username-format"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A mainland China mobile number (11 digits, starting with 1), normalised: full-width digits
/// folded, spaces and dashes dropped, a leading +86 / 0086 removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(input);
        let mut s: String = folded.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
        if s.is_empty() {
            return Err(Invalid::new("phone", "err-phone-required"));
        }
        for prefix in ["+86", "0086"] {
            if let Some(rest) = s.strip_prefix(prefix) {
                s = rest.to_string();
            }
        }
        let valid = s.len() == 11 && s.starts_with('1') && s.chars().all(|c| c.is_ascii_digit());
        if !valid {
            return Err(Invalid::new("phone", "err-phone-format"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: how a phone shows to those who do not need the whole number.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// A person's name as shown on pages: 1–40 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Invalid::new("display_name", "err-name-required"));
        }
        if s.chars().count() > 40 || s.chars().any(char::is_control) {
            return Err(Invalid::new("display_name", "err-name-format"));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy: 8–128 characters, no composition rules, and not on
/// the list of common passwords (NIST SP 800-63B; ASVS 5.0 6.2).
pub struct NewPassword(String);

const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

impl NewPassword {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let n = input.chars().count();
        if n < 8 {
            return Err(Invalid::new("password", "err-password-short"));
        }
        if n > 128 {
            return Err(Invalid::new("password", "err-password-long"));
        }
        let lower = input.to_lowercase();
        if COMMON_PASSWORDS.lines().any(|l| l == lower) {
            return Err(Invalid::new("password", "err-password-common"));
        }
        Ok(Self(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// What a person types to sign in: a username, or a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    Username(Username),
    Phone(PhoneNumber),
}

impl Login {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let folded = fold_full_width(input);
        let t = folded.trim();
        if t.is_empty() {
            return Err(Invalid::new("login", "err-login-required"));
        }
        if t.starts_with('+') || (t.len() >= 11 && t.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-')) {
            return PhoneNumber::parse(t).map(Login::Phone);
        }
        Username::parse(t).map(Login::Username)
    }

    /// The key failed sign-ins are counted under, so a lock-out holds for the account.
    pub fn throttle_key(&self) -> String {
        match self {
            Login::Username(u) => format!("user:{}", u.as_str()),
            Login::Phone(p) => format!("phone:{}", p.as_str()),
        }
    }
}

/// A guardian invitation code (邀请码): 10 characters from an alphabet without 0/O/1/I/L, shown
/// in groups (`ABCDE-FGHJK`). Typed by hand from a paper slip, so case and dashes are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationCode(String);

pub const INVITATION_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

impl InvitationCode {
    /// Builds a code from 10 random bytes (the caller supplies the randomness).
    pub fn from_random(bytes: [u8; 10]) -> Self {
        let n = INVITATION_ALPHABET.len();
        Self(bytes.iter().map(|b| INVITATION_ALPHABET[*b as usize % n] as char).collect())
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let s: String = fold_full_width(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if s.len() != 10 || !s.bytes().all(|b| INVITATION_ALPHABET.contains(&b)) {
            return Err(Invalid::new("invitation_code", "err-invitation-format"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `ABCDE-FGHJK`, for printing.
    pub fn grouped(&self) -> String {
        format!("{}-{}", &self.0[..5], &self.0[5..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_normalised() {
        assert_eq!(PhoneNumber::parse("１３８ ００１３-８０００").unwrap().as_str(), "13800138000");
        assert_eq!(PhoneNumber::parse("+86 13800138000").unwrap().as_str(), "13800138000");
        assert_eq!(PhoneNumber::parse("13800138000").unwrap().masked(), "138****8000");
        assert_eq!(PhoneNumber::parse("1380013800").unwrap_err().key, "err-phone-format");
        assert_eq!(PhoneNumber::parse("23800138000").unwrap_err().key, "err-phone-format");
        assert_eq!(PhoneNumber::parse("").unwrap_err().key, "err-phone-required");
    }

    #[test]
    fn usernames_are_lower_case_and_bounded() {
        assert_eq!(Username::parse(" Wang.Li ").unwrap().as_str(), "wang.li");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("a b c").is_err());
        assert!(Username::parse(&"x".repeat(33)).is_err());
        assert!(Username::parse("王老师").is_err());
    }

    #[test]
    fn password_policy_is_length_and_common_list_only() {
        assert_eq!(NewPassword::parse("short").unwrap_err().key, "err-password-short");
        assert_eq!(NewPassword::parse("password").unwrap_err().key, "err-password-common");
        assert_eq!(NewPassword::parse("12345678").unwrap_err().key, "err-password-common");
        assert_eq!(NewPassword::parse("woaini1314").unwrap_err().key, "err-password-common");
        assert_eq!(NewPassword::parse(&"a".repeat(129)).unwrap_err().key, "err-password-long");
        // No composition rules: a long lower-case phrase is fine, so is Chinese.
        assert!(NewPassword::parse("correct horse battery staple").is_ok());
        assert!(NewPassword::parse("我家孩子放学后在学校").is_ok());
        assert_eq!(format!("{:?}", NewPassword::parse("correct horse").unwrap()), "NewPassword(***)");
    }

    #[test]
    fn login_tells_phone_from_username() {
        assert!(matches!(Login::parse("13800138000"), Ok(Login::Phone(_))));
        assert!(matches!(Login::parse("teacher"), Ok(Login::Username(_))));
        assert!(Login::parse("  ").is_err());
    }

    #[test]
    fn invitation_codes_ignore_case_and_dashes() {
        let c = InvitationCode::from_random([0, 1, 2, 3, 4, 5, 6, 7, 8, 200]);
        let typed = c.grouped().to_lowercase();
        assert_eq!(InvitationCode::parse(&typed).unwrap(), c);
        assert!(InvitationCode::parse("OOOOO-11111").is_err());
        assert!(InvitationCode::parse("ABC").is_err());
    }
}
