//! Sign-in, roles, feature flags, tenant isolation and customer CRUD through the gateway, on the
//! embedded default and on PostgreSQL + NATS JetStream.

use agentlocator_tests::{Api, Body, Bus, Db, TEST_PASSWORD, TestStack};
use reqwest::Method;
use serde_json::json;

async fn sign_in_and_roles(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let business = stack.demo_business().await;
    let anon = Api::new(&stack, None);

    // Wrong password and unknown email get the same answer.
    let owner_token = stack.sign_in(&business, "owner").await;
    let (s, wrong) = anon
        .post(
            "/api/auth/login",
            json!({"email": "owner@demo.local", "password": "nope-nope-nope"}),
        )
        .await;
    assert_eq!(s, 401, "{wrong}");
    let (s, unknown) = anon
        .post(
            "/api/auth/login",
            json!({"email": "nobody@x.local", "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(s, 401);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"], "unauthorized");

    // Malformed JSON → 400; a missing field → 422 naming it.
    let (s, e) = anon
        .call(
            Method::POST,
            "/api/auth/login",
            Some(Body::Raw(b"{\"email\": ".to_vec())),
        )
        .await;
    assert_eq!((s, e["error"].as_str()), (400, Some("malformed_json")));
    let (s, e) = anon
        .post("/api/auth/login", json!({"email": "a@b.co"}))
        .await;
    assert_eq!(s, 422, "{e}");
    assert!(e["message"].as_str().unwrap().contains("password"), "{e}");

    // No token → 401.
    let (s, e) = anon.get("/api/crm/customers").await;
    assert_eq!((s, e["error"].as_str()), (401, Some("unauthorized")));

    let owner = Api::new(&stack, Some(owner_token));
    let (s, me) = owner.get("/api/me").await;
    assert_eq!(s, 200, "{me}");
    assert_eq!(me["user"]["role"], "owner");
    assert_eq!(me["business"]["id"], business);
    assert_eq!(me["business"]["vat_rate_bp"], 1800);
    assert_eq!(me["business"]["features"]["crm_enabled"], true);

    // read_only reads but cannot write; agents cannot change settings.
    let reader = Api::new(&stack, Some(stack.sign_in(&business, "read_only").await));
    assert_eq!(reader.get("/api/crm/customers").await.0, 200);
    let (s, e) = reader
        .post(
            "/api/crm/customers",
            json!({"name": "דנה", "phone": "052-7654321"}),
        )
        .await;
    assert_eq!((s, e["error"].as_str()), (403, Some("forbidden")));
    let agent = Api::new(&stack, Some(stack.sign_in(&business, "agent").await));
    let (s, _) = agent.patch("/api/business", json!({"name": "x"})).await;
    assert_eq!(s, 403);

    // Turning the CRM off closes its routes with crm_disabled; the settings stay reachable so it
    // can be turned on again.
    let (s, b) = owner
        .patch("/api/business", json!({"features": {"crm_enabled": false}}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["features"]["crm_enabled"], false);
    let (s, e) = owner.get("/api/crm/customers?page=1&limit=25").await;
    assert_eq!((s, e["error"].as_str()), (403, Some("crm_disabled")));
    let (s, _) = owner
        .patch("/api/business", json!({"features": {"crm_enabled": true}}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(owner.get("/api/crm/customers").await.0, 200);

    // Settings validation names the field.
    let (s, e) = owner
        .patch("/api/business", json!({"vat_rate_bp": 20000}))
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["field"], "vat_rate_bp");
    let (s, e) = owner.patch("/api/business", json!({"vat": 17})).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["message"].as_str().unwrap().contains("vat"));
    let (s, b) = owner
        .patch(
            "/api/business",
            json!({"greeting_text": "שלום, הגעתם לעסק לדוגמה", "knowledge": [{"q": "מה שעות הפעילות?", "a": "א׳-ה׳ 9:00-18:00"}]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["knowledge"][0]["a"], "א׳-ה׳ 9:00-18:00");

    stack.stop().await.expect("clean stop");
}

async fn customer_crud_and_tenant_isolation(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let demo = stack.demo_business().await;
    let other = crm_svc::businesses::create(&stack.db().await, "עסק אחר", "other")
        .await
        .unwrap();
    let a = Api::new(&stack, Some(stack.sign_in(&demo, "agent").await));
    let b = Api::new(
        &stack,
        Some(stack.sign_in(other.id.as_str(), "owner").await),
    );

    let (s, c) = a
        .post(
            "/api/crm/customers",
            json!({"name": "יעל כהן", "phone": "054-111-2233", "email": "Yael@Example.co.il"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["phone"], "+972541112233");
    assert_eq!(c["email"], "yael@example.co.il");
    assert_eq!(c["status"], "lead");
    let id = c["id"].as_str().unwrap().to_string();

    // The same number in another format is a duplicate; a bad phone names the field.
    let (s, e) = a
        .post(
            "/api/crm/customers",
            json!({"name": "כפול", "phone": "+972-54-1112233"}),
        )
        .await;
    assert_eq!((s, e["error"].as_str()), (409, Some("conflict")));
    let (s, e) = a
        .post(
            "/api/crm/customers",
            json!({"name": "שגוי", "phone": "12345"}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("phone")), "{e}");
    let (s, e) = a
        .post(
            "/api/crm/customers",
            json!({"name": "x", "phone": "0541112299", "colour": "red"}),
        )
        .await;
    assert_eq!(s, 422, "{e}");

    // Search finds it by any phone format.
    let (s, found) = a.get("/api/crm/customers?q=0541112233").await;
    assert_eq!(s, 200);
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], id.as_str());

    // Another business sees nothing of it.
    let (s, e) = b.get(&format!("/api/crm/customers/{id}")).await;
    assert_eq!((s, e["error"].as_str()), (404, Some("not_found")));
    assert_eq!(
        b.patch(&format!("/api/crm/customers/{id}"), json!({"name": "x"}))
            .await
            .0,
        404
    );
    assert_eq!(b.delete(&format!("/api/crm/customers/{id}")).await.0, 404);
    let (_, list) = b.get("/api/crm/customers?q=0541112233").await;
    assert_eq!(list["total"], 0);
    let (_, list) = b.get("/api/crm/customers").await;
    assert_eq!(list["total"], 0);
    // …and may have the same phone itself.
    assert_eq!(
        b.post(
            "/api/crm/customers",
            json!({"name": "אחר", "phone": "0541112233"})
        )
        .await
        .0,
        201
    );

    let (s, c) = a
        .patch(
            &format!("/api/crm/customers/{id}"),
            json!({"status": "active", "email": null, "notes": "VIP"}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(
        (
            c["status"].as_str(),
            c["email"].as_str(),
            c["notes"].as_str()
        ),
        (Some("active"), None, Some("VIP"))
    );
    assert_eq!(c["name"], "יעל כהן");
    let (s, e) = a
        .patch(
            &format!("/api/crm/customers/{id}"),
            json!({"status": "vip"}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("status")), "{e}");

    let (s, _) = a.delete(&format!("/api/crm/customers/{id}")).await;
    assert_eq!(s, 204);
    assert_eq!(a.get(&format!("/api/crm/customers/{id}")).await.0, 404);

    stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn sign_in_roles_and_flags_sqlite() {
    sign_in_and_roles(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn sign_in_roles_and_flags_postgres_nats() {
    sign_in_and_roles(Db::Postgres, Bus::Nats).await;
}

#[tokio::test]
async fn customer_crud_and_tenant_isolation_sqlite() {
    customer_crud_and_tenant_isolation(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn customer_crud_and_tenant_isolation_postgres_nats() {
    customer_crud_and_tenant_isolation(Db::Postgres, Bus::Nats).await;
}

/// Applies an event to the stack's database exactly as crm-svc's consumer does.
async fn apply_event(stack: &TestStack, event: agentlocator_proto::Event) {
    stack
        .db()
        .await
        .transaction(move |conn| crm_svc::event_consumer::apply(conn, &event))
        .await
        .expect("event applied");
}

fn at(event: &mut agentlocator_proto::Event, rfc3339: &str) {
    let t = chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&chrono::Utc);
    event.occurred_at = Some(agentlocator_proto::to_timestamp(t));
}

async fn tasks_and_timeline(db: Db, bus: Bus) {
    use agentlocator_proto::v1::{
        CallEvent, CallEventKind, WhatsAppEvent, WhatsAppEventKind, event::Payload,
    };
    let stack = TestStack::start(db, bus).await;
    let demo = stack.demo_business().await;
    let api = Api::new(&stack, Some(stack.sign_in(&demo, "agent").await));
    let (_, c) = api
        .post(
            "/api/crm/customers",
            json!({"name": "אורי לוי", "phone": "058-9990001"}),
        )
        .await;
    let cid = c["id"].as_str().unwrap().to_string();

    // Tasks: validation, create, complete, filter.
    let (s, e) = api
        .post("/api/tasks", json!({"title": "", "customer_id": cid}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("title")), "{e}");
    let (s, e) = api
        .post("/api/tasks", json!({"title": "x", "due_at": "tomorrow"}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("due_at")), "{e}");
    let (s, e) = api
        .post(
            "/api/tasks",
            json!({"title": "x", "customer_id": "no-such-customer"}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("customer_id")), "{e}");
    let (s, t1) = api
        .post(
            "/api/tasks",
            json!({"title": "להתקשר בחזרה", "due_at": "2026-03-01T09:00:00+02:00", "customer_id": cid}),
        )
        .await;
    assert_eq!(s, 201, "{t1}");
    assert_eq!(t1["due_at"], "2026-03-01T07:00:00.000Z");
    let (_, t2) = api
        .post(
            "/api/tasks",
            json!({"title": "לשלוח הצעת מחיר", "customer_id": cid}),
        )
        .await;
    let t1_id = t1["id"].as_str().unwrap();
    let (s, done) = api
        .patch(&format!("/api/tasks/{t1_id}"), json!({"done": true}))
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["done"], true);
    assert!(done["done_at"].is_string());
    let (_, open) = api
        .get(&format!("/api/tasks?customer_id={cid}&done=false"))
        .await;
    assert_eq!(open["total"], 1);
    assert_eq!(open["items"][0]["id"], t2["id"]);
    assert_eq!(api.get("/api/tasks?done=maybe").await.0, 422);

    // A call and WhatsApp messages from the customer's number land on the same timeline.
    let mut call = agentlocator_proto::new_event(
        demo.as_str(),
        Payload::Call(CallEvent {
            kind: CallEventKind::Started as i32,
            call_sid: "CA00000000000000000000000000000001".into(), // example value
            direction: "inbound".into(),
            from_number: "+972589990001".into(),
            to_number: "+972521112233".into(),
            status: "in-progress".into(),
            ..Default::default()
        }),
    );
    at(&mut call, "2026-02-10T10:00:00Z");
    apply_event(&stack, call).await;
    for (n, when) in [(1, "2026-02-11T08:00:00Z"), (2, "2026-04-01T08:00:00Z")] {
        let mut m = agentlocator_proto::new_event(
            demo.as_str(),
            Payload::Whatsapp(WhatsAppEvent {
                kind: WhatsAppEventKind::Received as i32,
                provider_message_id: format!("WA-TL-{n}"),
                direction: "inbound".into(),
                from_number: "+972589990001".into(),
                to_number: "+972521112233".into(),
                body: format!("שלום {n}"),
                status: "received".into(),
                ..Default::default()
            }),
        );
        at(&mut m, when);
        apply_event(&stack, m).await;
    }

    let (s, items) = api.get(&format!("/api/customers/{cid}/timeline")).await;
    assert_eq!(s, 200, "{items}");
    let items = items.as_array().unwrap().clone();
    let kinds: Vec<&str> = items.iter().map(|i| i["type"].as_str().unwrap()).collect();
    for k in ["call", "whatsapp", "task"] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    // Strictly newest first; the undated task last.
    let dated: Vec<&str> = items.iter().filter_map(|i| i["ts"].as_str()).collect();
    assert!(dated.windows(2).all(|w| w[0] >= w[1]), "{dated:?}");
    assert!(items.last().unwrap()["ts"].is_null());
    assert_eq!(items[0]["type"], "whatsapp");
    assert_eq!(items[0]["body"], "שלום 2");

    // Paging with a cursor covers everything once.
    let mut seen = Vec::new();
    let mut path = format!("/api/customers/{cid}/timeline?limit=2");
    loop {
        let res = reqwest::Client::new()
            .get(stack.url(&path))
            .bearer_auth(stack.sign_in(&demo, "read_only").await)
            .send()
            .await
            .unwrap();
        let next = res
            .headers()
            .get("x-next-cursor")
            .map(|v| v.to_str().unwrap().to_string());
        let page: serde_json::Value = res.json().await.unwrap();
        seen.extend(page.as_array().unwrap().iter().map(|i| i["id"].clone()));
        match next {
            Some(c) => path = format!("/api/customers/{cid}/timeline?limit=2&before={c}"),
            None => break,
        }
    }
    let all: Vec<_> = items.iter().map(|i| i["id"].clone()).collect();
    assert_eq!(seen, all);

    // Another business cannot read it.
    let other = crm_svc::businesses::create(&stack.db().await, "זר", "stranger")
        .await
        .unwrap();
    let stranger = Api::new(
        &stack,
        Some(stack.sign_in(other.id.as_str(), "owner").await),
    );
    assert_eq!(
        stranger
            .get(&format!("/api/customers/{cid}/timeline"))
            .await
            .0,
        404
    );
    assert_eq!(stranger.get(&format!("/api/tasks/{t1_id}")).await.0, 404);

    let (s, _) = api.delete(&format!("/api/tasks/{t1_id}")).await;
    assert_eq!(s, 204);
    stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn tasks_and_timeline_sqlite() {
    tasks_and_timeline(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn tasks_and_timeline_postgres_nats() {
    tasks_and_timeline(Db::Postgres, Bus::Nats).await;
}
