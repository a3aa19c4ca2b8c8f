//! Google Cloud Text-to-Speech: the service-account JWT → OAuth token exchange (checked by
//! verifying the assertion's signature with the account's public key) and `text:synthesize`.

mod support;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rsa::{
    RsaPrivateKey,
    pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding},
};
use serde_json::json;
use speech_svc::{
    Error,
    error::ProviderFailure,
    tts::{GoogleTts, ServiceAccount, Synthesizer, google::Claims},
};
use std::{sync::OnceLock, time::Duration};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{body_partial_json, header, method, path},
};

const EMAIL: &str = "tts@agentlocator-test.iam.gserviceaccount.com";
const TOKEN: &str = "ya29.test-access-token";

/// One RSA key pair for the whole test binary (generation is the slow part).
fn keys() -> &'static (String, String) {
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

fn account(server: &MockServer) -> ServiceAccount {
    ServiceAccount::from_json(
        &json!({
            "type": "service_account",
            "project_id": "agentlocator-test",
            "private_key_id": "key-1",
            "private_key": keys().0,
            "client_email": EMAIL,
            "token_uri": format!("{}/token", server.uri()),
        })
        .to_string(),
    )
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
        json!({
            "type": "service_account",
            "private_key_id": "key-1",
            "private_key": keys().0,
            "client_email": EMAIL,
            "token_uri": format!("{}/token", server.uri()),
        })
        .to_string(),
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
