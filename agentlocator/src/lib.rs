//! The all-in-one AgentLocator: every service linked into one library, so the binary, the
//! end-to-end tests and the benchmarks start the same stack the same way.

pub mod admin;
pub mod services;
pub mod transcribe_pending;

pub use services::{Running, Service, demo, migrate, serve, start, up};
