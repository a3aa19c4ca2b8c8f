//! Client of the Baileys sidecar's loopback HTTP API (whatsapp-bridge/baileys/src/server.ts):
//! session control and sending, every request carrying the shared secret.

use crate::error::{Error, Result};
use agentlocator_common::config::Secret;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
pub struct SessionState {
    pub state: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub qr: Option<String>,
    #[serde(default)]
    pub qr_data_url: Option<String>,
}

#[derive(Deserialize)]
struct Sent {
    id: String,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    message: String,
}

#[derive(Clone)]
pub struct SidecarClient {
    http: reqwest::Client,
    base: String,
    secret: Secret,
}

impl SidecarClient {
    pub fn new(base: &str, secret: Secret) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(20))
            .build()
            .expect("HTTP client");
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            secret,
        }
    }

    pub async fn start(&self, business_id: &str) -> Result<SessionState> {
        self.call(reqwest::Method::POST, business_id, "/start", None)
            .await
    }

    /// The session's state, or None when the sidecar has none for this business.
    pub async fn status(&self, business_id: &str) -> Result<Option<SessionState>> {
        match self.call(reqwest::Method::GET, business_id, "", None).await {
            Ok(s) => Ok(Some(s)),
            Err(Error::NotConnected(m)) if m == "not_found" => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn logout(&self, business_id: &str) -> Result<SessionState> {
        self.call(reqwest::Method::POST, business_id, "/logout", None)
            .await
    }

    /// Sends `text` to `jid`; the WhatsApp message id.
    pub async fn send_text(&self, business_id: &str, jid: &str, text: &str) -> Result<String> {
        let body = serde_json::json!({ "to": jid, "text": text });
        let sent: Sent = self
            .call(reqwest::Method::POST, business_id, "/messages", Some(body))
            .await?;
        Ok(sent.id)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        business_id: &str,
        action: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T> {
        let url = format!("{}/sessions/{business_id}{action}", self.base);
        let mut req = self
            .http
            .request(method, &url)
            .header("x-bridge-secret", self.secret.expose());
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req
            .send()
            .await
            .map_err(|e| Error::SidecarUnavailable(e.without_url().to_string()))?;
        let status = res.status();
        if status.is_success() {
            return res
                .json()
                .await
                .map_err(|e| Error::SidecarUnavailable(format!("unexpected answer: {e}")));
        }
        let err: ErrorBody = res.json().await.unwrap_or_default();
        Err(match status.as_u16() {
            404 => Error::NotConnected("not_found".into()),
            409 => Error::NotConnected(err.message),
            400 | 413 | 422 => Error::Invalid {
                field: if err.error == "invalid_recipient" {
                    "to"
                } else {
                    "text"
                },
                message: err.message,
            },
            403 => Error::SidecarUnavailable(
                "the sidecar refused the shared secret (WA_BRIDGE_SECRET differs)".into(),
            ),
            _ => Error::SidecarUnavailable(format!("{status}: {}", err.message)),
        })
    }
}
