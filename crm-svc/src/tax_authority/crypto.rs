//! The tokens of a business's Tax Authority connection at rest: AES-256-GCM with the key from
//! `TAX_AUTHORITY_TOKEN_KEY`, a random 96-bit nonce per value, and the business id as associated
//! data (a ciphertext copied to another business's row does not decrypt). Stored as base64 of
//! nonce ‖ ciphertext ‖ tag.

use crate::error::{Error, Result};
use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use rand::RngCore;

const NONCE_LEN: usize = 12;

/// Encrypts and decrypts stored tokens.
#[derive(Clone)]
pub struct TokenCipher {
    cipher: Aes256Gcm,
}

impl TokenCipher {
    pub fn new(key: &[u8; 32]) -> Self {
        TokenCipher {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// `plain` sealed for the row of `business_id`.
    pub fn seal(&self, business_id: &str, plain: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: business_id.as_bytes(),
                },
            )
            .map_err(|_| Error::Internal("cannot encrypt a token".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// The token [`TokenCipher::seal`] sealed for `business_id`; a value sealed with another key
    /// or for another business is an error (the connection must be made again).
    pub fn open(&self, business_id: &str, stored: &str) -> Result<String> {
        let bad = || Error::Internal("a stored Tax Authority token does not decrypt".into());
        let bytes = STANDARD.decode(stored).map_err(|_| bad())?;
        if bytes.len() < NONCE_LEN {
            return Err(bad());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| bad())?;
        let plain = self
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: business_id.as_bytes(),
                },
            )
            .map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_only_with_their_key_and_business() {
        let c = TokenCipher::new(&[7; 32]);
        let a = c.seal("b1", "access-token-value").unwrap();
        let b = c.seal("b1", "access-token-value").unwrap();
        assert_ne!(a, b, "a fresh nonce every time");
        assert!(!a.contains("access-token-value"));
        assert_eq!(c.open("b1", &a).unwrap(), "access-token-value");
        assert!(c.open("b2", &a).is_err(), "another business's row");
        assert!(TokenCipher::new(&[8; 32]).open("b1", &a).is_err());
        assert!(c.open("b1", "not base64!").is_err());
        assert!(c.open("b1", "AAAA").is_err());
    }
}
