use std::process::ExitCode;

fn main() -> ExitCode {
    agentlocator_common::runner::run_service(notify_svc::NAME, |config, shutdown| async move {
        let listener =
            agentlocator_common::grpc::bind(&config.services.notify.bind.to_string()).await?;
        notify_svc::run(config, listener, shutdown).await
    })
}
