//! Twilio's REST API, form-encoded with HTTP basic auth (account SID and auth token): create an
//! outbound call (`POST /2010-04-01/Accounts/{AccountSid}/Calls.json`) and record a live call
//! (`POST …/Calls/{CallSid}/Recordings.json`).

use crate::error::{Error, Result};
use agentlocator_common::Secret;
use serde::Deserialize;
use std::time::Duration;

#[derive(Clone)]
pub struct TwilioRest {
    http: reqwest::Client,
    /// Without a trailing slash, e.g. `https://api.twilio.com`.
    base_url: String,
    account_sid: String,
    auth_token: Secret,
}

/// A call to place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    /// Rung first.
    pub to: String,
    /// One of the account's numbers.
    pub from: String,
    /// Where Twilio fetches the TwiML once `to` answers.
    pub url: String,
    /// Where Twilio posts status changes.
    pub status_callback: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CreatedCall {
    pub sid: String,
    #[serde(default)]
    pub status: String,
}

/// Twilio's error body.
#[derive(Debug, Deserialize)]
struct TwilioError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: String,
}

impl TwilioRest {
    pub fn new(base_url: &str, account_sid: String, auth_token: Secret) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| Error::Twilio(format!("HTTP client: {e}")))?;
        Ok(TwilioRest {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            account_sid,
            auth_token,
        })
    }

    /// Places `call`; Twilio answers 201 with the new call's SID.
    pub async fn create_call(&self, call: &NewCall) -> Result<CreatedCall> {
        let body = self
            .post_form(
                "Calls.json",
                &[
                    ("To", call.to.as_str()),
                    ("From", call.from.as_str()),
                    ("Url", call.url.as_str()),
                    ("Method", "POST"),
                    ("StatusCallback", call.status_callback.as_str()),
                    ("StatusCallbackMethod", "POST"),
                ],
            )
            .await?;
        let created: CreatedCall = serde_json::from_slice(&body)
            .map_err(|e| Error::Twilio(format!("unexpected answer: {e}")))?;
        if created.sid.is_empty() {
            return Err(Error::Twilio("answer without a call SID".into()));
        }
        Ok(created)
    }

    /// Starts a dual-channel recording (caller and agent on their own channels) of the live call
    /// `call_sid`; Twilio posts it to `status_callback` when it is complete. Returns its SID.
    pub async fn start_recording(&self, call_sid: &str, status_callback: &str) -> Result<String> {
        check_call_sid(call_sid)?;
        let body = self
            .post_form(
                &format!("Calls/{call_sid}/Recordings.json"),
                &[
                    ("RecordingChannels", "dual"),
                    ("RecordingStatusCallback", status_callback),
                    ("RecordingStatusCallbackMethod", "POST"),
                    ("RecordingStatusCallbackEvent", "completed"),
                ],
            )
            .await?;
        let created: CreatedCall = serde_json::from_slice(&body)
            .map_err(|e| Error::Twilio(format!("unexpected answer: {e}")))?;
        Ok(created.sid)
    }

    /// Replaces what the live call `call_sid` does with `twiml` (which ends its Media Stream):
    /// `POST Calls/{sid}.json` with `Twiml`.
    pub async fn redirect_call(&self, call_sid: &str, twiml: &str) -> Result<()> {
        check_call_sid(call_sid)?;
        self.post_form(&format!("Calls/{call_sid}.json"), &[("Twiml", twiml)])
            .await?;
        Ok(())
    }

    /// POSTs `form` to `/2010-04-01/Accounts/{AccountSid}/{path}`; the body of a 2xx answer.
    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Result<Vec<u8>> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/{path}",
            self.base_url, self.account_sid
        );
        let res = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .form(form)
            .send()
            .await
            .map_err(|e| Error::Twilio(format!("request failed: {e}")))?;
        let status = res.status();
        let body = res
            .bytes()
            .await
            .map_err(|e| Error::Twilio(format!("reading the answer failed: {e}")))?;
        if !status.is_success() {
            let detail = serde_json::from_slice::<TwilioError>(&body)
                .map(|e| format!("{} (code {})", e.message, e.code.unwrap_or_default()))
                .unwrap_or_else(|_| "no error body".into());
            return Err(Error::Twilio(format!("HTTP {status}: {detail}")));
        }
        Ok(body.to_vec())
    }
}

/// A call SID goes into a URL path: only Twilio's shape (`CA` + letters and digits) is used.
fn check_call_sid(call_sid: &str) -> Result<()> {
    if !call_sid.starts_with("CA") || !call_sid.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::invalid("call_sid", "is not a Twilio call SID"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::{
        Mock, MockServer, ResponseTemplate,
        matchers::{body_string_contains, header, method, path},
    };

    // Example values in Twilio's documented format, not credentials.
    const SID: &str = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
    const TOKEN: &str = "example-auth-token";

    fn call() -> NewCall {
        NewCall {
            to: "+972501234567".into(),
            from: "+97235550100".into(),
            url: "https://voice.example/webhook/outbound_connect?to=%2B972521112233".into(),
            status_callback: "https://voice.example/webhook/call_status".into(),
        }
    }

    fn basic() -> String {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
        )
    }

    #[tokio::test]
    async fn posts_the_documented_form_with_basic_auth() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(format!("/2010-04-01/Accounts/{SID}/Calls.json")))
            .and(header("authorization", basic().as_str()))
            .and(header("content-type", "application/x-www-form-urlencoded"))
            .and(body_string_contains("To=%2B972501234567"))
            .and(body_string_contains("From=%2B97235550100"))
            .and(body_string_contains(
                "Url=https%3A%2F%2Fvoice.example%2Fwebhook%2Foutbound_connect%3Fto%3D%252B972521112233",
            ))
            .and(body_string_contains(
                "StatusCallback=https%3A%2F%2Fvoice.example%2Fwebhook%2Fcall_status",
            ))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
                "sid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                "status": "queued",
            })))
            .expect(1)
            .mount(&server)
            .await;
        let client = TwilioRest::new(&server.uri(), SID.into(), Secret::new(TOKEN)).unwrap();
        let created = client.create_call(&call()).await.unwrap();
        assert_eq!(created.sid, "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
        assert_eq!(created.status, "queued");
    }

    #[tokio::test]
    async fn a_live_call_is_recorded_on_two_channels() {
        let server = MockServer::start().await;
        let call_sid = "CA0123456789abcdef0123456789abcdef"; // example value
        Mock::given(method("POST"))
            .and(path(format!(
                "/2010-04-01/Accounts/{SID}/Calls/{call_sid}/Recordings.json"
            )))
            .and(header("authorization", basic().as_str()))
            .and(body_string_contains("RecordingChannels=dual"))
            .and(body_string_contains(
                "RecordingStatusCallback=https%3A%2F%2Fvoice.example%2Fwebhook%2Frecording_status",
            ))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
                "sid": "REXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                "status": "in-progress",
            })))
            .expect(1)
            .mount(&server)
            .await;
        let client = TwilioRest::new(&server.uri(), SID.into(), Secret::new(TOKEN)).unwrap();
        let sid = client
            .start_recording(call_sid, "https://voice.example/webhook/recording_status")
            .await
            .unwrap();
        assert_eq!(sid, "REXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
        assert!(
            client
                .start_recording("../Calls", "https://voice.example/x")
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn twilio_errors_are_typed_with_their_message() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "code": 21211,
                "message": "The 'To' number is not a valid phone number.",
                "status": 400,
            })))
            .mount(&server)
            .await;
        let client = TwilioRest::new(&server.uri(), SID.into(), Secret::new(TOKEN)).unwrap();
        let e = client.create_call(&call()).await.unwrap_err();
        assert!(matches!(e, Error::Twilio(_)));
        assert!(e.to_string().contains("21211"), "{e}");
    }
}
