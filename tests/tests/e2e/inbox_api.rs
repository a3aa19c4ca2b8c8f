//! The inbox through the gateway: a WhatsApp message filed by crm-svc's event consumer shows
//! first with the reader's own unread count and arrives live as `inbox:updated` (Socket.IO,
//! through the gateway's origin); reading, assigning and marking done; cursor paging; bad input
//! is a 4xx naming the field; and every inbox route is closed to another business.

use agentlocator_proto::{
    new_event,
    v1::{WhatsAppEvent, WhatsAppEventKind, event::Payload},
};
use agentlocator_tests::{
    Api, Bus, Db, TestStack,
    socketio::{SocketIoClient, Transports},
};
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// Files an inbound WhatsApp message the way crm-svc's consumer does for a bus event.
async fn receive(db: &crm_svc::Db, business_id: &str, from: &str, body: &str) {
    let e = new_event(
        business_id,
        Payload::Whatsapp(WhatsAppEvent {
            kind: WhatsAppEventKind::Received as i32,
            provider_message_id: format!("WAMID-{}", uuid::Uuid::now_v7().simple()),
            direction: "inbound".into(),
            from_number: from.into(),
            to_number: "+97235550199".into(),
            body: body.into(),
            status: "received".into(),
            customer_id: String::new(),
            ..Default::default()
        }),
    );
    db.transaction(move |conn| crm_svc::event_consumer::apply(conn, &e))
        .await
        .expect("message applied");
    db.poke_outbox();
}

async fn me(api: &Api) -> String {
    let (s, me) = api.get("/api/me").await;
    assert_eq!(s, 200, "{me}");
    me["user"]["id"].as_str().expect("user id").to_owned()
}

async fn inbox_end_to_end(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let crm = stack.db().await;
    let demo = stack.demo_business().await;
    let owner_token = stack.sign_in(&demo, "owner").await;
    let owner = Api::new(&stack, Some(owner_token.clone()));
    let agent = Api::new(&stack, Some(stack.sign_in(&demo, "agent").await));
    let read_only = Api::new(&stack, Some(stack.sign_in(&demo, "read_only").await));
    let agent_id = me(&agent).await;
    let mut live = SocketIoClient::start(&stack.http, Some(&owner_token), Transports::WebSocket);
    live.expect("connect", WAIT).await;

    // The demo history is in the inbox already (seeded conversations).
    let (s, seeded) = owner.get("/api/inbox").await;
    assert_eq!(s, 200, "{seeded}");
    assert!(!seeded["items"].as_array().unwrap().is_empty(), "{seeded}");

    receive(&crm, &demo, "+972541234567", "שלום, אפשר לקבוע תור?").await;
    let update = loop {
        let e = live.expect("event", WAIT).await;
        if e["event"] == "inbox:updated" && e["data"]["inbound"] == true {
            break e;
        }
    };
    let (s, page) = owner.get("/api/inbox").await;
    assert_eq!(s, 200, "{page}");
    let first = &page["items"][0];
    assert_eq!(first["last_preview"], "שלום, אפשר לקבוע תור?", "{page}");
    assert_eq!(first["channel"], "whatsapp");
    assert_eq!(first["state"], "open");
    assert_eq!(first["unread_count"], 1);
    assert_eq!(update["data"]["conversation_id"], first["id"]);
    let id = first["id"].as_str().unwrap().to_owned();
    let unread_before = page["unread_conversations"]
        .as_i64()
        .expect("first page counts");

    // The thread, then reading it: the owner's count goes, the agent's stays.
    let (s, thread) = owner.get(&format!("/api/inbox/{id}")).await;
    assert_eq!(s, 200, "{thread}");
    assert_eq!(thread["messages"][0]["body"], "שלום, אפשר לקבוע תור?");
    let (s, read) = owner
        .post(&format!("/api/inbox/{id}/read"), json!({}))
        .await;
    assert_eq!((s, read["unread_count"].as_i64()), (200, Some(0)), "{read}");
    let (_, after) = owner.get("/api/inbox").await;
    assert_eq!(after["unread_conversations"], unread_before - 1);
    let (_, theirs) = agent.get("/api/inbox?filter=unread").await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str()),
        "{theirs}"
    );
    // Read-only staff may mark what they read, not change a conversation.
    assert_eq!(
        read_only
            .post(&format!("/api/inbox/{id}/read"), json!({}))
            .await
            .0,
        200
    );
    assert_eq!(
        read_only
            .put(&format!("/api/inbox/{id}"), json!({"state": "done"}))
            .await
            .0,
        403
    );

    // Assign to the agent and mark done.
    let (s, done) = owner
        .put(
            &format!("/api/inbox/{id}"),
            json!({"assignee_id": agent_id, "state": "done"}),
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(
        (done["assignee_id"].as_str(), done["state"].as_str()),
        (Some(agent_id.as_str()), Some("done"))
    );
    let (_, mine) = agent.get("/api/inbox?filter=mine").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine["items"][0]["id"], id.as_str());
    let (_, owners) = owner.get("/api/inbox?filter=mine").await;
    assert!(owners["items"].as_array().unwrap().is_empty(), "{owners}");
    let (_, unassigned) = owner
        .put(&format!("/api/inbox/{id}"), json!({"assignee_id": null}))
        .await;
    assert_eq!(unassigned["assignee_id"], Value::Null);
    assert_eq!(unassigned["state"], "done", "absent fields stay");

    // Cursor paging: two pages of one, no overlap.
    let (_, p1) = owner.get("/api/inbox?limit=1").await;
    let cursor = p1["next_cursor"].as_str().expect("more pages").to_owned();
    let (s, p2) = owner
        .get(&format!("/api/inbox?limit=1&cursor={}", urlencode(&cursor)))
        .await;
    assert_eq!(s, 200, "{p2}");
    assert_ne!(p1["items"][0]["id"], p2["items"][0]["id"]);
    assert_eq!(p2["unread_conversations"], Value::Null);

    // Bad input: 4xx naming the field, nothing changed.
    for (path, field) in [
        ("/api/inbox?filter=everything", "filter"),
        ("/api/inbox?channel=sms", "channel"),
        ("/api/inbox?cursor=not-a-cursor", "cursor"),
        ("/api/inbox?limit=0", "limit"),
        ("/api/inbox?limit=x", "limit"),
    ] {
        let (s, e) = owner.get(path).await;
        assert_eq!((s, e["field"].as_str()), (422, Some(field)), "{path}: {e}");
        assert!(e["error"].is_string() && e["message"].is_string(), "{e}");
    }
    let (s, e) = owner
        .put(&format!("/api/inbox/{id}"), json!({"state": "closed"}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("state")), "{e}");
    let (s, e) = owner
        .put(&format!("/api/inbox/{id}"), json!({"colour": "red"}))
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("colour")), "{e}");
    let (s, e) = owner
        .put(
            &format!("/api/inbox/{id}"),
            json!({"assignee_id": uuid::Uuid::now_v7().to_string()}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("assignee_id")), "{e}");
    assert_eq!(owner.get("/api/inbox/no-such-id").await.0, 404);

    // Another business: sees none of it and can touch none of it.
    let other = crm_svc::test_support::create_business(&crm, "עסק אחר").await;
    let rival = Api::new(
        &stack,
        Some(stack.sign_in(other.id.as_str(), "owner").await),
    );
    let rival_id = me(&rival).await;
    let (s, list) = rival.get("/api/inbox").await;
    assert_eq!(s, 200, "{list}");
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
    assert_eq!(rival.get(&format!("/api/inbox/{id}")).await.0, 404);
    assert_eq!(
        rival
            .post(&format!("/api/inbox/{id}/read"), json!({}))
            .await
            .0,
        404
    );
    assert_eq!(
        rival
            .put(&format!("/api/inbox/{id}"), json!({"state": "open"}))
            .await
            .0,
        404
    );
    // …nor be assigned to this business's conversation.
    let (s, e) = owner
        .put(
            &format!("/api/inbox/{id}"),
            json!({"assignee_id": rival_id}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("assignee_id")), "{e}");
    let (_, unchanged) = owner.get(&format!("/api/inbox/{id}")).await;
    assert_eq!(unchanged["conversation"]["state"], "done");
    assert_eq!(unchanged["conversation"]["assignee_id"], Value::Null);
    // Signed out: 401.
    assert_eq!(Api::new(&stack, None).get("/api/inbox").await.0, 401);

    live.close().await;
    stack.stop().await.expect("clean stop");
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B")
        .replace('|', "%7C")
        .replace(':', "%3A")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_api_sqlite_memory() {
    inbox_end_to_end(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_api_postgres_nats() {
    inbox_end_to_end(Db::Postgres, Bus::Nats).await;
}
