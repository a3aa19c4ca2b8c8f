//! What the agent is saying and what the caller has heard of it. Reply audio is queued here and
//! taken out one 20 ms frame at a time at real-time pace; a mark follows every few frames, and
//! Twilio echoes each mark once the audio before it has been played, so the marks that came back
//! are proof of what was heard. On barge-in the unplayed audio is dropped and only the heard part
//! of the reply's text is kept.

use crate::realtime::ReplyId;
use agentlocator_common::mulaw::FRAME_BYTES;
use std::collections::VecDeque;

/// A mark after every this many frames (100 ms): how precisely "heard" is known.
const FRAMES_PER_MARK: usize = 5;
/// Frames sent at once when a reply starts, so Twilio's buffer never runs dry between ticks.
pub const LEAD_FRAMES: usize = 3;

/// One reply being played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub id: ReplyId,
    /// What the caller said that this answers.
    pub caller_text: String,
    /// Text pieces and the audio that speaks each.
    pub segments: Vec<Segment>,
    /// Audio bytes received for this reply.
    pub received: usize,
    /// Audio bytes sent to Twilio.
    pub sent: usize,
    /// Audio bytes Twilio has confirmed played.
    pub played: usize,
    /// The engine produced all of it.
    pub done: bool,
    pub needs_follow_up: bool,
    /// Set on barge-in: the bytes heard then.
    pub interrupted_at: Option<usize>,
}

/// A piece of a reply's text and the byte range of the audio that speaks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub start: usize,
    /// `None` while its audio is still arriving.
    pub end: Option<usize>,
}

impl Reply {
    fn new(id: ReplyId, caller_text: String) -> Self {
        Reply {
            id,
            caller_text,
            segments: Vec::new(),
            received: 0,
            sent: 0,
            played: 0,
            done: false,
            needs_follow_up: false,
            interrupted_at: None,
        }
    }

    /// The reply's whole text.
    pub fn text(&self) -> String {
        join(self.segments.iter().map(|s| s.text.as_str()))
    }

    /// The text of the first `bytes` of audio: every piece whose speech ended by then, and of the
    /// piece being spoken the share of its words that its played share of audio covers.
    pub fn text_heard(&self, bytes: usize) -> String {
        let mut out = Vec::new();
        for s in &self.segments {
            let end = s.end.unwrap_or(self.received);
            if end <= bytes && end > s.start {
                out.push(s.text.clone());
                continue;
            }
            let span = end.saturating_sub(s.start).max(1);
            let share = (bytes.saturating_sub(s.start) as f64 / span as f64).min(1.0);
            let words: Vec<&str> = s.text.split_whitespace().collect();
            let n = (words.len() as f64 * share).floor() as usize;
            if n == words.len() && n > 0 {
                out.push(s.text.clone());
            } else if n > 0 {
                out.push(format!("{}…", words[..n].join(" ")));
            }
            break;
        }
        join(out.iter().map(String::as_str))
    }

    /// Ends the segment whose audio was still arriving.
    fn close_open_segment(&mut self) {
        let received = self.received;
        if let Some(s) = self.segments.last_mut()
            && s.end.is_none()
        {
            s.end = Some(received);
        }
    }

    /// Milliseconds of the first `bytes` of 8 kHz audio.
    pub fn millis(bytes: usize) -> u32 {
        u32::try_from(bytes / 8).unwrap_or(u32::MAX)
    }

    /// Finished: produced and heard to the end, or cut off.
    pub fn is_over(&self) -> bool {
        self.interrupted_at.is_some() || (self.done && self.played >= self.received)
    }
}

fn join<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    parts
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What to send to Twilio next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    Frame(Vec<u8>),
    Mark(String),
}

/// The replies of a call being played, in order; the audio not yet sent.
#[derive(Debug, Default)]
pub struct Playback {
    replies: VecDeque<Reply>,
    queue: VecDeque<u8>,
}

impl Playback {
    /// Whether the caller can hear the agent now (or will: audio queued or sent and unplayed).
    pub fn audible(&self) -> bool {
        self.replies
            .iter()
            .any(|r| r.interrupted_at.is_none() && r.played < r.received)
    }

    /// Whether there is audio to send.
    pub fn has_audio(&self) -> bool {
        !self.queue.is_empty()
    }

    fn reply_mut(&mut self, id: ReplyId) -> Option<&mut Reply> {
        self.replies.iter_mut().find(|r| r.id == id)
    }

    /// The reply `id`, started when first heard of; `None` once it was cut off.
    fn ensure(&mut self, id: ReplyId, caller_text: &str) -> Option<&mut Reply> {
        self.ensure_any(id, caller_text)
            .filter(|r| r.interrupted_at.is_none())
    }

    /// The reply `id`, started when first heard of, cut off or not.
    fn ensure_any(&mut self, id: ReplyId, caller_text: &str) -> Option<&mut Reply> {
        if !self.replies.iter().any(|r| r.id == id) {
            self.replies
                .push_back(Reply::new(id, caller_text.to_string()));
        }
        self.reply_mut(id)
    }

    /// Queues `mulaw` of reply `id` (nothing when the reply was cut off). `caller_text` is what
    /// the reply answers, kept with it.
    pub fn push_audio(&mut self, id: ReplyId, caller_text: &str, mulaw: &[u8]) {
        if let Some(r) = self.ensure(id, caller_text) {
            r.received += mulaw.len();
            self.queue.extend(mulaw);
        }
    }

    /// The text spoken by the audio of `id` received so far (since the last piece). Taken for a
    /// cut-off reply too (a transcript can come after the cut): what was heard is its share.
    pub fn push_text(&mut self, id: ReplyId, caller_text: &str, text: &str) {
        if let Some(r) = self.ensure_any(id, caller_text) {
            r.close_open_segment();
            let start = r.segments.last().and_then(|s| s.end).unwrap_or(0);
            r.segments.push(Segment {
                text: text.to_string(),
                start,
                end: Some(r.received),
            });
        }
    }

    /// The text the audio of `id` that follows speaks.
    pub fn push_sentence(&mut self, id: ReplyId, caller_text: &str, text: &str) {
        if let Some(r) = self.ensure(id, caller_text) {
            r.close_open_segment();
            r.segments.push(Segment {
                text: text.to_string(),
                start: r.received,
                end: None,
            });
        }
    }

    pub fn done(&mut self, id: ReplyId, caller_text: &str, needs_follow_up: bool) {
        self.ensure(id, caller_text);
        if let Some(r) = self.reply_mut(id) {
            r.close_open_segment();
            r.done = true;
            r.needs_follow_up = needs_follow_up;
        }
    }

    /// The reply whose audio is at the head of the queue: the oldest one not fully sent.
    fn sending(&mut self) -> Option<&mut Reply> {
        self.replies
            .iter_mut()
            .find(|r| r.interrupted_at.is_none() && r.sent < r.received)
    }

    /// The next frame (padded with silence at a reply's end), with the mark that follows it when
    /// one is due. Nothing when no audio is queued.
    pub fn next_frame(&mut self) -> Vec<Out> {
        let Some(reply) = self.sending() else {
            return Vec::new();
        };
        let id = reply.id;
        let n = FRAME_BYTES.min(reply.received - reply.sent);
        reply.sent += n;
        let sent = reply.sent;
        let finished = reply.sent == reply.received && reply.done;
        let mut frame: Vec<u8> = self.queue.drain(..n).collect();
        frame.resize(FRAME_BYTES, agentlocator_common::mulaw::SILENCE);
        let mut out = vec![Out::Frame(frame)];
        if finished || (sent / FRAME_BYTES).is_multiple_of(FRAMES_PER_MARK) {
            out.push(Out::Mark(format!("{id}:{sent}")));
        }
        out
    }

    /// A reply finished producing after all its audio was sent: the mark that closes it.
    pub fn closing_mark(&mut self, id: ReplyId) -> Option<Out> {
        let r = self.reply_mut(id)?;
        (r.interrupted_at.is_none() && r.done && r.sent == r.received && r.received > 0)
            .then(|| Out::Mark(format!("{id}:{}", r.sent)))
    }

    /// Twilio echoed `mark`: the audio before it was played. Returns the reply it proves heard
    /// in full, if it does.
    pub fn marked(&mut self, mark: &str) -> Option<ReplyId> {
        let (id, bytes) = mark.split_once(':')?;
        let (id, bytes): (ReplyId, usize) = (id.parse().ok()?, bytes.parse().ok()?);
        let r = self.reply_mut(id)?;
        // Twilio also echoes the marks a `clear` dropped: those prove nothing.
        if r.interrupted_at.is_some() {
            return None;
        }
        r.played = r.played.max(bytes.min(r.sent));
        (r.done && r.played >= r.received).then_some(id)
    }

    /// Barge-in: drops every unplayed byte and cuts off the reply being heard. Returns it (with
    /// what was heard) when one was audible.
    pub fn interrupt(&mut self) -> Option<Reply> {
        self.queue.clear();
        let mut cut = None;
        for r in self.replies.iter_mut() {
            if r.interrupted_at.is_none() && r.played < r.received {
                r.interrupted_at = Some(r.played);
                if cut.is_none() {
                    cut = Some(r.clone());
                }
            }
        }
        cut
    }

    /// Takes out the replies that are over — produced in full (an engine reports a cut-off
    /// reply done too, once it stopped it) and heard to the end or cut off — oldest first, for
    /// the call's log.
    pub fn take_finished(&mut self) -> Vec<Reply> {
        let mut out = Vec::new();
        while self.replies.front().is_some_and(|r| r.done && r.is_over()) {
            out.extend(self.replies.pop_front());
        }
        out
    }

    /// Everything still open, at the end of the call.
    pub fn take_all(&mut self) -> Vec<Reply> {
        self.queue.clear();
        self.replies.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(p: &mut Playback, n: usize) -> Vec<Out> {
        (0..n).flat_map(|_| p.next_frame()).collect()
    }

    fn marks(out: &[Out]) -> Vec<String> {
        out.iter()
            .filter_map(|o| match o {
                Out::Mark(m) => Some(m.clone()),
                Out::Frame(_) => None,
            })
            .collect()
    }

    #[test]
    fn audio_goes_out_in_frames_with_marks_and_is_heard_when_marks_return() {
        let mut p = Playback::default();
        p.push_audio(1, "שלום", &[1; 1600]);
        p.push_text(1, "שלום", "שלום לך.");
        p.done(1, "שלום", false);
        assert!(p.audible());
        let out = frames(&mut p, 10);
        assert_eq!(
            out.iter().filter(|o| matches!(o, Out::Frame(_))).count(),
            10
        );
        assert_eq!(marks(&out), ["1:800", "1:1600"]);
        assert!(p.next_frame().is_empty());
        assert_eq!(p.marked("1:800"), None);
        assert!(p.audible());
        assert_eq!(p.marked("1:1600"), Some(1));
        assert!(!p.audible());
        let done = p.take_finished();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].text(), "שלום לך.");
        assert_eq!(done[0].interrupted_at, None);
    }

    #[test]
    fn a_short_last_frame_is_padded_with_silence() {
        let mut p = Playback::default();
        p.push_audio(1, "", &[1; 200]);
        p.done(1, "", false);
        let out = frames(&mut p, 2);
        let Out::Frame(last) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!(last.len(), FRAME_BYTES);
        assert_eq!(last[40..], [agentlocator_common::mulaw::SILENCE; 120]);
        assert_eq!(marks(&out), ["1:200"]);
    }

    #[test]
    fn barge_in_keeps_only_what_the_marks_prove_was_heard() {
        let mut p = Playback::default();
        // Two sentences of 1 s each.
        p.push_audio(7, "מתי אתם פתוחים?", &[1; 8000]);
        p.push_text(7, "", "אנחנו פתוחים מראשון עד חמישי.");
        p.push_audio(7, "", &[1; 8000]);
        p.push_text(7, "", "בשישי עד הצהריים בלבד.");
        frames(&mut p, 80);
        // Twilio has played the first 1.5 s: half of the second sentence.
        p.marked("7:12000");
        let cut = p.interrupt().expect("audible");
        assert_eq!(cut.interrupted_at, Some(12000));
        assert_eq!(Reply::millis(12000), 1500);
        assert_eq!(
            cut.text_heard(12000),
            "אנחנו פתוחים מראשון עד חמישי. בשישי עד…"
        );
        assert!(!p.audible());
        assert!(!p.has_audio());
        // Marks a clear dropped come back too; they prove nothing.
        assert_eq!(p.marked("7:16000"), None);
        // Late audio of the cut-off reply is not played.
        p.push_audio(7, "", &[1; 800]);
        assert!(p.next_frame().is_empty());
        assert!(p.take_finished().is_empty(), "until the engine stopped it");
        p.done(7, "", false);
        let done = p.take_finished();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].id, 7);
    }

    #[test]
    fn a_mark_cannot_claim_more_than_was_sent_and_garbage_marks_are_ignored() {
        let mut p = Playback::default();
        p.push_audio(1, "", &[1; 1600]);
        frames(&mut p, 5);
        assert_eq!(p.marked("1:999999"), None);
        assert_eq!(p.interrupt().unwrap().interrupted_at, Some(800));
        for m in ["", "x", "1:", ":5", "a:b", "2:100"] {
            assert_eq!(p.marked(m), None, "{m}");
        }
    }

    #[test]
    fn sentences_announced_before_their_audio_are_heard_by_their_share() {
        let mut p = Playback::default();
        p.push_sentence(3, "", "אחת שתיים שלוש ארבע.");
        p.push_audio(3, "", &[1; 8000]);
        p.push_sentence(3, "", "חמש שש.");
        p.push_audio(3, "", &[1; 4000]);
        frames(&mut p, 60);
        p.marked("3:4000");
        let cut = p.interrupt().unwrap();
        assert_eq!(cut.text_heard(4000), "אחת שתיים…");
        // While a sentence's audio is still arriving, its share is of what has arrived.
        let mut q = Playback::default();
        q.push_sentence(4, "", "שבע שמונה.");
        q.push_audio(4, "", &[1; 1600]);
        frames(&mut q, 10);
        q.marked("4:800");
        assert_eq!(q.interrupt().unwrap().text_heard(800), "שבע…");
        let mut r = Playback::default();
        r.push_sentence(5, "", "תשע.");
        r.push_audio(5, "", &[1; 1600]);
        r.done(5, "", false);
        frames(&mut r, 10);
        r.marked("5:1600");
        assert_eq!(r.take_finished()[0].text(), "תשע.");
    }

    #[test]
    fn nothing_heard_is_no_text() {
        let mut p = Playback::default();
        p.push_audio(1, "", &[1; 1600]);
        p.push_text(1, "", "שלום.");
        frames(&mut p, 3);
        assert_eq!(p.interrupt().unwrap().text_heard(0), "");
    }
}
