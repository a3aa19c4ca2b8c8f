//! `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + every POST parameter as name+value,
//! sorted by name)), as Twilio documents it for form-encoded webhooks.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// The signature Twilio sends for a POST to `url` with form `params`.
pub fn compute(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // By name; a repeated name by value, as Twilio's own libraries do.
    sorted.sort();
    let mut mac =
        Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` is Twilio's for this request (compared in constant time).
pub fn is_valid(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let signature = signature.trim();
    if signature.is_empty() {
        return false;
    }
    let expected = compute(auth_token, url, params);
    expected.as_bytes().ct_eq(signature.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked example of Twilio's webhook security documentation (auth token "12345" is the
    // documentation's example value, not a credential).
    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const EXPECTED: &str = "GvWf1cFY/Q7PnoempGyD5oXAezc=";

    fn params() -> Vec<(String, String)> {
        [
            ("Digits", "1234"),
            ("To", "+18005551212"),
            ("From", "+14158675310"),
            ("Caller", "+14158675310"),
            ("CallSid", "CA1234567890ABCDE"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn matches_twilios_documented_example() {
        assert_eq!(compute(TOKEN, URL, &params()), EXPECTED);
        assert!(is_valid(TOKEN, URL, &params(), EXPECTED));
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let mut reversed = params();
        reversed.reverse();
        assert_eq!(compute(TOKEN, URL, &reversed), EXPECTED);
    }

    #[test]
    fn any_change_is_refused() {
        let mut tampered = params();
        tampered[0].1 = "9999".into();
        assert!(!is_valid(TOKEN, URL, &tampered, EXPECTED));
        let mut extra = params();
        extra.push(("RecordingUrl".into(), "https://evil.example/x".into()));
        assert!(!is_valid(TOKEN, URL, &extra, EXPECTED));
        assert!(!is_valid(
            TOKEN,
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            &params(),
            EXPECTED
        ));
        assert!(!is_valid(
            TOKEN,
            &URL.replace("https", "http"),
            &params(),
            EXPECTED
        ));
        assert!(!is_valid("54321", URL, &params(), EXPECTED));
        assert!(!is_valid(
            TOKEN,
            URL,
            &params(),
            "GvWf1cFY/Q7PnoempGyD5oXAezc"
        ));
    }

    #[test]
    fn a_missing_signature_is_refused() {
        assert!(!is_valid(TOKEN, URL, &params(), ""));
        assert!(!is_valid(TOKEN, URL, &params(), "   "));
    }
}
