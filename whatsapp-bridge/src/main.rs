fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_service(whatsapp_bridge::NAME, whatsapp_bridge::serve)
}
