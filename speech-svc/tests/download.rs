//! Recording download against a local server speaking Twilio's recording URLs.

mod support;

use base64::Engine as _;
use speech_svc::recording_download::{
    AllowedHost, DownloadError, DownloadSettings, RecordingDownloader,
};
use std::time::Duration;
use support::{SID, TOKEN};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

const REC: &str = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/RE0123456789abcdef0123456789abcdef"; // example SIDs

fn downloader(server: &MockServer) -> RecordingDownloader {
    let host = server.address().to_string();
    let mut s = DownloadSettings::new(AllowedHost::parse(&host).unwrap());
    s.account_sid = Some(SID.into());
    s.auth_token = Some(agentlocator_common::Secret::new(TOKEN));
    s.timeout = Duration::from_millis(500);
    s.retry_delay = Duration::from_millis(10);
    RecordingDownloader::new(s).unwrap()
}

fn basic() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    )
}

fn url(server: &MockServer) -> String {
    format!("{}{REC}", server.uri())
}

fn mp3_body() -> Vec<u8> {
    support::mp3(&support::sine(440.0, 8_000, 0.5, 0.5), 1, 8_000)
}

#[tokio::test]
async fn mp3_first_with_basic_auth() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REC}.mp3")))
        .and(header("authorization", basic().as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(mp3_body())
                .insert_header("content-type", "audio/mpeg"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let d = downloader(&server).download(&url(&server)).await.unwrap();
    assert!(d.url.ends_with(".mp3"));
    assert_eq!(d.content_type.as_deref(), Some("audio/mpeg"));
    assert_eq!(d.bytes, mp3_body());
}

#[tokio::test]
async fn falls_back_to_wav_then_to_the_bare_url() {
    let server = MockServer::start().await;
    Mock::given(path(format!("{REC}.mp3")))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(format!("{REC}.wav")))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(REC))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"RIFFbare".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let d = downloader(&server).download(&url(&server)).await.unwrap();
    assert_eq!(d.bytes, b"RIFFbare");
    assert!(d.url.ends_with("RE0123456789abcdef0123456789abcdef")); // example value
}

#[tokio::test]
async fn wav_when_mp3_is_missing() {
    let server = MockServer::start().await;
    Mock::given(path(format!("{REC}.mp3")))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(path(format!("{REC}.wav")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"RIFFwav".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let d = downloader(&server).download(&url(&server)).await.unwrap();
    assert_eq!(d.bytes, b"RIFFwav");
}

#[tokio::test]
async fn one_retry_on_5xx() {
    let server = MockServer::start().await;
    Mock::given(path(format!("{REC}.mp3")))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(format!("{REC}.mp3")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(mp3_body()))
        .expect(1)
        .mount(&server)
        .await;
    let d = downloader(&server).download(&url(&server)).await.unwrap();
    assert!(d.url.ends_with(".mp3"));
}

#[tokio::test]
async fn only_one_retry_then_the_next_candidate() {
    let server = MockServer::start().await;
    Mock::given(path(format!("{REC}.mp3")))
        .respond_with(ResponseTemplate::new(500))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path(format!("{REC}.wav")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"RIFFwav".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let d = downloader(&server).download(&url(&server)).await.unwrap();
    assert!(d.url.ends_with(".wav"));
}

#[tokio::test]
async fn persistent_5xx_is_an_error_after_two_tries_each() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(6)
        .mount(&server)
        .await;
    let e = downloader(&server)
        .download(&url(&server))
        .await
        .unwrap_err();
    assert_eq!(e, DownloadError::Status(503));
}

#[tokio::test]
async fn everything_missing_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .expect(3)
        .mount(&server)
        .await;
    let e = downloader(&server)
        .download(&url(&server))
        .await
        .unwrap_err();
    assert_eq!(e, DownloadError::NotFound(3));
}

#[tokio::test]
async fn bad_credentials_stop_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let e = downloader(&server)
        .download(&url(&server))
        .await
        .unwrap_err();
    assert_eq!(e, DownloadError::Unauthorized(401));
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let start = std::time::Instant::now();
    let e = downloader(&server)
        .download(&url(&server))
        .await
        .unwrap_err();
    assert_eq!(e, DownloadError::Timeout);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn other_hosts_are_refused_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let d = downloader(&server);
    let port = server.address().port();
    for bad in [
        // Same machine, another name: not the configured host.
        format!("http://localhost:{port}{REC}"),
        // Another port.
        format!("http://127.0.0.1:{}{REC}", port.wrapping_add(1)),
        format!("https://api.twilio.com{REC}"),
        format!("http://169.254.169.254{REC}"),
    ] {
        assert!(
            matches!(d.download(&bad).await, Err(DownloadError::NotAllowed(_))),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_host() {
    let storage = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"RIFFredirected".to_vec()))
        .expect(1)
        .named("storage")
        .mount(&storage)
        .await;
    let api = MockServer::start().await;
    Mock::given(path(format!("{REC}.mp3")))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/media/x.mp3", storage.uri()).as_str(),
        ))
        .mount(&api)
        .await;
    let d = downloader(&api).download(&url(&api)).await.unwrap();
    assert_eq!(d.bytes, b"RIFFredirected");
    let reqs = storage.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn a_refused_redirect_does_not_repeat_a_signed_url() {
    let api = MockServer::start().await;
    let signed = format!("{}/media/x.mp3?X-Amz-Signature=SECRETSIG", api.uri());
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", signed.as_str()))
        .mount(&api)
        .await;
    let e = downloader(&api).download(&url(&api)).await.unwrap_err();
    assert!(matches!(e, DownloadError::NotAllowed(_)), "{e:?}");
    assert!(!e.to_string().contains("SECRETSIG"), "{e}");
}

#[tokio::test]
async fn an_oversized_recording_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![0u8; 4096]))
        .mount(&server)
        .await;
    let host = server.address().to_string();
    let mut s = DownloadSettings::new(AllowedHost::parse(&host).unwrap());
    s.max_bytes = 1000;
    let e = RecordingDownloader::new(s)
        .unwrap()
        .download(&url(&server))
        .await
        .unwrap_err();
    assert_eq!(e, DownloadError::TooBig(1000));
}
