fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_service(voice_svc::NAME, voice_svc::serve)
}
