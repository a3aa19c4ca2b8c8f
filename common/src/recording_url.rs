//! Which call-recording URLs are Twilio's: https on the Twilio API host (`TWILIO_API_HOST`,
//! default `api.twilio.com`; a loopback test server may use http), no credentials inside, a
//! `…/Recordings/…` path. speech-svc downloads only such URLs (no request can make it fetch an
//! arbitrary one), and voice-svc stores only such URLs on a call (the web app plays it).

use std::net::IpAddr;
use url::Url;

/// The variable naming the host, and its default.
pub const HOST_VAR: &str = "TWILIO_API_HOST";
pub const DEFAULT_HOST: &str = "api.twilio.com";

/// The one host recordings may come from, e.g. `api.twilio.com` or (tests) `127.0.0.1:43125`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    /// Parses `host` or `host:port` (no scheme, no path).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() || s.contains(['/', '@', '?', '#', ' ']) {
            return Err(format!("{s:?} is not a host name like api.twilio.com"));
        }
        let (host, port) = match s.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(':') && !h.is_empty() => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| format!("{s:?} has an invalid port"))?;
                (h, Some(port))
            }
            _ => (s, None),
        };
        Ok(Self {
            host: host.trim_matches(['[', ']']).to_ascii_lowercase(),
            port,
        })
    }

    /// [`HOST_VAR`] of `vars` (unset or empty: [`DEFAULT_HOST`]); the error names the variable.
    pub fn from_vars(vars: &std::collections::HashMap<String, String>) -> Result<Self, String> {
        let v = vars
            .get(HOST_VAR)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .unwrap_or(DEFAULT_HOST);
        Self::parse(v).map_err(|e| format!("invalid {HOST_VAR}: {e}"))
    }

    /// Plain http is accepted only for a loopback host (a test server on this machine).
    pub fn allows_http(&self) -> bool {
        self.host == "localhost" || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        host == self.host
            && match self.port {
                Some(p) => url.port_or_known_default() == Some(p),
                None => url.port().is_none(),
            }
    }
}

impl std::fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// `raw` as a recording URL on `allowed`, or why it is not one.
pub fn check(raw: &str, allowed: &AllowedHost) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if allowed.allows_http() => {}
        s => return Err(format!("scheme {s} (only https)")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("credentials inside the URL".into());
    }
    if !allowed.matches(&url) {
        return Err(format!(
            "host {} is not the Twilio API host {allowed}",
            url.host_str().unwrap_or("(none)")
        ));
    }
    if !url.path().contains("/Recordings/") {
        return Err("not a Twilio recording path (…/Recordings/RE…)".into());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_host_parses_host_and_port() {
        let h = AllowedHost::parse("api.twilio.com").unwrap();
        assert_eq!(h.to_string(), "api.twilio.com");
        assert!(!h.allows_http());
        let l = AllowedHost::parse("127.0.0.1:8080").unwrap();
        assert_eq!(l.port, Some(8080));
        assert!(l.allows_http());
        assert!(AllowedHost::parse("https://api.twilio.com/x").is_err());
        assert!(AllowedHost::parse("api.twilio.com:http").is_err());
    }

    #[test]
    fn only_recordings_on_the_twilio_host_pass() {
        let twilio = AllowedHost::parse("api.twilio.com").unwrap();
        let ok = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1";
        assert!(check(ok, &twilio).is_ok());
        for bad in [
            "https://evil.example/2010-04-01/Accounts/AC1/Recordings/RE1",
            "http://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            "https://u:p@api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            "https://api.twilio.com:8443/2010-04-01/Accounts/AC1/Recordings/RE1",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Calls/CA1",
            "javascript:alert(1)",
            "",
        ] {
            assert!(check(bad, &twilio).is_err(), "{bad}");
        }
    }
}
