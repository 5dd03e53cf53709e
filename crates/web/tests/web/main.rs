//! The web crate's integration tests, one binary: the real app on a fresh database per test,
//! driven in-process through the router, on SQLite and (when configured) PostgreSQL.

mod common;

mod accounts;
mod afternoon;
mod api_errors;
mod audit;
mod authorization_matrix;
mod duty;
mod enrolment;
mod guardians;
mod links;
mod operations;
mod pay;
mod people;
mod registration;
mod review_queue;
mod roster;
mod school;
mod sign_in_limits;
mod survey;
mod volunteers;
