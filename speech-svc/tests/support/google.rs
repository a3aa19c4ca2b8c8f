//! Google Cloud Text-to-Speech for tests: a service account with a real RSA key, and a loopback
//! tonic server implementing `StreamingSynthesize` that records what it was sent and streams
//! scripted μ-law parts back with pauses, as Google streams a Chirp 3 HD voice.

use agentlocator_proto::google_tts_v1::{
    StreamingSynthesizeRequest, StreamingSynthesizeResponse,
    streaming_synthesis_input::InputSource,
    streaming_synthesize_request::StreamingRequest,
    text_to_speech_server::{TextToSpeech, TextToSpeechServer},
};
use rsa::{
    RsaPrivateKey,
    pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding},
};
use std::{
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming, metadata::MetadataMap};

pub const EMAIL: &str = "tts@agentlocator-test.iam.gserviceaccount.com";
pub const ACCESS_TOKEN: &str = "ya29.test-access-token";
pub const CHIRP: &str = "he-IL-Chirp3-HD-Achernar";

/// One RSA key pair (PKCS#8 private, SPKI public PEM) for the whole test binary (generation is
/// the slow part).
pub fn keys() -> &'static (String, String) {
    static KEYS: OnceLock<(String, String)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rsa::rand_core::OsRng;
        let key = RsaPrivateKey::new(&mut rng, 2048).expect("RSA key");
        let private = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        (private, public)
    })
}

/// A service-account key file's JSON whose tokens come from `token_uri`.
pub fn service_account_json(token_uri: &str) -> String {
    serde_json::json!({
        "type": "service_account",
        "project_id": "agentlocator-test",
        "private_key_id": "key-1",
        "private_key": keys().0,
        "client_email": EMAIL,
        "token_uri": token_uri,
    })
    .to_string()
}

/// How the server answers one call.
#[derive(Clone, Default)]
pub struct Script {
    /// `audio_content` of each response, in order.
    pub parts: Vec<Vec<u8>>,
    /// Before every part but the first.
    pub pause: Duration,
    /// After this many parts the call fails with INTERNAL.
    pub fail_after: Option<usize>,
    /// The call is refused before any response.
    pub refuse: Option<Status>,
}

/// What the server saw of one call and when it answered.
#[derive(Debug, Clone)]
pub struct Seen {
    pub requests: Vec<StreamingSynthesizeRequest>,
    pub metadata: MetadataMap,
    /// When each part went out.
    pub sent: Vec<Instant>,
}

impl Seen {
    /// The text of the call's `input` messages, joined.
    pub fn text(&self) -> String {
        self.requests
            .iter()
            .filter_map(|r| match &r.streaming_request {
                Some(StreamingRequest::Input(i)) => i
                    .input_source
                    .as_ref()
                    .map(|InputSource::Text(t)| t.as_str()),
                _ => None,
            })
            .collect()
    }
}

type Route = dyn Fn(&str) -> Script + Send + Sync;

#[derive(Clone)]
struct Service {
    route: Arc<Route>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

#[tonic::async_trait]
impl TextToSpeech for Service {
    type StreamingSynthesizeStream = ReceiverStream<Result<StreamingSynthesizeResponse, Status>>;

    async fn streaming_synthesize(
        &self,
        request: Request<Streaming<StreamingSynthesizeRequest>>,
    ) -> Result<Response<Self::StreamingSynthesizeStream>, Status> {
        let metadata = request.metadata().clone();
        let mut inbound = request.into_inner();
        // The client sends its config and text, then closes its side.
        let mut requests = Vec::new();
        while let Some(r) = inbound.message().await? {
            requests.push(r);
        }
        let index = {
            let mut seen = self.seen.lock().unwrap();
            seen.push(Seen {
                requests,
                metadata,
                sent: Vec::new(),
            });
            seen.len() - 1
        };
        let text = self.seen.lock().unwrap()[index].text();
        let script = (self.route)(&text);
        if let Some(status) = script.refuse {
            return Err(status);
        }
        let (tx, rx) = mpsc::channel(4);
        let seen = self.seen.clone();
        tokio::spawn(async move {
            for (i, part) in script.parts.into_iter().enumerate() {
                if i > 0 {
                    tokio::time::sleep(script.pause).await;
                }
                if script.fail_after == Some(i) {
                    let _ = tx
                        .send(Err(Status::internal("synthesis backend failed")))
                        .await;
                    return;
                }
                let response = StreamingSynthesizeResponse {
                    audio_content: part,
                };
                if tx.send(Ok(response)).await.is_err() {
                    return;
                }
                seen.lock().unwrap()[index].sent.push(Instant::now());
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

/// The loopback server; stops when dropped.
pub struct FakeGoogle {
    /// `GOOGLE_TTS_GRPC_URL` for it.
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl FakeGoogle {
    pub async fn start(route: impl Fn(&str) -> Script + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let service = Service {
            route: Arc::new(route),
            seen: seen.clone(),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(TextToSpeechServer::new(service))
                .serve_with_incoming_shutdown(
                    tokio_stream::wrappers::TcpListenerStream::new(listener),
                    async {
                        let _ = stopped.await;
                    },
                ),
        );
        FakeGoogle {
            url,
            seen,
            _stop: stop,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// `n` bytes of a 400 Hz tone as 8 kHz μ-law.
pub fn tone_mulaw(n: usize) -> Vec<u8> {
    let samples = super::sine(400.0, 8_000, n as f32 / 8_000.0, 0.5);
    agentlocator_common::mulaw::encode_all(
        &samples
            .iter()
            .map(|s| (s * 32767.0).round() as i16)
            .collect::<Vec<_>>(),
    )
}
