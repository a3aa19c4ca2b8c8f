//! Real audio made in the test: sine tones, hand-written WAV headers, LAME-encoded MP3 and
//! espeak-ng Hebrew speech; plus a frequency estimate to check what the pipeline produced.
#![allow(dead_code)]

pub mod google;

use std::f32::consts::PI;

/// `secs` seconds of a `freq` Hz sine at `rate`, amplitude `amp`.
pub fn sine(freq: f32, rate: u32, secs: f32, amp: f32) -> Vec<f32> {
    let n = (rate as f32 * secs).round() as usize;
    (0..n)
        .map(|i| amp * (2.0 * PI * freq * i as f32 / rate as f32).sin())
        .collect()
}

/// A WAV file of interleaved `samples` with `channels` channels, as 8-bit unsigned or 16-bit PCM.
pub fn wav_pcm(samples: &[f32], channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let block_align = channels * bits / 8;
    let data: Vec<u8> = match bits {
        8 => samples
            .iter()
            .map(|s| ((s.clamp(-1.0, 1.0) * 127.0).round() as i16 + 128) as u8)
            .collect(),
        16 => samples
            .iter()
            .flat_map(|s| ((s.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes())
            .collect(),
        _ => panic!("unsupported bits {bits}"),
    };
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    out
}

/// Interleaves two channels.
pub fn stereo(left: &[f32], right: &[f32]) -> Vec<f32> {
    left.iter().zip(right).flat_map(|(l, r)| [*l, *r]).collect()
}

/// An MP3 of `samples` (mono, or interleaved stereo) encoded with LAME.
pub fn mp3(samples: &[f32], channels: u8, rate: u32) -> Vec<u8> {
    use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, InterleavedPcm, MonoPcm, Quality};
    let mut b = Builder::new().expect("LAME builder");
    b.set_num_channels(channels).expect("channels");
    b.set_sample_rate(rate).expect("rate");
    b.set_brate(Bitrate::Kbps64).expect("bitrate");
    b.set_quality(Quality::Good).expect("quality");
    let mut enc = b.build().expect("LAME encoder");
    let pcm: Vec<i16> = samples
        .iter()
        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16)
        .collect();
    let frames = pcm.len() / channels as usize;
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(frames));
    if channels == 1 {
        enc.encode_to_vec(MonoPcm(&pcm), &mut out).expect("encode");
    } else {
        enc.encode_to_vec(InterleavedPcm(&pcm), &mut out)
            .expect("encode");
    }
    enc.flush_to_vec::<FlushNoGap>(&mut out).expect("flush");
    out
}

/// espeak-ng's Hebrew voice saying `text`, as the WAV it writes (22.05 kHz, 16-bit mono).
pub fn espeak_he(text: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("he.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "he", "-w"])
        .arg(&path)
        .arg(text)
        .status()
        .expect("espeak-ng must be installed (scripts/ensure-tools.sh installs it)");
    assert!(status.success(), "espeak-ng failed: {status}");
    std::fs::read(&path).unwrap()
}

/// The samples of a mono 16-bit PCM WAV written by the pipeline, and its sample rate.
pub fn read_pcm16(wav: &[u8]) -> (Vec<f32>, u32) {
    assert_eq!(&wav[0..4], b"RIFF");
    assert_eq!(&wav[8..12], b"WAVE");
    assert_eq!(u16::from_le_bytes([wav[20], wav[21]]), 1, "PCM");
    assert_eq!(u16::from_le_bytes([wav[22], wav[23]]), 1, "mono");
    assert_eq!(u16::from_le_bytes([wav[34], wav[35]]), 16, "16-bit");
    let rate = u32::from_le_bytes(wav[24..28].try_into().unwrap());
    assert_eq!(&wav[36..40], b"data");
    let len = u32::from_le_bytes(wav[40..44].try_into().unwrap()) as usize;
    assert_eq!(len, wav.len() - 44);
    let samples = wav[44..]
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();
    (samples, rate)
}

/// The frequency of a pure tone, from its rising zero crossings (interpolated between samples),
/// measured over the middle 80% to stay clear of edge effects.
pub fn tone_frequency(samples: &[f32], rate: u32) -> f32 {
    let n = samples.len();
    let s = &samples[n / 10..n - n / 10];
    // Hysteresis: a crossing counts only after the signal went clearly negative, so coding noise
    // around zero (low-bitrate MP3) does not add crossings.
    let h = 0.2 * s.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let mut armed = false;
    let mut crossings = Vec::new();
    for i in 1..s.len() {
        if s[i] < -h {
            armed = true;
        }
        if armed && s[i - 1] < 0.0 && s[i] >= 0.0 {
            armed = false;
            let frac = -s[i - 1] / (s[i] - s[i - 1]);
            crossings.push((i - 1) as f32 + frac);
        }
    }
    assert!(crossings.len() > 2, "no tone found");
    let span = crossings.last().unwrap() - crossings.first().unwrap();
    (crossings.len() - 1) as f32 * rate as f32 / span
}

/// Power of `freq` in `samples` by the Goertzel algorithm, normalised by the signal's length.
pub fn goertzel(samples: &[f32], rate: u32, freq: f32) -> f32 {
    let w = 2.0 * PI * freq / rate as f32;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f32, 0.0f32);
    for x in samples {
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (samples.len() as f32).powi(2)
}

pub fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

use agentlocator_proto::v1::speech_service_client::SpeechServiceClient;
use speech_svc::{Settings, Speech};
use std::{collections::HashMap, sync::Arc};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

/// speech-svc served over gRPC on an ephemeral loopback port, with a connected client.
pub struct Running {
    pub client: SpeechServiceClient<Channel>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Running {
    /// Serves the engines `settings` select, keeping `dir` (their `DATA_DIR`) while it runs.
    pub async fn start(settings: &Settings, dir: tempfile::TempDir) -> Self {
        let speech = Arc::new(Speech::new(settings).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let task = tokio::spawn(async move {
            agentlocator_common::grpc::serve(listener, speech_svc::server(speech), stop)
                .await
                .unwrap();
        });
        let client = SpeechServiceClient::connect(format!("http://{addr}"))
            .await
            .unwrap()
            .max_decoding_message_size(speech_svc::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(speech_svc::MAX_MESSAGE_BYTES);
        Running {
            client,
            shutdown,
            task,
            _dir: dir,
        }
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap();
    }
}

/// A Twilio account SID of the right shape for tests.
pub const SID: &str = "AC0123456789abcdef0123456789abcdef"; // example value
pub const TOKEN: &str = "twilio-test-token";

/// Settings for a test: `DATA_DIR` in `dir`, the given variables (Config's and speech-svc's own).
pub fn settings(dir: &std::path::Path, pairs: &[(&str, &str)]) -> Settings {
    let mut map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.insert("DATA_DIR".into(), dir.display().to_string());
    let config = agentlocator_common::Config::from_map(&map).expect("config");
    Settings::from_parts(&config, &map).expect("settings")
}

/// One part of a multipart body: (filename, content type, bytes).
pub type Part = (Option<String>, Option<String>, Vec<u8>);

/// The parts of a multipart/form-data body by name.
pub fn multipart_parts(content_type: &str, body: &[u8]) -> HashMap<String, Part> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("multipart boundary")
        .trim_matches('"');
    let delim = format!("--{boundary}");
    let mut parts = HashMap::new();
    let mut rest = body;
    while let Some(pos) = find(rest, delim.as_bytes()) {
        rest = &rest[pos + delim.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let rest_part = rest.strip_prefix(b"\r\n").unwrap_or(rest);
        let header_end = find(rest_part, b"\r\n\r\n").expect("part headers");
        let headers = String::from_utf8_lossy(&rest_part[..header_end]).to_string();
        let content = &rest_part[header_end + 4..];
        let end = find(content, format!("\r\n{delim}").as_bytes()).expect("part end");
        let data = content[..end].to_vec();
        let disp = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .expect("content-disposition")
            .to_string();
        let field = |key: &str| {
            disp.split(';')
                .map(str::trim)
                .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
                .map(|v| v.trim_matches('"').to_string())
        };
        let ctype = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-type"))
            .map(|l| l.split_once(':').unwrap().1.trim().to_string());
        parts.insert(
            field("name").expect("part name"),
            (field("filename"), ctype, data),
        );
        rest = &content[end..];
    }
    parts
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
