//! Business settings through the gateway: the Twilio numbers a business answers on (any Israeli
//! format in, E.164 out, one business per number), the voice agent's greeting and knowledge Q&A,
//! how calls run (voice mode) and the agent's voice, each business seeing only its own settings.

use agentlocator_proto::v1::{
    self as pb, GetBusinessRequest, VoiceMode, crm_service_client::CrmServiceClient,
    get_business_request::By,
};
use agentlocator_tests::{Api, Bus, Db, TestStack};
use serde_json::json;

async fn twilio_numbers_greeting_and_knowledge(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let demo = stack.demo_business().await;
    let other = crm_svc::businesses::create(
        &stack.db().await,
        "עסק אחר",
        &format!("other-{}", uuid::Uuid::now_v7().simple()),
    )
    .await
    .expect("second business");
    let owner = Api::new(&stack, Some(stack.sign_in(&demo, "owner").await));
    let rival = Api::new(
        &stack,
        Some(stack.sign_in(other.id.as_str(), "owner").await),
    );

    // Local, spaced and international forms are stored once each, as E.164.
    let (s, b) = owner
        .patch(
            "/api/business",
            json!({"twilio_numbers": ["03-7654321", "+972 3 765 4321", "0527654321"]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["twilio_numbers"],
        json!(["+97237654321", "+972527654321"])
    );
    let (_, me) = owner.get("/api/business").await;
    assert_eq!(me["twilio_numbers"], b["twilio_numbers"]);

    // Not a phone number: 422 naming the field and the number; the numbers stay as they were.
    let (s, e) = owner
        .patch(
            "/api/business",
            json!({"twilio_numbers": ["03-7654321", "abc"]}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"], "validation_error");
    assert_eq!(e["field"], "twilio_numbers");
    assert!(e["message"].as_str().unwrap().contains("abc"), "{e}");
    // A number of the demo business cannot ring the other one too: 409.
    let (s, e) = rival
        .patch("/api/business", json!({"twilio_numbers": ["052-765-4321"]}))
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"], "conflict");
    let (_, theirs) = rival.get("/api/business").await;
    assert_eq!(theirs["twilio_numbers"], json!([]));
    let (_, mine) = owner.get("/api/business").await;
    assert_eq!(
        mine["twilio_numbers"],
        json!(["+97237654321", "+972527654321"])
    );

    // Greeting and knowledge are the caller's business's own; the other business is untouched.
    let (s, b) = owner
        .patch(
            "/api/business",
            json!({"greeting_text": "שלום וברוכים הבאים", "knowledge": [{"q": "יש חניה?", "a": "כן, בחניון הבניין."}]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["knowledge"],
        json!([{"q": "יש חניה?", "a": "כן, בחניון הבניין."}])
    );
    assert_eq!(b["twilio_numbers"].as_array().map(Vec::len), Some(2));
    let (_, theirs) = rival.get("/api/business").await;
    assert_ne!(theirs["greeting_text"], "שלום וברוכים הבאים");

    // Only an owner or admin changes the numbers.
    let agent = Api::new(&stack, Some(stack.sign_in(&demo, "agent").await));
    let (s, _) = agent
        .patch("/api/business", json!({"twilio_numbers": []}))
        .await;
    assert_eq!(s, 403);
    // An empty list removes them; the number is then free for the other business.
    let (s, b) = owner
        .patch("/api/business", json!({"twilio_numbers": []}))
        .await;
    assert_eq!((s, b["twilio_numbers"].clone()), (200, json!([])));
    let (s, b) = rival
        .patch("/api/business", json!({"twilio_numbers": ["052-765-4321"]}))
        .await;
    assert_eq!(
        (s, b["twilio_numbers"].clone()),
        (200, json!(["+972527654321"]))
    );

    stack.stop().await.expect("clean stop");
}

/// The business as crm-svc's `GetBusiness` returns it to voice-svc.
async fn grpc_business(stack: &TestStack, by: By) -> pb::Business {
    CrmServiceClient::connect(stack.config.services.crm.url.clone())
        .await
        .expect("crm-svc gRPC")
        .get_business(GetBusinessRequest { by: Some(by) })
        .await
        .expect("GetBusiness")
        .into_inner()
}

async fn voice_mode_and_agent_voice(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let demo = stack.demo_business().await;
    let owner = Api::new(&stack, Some(stack.sign_in(&demo, "owner").await));

    // A new business is automatic with the engine's default voice.
    let (s, b) = owner
        .patch("/api/business", json!({"twilio_numbers": ["03-5550101"]}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (&b["voice_mode"], &b["agent_voice"]),
        (&json!(null), &json!(""))
    );

    let (s, b) = owner
        .patch(
            "/api/business",
            json!({"voice_mode": "realtime", "agent_voice": "marin"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, me) = owner.get("/api/business").await;
    assert_eq!(
        (&me["voice_mode"], &me["agent_voice"]),
        (&json!("realtime"), &json!("marin"))
    );
    // voice-svc sees it, whether it looks the business up by id or by the number called.
    for by in [By::Id(demo.clone()), By::PhoneNumber("035550101".into())] {
        let b = grpc_business(&stack, by.clone()).await;
        assert_eq!(b.voice_mode(), VoiceMode::Realtime, "{by:?}");
        assert_eq!(b.agent_voice, "marin", "{by:?}");
    }

    // Absent leaves them as they are.
    let (s, b) = owner
        .patch("/api/business", json!({"greeting_text": "שלום"}))
        .await;
    assert_eq!(
        (s, &b["voice_mode"], &b["agent_voice"]),
        (200, &json!("realtime"), &json!("marin"))
    );

    // A bad mode or a bad voice: 422 naming it, and the other field of the request is not saved.
    for bad in [json!("live"), json!(1)] {
        let (s, e) = owner
            .patch(
                "/api/business",
                json!({"voice_mode": bad, "agent_voice": "alloy"}),
            )
            .await;
        assert_eq!(
            (s, &e["error"], &e["field"]),
            (422, &json!("validation_error"), &json!("voice_mode")),
            "{e}"
        );
    }
    let (s, e) = owner
        .patch(
            "/api/business",
            json!({"voice_mode": "record", "agent_voice": "קול של דנה"}),
        )
        .await;
    assert_eq!(
        (s, &e["error"], &e["field"]),
        (422, &json!("validation_error"), &json!("agent_voice")),
        "{e}"
    );
    let (_, me) = owner.get("/api/business").await;
    assert_eq!(
        (&me["voice_mode"], &me["agent_voice"]),
        (&json!("realtime"), &json!("marin"))
    );

    // Only an owner or admin changes them.
    for role in ["read_only", "agent"] {
        let api = Api::new(&stack, Some(stack.sign_in(&demo, role).await));
        let (s, e) = api
            .patch("/api/business", json!({"voice_mode": "record"}))
            .await;
        assert_eq!((s, &e["error"]), (403, &json!("forbidden")), "{role}: {e}");
    }
    let admin = Api::new(&stack, Some(stack.sign_in(&demo, "admin").await));
    let (s, b) = admin
        .patch(
            "/api/business",
            json!({"voice_mode": "record", "agent_voice": "he-IL-Chirp3-HD-Achird"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        grpc_business(&stack, By::Id(demo.clone()))
            .await
            .voice_mode(),
        VoiceMode::Record
    );

    // null is back to automatic, an empty voice back to the default.
    let (s, b) = owner
        .patch(
            "/api/business",
            json!({"voice_mode": null, "agent_voice": ""}),
        )
        .await;
    assert_eq!(
        (s, &b["voice_mode"], &b["agent_voice"]),
        (200, &json!(null), &json!("")),
        "{b}"
    );
    let b = grpc_business(&stack, By::PhoneNumber("+97235550101".into())).await;
    assert_eq!(
        (b.voice_mode(), b.agent_voice.as_str()),
        (VoiceMode::Unspecified, "")
    );

    stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_settings_sqlite() {
    voice_mode_and_agent_voice(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_settings_postgres_nats() {
    voice_mode_and_agent_voice(Db::Postgres, Bus::Nats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_settings_sqlite() {
    twilio_numbers_greeting_and_knowledge(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_settings_postgres_nats() {
    twilio_numbers_greeting_and_knowledge(Db::Postgres, Bus::Nats).await;
}
