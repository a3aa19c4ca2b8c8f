//! WhatsApp end to end: Baileys-shaped events posted to `/webhook/whatsapp_incoming` as the sidecar
//! does → whatsapp-bridge → bus → crm-svc rows and the customer's timeline; sending through a
//! loopback sidecar; the secret; status updates; duplicates and our own echoes stored once.
//! On the embedded default and on PostgreSQL + NATS JetStream.

use agentlocator_tests::{
    Api, Bus, Db, TestEnv, TestStack, count_whatsapp_messages, wait_for_count,
};
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

const SECRET: &str = "bridge-secret-for-tests-0123456789";

async fn post_sidecar(
    stack: &TestStack,
    path: &str,
    secret: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(stack.url(path))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = secret {
        req = req.header("x-bridge-secret", s);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn envelope(id: &str, business: &str, event: &str, data: Value) -> String {
    json!({"id": id, "business_id": business, "event": event,
           "occurred_at": "2026-11-24T08:00:00.000Z", "data": data})
    .to_string()
}

fn upsert(id: &str, business: &str, messages: Value) -> String {
    envelope(
        id,
        business,
        "messages.upsert",
        json!({"type": "notify", "messages": messages}),
    )
}

fn text_message(jid: &str, id: &str, text: &str, from_me: bool) -> Value {
    json!({"key": {"remoteJid": jid, "fromMe": from_me, "id": id},
           "message": {"conversation": text}, "messageTimestamp": 1764000000, "pushName": "לקוח"})
}

/// The customer with `phone` (any format), by the API's search.
async fn customer_by_phone(api: &Api, phone: &str) -> Option<Value> {
    let (s, page) = api.get(&format!("/api/crm/customers?q={phone}")).await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().unwrap().first().cloned()
}

async fn messages_of(api: &Api, customer_id: &str) -> Vec<Value> {
    let (s, page) = api
        .get(&format!("/api/customers/{customer_id}/whatsapp?limit=100"))
        .await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

async fn whatsapp_end_to_end(db: Db, bus: Bus) {
    let sidecar = MockServer::start().await;
    let mut env = TestEnv::new(db, bus);
    env.vars.insert("WA_BRIDGE_SECRET".into(), SECRET.into());
    env.vars.insert("WA_SIDECAR_URL".into(), sidecar.uri());
    let stack = TestStack::start_in(env).await;
    let business = stack.demo_business().await;
    let api = Api::new(&stack, Some(stack.sign_in(&business, "agent").await));
    let crm = stack.db().await;
    let count = || {
        let crm = crm.clone();
        let business = business.clone();
        async move { count_whatsapp_messages(&crm, &business).await }
    };
    let before = count().await;

    // Text and extended text from a new number: one lead (source whatsapp), Hebrew unchanged.
    let hebrew = "שָׁלוֹם! מה המחיר ל-2 חדרים? 🙂 (ASAP)";
    let (s, body) = post_sidecar(
        &stack,
        "/webhook/whatsapp_incoming",
        Some(SECRET),
        &upsert(
            "env-1",
            &business,
            json!([
                text_message("972547770001@s.whatsapp.net", "WA-IN-1", hebrew, false),
                {"key": {"remoteJid": "972547770001@s.whatsapp.net", "fromMe": false, "id": "WA-IN-2"},
                 "message": {"extendedTextMessage": {"text": "ועוד שאלה: https://example.com"}}}
            ]),
        ),
    )
    .await;
    assert_eq!((s, body["published"].as_u64()), (202, Some(2)), "{body}");
    assert_eq!(
        wait_for_count(before + 2, Duration::from_secs(10), count).await,
        before + 2
    );
    let lead = customer_by_phone(&api, "054-777-0001")
        .await
        .expect("lead created");
    assert_eq!(lead["source"], "whatsapp");
    assert_eq!(lead["status"], "lead");
    let lead_id = lead["id"].as_str().unwrap().to_owned();
    let thread = messages_of(&api, &lead_id).await;
    assert!(
        thread
            .iter()
            .any(|m| m["body"] == hebrew && m["direction"] == "inbound"),
        "{thread:?}"
    );

    // The same delivery again, and the same WhatsApp message in another delivery: nothing new.
    for id in ["env-1", "env-1b"] {
        let (s, _) = post_sidecar(
            &stack,
            "/webhook/whatsapp_incoming",
            Some(SECRET),
            &upsert(
                id,
                &business,
                json!([text_message(
                    "972547770001@s.whatsapp.net",
                    "WA-IN-1",
                    hebrew,
                    false
                )]),
            ),
        )
        .await;
        assert_eq!(s, 202);
    }

    // A @lid sender whose number is unknown is kept under its alias; once WhatsApp shares the
    // number, the next message from it is matched by phone.
    let (s, _) = post_sidecar(
        &stack,
        "/webhook/whatsapp_incoming",
        Some(SECRET),
        &upsert(
            "env-2",
            &business,
            json!([text_message(
                "123456789012345@lid",
                "WA-LID-1",
                "היי",
                false
            )]),
        ),
    )
    .await;
    assert_eq!(s, 202);
    let (s, _) = post_sidecar(
        &stack,
        "/webhook/whatsapp_incoming",
        Some(SECRET),
        &envelope(
            "env-3",
            &business,
            "chats.phoneNumberShare",
            json!({"lid": "123456789012345@lid", "jid": "972547770002@s.whatsapp.net"}),
        ),
    )
    .await;
    assert_eq!(s, 202);
    let (s, _) = post_sidecar(
        &stack,
        "/webhook/whatsapp_incoming",
        Some(SECRET),
        &upsert(
            "env-4",
            &business,
            json!([text_message(
                "123456789012345@lid",
                "WA-LID-2",
                "זה שוב אני",
                false
            )]),
        ),
    )
    .await;
    assert_eq!(s, 202);
    assert_eq!(
        wait_for_count(before + 4, Duration::from_secs(10), count).await,
        before + 4
    );
    let shared = customer_by_phone(&api, "0547770002")
        .await
        .expect("the shared number became a customer");
    let shared_thread = messages_of(&api, shared["id"].as_str().unwrap()).await;
    assert_eq!(shared_thread.len(), 1);
    assert_eq!(shared_thread[0]["body"], "זה שוב אני");

    // Sending: through the sidecar, stored as outbound; our own echo does not add a row; the
    // status sequence moves the same row to read.
    Mock::given(method("POST"))
        .and(path(format!("/sessions/{business}/messages")))
        .and(header("x-bridge-secret", SECRET))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "3EB0SENT0001", "jid": "972547770001@s.whatsapp.net"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&sidecar)
        .await;
    let send = json!({"to": lead_id, "text": "תודה! נחזור אליך היום."});
    let (s, sent) = api.post("/api/whatsapp/send", send.clone()).await;
    assert_eq!(s, 202, "{sent}");
    assert_eq!(sent["message_id"], "3EB0SENT0001");
    let (s, _) = post_sidecar(
        &stack,
        "/webhook/whatsapp_incoming",
        Some(SECRET),
        &upsert(
            "env-5",
            &business,
            json!([text_message(
                "972547770001@s.whatsapp.net",
                "3EB0SENT0001",
                "תודה! נחזור אליך היום.",
                true
            )]),
        ),
    )
    .await;
    assert_eq!(s, 202);
    for (i, status) in [3, 4].into_iter().enumerate() {
        let (s, _) = post_sidecar(
            &stack,
            "/webhook/whatsapp_incoming",
            Some(SECRET),
            &envelope(
                &format!("env-status-{i}"),
                &business,
                "messages.update",
                json!([{"key": {"remoteJid": "972547770001@s.whatsapp.net", "fromMe": true, "id": "3EB0SENT0001"},
                        "update": {"status": status}}]),
            ),
        )
        .await;
        assert_eq!(s, 202);
    }
    assert_eq!(
        wait_for_count(before + 5, Duration::from_secs(10), count).await,
        before + 5
    );
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let thread = messages_of(&api, &lead_id).await;
            let outbound: Vec<&Value> = thread
                .iter()
                .filter(|m| m["provider_message_id"] == "3EB0SENT0001")
                .collect();
            assert!(
                outbound.len() <= 1,
                "one row per WhatsApp message: {thread:?}"
            );
            if outbound.first().is_some_and(|m| m["status"] == "read") {
                return outbound[0].clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the status updates reach the message");
    assert_eq!(read["direction"], "outbound");
    assert_eq!(read["body"], "תודה! נחזור אליך היום.");

    // The timeline shows the conversation.
    let (s, timeline) = api.get(&format!("/api/customers/{lead_id}/timeline")).await;
    assert_eq!(s, 200, "{timeline}");
    let items = timeline
        .as_array()
        .or_else(|| timeline["items"].as_array())
        .unwrap();
    assert!(
        items.iter().filter(|i| i["type"] == "whatsapp").count() >= 3,
        "{timeline}"
    );

    // A retried send with the same Idempotency-Key is answered from the first, not sent twice.
    Mock::given(method("POST"))
        .and(path(format!("/sessions/{business}/messages")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "3EB0SENT0002", "jid": "972547770001@s.whatsapp.net"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&sidecar)
        .await;
    let token = stack.sign_in(&business, "agent").await;
    for _ in 0..2 {
        let res = reqwest::Client::new()
            .post(stack.url("/api/whatsapp/send"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "retry-7f3a")
            .json(&json!({"to": "+972547770001", "text": "האם קיבלת?"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["message_id"], "3EB0SENT0002");
    }

    // Wrong or missing secret, malformed body, unknown business: refused, nothing stored.
    let forged = upsert(
        "env-forged",
        &business,
        json!([text_message(
            "972547770009@s.whatsapp.net",
            "WA-FORGED",
            "x",
            false
        )]),
    );
    let (s, body) = post_sidecar(
        &stack,
        "/webhook/whatsapp_incoming",
        Some("wrong-secret-0123456789"),
        &forged,
    )
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let (s, body) = post_sidecar(&stack, "/webhook/whatsapp_incoming", None, &forged).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    let (s, body) = post_sidecar(
        &stack,
        "/webhook/whatsapp_incoming",
        Some(SECRET),
        "{\"id\":",
    )
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("malformed_payload")),
        "{body}"
    );
    let (s, body) = post_sidecar(
        &stack,
        "/webhook/whatsapp_incoming",
        Some(SECRET),
        &upsert("env-x", "no-such-business", json!([])),
    )
    .await;
    assert_eq!(s, 404, "{body}");
    let (s, _) = post_sidecar(
        &stack,
        "/webhook/whatsapp_auth",
        Some("wrong-secret-0123456789"),
        "{}",
    )
    .await;
    assert_eq!(s, 403);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        wait_for_count(before + 6, Duration::from_secs(10), count).await,
        before + 6,
        "the idempotent send stored one row; refused events stored nothing"
    );
    assert_eq!(count().await, before + 6);

    // Sending needs a writer and valid input; an unconnected WhatsApp is a conflict.
    let reader = Api::new(&stack, Some(stack.sign_in(&business, "read_only").await));
    assert_eq!(reader.post("/api/whatsapp/send", send.clone()).await.0, 403);
    let (s, body) = api
        .post("/api/whatsapp/send", json!({"to": "hello", "text": "x"}))
        .await;
    assert_eq!((s, body["field"].as_str()), (422, Some("to")), "{body}");
    let (s, body) = api
        .post(
            "/api/whatsapp/send",
            json!({"to": "0547770001", "text": "  "}),
        )
        .await;
    assert_eq!((s, body["field"].as_str()), (422, Some("text")), "{body}");
    Mock::given(method("POST"))
        .and(path(format!("/sessions/{business}/messages")))
        .respond_with(ResponseTemplate::new(409).set_body_json(
            json!({"error": "not_connected", "message": "WhatsApp is qr, not connected"}),
        ))
        .mount(&sidecar)
        .await;
    let (s, body) = api
        .post(
            "/api/whatsapp/send",
            json!({"to": "0547770003", "text": "שלום"}),
        )
        .await;
    assert_eq!(s, 409, "{body}");

    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_end_to_end_sqlite_memory() {
    whatsapp_end_to_end(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatsapp_end_to_end_postgres_nats() {
    whatsapp_end_to_end(Db::Postgres, Bus::Nats).await;
}

/// The sidecar's auth-state store round-trips through the bridge into the database, and the
/// session routes show the sidecar's state (QR while pairing); owners/admins only may pair.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_state_and_session_routes() {
    let sidecar = MockServer::start().await;
    let mut env = TestEnv::new(Db::Sqlite, Bus::Memory);
    env.vars.insert("WA_BRIDGE_SECRET".into(), SECRET.into());
    env.vars.insert("WA_SIDECAR_URL".into(), sidecar.uri());
    let stack = TestStack::start_in(env).await;
    let business = stack.demo_business().await;

    let auth = |body: Value| {
        let stack = &stack;
        async move {
            post_sidecar(
                stack,
                "/webhook/whatsapp_auth",
                Some(SECRET),
                &body.to_string(),
            )
            .await
        }
    };
    let creds = r#"{"noiseKey":{"private":{"type":"Buffer","data":"AQID"}}}"#;
    let (s, _) = auth(json!({"business_id": business, "op": "set",
        "values": {"creds": creds, "pre-key-1": "{\"k\":1}"}}))
    .await;
    assert_eq!(s, 200);
    let (s, got) = auth(
        json!({"business_id": business, "op": "get", "keys": ["creds", "pre-key-1", "pre-key-2"]}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        got,
        json!({"values": {"creds": creds, "pre-key-1": "{\"k\":1}", "pre-key-2": null}})
    );
    let (s, _) =
        auth(json!({"business_id": business, "op": "set", "values": {"pre-key-1": null}})).await;
    assert_eq!(s, 200);
    let (_, got) = auth(json!({"business_id": business, "op": "get", "keys": ["pre-key-1"]})).await;
    assert_eq!(got["values"]["pre-key-1"], Value::Null);
    let (s, paired) = auth(json!({"op": "paired"})).await;
    assert_eq!((s, paired), (200, json!({"business_ids": [business]})));
    let (s, cleared) = auth(json!({"business_id": business, "op": "clear"})).await;
    assert_eq!((s, cleared["removed"].as_u64()), (200, Some(1)));
    let (_, paired) = auth(json!({"op": "paired"})).await;
    assert_eq!(paired, json!({"business_ids": []}), "unpaired after clear");
    let (s, _) = auth(json!({"business_id": business, "op": "drop-table"})).await;
    assert_eq!(s, 400);

    // The session lease through the same route: one sidecar holds a business at a time.
    let lease = |holder: &str| {
        json!({"business_id": business, "op": "lease", "holder": holder,
               "holder_addr": format!("http://{holder}:50055"), "ttl_ms": 30000})
    };
    let (s, a) = auth(lease("pod-a")).await;
    assert_eq!(
        (s, a["granted"].as_bool(), a["holder"].as_str()),
        (200, Some(true), Some("pod-a")),
        "{a}"
    );
    let (s, renewed) = auth(lease("pod-a")).await;
    assert_eq!((s, renewed["granted"].as_bool()), (200, Some(true)));
    assert!(renewed["expires_at"].as_str() >= a["expires_at"].as_str());
    let (s, b) = auth(lease("pod-b")).await;
    assert_eq!(
        (s, b["granted"].as_bool(), b["holder_addr"].as_str()),
        (200, Some(false), Some("http://pod-a:50055")),
        "{b}"
    );
    let release =
        |holder: &str| json!({"business_id": business, "op": "release", "holder": holder});
    assert_eq!(
        auth(release("pod-b")).await,
        (200, json!({"released": false}))
    );
    assert_eq!(
        auth(release("pod-a")).await,
        (200, json!({"released": true}))
    );
    let (_, b) = auth(lease("pod-b")).await;
    assert_eq!(b["granted"], true, "free once released");
    assert_eq!(
        auth(release("pod-b")).await,
        (200, json!({"released": true}))
    );
    let (s, _) = auth(json!({"business_id": business, "op": "lease", "holder": ""})).await;
    assert_eq!(s, 400, "a lease needs a holder");

    Mock::given(method("GET"))
        .and(path(format!("/sessions/{business}")))
        .and(header("x-bridge-secret", SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "business_id": business, "state": "qr", "reason": null, "qr": "2@pairing-ref",
            "me": null, "qr_data_url": "data:image/png;base64,iVBORw0KGgo="})))
        .mount(&sidecar)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/sessions/{business}/start")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "business_id": business, "state": "connecting", "reason": null, "qr": null, "me": null})))
        .expect(1)
        .mount(&sidecar)
        .await;
    let owner = Api::new(&stack, Some(stack.sign_in(&business, "owner").await));
    let agent = Api::new(&stack, Some(stack.sign_in(&business, "agent").await));
    assert_eq!(
        agent.post("/api/whatsapp/session/start", json!({})).await.0,
        403
    );
    let (s, started) = owner.post("/api/whatsapp/session/start", json!({})).await;
    assert_eq!(
        (s, started["state"].as_str()),
        (200, Some("connecting")),
        "{started}"
    );
    let (s, status) = agent.get("/api/whatsapp/status").await;
    assert_eq!(s, 200);
    assert_eq!(status["state"], "qr");
    assert_eq!(status["qr"], "2@pairing-ref");
    assert!(
        status["qr_data_url"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png")
    );

    // WhatsApp off for the business: every staff route answers whatsapp_disabled.
    let (s, _) = owner
        .patch(
            "/api/business",
            json!({"features": {"whatsapp_enabled": false}}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, body) = agent.get("/api/whatsapp/status").await;
    assert_eq!(
        (s, body["error"].as_str()),
        (403, Some("whatsapp_disabled"))
    );
    let (s, body) = agent
        .post(
            "/api/whatsapp/send",
            json!({"to": "0547770001", "text": "x"}),
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (403, Some("whatsapp_disabled"))
    );
    stack.stop().await.unwrap();
}

/// `WA_PROVIDER=cloud`: the verification handshake, signed webhooks into the same rows and
/// timeline, a wrong signature refused with nothing stored, sending through a loopback Graph API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_api_provider() {
    use hmac::{Hmac, Mac};
    let graph = MockServer::start().await;
    let mut env = TestEnv::new(Db::Sqlite, Bus::Memory);
    for (k, v) in [
        ("WA_PROVIDER", "cloud".to_string()),
        // Example values for the loopback Graph API, not real credentials.
        ("WA_CLOUD_ACCESS_TOKEN", "EAAG-example-token".to_string()),
        ("WA_CLOUD_APP_SECRET", "example-app-secret".to_string()),
        ("WA_CLOUD_VERIFY_TOKEN", "example-verify-token".to_string()),
        ("WA_CLOUD_API_BASE", format!("{}/v21.0", graph.uri())),
    ] {
        env.vars.insert(k.into(), v);
    }
    let stack = TestStack::start_in(env).await;
    let business = stack.demo_business().await;
    let owner = Api::new(&stack, Some(stack.sign_in(&business, "owner").await));
    let crm = stack.db().await;
    let count = || {
        let (crm, business) = (crm.clone(), business.clone());
        async move { count_whatsapp_messages(&crm, &business).await }
    };
    let before = count().await;
    let client = reqwest::Client::new();

    // Handshake: the challenge comes back only with our verify token.
    let verify = |token: &str| {
        client
            .get(stack.url("/webhook/whatsapp_cloud"))
            .query(&[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ])
            .send()
    };
    let ok = verify("example-verify-token").await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    assert_eq!(verify("guess").await.unwrap().status(), 403);

    // Not connected until the business has its number.
    let (_, status) = owner.get("/api/whatsapp/status").await;
    assert_eq!(
        (status["state"].as_str(), status["reason"].as_str()),
        (Some("closed"), Some("cloud_number_not_set"))
    );
    let (s, body) = owner
        .call(
            reqwest::Method::PUT,
            "/api/whatsapp/cloud-number",
            Some(agentlocator_tests::Body::Json(
                json!({"phone_number_id": "not digits"}),
            )),
        )
        .await;
    assert_eq!(
        (s, body["field"].as_str()),
        (422, Some("phone_number_id")),
        "{body}"
    );
    let (s, _) = owner
        .call(
            reqwest::Method::PUT,
            "/api/whatsapp/cloud-number",
            Some(agentlocator_tests::Body::Json(
                json!({"phone_number_id": "106540352242922"}),
            )),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(owner.get("/api/whatsapp/status").await.1["state"], "open");

    let payload = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "שירה"}, "wa_id": "972547770042"}],
            "messages": [{"from": "972547770042", "id": "wamid.CLOUD1", "timestamp": "1764000000",
                          "type": "text", "text": {"body": "שלום, אפשר לקבוע תור? 🙏"}}]}}]}]})
    .to_string();
    let sign = |secret: &str, body: &str| {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("sha256={hex}")
    };
    let post = |signature: String, body: String| {
        client
            .post(stack.url("/webhook/whatsapp_cloud"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
    };
    let forged = post(sign("other-secret", &payload), payload.clone())
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    for _ in 0..2 {
        // Meta redelivers: the same message is stored once.
        let res = post(sign("example-app-secret", &payload), payload.clone())
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    assert_eq!(
        wait_for_count(before + 1, Duration::from_secs(10), count).await,
        before + 1
    );
    let customer = customer_by_phone(&owner, "0547770042")
        .await
        .expect("a lead from the Cloud API");
    let thread = messages_of(&owner, customer["id"].as_str().unwrap()).await;
    assert_eq!(thread.len(), 1);
    assert_eq!(thread[0]["body"], "שלום, אפשר לקבוע תור? 🙏");

    // Sending goes to the Graph API with the token, from the business's number.
    Mock::given(method("POST"))
        .and(path("/v21.0/106540352242922/messages"))
        .and(header("authorization", "Bearer EAAG-example-token"))
        .and(wiremock::matchers::body_partial_json(json!({
            "messaging_product": "whatsapp", "to": "972547770042", "type": "text",
            "text": {"body": "נקבע לך תור למחר ב-10:00"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": "972547770042", "wa_id": "972547770042"}],
            "messages": [{"id": "wamid.OUT1"}]})))
        .expect(1)
        .mount(&graph)
        .await;
    let (s, sent) = owner
        .post(
            "/api/whatsapp/send",
            json!({"to": customer["id"], "text": "נקבע לך תור למחר ב-10:00"}),
        )
        .await;
    assert_eq!(
        (s, sent["message_id"].as_str()),
        (202, Some("wamid.OUT1")),
        "{sent}"
    );
    // Pairing is not a thing with the Cloud API.
    assert_eq!(
        owner.post("/api/whatsapp/session/start", json!({})).await.0,
        409
    );
    stack.stop().await.unwrap();
}
