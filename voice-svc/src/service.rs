//! voice-svc's work: each webhook verified, the business found, the call flow's decision taken
//! and the call's events published. Talks to crm-svc (businesses, customers), speech-svc (the
//! turn's speech) and the event bus; the TwiML itself comes from [`crate::call_flow`].

use crate::{
    call_flow::{self, Greeting, TurnOutcome, TurnState},
    directory::{self, Directory, Key},
    error::{Error, Result},
    realtime::RealtimeEngine,
    settings::{Settings, Verification},
    stream_token::StreamTokens,
    twilio_rest::{NewCall, TwilioRest},
    twilio_signature, twiml,
};
use agentlocator_common::{
    bus::SharedBus, phone::normalize_il, recording_url, redact, telemetry::TracePropagation,
};
use agentlocator_proto::{
    new_event,
    v1::{
        self as pb, BusinessContext, CallEvent, CallEventKind, ReplyAndSpeakRequest, ReplyRequest,
        SynthesizeRequest, TranscribeRequest, TranscriptStatus, Webhook, WebhookRejection,
        crm_service_client::CrmServiceClient, event::Payload, get_business_request::By,
        speech_service_client::SpeechServiceClient, transcribe_request::Source,
    },
};
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tonic::{Code, service::interceptor::InterceptedService, transport::Channel};
use tracing::Instrument;

pub type CrmClient = CrmServiceClient<InterceptedService<Channel, TracePropagation>>;
pub type SpeechClient = SpeechServiceClient<InterceptedService<Channel, TracePropagation>>;

/// The business the embedded default answers for when the called number matches none (the
/// demo business `agentlocator up` seeds), so `curl -XPOST localhost:8080/webhook/incoming_call`
/// hears the demo greeting. Only without an auth token on a loopback PUBLIC_BASE_URL.
pub const EMBEDDED_FALLBACK_SLUG: &str = "demo";

/// Where Twilio posts a realtime call's recording once it is complete.
pub const RECORDING_STATUS_PATH: &str = "/webhook/recording_status";

/// Histogram of each stage of a turn, in seconds, labelled `stage`.
pub const STAGE_SECONDS: &str = "voice_turn_stage_seconds";
/// Counter of turns by `outcome`.
pub const TURNS_TOTAL: &str = "voice_turns_total";

/// What a webhook gets back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookAnswer {
    Twiml(String),
    Rejected(WebhookRejection),
}

/// The form parameters of one webhook.
pub struct Params(HashMap<String, String>);

impl Params {
    fn get(&self, name: &str) -> &str {
        self.0.get(name).map(|s| s.trim()).unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct Voice {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    crm: CrmClient,
    speech: SpeechClient,
    bus: SharedBus,
    twilio: Option<TwilioRest>,
    /// The engine of realtime calls; `None`: every call runs the record loop.
    engine: Option<Arc<dyn RealtimeEngine>>,
    stream_tokens: StreamTokens,
    /// Businesses and greetings webhooks need, kept while business changes are followed.
    directory: Arc<Directory>,
}

impl Voice {
    pub fn new(
        settings: Settings,
        crm: CrmClient,
        speech: SpeechClient,
        bus: SharedBus,
    ) -> Result<Self> {
        let twilio = match (&settings.twilio_account_sid, &settings.twilio_auth_token) {
            (Some(sid), Some(token)) => Some(TwilioRest::new(
                &settings.twilio_api_base_url,
                sid.clone(),
                token.clone(),
            )?),
            _ => None,
        };
        match &settings.verification {
            Verification::Enforce(_) => {}
            Verification::OpenOnLoopback => tracing::warn!(
                public_base_url = settings.public_base_url,
                "TWILIO_AUTH_TOKEN is not set: Twilio webhook signatures are NOT checked \
                 (allowed only because PUBLIC_BASE_URL is a loopback address)"
            ),
            Verification::Refuse => tracing::warn!(
                public_base_url = settings.public_base_url,
                "TWILIO_AUTH_TOKEN is not set and PUBLIC_BASE_URL is public: every Twilio \
                 webhook will be refused until the token is configured"
            ),
        }
        let engine = crate::realtime::build(&settings, &speech)?;
        let stream_tokens = StreamTokens::new(settings.stream_token_key.expose().as_bytes());
        let directory = Arc::new(Directory::new(settings.directory_ttl));
        Ok(Voice {
            inner: Arc::new(Inner {
                settings,
                crm,
                speech,
                bus,
                twilio,
                engine,
                stream_tokens,
                directory,
            }),
        })
    }

    /// Keeps [`directory`]'s businesses and greetings in memory while following their changes
    /// on the bus, until `shutdown`; without it every webhook asks crm-svc and speech-svc.
    pub fn follow_business_changes(
        &self,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(directory::follow(
            self.inner.directory.clone(),
            self.inner.bus.clone(),
            shutdown,
        ))
    }

    /// Whether the directory is following business changes (and so keeps what it finds).
    pub fn directory_is_live(&self) -> bool {
        self.inner.directory.is_live()
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// `url` when it is a Twilio recording URL (the web app plays it, speech-svc downloads it);
    /// anything else is not kept on the call.
    fn storable_recording_url(&self, url: &str) -> String {
        match recording_url::check(url, &self.settings().recording_host) {
            Ok(_) => url.trim().to_string(),
            Err(why) => {
                tracing::warn!(url = %redact::url(url), %why, "recording URL refused; not stored");
                String::new()
            }
        }
    }

    pub(crate) fn stream_tokens(&self) -> &StreamTokens {
        &self.inner.stream_tokens
    }

    pub(crate) fn realtime_engine(&self) -> Option<&Arc<dyn RealtimeEngine>> {
        self.inner.engine.as_ref()
    }

    /// Whether `business`'s calls run live over a Media Stream: a realtime engine is configured
    /// and the business has not chosen the record loop.
    fn realtime_for(&self, business: &pb::Business) -> bool {
        self.inner.engine.is_some() && business.voice_mode() != pb::VoiceMode::Record
    }

    /// Whether a Media Stream's WebSocket upgrade carries Twilio's signature of the stream URL
    /// (a WebSocket upgrade has no parameters: the URL alone is signed).
    pub(crate) fn stream_upgrade_verified(&self, signature: &str) -> bool {
        self.signed(&self.settings().media_stream_url(), &[], signature)
    }

    pub(crate) async fn business_by_id(&self, id: &str) -> Result<Option<pb::Business>> {
        Ok(self
            .lookup(Key::Id(id.to_string()))
            .await?
            .map(Arc::unwrap_or_clone))
    }

    /// Starts the dual-channel recording of a realtime call in the background (Twilio posts it to
    /// `/webhook/recording_status`); without Twilio's REST API configured, nothing is recorded.
    pub(crate) fn start_recording(&self, business_id: &str, call_sid: &str) {
        let Some(twilio) = self.inner.twilio.clone() else {
            return;
        };
        let callback = format!(
            "{}{RECORDING_STATUS_PATH}?business_id={}",
            self.settings().public_base_url,
            form_encode(business_id)
        );
        let call_sid = call_sid.to_string();
        tokio::spawn(async move {
            match twilio.start_recording(&call_sid, &callback).await {
                Ok(sid) => tracing::info!(call_sid, recording_sid = sid, "recording the call"),
                Err(e) => tracing::warn!(call_sid, error = %e, "recording the call failed"),
            }
        });
    }

    /// Hands the live call `call_sid` to the record loop through Twilio's REST API (its replica
    /// is stopping): Twilio says [`crate::strings::HANDOVER`] and records the next turn, which
    /// any replica answers; the Media Stream ends. `false` without Twilio's REST API configured
    /// or when Twilio refused: closing the stream then falls back to the TwiML after `<Connect>`.
    pub(crate) async fn hand_over_to_record_loop(&self, call_sid: &str) -> bool {
        let twiml = call_flow::handed_over(&self.settings().public_base_url).to_xml();
        self.redirect_live_call(call_sid, &twiml).await
    }

    /// Replaces what the live call does with `twiml` through Twilio's REST API; false without
    /// the API configured or when Twilio refused.
    pub(crate) async fn redirect_live_call(&self, call_sid: &str, twiml: &str) -> bool {
        let Some(twilio) = &self.inner.twilio else {
            return false;
        };
        match twilio.redirect_call(call_sid, twiml).await {
            Ok(()) => {
                tracing::info!(call_sid, "live call redirected");
                true
            }
            Err(e) => {
                tracing::warn!(call_sid, error = %e, "redirecting the live call failed");
                false
            }
        }
    }

    /// The crm-svc client (one shared channel).
    pub(crate) fn crm(&self) -> CrmClient {
        self.inner.crm.clone()
    }

    /// Whether the webhook carries Twilio's signature for PUBLIC_BASE_URL + path + query.
    fn verified(&self, path_and_query: &str, params: &[(String, String)], signature: &str) -> bool {
        let url = format!("{}{path_and_query}", self.settings().public_base_url);
        self.signed(&url, params, signature)
    }

    /// Whether `signature` is Twilio's for `url` and `params`, as the verification mode says.
    fn signed(&self, url: &str, params: &[(String, String)], signature: &str) -> bool {
        match &self.settings().verification {
            Verification::Enforce(token) => {
                twilio_signature::is_valid(token.expose(), url, params, signature)
            }
            Verification::OpenOnLoopback => true,
            Verification::Refuse => false,
        }
    }

    fn open(&self) -> bool {
        self.settings().verification == Verification::OpenOnLoopback
    }

    pub async fn handle_webhook(
        &self,
        webhook: Webhook,
        path_and_query: &str,
        params: Vec<(String, String)>,
        signature: &str,
    ) -> Result<WebhookAnswer> {
        if webhook == Webhook::Unspecified {
            return Err(Error::invalid("webhook", "is required"));
        }
        if !self.verified(path_and_query, &params, signature) {
            tracing::warn!(
                ?webhook,
                "webhook refused: missing or invalid X-Twilio-Signature"
            );
            metrics::counter!("voice_webhooks_refused_total").increment(1);
            return Ok(WebhookAnswer::Rejected(WebhookRejection::InvalidSignature));
        }
        let params = Params(params.into_iter().collect());
        let answer = match webhook {
            Webhook::IncomingCall => self.incoming_call(&params).await?,
            Webhook::HandleRecording => self.handle_recording(path_and_query, &params).await?,
            Webhook::CallStatus => self.call_status(&params).await?,
            Webhook::OutboundConnect => self.outbound_connect(path_and_query, &params).await?,
            Webhook::RecordingStatus => self.recording_status(path_and_query, &params).await?,
            Webhook::Unspecified => unreachable!("checked above"),
        };
        Ok(match answer {
            Step::Twiml(r) => WebhookAnswer::Twiml(r.to_xml()),
            Step::VoiceDisabled => WebhookAnswer::Rejected(WebhookRejection::VoiceDisabled),
        })
    }

    /// The business called on `number` (any of its Twilio numbers), or in the embedded default
    /// the demo business.
    async fn business_for(&self, numbers: &[&str]) -> Result<Option<pb::Business>> {
        Ok(self.business_on(numbers).await?.map(Arc::unwrap_or_clone))
    }

    /// [`Voice::business_for`], shared with the directory.
    async fn business_on(&self, numbers: &[&str]) -> Result<Option<Arc<pb::Business>>> {
        for number in numbers.iter().filter(|n| !n.is_empty()) {
            // crm-svc finds numbers as E.164 and answers "not found" to anything else.
            let Ok(e164) = normalize_il(number) else {
                continue;
            };
            if let Some(b) = self.lookup(Key::Number(e164)).await? {
                return Ok(Some(b));
            }
        }
        if self.open() {
            return self.lookup(Key::Slug(EMBEDDED_FALLBACK_SLUG.into())).await;
        }
        Ok(None)
    }

    /// The business `key` names: from the directory when it knows, else from crm-svc (and then
    /// kept in the directory).
    async fn lookup(&self, key: Key) -> Result<Option<Arc<pb::Business>>> {
        let directory = &self.inner.directory;
        if let Some(known) = directory.business(&key) {
            return Ok(known);
        }
        let ticket = directory.ticket();
        let by = match &key {
            Key::Number(n) => By::PhoneNumber(n.clone()),
            Key::Id(id) => By::Id(id.clone()),
            Key::Slug(slug) => By::Slug(slug.clone()),
        };
        let found = self.get_business(by).await?.map(Arc::new);
        directory.keep_business(ticket, key, found.clone());
        Ok(found)
    }

    async fn get_business(&self, by: By) -> Result<Option<pb::Business>> {
        let res = self
            .inner
            .crm
            .clone()
            .get_business(pb::GetBusinessRequest { by: Some(by) })
            .await;
        match res {
            Ok(b) => Ok(Some(b.into_inner())),
            // Not a business's number (or not a phone number at all).
            Err(s) if matches!(s.code(), Code::NotFound | Code::InvalidArgument) => Ok(None),
            Err(s) => Err(Error::upstream("crm-svc")(s)),
        }
    }

    async fn incoming_call(&self, p: &Params) -> Result<Step> {
        let Some(business) = self.business_on(&[p.get("To")]).await? else {
            tracing::info!(to = p.get("To"), "call to a number of no business");
            return Ok(Step::Twiml(call_flow::unknown_number()));
        };
        if !voice_enabled(&business) {
            return Ok(Step::VoiceDisabled);
        }
        let sid = p.get("CallSid");
        if !sid.is_empty() {
            let direction = match p.get("Direction") {
                "" => "inbound",
                d => d,
            };
            let mut e = self.call_event(CallEventKind::Started, sid, p);
            e.direction = direction.to_string();
            e.status = non_empty(p.get("CallStatus"), "ringing");
            self.publish(&business.id, e).await?;
        }
        let now = self.settings().hours_clock.now();
        let closed = self.closed_at(&business, now);
        let realtime = !sid.is_empty() && self.realtime_for(&business);
        if closed.is_some() {
            tracing::info!(
                call_sid = sid,
                realtime,
                "call while the business is closed"
            );
        }
        if realtime {
            let greeting = match &closed {
                // Said by Twilio: the sentence changes with every closure, and costs no synthesis.
                Some(c) => Greeting::Text(crate::strings::closed_answer_realtime(
                    &business.name,
                    &c.sentence,
                )),
                None => self.greeting(&business).await,
            };
            let tokens = self.stream_tokens();
            let mut claims = tokens.claims(sid, &business.id, p.get("From"), p.get("To"));
            if closed.is_some() {
                claims.closed_at = now.timestamp().max(1) as u64;
            }
            return Ok(Step::Twiml(call_flow::answer_realtime(
                &greeting,
                &self.settings().media_stream_url(),
                tokens.parameters(&claims),
                closed.as_ref(),
            )));
        }
        if let Some(closed) = &closed {
            return Ok(Step::Twiml(call_flow::answer_closed(
                &business.name,
                closed,
            )));
        }
        let greeting = self.greeting(&business).await;
        Ok(Step::Twiml(call_flow::answer(&greeting)))
    }

    /// Whether `business` is closed at `at` by the hours it saved (carried on the business the
    /// directory keeps: no round trip). Unreadable hours answer as open, logged.
    pub(crate) fn closed_at(
        &self,
        business: &pb::Business,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Option<crate::hours::Closed> {
        crate::hours::closed_at(&business.hours_json, at).unwrap_or_else(|why| {
            tracing::warn!(business_id = business.id, %why, "opening hours ignored");
            None
        })
    }

    /// The business's greeting as synthesised speech (from the directory once known), or as
    /// text for `<Say>` when synthesis fails or takes too long.
    async fn greeting(&self, business: &pb::Business) -> Greeting {
        let text = match business.greeting_text.trim() {
            "" => crate::strings::DEFAULT_GREETING.to_string(),
            t => t.to_string(),
        };
        let directory = &self.inner.directory;
        if let Some(url) = directory.greeting(&business.id, &text) {
            return Greeting::Audio(url);
        }
        let ticket = directory.ticket();
        let greeting = self.synthesize_greeting(text.clone()).await;
        if let Greeting::Audio(url) = &greeting {
            directory.keep_greeting(ticket, &business.id, &text, url);
        }
        greeting
    }

    /// `text` synthesised by speech-svc within the greeting's budget, else `text` for `<Say>`.
    async fn synthesize_greeting(&self, text: String) -> Greeting {
        let started = Instant::now();
        let res = tokio::time::timeout(
            self.settings().greeting_budget,
            self.inner.speech.clone().synthesize(SynthesizeRequest {
                text: text.clone(),
                voice: String::new(),
            }),
        )
        .await;
        metrics::histogram!(STAGE_SECONDS, "stage" => "greeting_tts")
            .record(started.elapsed().as_secs_f64());
        match res {
            Ok(Ok(r)) => match r.into_inner().audio {
                Some(a) if !a.url.is_empty() => return Greeting::Audio(a.url),
                _ => tracing::warn!("greeting synthesis returned no audio"),
            },
            Ok(Err(s)) => tracing::warn!(error = %s, "greeting synthesis failed; using <Say>"),
            Err(_) => tracing::warn!("greeting synthesis timed out; using <Say>"),
        }
        Greeting::Text(text)
    }

    async fn handle_recording(&self, path_and_query: &str, p: &Params) -> Result<Step> {
        let state = TurnState::from_query(path_and_query);
        let Some(business) = self.business_for(&[p.get("To")]).await? else {
            return Ok(Step::Twiml(call_flow::unknown_number()));
        };
        if !voice_enabled(&business) {
            return Ok(Step::VoiceDisabled);
        }
        let sid = p.get("CallSid").to_string();
        let recording_url = p.get("RecordingUrl").to_string();
        if call_flow::is_empty_recording(&recording_url, p.get("RecordingDuration")) {
            metrics::counter!(TURNS_TOTAL, "outcome" => "empty").increment(1);
            return Ok(Step::Twiml(call_flow::empty_recording(state)));
        }
        let message_due_at = state
            .due
            .filter(|_| state.message)
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .map(agentlocator_proto::to_timestamp);
        if !sid.is_empty() {
            let mut e = self.call_event(CallEventKind::Recorded, &sid, p);
            e.recording_url = self.storable_recording_url(&recording_url);
            e.message_due_at = message_due_at;
            self.publish(&business.id, e).await?;
        }
        let turn = Turn {
            voice: self.clone(),
            business,
            sid,
            from: p.get("From").to_string(),
            to: p.get("To").to_string(),
            recording_url,
            turn_ref: non_empty(p.get("RecordingSid"), &format!("turn-{}", state.turn)),
            message: state.message,
            message_due_at,
        };
        // In its own task: when the budget runs out the caller hears the fallback now, and the
        // turn still finishes and reports its late transcript and reply on the call.
        let started = Instant::now();
        // The task continues this webhook's trace; the span carries the turn's stage timings.
        let span = tracing::info_span!(
            "voice.turn",
            call_sid = %turn.sid,
            stt_ms = tracing::field::Empty,
            conversation_ms = tracing::field::Empty,
            reply_and_tts_ms = tracing::field::Empty,
        );
        let mut task = tokio::spawn(turn.run().instrument(span));
        let outcome = match tokio::time::timeout(self.settings().turn_budget, &mut task).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "turn task failed");
                TurnOutcome::Failed {
                    fallback_audio: None,
                }
            }
            Err(_) => {
                tracing::warn!(
                    budget_ms = self.settings().turn_budget.as_millis() as u64,
                    "turn over budget: saying the fallback; the turn finishes in the background"
                );
                metrics::counter!(TURNS_TOTAL, "outcome" => "over_budget").increment(1);
                TurnOutcome::Failed {
                    fallback_audio: None,
                }
            }
        };
        metrics::histogram!(STAGE_SECONDS, "stage" => "turn")
            .record(started.elapsed().as_secs_f64());
        metrics::counter!(TURNS_TOTAL, "outcome" => outcome_label(&outcome)).increment(1);
        Ok(Step::Twiml(call_flow::after_turn(
            state,
            &outcome,
            self.settings().max_turns,
        )))
    }

    async fn call_status(&self, p: &Params) -> Result<Step> {
        // Inbound: the business is called (To); outbound: it calls (From).
        let Some(business) = self.business_on(&[p.get("To"), p.get("From")]).await? else {
            return Ok(Step::Twiml(twiml::Response::new()));
        };
        if !voice_enabled(&business) {
            return Ok(Step::VoiceDisabled);
        }
        let sid = p.get("CallSid");
        let status = p.get("CallStatus");
        if !sid.is_empty() && call_flow::is_final_status(status) {
            let mut e = self.call_event(CallEventKind::Completed, sid, p);
            e.status = status.to_string();
            e.duration_seconds = p
                .get("CallDuration")
                .parse::<i32>()
                .unwrap_or_default()
                .max(0);
            self.publish(&business.id, e).await?;
        }
        Ok(Step::Twiml(twiml::Response::new()))
    }

    /// A realtime call's recording is complete: it goes on the call like a record-mode turn's.
    async fn recording_status(&self, path_and_query: &str, p: &Params) -> Result<Step> {
        let sid = p.get("CallSid");
        let url = p.get("RecordingUrl");
        if sid.is_empty() || url.is_empty() || p.get("RecordingStatus") != "completed" {
            return Ok(Step::Twiml(twiml::Response::new()));
        }
        // The callback carries no numbers; the business travels in its URL, which Twilio signs.
        let Some(business_id) = query_value(path_and_query, "business_id") else {
            return Ok(Step::Twiml(twiml::Response::new()));
        };
        let mut e = self.call_event(CallEventKind::Recorded, sid, p);
        e.recording_url = self.storable_recording_url(url);
        self.publish(&business_id, e).await?;
        Ok(Step::Twiml(twiml::Response::new()))
    }

    async fn outbound_connect(&self, path_and_query: &str, p: &Params) -> Result<Step> {
        let Some(business) = self.business_for(&[p.get("From")]).await? else {
            return Ok(Step::Twiml(call_flow::unknown_number()));
        };
        if !voice_enabled(&business) {
            return Ok(Step::VoiceDisabled);
        }
        let customer = query_value(path_and_query, "to")
            .and_then(|n| normalize_il(&n).ok())
            .ok_or_else(|| Error::invalid("to", "the customer's number is missing"))?;
        Ok(Step::Twiml(call_flow::connect(&customer, p.get("From"))))
    }

    /// Click-to-call: Twilio rings `agent_phone`, then `/webhook/outbound_connect` dials the
    /// customer from the business's number.
    pub async fn start_outbound_call(
        &self,
        r: pb::StartOutboundCallRequest,
    ) -> Result<pb::StartOutboundCallResponse> {
        let twilio = self.inner.twilio.as_ref().ok_or_else(|| {
            Error::NotConfigured("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set".into())
        })?;
        let agent = normalize_il(&r.agent_phone)
            .map_err(|e| Error::invalid("agent_phone", e.to_string()))?;
        let business = self
            .get_business(By::Id(r.business_id.clone()))
            .await?
            .ok_or(Error::NotFound("business"))?;
        if !voice_enabled(&business) {
            return Err(Error::VoiceDisabled);
        }
        let from = business
            .twilio_numbers
            .first()
            .cloned()
            .ok_or_else(|| Error::NotConfigured("the business has no Twilio number".into()))?;
        let customer = self
            .inner
            .crm
            .clone()
            .get_customer(pb::GetCustomerRequest {
                business_id: r.business_id.clone(),
                id: r.customer_id.clone(),
            })
            .await
            .map_err(Error::upstream("crm-svc"))?
            .into_inner();
        if customer.phone.trim().is_empty() {
            return Err(Error::invalid(
                "customer_id",
                "the customer has no phone number",
            ));
        }
        let base = &self.settings().public_base_url;
        let created = twilio
            .create_call(&NewCall {
                to: agent.clone(),
                from: from.clone(),
                url: format!(
                    "{base}/webhook/outbound_connect?to={}",
                    form_encode(&customer.phone)
                ),
                status_callback: format!("{base}/webhook/call_status"),
            })
            .await?;
        tracing::info!(
            call_sid = created.sid,
            customer_id = customer.id,
            user_id = r.user_id,
            "outbound call started"
        );
        let event = CallEvent {
            kind: CallEventKind::Started as i32,
            call_sid: created.sid.clone(),
            direction: "outbound".into(),
            from_number: from,
            to_number: customer.phone.clone(),
            status: non_empty(&created.status, "queued"),
            customer_id: customer.id.clone(),
            ..Default::default()
        };
        // The call is ringing already: a failure to report it is logged, and the call's status
        // callback records it later.
        let _ = self.publish(&business.id, event).await;
        Ok(pb::StartOutboundCallResponse {
            call_sid: created.sid,
            status: non_empty(&created.status, "queued"),
        })
    }

    fn call_event(&self, kind: CallEventKind, sid: &str, p: &Params) -> CallEvent {
        CallEvent {
            kind: kind as i32,
            call_sid: sid.to_string(),
            direction: non_empty(p.get("Direction"), "inbound"),
            from_number: p.get("From").to_string(),
            to_number: p.get("To").to_string(),
            ..Default::default()
        }
    }

    /// Publishes a call event and returns once the bus has stored it. A webhook answers Twilio
    /// only after this: an event that cannot be stored fails the webhook (503, which Twilio may
    /// retry or answer from the number's fallback URL) rather than being answered and lost.
    /// Where no request waits (a turn finishing in the background, a media stream), the logged
    /// failure is all there is to do.
    pub(crate) async fn publish(&self, business_id: &str, event: CallEvent) -> Result<()> {
        let kind = event.kind();
        let event = new_event(business_id, Payload::Call(event));
        self.inner.bus.publish(&event).await.map_err(|e| {
            metrics::counter!("voice_events_unpublished_total").increment(1);
            tracing::error!(error = %e, ?kind, "publishing a call event failed");
            Error::Bus(e)
        })
    }
}

/// What a webhook step decided.
enum Step {
    Twiml(twiml::Response),
    VoiceDisabled,
}

/// One caller turn: transcribe, answer, speak, reporting each result on the call as it comes.
struct Turn {
    voice: Voice,
    business: pb::Business,
    sid: String,
    from: String,
    to: String,
    recording_url: String,
    /// This turn for the agent's actions (the recording's SID: a retried webhook is the same turn).
    turn_ref: String,
    /// The recording is a message for staff: transcribed, not answered.
    message: bool,
    /// The message was left while the business was closed, for its reopening.
    message_due_at: Option<prost_types::Timestamp>,
}

impl Turn {
    async fn run(self) -> TurnOutcome {
        let started = Instant::now();
        let transcribed = self
            .voice
            .inner
            .speech
            .clone()
            .transcribe(TranscribeRequest {
                source: Some(Source::RecordingUrl(self.recording_url.clone())),
                business_id: self.business.id.clone(),
            })
            .await;
        let stt = started.elapsed();
        record_stage("stt", stt);
        let t = match transcribed {
            Ok(t) => t.into_inner(),
            Err(s) => {
                tracing::warn!(call_sid = self.sid, error = %s, "transcription failed");
                self.publish(CallEventKind::Transcribed, |_| {}).await;
                return TurnOutcome::Failed {
                    fallback_audio: None,
                };
            }
        };
        let text = match t.status() {
            TranscriptStatus::Done if !t.text.trim().is_empty() => t.text.trim().to_string(),
            TranscriptStatus::Pending => return TurnOutcome::Pending,
            _ => return TurnOutcome::Unclear,
        };
        self.publish(CallEventKind::Transcribed, |e| {
            e.transcript = text.clone();
            e.message_due_at = self.message_due_at;
        })
        .await;
        if self.message {
            tracing::info!(call_sid = self.sid, "the caller left a message for staff");
            return TurnOutcome::MessageTaken;
        }
        if call_flow::is_goodbye(&text) {
            tracing::info!(call_sid = self.sid, stt_ms = ms(stt), "caller said goodbye");
            return TurnOutcome::Goodbye;
        }
        let reply_started = Instant::now();
        let history = self.conversation_so_far().await;
        let replied = self
            .voice
            .inner
            .speech
            .clone()
            .reply_and_speak(ReplyAndSpeakRequest {
                reply: Some(ReplyRequest {
                    business: Some(BusinessContext {
                        business_id: self.business.id.clone(),
                        name: self.business.name.clone(),
                        greeting: self.business.greeting_text.clone(),
                        knowledge: self.business.knowledge.clone(),
                    }),
                    history,
                    caller_text: text.clone(),
                    agent: self.agent_conversation(&text),
                }),
                voice: String::new(),
            })
            .await;
        let reply_and_tts = reply_started.elapsed();
        record_stage("reply_and_tts", reply_and_tts);
        let r = match replied {
            Ok(r) => r.into_inner(),
            Err(s) => {
                tracing::warn!(call_sid = self.sid, error = %s, "reply failed");
                return TurnOutcome::Failed {
                    fallback_audio: None,
                };
            }
        };
        for timing in &r.timings {
            record_stage(&timing.stage, Duration::from_millis(timing.millis.into()));
        }
        let audio_url = r
            .audio
            .as_ref()
            .map(|a| a.url.clone())
            .filter(|u| !u.is_empty());
        tracing::info!(
            call_sid = self.sid,
            stt_ms = ms(stt),
            reply_and_tts_ms = ms(reply_and_tts),
            total_ms = ms(started.elapsed()),
            fallback = r.fallback,
            needs_follow_up = r.needs_follow_up,
            reply_engine = r.reply_engine,
            "turn answered"
        );
        if r.fallback {
            tracing::warn!(
                call_sid = self.sid,
                failure = r.failure,
                "speech-svc spoke the fallback"
            );
            return TurnOutcome::Failed {
                fallback_audio: audio_url,
            };
        }
        let needs_follow_up = r.needs_follow_up;
        self.publish(CallEventKind::Answered, |e| {
            e.ai_reply = r.text.clone();
            e.transcript = text.clone();
            e.needs_follow_up = needs_follow_up;
        })
        .await;
        let agent = r.agent.unwrap_or_default();
        let next = call_flow::agent_next(
            &agent.actions,
            &agent.handoff_phone,
            agent.end_call,
            &self.to,
        );
        if !agent.actions.is_empty() {
            tracing::info!(call_sid = self.sid, actions = ?agent.actions, ?next, "the agent acted");
        }
        TurnOutcome::Answered {
            audio_url,
            text: r.text,
            next,
        }
    }

    /// Whom the business's agent talks with in this turn: the caller (by phone) on this call.
    /// None without a call SID or a caller number (a withheld number): a plain reply.
    fn agent_conversation(&self, text: &str) -> Option<pb::AgentConversation> {
        if self.sid.is_empty() || self.from.trim().is_empty() {
            return None;
        }
        Some(pb::AgentConversation {
            business_id: self.business.id.clone(),
            channel: pb::AgentChannel::Call as i32,
            customer_phone: self.from.clone(),
            conversation_ref: self.sid.clone(),
            turn_ref: self.turn_ref.clone(),
            turn_text: text.to_string(),
        })
    }

    /// The earlier answered turns of this call, oldest first, as crm-svc logged them from the
    /// call's events. The call flow keeps no state of its own (any replica takes any turn), so
    /// this is the conversation's memory; when crm-svc cannot answer, the reply is made without
    /// it rather than not at all.
    async fn conversation_so_far(&self) -> Vec<pb::ConversationTurn> {
        if self.sid.is_empty() {
            return Vec::new();
        }
        let started = Instant::now();
        let found = self
            .voice
            .inner
            .crm
            .clone()
            .get_call_conversation(pb::GetCallConversationRequest {
                business_id: self.business.id.clone(),
                call_sid: self.sid.clone(),
            })
            .await;
        record_stage("conversation", started.elapsed());
        match found {
            Ok(c) => c
                .into_inner()
                .turns
                .into_iter()
                .flat_map(|t| {
                    [
                        (pb::Speaker::Caller, t.caller_text),
                        (pb::Speaker::Assistant, t.ai_reply),
                    ]
                })
                .filter(|(_, text)| !text.trim().is_empty())
                .map(|(speaker, text)| pb::ConversationTurn {
                    speaker: speaker as i32,
                    text,
                })
                .collect(),
            Err(s) => {
                tracing::warn!(call_sid = self.sid, error = %s, "conversation so far unavailable");
                Vec::new()
            }
        }
    }

    async fn publish(&self, kind: CallEventKind, fill: impl FnOnce(&mut CallEvent)) {
        if self.sid.is_empty() {
            return;
        }
        let mut e = CallEvent {
            kind: kind as i32,
            call_sid: self.sid.clone(),
            direction: "inbound".into(),
            from_number: self.from.clone(),
            to_number: self.to.clone(),
            ..Default::default()
        };
        fill(&mut e);
        // Logged when it fails: the turn's caller has been answered already.
        let _ = self.voice.publish(&self.business.id, e).await;
    }
}

pub(crate) fn voice_enabled(b: &pb::Business) -> bool {
    b.features.as_ref().is_some_and(|f| f.voice_enabled)
}

/// A stage's duration: in the histogram, and on the current span when it declares `<stage>_ms`.
fn record_stage(stage: &str, d: Duration) {
    metrics::histogram!(STAGE_SECONDS, "stage" => stage.to_string()).record(d.as_secs_f64());
    tracing::Span::current().record(format!("{stage}_ms").as_str(), ms(d));
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

fn outcome_label(o: &TurnOutcome) -> &'static str {
    match o {
        TurnOutcome::Answered { .. } => "answered",
        TurnOutcome::MessageTaken => "message",
        TurnOutcome::Goodbye => "goodbye",
        TurnOutcome::Unclear => "unclear",
        TurnOutcome::Pending => "pending",
        TurnOutcome::Failed { .. } => "failed",
    }
}

fn non_empty(value: &str, default: &str) -> String {
    match value.trim() {
        "" => default.to_string(),
        v => v.to_string(),
    }
}

/// The value of `name` in the query of `path_and_query`, percent-decoded.
fn query_value(path_and_query: &str, name: &str) -> Option<String> {
    let query = path_and_query.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn form_encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|s| s["v=".len()..].to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentlocator_common::bus::BusError;

    /// A voice service whose neighbours are never reached (nothing listens on port 9).
    fn voice(pairs: &[(&str, &str)]) -> Voice {
        voice_on(
            pairs,
            Arc::new(agentlocator_common::bus::MemoryBus::new("al")),
        )
    }

    /// [`voice`] publishing to `bus`.
    fn voice_on(pairs: &[(&str, &str)], bus: agentlocator_common::bus::SharedBus) -> Voice {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let config = agentlocator_common::Config::from_map(&map).unwrap();
        let settings = Settings::from_parts(&config, &HashMap::new()).unwrap();
        let ch = Channel::from_static("http://127.0.0.1:9").connect_lazy();
        Voice::new(
            settings,
            CrmServiceClient::with_interceptor(ch.clone(), TracePropagation),
            SpeechServiceClient::with_interceptor(ch, TracePropagation),
            bus,
        )
        .unwrap()
    }

    /// A bus that cannot store anything (NATS down, the journal's disk full).
    struct DownBus;

    #[async_trait::async_trait]
    impl agentlocator_common::bus::EventBus for DownBus {
        async fn publish(&self, _: &agentlocator_proto::Event) -> Result<(), BusError> {
            Err(BusError::Publish {
                subject: "b1.call.recorded".into(),
                reason: "the bus is down".into(),
            })
        }
        async fn subscribe(
            &self,
            _: agentlocator_common::bus::ConsumerSpec,
        ) -> Result<agentlocator_common::bus::Subscription, BusError> {
            Err(BusError::Closed)
        }
        async fn check(&self) -> Result<(), BusError> {
            Err(BusError::Closed)
        }
        fn kind(&self) -> &'static str {
            "down"
        }
    }

    /// A webhook whose event cannot be stored fails (503 through the gateway, so Twilio may
    /// retry) instead of being answered and lost; with the bus up the same request is answered.
    #[tokio::test]
    async fn a_webhook_whose_event_cannot_be_stored_is_unavailable_not_answered() {
        // Example values, not credentials.
        let vars = [
            ("PUBLIC_BASE_URL", "https://voice.example.com"),
            ("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"), // example value
            ("TWILIO_AUTH_TOKEN", "example-auth-token"),
        ];
        // recording_status names its business in the URL: no crm-svc lookup before publishing.
        let path = "/webhook/recording_status?business_id=b1";
        let p: Vec<(String, String)> = [
            ("CallSid", "CA1"),
            ("RecordingUrl", "https://api.twilio.com/recordings/RE1"),
            ("RecordingStatus", "completed"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let sig = twilio_signature::compute(
            "example-auth-token",
            &format!("https://voice.example.com{path}"),
            &p,
        );
        let down = voice_on(&vars, Arc::new(DownBus));
        let e = down
            .handle_webhook(Webhook::RecordingStatus, path, p.clone(), &sig)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Bus(_)), "{e}");
        assert_eq!(tonic::Status::from(e).code(), Code::Unavailable);

        let up = voice(&vars);
        let answer = up
            .handle_webhook(Webhook::RecordingStatus, path, p, &sig)
            .await
            .unwrap();
        assert!(matches!(answer, WebhookAnswer::Twiml(_)), "{answer:?}");
    }

    const WEBHOOKS: [Webhook; 5] = [
        Webhook::IncomingCall,
        Webhook::HandleRecording,
        Webhook::CallStatus,
        Webhook::OutboundConnect,
        Webhook::RecordingStatus,
    ];

    #[tokio::test]
    async fn without_a_token_on_a_public_url_every_webhook_is_refused() {
        let v = voice(&[("PUBLIC_BASE_URL", "https://voice.example.com")]);
        let p = vec![("CallSid".to_string(), "CA1".to_string())];
        // Even a signature made with an empty token.
        let sig = twilio_signature::compute("", "https://voice.example.com/webhook/x", &p);
        for w in WEBHOOKS {
            for s in ["", sig.as_str()] {
                let a = v
                    .handle_webhook(w, "/webhook/x", p.clone(), s)
                    .await
                    .unwrap();
                assert_eq!(
                    a,
                    WebhookAnswer::Rejected(WebhookRejection::InvalidSignature)
                );
            }
        }
    }

    #[tokio::test]
    async fn a_signed_webhook_with_crm_down_is_an_error_not_a_panic() {
        // Example values, not credentials.
        let v = voice(&[
            ("PUBLIC_BASE_URL", "https://voice.example.com"),
            ("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"), // example value
            ("TWILIO_AUTH_TOKEN", "example-auth-token"),
        ]);
        let p = vec![("To".to_string(), "+97235550100".to_string())];
        let path = "/webhook/incoming_call";
        let sig = twilio_signature::compute(
            "example-auth-token",
            &format!("https://voice.example.com{path}"),
            &p,
        );
        let e = v
            .handle_webhook(Webhook::IncomingCall, path, p, &sig)
            .await
            .unwrap_err();
        assert_eq!(tonic::Status::from(e).code(), Code::Unavailable);
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            query_value("/webhook/outbound_connect?to=%2B972501234567", "to").as_deref(),
            Some("+972501234567")
        );
        assert_eq!(query_value("/webhook/outbound_connect", "to"), None);
        assert_eq!(form_encode("+972501234567"), "%2B972501234567");
    }
}
