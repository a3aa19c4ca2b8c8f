//! VAPID keys (RFC 8292) that sign Web Push requests: a P-256 key pair, the public half given to
//! browsers (`GET /api/push/public-key` → `PushManager.subscribe({applicationServerKey})`), the
//! private half used by notify-svc.
//!
//! Format (what most Web Push tools print): the public key is the uncompressed point
//! (`0x04 || X || Y`, 65 bytes), the private key the 32-byte scalar, both base64url without
//! padding. `VAPID_PUBLIC_KEY` + `VAPID_PRIVATE_KEY` set them; a local-only instance without them
//! generates a pair once and keeps it in `DATA_DIR/vapid_keys.json` (like `SECRET_KEY`); any other
//! instance without them has Web Push off (replicas generating keys of their own would sign with
//! keys the browsers never subscribed with).

use crate::config::{Config, ConfigError, Secret};
use base64::Engine as _;
use p256::{SecretKey, elliptic_curve::sec1::ToEncodedPoint};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const FILE: &str = "vapid_keys.json";

/// A VAPID key pair.
#[derive(Clone)]
pub struct VapidKeys {
    /// base64url of the uncompressed public point.
    pub public_key: String,
    /// base64url of the private scalar.
    pub private_key: Secret,
}

impl std::fmt::Debug for VapidKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKeys")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

impl VapidKeys {
    /// A new random key pair.
    pub fn generate() -> Self {
        loop {
            // 32 bytes from the OS generator (UUIDv4 draws its 122 random bits from it).
            let bytes: Vec<u8> = (0..2)
                .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
                .collect();
            // A scalar outside the curve order (chance ~2^-32) is simply drawn again.
            if let Ok(secret) = SecretKey::from_slice(&bytes) {
                return Self::from_secret(&secret);
            }
        }
    }

    fn from_secret(secret: &SecretKey) -> Self {
        let public = secret.public_key().to_encoded_point(false);
        VapidKeys {
            public_key: B64.encode(public.as_bytes()),
            private_key: Secret::new(B64.encode(secret.to_bytes())),
        }
    }

    /// Checks that `public_key` and `private_key` are one valid pair in the documented format.
    pub fn parse(public_key: &str, private_key: &str) -> Result<Self, ConfigError> {
        let private = B64
            .decode(private_key.trim().trim_end_matches('='))
            .map_err(|_| err("VAPID_PRIVATE_KEY", "is not base64url"))?;
        let secret = SecretKey::from_slice(&private).map_err(|_| {
            err(
                "VAPID_PRIVATE_KEY",
                "is not a P-256 private key (32 bytes, base64url)",
            )
        })?;
        let keys = Self::from_secret(&secret);
        if keys.public_key != public_key.trim().trim_end_matches('=') {
            return Err(err(
                "VAPID_PUBLIC_KEY",
                "is not the public key of VAPID_PRIVATE_KEY (expected the uncompressed point, base64url)",
            ));
        }
        Ok(keys)
    }

    /// The keys of `config`: `VAPID_PUBLIC_KEY`/`VAPID_PRIVATE_KEY`, or on a local-only instance
    /// a pair generated once and kept in `DATA_DIR`. `None` (Web Push off) on any other instance
    /// without keys: every replica must sign with the key the browsers subscribed with.
    pub fn resolve(config: &Config) -> Result<Option<Self>, ConfigError> {
        if let (Some(public), Some(private)) = (&config.vapid_public_key, &config.vapid_private_key)
        {
            return Self::parse(public, private.expose()).map(Some);
        }
        if !config.is_local_only() {
            return Ok(None);
        }
        let path = config.data_dir.join(FILE);
        let io = |e: std::io::Error| err("VAPID_PRIVATE_KEY", format!("{}: {e}", path.display()));
        let read = |text: &str| -> Result<Self, ConfigError> {
            let v: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| err("VAPID_PRIVATE_KEY", format!("{}: {e}", path.display())))?;
            Self::parse(
                v["public_key"].as_str().unwrap_or_default(),
                v["private_key"].as_str().unwrap_or_default(),
            )
        };
        let text = crate::private_file::read_or_create(&path, || {
            let keys = Self::generate();
            serde_json::json!({
                "public_key": keys.public_key,
                "private_key": keys.private_key.expose(),
            })
            .to_string()
        })
        .map_err(io)?;
        read(&text).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn generated_pairs_parse_and_mismatches_are_refused() {
        let k = VapidKeys::generate();
        assert_eq!(B64.decode(&k.public_key).unwrap().len(), 65);
        assert_eq!(B64.decode(k.private_key.expose()).unwrap().len(), 32);
        let parsed = VapidKeys::parse(&k.public_key, k.private_key.expose()).unwrap();
        assert_eq!(parsed.public_key, k.public_key);
        let other = VapidKeys::generate();
        assert_eq!(
            VapidKeys::parse(&other.public_key, k.private_key.expose())
                .unwrap_err()
                .var,
            "VAPID_PUBLIC_KEY"
        );
        assert_eq!(
            VapidKeys::parse(&k.public_key, "short").unwrap_err().var,
            "VAPID_PRIVATE_KEY"
        );
    }

    #[test]
    fn a_local_instance_generates_keys_once_a_public_one_needs_them() {
        let dir = tempfile::tempdir().unwrap();
        let vars: HashMap<String, String> = [("DATA_DIR", dir.path().to_str().unwrap())]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let config = Config::from_map(&vars).unwrap();
        let a = VapidKeys::resolve(&config).unwrap().unwrap();
        let b = VapidKeys::resolve(&config).unwrap().unwrap();
        assert_eq!(a.public_key, b.public_key);
        assert_eq!(a.private_key.expose(), b.private_key.expose());

        let mut public = vars.clone();
        public.insert("HTTP_ADDR".into(), "0.0.0.0:8080".into());
        public.insert("PUBLIC_BASE_URL".into(), "https://crm.example.com".into());
        let config = Config::from_map(&public).unwrap();
        assert!(
            VapidKeys::resolve(&config).unwrap().is_none(),
            "Web Push off"
        );
        let k = VapidKeys::generate();
        public.insert("VAPID_PUBLIC_KEY".into(), k.public_key.clone());
        public.insert(
            "VAPID_PRIVATE_KEY".into(),
            k.private_key.expose().to_string(),
        );
        let config = Config::from_map(&public).unwrap();
        assert_eq!(
            VapidKeys::resolve(&config).unwrap().unwrap().public_key,
            k.public_key
        );
    }
}
