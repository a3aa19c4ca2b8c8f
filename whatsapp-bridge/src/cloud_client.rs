//! Sending through the WhatsApp Cloud API: `POST {base}/{phone_number_id}/messages` with the
//! access token as a bearer (Meta's "Send messages" reference).

use crate::error::{Error, Result};
use agentlocator_common::config::Secret;
use serde::Deserialize;
use std::time::Duration;

#[derive(Clone)]
pub struct CloudClient {
    http: reqwest::Client,
    base: String,
    token: Secret,
}

#[derive(Deserialize)]
struct Sent {
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: String,
}

#[derive(Deserialize, Default)]
struct GraphError {
    #[serde(default)]
    error: GraphErrorBody,
}

#[derive(Deserialize, Default)]
struct GraphErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
}

impl CloudClient {
    pub fn new(base: &str, token: Secret) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .expect("HTTP client");
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
        }
    }

    /// Sends `text` from the number `phone_number_id` to `to_e164`; the `wamid` of the message.
    pub async fn send_text(
        &self,
        phone_number_id: &str,
        to_e164: &str,
        text: &str,
    ) -> Result<String> {
        let body = serde_json::json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to_e164.trim_start_matches('+'),
            "type": "text",
            "text": { "preview_url": false, "body": text },
        });
        let res = self
            .http
            .post(format!("{}/{phone_number_id}/messages", self.base))
            .bearer_auth(self.token.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                Error::SidecarUnavailable(format!("WhatsApp Cloud API: {}", e.without_url()))
            })?;
        let status = res.status();
        if status.is_success() {
            let sent: Sent = res.json().await.map_err(|e| {
                Error::SidecarUnavailable(format!("WhatsApp Cloud API answer: {e}"))
            })?;
            return sent
                .messages
                .into_iter()
                .next()
                .map(|m| m.id)
                .ok_or_else(|| {
                    Error::SidecarUnavailable("WhatsApp Cloud API returned no message id".into())
                });
        }
        let err: GraphError = res.json().await.unwrap_or_default();
        let message = format!(
            "WhatsApp Cloud API {status}: {} (code {})",
            err.error.message, err.error.code
        );
        Err(match status.as_u16() {
            // 131030 "recipient not in allowed list", 100 invalid parameter: the request's fault.
            400 => Error::Invalid {
                field: "to",
                message,
            },
            401 | 403 => Error::NotConnected(message),
            _ => Error::SidecarUnavailable(message),
        })
    }
}
