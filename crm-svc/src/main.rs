fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_server(crm_svc::NAME, crm_svc::serve)
}
