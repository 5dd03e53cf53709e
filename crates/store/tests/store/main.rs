//! The store's contract suite: one test binary, every test run on SQLite always and on
//! PostgreSQL when `YANSHI_TEST_PG_URL` is set (CI sets it and requires it). Modules follow the
//! store's capabilities; every test starts from the one world in `fixtures`.

#[macro_use]
mod contract;
mod fixtures;

mod accounts;
mod afternoon;
mod audit_view;
mod duty;
mod duty_changes;
mod enrolment;
mod guardian_links;
mod leave;
mod pay;
mod review_queue;
mod school_data;
mod service_record;
mod survey;
mod volunteers;
