//! Secrets out of logs and traces. Every log line and span attribute that shows a request path or
//! a URL passes it through [`url`] first: a signing link's token, a query string's tokens, keys and
//! URL signatures, and credentials written into a URL never reach a log or a trace backend.

/// What a secret is replaced with.
pub const REDACTED: &str = "REDACTED";

/// Paths whose next segment is a bearer secret: the signing page (`/signature/<token>`) and the
/// signing API (`/api/public/signatures/<token>`). `/api/signatures/<id>` carries an id, not a
/// secret, but it is redacted too so that no spelling of a signing URL slips through.
const SECRET_SEGMENT_AFTER: &[&str] =
    &["/signature/", "/api/public/signatures/", "/api/signatures/"];

/// Query parameters whose value is a secret, by exact name (compared without case).
const SECRET_PARAMS: &[&str] = &[
    "key",
    "api_key",
    "apikey",
    "sig",
    "signature",
    "expires",
    "code",
    "password",
    "x-amz-credential",
];

/// Name endings that make any query parameter a secret (`token`, `access_token`,
/// `hub.verify_token`, `client_secret`, `x-amz-signature`, …).
const SECRET_SUFFIXES: &[&str] = &["token", "secret", "signature", "password"];

/// `input` (a path with or without its query string, or a whole URL) with its secrets replaced by
/// [`REDACTED`]; everything else is left as it was, so the log still says which route was called.
pub fn url(input: &str) -> String {
    let (before_fragment, fragment) = split_keep(input, '#');
    let (head, query) = split_keep(before_fragment, '?');
    let (origin, path) = split_origin(head);
    let mut out = String::with_capacity(input.len());
    out.push_str(&origin);
    out.push_str(&redact_path(path));
    if let Some(q) = query {
        out.push('?');
        out.push_str(&redact_query(q));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// `(before, Some(after))` around the first `sep`, or `(s, None)`.
fn split_keep(s: &str, sep: char) -> (&str, Option<&str>) {
    match s.split_once(sep) {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    }
}

/// `scheme://authority` (credentials in it redacted) and the path after it; a bare path has no
/// origin.
fn split_origin(head: &str) -> (String, &str) {
    let Some(scheme_end) = head.find("://") else {
        return (String::new(), head);
    };
    let rest = &head[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("{REDACTED}@{host}"),
        None => authority.to_string(),
    };
    (
        format!("{}{authority}", &head[..scheme_end + 3]),
        &rest[authority_end..],
    )
}

fn redact_path(path: &str) -> String {
    for prefix in SECRET_SEGMENT_AFTER {
        if let Some(rest) = path.strip_prefix(prefix) {
            let (segment, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            if !segment.is_empty() {
                return format!("{prefix}{REDACTED}{tail}");
            }
        }
    }
    path.to_string()
}

fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret_param(name) => {
                format!("{name}={REDACTED}")
            }
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn is_secret_param(raw_name: &str) -> bool {
    let name = percent_decoded_lowercase(raw_name);
    SECRET_PARAMS.contains(&name.as_str()) || SECRET_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// The name with `%XX` escapes and `+` decoded, lowercased: `access%5Ftoken` is `access_token`.
fn percent_decoded_lowercase(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::url;

    #[test]
    fn signing_tokens_in_paths_are_redacted() {
        assert_eq!(url("/signature/abc123DEF"), "/signature/REDACTED");
        assert_eq!(
            url("/api/public/signatures/abc123DEF"),
            "/api/public/signatures/REDACTED"
        );
        assert_eq!(
            url("/api/signatures/0190abcd/image"),
            "/api/signatures/REDACTED/image"
        );
        assert_eq!(
            url("https://crm.example.com/signature/tok?x=1"),
            "https://crm.example.com/signature/REDACTED?x=1"
        );
        // Routes without secrets, and the bare prefixes, stay as they are.
        for plain in [
            "/api/crm/customers/0190abcd",
            "/signature/",
            "/api/contracts/1/signatures",
            "/healthz",
            "",
        ] {
            assert_eq!(url(plain), plain);
        }
    }

    #[test]
    fn secret_query_parameters_are_redacted() {
        assert_eq!(
            url("/socket.io/?EIO=4&transport=polling&token=eyJhbGciOi"),
            "/socket.io/?EIO=4&transport=polling&token=REDACTED"
        );
        assert_eq!(
            url("/x?access_token=a&Access%5FToken=b&key=c&api_key=d&refresh_token=e"),
            "/x?access_token=REDACTED&Access%5FToken=REDACTED&key=REDACTED&api_key=REDACTED&refresh_token=REDACTED"
        );
        // A signed URL: its signature, credential and expiry.
        assert_eq!(
            url(
                "https://bucket.s3.amazonaws.com/r.mp3?X-Amz-Credential=AK&X-Amz-Signature=ff&Expires=9&sig=s&signature=t"
            ),
            "https://bucket.s3.amazonaws.com/r.mp3?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&Expires=REDACTED&sig=REDACTED&signature=REDACTED"
        );
        assert_eq!(
            url("/webhook/whatsapp_cloud?hub.mode=subscribe&hub.verify_token=v&hub.challenge=1"),
            "/webhook/whatsapp_cloud?hub.mode=subscribe&hub.verify_token=REDACTED&hub.challenge=1"
        );
        // Ordinary parameters (Twilio's business_id among them) are kept.
        let plain = "/webhook/recording_status?business_id=0190&to=%2B972501234567&q=key&monkey=1";
        assert_eq!(url(plain), plain);
        // Empty values and names without values stay.
        assert_eq!(url("/x?token=&token"), "/x?token=&token");
    }

    #[test]
    fn credentials_in_urls_are_redacted() {
        assert_eq!(
            url("https://AC123:authtoken@api.twilio.com/2010-04-01/Accounts/AC123/Recordings/RE1"),
            "https://REDACTED@api.twilio.com/2010-04-01/Accounts/AC123/Recordings/RE1"
        );
        assert_eq!(
            url("wss://voice.example.com/webhook/media_stream#frag"),
            "wss://voice.example.com/webhook/media_stream#frag"
        );
    }
}
