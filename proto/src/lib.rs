//! Generated protobuf/gRPC code plus the conversions every service shares
//! (event subjects, timestamps), so services never hand-roll them.

#[allow(clippy::all, clippy::pedantic)]
pub mod v1 {
    tonic::include_proto!("agentlocator.v1");
}

/// The subset of Google Cloud Text-to-Speech v1 that speech-svc streams live-call speech with
/// (`proto/google/cloud/texttospeech/v1/streaming_tts.proto`).
#[allow(clippy::all, clippy::pedantic)]
pub mod google_tts_v1 {
    tonic::include_proto!("google.cloud.texttospeech.v1");
}

mod event;
mod time;

pub use event::{EventError, new_event, subject_for};
pub use time::{from_timestamp, to_timestamp};
pub use v1::Event;
