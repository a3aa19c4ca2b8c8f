//! `TTS_ENGINE=espeak` (the embedded default): the espeak-ng program's Hebrew voice, converted
//! to 8 kHz mono 16-bit WAV for Twilio `<Play>`. The text goes in on stdin, never as an argument.

use super::{AudioFormat, Synthesizer};
use crate::{
    audio::{self, Limits, PHONE_RATE},
    error::{Error, ProviderFailure, Result},
};
use std::{path::PathBuf, process::Stdio, time::Duration};
use tokio::io::AsyncWriteExt;

const ENGINE: &str = "espeak";

pub struct Espeak {
    bin: PathBuf,
    voice: String,
    timeout: Duration,
}

impl Espeak {
    pub fn new(bin: PathBuf, voice: String, timeout: Duration) -> Self {
        Self {
            bin,
            voice,
            timeout,
        }
    }

    async fn run(&self, text: &str, voice: &str) -> Result<Vec<u8>> {
        let local = |m: String| Error::provider(ENGINE, ProviderFailure::Local(m));
        let dir = tempfile::tempdir().map_err(|e| Error::Internal(format!("temp dir: {e}")))?;
        let out = dir.path().join("speech.wav");
        let mut child = tokio::process::Command::new(&self.bin)
            .args(["-v", voice, "--stdin", "-w"])
            .arg(&out)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                local(format!(
                    "cannot run {} ({e}); install espeak-ng (make tools)",
                    self.bin.display()
                ))
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(text.as_bytes())
                .await
                .map_err(|e| local(format!("writing to espeak-ng: {e}")))?;
        }
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| Error::provider(ENGINE, ProviderFailure::Timeout))?
            .map_err(|e| local(format!("espeak-ng: {e}")))?;
        if !output.status.success() {
            return Err(local(format!(
                "espeak-ng exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let wav = tokio::fs::read(&out)
            .await
            .map_err(|e| local(format!("espeak-ng wrote no audio: {e}")))?;
        tokio::task::spawn_blocking(move || audio::convert(&wav, &Limits::default(), PHONE_RATE))
            .await
            .map_err(|e| Error::Internal(format!("audio task: {e}")))?
            .map(|n| n.wav)
            .map_err(|e| local(format!("espeak-ng audio: {e}")))
    }
}

#[async_trait::async_trait]
impl Synthesizer for Espeak {
    fn name(&self) -> &'static str {
        ENGINE
    }
    fn default_voice(&self) -> &str {
        &self.voice
    }
    fn format(&self) -> AudioFormat {
        AudioFormat::Wav
    }
    async fn synthesize(&self, text: &str, voice: &str) -> Result<Vec<u8>> {
        self.run(text, voice).await
    }
}
