//! Logs and traces. Logs are JSON lines (or text for humans) filtered by `RUST_LOG`; when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, spans are exported over OTLP/gRPC and the W3C trace
//! context travels in gRPC metadata and NATS headers, so one call is one trace across services.

use crate::config::{Config, LogFormat};
use opentelemetry::{
    Context,
    propagation::{Extractor, Injector},
    trace::TracerProvider as _,
};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{EnvFilter, layer::SubscriberExt, util::SubscriberInitExt};

/// Flushes exported spans when dropped; keep it alive for the life of the process.
#[must_use = "dropping the guard stops trace export"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take()
            && let Err(e) = p.shutdown()
        {
            eprintln!("trace export shutdown: {e}");
        }
    }
}

/// Installs the W3C trace-context propagator (also done by [`init`]).
pub fn install_propagator() {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
}

/// Installs the global subscriber for `service`. Call once per process. Logs go to stderr, so
/// what a command prints for its user (stdout) stays clean.
pub fn init(config: &Config, service: &'static str) -> anyhow::Result<TelemetryGuard> {
    install_propagator();
    let filter = EnvFilter::try_new(&config.rust_log)?;
    let provider = match &config.otel_exporter_otlp_endpoint {
        Some(endpoint) => {
            use opentelemetry_otlp::WithExportConfig;
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.clone())
                .build()?;
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(Resource::builder().with_service_name(service).build())
                    .build(),
            )
        }
        None => None,
    };
    let otel = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(service)));
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    let result = match config.log_format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .json()
                    .flatten_event(true)
                    .with_current_span(false),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("logging already initialised: {e}"))?;
    Ok(TelemetryGuard { provider })
}

struct HeaderCarrier<'a>(&'a mut http::HeaderMap);

impl Injector for HeaderCarrier<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(k), Ok(v)) = (
            http::header::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(k, v);
        }
    }
}

struct HeaderReader<'a>(&'a http::HeaderMap);

impl Extractor for HeaderReader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The trace context of the current span, written into HTTP/gRPC headers.
pub fn inject_http(headers: &mut http::HeaderMap) {
    inject_http_context(&tracing::Span::current().context(), headers);
}

/// Writes `cx` into HTTP/gRPC headers.
pub fn inject_http_context(cx: &Context, headers: &mut http::HeaderMap) {
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(cx, &mut HeaderCarrier(headers))
    });
}

/// The remote parent carried in HTTP/gRPC headers (an empty context when there is none).
pub fn extract_http(headers: &http::HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderReader(headers)))
}

/// The remote parent carried in `(name, value)` header pairs, for HTTP stacks whose header map is
/// not [`http::HeaderMap`] (actix-web).
pub fn extract_pairs<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Context {
    let map: std::collections::HashMap<String, String> = headers
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&map))
}

/// Span for an incoming gRPC request, named by its operation (`crm.v1.CrmService/GetBusiness`)
/// and parented to the caller's trace when it sent one. Health checks (probes every few seconds)
/// are not traced: they would bury the calls.
pub fn grpc_server_span(req: &http::Request<()>) -> tracing::Span {
    let operation = req.uri().path().trim_start_matches('/');
    if operation.starts_with("grpc.health.") {
        return tracing::Span::none();
    }
    let (service, method) = operation.split_once('/').unwrap_or((operation, ""));
    let span = tracing::info_span!(
        "grpc.server",
        otel.name = operation,
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.service = service,
        rpc.method = method,
    );
    let _ = span.set_parent(extract_http(req.headers()));
    span
}

/// Span for an incoming HTTP request, named `METHOD route` (the route pattern, never a path with
/// ids in it) and parented to the caller's trace when it sent one; [`record_http_status`] adds
/// the answer.
pub fn http_server_span(method: &str, route: Option<&str>, parent: Context) -> tracing::Span {
    let name = match route {
        Some(r) => format!("{method} {r}"),
        None => method.to_string(),
    };
    let span = tracing::info_span!(
        "http.server",
        otel.name = name,
        otel.kind = "server",
        http.request.method = method,
        http.route = route,
        http.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    let _ = span.set_parent(parent);
    span
}

/// Records the response status on a span from [`http_server_span`] (5xx marks it failed).
pub fn record_http_status(span: &tracing::Span, status: u16) {
    span.record("http.response.status_code", status);
    if status >= 500 {
        span.record("otel.status_code", "error");
    }
}

/// A tonic client interceptor that forwards the current trace context in request metadata.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracePropagation;

impl tonic::service::Interceptor for TracePropagation {
    fn call(&mut self, req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let (mut metadata, extensions, msg) = req.into_parts();
        let mut headers = std::mem::take(&mut metadata).into_headers();
        inject_http(&mut headers);
        Ok(tonic::Request::from_parts(
            tonic::metadata::MetadataMap::from_headers(headers),
            extensions,
            msg,
        ))
    }
}

struct NatsCarrier<'a>(&'a mut async_nats::HeaderMap);

impl Injector for NatsCarrier<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key, value.as_str());
    }
}

struct NatsReader<'a>(&'a async_nats::HeaderMap);

impl Extractor for NatsReader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.as_str())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_ref()).collect()
    }
}

/// Writes the current trace context into NATS message headers.
pub fn inject_nats(headers: &mut async_nats::HeaderMap) {
    inject_nats_context(&tracing::Span::current().context(), headers);
}

/// Writes `cx` into NATS message headers.
pub fn inject_nats_context(cx: &Context, headers: &mut async_nats::HeaderMap) {
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(cx, &mut NatsCarrier(headers))
    });
}

/// The trace context a NATS message carries.
pub fn extract_nats(headers: &async_nats::HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&NatsReader(headers)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };

    fn remote() -> Context {
        Context::new().with_remote_span_context(SpanContext::new(
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
            SpanId::from_hex("00f067aa0ba902b7").unwrap(),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        ))
    }

    #[test]
    fn trace_context_survives_nats_headers() {
        install_propagator();
        let mut h = async_nats::HeaderMap::new();
        inject_nats_context(&remote(), &mut h);
        assert_eq!(
            h.get("traceparent").map(|v| v.as_str()),
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        );
        let back = extract_nats(&h);
        assert_eq!(
            back.span().span_context().trace_id(),
            remote().span().span_context().trace_id()
        );
    }

    #[test]
    fn trace_context_survives_grpc_metadata() {
        install_propagator();
        let mut h = http::HeaderMap::new();
        inject_http_context(&remote(), &mut h);
        let back = extract_http(&h);
        assert_eq!(
            back.span().span_context().span_id(),
            SpanId::from_hex("00f067aa0ba902b7").unwrap()
        );
        assert!(back.span().span_context().is_remote());
    }

    #[test]
    fn no_context_means_no_header() {
        install_propagator();
        let mut h = http::HeaderMap::new();
        inject_http_context(&Context::new(), &mut h);
        assert!(h.get("traceparent").is_none());
    }
}
