fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_server(voice_svc::NAME, voice_svc::serve)
}
