//! The gRPC face of the bridge: thin methods over [`crate::service::Bridge`]; errors become
//! `tonic::Status` through the one `From<Error>` in [`crate::error`].

use crate::{
    replicas::{self, PeerClient},
    service::Bridge,
    sidecar::SessionState,
};
use agentlocator_proto::v1::{
    self as pb, ServiceInfo, ServiceInfoRequest, whats_app_service_server::WhatsAppService,
};
use tonic::{Request, Response, Status};

pub struct WhatsAppGrpc {
    info: ServiceInfo,
    bridge: Bridge,
}

impl WhatsAppGrpc {
    pub fn new(info: ServiceInfo, bridge: Bridge) -> Self {
        Self { info, bridge }
    }

    /// The replica to forward a call for `business_id` to: the one whose sidecar holds the
    /// business's session, unless that is this one or the call was already forwarded here.
    async fn holder<T>(
        &self,
        request: &Request<T>,
        business_id: &str,
    ) -> Result<Option<(String, PeerClient)>, Status> {
        if replicas::was_forwarded(request.metadata()) {
            return Ok(None);
        }
        match self.bridge.holder_elsewhere(business_id).await? {
            Some(addr) => {
                let peer = self.bridge.replicas().peer(&addr)?;
                tracing::debug!(business_id, holder = %addr, "forwarding to the replica holding the session");
                Ok(Some((addr, peer)))
            }
            None => Ok(None),
        }
    }

    /// A forwarded call's `message`, marked so the holder answers it itself.
    fn forwarded<T>(&self, message: T) -> Request<T> {
        self.bridge.replicas().forwarded(message)
    }
}

/// The holder's answer as it is; UNAVAILABLE (the holder's pod died before its lease expired, or
/// its sidecar is down) names the holder.
fn from_holder<T>(addr: &str, answer: Result<Response<T>, Status>) -> Result<Response<T>, Status> {
    answer.map_err(|s| match s.code() {
        tonic::Code::Unavailable => Status::unavailable(format!(
            "the whatsapp-bridge replica holding this business's WhatsApp ({addr}): {}",
            s.message()
        )),
        _ => s,
    })
}

/// A session state (or the error) as the gRPC answer.
fn reply(s: crate::error::Result<SessionState>) -> Result<Response<pb::SessionStatus>, Status> {
    let s = s?;
    Ok(Response::new(pb::SessionStatus {
        state: s.state,
        reason: s.reason.unwrap_or_default(),
        qr: s.qr.unwrap_or_default(),
        qr_data_url: s.qr_data_url.unwrap_or_default(),
    }))
}

#[tonic::async_trait]
impl WhatsAppService for WhatsAppGrpc {
    async fn info(&self, _: Request<ServiceInfoRequest>) -> Result<Response<ServiceInfo>, Status> {
        Ok(Response::new(self.info.clone()))
    }

    async fn ingest_sidecar_event(
        &self,
        request: Request<pb::SidecarRequest>,
    ) -> Result<Response<pb::IngestResponse>, Status> {
        let r = request.into_inner();
        let published = self.bridge.ingest_sidecar(&r.secret, &r.body).await?;
        Ok(Response::new(pb::IngestResponse { published }))
    }

    async fn sidecar_auth_state(
        &self,
        request: Request<pb::SidecarRequest>,
    ) -> Result<Response<pb::SidecarResponse>, Status> {
        let r = request.into_inner();
        let body = self.bridge.sidecar_auth_state(&r.secret, &r.body).await?;
        Ok(Response::new(pb::SidecarResponse { body }))
    }

    async fn verify_cloud_webhook(
        &self,
        request: Request<pb::CloudVerifyRequest>,
    ) -> Result<Response<pb::CloudVerifyResponse>, Status> {
        let r = request.into_inner();
        let challenge = self
            .bridge
            .verify_cloud(&r.mode, &r.verify_token, &r.challenge)?;
        Ok(Response::new(pb::CloudVerifyResponse { challenge }))
    }

    async fn ingest_cloud_webhook(
        &self,
        request: Request<pb::CloudWebhookRequest>,
    ) -> Result<Response<pb::IngestResponse>, Status> {
        let r = request.into_inner();
        let published = self.bridge.ingest_cloud(&r.signature, &r.body).await?;
        Ok(Response::new(pb::IngestResponse { published }))
    }

    async fn set_cloud_number(
        &self,
        request: Request<pb::SetCloudNumberRequest>,
    ) -> Result<Response<pb::SetCloudNumberResponse>, Status> {
        let r = request.into_inner();
        let phone_number_id = self
            .bridge
            .set_cloud_number(&r.business_id, &r.phone_number_id)
            .await?;
        Ok(Response::new(pb::SetCloudNumberResponse {
            phone_number_id,
        }))
    }

    async fn send_text(
        &self,
        request: Request<pb::SendTextRequest>,
    ) -> Result<Response<pb::SendTextResponse>, Status> {
        if let Some((addr, mut peer)) = self
            .holder(&request, &request.get_ref().business_id)
            .await?
        {
            let answer = peer.send_text(self.forwarded(request.into_inner())).await;
            return from_holder(&addr, answer);
        }
        let r = request.into_inner();
        let key = (!r.idempotency_key.is_empty()).then_some(r.idempotency_key.as_str());
        let id = self
            .bridge
            .send_text(&r.business_id, &r.to, &r.text, key)
            .await?;
        Ok(Response::new(pb::SendTextResponse {
            provider_message_id: id,
            status: "sent".into(),
        }))
    }

    async fn get_session(
        &self,
        request: Request<pb::SessionRequest>,
    ) -> Result<Response<pb::SessionStatus>, Status> {
        if let Some((addr, mut peer)) = self
            .holder(&request, &request.get_ref().business_id)
            .await?
        {
            let answer = peer.get_session(self.forwarded(request.into_inner())).await;
            return from_holder(&addr, answer);
        }
        let id = request.into_inner().business_id;
        reply(self.bridge.session(&id).await)
    }

    /// With no holder, this replica's sidecar takes the lease and starts the session.
    async fn start_session(
        &self,
        request: Request<pb::SessionRequest>,
    ) -> Result<Response<pb::SessionStatus>, Status> {
        if let Some((addr, mut peer)) = self
            .holder(&request, &request.get_ref().business_id)
            .await?
        {
            let answer = peer
                .start_session(self.forwarded(request.into_inner()))
                .await;
            return from_holder(&addr, answer);
        }
        let forwarded = replicas::was_forwarded(request.metadata());
        let id = request.into_inner().business_id;
        let started = self.bridge.start_session(&id).await?;
        // Another replica's sidecar took the lease between the look-up and the start: ask it.
        if !forwarded && started.reason.as_deref() == Some("held_elsewhere") {
            let again = Request::new(pb::SessionRequest {
                business_id: id.clone(),
            });
            if let Some((addr, mut peer)) = self.holder(&again, &id).await? {
                let answer = peer.start_session(self.forwarded(again.into_inner())).await;
                return from_holder(&addr, answer);
            }
        }
        reply(Ok(started))
    }

    async fn logout_session(
        &self,
        request: Request<pb::SessionRequest>,
    ) -> Result<Response<pb::SessionStatus>, Status> {
        if let Some((addr, mut peer)) = self
            .holder(&request, &request.get_ref().business_id)
            .await?
        {
            let answer = peer
                .logout_session(self.forwarded(request.into_inner()))
                .await;
            return from_holder(&addr, answer);
        }
        let id = request.into_inner().business_id;
        reply(self.bridge.logout_session(&id).await)
    }
}
