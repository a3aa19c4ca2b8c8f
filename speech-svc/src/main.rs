use std::process::ExitCode;

fn main() -> ExitCode {
    agentlocator_common::runner::run_service(speech_svc::NAME, |config, shutdown| async move {
        let listener =
            agentlocator_common::grpc::bind(&config.services.speech.bind.to_string()).await?;
        speech_svc::run(config, listener, shutdown).await
    })
}
