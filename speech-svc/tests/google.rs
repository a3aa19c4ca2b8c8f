//! Google Cloud Text-to-Speech: the service-account JWT → OAuth token exchange (checked by
//! verifying the assertion's signature with the account's public key), `text:synthesize`, and
//! live-call speech over gRPC `StreamingSynthesize` against a loopback server.

mod support;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::json;
use speech_svc::{
    Error,
    error::ProviderFailure,
    tts::{GoogleTts, ServiceAccount, Synthesizer, google::Claims},
};
use std::time::{Duration, Instant};
use support::google::{ACCESS_TOKEN as TOKEN, EMAIL, keys};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{body_partial_json, header, method, path},
};

fn account(server: &MockServer) -> ServiceAccount {
    ServiceAccount::from_json(&support::google::service_account_json(&format!(
        "{}/token",
        server.uri()
    )))
    .unwrap()
}

fn engine(server: &MockServer) -> GoogleTts {
    GoogleTts::new(
        account(server),
        &server.uri(),
        "he-IL-Wavenet-A",
        Duration::from_millis(800),
    )
    .unwrap()
}

/// The token request: form-encoded JWT-bearer grant whose assertion verifies with the public key
/// and carries the documented claims.
fn token_request_is_documented(server_uri: String) -> impl Fn(&Request) -> bool {
    move |req: &Request| {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if get("grant_type").as_deref() != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
            return false;
        }
        let Some(assertion) = get("assertion") else {
            return false;
        };
        let key = DecodingKey::from_rsa_pem(keys().1.as_bytes()).unwrap();
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&[format!("{server_uri}/token")]);
        v.set_issuer(&[EMAIL]);
        let Ok(data) = jsonwebtoken::decode::<Claims>(&assertion, &key, &v) else {
            return false;
        };
        let c = data.claims;
        data.header.kid.as_deref() == Some("key-1")
            && c.scope == "https://www.googleapis.com/auth/cloud-platform"
            && c.exp == c.iat + 3600
    }
}

async fn mount_token(server: &MockServer, times: u64) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(token_request_is_documented(server.uri()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN,
            "expires_in": 3599,
            "token_type": "Bearer"
        })))
        .expect(times)
        .mount(server)
        .await;
}

fn mp3() -> Vec<u8> {
    support::mp3(&support::sine(220.0, 24_000, 0.4, 0.4), 1, 24_000)
}

#[tokio::test]
async fn synthesize_exchanges_a_signed_jwt_once_and_sends_the_documented_body() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path("/v1/text:synthesize"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_partial_json(json!({
            "voice": {"languageCode": "he-IL", "name": "he-IL-Wavenet-A"},
            "audioConfig": {"audioEncoding": "MP3"}
        })))
        .and(|req: &Request| {
            let b: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            b["input"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("שלום"))
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "audioContent": base64::engine::general_purpose::STANDARD.encode(mp3())
        })))
        .expect(2)
        .mount(&server)
        .await;
    let tts = engine(&server);
    assert_eq!(
        tts.synthesize("שלום עולם", "he-IL-Wavenet-A")
            .await
            .unwrap(),
        mp3()
    );
    // The second call reuses the cached access token.
    assert_eq!(
        tts.synthesize("שלום שוב", "he-IL-Wavenet-A").await.unwrap(),
        mp3()
    );
}

#[tokio::test]
async fn a_rejected_token_is_dropped_and_fetched_again() {
    let server = MockServer::start().await;
    mount_token(&server, 2).await;
    Mock::given(path("/v1/text:synthesize"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/text:synthesize"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "audioContent": base64::engine::general_purpose::STANDARD.encode(mp3())
        })))
        .mount(&server)
        .await;
    let tts = engine(&server);
    let e = tts.synthesize("שלום", "he-IL-Wavenet-A").await.unwrap_err();
    assert!(matches!(
        e,
        Error::Provider {
            failure: ProviderFailure::Unauthorized(401),
            ..
        }
    ));
    tts.synthesize("שלום", "he-IL-Wavenet-A").await.unwrap();
}

#[tokio::test]
async fn token_and_synthesis_failures_are_typed() {
    // The token endpoint refuses the assertion.
    let server = MockServer::start().await;
    Mock::given(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"})))
        .mount(&server)
        .await;
    let e = engine(&server)
        .synthesize("שלום", "he-IL-Wavenet-A")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Provider { failure: ProviderFailure::Status(400, body), .. } if body.contains("invalid_grant")),
        "{e}"
    );
    for (template, expected) in [
        (ResponseTemplate::new(429), ProviderFailure::RateLimited),
        (
            ResponseTemplate::new(500).set_body_string("x"),
            ProviderFailure::Status(500, "x".into()),
        ),
        (
            ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
            ProviderFailure::Timeout,
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({"audioContent": "!!not base64!!"})),
            ProviderFailure::BadResponse(String::new()),
        ),
    ] {
        let server = MockServer::start().await;
        mount_token(&server, 1).await;
        Mock::given(path("/v1/text:synthesize"))
            .respond_with(template)
            .mount(&server)
            .await;
        let e = engine(&server)
            .synthesize("שלום", "he-IL-Wavenet-A")
            .await
            .unwrap_err();
        let Error::Provider { failure, .. } = &e else {
            panic!("{e}")
        };
        match (&expected, failure) {
            (ProviderFailure::BadResponse(_), ProviderFailure::BadResponse(_)) => {}
            _ => assert_eq!(failure, &expected),
        }
    }
}

#[tokio::test]
async fn google_through_the_service_caches_by_voice_and_text() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(path("/v1/text:synthesize"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "audioContent": base64::engine::general_purpose::STANDARD.encode(mp3())
        })))
        .expect(2)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("sa.json");
    std::fs::write(
        &creds,
        support::google::service_account_json(&format!("{}/token", server.uri())),
    )
    .unwrap();
    let mut s = support::settings(
        dir.path(),
        &[
            ("TTS_ENGINE", "google"),
            ("GOOGLE_APPLICATION_CREDENTIALS", creds.to_str().unwrap()),
        ],
    );
    s.google.api_base = server.uri();
    let speech = speech_svc::Speech::new(&s).unwrap();
    let a = speech.synthesize("תודה רבה", None).await.unwrap();
    let b = speech.synthesize("תודה רבה", None).await.unwrap();
    let c = speech
        .synthesize("תודה רבה", Some("he-IL-Wavenet-B"))
        .await
        .unwrap();
    assert_eq!(a.voice, "google:he-IL-Wavenet-A");
    assert!(!a.audio.cached && b.audio.cached && !c.audio.cached);
    assert_eq!(a.audio.file_name, b.audio.file_name);
    assert_ne!(a.audio.file_name, c.audio.file_name);
}

#[tokio::test]
async fn an_api_key_goes_in_its_header_with_no_token_exchange() {
    let server = MockServer::start().await;
    // No token endpoint: an exchange would fail the test with a 404.
    Mock::given(method("POST"))
        .and(path("/v1/text:synthesize"))
        .and(header("x-goog-api-key", "AIza-example-key"))
        .and(body_partial_json(json!({
            "input": {"text": "שלום"},
            "voice": {"languageCode": "he-IL", "name": "he-IL-Wavenet-A"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "audioContent": base64::engine::general_purpose::STANDARD.encode(mp3())
        })))
        .expect(1)
        .mount(&server)
        .await;
    let tts = GoogleTts::with_api_key(
        agentlocator_common::Secret::new("AIza-example-key"), // example value
        &server.uri(),
        "he-IL-Wavenet-A",
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(
        tts.synthesize("שלום", "he-IL-Wavenet-A").await.unwrap(),
        mp3()
    );
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests.iter().all(|r| !r.url.as_str().contains("AIza")),
        "the key is never in a URL"
    );
    assert!(
        tts.assertion(0).is_err(),
        "no service-account assertion with a key"
    );
}

#[tokio::test]
async fn phone_audio_asks_for_8_khz_mulaw_and_passes_its_data_on() {
    let server = MockServer::start().await;
    let samples = support::sine(440.0, 8_000, 0.5, 0.5);
    let wav = speech_svc::audio::wav::encode_mulaw(&samples, 8_000);
    Mock::given(method("POST"))
        .and(path("/v1/text:synthesize"))
        .and(body_partial_json(json!({
            "input": {"text": "שלום"},
            "audioConfig": {"audioEncoding": "MULAW", "sampleRateHertz": 8000}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "audioContent": base64::engine::general_purpose::STANDARD.encode(&wav)
        })))
        .expect(1)
        .mount(&server)
        .await;
    // A voice that answers in another format is refused, not played as noise.
    Mock::given(method("POST"))
        .and(path("/v1/text:synthesize"))
        .and(body_partial_json(json!({"input": {"text": "mp3"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "audioContent": base64::engine::general_purpose::STANDARD.encode(mp3())
        })))
        .mount(&server)
        .await;
    let tts = GoogleTts::with_api_key(
        agentlocator_common::Secret::new("AIza-example-key"), // example value
        &server.uri(),
        "he-IL-Wavenet-A",
        Duration::from_secs(5),
    )
    .unwrap();
    use futures::StreamExt;
    let chunks: Vec<_> = tts
        .synthesize_phone("שלום", "he-IL-Wavenet-A")
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(chunks.len(), 1);
    let mulaw = chunks.into_iter().next().unwrap().unwrap();
    assert_eq!(mulaw, &wav[wav.len() - samples.len()..]);
    let decoded: Vec<f32> = agentlocator_common::mulaw::decode_all(&mulaw)
        .into_iter()
        .map(|s| f32::from(s) / 32768.0)
        .collect();
    assert!((support::tone_frequency(&decoded, 8_000) - 440.0).abs() < 2.0);
    let Err(e) = tts.synthesize_phone("mp3", "he-IL-Wavenet-A").await else {
        panic!("an MP3 is not μ-law");
    };
    assert!(matches!(
        e,
        Error::Provider {
            failure: ProviderFailure::BadResponse(_),
            ..
        }
    ));
}

// ------------------------------------------------------------ StreamingSynthesize (Chirp 3 HD)

use agentlocator_proto::google_tts_v1::{
    AudioEncoding, streaming_synthesize_request::StreamingRequest,
};
use futures::StreamExt;
use speech_svc::settings::GoogleStreaming;
use support::google::{CHIRP, FakeGoogle, Script, tone_mulaw};

const PART_PAUSE: Duration = Duration::from_millis(200);

fn streaming_engine(server: &MockServer, google: &FakeGoogle) -> GoogleTts {
    engine(server)
        .with_streaming(&google.url, GoogleStreaming::Auto)
        .unwrap()
}

/// Every chunk of a phone stream, with when it arrived.
async fn collect_timed(
    mut audio: speech_svc::tts::PhoneAudio,
) -> Vec<(Instant, Result<Vec<u8>, Error>)> {
    let mut got = Vec::new();
    while let Some(chunk) = audio.next().await {
        got.push((Instant::now(), chunk));
    }
    got
}

#[tokio::test]
async fn a_chirp_3_hd_voice_streams_the_config_then_the_text_and_passes_each_part_on() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    // Google documents MULAW output as carrying a WAV header and streamed audio as headerless:
    // the first part comes with a header, the others raw.
    let tone = tone_mulaw(2_400);
    let parts = vec![
        agentlocator_common::mulaw::wav(&tone[..800]),
        tone[800..1_600].to_vec(),
        tone[1_600..].to_vec(),
    ];
    let google = FakeGoogle::start(move |_| Script {
        parts: parts.clone(),
        pause: PART_PAUSE,
        ..Script::default()
    })
    .await;
    let tts = streaming_engine(&server, &google);
    let got = collect_timed(tts.synthesize_phone("שלום עולם.", CHIRP).await.unwrap()).await;

    let chunks: Vec<Vec<u8>> = got
        .iter()
        .map(|(_, c)| c.as_ref().unwrap().clone())
        .collect();
    assert_eq!(
        chunks,
        [&tone[..800], &tone[800..1_600], &tone[1_600..]].map(<[u8]>::to_vec)
    );
    let seen = google.seen();
    assert_eq!(seen.len(), 1);
    // The first part was passed on as it came, long before Google sent the last one.
    assert!(
        got[0].0 < seen[0].sent[2],
        "the first chunk waited for the last part"
    );
    assert!(got[2].0 - got[0].0 >= PART_PAUSE);

    // The documented call: `streaming_config` first (voice, MULAW at 8 kHz), then the text, with
    // the service account's access token.
    let requests = &seen[0].requests;
    assert_eq!(requests.len(), 2, "{requests:?}");
    let Some(StreamingRequest::StreamingConfig(config)) = &requests[0].streaming_request else {
        panic!("the config must come first: {requests:?}");
    };
    let voice = config.voice.as_ref().unwrap();
    assert_eq!(
        (voice.language_code.as_str(), voice.name.as_str()),
        ("he-IL", CHIRP)
    );
    let audio = config.streaming_audio_config.as_ref().unwrap();
    assert_eq!(audio.audio_encoding, AudioEncoding::Mulaw as i32);
    assert_eq!(audio.sample_rate_hertz, 8_000);
    assert!(matches!(
        requests[1].streaming_request,
        Some(StreamingRequest::Input(_))
    ));
    assert_eq!(seen[0].text(), "שלום עולם.");
    assert_eq!(
        seen[0]
            .metadata
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        format!("Bearer {TOKEN}")
    );

    // A voice that is not Chirp 3 HD still speaks through `text:synthesize`.
    let wav = speech_svc::audio::wav::encode_mulaw(&support::sine(440.0, 8_000, 0.2, 0.5), 8_000);
    Mock::given(method("POST"))
        .and(path("/v1/text:synthesize"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "audioContent": base64::engine::general_purpose::STANDARD.encode(&wav)
        })))
        .expect(1)
        .mount(&server)
        .await;
    let rest = collect_timed(
        tts.synthesize_phone("שלום", "he-IL-Wavenet-A")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(rest.len(), 1);
    assert_eq!(google.seen().len(), 1, "no stream for a Wavenet voice");
}

#[tokio::test]
async fn streaming_failures_are_typed_and_a_refused_token_is_fetched_again() {
    let server = MockServer::start().await;
    // Once for the first call, once more after Google refused that token.
    mount_token(&server, 2).await;
    let google = FakeGoogle::start(|text| match text {
        "refused" => Script {
            refuse: Some(tonic::Status::unauthenticated("token expired")),
            ..Script::default()
        },
        "silent" => Script::default(),
        "midway" => Script {
            parts: vec![tone_mulaw(800), tone_mulaw(800)],
            fail_after: Some(1),
            ..Script::default()
        },
        "linear16" => Script {
            parts: vec![speech_svc::audio::wav::encode_pcm16(&[0.1; 800], 24_000)],
            ..Script::default()
        },
        _ => Script {
            parts: vec![tone_mulaw(800)],
            ..Script::default()
        },
    })
    .await;
    let tts = streaming_engine(&server, &google);
    let Err(e) = tts.synthesize_phone("refused", CHIRP).await else {
        panic!("a refused call fails before any audio");
    };
    assert!(
        matches!(
            &e,
            Error::Provider {
                engine: "google",
                failure: ProviderFailure::Unauthorized(401)
            }
        ),
        "{e}"
    );
    // The next call exchanges a new token (the mock expects two exchanges).
    let ok = collect_timed(tts.synthesize_phone("fine", CHIRP).await.unwrap()).await;
    assert_eq!(ok.len(), 1);
    assert!(ok[0].1.is_ok());

    let failure = |got: &[(Instant, Result<Vec<u8>, Error>)]| match &got.last().unwrap().1 {
        Err(Error::Provider { failure, .. }) => failure.clone(),
        other => panic!("the stream must end with a failure: {other:?}"),
    };
    let silent = collect_timed(tts.synthesize_phone("silent", CHIRP).await.unwrap()).await;
    assert_eq!(silent.len(), 1);
    assert!(matches!(failure(&silent), ProviderFailure::BadResponse(_)));

    let midway = collect_timed(tts.synthesize_phone("midway", CHIRP).await.unwrap()).await;
    assert_eq!(
        midway.len(),
        2,
        "the audio before the failure, then the failure"
    );
    assert_eq!(midway[0].1.as_ref().unwrap(), &tone_mulaw(800));
    assert!(
        matches!(failure(&midway), ProviderFailure::Status(500, m) if m.contains("synthesis backend failed"))
    );

    // A header of another format is refused, not played as noise.
    let linear = collect_timed(tts.synthesize_phone("linear16", CHIRP).await.unwrap()).await;
    assert_eq!(linear.len(), 1);
    assert!(matches!(failure(&linear), ProviderFailure::BadResponse(_)));
}
