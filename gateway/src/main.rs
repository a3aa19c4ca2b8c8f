fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_server(agentlocator_gateway::NAME, agentlocator_gateway::serve)
}
