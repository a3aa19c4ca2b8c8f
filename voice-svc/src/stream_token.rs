//! The per-call token of a Media Stream. Twilio signs the WebSocket upgrade with
//! `X-Twilio-Signature`, but over the stream URL alone (no parameters), so the signature is the same
//! for every call; what ties a stream to the call voice-svc answered is this token, made when
//! `incoming_call` answered `<Connect><Stream>` and carried back in the stream's
//! `<Parameter>`s: an HMAC-SHA256 over the call, the business, the caller and an expiry, keyed with
//! a key derived from the service's secret. A token is accepted once per replica.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// How long after `incoming_call` a stream may start (the greeting plays first).
pub const VALIDITY: Duration = Duration::from_secs(300);

/// What a stream's token vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamClaims {
    pub call_sid: String,
    pub business_id: String,
    pub from: String,
    pub to: String,
    /// Unix seconds.
    pub expires: u64,
    /// When `incoming_call` found the business closed (Unix seconds; 0: open): the session tells
    /// the agent why and until when, as the caller heard in the greeting.
    pub closed_at: u64,
}

/// Why a stream's parameters were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the stream's token is missing or malformed")]
    Malformed,
    #[error("the stream's token does not match its call")]
    Forged,
    #[error("the stream's token has expired")]
    Expired,
    #[error("the stream's token was used already")]
    Replayed,
}

/// Makes and checks stream tokens; remembers the tokens used until they expire.
pub struct StreamTokens {
    key: Vec<u8>,
    used: Mutex<HashMap<String, u64>>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl StreamTokens {
    /// Tokens keyed from `secret` (the service's secret key); the derivation keeps this key apart
    /// from every other use of the secret.
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"agentlocator media stream token v1");
        StreamTokens {
            key: mac.finalize().into_bytes().to_vec(),
            used: Mutex::new(HashMap::new()),
        }
    }

    fn mac(&self, c: &StreamClaims) -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        // Length-prefixed fields: no two different claims give the same input.
        for field in [&c.call_sid, &c.business_id, &c.from, &c.to] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        mac.update(&c.expires.to_be_bytes());
        mac.update(&c.closed_at.to_be_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Claims for `call_sid` valid from now for [`VALIDITY`].
    pub fn claims(&self, call_sid: &str, business_id: &str, from: &str, to: &str) -> StreamClaims {
        StreamClaims {
            call_sid: call_sid.to_string(),
            business_id: business_id.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            expires: now() + VALIDITY.as_secs(),
            closed_at: 0,
        }
    }

    /// The `<Parameter>`s that carry `claims` and their token.
    pub fn parameters(&self, claims: &StreamClaims) -> Vec<(String, String)> {
        let mut p = vec![
            ("business_id".into(), claims.business_id.clone()),
            ("from".into(), claims.from.clone()),
            ("to".into(), claims.to.clone()),
            ("expires".into(), claims.expires.to_string()),
        ];
        // Only on a call that found the business closed (absent is 0: open).
        if claims.closed_at > 0 {
            p.push(("closed_at".into(), claims.closed_at.to_string()));
        }
        p.push(("token".into(), B64.encode(self.mac(claims))));
        p
    }

    /// The claims of a stream whose `start` names `call_sid` and carries `params`, once: a second
    /// use of the same token is refused.
    pub fn verify(
        &self,
        call_sid: &str,
        params: &HashMap<String, String>,
    ) -> Result<StreamClaims, Refused> {
        let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
        let token = B64.decode(get("token")).map_err(|_| Refused::Malformed)?;
        let expires: u64 = get("expires").parse().map_err(|_| Refused::Malformed)?;
        if call_sid.is_empty() || get("business_id").is_empty() {
            return Err(Refused::Malformed);
        }
        let claims = StreamClaims {
            call_sid: call_sid.to_string(),
            business_id: get("business_id").to_string(),
            from: get("from").to_string(),
            to: get("to").to_string(),
            expires,
            closed_at: match get("closed_at") {
                "" => 0,
                v => v.parse().map_err(|_| Refused::Malformed)?,
            },
        };
        if !bool::from(self.mac(&claims).ct_eq(&token)) {
            return Err(Refused::Forged);
        }
        let now = now();
        if expires < now {
            return Err(Refused::Expired);
        }
        let mut used = self.used.lock().expect("token set lock");
        used.retain(|_, exp| *exp >= now);
        if used.insert(get("token").to_string(), expires).is_some() {
            return Err(Refused::Replayed);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(p: &[(String, String)]) -> HashMap<String, String> {
        p.iter().cloned().collect()
    }

    #[test]
    fn a_token_opens_its_own_call_once() {
        let tokens = StreamTokens::new(b"k");
        let claims = tokens.claims("CA1", "b1", "+972501234567", "+97235550100");
        let p = params(&tokens.parameters(&claims));
        assert_eq!(tokens.verify("CA1", &p), Ok(claims.clone()));
        assert_eq!(tokens.verify("CA1", &p), Err(Refused::Replayed));
        let closed = StreamClaims {
            closed_at: 1_796_400_000,
            ..claims
        };
        let p = params(&tokens.parameters(&closed));
        assert_eq!(tokens.verify("CA1", &p), Ok(closed));
    }

    #[test]
    fn another_call_business_key_or_expiry_is_refused() {
        let tokens = StreamTokens::new(b"k");
        let claims = tokens.claims("CA1", "b1", "+972501234567", "+97235550100");
        let p = params(&tokens.parameters(&claims));
        assert_eq!(tokens.verify("CA2", &p), Err(Refused::Forged));
        let mut other_business = p.clone();
        other_business.insert("business_id".into(), "b2".into());
        assert_eq!(tokens.verify("CA1", &other_business), Err(Refused::Forged));
        let mut later = p.clone();
        later.insert("expires".into(), (claims.expires + 1).to_string());
        assert_eq!(tokens.verify("CA1", &later), Err(Refused::Forged));
        // Nor can a caller make a closed call open (or the reverse).
        let mut open = p.clone();
        open.insert("closed_at".into(), "1796400000".into());
        assert_eq!(tokens.verify("CA1", &open), Err(Refused::Forged));
        assert_eq!(
            StreamTokens::new(b"other key").verify("CA1", &p),
            Err(Refused::Forged)
        );
        let mut expired_claims = claims.clone();
        expired_claims.expires = now() - 1;
        let expired = params(&tokens.parameters(&expired_claims));
        assert_eq!(tokens.verify("CA1", &expired), Err(Refused::Expired));
        for broken in ["", "!!", "abc"] {
            let mut q = p.clone();
            q.insert("token".into(), broken.into());
            assert!(tokens.verify("CA1", &q).is_err());
        }
        assert_eq!(
            tokens.verify("CA1", &HashMap::new()),
            Err(Refused::Malformed)
        );
    }
}
