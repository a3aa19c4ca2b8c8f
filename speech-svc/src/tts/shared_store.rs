//! Synthesised audio shared by every speech-svc replica. Each replica keeps its own directory
//! cache ([`super::TtsCache`]); with several replicas, Twilio's `GET /static/tts/<file>` may reach a
//! replica that did not synthesise the file. When NATS is configured, every new file is also put
//! in a JetStream object store bucket (`<ROOT>_TTS_AUDIO`), and a replica that misses a file
//! locally looks there before answering 404 or synthesising again.
//!
//! The bucket keeps files for [`MAX_AGE`], with no size bound: a full bucket would refuse new files
//! (JetStream object stores discard new writes, not old ones), and a file only one replica has
//! is a `<Play>` that fails on the others. Its size is [`MAX_AGE`] of distinct answers (about
//! 50 KB each). A file handed out is checked to still be in the bucket at most once per
//! [`RECHECK`] (and put back when it is not), so a long-lived greeting in one replica's directory
//! never points at a file the others lack.

use crate::error::{Error, Result};
use async_nats::jetstream::{
    self,
    object_store::{self, ObjectStore},
};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};
use tokio::io::AsyncReadExt;

/// How long a file stays in the bucket after it was last put there.
pub const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often a file served from a local directory is checked to still be in the bucket.
pub const RECHECK: Duration = Duration::from_secs(3600);
/// How many "recently checked" entries are remembered before the memory is cleared.
const CHECKED_CAPACITY: usize = 10_000;

pub struct SharedAudioStore {
    store: ObjectStore,
    bucket: String,
    /// File name → when it was last known to be in the bucket.
    checked: Mutex<HashMap<String, Instant>>,
}

impl SharedAudioStore {
    /// Connects to `nats_url` and opens (or creates) the bucket of subject root `root`.
    pub async fn connect(nats_url: &str, root: &str) -> Result<Self> {
        let client = async_nats::ConnectOptions::new()
            .name("agentlocator-speech")
            .connection_timeout(Duration::from_secs(5))
            .connect(nats_url)
            .await
            .map_err(|e| Error::Internal(format!("NATS {nats_url}: {e}")))?;
        Self::open(jetstream::new(client), root).await
    }

    /// Opens (or creates) the bucket of subject root `root` on `js`.
    pub async fn open(js: jetstream::Context, root: &str) -> Result<Self> {
        let bucket = bucket_name(root);
        let store = match js.get_object_store(&bucket).await {
            Ok(store) => store,
            Err(_) => js
                .create_object_store(object_store::Config {
                    bucket: bucket.clone(),
                    description: Some("AgentLocator synthesised speech, by content hash".into()),
                    max_age: MAX_AGE,
                    ..Default::default()
                })
                .await
                .map_err(|e| Error::Internal(format!("object store {bucket}: {e}")))?,
        };
        Ok(Self {
            store,
            bucket,
            checked: Mutex::new(HashMap::new()),
        })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The bytes of `file_name`, or `None` when the bucket does not have it.
    pub async fn get(&self, file_name: &str) -> Result<Option<Vec<u8>>> {
        let mut object = match self.store.get(file_name).await {
            Ok(o) => o,
            Err(e) if e.kind() == object_store::GetErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error("reading", file_name, e)),
        };
        let mut bytes = Vec::new();
        object
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| self.error("reading", file_name, e))?;
        self.mark_checked(file_name);
        Ok(Some(bytes))
    }

    /// Stores `bytes` as `file_name` (content-addressed: a second put of a name changes nothing
    /// a reader can see).
    pub async fn put(&self, file_name: &str, bytes: &[u8]) -> Result<()> {
        let mut reader = bytes;
        self.store
            .put(file_name, &mut reader)
            .await
            .map_err(|e| self.error("storing", file_name, e))?;
        self.mark_checked(file_name);
        Ok(())
    }

    /// Makes sure the bucket has `file_name`, putting `bytes` when it does not. Checks the
    /// server at most once per [`RECHECK`] per file.
    pub async fn ensure(&self, file_name: &str, bytes: impl AsyncFnOnce() -> Result<Vec<u8>>) {
        if self.recently_checked(file_name) {
            return;
        }
        let present = match self.store.info(file_name).await {
            Ok(info) => !info.deleted,
            Err(e) if e.kind() == object_store::InfoErrorKind::NotFound => false,
            Err(e) => {
                tracing::warn!(bucket = self.bucket, file = file_name, error = %e, "checking shared audio failed");
                return;
            }
        };
        if present {
            self.mark_checked(file_name);
            return;
        }
        let result = match bytes().await {
            Ok(b) => self.put(file_name, &b).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(file = file_name, error = %e, "sharing audio with other replicas failed");
        }
    }

    fn recently_checked(&self, file_name: &str) -> bool {
        let checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        checked
            .get(file_name)
            .is_some_and(|at| at.elapsed() < RECHECK)
    }

    fn mark_checked(&self, file_name: &str) {
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        if checked.len() >= CHECKED_CAPACITY {
            checked.clear();
        }
        checked.insert(file_name.to_owned(), Instant::now());
    }

    fn error(&self, what: &str, file_name: &str, e: impl std::fmt::Display) -> Error {
        Error::Internal(format!("{what} {file_name} in {}: {e}", self.bucket))
    }
}

/// `al` → `AL_TTS_AUDIO` (bucket names allow letters, digits, `_` and `-`).
pub fn bucket_name(root: &str) -> String {
    let root: String = root
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{root}_TTS_AUDIO")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_are_valid_for_any_root() {
        assert_eq!(bucket_name("al"), "AL_TTS_AUDIO");
        assert_eq!(bucket_name("t-1.x"), "T_1_X_TTS_AUDIO");
    }
}
