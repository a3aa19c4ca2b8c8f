//! Prometheus metrics: one recorder for the `metrics` facade per process, a tiny HTTP server for
//! `GET /metrics` on `METRICS_ADDR`, and the tower layer that counts every gRPC request.
//!
//! Everything the process records (every service of `agentlocator up` shares the recorder) is
//! rendered in the Prometheus text format 0.0.4. Labels stay low-cardinality: route patterns,
//! gRPC method names, consumer names and outcomes — never ids, phone numbers or raw paths.

use bytes::Bytes;
use futures::future::BoxFuture;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::{
    convert::Infallible,
    pin::Pin,
    sync::OnceLock,
    task::{Context, Poll},
    time::{Duration, Instant},
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The `Content-Type` of the Prometheus text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Histogram buckets (seconds) for every latency histogram: from a fast in-process gRPC call
/// (milliseconds) to a whole voice turn against its 12 s budget.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histograms are compacted when nobody scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);
/// A scraper that opens a connection and sends nothing is dropped after this long.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (once; later calls return the same handle).
/// Call it at start-up, before anything records: values recorded earlier are lost.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .expect("latency buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if let Err(e) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %e, "another metrics recorder is installed; /metrics stays empty");
        }
        describe();
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_INTERVAL);
                    upkeep.run_upkeep();
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "metrics upkeep thread not started");
        }
        handle
    })
}

/// Everything recorded so far, in the Prometheus text format.
pub fn render() -> String {
    install().render()
}

/// `# HELP` lines of the metrics recorded by shared code and the services.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "http_requests_total",
        "HTTP requests answered by the gateway, by method, route pattern and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time the gateway took to answer, by method and route pattern"
    );
    describe_counter!(
        "grpc_server_requests_total",
        "gRPC requests served, by service, method and status code"
    );
    describe_histogram!(
        "grpc_server_duration_seconds",
        Unit::Seconds,
        "Time from a gRPC request to its final status, by service and method"
    );
    describe_counter!(
        "bus_events_handled_total",
        "Events a bus consumer settled, by consumer and outcome (ok, retried, abandoned, ack_failed, undecodable)"
    );
    describe_gauge!(
        "bus_consumer_pending",
        "Events of the stream a JetStream consumer has not been delivered yet"
    );
    describe_gauge!(
        "whatsapp_sessions",
        "WhatsApp sessions of this bridge replica by last reported connection state"
    );
    describe_counter!(
        "push_sent_total",
        "Web Push messages by outcome (ok, gone: subscription deleted, failed)"
    );
}

/// Binds `METRICS_ADDR` when it is set and serves `GET /metrics` there until `shutdown`.
pub async fn serve_if_configured(
    config: &crate::Config,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let Some(addr) = config.metrics_addr else {
        return Ok(());
    };
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("METRICS_ADDR: cannot listen on {addr}: {e}"))?;
    tokio::spawn(serve(listener, shutdown));
    Ok(())
}

/// Serves `GET /metrics` on `listener` until `shutdown` is cancelled. No authentication: this
/// port belongs on an internal network only (in Kubernetes a NetworkPolicy admits the
/// monitoring namespace alone).
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) {
    install();
    tracing::info!(addr = ?listener.local_addr().ok(), "metrics serving");
    loop {
        let stream = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "metrics accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|req| async move {
                Ok::<_, Infallible>(respond(req.method(), req.uri().path()))
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                tracing::debug!(error = %e, "metrics connection");
            }
        });
    }
}

/// The answer of the metrics listener to `method path`.
fn respond(method: &http::Method, path: &str) -> http::Response<http_body_util::Full<Bytes>> {
    let (status, content_type, body) = match (method, path) {
        (&http::Method::GET, "/metrics") => (http::StatusCode::OK, CONTENT_TYPE, render()),
        (_, "/metrics") => (
            http::StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "use GET\n".to_string(),
        ),
        _ => (
            http::StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "metrics are at /metrics\n".to_string(),
        ),
    };
    let mut res = http::Response::new(http_body_util::Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    if status == http::StatusCode::METHOD_NOT_ALLOWED {
        res.headers_mut()
            .insert(http::header::ALLOW, http::HeaderValue::from_static("GET"));
    }
    res
}

// ---- gRPC servers ------------------------------------------------------------------------------

/// Counts every request of a tonic server (`grpc_server_requests_total{service,method,code}`) and
/// times it to its final status (`grpc_server_duration_seconds{service,method}`). The status is
/// read from the response headers (errors) or the trailers (everything else); a response body
/// dropped before its trailers counts as `Canceled`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrpcMetricsLayer;

impl<S> tower::Layer<S> for GrpcMetricsLayer {
    type Service = GrpcMetrics<S>;
    fn layer(&self, inner: S) -> Self::Service {
        GrpcMetrics { inner }
    }
}

/// The service [`GrpcMetricsLayer`] wraps around a tonic server.
#[derive(Debug, Clone)]
pub struct GrpcMetrics<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for GrpcMetrics<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<RecordedBody<ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<ReqBody>) -> Self::Future {
        let mut call = GrpcCall::new(req.uri().path());
        let future = self.inner.call(req);
        Box::pin(async move {
            let res = match future.await {
                Ok(res) => res,
                Err(e) => {
                    call.finish(tonic::Code::Unknown);
                    return Err(e);
                }
            };
            // A trailers-only response (every error tonic returns) has its status in the headers.
            if let Some(code) = status_of(res.headers()) {
                call.finish(code);
            }
            Ok(res.map(|body| RecordedBody {
                inner: Box::pin(body),
                call,
            }))
        })
    }
}

/// One gRPC request being measured; recorded once, when its status is known.
#[derive(Debug)]
struct GrpcCall {
    /// `None` once recorded.
    labels: Option<(String, String)>,
    start: Instant,
}

impl GrpcCall {
    fn new(path: &str) -> Self {
        // `/package.Service/Method`
        let mut parts = path.trim_start_matches('/').splitn(2, '/');
        let service = parts.next().filter(|s| !s.is_empty()).unwrap_or("unknown");
        let method = parts.next().filter(|s| !s.is_empty()).unwrap_or("unknown");
        Self {
            labels: Some((service.to_string(), method.to_string())),
            start: Instant::now(),
        }
    }

    fn finish(&mut self, code: tonic::Code) {
        let Some((mut service, mut method)) = self.labels.take() else {
            return;
        };
        if code == tonic::Code::Unimplemented {
            // Whatever path a client made up: not a label value of its own.
            service = "unknown".into();
            method = "unknown".into();
        }
        metrics::counter!(
            "grpc_server_requests_total",
            "service" => service.clone(),
            "method" => method.clone(),
            "code" => code_name(code),
        )
        .increment(1);
        metrics::histogram!(
            "grpc_server_duration_seconds",
            "service" => service,
            "method" => method,
        )
        .record(self.start.elapsed().as_secs_f64());
    }
}

impl Drop for GrpcCall {
    fn drop(&mut self) {
        self.finish(tonic::Code::Cancelled);
    }
}

fn status_of(headers: &http::HeaderMap) -> Option<tonic::Code> {
    headers
        .get("grpc-status")
        .map(|v| tonic::Code::from_bytes(v.as_bytes()))
}

/// The canonical gRPC status code names (as grpc-go spells them).
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "Canceled",
        Unknown => "Unknown",
        InvalidArgument => "InvalidArgument",
        DeadlineExceeded => "DeadlineExceeded",
        NotFound => "NotFound",
        AlreadyExists => "AlreadyExists",
        PermissionDenied => "PermissionDenied",
        ResourceExhausted => "ResourceExhausted",
        FailedPrecondition => "FailedPrecondition",
        Aborted => "Aborted",
        OutOfRange => "OutOfRange",
        Unimplemented => "Unimplemented",
        Internal => "Internal",
        Unavailable => "Unavailable",
        DataLoss => "DataLoss",
        Unauthenticated => "Unauthenticated",
    }
}

/// A gRPC response body that records its request once the trailers carry the status.
pub struct RecordedBody<B> {
    inner: Pin<Box<B>>,
    call: GrpcCall,
}

impl<B> http_body::Body for RecordedBody<B>
where
    B: http_body::Body,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = this.inner.as_mut().poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(code) = frame.trailers_ref().and_then(status_of) {
                    this.call.finish(code);
                }
            }
            Poll::Ready(Some(Err(_))) => this.call.finish(tonic::Code::Internal),
            // A body that ends without trailers has no status: the client sees an error.
            Poll::Ready(None) => this.call.finish(tonic::Code::Unknown),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Reading the text format back: what tests and tooling use to check a scrape.
pub mod text {
    /// One sample line: `name{label="value",...} value`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Sample {
        pub name: String,
        pub labels: Vec<(String, String)>,
        pub value: f64,
    }

    impl Sample {
        pub fn label(&self, key: &str) -> Option<&str> {
            self.labels
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        }
    }

    /// Parses a scrape strictly: `# HELP`/`# TYPE` lines (the type one of the format's five),
    /// sample lines with valid names, quoted and escaped label values and a number. The first
    /// malformed line is the error.
    pub fn parse(body: &str) -> Result<Vec<Sample>, String> {
        let mut samples = Vec::new();
        for (n, line) in body.lines().enumerate() {
            let bad = |why: &str| format!("line {}: {why}: {line:?}", n + 1);
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix('#') {
                let mut words = rest.trim_start().splitn(3, ' ');
                match (words.next(), words.next(), words.next()) {
                    (Some("TYPE"), Some(name), Some(kind)) => {
                        if !valid_name(name) {
                            return Err(bad("invalid metric name"));
                        }
                        if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind)
                        {
                            return Err(bad("unknown type"));
                        }
                    }
                    (Some("HELP"), Some(name), _) if valid_name(name) => {}
                    (Some("HELP"), _, _) => return Err(bad("invalid HELP line")),
                    _ => {} // a comment
                }
                continue;
            }
            let name_end = line.find(['{', ' ']).ok_or_else(|| bad("no value"))?;
            let name = &line[..name_end];
            if !valid_name(name) {
                return Err(bad("invalid metric name"));
            }
            let mut rest = &line[name_end..];
            let mut labels = Vec::new();
            if let Some(inner) = rest.strip_prefix('{') {
                let (parsed, after) = parse_labels(inner).map_err(|e| bad(&e))?;
                labels = parsed;
                rest = after;
            }
            let mut fields = rest.split_whitespace();
            let value = fields.next().ok_or_else(|| bad("no value"))?;
            let value = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                "NaN" => f64::NAN,
                v => v.parse().map_err(|_| bad("value is not a number"))?,
            };
            if let Some(ts) = fields.next()
                && ts.parse::<i64>().is_err()
            {
                return Err(bad("timestamp is not an integer"));
            }
            if fields.next().is_some() {
                return Err(bad("trailing text"));
            }
            samples.push(Sample {
                name: name.to_string(),
                labels,
                value,
            });
        }
        Ok(samples)
    }

    /// The sum of every sample named `name` whose labels include all of `labels` (0 if none).
    pub fn sum(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
        samples
            .iter()
            .filter(|s| s.name == name && labels.iter().all(|(k, v)| s.label(k) == Some(*v)))
            .map(|s| s.value)
            .sum()
    }

    fn valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }

    type Labels = Vec<(String, String)>;

    /// `k="v",k2="v2"}` → the pairs and what follows the `}`.
    fn parse_labels(mut s: &str) -> Result<(Labels, &str), String> {
        let mut labels = Vec::new();
        loop {
            if let Some(after) = s.strip_prefix('}') {
                return Ok((labels, after));
            }
            let eq = s.find('=').ok_or("label without '='")?;
            let key = &s[..eq];
            if !valid_name(key) || key.contains(':') {
                return Err(format!("invalid label name {key:?}"));
            }
            s = s[eq + 1..]
                .strip_prefix('"')
                .ok_or("label value not quoted")?;
            let mut value = String::new();
            let mut chars = s.char_indices();
            let end = loop {
                match chars.next() {
                    None => return Err("unterminated label value".into()),
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, c @ ('\\' | '"'))) => value.push(c),
                        _ => return Err("invalid escape in label value".into()),
                    },
                    Some((_, c)) => value.push(c),
                }
            };
            labels.push((key.to_string(), value));
            s = &s[end + 1..];
            s = s.strip_prefix(',').unwrap_or(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_paths_become_service_and_method() {
        let call = GrpcCall::new("/agentlocator.v1.CrmService/GetCustomer");
        assert_eq!(
            call.labels.as_ref().unwrap(),
            &(
                "agentlocator.v1.CrmService".to_string(),
                "GetCustomer".to_string()
            )
        );
        let odd = GrpcCall::new("/");
        assert_eq!(
            odd.labels.as_ref().unwrap(),
            &("unknown".to_string(), "unknown".to_string())
        );
    }

    #[test]
    fn text_format_parses_and_rejects() {
        let body = "# HELP a_total Things.\n# TYPE a_total counter\na_total{k=\"v\",q=\"x\\\"y\"} 3\n\
                    h_bucket{le=\"+Inf\"} 2\nh_sum 0.5\n";
        let samples = text::parse(body).unwrap();
        assert_eq!(samples.len(), 3);
        assert_eq!(samples[0].label("q"), Some("x\"y"));
        assert_eq!(text::sum(&samples, "a_total", &[("k", "v")]), 3.0);
        assert_eq!(text::sum(&samples, "a_total", &[("k", "w")]), 0.0);
        for bad in [
            "a_total 1 2 3",
            "1abc 1",
            "a{k=v} 1",
            "a{k=\"v} 1",
            "a one",
            "# TYPE a counterish",
        ] {
            assert!(text::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metrics_listener_answers_only_get_metrics() {
        let ok = respond(&http::Method::GET, "/metrics");
        assert_eq!(ok.status(), http::StatusCode::OK);
        assert_eq!(ok.headers()[http::header::CONTENT_TYPE], CONTENT_TYPE);
        let post = respond(&http::Method::POST, "/metrics");
        assert_eq!(post.status(), http::StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(post.headers()[http::header::ALLOW], "GET");
        assert_eq!(
            respond(&http::Method::GET, "/").status(),
            http::StatusCode::NOT_FOUND
        );
    }
}
