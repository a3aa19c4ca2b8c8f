fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_service(speech_svc::NAME, speech_svc::serve)
}
