//! Typed configuration from the environment (and `.env`). Unset variables select the embedded
//! default; a variable that is set but invalid fails start-up with a message naming it.

use std::{collections::HashMap, fmt, net::SocketAddr, path::PathBuf};

/// A configuration value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// The URL as diesel-side code expects it.
    pub fn url(&self) -> String {
        match self {
            Database::Sqlite(p) => format!("sqlite://{}", p.display()),
            Database::Postgres(u) => u.clone(),
        }
    }
    pub fn backend(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SttEngine {
    OpenAi,
    WhisperCpp,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TtsEngine {
    Google,
    OpenAi,
    Espeak,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmEngine {
    OpenAi,
    Knowledge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaProvider {
    Baileys,
    Cloud,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// Listen address and client endpoint of one gRPC service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAddr {
    /// Where the service listens, e.g. `127.0.0.1:50051`.
    pub bind: SocketAddr,
    /// Where others reach it, e.g. `http://crm-svc:50051`.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Services {
    pub crm: ServiceAddr,
    pub voice: ServiceAddr,
    pub speech: ServiceAddr,
    pub notify: ServiceAddr,
    pub whatsapp: ServiceAddr,
    /// notify-svc's HTTP listener (Socket.IO); the gateway proxies `/socket.io/` to its URL.
    pub notify_http: ServiceAddr,
    /// voice-svc's WebSocket listener for Twilio Media Streams (`/webhook/media_stream`); the
    /// Ingress routes the path straight to it, the gateway proxies it in `agentlocator up`.
    pub voice_media: ServiceAddr,
}

/// Every variable the configuration was read from. A service's own settings (voice-svc's turn
/// budget, speech-svc's models, the gateway's web app folder) come from here rather than from the
/// process environment, so a configuration built from a map (tests, several stacks in one process)
/// is the whole configuration. `Debug` names the keys only: values may be secrets.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Vars(HashMap<String, String>);

impl Vars {
    /// The value of `key`, trimmed; empty counts as unset.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    pub fn as_map(&self) -> &HashMap<String, String> {
        &self.0
    }
}

impl fmt::Debug for Vars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<&String> = self.0.keys().collect();
        keys.sort();
        f.debug_tuple("Vars").field(&keys).finish()
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database: Database,
    pub nats_url: Option<String>,
    /// First subject token of every event (`al`); lets deployments share one NATS server.
    pub nats_subject_root: String,
    pub public_base_url: String,
    pub secret_key: Option<Secret>,
    /// RS256 sign-in tokens: PEM private key (services that sign, i.e. the gateway).
    pub jwt_private_key_file: Option<PathBuf>,
    /// RS256 sign-in tokens: PEM public key (every service that verifies). Unset: HS256 with
    /// `SECRET_KEY`.
    pub jwt_public_key_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub http_addr: SocketAddr,
    pub services: Services,
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<Secret>,
    pub openai_api_key: Option<Secret>,
    pub openai_base_url: String,
    pub stt_engine: SttEngine,
    pub whisper_model: Option<PathBuf>,
    pub tts_engine: TtsEngine,
    pub google_application_credentials: Option<PathBuf>,
    pub llm_engine: LlmEngine,
    pub vapid_public_key: Option<String>,
    pub vapid_private_key: Option<Secret>,
    pub wa_provider: WaProvider,
    /// Shared secret of the WhatsApp sidecar ↔ bridge hop (`x-bridge-secret`), both directions.
    pub wa_bridge_secret: Option<Secret>,
    /// Base URL of the Baileys sidecar's HTTP API.
    pub wa_sidecar_url: String,
    /// The gRPC address other whatsapp-bridge replicas reach this one at (e.g.
    /// `http://<pod IP>:50055`): stored with the session leases its sidecar holds, so the other
    /// replicas forward those businesses' calls here. Unset: one replica, nothing forwarded.
    pub wa_bridge_advertise_url: Option<String>,
    /// WhatsApp Cloud API (`WA_PROVIDER=cloud`): the access token that sends, the app secret that
    /// signs webhooks (`X-Hub-Signature-256`), the token of the webhook verification handshake.
    pub wa_cloud_access_token: Option<Secret>,
    pub wa_cloud_app_secret: Option<Secret>,
    pub wa_cloud_verify_token: Option<Secret>,
    /// Graph API base, versioned (default `https://graph.facebook.com/v21.0`).
    pub wa_cloud_api_base: String,
    pub otel_exporter_otlp_endpoint: Option<String>,
    /// Where a service serves `GET /metrics` (Prometheus); unset: no metrics listener.
    pub metrics_addr: Option<SocketAddr>,
    /// Bearer token that opens the gateway's own `/metrics` (on its public HTTP port); unset: that
    /// endpoint answers only on a local-only instance.
    pub metrics_token: Option<Secret>,
    /// `TRUSTED_PROXIES`: the peers whose `X-Forwarded-For` / `X-Forwarded-Proto` the gateway
    /// believes (default: loopback only).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub rust_log: String,
    pub log_format: LogFormat,
    /// All variables, for the settings only one service reads.
    pub vars: Vars,
}

impl Config {
    /// Reads the process environment, after loading `.env` from the working directory if present
    /// (variables already set win over `.env`).
    pub fn from_env() -> Result<Self, ConfigError> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(err("DOTENV", format!(".env cannot be read: {e}"))),
        }
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_map(&vars)
    }

    /// Builds the configuration from a map of variables (tests use this instead of the process env).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        // Empty values count as unset: `FOO=` in .env is the common way of leaving a key blank.
        let get = |k: &str| {
            vars.get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database = match get("DATABASE_URL") {
            None => Database::Sqlite(data_dir.join("agentlocator.db")),
            Some(u) => parse_database(&u)?,
        };
        let nats_url = get("NATS_URL")
            .map(|u| {
                if ["nats://", "tls://", "ws://", "wss://"]
                    .iter()
                    .any(|p| u.starts_with(p))
                    || !u.contains("://")
                {
                    Ok(u)
                } else {
                    Err(err("NATS_URL", "expected nats://host:port"))
                }
            })
            .transpose()?;
        let nats_subject_root = get("NATS_SUBJECT_ROOT").unwrap_or_else(|| "al".into());
        if !nats_subject_root
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err(
                "NATS_SUBJECT_ROOT",
                "use letters, digits, '_' or '-' only (it is one subject token)",
            ));
        }
        // Loopback by default: an instance is only put on a network on purpose (the container image
        // sets 0.0.0.0:8080).
        let http_addr = parse_addr("HTTP_ADDR", get("HTTP_ADDR"), "127.0.0.1:8080")?;
        let public_base_url = match get("PUBLIC_BASE_URL") {
            None => format!("http://localhost:{}", http_addr.port()),
            Some(u) => parse_http_url("PUBLIC_BASE_URL", &u)?,
        };
        let secret_key = get("SECRET_KEY")
            .map(|k| {
                if k.len() < 32 {
                    Err(err(
                        "SECRET_KEY",
                        "must be at least 32 characters (e.g. `openssl rand -hex 32`)",
                    ))
                } else {
                    Ok(Secret(k))
                }
            })
            .transpose()?;
        let jwt_private_key_file = get("JWT_PRIVATE_KEY_FILE").map(PathBuf::from);
        let jwt_public_key_file = get("JWT_PUBLIC_KEY_FILE").map(PathBuf::from);
        if jwt_private_key_file.is_some() && jwt_public_key_file.is_none() {
            return Err(err(
                "JWT_PUBLIC_KEY_FILE",
                "JWT_PRIVATE_KEY_FILE needs JWT_PUBLIC_KEY_FILE (the public half of the pair)",
            ));
        }

        let svc = |name: &'static str, url_var: &'static str, port: u16| {
            let bind = parse_addr(name, get(name), &format!("127.0.0.1:{port}"))?;
            let url = match get(url_var) {
                Some(u) => parse_http_url(url_var, &u)?,
                None => {
                    let host = if bind.ip().is_unspecified() {
                        "127.0.0.1".to_string()
                    } else {
                        bind.ip().to_string()
                    };
                    format!("http://{host}:{}", bind.port())
                }
            };
            Ok::<_, ConfigError>(ServiceAddr { bind, url })
        };
        let services = Services {
            crm: svc("CRM_SVC_GRPC_ADDR", "CRM_SVC_URL", 50051)?,
            voice: svc("VOICE_SVC_GRPC_ADDR", "VOICE_SVC_URL", 50052)?,
            speech: svc("SPEECH_SVC_GRPC_ADDR", "SPEECH_SVC_URL", 50053)?,
            notify: svc("NOTIFY_SVC_GRPC_ADDR", "NOTIFY_SVC_URL", 50054)?,
            whatsapp: svc("WHATSAPP_BRIDGE_GRPC_ADDR", "WHATSAPP_BRIDGE_URL", 50055)?,
            notify_http: svc("NOTIFY_SVC_HTTP_ADDR", "NOTIFY_SVC_HTTP_URL", 50056)?,
            voice_media: svc("VOICE_SVC_MEDIA_ADDR", "VOICE_SVC_MEDIA_URL", 50057)?,
        };

        let twilio_account_sid = get("TWILIO_ACCOUNT_SID")
            .map(|s| {
                if s.len() == 34
                    && s.starts_with("AC")
                    && s[2..].chars().all(|c| c.is_ascii_hexdigit())
                {
                    Ok(s)
                } else {
                    Err(err(
                        "TWILIO_ACCOUNT_SID",
                        "expected AC followed by 32 hex digits",
                    ))
                }
            })
            .transpose()?;
        let twilio_auth_token = get("TWILIO_AUTH_TOKEN").map(Secret);
        if twilio_auth_token.is_some() != twilio_account_sid.is_some() {
            let missing = if twilio_account_sid.is_none() {
                "TWILIO_ACCOUNT_SID"
            } else {
                "TWILIO_AUTH_TOKEN"
            };
            return Err(err(
                missing,
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together",
            ));
        }
        let openai_api_key = get("OPENAI_API_KEY").map(Secret);
        let openai_base_url = match get("OPENAI_BASE_URL") {
            None => "https://api.openai.com".into(),
            Some(u) => parse_http_url("OPENAI_BASE_URL", &u)?,
        };
        let whisper_model = get("WHISPER_MODEL").map(PathBuf::from);
        let stt_engine = match get("STT_ENGINE").as_deref() {
            None if whisper_model.is_some() => SttEngine::WhisperCpp,
            None => SttEngine::None,
            Some("openai") => SttEngine::OpenAi,
            Some("whisper-cpp") => SttEngine::WhisperCpp,
            Some("none") => SttEngine::None,
            Some(_) => return Err(err("STT_ENGINE", "expected openai, whisper-cpp or none")),
        };
        if stt_engine == SttEngine::WhisperCpp && whisper_model.is_none() {
            return Err(err(
                "WHISPER_MODEL",
                "STT_ENGINE=whisper-cpp needs WHISPER_MODEL (path to a ggml model file)",
            ));
        }
        let tts_engine = match get("TTS_ENGINE").as_deref() {
            None | Some("espeak") => TtsEngine::Espeak,
            Some("google") => TtsEngine::Google,
            Some("openai") => TtsEngine::OpenAi,
            Some(_) => return Err(err("TTS_ENGINE", "expected google, openai or espeak")),
        };
        let google_application_credentials =
            get("GOOGLE_APPLICATION_CREDENTIALS").map(PathBuf::from);
        if tts_engine == TtsEngine::Google && google_application_credentials.is_none() {
            return Err(err(
                "GOOGLE_APPLICATION_CREDENTIALS",
                "TTS_ENGINE=google needs a service-account JSON file",
            ));
        }
        let llm_engine = match get("LLM_ENGINE").as_deref() {
            None | Some("knowledge") => LlmEngine::Knowledge,
            Some("openai") => LlmEngine::OpenAi,
            Some(_) => return Err(err("LLM_ENGINE", "expected openai or knowledge")),
        };
        let vapid_public_key = get("VAPID_PUBLIC_KEY");
        let vapid_private_key = get("VAPID_PRIVATE_KEY").map(Secret);
        if vapid_public_key.is_some() != vapid_private_key.is_some() {
            let missing = if vapid_public_key.is_none() {
                "VAPID_PUBLIC_KEY"
            } else {
                "VAPID_PRIVATE_KEY"
            };
            return Err(err(
                missing,
                "VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together",
            ));
        }
        let wa_provider = match get("WA_PROVIDER").as_deref() {
            None | Some("baileys") => WaProvider::Baileys,
            Some("cloud") => WaProvider::Cloud,
            Some(_) => return Err(err("WA_PROVIDER", "expected baileys or cloud")),
        };
        let wa_bridge_secret = get("WA_BRIDGE_SECRET").map(Secret);
        if wa_bridge_secret.as_ref().is_some_and(|s| s.0.len() < 16) {
            return Err(err("WA_BRIDGE_SECRET", "must be at least 16 characters"));
        }
        let wa_sidecar_url = match get("WA_SIDECAR_URL") {
            Some(u) => parse_http_url("WA_SIDECAR_URL", &u)?,
            None => "http://127.0.0.1:3100".to_string(),
        };
        let wa_bridge_advertise_url = get("WA_BRIDGE_ADVERTISE_URL")
            .map(|u| parse_http_url("WA_BRIDGE_ADVERTISE_URL", &u))
            .transpose()?;
        let wa_cloud_access_token = get("WA_CLOUD_ACCESS_TOKEN").map(Secret);
        let wa_cloud_app_secret = get("WA_CLOUD_APP_SECRET").map(Secret);
        let wa_cloud_verify_token = get("WA_CLOUD_VERIFY_TOKEN").map(Secret);
        if wa_provider == WaProvider::Cloud {
            for (var, value) in [
                ("WA_CLOUD_ACCESS_TOKEN", &wa_cloud_access_token),
                ("WA_CLOUD_APP_SECRET", &wa_cloud_app_secret),
                ("WA_CLOUD_VERIFY_TOKEN", &wa_cloud_verify_token),
            ] {
                if value.is_none() {
                    return Err(err(var, "is required with WA_PROVIDER=cloud"));
                }
            }
        }
        let wa_cloud_api_base = match get("WA_CLOUD_API_BASE") {
            Some(u) => parse_http_url("WA_CLOUD_API_BASE", &u)?,
            None => "https://graph.facebook.com/v21.0".to_string(),
        };
        let otel_exporter_otlp_endpoint = get("OTEL_EXPORTER_OTLP_ENDPOINT")
            .map(|u| parse_http_url("OTEL_EXPORTER_OTLP_ENDPOINT", &u))
            .transpose()?;
        let metrics_addr = get("METRICS_ADDR")
            .map(|a| parse_addr("METRICS_ADDR", Some(a), ""))
            .transpose()?;
        let metrics_token = get("METRICS_TOKEN").map(Secret);
        if metrics_token.as_ref().is_some_and(|s| s.0.len() < 16) {
            return Err(err("METRICS_TOKEN", "must be at least 16 characters"));
        }
        let trusted_proxies = parse_trusted_proxies(get("TRUSTED_PROXIES").as_deref())?;
        let rust_log = get("RUST_LOG").unwrap_or_else(|| "info".into());
        tracing_subscriber::EnvFilter::try_new(&rust_log)
            .map_err(|e| err("RUST_LOG", e.to_string()))?;
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("text") => LogFormat::Text,
            Some(_) => return Err(err("LOG_FORMAT", "expected json or text")),
        };

        Ok(Config {
            database,
            nats_url,
            nats_subject_root,
            public_base_url,
            secret_key,
            jwt_private_key_file,
            jwt_public_key_file,
            data_dir,
            http_addr,
            services,
            twilio_account_sid,
            twilio_auth_token,
            openai_api_key,
            openai_base_url,
            stt_engine,
            whisper_model,
            tts_engine,
            google_application_credentials,
            llm_engine,
            vapid_public_key,
            vapid_private_key,
            wa_provider,
            wa_bridge_secret,
            wa_sidecar_url,
            wa_bridge_advertise_url,
            wa_cloud_access_token,
            wa_cloud_app_secret,
            wa_cloud_verify_token,
            wa_cloud_api_base,
            otel_exporter_otlp_endpoint,
            metrics_addr,
            metrics_token,
            trusted_proxies,
            rust_log,
            log_format,
            vars: Vars(vars.clone()),
        })
    }

    /// Whether `PUBLIC_BASE_URL` points at this machine only (localhost, 127.0.0.0/8, ::1): such
    /// an instance is not reachable by Twilio or other people, which relaxes a few checks.
    pub fn public_url_is_loopback(&self) -> bool {
        let rest = self
            .public_base_url
            .split_once("://")
            .map_or(self.public_base_url.as_str(), |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or("");
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        };
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Whether this instance can only be reached from this machine: it listens on a loopback
    /// address and calls itself by a loopback URL.
    pub fn is_local_only(&self) -> bool {
        self.http_addr.ip().is_loopback() && self.public_url_is_loopback()
    }

    /// The key that signs sign-in tokens: `SECRET_KEY`, or on a local-only instance a random key
    /// generated once and kept in `DATA_DIR/secret_key` (so sign-ins survive restarts). Anywhere
    /// else a missing `SECRET_KEY` is a start-up error: every replica must share one key.
    pub fn resolve_secret_key(&self) -> Result<Secret, ConfigError> {
        self.resolve_local_secret(
            "SECRET_KEY",
            self.secret_key.as_ref(),
            "secret_key",
            "generate one with `openssl rand -hex 32`",
        )
    }

    /// The WhatsApp sidecar ↔ bridge secret: `WA_BRIDGE_SECRET`, or on a local-only instance one
    /// generated once and kept in `DATA_DIR/wa_bridge_secret` (the sidecar started next to it reads
    /// the same file through `agentlocator up`).
    pub fn resolve_wa_bridge_secret(&self) -> Result<Secret, ConfigError> {
        self.resolve_local_secret(
            "WA_BRIDGE_SECRET",
            self.wa_bridge_secret.as_ref(),
            "wa_bridge_secret",
            "set it to the same random string for the bridge and the sidecar",
        )
    }

    /// `configured`, or on a local-only instance a random value generated once and kept in
    /// `DATA_DIR/<file>` (so it survives restarts). Anywhere else a missing value is a start-up
    /// error: every replica must share one.
    fn resolve_local_secret(
        &self,
        var: &'static str,
        configured: Option<&Secret>,
        file: &str,
        hint: &str,
    ) -> Result<Secret, ConfigError> {
        if let Some(k) = configured {
            return Ok(k.clone());
        }
        if !self.is_local_only() {
            return Err(err(
                var,
                format!("is required when the instance is reachable from other machines ({hint})"),
            ));
        }
        let path = self.data_dir.join(file);
        let key = crate::private_file::read_or_create(&path, || {
            (0..2)
                .map(|_| uuid::Uuid::new_v4().simple().to_string())
                .collect()
        })
        .map_err(|e| err(var, format!("{}: {e}", path.display())))?;
        let key = key.trim();
        if key.len() < 32 {
            return Err(err(var, format!("{} is too short", path.display())));
        }
        Ok(Secret(key.to_string()))
    }

    /// True when nothing but the embedded default is in use (SQLite, in-process bus).
    pub fn is_embedded(&self) -> bool {
        matches!(self.database, Database::Sqlite(_)) && self.nats_url.is_none()
    }
}

fn parse_database(u: &str) -> Result<Database, ConfigError> {
    if u.starts_with("postgres://") || u.starts_with("postgresql://") {
        return Ok(Database::Postgres(u.to_string()));
    }
    let path = u
        .strip_prefix("sqlite://")
        .or_else(|| u.strip_prefix("sqlite:"));
    match path {
        Some(p) if !p.is_empty() => Ok(Database::Sqlite(PathBuf::from(p))),
        _ => Err(err(
            "DATABASE_URL",
            "expected sqlite://path/to/file.db or postgres://user:pass@host/db",
        )),
    }
}

/// `TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges (`10.0.0.0/8, ::1`), or `none`;
/// unset is loopback only (a reverse proxy on the same machine). Anything else on the path to the
/// gateway must be listed, or clients could pick their own address with `X-Forwarded-For`.
fn parse_trusted_proxies(v: Option<&str>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let v = v.unwrap_or("127.0.0.0/8, ::1/128");
    if v.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|n| n.trunc())
                .map_err(|_| {
                    err(
                        "TRUSTED_PROXIES",
                        format!("{s:?} is not an address or CIDR range like 10.0.0.0/8"),
                    )
                })
        })
        .collect()
}

fn parse_addr(
    var: &'static str,
    v: Option<String>,
    default: &str,
) -> Result<SocketAddr, ConfigError> {
    let v = v.unwrap_or_else(|| default.to_string());
    v.parse()
        .map_err(|_| err(var, format!("{v:?} is not an address like 0.0.0.0:8080")))
}

fn parse_http_url(var: &'static str, u: &str) -> Result<String, ConfigError> {
    let rest = u
        .strip_prefix("http://")
        .or_else(|| u.strip_prefix("https://"))
        .ok_or_else(|| err(var, format!("{u:?} must start with http:// or https://")))?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
        return Err(err(var, format!("{u:?} has no host")));
    }
    Ok(u.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_map(&map)
    }

    #[test]
    fn trusted_proxies_default_to_loopback_and_parse_ranges() {
        let nets = |v: &[(&str, &str)]| -> Vec<String> {
            cfg(v)
                .unwrap()
                .trusted_proxies
                .iter()
                .map(|n| n.to_string())
                .collect()
        };
        assert_eq!(nets(&[]), ["127.0.0.0/8", "::1/128"]);
        assert_eq!(
            nets(&[("TRUSTED_PROXIES", " 10.1.2.3/8 , 192.0.2.7, fd00::/8 ")]),
            ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8"]
        );
        assert!(nets(&[("TRUSTED_PROXIES", "none")]).is_empty());
    }

    #[test]
    fn nothing_set_is_the_embedded_default() {
        let c = cfg(&[]).unwrap();
        assert!(c.is_embedded());
        assert_eq!(
            c.database,
            Database::Sqlite(PathBuf::from("./data/agentlocator.db"))
        );
        assert_eq!(c.stt_engine, SttEngine::None);
        assert_eq!(c.tts_engine, TtsEngine::Espeak);
        assert_eq!(c.llm_engine, LlmEngine::Knowledge);
        assert_eq!(c.wa_provider, WaProvider::Baileys);
        assert_eq!(c.public_base_url, "http://localhost:8080");
        assert_eq!(c.services.crm.url, "http://127.0.0.1:50051");
        assert_eq!(c.nats_subject_root, "al");
        assert_eq!(c.metrics_addr, None);
    }

    #[test]
    fn production_values_are_read() {
        let c = cfg(&[
            ("DATABASE_URL", "postgres://u:p@db/al"),
            ("NATS_URL", "nats://nats:4222"),
            ("SECRET_KEY", "0123456789abcdef0123456789abcdef"),
            ("CRM_SVC_GRPC_ADDR", "0.0.0.0:50051"),
            ("CRM_SVC_URL", "http://crm-svc:50051/"),
            ("WHISPER_MODEL", "/models/ggml-ivrit.bin"),
            ("METRICS_ADDR", "0.0.0.0:9090"),
        ])
        .unwrap();
        assert!(!c.is_embedded());
        assert_eq!(c.metrics_addr, Some("0.0.0.0:9090".parse().unwrap()));
        assert_eq!(c.database.backend(), "postgres");
        assert_eq!(c.services.crm.url, "http://crm-svc:50051");
        assert_eq!(c.stt_engine, SttEngine::WhisperCpp);
        assert_eq!(c.secret_key.unwrap().expose().len(), 32);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (&[("NATS_URL", "http://x")], "NATS_URL"),
            (&[("PUBLIC_BASE_URL", "example.com")], "PUBLIC_BASE_URL"),
            (&[("SECRET_KEY", "short")], "SECRET_KEY"),
            (&[("STT_ENGINE", "vosk")], "STT_ENGINE"),
            (&[("STT_ENGINE", "whisper-cpp")], "WHISPER_MODEL"),
            (&[("TTS_ENGINE", "polly")], "TTS_ENGINE"),
            (
                &[("TTS_ENGINE", "google")],
                "GOOGLE_APPLICATION_CREDENTIALS",
            ),
            (&[("LLM_ENGINE", "claude")], "LLM_ENGINE"),
            (&[("WA_PROVIDER", "twilio")], "WA_PROVIDER"),
            (&[("TWILIO_ACCOUNT_SID", "nope")], "TWILIO_ACCOUNT_SID"),
            (&[("TWILIO_AUTH_TOKEN", "tok")], "TWILIO_ACCOUNT_SID"),
            (&[("VAPID_PUBLIC_KEY", "k")], "VAPID_PRIVATE_KEY"),
            (
                &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")],
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ),
            (&[("HTTP_ADDR", "8080")], "HTTP_ADDR"),
            (&[("METRICS_ADDR", "9090")], "METRICS_ADDR"),
            (&[("METRICS_TOKEN", "short")], "METRICS_TOKEN"),
            (&[("RUST_LOG", "info,[")], "RUST_LOG"),
            (&[("NATS_SUBJECT_ROOT", "a.b")], "NATS_SUBJECT_ROOT"),
            (&[("LOG_FORMAT", "xml")], "LOG_FORMAT"),
            (
                &[("TRUSTED_PROXIES", "10.0.0.0/8, proxy")],
                "TRUSTED_PROXIES",
            ),
            (&[("TRUSTED_PROXIES", "10.0.0.0/33")], "TRUSTED_PROXIES"),
        ];
        for (pairs, var) in cases {
            let e = cfg(pairs).expect_err(var);
            assert_eq!(e.var, *var, "{pairs:?}");
            assert!(e.to_string().contains(var), "{e}");
        }
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let c = cfg(&[
            ("SECRET_KEY", "super-secret-value-that-is-long-enough"),
            ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"), // example value
            ("TWILIO_AUTH_TOKEN", "twilio-token-value"),
            ("OPENAI_API_KEY", "sk-test-value"),
            ("METRICS_TOKEN", "metrics-token-value"),
        ])
        .unwrap();
        let dbg = format!("{c:?}");
        for s in [
            "super-secret-value",
            "twilio-token-value",
            "sk-test-value",
            "metrics-token-value",
        ] {
            assert!(!dbg.contains(s), "{s} leaked");
        }
    }

    #[test]
    fn loopback_public_urls() {
        for (url, loopback) in [
            ("http://localhost:8080", true),
            ("http://127.0.0.1:8080/", true),
            ("http://127.9.9.9", true),
            ("http://[::1]:8080", true),
            ("https://crm.example.com", false),
            ("https://localhost.example.com", false),
            ("http://10.0.0.5:8080", false),
        ] {
            let c = cfg(&[("PUBLIC_BASE_URL", url)]).unwrap();
            assert_eq!(c.public_url_is_loopback(), loopback, "{url}");
        }
        assert!(cfg(&[]).unwrap().public_url_is_loopback());
        assert!(cfg(&[]).unwrap().is_local_only());
        assert!(
            !cfg(&[("HTTP_ADDR", "0.0.0.0:8080")])
                .unwrap()
                .is_local_only()
        );
    }

    #[test]
    fn secret_key_is_generated_once_for_local_instances_only() {
        let dir = std::env::temp_dir().join(format!("al-cfg-{}", uuid::Uuid::now_v7()));
        let d = dir.display().to_string();
        let local = cfg(&[("DATA_DIR", &d)]).unwrap();
        let k1 = local.resolve_secret_key().unwrap();
        let k2 = local.resolve_secret_key().unwrap();
        assert_eq!(k1, k2);
        assert!(k1.expose().len() >= 32);
        let public = cfg(&[("DATA_DIR", &d), ("HTTP_ADDR", "0.0.0.0:8080")]).unwrap();
        assert_eq!(public.resolve_secret_key().unwrap_err().var, "SECRET_KEY");
        let given = cfg(&[
            ("HTTP_ADDR", "0.0.0.0:8080"),
            ("SECRET_KEY", &"k".repeat(40)),
        ])
        .unwrap();
        assert_eq!(given.resolve_secret_key().unwrap().expose(), "k".repeat(40));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn whatsapp_bridge_secret_generated_locally_and_distinct_from_the_sign_in_key() {
        let dir = std::env::temp_dir().join(format!("al-cfg-{}", uuid::Uuid::now_v7()));
        let d = dir.display().to_string();
        let local = cfg(&[("DATA_DIR", &d)]).unwrap();
        let wa = local.resolve_wa_bridge_secret().unwrap();
        assert_eq!(wa, local.resolve_wa_bridge_secret().unwrap());
        assert_ne!(wa, local.resolve_secret_key().unwrap());
        assert!(dir.join("wa_bridge_secret").exists());
        let public = cfg(&[("DATA_DIR", &d), ("HTTP_ADDR", "0.0.0.0:8080")]).unwrap();
        assert_eq!(
            public.resolve_wa_bridge_secret().unwrap_err().var,
            "WA_BRIDGE_SECRET"
        );
        assert_eq!(
            cfg(&[("WA_BRIDGE_SECRET", "short")]).unwrap_err().var,
            "WA_BRIDGE_SECRET"
        );
        assert_eq!(
            cfg(&[("WA_SIDECAR_URL", "ftp://x")]).unwrap_err().var,
            "WA_SIDECAR_URL"
        );
        assert_eq!(
            cfg(&[("WA_BRIDGE_ADVERTISE_URL", "10.0.0.7:50055")])
                .unwrap_err()
                .var,
            "WA_BRIDGE_ADVERTISE_URL"
        );
        assert_eq!(
            cfg(&[("WA_BRIDGE_ADVERTISE_URL", "http://10.0.0.7:50055/")])
                .unwrap()
                .wa_bridge_advertise_url
                .as_deref(),
            Some("http://10.0.0.7:50055")
        );
        assert_eq!(cfg(&[]).unwrap().wa_bridge_advertise_url, None);
        assert_eq!(
            cfg(&[("WA_PROVIDER", "cloud"), ("WA_CLOUD_ACCESS_TOKEN", "t")])
                .unwrap_err()
                .var,
            "WA_CLOUD_APP_SECRET"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = cfg(&[("NATS_URL", ""), ("DATABASE_URL", "  ")]).unwrap();
        assert!(c.is_embedded());
    }

    #[test]
    fn a_services_own_variables_travel_with_the_config_and_stay_out_of_debug() {
        let c = cfg(&[
            ("VOICE_TURN_BUDGET_MS", " 500 "),
            ("OPENAI_API_KEY", "sk-very-secret-value"),
            ("WEB_DIST_DIR", ""),
        ])
        .unwrap();
        assert_eq!(c.vars.get("VOICE_TURN_BUDGET_MS"), Some("500"));
        assert_eq!(c.vars.get("WEB_DIST_DIR"), None);
        assert_eq!(c.vars.get("NOT_SET"), None);
        let shown = format!("{c:?}");
        assert!(shown.contains("VOICE_TURN_BUDGET_MS"), "{shown}");
        assert!(!shown.contains("sk-very-secret-value"), "{shown}");
    }
}
