//! speech-svc's own overhead on a 30-second recording (issue 4): download from a loopback HTTP
//! server (wiremock speaking Twilio's recording URLs, basic auth), decode, downmix, resample to
//! 16 kHz and encode 16-bit WAV — everything before a transcription provider, which is excluded
//! (`STT_ENGINE=none`). Target: under 50 ms.
//!
//! `cargo bench -p agentlocator-bench --bench speech_pipeline`
//!
//! Cases (30 s of audio each; a chord with a syllable-rate envelope and a little noise, so MP3
//! frames are not trivially silent):
//! - `normalize/wav_pcm16_8k`: Twilio's WAV (8 kHz mono 16-bit) → 16 kHz WAV, in memory;
//! - `normalize/wav_mulaw_8k`: the same as μ-law;
//! - `normalize/mp3_8k_32kbps` and `normalize/mp3_22k_64kbps`: MP3 (LAME) → 16 kHz WAV;
//! - `recording/mp3`: `Speech::transcribe(RecordingUrl)` end to end, `.mp3` answered at once;
//! - `recording/wav_after_mp3_404`: the same when `.mp3` is a 404 and `.wav` answers (one more
//!   round trip);
//! - `tts_cache_hit`: `Speech::synthesize` of a sentence already in the cache (hash + stat).

use criterion::{Criterion, criterion_group, criterion_main};
use speech_svc::{Settings, Speech, audio, service::AudioInput, stt::Transcript};
use std::{collections::HashMap, f32::consts::PI, hint::black_box, sync::Arc, time::Duration};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

const SECONDS: f32 = 30.0;
const SID: &str = "AC0123456789abcdef0123456789abcdef"; // example value, not a real account
const REC: &str = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/RE0123456789abcdef0123456789abcdef"; // example value

/// 30 s of speech-like audio at `rate`: three partials under a 4 Hz syllable envelope, plus noise.
fn signal(rate: u32) -> Vec<f32> {
    let mut x: u32 = 0x1234_5678;
    (0..(rate as f32 * SECONDS) as usize)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let env = 0.5 + 0.5 * (2.0 * PI * 4.0 * t).sin();
            let tone = (2.0 * PI * 220.0 * t).sin()
                + 0.5 * (2.0 * PI * 660.0 * t).sin()
                + 0.25 * (2.0 * PI * 1_320.0 * t).sin();
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let noise = (x as f32 / u32::MAX as f32 - 0.5) * 0.02;
            0.3 * env * tone + noise
        })
        .collect()
}

fn mp3(samples: &[f32], rate: u32, kbps: mp3lame_encoder::Bitrate) -> Vec<u8> {
    use mp3lame_encoder::{Builder, FlushNoGap, MonoPcm};
    let mut b = Builder::new().expect("LAME");
    b.set_num_channels(1).unwrap();
    b.set_sample_rate(rate).unwrap();
    b.set_brate(kbps).unwrap();
    b.set_quality(mp3lame_encoder::Quality::Good).unwrap();
    let mut enc = b.build().unwrap();
    let pcm: Vec<i16> = samples.iter().map(|s| (s * 32767.0) as i16).collect();
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(pcm.len()));
    enc.encode_to_vec(MonoPcm(&pcm), &mut out).unwrap();
    enc.flush_to_vec::<FlushNoGap>(&mut out).unwrap();
    out
}

fn normalize(c: &mut Criterion) {
    let at8k = signal(8_000);
    let cases = [
        ("wav_pcm16_8k", audio::wav::encode_pcm16(&at8k, 8_000)),
        ("wav_mulaw_8k", audio::wav::encode_mulaw(&at8k, 8_000)),
        (
            "mp3_8k_32kbps",
            mp3(&at8k, 8_000, mp3lame_encoder::Bitrate::Kbps32),
        ),
        (
            "mp3_22k_64kbps",
            mp3(&signal(22_050), 22_050, mp3lame_encoder::Bitrate::Kbps64),
        ),
    ];
    let limits = audio::Limits::default();
    let mut g = c.benchmark_group("speech_pipeline/normalize");
    for (name, bytes) in &cases {
        let n = audio::normalize_for_stt(bytes, &limits).unwrap();
        assert!((n.duration().as_secs_f32() - SECONDS).abs() < 0.2, "{name}");
        eprintln!(
            "{name}: {} bytes in, {} bytes out",
            bytes.len(),
            n.wav.len()
        );
        g.bench_function(*name, |b| {
            b.iter(|| audio::normalize_for_stt(black_box(bytes), &limits).unwrap())
        });
    }
    g.finish();
}

struct Fixture {
    server: MockServer,
    speech: Arc<Speech>,
    _dir: tempfile::TempDir,
}

async fn fixture(mp3_missing: bool) -> Fixture {
    let server = MockServer::start().await;
    let at8k = signal(8_000);
    if mp3_missing {
        Mock::given(method("GET"))
            .and(path(format!("{REC}.mp3")))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{REC}.wav")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "audio/x-wav")
                    .set_body_bytes(audio::wav::encode_pcm16(&at8k, 8_000)),
            )
            .mount(&server)
            .await;
    } else {
        Mock::given(method("GET"))
            .and(path(format!("{REC}.mp3")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "audio/mpeg")
                    .set_body_bytes(mp3(&at8k, 8_000, mp3lame_encoder::Bitrate::Kbps32)),
            )
            .mount(&server)
            .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let vars: HashMap<String, String> = [
        ("DATA_DIR", dir.path().to_str().unwrap()),
        ("TWILIO_ACCOUNT_SID", SID),
        ("TWILIO_AUTH_TOKEN", "bench-token"),
        ("TWILIO_API_HOST", &server.address().to_string()),
        ("STT_ENGINE", "none"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = agentlocator_common::Config::from_map(&vars).unwrap();
    let settings = Settings::from_parts(&config, &vars).unwrap();
    Fixture {
        server,
        speech: Arc::new(Speech::new(&settings).unwrap()),
        _dir: dir,
    }
}

fn recording(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("speech_pipeline/recording");
    g.measurement_time(Duration::from_secs(10));
    for (name, mp3_missing) in [("mp3", false), ("wav_after_mp3_404", true)] {
        let f = rt.block_on(fixture(mp3_missing));
        let url = format!("{}{REC}", f.server.uri());
        let t = rt
            .block_on(f.speech.transcribe(AudioInput::RecordingUrl(url.clone())))
            .unwrap();
        assert_eq!(t.transcript, Transcript::Pending);
        assert!((t.audio_duration.as_secs_f32() - SECONDS).abs() < 0.2);
        eprintln!("{name}: stages {:?}", t.timings.stages());
        g.bench_function(name, |b| {
            b.to_async(&rt).iter(|| {
                let speech = f.speech.clone();
                let url = url.clone();
                async move {
                    speech
                        .transcribe(AudioInput::RecordingUrl(url))
                        .await
                        .unwrap()
                }
            })
        });
    }
    g.finish();
}

fn tts_cache_hit(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let f = rt.block_on(fixture(false));
    let text = "אנחנו פתוחים בימים ראשון עד חמישי, מתשע בבוקר עד שש בערב.";
    // espeak-ng makes the file once; the benchmark measures the cache lookup.
    if let Err(e) = rt.block_on(f.speech.synthesize(text, None)) {
        eprintln!("tts_cache_hit skipped: espeak-ng is needed to fill the cache ({e})");
        return;
    }
    c.bench_function("speech_pipeline/tts_cache_hit", |b| {
        b.to_async(&rt).iter(|| {
            let speech = f.speech.clone();
            async move {
                let s = speech.synthesize(text, None).await.unwrap();
                assert!(s.audio.cached);
                s
            }
        })
    });
}

criterion_group!(benches, normalize, recording, tts_cache_hit);
criterion_main!(benches);
