use std::process::ExitCode;

fn main() -> ExitCode {
    agentlocator_common::runner::run_service(whatsapp_bridge::NAME, |config, shutdown| async move {
        let listener =
            agentlocator_common::grpc::bind(&config.services.whatsapp.bind.to_string()).await?;
        whatsapp_bridge::run(config, listener, shutdown).await
    })
}
