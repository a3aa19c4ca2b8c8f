//! Benchmarks live in `benches/`; run them with `cargo bench -p agentlocator-bench`.
//! Results and the command that produced them are in BENCHMARKS.md.
//!
//! Shared by the HTTP benchmarks: [`load`], a closed-loop load generator speaking plain
//! HTTP/1.1 over keep-alive connections, and [`ceiling`], a bare actix-web server answering a
//! Twilio webhook with the same signature check and a static TwiML: the reference a webhook
//! through the whole stack is measured against, in the same process and the same run.

pub mod ceiling;
pub mod load;
