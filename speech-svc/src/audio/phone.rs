//! Telephone audio for a live call: 8 kHz mono G.711 μ-law, made from a whole file or, chunk by
//! chunk, from a stream of 24 kHz 16-bit PCM (what OpenAI's speech endpoint streams).

use super::{AudioError, Limits, PHONE_RATE, convert, wav::to_i16};
use agentlocator_common::mulaw;
use std::sync::OnceLock;

/// μ-law bytes of samples in `[-1, 1]`.
pub fn mulaw_of(samples: &[f32]) -> Vec<u8> {
    samples.iter().map(|s| mulaw::encode(to_i16(*s))).collect()
}

/// A WAV or MP3 file as 8 kHz mono μ-law.
pub fn mulaw_of_file(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, AudioError> {
    Ok(mulaw_of(&convert(bytes, limits, PHONE_RATE)?.samples))
}

/// 16-bit little-endian PCM bytes as samples, a sample split between two chunks included.
#[derive(Debug, Default)]
pub struct Pcm16Reader {
    carry: Option<u8>,
}

impl Pcm16Reader {
    pub fn push(&mut self, bytes: &[u8]) -> Vec<f32> {
        let mut out = Vec::with_capacity(bytes.len() / 2 + 1);
        let mut rest = bytes;
        if let Some(low) = self.carry.take() {
            match rest.split_first() {
                Some((high, tail)) => {
                    out.push(sample(low, *high));
                    rest = tail;
                }
                None => self.carry = Some(low),
            }
        }
        let mut pairs = rest.chunks_exact(2);
        out.extend(pairs.by_ref().map(|p| sample(p[0], p[1])));
        if let [last] = pairs.remainder() {
            self.carry = Some(*last);
        }
        out
    }
}

fn sample(low: u8, high: u8) -> f32 {
    f32::from(i16::from_le_bytes([low, high])) / 32768.0
}

/// Taps of the low-pass filter before dropping two samples of three.
const TAPS: usize = 97;
/// Samples of delay of the (symmetric) filter.
const HALF: usize = TAPS / 2;
const FACTOR: usize = 3;
/// Kaiser window shape for about 60 dB of stop-band attenuation.
const KAISER_BETA: f64 = 5.65;

/// A Kaiser-windowed sinc low-pass at the new Nyquist frequency (4 kHz of 24 kHz), unit gain.
fn taps() -> &'static [f32; TAPS] {
    static TAPS_CELL: OnceLock<[f32; TAPS]> = OnceLock::new();
    TAPS_CELL.get_or_init(|| {
        let cutoff = 0.5 / FACTOR as f64;
        let mut h = [0f64; TAPS];
        for (n, tap) in h.iter_mut().enumerate() {
            let x = n as f64 - HALF as f64;
            let sinc = if x == 0.0 {
                2.0 * cutoff
            } else {
                (2.0 * std::f64::consts::PI * cutoff * x).sin() / (std::f64::consts::PI * x)
            };
            let r = x / HALF as f64;
            let window = bessel_i0(KAISER_BETA * (1.0 - r * r).sqrt()) / bessel_i0(KAISER_BETA);
            *tap = sinc * window;
        }
        let sum: f64 = h.iter().sum();
        h.map(|t| (t / sum) as f32)
    })
}

/// The modified Bessel function of the first kind, order 0 (its power series).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, mut k) = (1.0, 1.0, 1.0);
    while term > 1e-12 * sum {
        term *= (x / (2.0 * k)).powi(2);
        sum += term;
        k += 1.0;
    }
    sum
}

/// 24 kHz → 8 kHz on a stream: low-pass, then every third sample. Chunks may be any length;
/// the output is aligned with the input (the filter's delay is compensated) and, once
/// [`Self::finish`]ed, has `ceil(input / 3)` samples, as a whole-file conversion would.
#[derive(Debug)]
pub struct Downsampler24kTo8k {
    /// Input not yet used up, preceded by the filter's history (zeros at the start).
    window: Vec<f32>,
    /// Input samples received.
    received: usize,
    /// Output samples given out.
    produced: usize,
}

impl Default for Downsampler24kTo8k {
    fn default() -> Self {
        Self {
            window: vec![0.0; HALF],
            received: 0,
            produced: 0,
        }
    }
}

impl Downsampler24kTo8k {
    pub fn push(&mut self, input: &[f32]) -> Vec<f32> {
        self.window.extend_from_slice(input);
        self.received += input.len();
        self.drain(usize::MAX)
    }

    /// The last samples, once the input has ended.
    pub fn finish(&mut self) -> Vec<f32> {
        self.window.extend(std::iter::repeat_n(0.0, HALF));
        let total = self.received.div_ceil(FACTOR);
        self.drain(total - self.produced)
    }

    /// Up to `limit` output samples from what the window holds.
    fn drain(&mut self, limit: usize) -> Vec<f32> {
        let taps = taps();
        let mut out = Vec::new();
        let mut start = 0;
        while out.len() < limit && start + TAPS <= self.window.len() {
            let w = &self.window[start..start + TAPS];
            out.push(w.iter().zip(taps).map(|(x, h)| x * h).sum());
            start += FACTOR;
        }
        self.window.drain(..start.min(self.window.len()));
        self.produced += out.len();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    fn rms(s: &[f32]) -> f32 {
        (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt()
    }

    fn downsample(input: &[f32], chunk: usize) -> Vec<f32> {
        let mut d = Downsampler24kTo8k::default();
        let mut out: Vec<f32> = input.chunks(chunk).flat_map(|c| d.push(c)).collect();
        out.extend(d.finish());
        out
    }

    #[test]
    fn speech_band_passes_and_what_would_alias_is_removed() {
        let n = 24_000;
        let voice = downsample(&sine(1_000.0, 24_000, n), 4_800);
        assert_eq!(voice.len(), n / 3);
        let middle = &voice[500..7_500];
        assert!((rms(middle) / rms(&sine(1_000.0, 24_000, n)) - 1.0).abs() < 0.02);
        // A 1 kHz tone at 8 kHz: every 8 samples a period.
        let expected = sine(1_000.0, 8_000, n / 3);
        let err: f32 = middle
            .iter()
            .zip(&expected[500..7_500])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 0.02, "aligned with the input, max error {err}");
        // 6 kHz would fold onto 2 kHz without the filter.
        let high = downsample(&sine(6_000.0, 24_000, n), 4_800);
        assert!(rms(&high[500..7_500]) < 0.001 * 0.5, "{}", rms(&high));
    }

    #[test]
    fn chunk_boundaries_do_not_change_the_output() {
        let input = sine(440.0, 24_000, 10_001);
        let whole = downsample(&input, input.len());
        assert_eq!(whole.len(), 3_334);
        for chunk in [1, 2, 7, 160, 1_000] {
            assert_eq!(downsample(&input, chunk), whole, "chunks of {chunk}");
        }
    }

    #[test]
    fn pcm_samples_split_between_chunks_are_joined() {
        let samples: Vec<i16> = vec![0, 1, -1, 12_345, -32_768, 32_767, 7];
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let expected: Vec<f32> = samples.iter().map(|s| f32::from(*s) / 32768.0).collect();
        for cut in [1usize, 3, 5] {
            let mut r = Pcm16Reader::default();
            let mut got = Vec::new();
            for chunk in bytes.chunks(cut) {
                got.extend(r.push(chunk));
            }
            assert_eq!(got, expected, "chunks of {cut} bytes");
        }
        let mut r = Pcm16Reader::default();
        assert!(r.push(&[1]).is_empty());
        assert!(r.push(&[]).is_empty());
        assert_eq!(r.push(&[0]), [1.0 / 32768.0]);
    }

    #[test]
    fn mulaw_of_a_file_is_8_khz() {
        let wav = super::super::wav::encode_pcm16(&sine(440.0, 16_000, 16_000), 16_000);
        let mulaw = mulaw_of_file(&wav, &Limits::default()).unwrap();
        assert_eq!(mulaw.len(), 8_000);
    }
}
