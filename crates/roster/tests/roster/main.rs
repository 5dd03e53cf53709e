//! The roster reader's tests in one binary: real files (`read`) and files made to hurt the
//! server (`hostile`). The two that measure the process's peak memory (`memory.rs`,
//! `mutation.rs`) stay alone in their own binaries, so the peak they assert is theirs.

#[path = "../common/mod.rs"]
mod common;

mod hostile;
mod read;
