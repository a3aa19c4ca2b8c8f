//! Benchmarks live in `benches/`; run them with `cargo bench -p agentlocator-bench`.
//! Results and the command that produced them are in BENCHMARKS.md.
