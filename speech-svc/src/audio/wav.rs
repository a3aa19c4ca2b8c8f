//! WAV encoding (16-bit PCM and G.711 μ-law; the codec is `agentlocator_common::mulaw`).

use agentlocator_common::mulaw::{encode as mulaw_encode, wav_header as header};

/// Converts a sample in `[-1, 1]` to 16-bit PCM, clamping anything outside.
pub fn to_i16(s: f32) -> i16 {
    let v = (s * 32767.0).round();
    if v.is_nan() {
        0
    } else {
        v.clamp(-32768.0, 32767.0) as i16
    }
}


/// Mono 16-bit PCM WAV of `samples` at `rate`.
pub fn encode_pcm16(samples: &[f32], rate: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    header(&mut out, 1, 16, rate, samples.len() * 2);
    for s in samples {
        out.extend_from_slice(&to_i16(*s).to_le_bytes());
    }
    out
}

/// Mono G.711 μ-law WAV (format tag 7) of `samples` at `rate`: what telephone networks carry.
pub fn encode_mulaw(samples: &[f32], rate: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(58 + samples.len());
    header(&mut out, 7, 8, rate, samples.len());
    out.extend(samples.iter().map(|s| mulaw_encode(to_i16(*s))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm16_header_describes_the_data() {
        let wav = encode_pcm16(&[0.0, 0.5, -0.5, 1.5], 16_000);
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(
            u32::from_le_bytes(wav[4..8].try_into().unwrap()) as usize,
            wav.len() - 8
        );
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 16_000);
        assert_eq!(u32::from_le_bytes(wav[40..44].try_into().unwrap()), 8);
        assert_eq!(i16::from_le_bytes(wav[50..52].try_into().unwrap()), 32767);
    }
}
