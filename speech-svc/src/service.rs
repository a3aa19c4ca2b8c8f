//! The speech domain: transcription, replies and speech, with per-stage timings and the fallback
//! semantics of the voice flow. No gRPC types here.

use crate::{
    audio::{self, Limits, SourceFormat},
    error::{Error, ProviderFailure, Result},
    recording_download::RecordingDownloader,
    reply::{
        self, Replier, Reply, ReplyContext, ReplyPiece, ReplyStream,
        agent::{AgentBackend, AgentReply, Conversation},
        sentences,
    },
    settings::Settings,
    strings,
    stt::{self, Transcriber, Transcript},
    tts::{self, AudioFile, AudioFormat, PhoneAudio, SharedAudioStore, Synthesizer, TtsCache},
};
use futures::{StreamExt, TryStreamExt};
use std::{
    collections::VecDeque,
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::mpsc;

/// Longest text one synthesis accepts (a spoken answer is a sentence or two).
pub const MAX_TTS_CHARS: usize = 1000;
/// Longest caller text a reply accepts.
pub const MAX_CALLER_CHARS: usize = 4000;

/// How long each stage took, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings(Vec<(&'static str, Duration)>);

impl Timings {
    pub fn push(&mut self, stage: &'static str, d: Duration) {
        self.0.push((stage, d));
    }
    pub fn extend(&mut self, other: Timings) {
        self.0.extend(other.0);
    }
    pub fn stages(&self) -> &[(&'static str, Duration)] {
        &self.0
    }
    pub fn get(&self, stage: &str) -> Option<Duration> {
        self.0.iter().find(|(s, _)| *s == stage).map(|(_, d)| *d)
    }
    /// Runs `f`, recording its duration under `stage` whatever its outcome.
    async fn time<T>(&mut self, stage: &'static str, f: impl Future<Output = T>) -> T {
        let start = Instant::now();
        let out = f.await;
        self.push(stage, start.elapsed());
        out
    }
}

/// Where the audio to transcribe comes from.
#[derive(Debug, Clone)]
pub enum AudioInput {
    Bytes(Vec<u8>),
    RecordingUrl(String),
}

#[derive(Debug, Clone)]
pub struct Transcribed {
    pub transcript: Transcript,
    pub engine: &'static str,
    pub audio_duration: Duration,
    pub source_format: SourceFormat,
    pub timings: Timings,
}

#[derive(Debug, Clone)]
pub struct Replied {
    pub reply: Reply,
    pub engine: &'static str,
    pub timings: Timings,
    /// What the agent did, when it answered.
    pub agent: Option<AgentTurn>,
}

/// What the business's agent did in one turn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentTurn {
    /// The tools that ran successfully, in order.
    pub actions: Vec<String>,
    /// `hand_off` on a call: the number to dial (none: take a message).
    pub handoff_phone: Option<String>,
    /// `end_call`: hang up after the reply.
    pub end_call: bool,
}

impl AgentReply {
    fn split(self) -> (Reply, AgentTurn) {
        (
            Reply {
                text: self.text,
                needs_follow_up: self.needs_follow_up,
                matched_question: self.matched_question,
            },
            AgentTurn {
                actions: self.actions,
                handoff_phone: self.handoff_phone,
                end_call: self.end_call,
            },
        )
    }
}

#[derive(Debug, Clone)]
pub struct Synthesized {
    pub audio: AudioFile,
    /// `PUBLIC_BASE_URL/static/tts/<file>`.
    pub url: String,
    /// `engine:voice`.
    pub voice: String,
    pub engine: &'static str,
    pub timings: Timings,
}

#[derive(Debug, Clone)]
pub struct Spoken {
    /// What the audio says.
    pub text: String,
    pub audio: Synthesized,
    pub fallback: bool,
    /// Why the fallback was spoken.
    pub failure: Option<String>,
    pub reply_engine: &'static str,
    pub needs_follow_up: bool,
    pub matched_question: Option<String>,
    pub timings: Timings,
    /// What the agent did (also when its reply could not be spoken).
    pub agent: Option<AgentTurn>,
}

/// One message of a reply spoken on a live call, in the order it is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum SpokenPart {
    /// Sent just before the sentence's first audio; `fallback` when it is the fixed fallback
    /// sentence, said because the reply failed.
    Sentence {
        index: u32,
        text: String,
        fallback: bool,
    },
    /// 8 kHz mono μ-law of sentence `sentence_index`.
    Audio { sentence_index: u32, mulaw: Vec<u8> },
    /// The last message.
    Done(SpokenDone),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpokenDone {
    /// The sentences spoken, joined, or the fallback sentence.
    pub text: String,
    pub fallback: bool,
    /// Why the reply stopped early or the fallback was spoken.
    pub failure: Option<String>,
    pub reply_engine: &'static str,
    pub tts_engine: &'static str,
    pub needs_follow_up: bool,
    pub matched_question: Option<String>,
    pub timings: Timings,
    /// What the agent did, when it answered (in a conversation).
    pub agent: Option<AgentTurn>,
}

/// A reply spoken on a live call, as it is made. Dropping it stops the reply and its synthesis.
pub type SpokenStream = mpsc::Receiver<Result<SpokenPart>>;

/// Messages a live reply may run ahead of its reader.
const SPOKEN_BUFFER: usize = 32;

pub struct Speech {
    downloader: RecordingDownloader,
    stt: Arc<dyn Transcriber>,
    replier: Arc<dyn Replier>,
    /// The business's agent (crm-svc); `None`: replies without tools.
    agent: Option<Arc<dyn AgentBackend>>,
    tts: Arc<dyn Synthesizer>,
    cache: TtsCache,
    limits: Limits,
    public_base_url: String,
    stt_timeout: Duration,
    reply_timeout: Duration,
    tts_timeout: Duration,
}

impl Speech {
    /// The engines `settings` select.
    pub fn new(settings: &Settings) -> Result<Self> {
        Self::with_engines(
            settings,
            stt::build(settings)?,
            reply::build(settings)?,
            tts::build(settings)?,
        )
    }

    /// Given engines (tests use their own).
    pub fn with_engines(
        settings: &Settings,
        stt: Arc<dyn Transcriber>,
        replier: Arc<dyn Replier>,
        tts: Arc<dyn Synthesizer>,
    ) -> Result<Self> {
        Ok(Self {
            downloader: RecordingDownloader::new(settings.download.clone())
                .map_err(Error::Internal)?,
            stt,
            replier,
            agent: None,
            tts,
            cache: TtsCache::with_limit(
                settings.data_dir.join("tts"),
                settings.tts_cache_max_bytes,
            ),
            limits: settings.limits,
            public_base_url: settings.public_base_url.clone(),
            stt_timeout: settings.stt_timeout,
            reply_timeout: settings.reply_timeout,
            tts_timeout: settings.tts_timeout,
        })
    }

    /// Shares synthesised audio with the other replicas through `store`.
    pub fn with_shared_audio(mut self, store: Arc<SharedAudioStore>) -> Self {
        self.cache = self.cache.with_shared(store);
        self
    }

    /// Answers the turns that name a conversation as the business's agent, with `backend`'s
    /// definition and tools.
    pub fn with_agent(mut self, backend: Arc<dyn AgentBackend>) -> Self {
        self.agent = Some(backend);
        self
    }

    /// `(stt, llm, tts)` engine names.
    pub fn engine_names(&self) -> (&'static str, &'static str, &'static str) {
        (self.stt.name(), self.replier.name(), self.tts.name())
    }

    pub fn cache(&self) -> &TtsCache {
        &self.cache
    }

    pub async fn transcribe(&self, input: AudioInput) -> Result<Transcribed> {
        let mut timings = Timings::default();
        let bytes = match input {
            AudioInput::Bytes(b) => b,
            AudioInput::RecordingUrl(url) => {
                timings
                    .time("download", self.downloader.download(&url))
                    .await?
                    .bytes
            }
        };
        let limits = self.limits;
        let normalized = timings
            .time(
                "decode",
                tokio::task::spawn_blocking(move || audio::normalize_for_stt(&bytes, &limits)),
            )
            .await
            .map_err(|e| Error::Internal(format!("audio task: {e}")))??;
        let engine = self.stt.name();
        let raw = timings
            .time(
                "stt",
                with_timeout(engine, self.stt_timeout, self.stt.transcribe(&normalized)),
            )
            .await?;
        Ok(Transcribed {
            transcript: stt::post_filter(raw),
            engine,
            audio_duration: normalized.duration(),
            source_format: normalized.source.format,
            timings,
        })
    }

    pub async fn reply(&self, ctx: &ReplyContext) -> Result<Replied> {
        self.reply_in(ctx, None).await
    }

    /// The reply to `ctx`; in `conversation` (when set, and crm-svc is configured) the
    /// business's agent answers with its definition and tools — all its tool rounds within the
    /// reply timeout. When the definition cannot be read the reply is made without tools rather
    /// than not at all.
    pub async fn reply_in(
        &self,
        ctx: &ReplyContext,
        conversation: Option<&Conversation>,
    ) -> Result<Replied> {
        check_caller_text(ctx)?;
        let mut timings = Timings::default();
        let engine = self.replier.name();
        let agent = match (conversation, &self.agent) {
            (Some(conv), Some(backend)) => {
                let started = Instant::now();
                let profile = backend.profile(&conv.business_id).await;
                timings.push("agent_definition", started.elapsed());
                match profile {
                    Ok(p) => Some((p, backend.runner(conv.clone()))),
                    Err(e) => {
                        tracing::warn!(business_id = %conv.business_id, error = %e, "agent definition unavailable: replying without tools");
                        None
                    }
                }
            }
            _ => None,
        };
        let (reply, agent) = match agent {
            Some((profile, runner)) => {
                let done = timings
                    .time(
                        "reply",
                        with_timeout(
                            engine,
                            self.reply_timeout,
                            self.replier.reply_as_agent(ctx, &profile, runner.as_ref()),
                        ),
                    )
                    .await?;
                tracing::info!(
                    engine,
                    tool_rounds = done.tool_rounds,
                    actions = ?done.actions,
                    end_call = done.end_call,
                    hand_off = done.handoff_phone.is_some(),
                    "agent replied"
                );
                let (reply, turn) = done.split();
                (reply, Some(turn))
            }
            None => (
                timings
                    .time(
                        "reply",
                        with_timeout(engine, self.reply_timeout, self.replier.reply(ctx)),
                    )
                    .await?,
                None,
            ),
        };
        Ok(Replied {
            reply,
            engine,
            timings,
            agent,
        })
    }

    /// The summary of a completed call by the reply engine's LLM, within the reply timeout;
    /// `None` when the engine has no LLM (`knowledge`).
    pub async fn summarize_call(
        &self,
        digest: &crate::reply::summary::CallDigest,
    ) -> Result<Option<crate::reply::summary::CallSummary>> {
        let engine = self.replier.name();
        let started = Instant::now();
        let summary =
            with_timeout(engine, self.reply_timeout, self.replier.summarize(digest)).await;
        tracing::info!(
            engine,
            ok = summary.is_ok(),
            summarized = matches!(summary, Ok(Some(_))),
            millis = started.elapsed().as_millis() as u64,
            "call summary"
        );
        summary
    }

    /// The reply engine's name (`openai`, `knowledge`).
    pub fn reply_engine(&self) -> &'static str {
        self.replier.name()
    }

    /// Speech of `text` in `voice` (or the engine's own), from the cache when it is there.
    pub async fn synthesize(&self, text: &str, voice: Option<&str>) -> Result<Synthesized> {
        let mut timings = Timings::default();
        let audio = self
            .synthesize_timed(text, voice, "tts", &mut timings)
            .await?;
        Ok(Synthesized { timings, ..audio })
    }

    async fn synthesize_timed(
        &self,
        text: &str,
        voice: Option<&str>,
        stage: &'static str,
        timings: &mut Timings,
    ) -> Result<Synthesized> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::InvalidRequest("text is empty".into()));
        }
        if text.chars().count() > MAX_TTS_CHARS {
            return Err(Error::InvalidRequest(format!(
                "text is longer than {MAX_TTS_CHARS} characters"
            )));
        }
        let voice = self.voice_or_default(voice)?;
        let engine = self.tts.name();
        let voice_id = format!("{engine}:{voice}");
        let format = self.tts.format();
        let tts = self.tts.clone();
        let timeout = self.tts_timeout;
        let audio = timings
            .time(
                stage,
                self.cache
                    .get_or_create(&voice_id, text, format, || async move {
                        let bytes =
                            with_timeout(engine, timeout, tts.synthesize(text, &voice)).await?;
                        check_playable(engine, bytes, format).await
                    }),
            )
            .await?;
        Ok(Synthesized {
            url: format!("{}/static/tts/{}", self.public_base_url, audio.file_name),
            audio,
            voice: voice_id,
            engine,
            timings: Timings::default(),
        })
    }

    /// The voice a request names, checked, or the engine's own.
    fn voice_or_default(&self, voice: Option<&str>) -> Result<String> {
        match voice.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => valid_voice(v),
            None => Ok(self.tts.default_voice().to_string()),
        }
    }

    /// Reply, then speak it; on a failure of either, speak [`strings::FALLBACK`] once; when that
    /// fails too, [`Error::FallbackFailed`].
    pub async fn reply_and_speak(&self, ctx: &ReplyContext, voice: Option<&str>) -> Result<Spoken> {
        self.reply_and_speak_in(ctx, voice, None).await
    }

    /// [`Self::reply_and_speak`] in `conversation` (see [`Self::reply_in`]).
    pub async fn reply_and_speak_in(
        &self,
        ctx: &ReplyContext,
        voice: Option<&str>,
        conversation: Option<&Conversation>,
    ) -> Result<Spoken> {
        let mut timings = Timings::default();
        let reply_engine = self.replier.name();
        let started = Instant::now();
        let mut agent = None;
        let failure = match self.reply_in(ctx, conversation).await {
            Ok(replied) => {
                timings.extend(replied.timings);
                agent = replied.agent;
                let reply = replied.reply;
                match self
                    .synthesize_timed(&reply.text, voice, "tts", &mut timings)
                    .await
                {
                    Ok(audio) => {
                        return Ok(Spoken {
                            text: reply.text,
                            audio,
                            fallback: false,
                            failure: None,
                            reply_engine,
                            needs_follow_up: reply.needs_follow_up,
                            matched_question: reply.matched_question,
                            timings,
                            agent,
                        });
                    }
                    Err(e @ Error::InvalidRequest(_)) => return Err(e),
                    Err(e) => format!("tts: {e}"),
                }
            }
            Err(e @ Error::InvalidRequest(_)) => return Err(e),
            Err(e) => {
                timings.push("reply", started.elapsed());
                format!("reply: {e}")
            }
        };
        tracing::warn!(%failure, "speaking the fallback sentence");
        match self
            .synthesize_timed(strings::FALLBACK, voice, "fallback_tts", &mut timings)
            .await
        {
            Ok(audio) => Ok(Spoken {
                text: strings::FALLBACK.into(),
                audio,
                fallback: true,
                failure: Some(failure),
                reply_engine,
                // The caller's question went unanswered: staff should call back.
                needs_follow_up: true,
                matched_question: None,
                timings,
                agent,
            }),
            Err(e) => Err(Error::FallbackFailed {
                reply: failure,
                fallback: e.to_string(),
            }),
        }
    }

    /// The reply spoken as it is made, for a live call: cut into sentences as the reply engine
    /// writes it, each synthesised as telephone audio as soon as it is complete (the next one
    /// while this one's audio is still being sent, never further ahead). The same request
    /// checks, voices, timeouts and fallback as [`Self::reply_and_speak`]: a failure before any
    /// audio was sent speaks [`strings::FALLBACK`] instead; a failure between sentences ends the
    /// reply with its `failure` set (a failed reply still speaks the sentences it completed); a
    /// speech failure in the middle of a sentence (a streaming engine's stream broken off) is
    /// followed by the fallback sentence, once. Dropping the stream stops the reply and its
    /// synthesis at once.
    pub fn stream_reply_and_speak(
        self: &Arc<Self>,
        ctx: ReplyContext,
        voice: Option<&str>,
    ) -> Result<SpokenStream> {
        self.stream_reply_and_speak_in(ctx, voice, None)
    }

    /// [`Self::stream_reply_and_speak`] in `conversation`: the business's agent answers with its
    /// tools ([`Self::reply_in`], the same tool loop as a recorded turn), and its whole answer is
    /// then spoken sentence by sentence; [`SpokenDone::agent`] says what it did.
    pub fn stream_reply_and_speak_in(
        self: &Arc<Self>,
        ctx: ReplyContext,
        voice: Option<&str>,
        conversation: Option<Conversation>,
    ) -> Result<SpokenStream> {
        check_caller_text(&ctx)?;
        let voice = self.voice_or_default(voice)?;
        let (tx, rx) = mpsc::channel(SPOKEN_BUFFER);
        let speech = self.clone();
        tokio::spawn(async move {
            let mut live = LiveReply::new(&speech, &voice, &tx);
            live.conversation = conversation.as_ref();
            tokio::select! {
                // Dropping the reply's future drops its provider requests with it.
                _ = tx.closed() => tracing::info!("the live reply's reader left: reply stopped"),
                _ = live.run(&ctx) => {}
            }
        });
        Ok(rx)
    }

    /// A cached audio file for `GET /static/tts/{file}`.
    pub async fn audio_file(&self, file_name: &str) -> Result<(Vec<u8>, AudioFormat)> {
        self.cache.read(file_name).await
    }

    /// Synthesises the fallback sentence ahead of time, so it plays from the cache even while
    /// the TTS provider is down.
    pub async fn warm_fallback(&self) {
        match self.synthesize(strings::FALLBACK, None).await {
            Ok(s) => {
                tracing::info!(file = %s.audio.file_name, cached = s.audio.cached, "fallback sentence ready")
            }
            Err(e) => tracing::warn!(error = %e, "fallback sentence could not be synthesised yet"),
        }
    }
}

fn check_caller_text(ctx: &ReplyContext) -> Result<()> {
    let caller = ctx.caller_text.trim();
    if caller.is_empty() {
        return Err(Error::InvalidRequest("caller_text is empty".into()));
    }
    if caller.chars().count() > MAX_CALLER_CHARS {
        return Err(Error::InvalidRequest(format!(
            "caller_text is longer than {MAX_CALLER_CHARS} characters"
        )));
    }
    Ok(())
}

/// The reader of a live reply has gone: stop.
struct Gone;

/// How the reply part of a live reply ended.
struct ReplyOutcome {
    failure: Option<String>,
    /// The speech failed in the middle of a sentence the caller was hearing.
    cut_mid_sentence: bool,
    needs_follow_up: bool,
    matched_question: Option<String>,
}

/// One live reply being made and sent.
struct LiveReply<'a> {
    speech: &'a Speech,
    voice: &'a str,
    tx: &'a mpsc::Sender<Result<SpokenPart>>,
    started: Instant,
    timings: Timings,
    /// The sentences announced so far (each with audio).
    spoken: Vec<String>,
    tts_total: Duration,
    /// The agent's conversation, when the business's agent answers.
    conversation: Option<&'a Conversation>,
    /// What the agent did.
    agent: Option<AgentTurn>,
}

impl<'a> LiveReply<'a> {
    fn new(speech: &'a Speech, voice: &'a str, tx: &'a mpsc::Sender<Result<SpokenPart>>) -> Self {
        Self {
            speech,
            voice,
            tx,
            started: Instant::now(),
            timings: Timings::default(),
            spoken: Vec::new(),
            tts_total: Duration::ZERO,
            conversation: None,
            agent: None,
        }
    }

    async fn run(mut self, ctx: &ReplyContext) -> Result<(), Gone> {
        let outcome = self.speak_reply(ctx).await?;
        let reply_engine = self.speech.replier.name();
        let tts_engine = self.speech.tts.name();
        // Whole sentences heard make a short answer; a sentence broken off (or nothing at all)
        // is followed by the fallback sentence, so the caller never hears speech end in silence.
        if outcome.failure.is_none() || (!self.spoken.is_empty() && !outcome.cut_mid_sentence) {
            self.timings.push("tts", self.tts_total);
            let done = SpokenDone {
                text: self.spoken.join(" "),
                fallback: false,
                // A reply cut short is not a whole answer: staff should call back.
                needs_follow_up: outcome.needs_follow_up || outcome.failure.is_some(),
                failure: outcome.failure,
                reply_engine,
                tts_engine,
                matched_question: outcome.matched_question,
                timings: std::mem::take(&mut self.timings),
                agent: self.agent.take(),
            };
            tracing::info!(
                reply_engine,
                tts_engine,
                sentences = self.spoken.len(),
                failure = done.failure.as_deref().unwrap_or_default(),
                timings = ?done.timings,
                "live reply spoken"
            );
            return self.send(SpokenPart::Done(done)).await;
        }
        let failure = outcome.failure.unwrap_or_default();
        tracing::warn!(%failure, "speaking the fallback sentence on a live call");
        match self.fallback_audio().await {
            Ok(mulaw) => {
                self.first_audio();
                let index = self.spoken.len() as u32;
                self.send(SpokenPart::Sentence {
                    index,
                    text: strings::FALLBACK.into(),
                    fallback: true,
                })
                .await?;
                self.send(SpokenPart::Audio {
                    sentence_index: index,
                    mulaw,
                })
                .await?;
                let done = SpokenDone {
                    text: strings::FALLBACK.into(),
                    fallback: true,
                    failure: Some(failure),
                    reply_engine,
                    tts_engine,
                    // The caller's question went unanswered: staff should call back.
                    needs_follow_up: true,
                    matched_question: None,
                    timings: std::mem::take(&mut self.timings),
                    agent: self.agent.take(),
                };
                self.send(SpokenPart::Done(done)).await
            }
            Err(e) => self
                .tx
                .send(Err(Error::FallbackFailed {
                    reply: failure,
                    fallback: e.to_string(),
                }))
                .await
                .map_err(|_| Gone),
        }
    }

    /// The fallback sentence as telephone audio, from the cache it was warmed into.
    async fn fallback_audio(&mut self) -> Result<Vec<u8>> {
        let s = self
            .speech
            .synthesize_timed(
                strings::FALLBACK,
                Some(self.voice),
                "fallback_tts",
                &mut self.timings,
            )
            .await?;
        let (file, _) = self.speech.cache.read(&s.audio.file_name).await?;
        tts::phone_audio_of_file(s.engine, file).await
    }

    /// Reply deltas → sentences → speech, until the reply is spoken or fails.
    async fn speak_reply(&mut self, ctx: &ReplyContext) -> Result<ReplyOutcome, Gone> {
        let replier = &self.speech.replier;
        let deadline = deadline_after(self.speech.reply_timeout);
        let failed = |failure: String| ReplyOutcome {
            failure: Some(failure),
            cut_mid_sentence: false,
            needs_follow_up: true,
            matched_question: None,
        };
        let speech = self.speech;
        let started = match self.conversation {
            // The agent's tool rounds run first; its answer is then spoken as a whole.
            Some(conv) => tokio::time::timeout_at(deadline, speech.reply_in(ctx, Some(conv)))
                .await
                .map(|r| {
                    r.map(|replied| {
                        self.agent = replied.agent;
                        ReplyStream::from(replied.reply)
                    })
                }),
            None => tokio::time::timeout_at(deadline, replier.reply_stream(ctx)).await,
        };
        let mut reply = match started {
            Ok(Ok(stream)) => Some(stream),
            Ok(Err(e)) => {
                self.timings.push("reply", self.started.elapsed());
                return Ok(failed(format!("reply: {e}")));
            }
            Err(_) => {
                self.timings.push("reply", self.started.elapsed());
                return Ok(failed(format!("reply: {}", timed_out(replier.name()))));
            }
        };
        let mut splitter = sentences::SentenceSplitter::new();
        let mut waiting: VecDeque<String> = VecDeque::new();
        let mut current: Option<SentenceSpeech> = None;
        let mut ahead: Option<SentenceSpeech> = None;
        let mut next_index = 0u32;
        let mut outcome = ReplyOutcome {
            failure: None,
            cut_mid_sentence: false,
            needs_follow_up: false,
            matched_question: None,
        };
        loop {
            if current.is_none() {
                current = ahead.take();
            }
            for slot in [&mut current, &mut ahead] {
                if slot.is_none()
                    && let Some(text) = waiting.pop_front()
                {
                    *slot = Some(self.start_sentence(next_index, text));
                    next_index += 1;
                }
            }
            if reply.is_none() && current.is_none() {
                return Ok(outcome);
            }
            tokio::select! {
                piece = next_piece(reply.as_mut(), deadline, replier.name()) => match piece {
                    Ok(ReplyPiece::Text(delta)) => {
                        if self.timings.get("reply_first_text").is_none() && !delta.trim().is_empty() {
                            self.timings.push("reply_first_text", self.started.elapsed());
                        }
                        self.sentences_made(&mut waiting, splitter.push(&delta));
                    }
                    Ok(ReplyPiece::Done { needs_follow_up, matched_question }) => {
                        let rest = std::mem::take(&mut splitter).finish();
                        self.sentences_made(&mut waiting, rest.into_iter().collect());
                        self.timings.push("reply", self.started.elapsed());
                        reply = None;
                        if next_index == 0 && waiting.is_empty() {
                            return Ok(failed(format!(
                                "reply: {}: the answer has nothing to say",
                                replier.name()
                            )));
                        }
                        outcome.needs_follow_up = needs_follow_up;
                        outcome.matched_question = matched_question;
                    }
                    Err(e) => {
                        self.timings.push("reply", self.started.elapsed());
                        if self.spoken.is_empty() {
                            return Ok(failed(format!("reply: {e}")));
                        }
                        // The sentences already complete are still spoken; the rest is lost.
                        reply = None;
                        outcome.failure = Some(format!("reply: {e}"));
                    }
                },
                chunk = next_chunk(current.as_mut()) => match chunk {
                    Some(Ok(mulaw)) if mulaw.is_empty() => {}
                    Some(Ok(mulaw)) => {
                        if let Some(sentence) = current.as_mut() {
                            self.send_audio(sentence, mulaw).await?;
                        }
                    }
                    Some(Err(e)) => {
                        return Ok(ReplyOutcome {
                            cut_mid_sentence: current.as_ref().is_some_and(|s| s.announced),
                            ..failed(format!("tts: {e}"))
                        });
                    }
                    None => {
                        if let Some(done) = current.take() {
                            self.tts_total += done.took.unwrap_or_default();
                        }
                    }
                },
                _ = prefetch(ahead.as_mut()) => {}
            }
        }
    }

    /// A chunk of `sentence`'s audio, the sentence itself first when this is its first.
    async fn send_audio(
        &mut self,
        sentence: &mut SentenceSpeech,
        mulaw: Vec<u8>,
    ) -> Result<(), Gone> {
        if !sentence.announced {
            sentence.announced = true;
            self.first_audio();
            self.spoken.push(sentence.text.clone());
            self.send(SpokenPart::Sentence {
                index: sentence.index,
                text: sentence.text.clone(),
                fallback: false,
            })
            .await?;
        }
        self.send(SpokenPart::Audio {
            sentence_index: sentence.index,
            mulaw,
        })
        .await
    }

    fn sentences_made(&mut self, waiting: &mut VecDeque<String>, made: Vec<String>) {
        if !made.is_empty() && self.timings.get("first_sentence").is_none() {
            self.timings.push("first_sentence", self.started.elapsed());
        }
        waiting.extend(made);
    }

    fn first_audio(&mut self) {
        if self.timings.get("first_audio").is_none() {
            self.timings.push("first_audio", self.started.elapsed());
        }
    }

    fn start_sentence(&self, index: u32, text: String) -> SentenceSpeech {
        let tts = self.speech.tts.clone();
        let (voice, said) = (self.voice.to_string(), text.clone());
        let audio: PhoneAudio =
            futures::stream::once(async move { tts.synthesize_phone(&said, &voice).await })
                .try_flatten()
                .boxed();
        SentenceSpeech {
            index,
            text,
            audio,
            engine: self.speech.tts.name(),
            started: Instant::now(),
            deadline: deadline_after(self.speech.tts_timeout),
            ready: VecDeque::new(),
            ended: false,
            took: None,
            announced: false,
        }
    }

    async fn send(&self, part: SpokenPart) -> Result<(), Gone> {
        self.tx.send(Ok(part)).await.map_err(|_| Gone)
    }
}

/// One sentence's speech, being made.
struct SentenceSpeech {
    index: u32,
    text: String,
    audio: PhoneAudio,
    engine: &'static str,
    started: Instant,
    deadline: tokio::time::Instant,
    /// Made ahead, not yet sent.
    ready: VecDeque<Result<Vec<u8>>>,
    ended: bool,
    took: Option<Duration>,
    announced: bool,
}

impl SentenceSpeech {
    /// The next chunk, from what was made ahead or from the engine; `None` when all is sent.
    async fn next(&mut self) -> Option<Result<Vec<u8>>> {
        match self.ready.pop_front() {
            Some(chunk) => Some(chunk),
            None => self.pull().await,
        }
    }

    /// One more chunk from the engine, or `None` at the end (also after a failure).
    async fn pull(&mut self) -> Option<Result<Vec<u8>>> {
        if self.ended {
            return None;
        }
        let chunk = match tokio::time::timeout_at(self.deadline, self.audio.next()).await {
            Ok(chunk) => chunk,
            Err(_) => Some(Err(timed_out(self.engine))),
        };
        match &chunk {
            None => {
                self.ended = true;
                self.took = Some(self.started.elapsed());
            }
            Some(Err(_)) => self.ended = true,
            Some(Ok(_)) => {}
        }
        chunk
    }
}

async fn next_piece(
    reply: Option<&mut ReplyStream>,
    deadline: tokio::time::Instant,
    engine: &'static str,
) -> Result<ReplyPiece> {
    let Some(reply) = reply else {
        return std::future::pending().await;
    };
    match tokio::time::timeout_at(deadline, reply.next()).await {
        Ok(Some(piece)) => piece,
        Ok(None) => Err(Error::provider(
            engine,
            ProviderFailure::BadResponse("the reply ended early".into()),
        )),
        Err(_) => Err(timed_out(engine)),
    }
}

async fn next_chunk(sentence: Option<&mut SentenceSpeech>) -> Option<Result<Vec<u8>>> {
    match sentence {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

/// Makes the next sentence's speech while this one's is being sent.
async fn prefetch(sentence: Option<&mut SentenceSpeech>) {
    match sentence {
        Some(s) if !s.ended => {
            if let Some(chunk) = s.pull().await {
                s.ready.push_back(chunk);
            }
        }
        _ => std::future::pending().await,
    }
}

/// The engines have their own timeouts; ours (a little longer) also bounds local engines.
const ENGINE_TIMEOUT_SLACK: Duration = Duration::from_millis(500);

fn deadline_after(limit: Duration) -> tokio::time::Instant {
    tokio::time::Instant::now() + limit + ENGINE_TIMEOUT_SLACK
}

fn timed_out(engine: &'static str) -> Error {
    Error::provider(engine, ProviderFailure::Timeout)
}

async fn with_timeout<T>(
    engine: &'static str,
    limit: Duration,
    f: impl Future<Output = Result<T>>,
) -> Result<T> {
    tokio::time::timeout(limit + ENGINE_TIMEOUT_SLACK, f)
        .await
        .map_err(|_| timed_out(engine))?
}

/// A voice name is letters, digits and `-_.+:`, at most 64, never an option (`-…`).
fn valid_voice(v: &str) -> Result<String> {
    let ok = v.len() <= 64
        && !v.starts_with('-')
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | ':'));
    if ok {
        Ok(v.to_string())
    } else {
        Err(Error::InvalidRequest(format!("invalid voice name {v:?}")))
    }
}

/// Provider audio must decode before it is cached and handed to Twilio.
async fn check_playable(
    engine: &'static str,
    bytes: Vec<u8>,
    format: AudioFormat,
) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        let decoded = audio::decode(&bytes, &Limits::default()).map_err(|e| {
            Error::provider(
                engine,
                ProviderFailure::BadResponse(format!("the audio is not playable: {e}")),
            )
        })?;
        let expected = match format {
            AudioFormat::Wav => SourceFormat::Wav,
            AudioFormat::Mp3 => SourceFormat::Mp3,
        };
        if decoded.format != expected {
            return Err(Error::provider(
                engine,
                ProviderFailure::BadResponse(format!(
                    "expected {} audio, got {}",
                    format.extension(),
                    decoded.format.as_str()
                )),
            ));
        }
        Ok(bytes)
    })
    .await
    .map_err(|e| Error::Internal(format!("audio task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_names_are_restricted() {
        assert!(valid_voice("he-IL-Wavenet-A").is_ok());
        assert!(valid_voice("he+f3").is_ok());
        assert!(valid_voice("--help").is_err());
        assert!(valid_voice("a b").is_err());
        assert!(valid_voice("../x").is_err());
    }
}
