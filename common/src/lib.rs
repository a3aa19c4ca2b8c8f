//! Code every AgentLocator service shares: configuration, telemetry, metrics, the event bus, gRPC
//! serving, shutdown, and Israeli phone numbers.

pub mod agent_tools;
pub mod bus;
pub mod config;
pub mod dns_balance;
pub mod grpc;
pub mod jwt;
pub mod metrics;
pub mod mulaw;
pub mod phone;
pub mod private_file;
pub mod recording_url;
pub mod redact;
pub mod runner;
pub mod shutdown;
pub mod telemetry;
pub mod vapid;

pub use config::{Config, ConfigError, Secret};
