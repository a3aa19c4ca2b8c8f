//! A loopback OTLP/gRPC trace receiver: what a collector (or Jaeger) sees when a service exports
//! its spans to `OTEL_EXPORTER_OTLP_ENDPOINT`, kept in memory for a test to inspect.

use opentelemetry_proto::tonic::{
    collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
        trace_service_server::{TraceService, TraceServiceServer},
    },
    common::v1::any_value::Value,
};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{Arc, Mutex},
};
use tokio_util::sync::CancellationToken;

/// One received span, ids in lowercase hex as in `traceparent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSpan {
    pub trace_id: String,
    pub span_id: String,
    /// `None` for a root span.
    pub parent_span_id: Option<String>,
    pub name: String,
    /// The exporting process's resource `service.name`.
    pub service: String,
    /// The span's attributes, values as text.
    pub attributes: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Store(Arc<Mutex<Vec<ReceivedSpan>>>);

#[tonic::async_trait]
impl TraceService for Store {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut received = Vec::new();
        for rs in request.into_inner().resource_spans {
            let service = rs
                .resource
                .as_ref()
                .and_then(|r| r.attributes.iter().find(|a| a.key == "service.name"))
                .and_then(|a| a.value.as_ref())
                .map(|v| text(v.value.as_ref()))
                .unwrap_or_default();
            for span in rs.scope_spans.into_iter().flat_map(|s| s.spans) {
                received.push(ReceivedSpan {
                    trace_id: hex(&span.trace_id),
                    span_id: hex(&span.span_id),
                    parent_span_id: (!span.parent_span_id.is_empty())
                        .then(|| hex(&span.parent_span_id)),
                    name: span.name,
                    service: service.clone(),
                    attributes: span
                        .attributes
                        .into_iter()
                        .map(|a| (a.key, text(a.value.and_then(|v| v.value).as_ref())))
                        .collect(),
                });
            }
        }
        self.0.lock().expect("span store").extend(received);
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::DoubleValue(d)) => d.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

/// A running receiver on a free loopback port; stops when dropped.
pub struct OtlpReceiver {
    /// What to set `OTEL_EXPORTER_OTLP_ENDPOINT` to: `http://127.0.0.1:<port>`.
    pub endpoint: String,
    store: Store,
    stop: CancellationToken,
}

impl OtlpReceiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the OTLP receiver");
        let endpoint = format!("http://{}", listener.local_addr().expect("local address"));
        let store = Store::default();
        let stop = CancellationToken::new();
        let server = tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(store.clone()))
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                stop.clone().cancelled_owned(),
            );
        tokio::spawn(async move {
            if let Err(e) = server.await {
                eprintln!("OTLP receiver stopped: {e}");
            }
        });
        OtlpReceiver {
            endpoint,
            store,
            stop,
        }
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.store.0.lock().expect("span store").clone()
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The spans of one trace seen as a tree.
#[derive(Debug)]
pub struct Trace<'a> {
    pub spans: Vec<&'a ReceivedSpan>,
    by_id: HashMap<&'a str, &'a ReceivedSpan>,
}

impl<'a> Trace<'a> {
    /// The spans of `trace_id` among `spans`.
    pub fn of(spans: &'a [ReceivedSpan], trace_id: &str) -> Self {
        let spans: Vec<&ReceivedSpan> = spans.iter().filter(|s| s.trace_id == trace_id).collect();
        let by_id = spans.iter().map(|s| (s.span_id.as_str(), *s)).collect();
        Trace { spans, by_id }
    }

    /// Spans without a parent.
    pub fn roots(&self) -> Vec<&'a ReceivedSpan> {
        self.spans
            .iter()
            .copied()
            .filter(|s| s.parent_span_id.is_none())
            .collect()
    }

    /// Spans whose parent is not in the trace (not received, or from another trace).
    pub fn orphans(&self) -> Vec<&'a ReceivedSpan> {
        self.spans
            .iter()
            .copied()
            .filter(|s| {
                s.parent_span_id
                    .as_deref()
                    .is_some_and(|p| !self.by_id.contains_key(p))
            })
            .collect()
    }

    /// The distinct `service.name`s of the trace's spans.
    pub fn services(&self) -> HashSet<&'a str> {
        self.spans.iter().map(|s| s.service.as_str()).collect()
    }

    /// `span`'s ancestors, nearest first (stops at a missing parent or a cycle).
    pub fn ancestors(&self, span: &'a ReceivedSpan) -> Vec<&'a ReceivedSpan> {
        let mut out: Vec<&ReceivedSpan> = Vec::new();
        let mut next = span.parent_span_id.as_deref();
        while let Some(id) = next {
            let Some(parent) = self.by_id.get(id).copied() else {
                break;
            };
            if out.iter().any(|s| s.span_id == parent.span_id) {
                break;
            }
            out.push(parent);
            next = parent.parent_span_id.as_deref();
        }
        out
    }

    /// Whether `ancestor` is on the path from `span` to the root.
    pub fn descends_from(&self, span: &'a ReceivedSpan, ancestor: &ReceivedSpan) -> bool {
        self.ancestors(span)
            .iter()
            .any(|a| a.span_id == ancestor.span_id)
    }

    /// An indented rendering (`service: name`), for failure messages.
    pub fn render(&self) -> String {
        fn walk(t: &Trace<'_>, parent: Option<&str>, depth: usize, out: &mut String) {
            for s in t
                .spans
                .iter()
                .filter(|s| s.parent_span_id.as_deref() == parent)
            {
                out.push_str(&format!(
                    "{}{}: {}\n",
                    "  ".repeat(depth),
                    s.service,
                    s.name
                ));
                walk(t, Some(&s.span_id), depth + 1, out);
            }
        }
        let mut out = String::new();
        walk(self, None, 0, &mut out);
        for o in self.orphans() {
            out.push_str(&format!("(orphan) {}: {}\n", o.service, o.name));
            walk(self, Some(&o.span_id), 1, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: &str, parent: Option<&str>, service: &str) -> ReceivedSpan {
        ReceivedSpan {
            trace_id: "t1".into(),
            span_id: id.into(),
            parent_span_id: parent.map(Into::into),
            name: format!("op {id}"),
            service: service.into(),
            attributes: BTreeMap::new(),
        }
    }

    #[test]
    fn a_tree_is_read_from_parent_ids() {
        let spans = vec![
            span("a", None, "gateway"),
            span("b", Some("a"), "voice-svc"),
            span("c", Some("b"), "crm-svc"),
            span("d", Some("x"), "notify-svc"),
            ReceivedSpan {
                trace_id: "t2".into(),
                ..span("e", None, "other")
            },
        ];
        let t = Trace::of(&spans, "t1");
        assert_eq!(t.spans.len(), 4);
        assert_eq!(t.roots().len(), 1);
        assert_eq!(t.orphans().len(), 1);
        assert_eq!(t.orphans()[0].span_id, "d");
        assert!(t.descends_from(&spans[2], &spans[0]));
        assert!(!t.descends_from(&spans[0], &spans[2]));
        assert!(!t.descends_from(&spans[3], &spans[0]));
        assert_eq!(t.services().len(), 4);
        assert!(t.render().contains("    crm-svc: op c"), "{}", t.render());
    }
}
