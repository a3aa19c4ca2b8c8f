//! Twilio's side of the voice webhooks: example credentials, the signature Twilio puts on each
//! request, and the form body it posts.

use crate::TestEnv;

// Example values in Twilio's documented formats, not credentials.
pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef"; // example value
pub const AUTH_TOKEN: &str = "example-twilio-auth-token";

/// What the stack calls itself (TestEnv's PUBLIC_BASE_URL): Twilio signs URLs under it.
pub const PUBLIC_BASE_URL: &str = "http://127.0.0.1:8080";

/// Configures Twilio (the example credentials) in `env`: webhooks must then be signed.
pub fn twilio_vars(env: &mut TestEnv) {
    env.vars
        .insert("TWILIO_ACCOUNT_SID".into(), ACCOUNT_SID.into());
    env.vars
        .insert("TWILIO_AUTH_TOKEN".into(), AUTH_TOKEN.into());
}

pub fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Twilio's signature of a POST to `path_and_query` under [`PUBLIC_BASE_URL`].
pub fn sign(path_and_query: &str, params: &[(String, String)]) -> String {
    voice_svc::twilio_signature::compute(
        AUTH_TOKEN,
        &format!("{PUBLIC_BASE_URL}{path_and_query}"),
        params,
    )
}

/// `params` as an `application/x-www-form-urlencoded` body.
pub fn form_body(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `s` percent-encoded for a form body or a query (unreserved characters kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A signed Twilio webhook POST of `params` to `{http}{path}`, ready to send.
pub fn signed_request(
    client: &reqwest::Client,
    http: &str,
    path: &str,
    params: &[(String, String)],
) -> reqwest::RequestBuilder {
    client
        .post(format!("{http}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", sign(path, params))
        .body(form_body(params))
}
