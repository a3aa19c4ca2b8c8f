//! Generates the gRPC and message code from `proto/*.proto` at build time with a vendored `protoc`,
//! so a fresh machine needs no system protobuf compiler.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: build scripts are single-threaded; nothing else reads the environment concurrently.
    unsafe { std::env::set_var("PROTOC", protoc) };
    let include = protoc_bin_vendored::include_path()?;

    let protos: Vec<std::path::PathBuf> = [
        "proto/common.proto",
        "proto/events.proto",
        "proto/service_info.proto",
        "proto/agent.proto",
        "proto/csv.proto",
        "proto/crm.proto",
        "proto/voice.proto",
        "proto/speech.proto",
        "proto/notify.proto",
        "proto/whatsapp.proto",
        // Google Cloud Text-to-Speech streaming (speech-svc's client; tests serve it).
        "proto/google/cloud/texttospeech/v1/streaming_tts.proto",
    ]
    .into_iter()
    .map(Into::into)
    .collect();
    for p in &protos {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_protos(&protos, &[std::path::PathBuf::from("proto"), include])?;
    Ok(())
}
