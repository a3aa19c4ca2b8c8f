//! Several speech-svc replicas share synthesised audio through a JetStream object store on a real
//! NATS server: a file made by one replica is served by another (Twilio's `<Play>` fetch may land
//! on any), and a replica reuses it instead of synthesising again.

mod support;

use speech_svc::{Error, Speech, tts::SharedAudioStore};
use std::sync::Arc;
use support::settings;

fn nats_url() -> String {
    std::env::var("AL_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// A subject root of its own, so the bucket is this test's.
fn unique_root() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("tts{}x{nanos}", std::process::id())
}

async fn replica(dir: &std::path::Path, root: &str, can_synthesise: bool) -> Speech {
    let mut s = settings(dir, &[]);
    if !can_synthesise {
        // Any synthesis on this replica fails: what it serves must come from the others.
        s.espeak_bin = "/nonexistent/espeak-ng".into();
    }
    let store = SharedAudioStore::connect(&nats_url(), root)
        .await
        .expect("NATS with JetStream (make services)");
    Speech::new(&s).unwrap().with_shared_audio(Arc::new(store))
}

#[tokio::test]
async fn audio_made_by_one_replica_is_served_and_reused_by_another() {
    let root = unique_root();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = replica(da.path(), &root, true).await;
    let b = replica(db.path(), &root, false).await;

    let made = a.synthesize("שלום, במה אפשר לעזור?", None).await.unwrap();
    assert!(!made.audio.cached);
    let file = made.audio.file_name.clone();
    let original = std::fs::read(da.path().join("tts").join(&file)).unwrap();

    // B never synthesised it, yet serves it, and keeps a copy in its own directory.
    let (served, format) = b.audio_file(&file).await.unwrap();
    assert_eq!(served, original);
    assert_eq!(format, made.audio.format);
    assert_eq!(
        std::fs::read(db.path().join("tts").join(&file)).unwrap(),
        original
    );

    // Asked for the same speech, a third replica (empty directory, no engine) reuses it.
    let dc = tempfile::tempdir().unwrap();
    let c = replica(dc.path(), &root, false).await;
    let reused = c.synthesize("שלום, במה אפשר לעזור?", None).await.unwrap();
    assert!(reused.audio.cached);
    assert_eq!(reused.audio.file_name, file);
    assert_eq!(reused.url, made.url);

    // Something no replica made is still a 404, not an error.
    let missing = format!("{}.wav", "0".repeat(64));
    assert!(matches!(
        b.audio_file(&missing).await,
        Err(Error::NotFound(_))
    ));
    // Different speech on a replica without an engine is not invented from the store.
    assert!(c.synthesize("טקסט אחר לגמרי", None).await.is_err());
}

#[tokio::test]
async fn a_file_gone_from_the_bucket_is_put_back_when_handed_out_again() {
    let root = unique_root();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let made = {
        let a = replica(da.path(), &root, true).await;
        a.synthesize("תודה שהתקשרתם", None).await.unwrap()
    };
    let file = made.audio.file_name;
    // The bucket lost it (expired, or the bucket was recreated).
    let js = async_nats::jetstream::new(async_nats::connect(nats_url()).await.unwrap());
    let bucket = js
        .get_object_store(speech_svc::tts::shared_store::bucket_name(&root))
        .await
        .unwrap();
    bucket.delete(&file).await.unwrap();
    let b = replica(db.path(), &root, false).await;
    assert!(matches!(b.audio_file(&file).await, Err(Error::NotFound(_))));

    // A restarted replica A hands the greeting out again from its own directory: it checks the
    // bucket first, so B can serve what the URL points at.
    let a = replica(da.path(), &root, false).await;
    let again = a.synthesize("תודה שהתקשרתם", None).await.unwrap();
    assert!(again.audio.cached);
    let (served, _) = b.audio_file(&file).await.unwrap();
    assert_eq!(
        served,
        std::fs::read(da.path().join("tts").join(&file)).unwrap()
    );
}
