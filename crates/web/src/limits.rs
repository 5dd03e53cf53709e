//! Limits on guessing: a password, a two-factor code, an invitation code and its phone. Each
//! attempt is counted in the database under its keys *before* the slow work (see
//! `Store::begin_attempt`), so parallel requests cannot slip past a limit, and a limit holds
//! across instances. Counted on real time, also in a rehearsal.

use crate::error::AppResult;
use crate::state::AppState;
use sha2::{Digest, Sha256};
use yanshi_domain::account::{InvitationCode, Login};
use yanshi_domain::ids::UserId;
use yanshi_store::Attempt;

/// A key an attempt is counted under, and how many attempts under it the window allows.
pub struct Limit {
    key: String,
    max: i64,
}

/// Counts an attempt under every limit, in order. `None`: one of them is used up, and the
/// attempt is turned away (and not counted, so waiting is enough). `Some`: go on; forgive the
/// attempt if it turns out right, or let it stand as a failure.
///
/// One limit at a time, the narrowest first: an attempt turned away by its address never
/// reaches the account's count, so a flood from one address cannot crowd a teacher's own
/// sign-in out of the account-wide ceiling, even for the moment its rows stand.
pub async fn begin(state: &AppState, limits: &[Limit]) -> AppResult<Option<Attempt>> {
    let now = state.clock.real_now();
    let since = now - state.config.failure_window;
    let mut counted: Option<Attempt> = None;
    for limit in limits {
        let (attempt, counts) = state.store.begin_attempt(std::slice::from_ref(&limit.key), now, since).await?;
        let attempt = match counted.take() {
            Some(earlier) => earlier.and(attempt),
            None => attempt,
        };
        if counts.iter().any(|n| *n > limit.max) {
            state.store.forgive_attempt(attempt).await?;
            return Ok(None);
        }
        counted = Some(attempt);
    }
    Ok(counted)
}

/// A password: per address, per account from this address (the lock a mistyping teacher
/// meets), and per account from everywhere (a higher ceiling).
pub fn sign_in(state: &AppState, login: &Login, ip: &str) -> Vec<Limit> {
    let c = &state.config;
    vec![
        Limit {
            key: address(ip),
            max: c.max_failures_per_ip,
        },
        Limit {
            key: account_at_ip(login, ip),
            max: c.max_failures_per_account_at_ip,
        },
        Limit {
            key: login.throttle_key(),
            max: c.account_failure_ceiling,
        },
    ]
}

/// The key of one account's failures from one address: a right password from there forgives
/// them.
pub fn account_at_ip(login: &Login, ip: &str) -> String {
    format!("{}@{}", login.throttle_key(), address(ip))
}

/// A two-factor code, on the page and the API alike: per address, and per account.
pub fn two_factor(state: &AppState, user: &UserId, ip: &str) -> Vec<Limit> {
    vec![
        Limit {
            key: address(ip),
            max: state.config.max_failures_per_ip,
        },
        Limit {
            key: two_factor_key(user),
            max: state.config.max_two_factor_failures,
        },
    ]
}

/// The key of an account's wrong two-factor codes: only a right code forgives them.
pub fn two_factor_key(user: &UserId) -> String {
    format!("totp:{user}")
}

/// A sign-up: per address, and per invitation code (so the phone on the school's record
/// cannot be guessed with a code from a lost slip). The code is kept only as a hash.
pub fn registration(state: &AppState, code: &InvitationCode, ip: &str) -> Vec<Limit> {
    let code_hash = hex::encode(Sha256::digest(code.as_str().as_bytes()));
    vec![
        Limit {
            key: format!("register:{ip}"),
            max: state.config.max_registration_failures_per_ip,
        },
        Limit {
            key: format!("invitation:{}", &code_hash[..32]),
            max: state.config.max_wrong_phones_per_invitation,
        },
    ]
}

fn address(ip: &str) -> String {
    format!("ip:{ip}")
}
