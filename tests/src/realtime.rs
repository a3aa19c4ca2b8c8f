//! Pieces of realtime-call tests and benchmarks: Hebrew speech from espeak-ng as telephone audio,
//! the `<Stream>` of an `incoming_call` answer, and loopback OpenAI-compatible servers for the
//! cascade engine (speech to text, streamed chat completions, streamed PCM speech) with fixed
//! latencies.

use std::{collections::HashMap, time::Duration};
use wiremock::{
    Mock, MockServer, Request, Respond, ResponseTemplate,
    matchers::{method, path},
};

/// espeak-ng's Hebrew voice saying `text`: its sample rate and 16-bit mono samples.
pub fn espeak_hebrew_pcm(text: &str) -> (u32, Vec<i16>) {
    let dir = tempfile::tempdir().unwrap();
    let wav_path = dir.path().join("speech.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "he", "-w"])
        .arg(&wav_path)
        .arg(text)
        .status()
        .expect("espeak-ng must be installed (scripts/ensure-tools.sh runtime installs it)");
    assert!(status.success());
    let wav = std::fs::read(&wav_path).unwrap();
    // espeak-ng writes a 44-byte header, 16-bit mono PCM at 22050 Hz.
    let rate = u32::from_le_bytes(wav[24..28].try_into().unwrap());
    let pcm = wav[44..]
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    (rate, pcm)
}

/// `pcm` at `from` Hz resampled to `to` Hz with speech-svc's resampler, as samples in `[-1, 1]`.
fn resample(pcm: &[i16], from: u32, to: u32) -> Vec<f32> {
    let samples: Vec<f32> = pcm.iter().map(|s| f32::from(*s) / 32768.0).collect();
    speech_svc::audio::resample(&samples, from, to).expect("resample")
}

/// espeak-ng's Hebrew `text` as 8 kHz μ-law, what a Media Stream carries.
pub fn hebrew_mulaw(text: &str) -> Vec<u8> {
    let (rate, pcm) = espeak_hebrew_pcm(text);
    speech_svc::audio::phone::mulaw_of(&resample(&pcm, rate, 8_000))
}

/// espeak-ng's Hebrew `text` as raw 24 kHz 16-bit little-endian PCM: what OpenAI's speech
/// endpoint streams for `"response_format": "pcm"`.
pub fn hebrew_pcm24k(text: &str) -> Vec<u8> {
    let (rate, pcm) = espeak_hebrew_pcm(text);
    resample(&pcm, rate, 24_000)
        .iter()
        .flat_map(|s| speech_svc::audio::wav::to_i16(*s).to_le_bytes())
        .collect()
}

/// The stream URL and parameters of an `incoming_call` TwiML answer.
pub fn stream_of(twiml: &str) -> (String, HashMap<String, String>) {
    let els = voice_svc::twiml::parse(twiml).expect("TwiML");
    let url = els
        .iter()
        .find(|e| e.name == "Stream")
        .and_then(|e| e.attr("url"))
        .unwrap_or_else(|| panic!("no <Stream> in {twiml}"))
        .to_string();
    let params = els
        .iter()
        .filter(|e| e.name == "Parameter")
        .map(|e| {
            (
                e.attr("name").unwrap_or_default().to_string(),
                e.attr("value").unwrap_or_default().to_string(),
            )
        })
        .collect();
    (url, params)
}

/// Fixed latencies of the loopback providers.
#[derive(Debug, Clone, Copy)]
pub struct Latencies {
    /// Speech to text: the whole transcription.
    pub stt: Duration,
    /// Chat completions: the first byte of the streamed answer.
    pub llm_first_token: Duration,
    /// Speech: the first byte of the streamed audio.
    pub tts_first_audio: Duration,
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            stt: Duration::from_millis(150),
            llm_first_token: Duration::from_millis(300),
            tts_first_audio: Duration::from_millis(150),
        }
    }
}

/// Chat completions streamed as OpenAI does (`text/event-stream`, `choices[0].delta.content`),
/// the reply in a few pieces.
struct StreamedChat(String);

impl Respond for StreamedChat {
    /// Streamed when the request asks for it (a plain live reply); else one chat completion (the
    /// agent's turn, whose tool rounds are not streamed), as OpenAI answers either.
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let streamed = serde_json::from_slice::<serde_json::Value>(&r.body)
            .is_ok_and(|b| b["stream"] == serde_json::json!(true));
        if !streamed {
            return ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "id": "chatcmpl-1", "object": "chat.completion",
                "choices": [{"index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": self.0}}]
            }));
        }
        let mut body = String::new();
        let words: Vec<&str> = self.0.split_inclusive(' ').collect();
        for piece in words.chunks(3) {
            let delta = serde_json::json!({
                "id": "chatcmpl-1", "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"content": piece.concat()}, "finish_reason": null}]
            });
            body.push_str(&format!("data: {delta}\n\n"));
        }
        body.push_str("data: [DONE]\n\n");
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/event-stream")
            .set_body_string(body)
    }
}

/// An OpenAI-compatible server for the cascade: every transcription answers `transcript`, every
/// chat completion streams `reply`, speech answers 24 kHz PCM of `reply` (MP3 of it when asked
/// for MP3: the greeting of `<Play>`), each after its fixed latency.
pub async fn cascade_providers(
    transcript: &str,
    reply: &str,
    greeting_mp3: Vec<u8>,
    latencies: Latencies,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/transcriptions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"text": transcript}))
                .set_delay(latencies.stt),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(DelayedChat(
            StreamedChat(reply.to_string()),
            latencies.llm_first_token,
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .and(wiremock::matchers::body_string_contains("\"pcm\""))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/pcm")
                .set_body_bytes(hebrew_pcm24k(reply))
                .set_delay(latencies.tts_first_audio),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/mpeg")
                .set_body_bytes(greeting_mp3),
        )
        .mount(&server)
        .await;
    server
}

struct DelayedChat(StreamedChat, Duration);

impl Respond for DelayedChat {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        self.0.respond(r).set_delay(self.1)
    }
}
