fn main() -> std::process::ExitCode {
    agentlocator_common::runner::run_server(whatsapp_bridge::NAME, whatsapp_bridge::serve)
}
