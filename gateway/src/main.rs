fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_service(
        agentlocator_gateway::NAME,
        agentlocator_gateway::serve,
    )
}
