//! Twilio Media Streams: the WebSocket at [`PATH`] a realtime call's audio flows through.

pub mod playback;
pub mod protocol;

/// Where Twilio opens a call's stream (the `<Stream url>` path).
pub const PATH: &str = "/webhook/media_stream";
