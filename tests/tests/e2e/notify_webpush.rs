//! Web Push end to end, against a loopback push service that behaves like a real one: it checks
//! the VAPID `Authorization` header (ES256 signature with the key from `/api/push/public-key`,
//! `aud`, `exp`, `sub`) and DECRYPTS the `aes128gcm` body with the subscription's private key.
//! A due task is pushed once with its JSON payload; a subscription whose push service answers
//! 410 is deleted; subscribing is validated and idempotent; unsubscribing removes it.

use agentlocator_common::metrics::text;
use agentlocator_tests::{Api, Bus, Db, TestStack};
use base64::Engine as _;
use p256::ecdsa::{Signature, VerifyingKey, signature::Verifier};
use serde_json::{Value, json};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
/// Failure bound for a push to arrive.
const WAIT: Duration = Duration::from_secs(10);

/// A browser's side of a subscription: the keys only it knows.
struct Browser {
    components: ece::EcKeyComponents,
    auth: [u8; 16],
    p256dh: String,
}

impl Browser {
    fn new() -> Self {
        let (pair, auth) = ece::generate_keypair_and_auth_secret().unwrap();
        Browser {
            components: pair.raw_components().unwrap(),
            auth,
            p256dh: B64.encode(pair.pub_as_raw().unwrap()),
        }
    }
}

/// What the push service made of one request.
#[derive(Debug)]
struct Received {
    /// The decrypted payload.
    payload: Value,
    ttl: Option<String>,
    urgency: Option<String>,
}

/// A push service endpoint that verifies and decrypts, then answers `status`.
struct PushService {
    browser: Browser,
    vapid_public_key: String,
    audience: String,
    status: u16,
    received: Arc<Mutex<Vec<Result<Received, String>>>>,
}

impl PushService {
    fn check(&self, req: &Request) -> Result<Received, String> {
        let header = |name: &str| {
            req.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        // Authorization: vapid t=<jwt>, k=<public key>
        let auth = header("authorization").ok_or("no Authorization header")?;
        let rest = auth
            .strip_prefix("vapid ")
            .ok_or(format!("not vapid: {auth}"))?;
        let (mut t, mut k) = (None, None);
        for part in rest.split(',') {
            match part.trim().split_once('=') {
                Some(("t", v)) => t = Some(v.to_string()),
                Some(("k", v)) => k = Some(v.to_string()),
                _ => {}
            }
        }
        let (t, k) = (t.ok_or("no t=")?, k.ok_or("no k=")?);
        if k != self.vapid_public_key {
            return Err(format!("k={k} is not the published VAPID key"));
        }
        let key = VerifyingKey::from_sec1_bytes(&B64.decode(&k).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        let parts: Vec<&str> = t.split('.').collect();
        if parts.len() != 3 {
            return Err("JWT is not three parts".into());
        }
        let jwt_header: Value =
            serde_json::from_slice(&B64.decode(parts[0]).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        if jwt_header["alg"] != "ES256" {
            return Err(format!("alg {}", jwt_header["alg"]));
        }
        let sig = Signature::from_slice(&B64.decode(parts[2]).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
            .map_err(|_| "VAPID signature does not verify".to_string())?;
        let claims: Value =
            serde_json::from_slice(&B64.decode(parts[1]).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        if claims["aud"] != self.audience.as_str() {
            return Err(format!("aud {} != {}", claims["aud"], self.audience));
        }
        let now = chrono::Utc::now().timestamp();
        let exp = claims["exp"].as_i64().ok_or("no exp")?;
        if exp <= now || exp > now + 24 * 3600 {
            return Err(format!("exp {exp} not within 24 h from now"));
        }
        let sub = claims["sub"].as_str().ok_or("no sub")?;
        if !(sub.starts_with("mailto:") || sub.starts_with("https://")) {
            return Err(format!("sub {sub}"));
        }
        if header("content-encoding").as_deref() != Some("aes128gcm") {
            return Err(format!("content-encoding {:?}", header("content-encoding")));
        }
        let plain = ece::decrypt(&self.browser.components, &self.browser.auth, &req.body)
            .map_err(|e| format!("body does not decrypt: {e}"))?;
        Ok(Received {
            payload: serde_json::from_slice(&plain).map_err(|e| e.to_string())?,
            ttl: header("ttl"),
            urgency: header("urgency"),
        })
    }
}

impl Respond for PushService {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let result = self.check(req);
        let ok = result.is_ok();
        self.received.lock().unwrap().push(result);
        if ok {
            ResponseTemplate::new(self.status)
        } else {
            ResponseTemplate::new(400)
        }
    }
}

async fn subscriptions(stack: &TestStack, business_id: &str) -> Vec<String> {
    let db = stack.db().await;
    crm_svc::push_subscriptions::list(&db, &business_id.to_string().into())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.endpoint)
        .collect()
}

async fn wait_until<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !probe().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_task_is_pushed_encrypted_and_signed_and_gone_subscriptions_are_deleted() {
    let stack = TestStack::start(Db::Sqlite, Bus::Memory).await;
    let crm = stack.db().await;
    let business = crm_svc::test_support::create_business(&crm, "עסק").await;
    let business_id = business.id.as_str().to_string();
    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));

    let (status, key) = api.get("/api/push/public-key").await;
    assert_eq!(status, 200, "{key}");
    let vapid_public_key = key["public_key"].as_str().unwrap().to_string();
    assert_eq!(B64.decode(&vapid_public_key).unwrap().len(), 65);
    assert_eq!(
        Api::new(&stack, None).get("/api/push/public-key").await.0,
        401
    );

    let server = MockServer::start().await;
    let audience = server.uri();
    let ok_received = Arc::new(Mutex::new(Vec::new()));
    let gone_received = Arc::new(Mutex::new(Vec::new()));
    let (ok_browser, gone_browser) = (Browser::new(), Browser::new());
    let ok_sub = json!({
        "endpoint": format!("{}/push/ok", server.uri()),
        "expirationTime": null,
        "keys": {"p256dh": ok_browser.p256dh, "auth": B64.encode(ok_browser.auth)},
    });
    let gone_sub = json!({
        "endpoint": format!("{}/push/gone", server.uri()),
        "keys": {"p256dh": gone_browser.p256dh, "auth": B64.encode(gone_browser.auth)},
    });
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/push/ok"))
        .respond_with(PushService {
            browser: ok_browser,
            vapid_public_key: vapid_public_key.clone(),
            audience: audience.clone(),
            status: 201,
            received: ok_received.clone(),
        })
        .mount(&server)
        .await;
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/push/gone"))
        .respond_with(PushService {
            browser: gone_browser,
            vapid_public_key: vapid_public_key.clone(),
            audience,
            status: 410,
            received: gone_received.clone(),
        })
        .mount(&server)
        .await;

    // Subscribing: validated, idempotent on the endpoint.
    let (status, first) = api.post("/api/push/subscribe", ok_sub.clone()).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = api.post("/api/push/subscribe", ok_sub.clone()).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(first["id"], again["id"]);
    assert_eq!(
        api.post("/api/push/subscribe", gone_sub.clone()).await.0,
        201
    );
    for (bad, field) in [
        (
            json!({"endpoint": "http://push.example.com/x", "keys": ok_sub["keys"]}),
            "endpoint",
        ),
        (
            json!({"endpoint": "https://push.example.com/x", "keys": {"p256dh": "AAAA", "auth": ok_sub["keys"]["auth"]}}),
            "keys.p256dh",
        ),
        (
            json!({"endpoint": "https://push.example.com/x", "keys": {"p256dh": ok_sub["keys"]["p256dh"], "auth": "QUJD"}}),
            "keys.auth",
        ),
    ] {
        let (status, body) = api.post("/api/push/subscribe", bad).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    assert_eq!(
        api.post(
            "/api/push/subscribe",
            json!({"endpoint": "https://x.example"})
        )
        .await
        .0,
        422
    );
    assert_eq!(subscriptions(&stack, &business_id).await.len(), 2);

    // A task due in a second is pushed to both; the 410 one is deleted.
    let due_at = chrono::Utc::now() + chrono::Duration::seconds(1);
    let (status, task) = api
        .post(
            "/api/tasks",
            json!({"title": "לחזור ללקוח", "due_at": due_at.to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    wait_until("the push", || {
        let n = ok_received.lock().unwrap().len();
        async move { n >= 1 }
    })
    .await;
    let endpoint_ok = ok_sub["endpoint"].as_str().unwrap().to_string();
    wait_until("the gone subscription to be deleted", || {
        let (stack, business_id, endpoint_ok) = (&stack, &business_id, &endpoint_ok);
        async move { subscriptions(stack, business_id).await == vec![endpoint_ok.clone()] }
    })
    .await;
    assert_eq!(gone_received.lock().unwrap().len(), 1);
    assert!(
        gone_received.lock().unwrap()[0].is_ok(),
        "{:?}",
        gone_received.lock().unwrap()
    );

    // The gateway's /metrics (a local-only stack: open to loopback) shows every service of the
    // process: the pushes by outcome, notify-svc's gRPC calls to crm-svc, the REST calls.
    let res = reqwest::get(format!("{}/metrics", stack.http))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    let samples = text::parse(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    let sum = |name: &str, labels: &[(&str, &str)]| text::sum(&samples, name, labels);
    assert_eq!(sum("push_sent_total", &[("outcome", "ok")]), 1.0, "{body}");
    assert_eq!(
        sum("push_sent_total", &[("outcome", "gone")]),
        1.0,
        "{body}"
    );
    assert_eq!(
        sum("push_sent_total", &[("outcome", "failed")]),
        0.0,
        "{body}"
    );
    let list_subscriptions = [
        ("service", "agentlocator.v1.CrmService"),
        ("method", "ListPushSubscriptions"),
        ("code", "OK"),
    ];
    assert!(sum("grpc_server_requests_total", &list_subscriptions) >= 1.0);
    let subscribed = [
        ("method", "POST"),
        ("route", "/api/push/subscribe"),
        ("status", "201"),
    ];
    assert!(sum("http_requests_total", &subscribed) >= 2.0, "{body}");

    // Nothing more arrives for the same event.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut received = std::mem::take(&mut *ok_received.lock().unwrap());
    assert_eq!(received.len(), 1, "{received:?}");
    let got = received.remove(0).expect("a verified, decryptable push");
    assert_eq!(got.ttl.as_deref(), Some("3600"));
    assert_eq!(got.urgency.as_deref(), Some("high"));
    assert_eq!(
        got.payload,
        json!({
            "title": "משימה לביצוע",
            "body": "לחזור ללקוח",
            "url": "/",
            "event": "task:due",
            "data": {
                "task_id": task["id"],
                "title": "לחזור ללקוח",
                "due_at": got.payload["data"]["due_at"],
                "customer_id": null,
            },
        })
    );
    assert!(got.payload["data"]["due_at"].is_string());

    // Unsubscribing removes it (and is idempotent).
    let gone = json!({"endpoint": endpoint_ok});
    assert_eq!(
        api.call(
            reqwest::Method::DELETE,
            "/api/push/subscribe",
            Some(agentlocator_tests::Body::Json(gone.clone()))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        api.call(
            reqwest::Method::DELETE,
            "/api/push/subscribe",
            Some(agentlocator_tests::Body::Json(gone))
        )
        .await
        .0,
        204
    );
    assert!(subscriptions(&stack, &business_id).await.is_empty());
    stack.stop().await.expect("stack stops cleanly");
}
