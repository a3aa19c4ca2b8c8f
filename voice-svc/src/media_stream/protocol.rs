//! Twilio Media Streams' WebSocket messages (bidirectional streams), as documented: `connected`,
//! `start`, `media`, `dtmf`, `mark` and `stop` from Twilio; `media`, `mark` and `clear` to it.
//! Every message is a JSON text frame with an `event` field; numbers such as `sequenceNumber`
//! arrive as strings.

use base64::{Engine as _, engine::general_purpose::STANDARD as BASE64};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The one media format Twilio streams a call in.
pub const ENCODING: &str = "audio/x-mulaw";
pub const SAMPLE_RATE: u32 = 8_000;

/// A message from Twilio. Events this service does not know are [`Inbound::Other`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Inbound {
    Connected {
        #[serde(default)]
        protocol: String,
        #[serde(default)]
        version: String,
    },
    Start {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        start: Start,
    },
    Media {
        #[serde(rename = "streamSid", default)]
        stream_sid: String,
        media: Media,
    },
    Dtmf {
        #[serde(rename = "streamSid", default)]
        stream_sid: String,
        dtmf: Dtmf,
    },
    Mark {
        #[serde(rename = "streamSid", default)]
        stream_sid: String,
        mark: MarkName,
    },
    Stop {
        #[serde(rename = "streamSid", default)]
        stream_sid: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Start {
    #[serde(default)]
    pub account_sid: String,
    pub call_sid: String,
    #[serde(default)]
    pub tracks: Vec<String>,
    /// The `<Parameter>`s of the `<Stream>` TwiML.
    #[serde(default)]
    pub custom_parameters: HashMap<String, String>,
    pub media_format: MediaFormat,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaFormat {
    pub encoding: String,
    pub sample_rate: u32,
    pub channels: u32,
}

impl MediaFormat {
    /// Whether this is the 8 kHz mono μ-law every call is streamed in.
    pub fn is_phone_mulaw(&self) -> bool {
        self.encoding == ENCODING && self.sample_rate == SAMPLE_RATE && self.channels == 1
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Media {
    #[serde(default)]
    pub track: String,
    /// Base64 μ-law.
    pub payload: String,
}

impl Media {
    /// The frame's μ-law bytes; `None` when the payload is not base64.
    pub fn audio(&self) -> Option<Vec<u8>> {
        BASE64.decode(self.payload.as_bytes()).ok()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dtmf {
    #[serde(default)]
    pub digit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkName {
    pub name: String,
}

/// A message to Twilio.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Outbound {
    /// Audio to play: base64 μ-law.
    Media {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        media: OutboundMedia,
    },
    /// Twilio echoes the mark back when the audio sent before it has been played.
    Mark {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        mark: MarkName,
    },
    /// Drops the audio Twilio has buffered and not played yet (barge-in).
    Clear {
        #[serde(rename = "streamSid")]
        stream_sid: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboundMedia {
    pub payload: String,
}

impl Outbound {
    pub fn media(stream_sid: &str, mulaw: &[u8]) -> Self {
        Outbound::Media {
            stream_sid: stream_sid.to_string(),
            media: OutboundMedia {
                payload: BASE64.encode(mulaw),
            },
        }
    }

    pub fn mark(stream_sid: &str, name: impl Into<String>) -> Self {
        Outbound::Mark {
            stream_sid: stream_sid.to_string(),
            mark: MarkName { name: name.into() },
        }
    }

    pub fn clear(stream_sid: &str) -> Self {
        Outbound::Clear {
            stream_sid: stream_sid.to_string(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("outbound messages serialise")
    }
}

/// A text frame as a message: `Err` for JSON that is not a known shape (logged and ignored by
/// the session), [`Inbound::Other`] for a well-formed event this service does not use.
pub fn parse(text: &str) -> Result<Inbound, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilios_documented_examples_parse() {
        let connected = r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#;
        assert!(matches!(
            parse(connected).unwrap(),
            Inbound::Connected { .. }
        ));
        let start = r#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","streamSid":"MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","callSid":"CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"FirstName":"Jane","LastName":"Doe"}},"streamSid":"MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}"#;
        let Inbound::Start { stream_sid, start } = parse(start).unwrap() else {
            panic!("start")
        };
        assert!(stream_sid.starts_with("MZ"));
        assert!(start.media_format.is_phone_mulaw());
        assert_eq!(start.custom_parameters["FirstName"], "Jane");
        let media = r#"{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"no+JhoaJjpzSHxAKBgYJDhtEopGKh4aIjZm7JhQMBwYIDBYqsZWMiIaHi5SlTxoPCQYHChEgw5uPiYaHiZGeyCUTDAcGBw0WLrWXjYiGh4uSo1YcEAoGBgkOHUCnk4qHhoiNmLYsFg0IBgcLEibTnZCJhoeJj5u+IBEL"},"streamSid":"MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}"#;
        let Inbound::Media { media, .. } = parse(media).unwrap() else {
            panic!("media")
        };
        assert!(media.audio().is_some_and(|a| !a.is_empty()));
        let mark =
            r#"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"my label"}}"#;
        assert!(
            matches!(parse(mark).unwrap(), Inbound::Mark { mark, .. } if mark.name == "my label")
        );
        let dtmf = r#"{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}"#;
        assert!(matches!(parse(dtmf).unwrap(), Inbound::Dtmf { dtmf, .. } if dtmf.digit == "1"));
        let stop = r#"{"event":"stop","sequenceNumber":"5","streamSid":"MZ1","stop":{"accountSid":"AC1","callSid":"CA1"}}"#;
        assert!(matches!(parse(stop).unwrap(), Inbound::Stop { .. }));
    }

    #[test]
    fn unknown_events_and_malformed_frames_are_told_apart() {
        assert_eq!(parse(r#"{"event":"ping"}"#).unwrap(), Inbound::Other);
        assert!(parse("not json").is_err());
        assert!(parse(r#"{"event":"media"}"#).is_err());
        assert!(parse(r#"{"no_event":1}"#).is_err());
    }

    #[test]
    fn outbound_messages_are_twilios_shapes() {
        assert_eq!(
            Outbound::media("MZ1", &[0xFF, 0x7F]).to_json(),
            r#"{"event":"media","streamSid":"MZ1","media":{"payload":"/38="}}"#
        );
        assert_eq!(
            Outbound::mark("MZ1", "r1:160").to_json(),
            r#"{"event":"mark","streamSid":"MZ1","mark":{"name":"r1:160"}}"#
        );
        assert_eq!(
            Outbound::clear("MZ1").to_json(),
            r#"{"event":"clear","streamSid":"MZ1"}"#
        );
    }
}
