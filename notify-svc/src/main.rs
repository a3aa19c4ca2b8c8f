fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_server(notify_svc::NAME, notify_svc::serve)
}
