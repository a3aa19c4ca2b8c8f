//! Voice activity on the caller's 8 kHz μ-law, frame by frame: the WebRTC VAD (libfvad, through
//! the `webrtc-vad` crate) says whether each 20 ms frame is speech, and a [`SpeechTracker`] turns
//! those decisions into the moments turn taking needs: speech began, speech has lasted long
//! enough to interrupt the agent, the caller's turn ended.
//!
//! Tuned for Hebrew on the phone: a turn ends after `end_of_turn` of silence (600 ms by default:
//! Hebrew speakers pause briefly between phrases, so shorter ends turns mid-sentence); speech must
//! last `barge_in` (240 ms) before it interrupts the agent, so "כן" / "אהה" said while the agent
//! talks does not cut it off, while a real interruption is heard within 300 ms.

use crate::settings::TurnTaking;
use agentlocator_common::mulaw;
use std::time::Duration;
use webrtc_vad::{SampleRate, Vad, VadMode};

/// One frame of the stream.
pub const FRAME: Duration = Duration::from_millis(20);
/// Silence inside speech that does not count as a pause (between syllables).
const GAP_TOLERANCE: Duration = Duration::from_millis(100);

/// The WebRTC VAD on 8 kHz frames, in its "aggressive" mode (telephone noise is not speech).
pub struct FrameVad(Vad);

// SAFETY: libfvad's state is plain memory owned by this value and only ever used through `&mut
// self`; nothing in it is tied to the thread that created it.
unsafe impl Send for FrameVad {}

impl Default for FrameVad {
    fn default() -> Self {
        FrameVad(Vad::new_with_rate_and_mode(
            SampleRate::Rate8kHz,
            VadMode::Aggressive,
        ))
    }
}

impl FrameVad {
    /// Whether a 20 ms μ-law frame is speech. A frame of another length is not speech.
    pub fn is_speech(&mut self, frame: &[u8]) -> bool {
        if frame.len() != mulaw::FRAME_BYTES {
            return false;
        }
        let pcm = mulaw::decode_all(frame);
        self.0.is_voice_segment(&pcm).unwrap_or(false)
    }
}

/// What a frame changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeechEvent {
    /// The first speech frame after silence (not yet known to be more than a click).
    Onset,
    /// Speech since the onset has lasted `barge_in`: loud and long enough to interrupt.
    Sustained,
    /// `end_of_turn` of silence after speech: the caller's turn is over. `speech` is how long the
    /// caller spoke (onset to the last speech frame).
    Ended { speech: Duration },
}

/// Turns per-frame decisions into [`SpeechEvent`]s.
#[derive(Debug, Clone)]
pub struct SpeechTracker {
    turn_taking: TurnTaking,
    /// Time since the onset of the current speech, if any.
    since_onset: Option<Duration>,
    /// Speech from the onset to the last speech frame.
    speech: Duration,
    silence: Duration,
    /// Where (since the onset) the current run of speech began: a pause longer than a
    /// syllable's gap starts a new run.
    run_start: Duration,
    sustained: bool,
}

impl SpeechTracker {
    pub fn new(turn_taking: TurnTaking) -> Self {
        SpeechTracker {
            turn_taking,
            since_onset: None,
            speech: Duration::ZERO,
            silence: Duration::ZERO,
            run_start: Duration::ZERO,
            sustained: false,
        }
    }

    /// Whether the caller is speaking now (from an onset until the turn ended).
    pub fn in_speech(&self) -> bool {
        self.since_onset.is_some()
    }

    /// The next frame's decision.
    pub fn push(&mut self, is_speech: bool) -> Option<SpeechEvent> {
        let Some(since) = self.since_onset else {
            if is_speech {
                self.since_onset = Some(FRAME);
                self.speech = FRAME;
                self.silence = Duration::ZERO;
                self.run_start = Duration::ZERO;
                self.sustained = false;
                return Some(SpeechEvent::Onset);
            }
            return None;
        };
        let since = since + FRAME;
        self.since_onset = Some(since);
        if is_speech {
            if self.silence > GAP_TOLERANCE {
                self.run_start = since - FRAME;
            }
            self.silence = Duration::ZERO;
            self.speech = since;
        } else {
            self.silence += FRAME;
            if self.silence >= self.turn_taking.end_of_turn {
                self.since_onset = None;
                return Some(SpeechEvent::Ended {
                    speech: self.speech,
                });
            }
        }
        // Only a run of speech without a long pause interrupts: a click, a pause, then a syllable
        // is not an interruption (it still makes a short turn: it may be "כן").
        if !self.sustained && is_speech && since - self.run_start >= self.turn_taking.barge_in {
            self.sustained = true;
            return Some(SpeechEvent::Sustained);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker() -> SpeechTracker {
        SpeechTracker::new(TurnTaking {
            end_of_turn: Duration::from_millis(600),
            barge_in: Duration::from_millis(240),
        })
    }

    /// Events of a sequence of (speech?, frames) runs, with the frame index of each.
    fn run(t: &mut SpeechTracker, runs: &[(bool, usize)]) -> Vec<(usize, SpeechEvent)> {
        let mut out = Vec::new();
        let mut i = 0;
        for &(speech, n) in runs {
            for _ in 0..n {
                if let Some(e) = t.push(speech) {
                    out.push((i, e));
                }
                i += 1;
            }
        }
        out
    }

    #[test]
    fn a_sentence_is_onset_sustained_then_ended_after_600_ms_of_silence() {
        let mut t = tracker();
        // 1 s of speech with a 60 ms gap between words, then 1 s of silence.
        let e = run(&mut t, &[(true, 20), (false, 3), (true, 30), (false, 50)]);
        assert_eq!(e[0], (0, SpeechEvent::Onset));
        // 240 ms of speech = the 12th frame.
        assert_eq!(e[1], (11, SpeechEvent::Sustained));
        assert_eq!(e[2], (52 + 30, SpeechEvent::Ended { speech: FRAME * 53 }));
        assert_eq!(e.len(), 3);
        assert!(!t.in_speech());
    }

    #[test]
    fn a_backchannel_is_not_sustained_but_still_a_short_turn() {
        let mut t = tracker();
        // "כן": 200 ms of speech.
        let e = run(&mut t, &[(true, 10), (false, 40)]);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].1, SpeechEvent::Onset);
        assert_eq!(e[1].1, SpeechEvent::Ended { speech: FRAME * 10 });
    }

    #[test]
    fn a_click_then_a_pause_then_speech_is_not_sustained_by_the_click() {
        let mut t = tracker();
        // 40 ms click, 200 ms of silence (longer than a syllable gap), then speech resumes
        // within the turn: sustained only once the new speech makes the whole span long enough
        // with no long pause in between.
        let e = run(&mut t, &[(true, 2), (false, 10), (true, 3)]);
        assert!(
            e.iter().all(|(_, ev)| *ev != SpeechEvent::Sustained),
            "{e:?}"
        );
    }

    #[test]
    fn silence_is_nothing() {
        let mut t = tracker();
        assert!(run(&mut t, &[(false, 500)]).is_empty());
    }

    #[test]
    fn the_webrtc_vad_tells_a_tone_from_silence() {
        let mut vad = FrameVad::default();
        let silence = vec![mulaw::SILENCE; mulaw::FRAME_BYTES];
        assert!(!vad.is_speech(&silence));
        assert!(!vad.is_speech(&[mulaw::SILENCE; 10]), "a short frame");
        // A voiced-like signal: a 200 Hz fundamental with harmonics, loud, for half a second.
        let mut speech_frames = 0;
        for f in 0..25 {
            let frame: Vec<u8> = (0..mulaw::FRAME_BYTES)
                .map(|i| {
                    let t = (f * mulaw::FRAME_BYTES + i) as f64 / 8000.0;
                    let s: f64 = (1..=8)
                        .map(|h| {
                            (2.0 * std::f64::consts::PI * 200.0 * h as f64 * t).sin() / h as f64
                        })
                        .sum();
                    mulaw::encode((s * 6000.0) as i16)
                })
                .collect();
            if vad.is_speech(&frame) {
                speech_frames += 1;
            }
        }
        assert!(speech_frames >= 20, "{speech_frames} of 25 frames");
    }
}
