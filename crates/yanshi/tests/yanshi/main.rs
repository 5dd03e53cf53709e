//! The `yanshi` binary's tests in one test binary: the command line (`cli`), durability under
//! SIGKILL (`durability`) and a real headless browser at phone width (`browser`). Each test
//! starts its own server (and browser) on its own port and data directory, and no test sets the
//! process's environment, so they share a process without stepping on each other.

mod support;

mod browser;
mod cli;
mod durability;
