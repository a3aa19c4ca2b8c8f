//! Sign-in tokens (JWT) shared by every service that accepts them: the gateway signs them at
//! sign-in and checks them on every API request; the notification service checks them in the
//! Socket.IO handshake.
//!
//! Two key setups:
//! - **RS256** when `JWT_PUBLIC_KEY_FILE` is set (PEM). A service that signs (the gateway) also
//!   needs `JWT_PRIVATE_KEY_FILE`; a service that only verifies needs the public key alone, so the
//!   private key never has to leave the gateway.
//! - **HS256** with `SECRET_KEY` otherwise (every replica of every verifying service shares it).
//!
//! A key only accepts its own algorithm: an RS256 setup refuses HS256 tokens (including one
//! "signed" with the public key as an HMAC secret) and `alg: none` is never accepted.

use crate::config::{Config, ConfigError};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::{path::Path, time::Duration};

/// How long a sign-in lasts.
pub const TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

/// Clock skew tolerated between the service that signed and the one that verifies.
const LEEWAY_SECS: u64 = 30;

/// What a user may do within their business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Agent,
    ReadOnly,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "owner" => Role::Owner,
            "admin" => Role::Admin,
            "agent" => Role::Agent,
            "read_only" => Role::ReadOnly,
            _ => return None,
        })
    }

    /// The role of a [`agentlocator_proto::v1::UserRole`] value; `None` for unspecified or unknown.
    pub fn from_proto(value: i32) -> Option<Role> {
        use agentlocator_proto::v1::UserRole;
        match UserRole::try_from(value).ok()? {
            UserRole::Owner => Some(Role::Owner),
            UserRole::Admin => Some(Role::Admin),
            UserRole::Agent => Some(Role::Agent),
            UserRole::ReadOnly => Some(Role::ReadOnly),
            UserRole::Unspecified => None,
        }
    }

    pub fn to_proto(self) -> agentlocator_proto::v1::UserRole {
        use agentlocator_proto::v1::UserRole;
        match self {
            Role::Owner => UserRole::Owner,
            Role::Admin => UserRole::Admin,
            Role::Agent => UserRole::Agent,
            Role::ReadOnly => UserRole::ReadOnly,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::ReadOnly => "read_only",
        }
    }
}

/// What a token says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    pub business_id: String,
    pub role: Role,
    /// Issued at (seconds since the Unix epoch).
    pub iat: u64,
    /// Expires at (seconds since the Unix epoch).
    pub exp: u64,
    /// The user's session version when the token was issued. Signing out (or being deactivated)
    /// moves the user's version on, so every token issued before stops working at once.
    /// Tokens from before this claim existed read as 0.
    #[serde(default)]
    pub sv: u32,
}

impl Claims {
    /// Claims for `user_id` of `business_id` with `role`, valid for [`TOKEN_TTL`] from now.
    pub fn new(user_id: &str, business_id: &str, role: Role) -> Self {
        let now = jsonwebtoken::get_current_timestamp();
        Claims {
            sub: user_id.to_string(),
            business_id: business_id.to_string(),
            role,
            iat: now,
            exp: now + TOKEN_TTL.as_secs(),
            sv: 0,
        }
    }

    /// The same claims for the user's session version `sv`.
    pub fn with_session(self, sv: u32) -> Self {
        Claims { sv, ..self }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Well-formed and correctly signed, but past its `exp`.
    #[error("the token has expired")]
    Expired,
    /// Malformed, wrongly signed, of another algorithm, or missing a claim.
    #[error("invalid token")]
    Invalid,
    /// These keys can only verify (no private key configured).
    #[error("no signing key is configured (JWT_PRIVATE_KEY_FILE)")]
    CannotSign,
    #[error("the token could not be signed: {0}")]
    Signing(String),
}

/// The keys tokens are signed and checked with.
pub struct TokenKeys {
    algorithm: Algorithm,
    /// `None` for a verify-only RS256 setup.
    encoding: Option<EncodingKey>,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("algorithm", &self.algorithm)
            .field("can_sign", &self.can_sign())
            .finish_non_exhaustive()
    }
}

fn validation(algorithm: Algorithm) -> Validation {
    // Only this one algorithm: the header's `alg` does not get to choose.
    let mut v = Validation::new(algorithm);
    v.leeway = LEEWAY_SECS;
    v.set_required_spec_claims(&["exp", "sub"]);
    v
}

impl TokenKeys {
    /// HS256 with a shared secret.
    pub fn hs256(secret: &[u8]) -> Self {
        TokenKeys {
            algorithm: Algorithm::HS256,
            encoding: Some(EncodingKey::from_secret(secret)),
            decoding: DecodingKey::from_secret(secret),
            validation: validation(Algorithm::HS256),
        }
    }

    /// RS256 from PEM keys (PKCS#1 or PKCS#8 private key; SubjectPublicKeyInfo or PKCS#1 public
    /// key). Without a private key the keys only verify. A private key that does not belong to
    /// the public key is refused, so a mismatched pair fails at start-up, not at the first login.
    pub fn rs256(private_pem: Option<&[u8]>, public_pem: &[u8]) -> Result<Self, ConfigError> {
        let decoding = DecodingKey::from_rsa_pem(public_pem).map_err(|e| ConfigError {
            var: "JWT_PUBLIC_KEY_FILE",
            message: format!("not an RSA public key in PEM form: {e}"),
        })?;
        let encoding = private_pem
            .map(|pem| {
                EncodingKey::from_rsa_pem(pem).map_err(|e| ConfigError {
                    var: "JWT_PRIVATE_KEY_FILE",
                    message: format!("not an RSA private key in PEM form: {e}"),
                })
            })
            .transpose()?;
        let keys = TokenKeys {
            algorithm: Algorithm::RS256,
            encoding,
            decoding,
            validation: validation(Algorithm::RS256),
        };
        if keys.can_sign() {
            let probe = keys
                .sign(&Claims::new("key-check", "key-check", Role::ReadOnly))
                .map_err(|e| ConfigError {
                    var: "JWT_PRIVATE_KEY_FILE",
                    message: e.to_string(),
                })?;
            keys.verify(&probe).map_err(|_| ConfigError {
                var: "JWT_PUBLIC_KEY_FILE",
                message: "is not the public half of JWT_PRIVATE_KEY_FILE".into(),
            })?;
        }
        Ok(keys)
    }

    /// The keys `config` describes, for a service that only verifies tokens: RS256 with
    /// `JWT_PUBLIC_KEY_FILE` when it is set (`JWT_PRIVATE_KEY_FILE` is not read), otherwise HS256
    /// with `SECRET_KEY` (see [`Config::resolve_secret_key`]). A key file that is missing or not a
    /// key is an error naming its variable.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        match &config.jwt_public_key_file {
            Some(public) => Self::rs256(None, &read_key("JWT_PUBLIC_KEY_FILE", public)?),
            None => Ok(Self::hs256(
                config.resolve_secret_key()?.expose().as_bytes(),
            )),
        }
    }

    /// Like [`TokenKeys::from_config`], for the service that signs tokens (the gateway): an RS256
    /// setup must also have `JWT_PRIVATE_KEY_FILE`, and the two must be one pair.
    pub fn signing_from_config(config: &Config) -> Result<Self, ConfigError> {
        let Some(public) = &config.jwt_public_key_file else {
            return Self::from_config(config);
        };
        let private = config.jwt_private_key_file.as_deref().ok_or(ConfigError {
            var: "JWT_PRIVATE_KEY_FILE",
            message: "is required to sign in users when JWT_PUBLIC_KEY_FILE is set".into(),
        })?;
        Self::rs256(
            Some(&read_key("JWT_PRIVATE_KEY_FILE", private)?),
            &read_key("JWT_PUBLIC_KEY_FILE", public)?,
        )
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn can_sign(&self) -> bool {
        self.encoding.is_some()
    }

    /// A signed token carrying `claims`.
    pub fn sign(&self, claims: &Claims) -> Result<String, JwtError> {
        let key = self.encoding.as_ref().ok_or(JwtError::CannotSign)?;
        jsonwebtoken::encode(&Header::new(self.algorithm), claims, key)
            .map_err(|e| JwtError::Signing(e.to_string()))
    }

    /// A token for `user_id` of `business_id` with `role`, valid for [`TOKEN_TTL`].
    pub fn issue(&self, user_id: &str, business_id: &str, role: Role) -> Result<String, JwtError> {
        self.sign(&Claims::new(user_id, business_id, role))
    }

    /// The claims of a valid, unexpired token signed with these keys' algorithm and key.
    pub fn verify(&self, token: &str) -> Result<Claims, JwtError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => JwtError::Expired,
                _ => JwtError::Invalid,
            })
    }
}

fn read_key(var: &'static str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| ConfigError {
        var,
        message: format!("{}: {e}", path.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use std::{collections::HashMap, sync::OnceLock};

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    /// Two RSA key pairs generated once per test run (private PKCS#8 PEM, public SPKI PEM).
    fn rsa_pairs() -> &'static [(String, String); 2] {
        static PAIRS: OnceLock<[(String, String); 2]> = OnceLock::new();
        PAIRS.get_or_init(|| {
            use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
            let pair = || {
                let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
                let private = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
                let public = key
                    .to_public_key()
                    .to_public_key_pem(LineEnding::LF)
                    .unwrap();
                (private, public)
            };
            [pair(), pair()]
        })
    }

    fn rs256(i: usize) -> TokenKeys {
        let (private, public) = &rsa_pairs()[i];
        TokenKeys::rs256(Some(private.as_bytes()), public.as_bytes()).unwrap()
    }

    fn rs256_verify_only(i: usize) -> TokenKeys {
        TokenKeys::rs256(None, rsa_pairs()[i].1.as_bytes()).unwrap()
    }

    fn expired() -> Claims {
        Claims {
            sub: "u".into(),
            business_id: "b".into(),
            role: Role::Owner,
            iat: 1,
            exp: 2,
            sv: 0,
        }
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn hs256_round_trip_and_tampering() {
        let t = TokenKeys::hs256(SECRET);
        assert_eq!(t.algorithm(), Algorithm::HS256);
        let token = t.issue("u1", "b1", Role::Agent).unwrap();
        let c = t.verify(&token).unwrap();
        assert_eq!(
            (c.sub.as_str(), c.business_id.as_str(), c.role),
            ("u1", "b1", Role::Agent)
        );
        assert_eq!(c.exp - c.iat, TOKEN_TTL.as_secs());

        let other = TokenKeys::hs256(b"another-key-another-key-another-key!");
        assert_eq!(other.verify(&token), Err(JwtError::Invalid));
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        parts[1] = parts[1].chars().rev().collect();
        assert_eq!(t.verify(&parts.join(".")), Err(JwtError::Invalid));
        assert_eq!(t.verify("not-a-jwt"), Err(JwtError::Invalid));
    }

    #[test]
    fn rs256_round_trip_and_verify_only() {
        let signer = rs256(0);
        assert_eq!(signer.algorithm(), Algorithm::RS256);
        let token = signer.issue("u1", "b1", Role::Admin).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.alg, Algorithm::RS256);

        let verifier = rs256_verify_only(0);
        assert!(!verifier.can_sign());
        let c = verifier.verify(&token).unwrap();
        assert_eq!((c.sub.as_str(), c.role), ("u1", Role::Admin));
        assert_eq!(
            verifier.issue("u", "b", Role::Agent),
            Err(JwtError::CannotSign)
        );
    }

    #[test]
    fn a_token_of_another_key_is_refused() {
        let token = rs256(0).issue("u", "b", Role::Agent).unwrap();
        assert_eq!(rs256_verify_only(1).verify(&token), Err(JwtError::Invalid));
        // Neither algorithm accepts the other's tokens.
        assert_eq!(
            TokenKeys::hs256(SECRET).verify(&token),
            Err(JwtError::Invalid)
        );
        let hs = TokenKeys::hs256(SECRET)
            .issue("u", "b", Role::Agent)
            .unwrap();
        assert_eq!(rs256(0).verify(&hs), Err(JwtError::Invalid));
    }

    #[test]
    fn expired_tokens_say_so_with_both_algorithms() {
        for keys in [TokenKeys::hs256(SECRET), rs256(0)] {
            let token = keys.sign(&expired()).unwrap();
            assert_eq!(keys.verify(&token), Err(JwtError::Expired), "{keys:?}");
        }
        // Within the leeway is still valid.
        let keys = rs256(0);
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            exp: now - 5,
            ..expired()
        };
        assert!(keys.verify(&keys.sign(&claims).unwrap()).is_ok());
    }

    #[test]
    fn hs256_signed_with_the_public_key_is_refused_by_rs256() {
        // The classic algorithm confusion: the attacker knows the public key and uses its PEM
        // text as an HMAC secret, hoping the verifier picks the algorithm from the header.
        let public = rsa_pairs()[0].1.as_bytes();
        let claims = Claims::new("attacker", "b1", Role::Owner);
        let forged = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(public),
        )
        .unwrap();
        assert_eq!(rs256_verify_only(0).verify(&forged), Err(JwtError::Invalid));
        assert_eq!(rs256(0).verify(&forged), Err(JwtError::Invalid));
        // And the same bytes with an RS256 header but an HMAC signature.
        let header = b64(br#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = forged.split('.').nth(1).unwrap();
        let sig = forged.split('.').nth(2).unwrap();
        let relabelled = format!("{header}.{payload}.{sig}");
        assert_eq!(
            rs256_verify_only(0).verify(&relabelled),
            Err(JwtError::Invalid)
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = b64(&serde_json::to_vec(&Claims::new("u", "b", Role::Owner)).unwrap());
        let forged = format!("{header}.{payload}.");
        assert_eq!(
            TokenKeys::hs256(SECRET).verify(&forged),
            Err(JwtError::Invalid)
        );
        assert_eq!(rs256(0).verify(&forged), Err(JwtError::Invalid));
    }

    #[test]
    fn a_mismatched_or_broken_pair_names_the_variable() {
        let [(p0, _), (_, pub1)] = rsa_pairs();
        let e = TokenKeys::rs256(Some(p0.as_bytes()), pub1.as_bytes()).unwrap_err();
        assert_eq!(e.var, "JWT_PUBLIC_KEY_FILE");
        let e = TokenKeys::rs256(None, b"not a key").unwrap_err();
        assert_eq!(e.var, "JWT_PUBLIC_KEY_FILE");
        let e = TokenKeys::rs256(Some(b"not a key"), pub1.as_bytes()).unwrap_err();
        assert_eq!(e.var, "JWT_PRIVATE_KEY_FILE");
    }

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_map(&map)
    }

    #[test]
    fn keys_from_configuration() {
        let dir = std::env::temp_dir().join(format!("al-jwt-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let (private, public) = &rsa_pairs()[0];
        let private_path = dir.join("jwt.key");
        let public_path = dir.join("jwt.pub");
        std::fs::write(&private_path, private).unwrap();
        std::fs::write(&public_path, public).unwrap();
        let (private_path, public_path) = (
            private_path.display().to_string(),
            public_path.display().to_string(),
        );
        let secret = "k".repeat(40);

        // SECRET_KEY alone: HS256.
        let c = config(&[("SECRET_KEY", &secret)]).unwrap();
        let hs = TokenKeys::signing_from_config(&c).unwrap();
        assert_eq!(hs.algorithm(), Algorithm::HS256);
        let token = hs.issue("u", "b", Role::Agent).unwrap();
        assert!(TokenKeys::hs256(secret.as_bytes()).verify(&token).is_ok());

        // Both files: RS256, and a verify-only service with the public key reads its tokens.
        let c = config(&[
            ("SECRET_KEY", &secret),
            ("JWT_PRIVATE_KEY_FILE", &private_path),
            ("JWT_PUBLIC_KEY_FILE", &public_path),
        ])
        .unwrap();
        let rs = TokenKeys::signing_from_config(&c).unwrap();
        assert_eq!(rs.algorithm(), Algorithm::RS256);
        let token = rs.issue("u", "b", Role::Agent).unwrap();
        let c = config(&[("JWT_PUBLIC_KEY_FILE", &public_path)]).unwrap();
        let verifier = TokenKeys::from_config(&c).unwrap();
        assert!(verifier.verify(&token).is_ok());
        // … but such a service cannot sign in users.
        assert_eq!(
            TokenKeys::signing_from_config(&c).unwrap_err().var,
            "JWT_PRIVATE_KEY_FILE"
        );

        // A missing file or a file that is not a key names its variable.
        let missing = dir.join("nope.pem").display().to_string();
        let c = config(&[("JWT_PUBLIC_KEY_FILE", &missing)]).unwrap();
        assert_eq!(
            TokenKeys::from_config(&c).unwrap_err().var,
            "JWT_PUBLIC_KEY_FILE"
        );
        let c = config(&[
            ("JWT_PRIVATE_KEY_FILE", &public_path),
            ("JWT_PUBLIC_KEY_FILE", &public_path),
        ])
        .unwrap();
        assert_eq!(
            TokenKeys::signing_from_config(&c).unwrap_err().var,
            "JWT_PRIVATE_KEY_FILE"
        );
        // A verifying service never reads the private key (it need not be mounted there).
        let c = config(&[
            ("JWT_PRIVATE_KEY_FILE", &missing),
            ("JWT_PUBLIC_KEY_FILE", &public_path),
        ])
        .unwrap();
        assert!(TokenKeys::from_config(&c).unwrap().verify(&token).is_ok());
        // A private key without its public half is a configuration error.
        assert_eq!(
            config(&[("JWT_PRIVATE_KEY_FILE", &private_path)])
                .unwrap_err()
                .var,
            "JWT_PUBLIC_KEY_FILE"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
