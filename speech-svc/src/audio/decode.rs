//! Decoding with symphonia into mono `f32` samples.

use super::{AudioError, Limits};
use std::io::{Cursor, ErrorKind};
use symphonia::core::{
    codecs::audio::AudioDecoderOptions,
    errors::Error as SymError,
    formats::{FormatOptions, TrackType, probe::Hint},
    io::{MediaSourceStream, MediaSourceStreamOptions},
    meta::MetadataOptions,
};

/// The container the audio came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Wav,
    Mp3,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::Wav => "wav",
            SourceFormat::Mp3 => "mp3",
        }
    }
}

/// Decoded audio: mono samples in `[-1, 1]` at the source rate.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    /// Channels of the source before the downmix.
    pub channels: u16,
    pub format: SourceFormat,
}

fn sniff(bytes: &[u8]) -> Option<SourceFormat> {
    if bytes.starts_with(b"RIFF") || bytes.starts_with(b"RIFX") {
        Some(SourceFormat::Wav)
    } else if bytes.starts_with(b"ID3")
        || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0)
    {
        Some(SourceFormat::Mp3)
    } else {
        None
    }
}

fn is_eof(e: &SymError) -> bool {
    matches!(e, SymError::IoError(io) if io.kind() == ErrorKind::UnexpectedEof)
}

/// Decodes WAV or MP3 `bytes` into mono samples, within `limits`.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(AudioError::TooBig {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let sniffed = sniff(bytes);
    let mut hint = Hint::new();
    match sniffed {
        Some(SourceFormat::Wav) => {
            hint.with_extension("wav");
        }
        Some(SourceFormat::Mp3) => {
            hint.with_extension("mp3");
        }
        None => {}
    }
    let mss = MediaSourceStream::new(
        Box::new(Cursor::new(bytes)),
        MediaSourceStreamOptions::default(),
    );
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| {
            if is_eof(&e) && sniffed.is_some() {
                AudioError::Truncated(format!("the header ends early ({e})"))
            } else {
                AudioError::NotAudio(e.to_string())
            }
        })?;
    let fmt = match format.format_info().short_name {
        "wave" | "wav" | "riff" => SourceFormat::Wav,
        _ => sniffed.unwrap_or(SourceFormat::Mp3),
    };
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::NotAudio("no audio track".into()))?;
    let track_id = track.id;
    let declared_frames = track.num_frames;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .cloned()
        .ok_or_else(|| AudioError::NotAudio("no audio codec parameters".into()))?;
    let sample_rate = params
        .sample_rate
        .filter(|r| *r > 0)
        .ok_or_else(|| AudioError::NotAudio("no sample rate".into()))?;
    let mut channels = params.channels.as_ref().map_or(0, |c| c.count()) as u16;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::NotAudio(format!("unsupported codec: {e}")))?;

    let max_frames = (limits.max_duration.as_secs_f64() * f64::from(sample_rate)).ceil() as usize;
    let too_long = || AudioError::TooLong {
        limit_secs: limits.max_duration.as_secs(),
    };
    let mut mono: Vec<f32> = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    let mut bad_packets = 0usize;
    let mut ended_early = false;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) if is_eof(&e) => {
                ended_early = true;
                break;
            }
            Err(SymError::ResetRequired) => break,
            Err(e) => {
                if mono.is_empty() {
                    return Err(AudioError::Corrupt(e.to_string()));
                }
                // A damaged tail after good audio: keep what decoded.
                bad_packets += 1;
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                let ch = buf.spec().channels().count().max(1);
                channels = channels.max(ch as u16);
                buf.copy_to_vec_interleaved(&mut interleaved);
                if mono.len() + interleaved.len() / ch > max_frames {
                    return Err(too_long());
                }
                if ch == 1 {
                    mono.extend_from_slice(&interleaved);
                } else {
                    let scale = 1.0 / ch as f32;
                    mono.extend(
                        interleaved
                            .chunks_exact(ch)
                            .map(|frame| frame.iter().sum::<f32>() * scale),
                    );
                }
            }
            Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) => bad_packets += 1,
            Err(e) => return Err(AudioError::Corrupt(e.to_string())),
        }
    }
    if mono.is_empty() {
        return Err(if bad_packets > 0 {
            AudioError::Corrupt(format!("none of {bad_packets} packets decoded"))
        } else if ended_early {
            AudioError::Truncated("the data ends before the first complete frame".into())
        } else {
            AudioError::Empty
        });
    }
    if ended_early {
        return Err(AudioError::Truncated(match declared_frames {
            Some(n) => format!("{} of {n} declared frames present", mono.len()),
            None => "the data ends in the middle of a frame".into(),
        }));
    }
    Ok(Decoded {
        samples: mono,
        sample_rate,
        channels: channels.max(1),
        format: fmt,
    })
}
