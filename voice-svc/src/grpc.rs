//! The gRPC face of voice-svc: thin methods over [`crate::service::Voice`].

use crate::{
    error::Error,
    service::{Voice, WebhookAnswer},
};
use agentlocator_proto::v1::{
    ServiceInfo, ServiceInfoRequest, StartOutboundCallRequest, StartOutboundCallResponse,
    WebhookRequest, WebhookResponse, voice_service_server::VoiceService, webhook_response,
};
use tonic::{Request, Response, Status};

pub struct VoiceGrpc {
    info: ServiceInfo,
    voice: Voice,
}

impl VoiceGrpc {
    pub fn new(info: ServiceInfo, voice: Voice) -> Self {
        VoiceGrpc { info, voice }
    }
}

#[tonic::async_trait]
impl VoiceService for VoiceGrpc {
    async fn info(&self, _: Request<ServiceInfoRequest>) -> Result<Response<ServiceInfo>, Status> {
        Ok(Response::new(self.info.clone()))
    }

    async fn handle_webhook(
        &self,
        request: Request<WebhookRequest>,
    ) -> Result<Response<WebhookResponse>, Status> {
        let r = request.into_inner();
        let webhook = r.webhook();
        let params = r.params.into_iter().map(|p| (p.name, p.value)).collect();
        let answer = self
            .voice
            .handle_webhook(webhook, &r.path_and_query, params, &r.signature)
            .await
            .map_err(Status::from)?;
        let result = match answer {
            WebhookAnswer::Twiml(xml) => webhook_response::Result::Twiml(xml),
            WebhookAnswer::Rejected(why) => webhook_response::Result::Rejected(why as i32),
        };
        Ok(Response::new(WebhookResponse {
            result: Some(result),
        }))
    }

    async fn start_outbound_call(
        &self,
        request: Request<StartOutboundCallRequest>,
    ) -> Result<Response<StartOutboundCallResponse>, Status> {
        let r = request.into_inner();
        if r.business_id.trim().is_empty() {
            return Err(Error::invalid("business_id", "is required").into());
        }
        if r.customer_id.trim().is_empty() {
            return Err(Error::invalid("customer_id", "is required").into());
        }
        Ok(Response::new(self.voice.start_outbound_call(r).await?))
    }
}
