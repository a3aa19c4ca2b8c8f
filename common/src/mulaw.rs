//! G.711 μ-law, the telephone network's 8 kHz audio: what Twilio's `<Play>` WAVs, recordings and
//! Media Streams carry. Shared by speech-svc (synthesis) and voice-svc (live calls).

/// One μ-law sample is one byte; 8,000 of them are a second of telephone audio.
pub const RATE: u32 = 8_000;
/// Bytes in one 20 ms frame at [`RATE`]: the size of a Twilio Media Streams `media` payload.
pub const FRAME_BYTES: usize = 160;
/// The μ-law byte of silence.
pub const SILENCE: u8 = 0xFF;

const MULAW_BIAS: i32 = 0x84;
const MULAW_CLIP: i32 = 32635;

/// G.711 μ-law encoding of one 16-bit sample.
pub fn encode(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 { 0x80 } else { 0 };
    if s < 0 {
        s = -s;
    }
    s = s.min(MULAW_CLIP) + MULAW_BIAS;
    let exponent = (31 - (s as u32).leading_zeros()).saturating_sub(7).min(7) as i32;
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// G.711 μ-law decoding of one byte.
pub fn decode(byte: u8) -> i16 {
    let u = !byte;
    let sign = u & 0x80;
    let exponent = i32::from((u >> 4) & 0x07);
    let mantissa = i32::from(u & 0x0F);
    let magnitude = (((mantissa << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
    if sign != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// A mono WAV header for `data_len` bytes of `format_tag` audio (1 = PCM, 7 = μ-law) of `bits`
/// per sample at `rate`, appended to `out`.
pub fn wav_header(out: &mut Vec<u8>, format_tag: u16, bits: u16, rate: u32, data_len: usize) {
    let block_align = bits / 8;
    let is_pcm = format_tag == 1;
    // Non-PCM formats carry a cbSize field (fmt chunk of 18 bytes) and a `fact` chunk.
    let fmt_len: u32 = if is_pcm { 16 } else { 18 };
    let fact_len: u32 = if is_pcm { 0 } else { 12 };
    let riff_len = 4 + (8 + fmt_len) + fact_len + 8 + data_len as u32;
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&fmt_len.to_le_bytes());
    out.extend_from_slice(&format_tag.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    if !is_pcm {
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(b"fact");
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&((data_len / usize::from(block_align)) as u32).to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data_len as u32).to_le_bytes());
}

/// `mulaw` as a mono 8 kHz μ-law WAV file (format tag 7): what speech-to-text engines take.
pub fn wav(mulaw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(mulaw.len() + 58);
    wav_header(&mut out, 7, 8, RATE, mulaw.len());
    out.extend_from_slice(mulaw);
    out
}

/// μ-law bytes of 16-bit samples.
pub fn encode_all(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|s| encode(*s)).collect()
}

/// 16-bit samples of μ-law bytes.
pub fn decode_all(bytes: &[u8]) -> Vec<i16> {
    bytes.iter().map(|b| decode(*b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mulaw_round_trip_is_within_quantisation_error() {
        for s in (-32768i32..=32767).step_by(97) {
            let s = s as i16;
            let back = decode(encode(s));
            // μ-law steps grow with magnitude: at most 1/16 of the value plus the smallest step.
            let tol = (i32::from(s).abs() / 16).max(8) + 8;
            assert!(
                (i32::from(back) - i32::from(s)).abs() <= tol,
                "{s} -> {back}"
            );
        }
        // The standard's fixed points.
        assert_eq!(encode(0), 0xFF);
        assert_eq!(decode(0xFF), 0);
        assert_eq!(encode(i16::MAX), 0x80);
        assert_eq!(encode(i16::MIN), 0x00);
    }
}
