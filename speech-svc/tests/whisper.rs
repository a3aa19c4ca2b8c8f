//! whisper.cpp on espeak-ng Hebrew. It needs the `whisper` cargo feature (whisper.cpp is compiled,
//! which CI does not do) and a ggml model in `WHISPER_MODEL`; without them it is skipped, with
//! the reason, rather than faked:
//!
//! `WHISPER_MODEL=/models/ggml-ivrit.bin cargo nextest run -p speech-svc --features whisper --run-ignored all -E 'test(whisper)'`

mod support;

#[test]
#[cfg_attr(
    not(feature = "whisper"),
    ignore = "needs the `whisper` cargo feature (compiles whisper.cpp) and WHISPER_MODEL=<ggml model file>"
)]
fn whisper_cpp_transcribes_espeak_hebrew() {
    #[cfg(feature = "whisper")]
    {
        let Some(model) = std::env::var_os("WHISPER_MODEL") else {
            eprintln!("SKIPPED: WHISPER_MODEL is not set (path to a ggml Whisper model)");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let model = model.to_string_lossy().to_string();
        let s = support::settings(dir.path(), &[("WHISPER_MODEL", &model)]);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let speech = speech_svc::Speech::new(&s).expect("the model loads");
        let wav = support::espeak_he("שלום, מה שעות הפעילות שלכם?");
        let t = rt
            .block_on(speech.transcribe(speech_svc::service::AudioInput::Bytes(wav)))
            .unwrap();
        let speech_svc::stt::Transcript::Done(text) = t.transcript else {
            panic!("no transcript: {:?}", t.transcript);
        };
        // espeak-ng's Hebrew is robotic: ask for any of the key words, not a perfect sentence.
        assert!(
            ["שלום", "שעות", "פעילות"].iter().any(|w| text.contains(w)),
            "transcript {text:?}"
        );
    }
}
