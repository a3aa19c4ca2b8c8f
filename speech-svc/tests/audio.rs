//! The audio pipeline on real audio made in the test.

mod support;

use speech_svc::audio::{
    self, AudioError, Limits, SourceFormat, normalize_for_stt, resample, wav::encode_mulaw,
};
use std::time::Duration;
use support::*;

const LIMITS: Limits = Limits {
    max_bytes: 50 * 1024 * 1024,
    max_duration: Duration::from_secs(600),
};

/// Normalises `input` and checks rate, duration and the tone's frequency.
fn check_tone(input: &[u8], freq: f32, secs: f32, format: SourceFormat) {
    let n = normalize_for_stt(input, &LIMITS).expect("normalise");
    assert_eq!(n.sample_rate, 16_000);
    assert_eq!(n.source.format, format);
    let (samples, rate) = read_pcm16(&n.wav);
    assert_eq!(rate, 16_000);
    assert_eq!(samples.len(), n.frames);
    let got = n.duration().as_secs_f32();
    // MP3 adds encoder delay/padding frames (at most a couple of 1152-sample frames).
    let tol = if format == SourceFormat::Mp3 {
        0.12
    } else {
        0.01
    };
    assert!((got - secs).abs() <= tol, "duration {got} vs {secs}");
    let f = tone_frequency(&samples, rate);
    assert!((f - freq).abs() / freq < 0.005, "frequency {f} vs {freq}");
    // The energy is at the tone, not elsewhere.
    let at = goertzel(&samples, rate, freq);
    let off = goertzel(&samples, rate, freq * 1.5);
    assert!(at > 100.0 * off, "tone power {at} vs off-tone {off}");
}

#[test]
fn pcm16_wav_at_8khz_is_upsampled_keeping_the_tone() {
    let wav = wav_pcm(&sine(440.0, 8_000, 2.0, 0.5), 1, 8_000, 16);
    check_tone(&wav, 440.0, 2.0, SourceFormat::Wav);
}

#[test]
fn pcm16_wav_at_22050hz_is_downsampled_keeping_the_tone() {
    let wav = wav_pcm(&sine(1_000.0, 22_050, 1.5, 0.5), 1, 22_050, 16);
    check_tone(&wav, 1_000.0, 1.5, SourceFormat::Wav);
}

#[test]
fn stereo_44100hz_wav_is_downmixed_to_mono() {
    let left = sine(523.25, 44_100, 1.0, 0.8);
    let right = vec![0.0; left.len()];
    let wav = wav_pcm(&stereo(&left, &right), 2, 44_100, 16);
    check_tone(&wav, 523.25, 1.0, SourceFormat::Wav);
    let n = normalize_for_stt(&wav, &LIMITS).unwrap();
    assert_eq!(n.source.channels, 2);
    assert_eq!(n.source.sample_rate, 44_100);
    // Averaging a full-scale channel with a silent one halves the amplitude: RMS 0.8/2/sqrt(2).
    let (samples, _) = read_pcm16(&n.wav);
    let r = rms(&samples[1600..samples.len() - 1600]);
    assert!((r - 0.4 / 2f32.sqrt()).abs() < 0.01, "rms {r}");
}

#[test]
fn unsigned_8bit_wav_decodes() {
    let wav = wav_pcm(&sine(300.0, 8_000, 1.0, 0.7), 1, 8_000, 8);
    check_tone(&wav, 300.0, 1.0, SourceFormat::Wav);
}

#[test]
fn mulaw_wav_as_twilio_serves_decodes() {
    let wav = encode_mulaw(&sine(440.0, 8_000, 3.0, 0.5), 8_000);
    assert_eq!(
        u16::from_le_bytes([wav[20], wav[21]]),
        7,
        "format tag 7 = μ-law"
    );
    check_tone(&wav, 440.0, 3.0, SourceFormat::Wav);
}

#[test]
fn mp3_mono_22050hz_decodes() {
    let mp3 = mp3(&sine(440.0, 22_050, 2.0, 0.5), 1, 22_050);
    check_tone(&mp3, 440.0, 2.0, SourceFormat::Mp3);
}

#[test]
fn mp3_stereo_44100hz_decodes() {
    let tone = sine(880.0, 44_100, 2.0, 0.5);
    let mp3 = mp3(&stereo(&tone, &tone), 2, 44_100);
    check_tone(&mp3, 880.0, 2.0, SourceFormat::Mp3);
}

#[test]
fn mp3_at_8khz_decodes() {
    let mp3 = mp3(&sine(400.0, 8_000, 2.0, 0.5), 1, 8_000);
    check_tone(&mp3, 400.0, 2.0, SourceFormat::Mp3);
}

#[test]
fn espeak_hebrew_speech_is_normalised() {
    let wav = espeak_he("שלום, מה שעות הפעילות שלכם מחר בבוקר?");
    let n = normalize_for_stt(&wav, &LIMITS).expect("espeak WAV decodes");
    assert_eq!(n.source.format, SourceFormat::Wav);
    assert_eq!(n.source.sample_rate, 22_050);
    assert_eq!(n.sample_rate, 16_000);
    // The duration survives resampling: frames scale by 16000/22050.
    let src_frames = (wav.len() - 44) / 2;
    let expected = (src_frames as f64 * 16_000.0 / 22_050.0).ceil() as usize;
    assert!(
        n.frames.abs_diff(expected) <= 2,
        "{} vs {expected}",
        n.frames
    );
    let secs = n.duration().as_secs_f32();
    assert!((1.0..10.0).contains(&secs), "speech lasts {secs} s");
    let (samples, _) = read_pcm16(&n.wav);
    assert!(rms(&samples) > 0.01, "speech is not silent");
}

#[test]
fn resampling_keeps_length_and_frequency_for_common_rates() {
    for (from, to) in [
        (8_000, 16_000),
        (22_050, 16_000),
        (44_100, 16_000),
        (48_000, 8_000),
    ] {
        let input = sine(700.0, from, 1.0, 0.5);
        let out = resample(&input, from, to).unwrap();
        let expected = (input.len() as f64 * f64::from(to) / f64::from(from)).ceil() as usize;
        assert_eq!(out.len(), expected, "{from}->{to}");
        let f = tone_frequency(&out, to);
        assert!((f - 700.0).abs() < 2.0, "{from}->{to}: {f}");
    }
}

#[test]
fn empty_input_is_a_typed_error() {
    assert_eq!(
        normalize_for_stt(&[], &LIMITS).unwrap_err(),
        AudioError::Empty
    );
    // A well-formed WAV with no samples is empty too.
    let wav = wav_pcm(&[], 1, 8_000, 16);
    assert_eq!(
        normalize_for_stt(&wav, &LIMITS).unwrap_err(),
        AudioError::Empty
    );
}

#[test]
fn text_and_random_bytes_are_not_audio() {
    let text = "שלום, this is not audio at all".as_bytes();
    assert!(matches!(
        normalize_for_stt(text, &LIMITS),
        Err(AudioError::NotAudio(_))
    ));
    let mut x: u32 = 12345;
    let noise: Vec<u8> = (0..10_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    assert!(matches!(
        normalize_for_stt(&noise, &LIMITS),
        Err(AudioError::NotAudio(_) | AudioError::Corrupt(_))
    ));
}

#[test]
fn truncated_wav_is_a_typed_error() {
    let wav = wav_pcm(&sine(440.0, 8_000, 1.0, 0.5), 1, 8_000, 16);
    // Cut in the middle of the samples: the header promises more than there is.
    let cut = &wav[..wav.len() / 2 + 1];
    assert!(
        matches!(
            normalize_for_stt(cut, &LIMITS),
            Err(AudioError::Truncated(_))
        ),
        "{:?}",
        normalize_for_stt(cut, &LIMITS)
    );
    // Cut inside the header.
    assert!(matches!(
        normalize_for_stt(&wav[..30], &LIMITS),
        Err(AudioError::Truncated(_))
    ));
}

#[test]
fn every_prefix_of_real_files_is_handled_without_panic() {
    let wav = encode_mulaw(&sine(440.0, 8_000, 0.3, 0.5), 8_000);
    let mp3 = mp3(&sine(440.0, 8_000, 0.5, 0.5), 1, 8_000);
    for file in [&wav, &mp3] {
        for len in (0..file.len()).step_by(7) {
            // Any outcome but a panic is acceptable for a prefix.
            let _ = normalize_for_stt(&file[..len], &LIMITS);
        }
    }
}

#[test]
fn oversized_input_is_rejected_before_decoding() {
    let big = vec![0u8; 50 * 1024 * 1024 + 1];
    assert_eq!(
        normalize_for_stt(&big, &Limits::default()).unwrap_err(),
        AudioError::TooBig {
            size: big.len(),
            limit: 50 * 1024 * 1024
        }
    );
}

#[test]
fn audio_longer_than_ten_minutes_is_rejected() {
    // 10 minutes and 1 second of 8 kHz μ-law is under 5 MB: only the duration limit applies.
    let long = encode_mulaw(&vec![0.1; 8_000 * 601], 8_000);
    assert!(long.len() < 5 * 1024 * 1024);
    assert_eq!(
        normalize_for_stt(&long, &Limits::default()).unwrap_err(),
        AudioError::TooLong { limit_secs: 600 }
    );
    // Exactly ten minutes passes.
    let ok = encode_mulaw(&vec![0.1; 8_000 * 600], 8_000);
    let n = normalize_for_stt(&ok, &Limits::default()).unwrap();
    assert_eq!(n.duration(), Duration::from_secs(600));
}

#[test]
fn convert_to_phone_rate_for_tts() {
    let wav = espeak_he("תודה רבה");
    let n = audio::convert(&wav, &LIMITS, audio::PHONE_RATE).unwrap();
    let (_, rate) = read_pcm16(&n.wav);
    assert_eq!(rate, 8_000);
}
