//! voice-svc answers webhooks from the businesses and greetings it keeps in memory, and every
//! replica sees a change of the business within a second: the greeting changed, the number moved
//! to another business, voice turned off — each made through the REST API (crm-svc writes
//! `business.changed` into its outbox, the relay publishes it, each voice-svc replica's fan-out
//! consumer drops the business).
//!
//! What is real: the whole stack (gateway, crm-svc, speech-svc, voice-svc) on SQLite + the
//! in-process bus and on PostgreSQL + NATS JetStream; on NATS a second voice-svc replica with its
//! own NATS connection, directory and crm-svc/speech-svc channels, called as the gRPC service
//! calls it (`Voice::handle_webhook`). Simulated: the TTS provider (a loopback OpenAI-compatible
//! server answering a real MP3 tone) and Twilio (signed requests made here).

use crate::voice_support::*;
use agentlocator_common::bus::NatsBus;
use agentlocator_proto::v1::{
    SynthesizeRequest, Webhook, WebhookRejection, speech_service_client::SpeechServiceClient,
};
use agentlocator_tests::{Api, Bus, Db, TestStack, nats_url};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio_util::sync::CancellationToken;
use voice_svc::service::{Voice, WebhookAnswer as Answered};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

const NUMBER: &str = "+97235550188";
const OTHER_NUMBER: &str = "+97235550189";
const GREETING_X: &str = "שלום, הגעתם לעסק הראשון.";
const GREETING_X2: &str = "שלום, הגעתם לעסק הראשון, בשעה טובה.";
const GREETING_Y: &str = "שלום, הגעתם לעסק השני.";
const GREETING_UNANNOUNCED: &str = "ברכה שנכתבה ישר למסד הנתונים.";
/// A replica must show a change within this long of the API's answer.
const CONVERGENCE: Duration = Duration::from_secs(1);

/// Half a second of a 440 Hz tone as 8 kHz mono MP3: what the loopback TTS answers.
fn tone_mp3() -> Vec<u8> {
    use mp3lame_encoder::{Builder, FlushNoGap, MonoPcm};
    let mut b = Builder::new().expect("LAME");
    b.set_num_channels(1).unwrap();
    b.set_sample_rate(8_000).unwrap();
    b.set_brate(mp3lame_encoder::Bitrate::Kbps32).unwrap();
    let mut enc = b.build().unwrap();
    let pcm: Vec<i16> = (0..4_000)
        .map(|i| ((i as f32 * 440.0 * std::f32::consts::TAU / 8_000.0).sin() * 8_000.0) as i16)
        .collect();
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(pcm.len()));
    enc.encode_to_vec(MonoPcm(&pcm), &mut out).unwrap();
    enc.flush_to_vec::<FlushNoGap>(&mut out).unwrap();
    out
}

async fn tts_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/audio/speech"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "audio/mpeg")
                .set_body_bytes(tone_mp3()),
        )
        .mount(&server)
        .await;
    server
}

async fn stack(db: Db, bus: Bus, tts: &MockServer) -> TestStack {
    let mut env = voice_env(db, bus);
    twilio_vars(&mut env);
    for (k, v) in [
        ("TTS_ENGINE", "openai".to_string()),
        ("OPENAI_API_KEY", "sk-example-not-a-key".to_string()), // example value
        ("OPENAI_BASE_URL", tts.uri()),
    ] {
        env.vars.insert(k.into(), v);
    }
    TestStack::start_in(env).await
}

/// The URL speech-svc gives `text`'s audio (what a greeting of `text` plays).
async fn audio_url(stack: &TestStack, text: &str) -> String {
    let mut speech = SpeechServiceClient::connect(stack.config.services.speech.url.clone())
        .await
        .expect("speech-svc");
    let res = speech
        .synthesize(SynthesizeRequest {
            text: text.into(),
            voice: String::new(),
        })
        .await
        .expect("synthesize")
        .into_inner();
    res.audio.expect("audio").url
}

/// Changes the greeting behind every service's back: no event announces it.
async fn set_greeting_unannounced(stack: &TestStack, business_id: &str, text: &str) {
    use crm_svc::schema::businesses;
    use diesel::prelude::*;
    let (id, text) = (business_id.to_string(), text.to_string());
    stack
        .db()
        .await
        .run(move |conn| {
            diesel::update(businesses::table.filter(businesses::id.eq(id)))
                .set(businesses::greeting_text.eq(text))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("greeting written");
}

/// What a webhook's answer says about the business on the number.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// The greeting's audio URL.
    Greeting(String),
    /// An empty TwiML answer (call_status).
    Empty,
    /// No business answers on the number.
    Unknown,
    VoiceDisabled,
    Other(String),
}

fn seen_in(xml: &str) -> Seen {
    let els = voice_svc::twiml::parse(xml).expect("TwiML");
    let verbs = names(&els);
    match verbs.as_slice() {
        ["Play", "Record"] => Seen::Greeting(element(&els, "Play").text.clone()),
        [] => Seen::Empty,
        ["Say", "Hangup"] if xml.contains(voice_svc::strings::UNKNOWN_NUMBER) => Seen::Unknown,
        _ => Seen::Other(xml.to_string()),
    }
}

/// A voice-svc replica: the stack's own, reached through the gateway, or another one.
enum Replica<'a> {
    Gateway(&'a TestStack),
    Direct(&'a Voice),
}

static CALLS: AtomicU64 = AtomicU64::new(0);

impl Replica<'_> {
    fn name(&self) -> &'static str {
        match self {
            Replica::Gateway(_) => "the stack's replica (through the gateway)",
            Replica::Direct(_) => "the second replica",
        }
    }

    /// A signed `webhook` of a new call to `number`.
    async fn webhook(&self, webhook: Webhook, number: &str) -> Seen {
        let sid = format!("CA{:032x}", CALLS.fetch_add(1, Ordering::Relaxed) + 1);
        let (path, status) = match webhook {
            Webhook::IncomingCall => ("/webhook/incoming_call", "ringing"),
            Webhook::CallStatus => ("/webhook/call_status", "in-progress"),
            other => panic!("not used here: {other:?}"),
        };
        let p = params(&[
            ("AccountSid", ACCOUNT_SID),
            ("CallSid", &sid),
            ("From", CALLER),
            ("To", number),
            ("Direction", "inbound"),
            ("CallStatus", status),
        ]);
        match self {
            Replica::Gateway(stack) => {
                let a = post_signed(stack, path, &p).await;
                match a.status {
                    200 => seen_in(&a.body),
                    403 if a.json()["error"] == "voice_disabled" => Seen::VoiceDisabled,
                    s => Seen::Other(format!("{s} {}", a.body)),
                }
            }
            Replica::Direct(voice) => {
                let sig = sign(path, &p);
                match voice.handle_webhook(webhook, path, p, &sig).await {
                    Ok(Answered::Twiml(xml)) => seen_in(&xml),
                    Ok(Answered::Rejected(WebhookRejection::VoiceDisabled)) => Seen::VoiceDisabled,
                    other => Seen::Other(format!("{other:?}")),
                }
            }
        }
    }

    async fn incoming_call(&self, number: &str) -> Seen {
        self.webhook(Webhook::IncomingCall, number).await
    }

    /// Calls until the answer is `expected`; fails unless that happens within
    /// [`CONVERGENCE`] of `since` (the change's API answer).
    async fn converges(&self, webhook: Webhook, number: &str, expected: &Seen, since: Instant) {
        loop {
            let seen = self.webhook(webhook, number).await;
            if &seen == expected {
                let took = since.elapsed();
                assert!(
                    took < CONVERGENCE,
                    "{} showed the change after {took:?}",
                    self.name()
                );
                return;
            }
            assert!(
                since.elapsed() < CONVERGENCE,
                "{} still answers {seen:?} {:?} after the change, not {expected:?}",
                self.name(),
                since.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn patch_business(api: &Api, body: serde_json::Value) -> Instant {
    let (status, res) = api.patch("/api/business", body).await;
    assert_eq!(status, 200, "{res}");
    Instant::now()
}

/// The scenario on `replicas` of `stack` (whose businesses `x` on [`NUMBER`] and `y` on
/// [`OTHER_NUMBER`] have not been asked for yet).
async fn changes_reach_every_replica_within_a_second(
    stack: &TestStack,
    replicas: &[Replica<'_>],
    x: &str,
    y: &str,
) {
    let (gx, gx2, gy) = (
        audio_url(stack, GREETING_X).await,
        audio_url(stack, GREETING_X2).await,
        audio_url(stack, GREETING_Y).await,
    );
    let owner_x = Api::new(stack, Some(stack.sign_in(x, "owner").await));
    let owner_y = Api::new(stack, Some(stack.sign_in(y, "owner").await));

    for r in replicas {
        assert_eq!(r.incoming_call(NUMBER).await, Seen::Greeting(gx.clone()));
        assert_eq!(
            r.incoming_call(OTHER_NUMBER).await,
            Seen::Greeting(gy.clone())
        );
    }
    // The replicas answer from memory: a change nothing announces is not seen (for up to the
    // directory's TTL), so what follows is carried by the events, not by asking crm-svc again.
    set_greeting_unannounced(stack, x, GREETING_UNANNOUNCED).await;
    for r in replicas {
        assert_eq!(
            r.incoming_call(NUMBER).await,
            Seen::Greeting(gx.clone()),
            "{} asked crm-svc again",
            r.name()
        );
    }

    // The greeting changes.
    let at = patch_business(&owner_x, serde_json::json!({"greeting_text": GREETING_X2})).await;
    for r in replicas {
        r.converges(
            Webhook::IncomingCall,
            NUMBER,
            &Seen::Greeting(gx2.clone()),
            at,
        )
        .await;
    }

    // The number moves from x to y.
    let at = patch_business(&owner_x, serde_json::json!({"twilio_numbers": []})).await;
    for r in replicas {
        r.converges(Webhook::IncomingCall, NUMBER, &Seen::Unknown, at)
            .await;
    }
    let at = patch_business(
        &owner_y,
        serde_json::json!({"twilio_numbers": [OTHER_NUMBER, NUMBER]}),
    )
    .await;
    for r in replicas {
        r.converges(
            Webhook::IncomingCall,
            NUMBER,
            &Seen::Greeting(gy.clone()),
            at,
        )
        .await;
    }
    for r in replicas {
        assert_eq!(r.webhook(Webhook::CallStatus, NUMBER).await, Seen::Empty);
    }

    // y turns voice off: incoming calls and status callbacks are refused on every replica.
    let at = patch_business(
        &owner_y,
        serde_json::json!({"features": {"voice_enabled": false}}),
    )
    .await;
    for r in replicas {
        r.converges(Webhook::IncomingCall, NUMBER, &Seen::VoiceDisabled, at)
            .await;
        r.converges(Webhook::CallStatus, OTHER_NUMBER, &Seen::VoiceDisabled, at)
            .await;
    }
}

async fn two_businesses(stack: &TestStack) -> (String, String) {
    let x = business_with_number(stack, NUMBER, true).await;
    let y = business_with_number(stack, OTHER_NUMBER, true).await;
    set_greeting_unannounced(stack, &x, GREETING_X).await;
    set_greeting_unannounced(stack, &y, GREETING_Y).await;
    (x, y)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_changes_reach_the_webhooks_within_a_second_sqlite() {
    let tts = tts_server().await;
    let stack = stack(Db::Sqlite, Bus::Memory, &tts).await;
    let (x, y) = two_businesses(&stack).await;
    changes_reach_every_replica_within_a_second(&stack, &[Replica::Gateway(&stack)], &x, &y).await;
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_changes_reach_both_replicas_within_a_second_postgres_nats() {
    let tts = tts_server().await;
    let stack = stack(Db::Postgres, Bus::Nats, &tts).await;
    let (x, y) = two_businesses(&stack).await;

    // A second voice-svc replica: its own NATS connection and directory.
    let bus = Arc::new(
        NatsBus::connect(&nats_url(), &stack.env.nats_root)
            .await
            .expect("NATS"),
    );
    let second = voice_svc::voice(&stack.config, bus).expect("second replica");
    let stop = CancellationToken::new();
    let following = second.follow_business_changes(stop.clone());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !second.directory_is_live() {
        assert!(
            Instant::now() < deadline,
            "the second replica never subscribed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    changes_reach_every_replica_within_a_second(
        &stack,
        &[Replica::Gateway(&stack), Replica::Direct(&second)],
        &x,
        &y,
    )
    .await;
    stop.cancel();
    following.await.unwrap();
    stack.stop().await.unwrap();
}
