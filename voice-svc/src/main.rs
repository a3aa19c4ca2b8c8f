use std::process::ExitCode;

fn main() -> ExitCode {
    agentlocator_common::runner::run_service(voice_svc::NAME, |config, shutdown| async move {
        let listener =
            agentlocator_common::grpc::bind(&config.services.voice.bind.to_string()).await?;
        voice_svc::run(config, listener, shutdown).await
    })
}
