//! Live-call speech from Google as it is made: Cloud Text-to-Speech v1 gRPC
//! `google.cloud.texttospeech.v1.TextToSpeech/StreamingSynthesize` (Chirp 3 HD voices), on one
//! HTTP/2 channel to `GOOGLE_TTS_GRPC_URL` (TLS to `texttospeech.googleapis.com:443` by default)
//! shared by every call.
//!
//! One bidirectional call per sentence: the first request is `streaming_config` (the voice, and
//! `streaming_audio_config` `MULAW` at 8 kHz), the second `input.text` (the sentence), then the
//! request side is closed; `audio_content` comes back in parts as it is synthesised and each part
//! is passed on as it arrives. A call per sentence, not one per reply, because the responses do not
//! say where one input's audio ends, and the live reply must know which sentence a chunk belongs to
//! (barge-in keeps what the caller heard). The API documents `MULAW` output as carrying a WAV
//! header and the streamed response as headerless: a part that starts with a RIFF header has the
//! header checked (8 kHz mono μ-law) and removed, any other part is raw μ-law.

use super::PhoneAudio;
use crate::{
    audio::{PHONE_RATE, wav},
    error::{Error, ProviderFailure, Result},
    http,
};
use agentlocator_common::Secret;
use agentlocator_proto::google_tts_v1::{
    AudioEncoding, StreamingAudioConfig, StreamingSynthesisInput, StreamingSynthesizeConfig,
    StreamingSynthesizeRequest, StreamingSynthesizeResponse, VoiceSelectionParams,
    streaming_synthesis_input::InputSource, streaming_synthesize_request::StreamingRequest,
    text_to_speech_client::TextToSpeechClient,
};
use futures::StreamExt;
use std::{sync::OnceLock, time::Duration};
use tonic::{
    Code, Status, Streaming,
    metadata::MetadataValue,
    transport::{Channel, ClientTlsConfig, Endpoint},
};

const ENGINE: &str = "google";

/// How a streaming call is authorised.
pub enum Credential {
    /// A service account's OAuth access token (`authorization: Bearer …`).
    Bearer(String),
    /// An API key (`x-goog-api-key`).
    ApiKey(Secret),
}

/// The channel to `StreamingSynthesize`, connected on first use (and again after a failure).
pub struct StreamingClient {
    endpoint: Endpoint,
    channel: OnceLock<Channel>,
}

impl StreamingClient {
    /// A client of `url` (`https://host[:port]` with TLS and the webpki roots, `http://` without).
    pub fn new(url: &str, timeout: Duration) -> Result<Self> {
        let config = |e: String| Error::Config(format!("invalid GOOGLE_TTS_GRPC_URL: {e}"));
        let mut endpoint = Endpoint::from_shared(url.to_string())
            .map_err(|e| config(e.to_string()))?
            .user_agent(concat!("agentlocator-speech/", env!("CARGO_PKG_VERSION")))
            .map_err(|e| config(e.to_string()))?
            .connect_timeout(Duration::from_secs(5).min(timeout))
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_while_idle(true);
        if url.starts_with("https://") {
            endpoint = endpoint
                .tls_config(ClientTlsConfig::new().with_webpki_roots())
                .map_err(|e| config(e.to_string()))?;
        }
        Ok(Self {
            endpoint,
            channel: OnceLock::new(),
        })
    }

    fn client(&self) -> TextToSpeechClient<Channel> {
        // Lazily: the channel's worker needs the runtime, which start-up may not be in yet.
        let channel = self
            .channel
            .get_or_init(|| self.endpoint.connect_lazy())
            .clone();
        TextToSpeechClient::new(channel)
    }

    /// `text` in `voice` (`language_code` its language) as 8 kHz μ-law, chunk by chunk as
    /// Google makes it. Fails here when the call is refused before any audio; a failure later
    /// is the stream's last item.
    pub async fn synthesize(
        &self,
        text: &str,
        voice: &str,
        language_code: &str,
        credential: Credential,
    ) -> Result<PhoneAudio> {
        let requests = [
            StreamingRequest::StreamingConfig(StreamingSynthesizeConfig {
                voice: Some(VoiceSelectionParams {
                    language_code: language_code.to_string(),
                    name: voice.to_string(),
                }),
                streaming_audio_config: Some(StreamingAudioConfig {
                    audio_encoding: AudioEncoding::Mulaw as i32,
                    sample_rate_hertz: PHONE_RATE as i32,
                    speaking_rate: 0.0,
                }),
            }),
            StreamingRequest::Input(StreamingSynthesisInput {
                input_source: Some(InputSource::Text(text.to_string())),
            }),
        ]
        .map(|r| StreamingSynthesizeRequest {
            streaming_request: Some(r),
        });
        // The request side ends after the text: Google then finishes the audio and ends too.
        let mut request = tonic::Request::new(futures::stream::iter(requests));
        let (name, value) = match credential {
            Credential::Bearer(token) => ("authorization", format!("Bearer {token}")),
            Credential::ApiKey(key) => ("x-goog-api-key", key.expose().to_string()),
        };
        let mut value: MetadataValue<_> = value.parse().map_err(|_| {
            Error::Config("the Google credential is not a valid header value".into())
        })?;
        value.set_sensitive(true);
        request.metadata_mut().insert(name, value);
        let responses = self
            .client()
            .streaming_synthesize(request)
            .await
            .map_err(failure)?
            .into_inner();
        Ok(phone_audio(responses))
    }
}

/// The response stream as phone audio: each part's μ-law as it arrives, a failure as the last
/// item, and a stream that ends without any audio as a failure.
fn phone_audio(responses: Streaming<StreamingSynthesizeResponse>) -> PhoneAudio {
    struct State {
        responses: Streaming<StreamingSynthesizeResponse>,
        got_audio: bool,
        ended: bool,
    }
    let state = State {
        responses,
        got_audio: false,
        ended: false,
    };
    futures::stream::unfold(state, |mut s| async move {
        while !s.ended {
            let item = match s.responses.message().await {
                Ok(Some(part)) => match mulaw_of(part.audio_content) {
                    Ok(mulaw) if mulaw.is_empty() => continue,
                    Ok(mulaw) => {
                        s.got_audio = true;
                        Ok(mulaw)
                    }
                    Err(e) => Err(e),
                },
                Ok(None) if s.got_audio => return None,
                Ok(None) => Err(Error::provider(
                    ENGINE,
                    ProviderFailure::BadResponse("the stream ended without audio".into()),
                )),
                Err(status) => Err(failure(status)),
            };
            s.ended = item.is_err();
            return Some((item, s));
        }
        None
    })
    .boxed()
}

/// One part's μ-law: raw, or behind a WAV header that must describe 8 kHz mono μ-law.
fn mulaw_of(part: Vec<u8>) -> Result<Vec<u8>> {
    if !wav::is_wav(&part) {
        return Ok(part);
    }
    wav::mulaw_stream_data(&part)
        .map(<[u8]>::to_vec)
        .map_err(|e| Error::provider(ENGINE, ProviderFailure::BadResponse(e.to_string())))
}

/// A gRPC status from Google as a provider failure (HTTP equivalents, as the REST engine's).
pub fn failure(status: Status) -> Error {
    let message = http::shorten(status.message(), 300);
    let failure = match status.code() {
        Code::Unauthenticated => ProviderFailure::Unauthorized(401),
        Code::PermissionDenied => ProviderFailure::Unauthorized(403),
        Code::ResourceExhausted => ProviderFailure::RateLimited,
        Code::DeadlineExceeded => ProviderFailure::Timeout,
        code => {
            let http = match code {
                Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
                Code::NotFound => 404,
                Code::AlreadyExists | Code::Aborted => 409,
                Code::Cancelled => 499,
                Code::Unimplemented => 501,
                Code::Unavailable => 503,
                _ => 500,
            };
            ProviderFailure::Status(http, format!("gRPC {code:?}: {message}"))
        }
    };
    Error::provider(ENGINE, failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_raw_mulaw_or_behind_a_checked_wav_header() {
        assert_eq!(mulaw_of(vec![0xff, 0x7f]).unwrap(), [0xff, 0x7f]);
        let samples = [0.0, 0.5, -0.5];
        let wav = wav::encode_mulaw(&samples, PHONE_RATE);
        assert_eq!(
            mulaw_of(wav).unwrap(),
            crate::audio::phone::mulaw_of(&samples)
        );
        assert!(mulaw_of(wav::encode_pcm16(&samples, 24_000)).is_err());
    }

    #[test]
    fn statuses_become_the_failures_the_rest_engine_reports() {
        let f = |code| match failure(Status::new(code, "why")) {
            Error::Provider { failure, .. } => failure,
            e => panic!("{e}"),
        };
        assert_eq!(f(Code::Unauthenticated), ProviderFailure::Unauthorized(401));
        assert_eq!(
            f(Code::PermissionDenied),
            ProviderFailure::Unauthorized(403)
        );
        assert_eq!(f(Code::ResourceExhausted), ProviderFailure::RateLimited);
        assert_eq!(f(Code::DeadlineExceeded), ProviderFailure::Timeout);
        assert_eq!(
            f(Code::Internal),
            ProviderFailure::Status(500, "gRPC Internal: why".into())
        );
    }
}
