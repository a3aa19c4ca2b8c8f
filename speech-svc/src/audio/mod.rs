//! The audio pipeline, free of any framework type: decode WAV (PCM 8/16-bit, μ-law) and MP3 with
//! symphonia, downmix to mono, resample with rubato, and encode 16-bit PCM WAV.
//!
//! Every malformed input is a typed [`AudioError`]; nothing here panics on user data.

mod decode;
pub mod phone;
mod resample;
pub mod wav;

pub use decode::{Decoded, SourceFormat, decode};
pub use resample::resample;

use std::time::Duration;

/// The sample rate transcription engines expect.
pub const STT_RATE: u32 = 16_000;
/// The sample rate of the telephone network: TTS audio for Twilio `<Play>` is made at this rate.
pub const PHONE_RATE: u32 = 8_000;

/// What the pipeline accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest encoded input, in bytes.
    pub max_bytes: usize,
    /// Longest decoded audio.
    pub max_duration: Duration,
}

impl Default for Limits {
    /// 50 MB and 10 minutes: far above a 30-second `<Record>`, far below what would hurt.
    fn default() -> Self {
        Self {
            max_bytes: 50 * 1024 * 1024,
            max_duration: Duration::from_secs(10 * 60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AudioError {
    #[error("the audio is empty")]
    Empty,
    #[error("the audio is {size} bytes, more than the limit of {limit} bytes")]
    TooBig { size: usize, limit: usize },
    #[error("the audio is longer than the limit of {limit_secs} seconds")]
    TooLong { limit_secs: u64 },
    #[error("the audio is truncated: {0}")]
    Truncated(String),
    #[error("not audio in a supported format (WAV or MP3): {0}")]
    NotAudio(String),
    #[error("the audio cannot be decoded: {0}")]
    Corrupt(String),
    #[error("resampling failed: {0}")]
    Resample(String),
}

/// Audio ready for a transcription engine: 16 kHz mono 16-bit PCM WAV.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// 16-bit PCM WAV bytes.
    pub wav: Vec<u8>,
    /// The same audio as `f32` samples (what whisper.cpp takes).
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    pub frames: usize,
    pub source: SourceInfo,
}

impl Normalized {
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.frames as f64 / f64::from(self.sample_rate))
    }
}

/// What the input was, for logs and responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceInfo {
    pub format: SourceFormat,
    pub sample_rate: u32,
    pub channels: u16,
}

/// Decodes `bytes`, downmixes to mono, resamples to `rate` and encodes 16-bit PCM WAV.
pub fn convert(bytes: &[u8], limits: &Limits, rate: u32) -> Result<Normalized, AudioError> {
    let decoded = decode(bytes, limits)?;
    let samples = resample(&decoded.samples, decoded.sample_rate, rate)?;
    let wav = wav::encode_pcm16(&samples, rate);
    Ok(Normalized {
        wav,
        sample_rate: rate,
        frames: samples.len(),
        samples,
        source: SourceInfo {
            format: decoded.format,
            sample_rate: decoded.sample_rate,
            channels: decoded.channels,
        },
    })
}

/// [`convert`] to the 16 kHz that transcription engines expect.
pub fn normalize_for_stt(bytes: &[u8], limits: &Limits) -> Result<Normalized, AudioError> {
    convert(bytes, limits, STT_RATE)
}
