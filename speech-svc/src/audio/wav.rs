//! WAV encoding (16-bit PCM and G.711 μ-law; the codec is `agentlocator_common::mulaw`).

use super::{AudioError, PHONE_RATE};
use agentlocator_common::mulaw::wav_header as header;

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
    out.extend(super::phone::mulaw_of(samples));
    out
}

/// The samples of an 8 kHz mono μ-law WAV (what Google returns for `MULAW`), checked.
pub fn mulaw_data(wav: &[u8]) -> Result<&[u8], AudioError> {
    let (start, declared) = mulaw_header(wav)?;
    // A streamed WAV may declare more (or `u32::MAX`) than it holds.
    Ok(&wav[start..(start + declared).min(wav.len())])
}

/// Everything after the header of the first part of a streamed 8 kHz mono μ-law WAV, checked:
/// the rest of the audio follows in later parts, so the data chunk's declared length (often 0
/// or `u32::MAX` in a stream) is not trusted.
pub fn mulaw_stream_data(first_part: &[u8]) -> Result<&[u8], AudioError> {
    let (start, _) = mulaw_header(first_part)?;
    Ok(&first_part[start..])
}

/// Whether `bytes` begin with a RIFF/WAVE header.
pub fn is_wav(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE"
}

/// Where the data of an 8 kHz mono μ-law WAV starts, and the length its header declares.
fn mulaw_header(wav: &[u8]) -> Result<(usize, usize), AudioError> {
    let not = |m: &str| AudioError::NotAudio(format!("not an 8 kHz mono μ-law WAV: {m}"));
    if !is_wav(wav) {
        return Err(not("no RIFF/WAVE header"));
    }
    let mut at = 12;
    let mut format_ok = false;
    while wav.len() >= at + 8 {
        let id = &wav[at..at + 4];
        let len = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        let body = &wav[at + 8..];
        if id == b"data" {
            if !format_ok {
                return Err(not("no fmt chunk before the data"));
            }
            return Ok((at + 8, len));
        }
        if body.len() < len {
            break;
        }
        if id == b"fmt " {
            if len < 16 {
                return Err(not("short fmt chunk"));
            }
            let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
            let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
            if u16_at(0) != 7 || u16_at(2) != 1 || rate != PHONE_RATE || u16_at(14) != 8 {
                return Err(not(&format!(
                    "format {}, {} channels, {rate} Hz, {} bits",
                    u16_at(0),
                    u16_at(2),
                    u16_at(14)
                )));
            }
            format_ok = true;
        }
        // Chunks are padded to an even length.
        at = (at + 8 + len + len % 2).min(wav.len());
    }
    Err(AudioError::Truncated("the WAV has no data chunk".into()))
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

    #[test]
    fn mulaw_data_is_found_behind_the_header_and_checked() {
        let samples = [0.0, 0.25, -0.25, 0.5];
        let wav = encode_mulaw(&samples, PHONE_RATE);
        assert_eq!(
            mulaw_data(&wav).unwrap(),
            super::super::phone::mulaw_of(&samples)
        );
        assert!(mulaw_data(&encode_mulaw(&samples, 16_000)).is_err());
        assert!(mulaw_data(&encode_pcm16(&samples, PHONE_RATE)).is_err());
        assert!(mulaw_data(b"ID3 not a wav").is_err());
        assert!(mulaw_data(&wav[..40]).is_err());
    }

    #[test]
    fn a_streamed_header_is_followed_by_all_its_part_whatever_it_declares() {
        let samples = [0.0, 0.25, -0.25, 0.5];
        let mut wav = encode_mulaw(&samples, PHONE_RATE);
        let data_len_at = wav.len() - samples.len() - 4;
        wav[data_len_at..data_len_at + 4].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(mulaw_data(&wav).unwrap(), b"");
        assert_eq!(
            mulaw_stream_data(&wav).unwrap(),
            super::super::phone::mulaw_of(&samples)
        );
        assert!(mulaw_stream_data(&encode_pcm16(&samples, PHONE_RATE)).is_err());
        assert!(is_wav(&wav) && !is_wav(b"RIFF"));
    }
}
