//! `GET /static/tts/{file}`: synthesised speech for Twilio `<Play>`, fetched from speech-svc's
//! content-addressed cache over gRPC (so the gateway needs no access to speech-svc's disk).
//!
//! Public on purpose: Twilio fetches it without credentials. A file name is the SHA-256 of the
//! voice and the text, so it is only known to whoever was handed the URL. Files never change,
//! so they are cacheable forever.

use crate::{error::ApiError, state::AppState};
use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, CacheControl, CacheDirective, ETag, EntityTag},
    web,
};
use agentlocator_proto::v1::GetAudioRequest;

/// `<64 lowercase hex>.wav` or `.mp3`: anything else is not a cache file.
fn is_cache_file_name(name: &str) -> bool {
    let Some((stem, ext)) = name.split_once('.') else {
        return false;
    };
    matches!(ext, "wav" | "mp3")
        && stem.len() == 64
        && stem.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub async fn get(
    state: web::Data<AppState>,
    file: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let file_name = file.into_inner();
    if !is_cache_file_name(&file_name) {
        return Err(ApiError::not_found("no such audio file"));
    }
    let stem = file_name.split('.').next().unwrap_or_default().to_string();
    let etag = EntityTag::new_strong(stem);
    let cache = CacheControl(vec![
        CacheDirective::Public,
        CacheDirective::MaxAge(31_536_000),
        CacheDirective::Extension("immutable".into(), None),
    ]);
    // Content-addressed: the same name is always the same bytes.
    if let Some(inm) = req.headers().get(header::IF_NONE_MATCH)
        && inm
            .to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim() == etag.to_string()))
    {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(etag))
            .insert_header(cache)
            .finish());
    }
    let audio = state
        .clients
        .speech
        .clone()
        .get_audio(GetAudioRequest { file_name })
        .await?
        .into_inner();
    Ok(HttpResponse::Ok()
        .content_type(audio.content_type)
        .insert_header(ETag(etag))
        .insert_header(cache)
        .body(audio.data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentlocator_proto::v1::{
        self as pb,
        speech_service_server::{SpeechService, SpeechServiceServer},
    };
    use tonic::{Request, Response, Status};

    const NAME: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// A speech-svc that knows one file.
    struct OneFile;

    #[tonic::async_trait]
    impl SpeechService for OneFile {
        async fn info(
            &self,
            _: Request<pb::ServiceInfoRequest>,
        ) -> Result<Response<pb::ServiceInfo>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn transcribe(
            &self,
            _: Request<pb::TranscribeRequest>,
        ) -> Result<Response<pb::TranscribeResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn reply(
            &self,
            _: Request<pb::ReplyRequest>,
        ) -> Result<Response<pb::ReplyResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn synthesize(
            &self,
            _: Request<pb::SynthesizeRequest>,
        ) -> Result<Response<pb::SynthesizeResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn reply_and_speak(
            &self,
            _: Request<pb::ReplyAndSpeakRequest>,
        ) -> Result<Response<pb::ReplyAndSpeakResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        type StreamReplyAndSpeakStream =
            futures::stream::Empty<Result<pb::SpokenReplyChunk, Status>>;
        async fn stream_reply_and_speak(
            &self,
            _: Request<pb::ReplyAndSpeakRequest>,
        ) -> Result<Response<Self::StreamReplyAndSpeakStream>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn summarize_call(
            &self,
            _: Request<pb::SummarizeCallRequest>,
        ) -> Result<Response<pb::SummarizeCallResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn get_audio(
            &self,
            req: Request<pb::GetAudioRequest>,
        ) -> Result<Response<pb::GetAudioResponse>, Status> {
            if req.into_inner().file_name == format!("{NAME}.wav") {
                Ok(Response::new(pb::GetAudioResponse {
                    data: b"RIFF-test-audio".to_vec(),
                    content_type: "audio/wav".into(),
                }))
            } else {
                Err(Status::not_found("no audio file"))
            }
        }
    }

    #[actix_web::test]
    async fn serves_cached_audio_with_immutable_caching() {
        use actix_web::test;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = tokio_util::sync::CancellationToken::new();
        let server_stop = stop.clone();
        tokio::spawn(async move {
            agentlocator_common::grpc::serve(
                listener,
                SpeechServiceServer::new(OneFile),
                server_stop,
            )
            .await
            .unwrap();
        });
        let vars = [
            ("SPEECH_SVC_URL".to_string(), format!("http://{addr}")),
            (
                "SECRET_KEY".to_string(),
                "test-secret-test-secret-test-secret!".to_string(),
            ),
        ]
        .into_iter()
        .collect();
        let config = agentlocator_common::Config::from_map(&vars).unwrap();
        let app = test::init_service(crate::create_app(crate::state_for(&config).unwrap())).await;

        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&format!("/static/tts/{NAME}.wav"))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers().get("content-type").unwrap(), "audio/wav");
        assert!(
            res.headers()
                .get("cache-control")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        let etag = res
            .headers()
            .get("etag")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(test::read_body(res).await, &b"RIFF-test-audio"[..]);

        // A revalidation is answered without asking speech-svc.
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&format!("/static/tts/{NAME}.wav"))
                .insert_header(("if-none-match", etag))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), 304);

        for uri in [
            format!("/static/tts/{NAME}.mp3"),
            "/static/tts/..%2F..%2Fetc%2Fpasswd".into(),
            format!("/static/tts/{}.wav", NAME.to_uppercase()),
            "/static/tts/x.ogg".into(),
        ] {
            let res =
                test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
            assert_eq!(res.status(), 404, "{uri}");
        }
        stop.cancel();
    }

    #[test]
    fn only_cache_file_names_pass() {
        assert!(is_cache_file_name(&format!("{NAME}.wav")));
        assert!(is_cache_file_name(&format!("{NAME}.mp3")));
        assert!(!is_cache_file_name(NAME));
        assert!(!is_cache_file_name(&format!("{NAME}.wav.mp3")));
        assert!(!is_cache_file_name("../x.wav"));
    }
}
