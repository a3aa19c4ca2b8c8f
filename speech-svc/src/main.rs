fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_server(speech_svc::NAME, speech_svc::serve)
}
