//! The content-addressed TTS cache: `DATA_DIR/tts/<sha256(voice \n text)>.<ext>`. The same text in
//! the same voice is the same file, synthesised once — also when two requests for it arrive
//! together. The directory is bounded (`TTS_CACHE_MAX_MB`): after each new file, the least
//! recently used files (a hit or a read refreshes a file's time) are removed until it fits.
//! With several replicas, a [`SharedAudioStore`] behind the directory lets every replica serve
//! and reuse what any of them synthesised.

use super::{AudioFormat, shared_store::SharedAudioStore};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    future::Future,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

/// A file in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFile {
    /// `<sha256>.<ext>`: what `GET /static/tts/<file>` serves.
    pub file_name: String,
    pub format: AudioFormat,
    pub size: u64,
    /// Found in the cache rather than synthesised now.
    pub cached: bool,
}

pub struct TtsCache {
    dir: PathBuf,
    /// Total size the directory is kept under (bytes).
    max_bytes: u64,
    /// One lock per key being synthesised, so concurrent requests synthesise once.
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Where other replicas find this replica's files (NATS configured), and this one theirs.
    shared: Option<Arc<SharedAudioStore>>,
}

impl TtsCache {
    /// A cache in `dir` with the default bound ([`DEFAULT_MAX_BYTES`]).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self::with_limit(dir, DEFAULT_MAX_BYTES)
    }

    /// A cache in `dir` kept under `max_bytes`.
    pub fn with_limit(dir: impl Into<PathBuf>, max_bytes: u64) -> Self {
        Self {
            dir: dir.into(),
            max_bytes,
            in_flight: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// Shares files with other replicas through `store`.
    pub fn with_shared(mut self, store: Arc<SharedAudioStore>) -> Self {
        self.shared = Some(store);
        self
    }

    pub fn shared(&self) -> Option<&SharedAudioStore> {
        self.shared.as_deref()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache key of `text` in `voice` (a voice id that names the engine, e.g.
    /// `google:he-IL-Wavenet-A`).
    pub fn key(voice: &str, text: &str) -> String {
        let mut h = Sha256::new();
        h.update(voice.as_bytes());
        h.update(b"\n");
        h.update(text.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Checks a file name from a request: 64 lowercase hex digits, a dot, `wav` or `mp3`.
    pub fn parse_file_name(name: &str) -> Option<AudioFormat> {
        let (stem, ext) = name.split_once('.')?;
        let format = AudioFormat::from_extension(ext)?;
        (stem.len() == 64 && stem.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then_some(format)
    }

    /// The cached file for `text` in `voice`, made by `make` when it is not there yet.
    pub async fn get_or_create<F, Fut>(
        &self,
        voice: &str,
        text: &str,
        format: AudioFormat,
        make: F,
    ) -> Result<AudioFile>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<u8>>>,
    {
        let key = Self::key(voice, text);
        let file_name = format!("{key}.{}", format.extension());
        let path = self.dir.join(&file_name);
        if let Some(size) = file_size(&path).await {
            touch(&path).await;
            // The file is about to be handed out: any replica must be able to serve it.
            if let Some(shared) = &self.shared {
                shared
                    .ensure(&file_name, async || {
                        tokio::fs::read(&path).await.map_err(|e| {
                            Error::Internal(format!("reading {}: {e}", path.display()))
                        })
                    })
                    .await;
            }
            return Ok(AudioFile {
                file_name,
                format,
                size,
                cached: true,
            });
        }
        let lock = {
            let mut map = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        let _guard = lock.lock().await;
        let result = async {
            // Someone else may have made it while this request waited.
            if let Some(size) = file_size(&path).await {
                return Ok(AudioFile {
                    file_name: file_name.clone(),
                    format,
                    size,
                    cached: true,
                });
            }
            if let Some(bytes) = self.fetch_shared(&file_name).await {
                self.write(&path, &bytes).await?;
                self.evict(&path).await;
                return Ok(AudioFile {
                    file_name: file_name.clone(),
                    format,
                    size: bytes.len() as u64,
                    cached: true,
                });
            }
            let bytes = make().await?;
            self.write(&path, &bytes).await?;
            self.evict(&path).await;
            if let Some(shared) = &self.shared
                && let Err(e) = shared.put(&file_name, &bytes).await
            {
                // This replica still serves it; others would answer 404 for it.
                tracing::warn!(file = file_name, error = %e, "sharing audio with other replicas failed");
            }
            Ok(AudioFile {
                file_name: file_name.clone(),
                format,
                size: bytes.len() as u64,
                cached: false,
            })
        }
        .await;
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key);
        result
    }

    /// Whether `text` in `voice` is already cached.
    pub async fn contains(&self, voice: &str, text: &str, format: AudioFormat) -> bool {
        let path = self
            .dir
            .join(format!("{}.{}", Self::key(voice, text), format.extension()));
        file_size(&path).await.is_some()
    }

    /// The bytes of a cached file named by a request.
    pub async fn read(&self, file_name: &str) -> Result<(Vec<u8>, AudioFormat)> {
        let format = Self::parse_file_name(file_name).ok_or_else(|| {
            Error::InvalidRequest("an audio file name is <sha256>.wav or <sha256>.mp3".into())
        })?;
        let path = self.dir.join(file_name);
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                touch(&path).await;
                Ok((bytes, format))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match self.fetch_shared(file_name).await {
                    Some(bytes) => {
                        // Kept locally too: Twilio often fetches the same file again.
                        if let Err(e) = self.write(&path, &bytes).await {
                            tracing::warn!(file = file_name, error = %e, "caching shared audio failed");
                        } else {
                            self.evict(&path).await;
                        }
                        Ok((bytes, format))
                    }
                    None => Err(Error::NotFound(format!("no audio file {file_name}"))),
                }
            }
            Err(e) => Err(Error::Internal(format!("reading {file_name}: {e}"))),
        }
    }

    /// `file_name` from the shared store, when there is one and it has the file. A failing store
    /// is logged and treated as a miss: the caller synthesises or answers 404.
    async fn fetch_shared(&self, file_name: &str) -> Option<Vec<u8>> {
        let shared = self.shared.as_ref()?;
        match shared.get(file_name).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(file = file_name, error = %e, "reading shared audio failed");
                None
            }
        }
    }

    /// Writes atomically: a temporary file in the same directory, then a rename, so a reader
    /// never sees half a file.
    async fn write(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let io =
            |e: std::io::Error| Error::Internal(format!("TTS cache {}: {e}", self.dir.display()));
        tokio::fs::create_dir_all(&self.dir).await.map_err(io)?;
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        tokio::fs::write(&tmp, bytes).await.map_err(io)?;
        tokio::fs::rename(&tmp, path).await.map_err(io)
    }
}

impl TtsCache {
    /// Removes the least recently used files until the directory fits in `max_bytes`; `keep` (the
    /// file just written) is never removed. Failures are logged: the cache only grows meanwhile.
    async fn evict(&self, keep: &Path) {
        let (dir, keep, max) = (self.dir.clone(), keep.to_path_buf(), self.max_bytes);
        let removed = tokio::task::spawn_blocking(move || evict_lru(&dir, &keep, max)).await;
        match removed {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(removed = n, "TTS cache trimmed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "trimming the TTS cache failed"),
            Err(e) => tracing::warn!(error = %e, "trimming the TTS cache failed"),
        }
    }
}

/// Default bound of the cache directory: 512 MB (about 10,000 spoken answers).
pub const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Deletes the oldest (by modification time) audio files of `dir` until the total is at most
/// `max_bytes`; returns how many were removed.
fn evict_lru(dir: &Path, keep: &Path, max_bytes: u64) -> std::io::Result<usize> {
    let mut files = Vec::new();
    let mut total = 0u64;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if TtsCache::parse_file_name(&name.to_string_lossy()).is_none() {
            continue;
        }
        let meta = entry.metadata()?;
        if !meta.is_file() {
            continue;
        }
        total += meta.len();
        files.push((meta.modified()?, entry.path(), meta.len()));
    }
    if total <= max_bytes {
        return Ok(0);
    }
    files.sort();
    let mut removed = 0;
    for (_, path, size) in files {
        if total <= max_bytes {
            break;
        }
        if path == keep {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => {
                total -= size;
                removed += 1;
            }
            // Removed meanwhile by another replica sharing the directory.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => total -= size,
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

/// Marks a file as just used (its modification time), which is what eviction orders by.
async fn touch(path: &Path) {
    let path = path.to_path_buf();
    let _ = tokio::task::spawn_blocking(move || {
        std::fs::File::options()
            .append(true)
            .open(&path)
            .and_then(|f| f.set_modified(std::time::SystemTime::now()))
    })
    .await;
}

async fn file_size(path: &Path) -> Option<u64> {
    tokio::fs::metadata(path)
        .await
        .ok()
        .filter(|m| m.is_file() && m.len() > 0)
        .map(|m| m.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn keys_depend_on_voice_and_text() {
        let a = TtsCache::key("espeak:he", "שלום");
        assert_eq!(a.len(), 64);
        assert_eq!(a, TtsCache::key("espeak:he", "שלום"));
        assert_ne!(a, TtsCache::key("google:he-IL-Wavenet-A", "שלום"));
        assert_ne!(a, TtsCache::key("espeak:he", "שלום!"));
        assert_eq!(
            TtsCache::parse_file_name(&format!("{a}.wav")),
            Some(AudioFormat::Wav)
        );
        for bad in [
            "../../etc/passwd",
            "abc.wav",
            &format!("{a}.ogg"),
            &format!("{}.mp3", a.to_uppercase()),
            &format!("{a}.wav/x"),
        ] {
            assert_eq!(TtsCache::parse_file_name(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn same_text_and_voice_is_synthesised_once_even_concurrently() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Arc::new(TtsCache::new(dir.path().join("tts")));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_create("v", "שלום", AudioFormat::Wav, || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok(b"RIFF....".to_vec())
                    })
                    .await
                    .unwrap()
            }));
        }
        let files: Vec<AudioFile> = futures_join(tasks).await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(files.iter().all(|f| f.file_name == files[0].file_name));
        assert_eq!(files.iter().filter(|f| !f.cached).count(), 1);
        let (bytes, fmt) = cache.read(&files[0].file_name).await.unwrap();
        assert_eq!(bytes, b"RIFF....");
        assert_eq!(fmt, AudioFormat::Wav);
        assert!(matches!(
            cache.read(&format!("{}.wav", "0".repeat(64))).await,
            Err(Error::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn a_failed_synthesis_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TtsCache::new(dir.path());
        let r = cache
            .get_or_create("v", "x", AudioFormat::Mp3, || async {
                Err(Error::Internal("boom".into()))
            })
            .await;
        assert!(r.is_err());
        assert!(!cache.contains("v", "x", AudioFormat::Mp3).await);
    }

    #[tokio::test]
    async fn the_directory_is_kept_under_its_bound_least_recently_used_first() {
        let dir = tempfile::tempdir().unwrap();
        // Room for three 1,000-byte files.
        let cache = TtsCache::with_limit(dir.path(), 3_000);
        let make = || async { Ok(vec![7u8; 1_000]) };
        // Pauses give distinct modification times on coarse file systems.
        let pause = || std::thread::sleep(std::time::Duration::from_millis(20));
        let a = cache
            .get_or_create("v", "a", AudioFormat::Mp3, make)
            .await
            .unwrap();
        pause();
        let b = cache
            .get_or_create("v", "b", AudioFormat::Mp3, make)
            .await
            .unwrap();
        pause();
        let c = cache
            .get_or_create("v", "c", AudioFormat::Mp3, make)
            .await
            .unwrap();
        pause();
        // `a` is used again: `b` is now the least recently used.
        cache.read(&a.file_name).await.unwrap();
        pause();
        let d = cache
            .get_or_create("v", "d", AudioFormat::Mp3, make)
            .await
            .unwrap();
        let present = |f: &AudioFile| dir.path().join(&f.file_name).exists();
        assert!(present(&a) && present(&c) && present(&d));
        assert!(!present(&b), "the least recently used file was removed");
        assert!(matches!(
            cache.read(&b.file_name).await,
            Err(Error::NotFound(_))
        ));
        // Made again on demand.
        let again = cache
            .get_or_create("v", "b", AudioFormat::Mp3, make)
            .await
            .unwrap();
        assert!(!again.cached);
    }

    async fn futures_join(tasks: Vec<tokio::task::JoinHandle<AudioFile>>) -> Vec<AudioFile> {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    }
}
