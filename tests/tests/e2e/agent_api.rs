//! The AI agent through the gateway: its definition (owners and admins), its tools through
//! crm-svc's RunAgentTool (what they did shows on the customer's timeline as the agent's), and
//! pausing it per customer.

use agentlocator_proto::v1::{
    AgentChannel, AgentConversation, RunAgentToolRequest, crm_service_client::CrmServiceClient,
};
use agentlocator_tests::{Api, Bus, Db, TestStack};
use serde_json::{Value, json};

fn definition() -> Value {
    json!({
        "persona": "את נועה מהעסק לדוגמה. מדברים בחום ובקצרה.",
        "instructions": "מציעים תור רק בשעות הפתיחה.",
        "allowed_actions": ["lookup_customer", "create_task", "hand_off"],
        "whatsapp_agent_enabled": true,
        "staff_silence_minutes": 20,
        "handoff_phone": "03-5550101",
        "appointment_minutes": 40,
    })
}

async fn definition_tools_and_pause(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let demo = stack.demo_business().await;
    let owner = Api::new(&stack, Some(stack.sign_in(&demo, "owner").await));
    let agent_user = Api::new(&stack, Some(stack.sign_in(&demo, "agent").await));

    let (s, d) = owner.get("/api/business/agent").await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["updated_at"], Value::Null, "defaults until saved");
    assert_eq!(d["whatsapp_agent_enabled"], false);
    assert_eq!(d["allowed_actions"].as_array().unwrap().len(), 10);

    let (s, saved) = owner.put("/api/business/agent", definition()).await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["handoff_phone"], "+97235550101");
    assert_eq!(
        saved["allowed_actions"],
        json!(["lookup_customer", "create_task", "hand_off"])
    );
    let (_, read) = owner.get("/api/business/agent").await;
    assert_eq!(read, saved);

    // An unknown action: 422 naming the field, nothing saved; a missing field: 400/422.
    let mut bad = definition();
    bad["allowed_actions"] = json!(["book_appointment", "format_disk"]);
    let (s, e) = owner.put("/api/business/agent", bad).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (422, Some("allowed_actions")),
        "{e}"
    );
    let (s, e) = owner
        .put("/api/business/agent", json!({"persona": "x"}))
        .await;
    assert!(s == 400 || s == 422, "{s} {e}");
    assert_eq!(owner.get("/api/business/agent").await.1, saved);
    // Staff below admin neither read nor change it.
    assert_eq!(agent_user.get("/api/business/agent").await.0, 403);
    assert_eq!(
        agent_user.put("/api/business/agent", definition()).await.0,
        403
    );

    // A WhatsApp sender the CRM never saw asks for a call back: the tool creates the lead and the
    // task, and the customer's timeline shows what the agent did.
    let mut crm = CrmServiceClient::connect(stack.config.services.crm.url.clone())
        .await
        .expect("crm-svc gRPC");
    let run = |name: &str, args: Value| RunAgentToolRequest {
        conversation: Some(AgentConversation {
            business_id: demo.clone(),
            channel: AgentChannel::Whatsapp as i32,
            customer_phone: "054-9876543".into(),
            conversation_ref: "+972549876543".into(),
            turn_ref: "wa-1".into(),
            turn_text: "תחזרו אליי מחר בבוקר".into(),
        }),
        tool_call_id: format!("call-{name}"),
        name: name.into(),
        arguments_json: args.to_string(),
    };
    let task = crm
        .run_agent_tool(run(
            "create_task",
            json!({"title": "לחזור ללקוח מחר בבוקר"}),
        ))
        .await
        .expect("RunAgentTool")
        .into_inner();
    assert!(task.ok, "{task:?}");
    // Not allowed by this business: refused as a tool result, not an RPC error.
    let booked = crm
        .run_agent_tool(run(
            "book_appointment",
            json!({"starts_at": "2030-01-08T10:00:00+02:00"}),
        ))
        .await
        .expect("RunAgentTool")
        .into_inner();
    assert!(
        !booked.ok && booked.result_json.contains("not allowed"),
        "{booked:?}"
    );
    let customer = task.customer_id;
    let (s, items) = owner
        .get(&format!("/api/customers/{customer}/timeline"))
        .await;
    assert_eq!(s, 200, "{items}");
    let kinds: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"agent") && kinds.contains(&"task"),
        "{kinds:?}"
    );
    let action = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "agent")
        .unwrap();
    assert_eq!(action["tool"], "create_task");
    assert_eq!(action["turn_text"], "תחזרו אליי מחר בבוקר");
    let (_, appointments) = owner
        .get("/api/appointments?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z")
        .await;
    assert_eq!(appointments["items"], json!([]));

    // Staff pause the agent for this customer and resume it.
    let path = format!("/api/customers/{customer}/agent");
    assert_eq!(agent_user.get(&path).await.1["paused"], false);
    let (s, paused) = agent_user.put(&path, json!({"paused": true})).await;
    assert_eq!((s, &paused["paused"]), (200, &json!(true)), "{paused}");
    assert_eq!(owner.get(&path).await.1["paused"], true);
    assert_eq!(
        agent_user.put(&path, json!({"paused": false})).await.1["paused"],
        false
    );
    assert_eq!(agent_user.put(&path, json!({"paused": "yes"})).await.0, 422);
    // Another business's customer: 404.
    let other = crm_svc::businesses::create(
        &stack.db().await,
        "עסק אחר",
        &format!("other-{}", uuid::Uuid::now_v7().simple()),
    )
    .await
    .unwrap();
    let rival = Api::new(
        &stack,
        Some(stack.sign_in(other.id.as_str(), "owner").await),
    );
    assert_eq!(rival.get(&path).await.0, 404);
    assert_eq!(rival.put(&path, json!({"paused": true})).await.0, 404);
    assert_eq!(owner.get(&path).await.1["paused"], false);

    stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_api_sqlite() {
    definition_tools_and_pause(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_api_postgres_nats() {
    definition_tools_and_pause(Db::Postgres, Bus::Nats).await;
}

/// The agent's `send_whatsapp` is delivered: crm-svc records the action and its
/// `agent.whatsapp_requested` event, whatsapp-bridge's consumer sends the text through the
/// (loopback) sidecar once, and the message is stored as the customer's outbound WhatsApp.
async fn send_whatsapp_reaches_the_sidecar_once(db: Db, bus: Bus) {
    use wiremock::{
        Mock, MockServer, ResponseTemplate,
        matchers::{body_partial_json, method, path_regex},
    };
    const TEXT: &str = "הכתובת שלנו: רחוב הרצל 10, תל אביב.";
    let sidecar = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/sessions/[^/]+/messages$"))
        .and(body_partial_json(json!({"text": TEXT})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"id": "3EB0AGENT0001", "jid": "972549876543@s.whatsapp.net"}),
            ),
        )
        .mount(&sidecar)
        .await;
    let mut env = agentlocator_tests::TestEnv::new(db, bus);
    env.vars.insert("WA_SIDECAR_URL".into(), sidecar.uri());
    let stack = TestStack::start_in(env).await;
    let demo = stack.demo_business().await;
    let owner = Api::new(&stack, Some(stack.sign_in(&demo, "owner").await));
    let mut crm = CrmServiceClient::connect(stack.config.services.crm.url.clone())
        .await
        .expect("crm-svc gRPC");
    let request = RunAgentToolRequest {
        conversation: Some(AgentConversation {
            business_id: demo.clone(),
            channel: AgentChannel::Whatsapp as i32,
            customer_phone: "054-9876543".into(),
            conversation_ref: "+972549876543".into(),
            turn_ref: "wa-7".into(),
            turn_text: "מה הכתובת?".into(),
        }),
        tool_call_id: "call-address".into(),
        name: "send_whatsapp".into(),
        arguments_json: json!({"text": TEXT}).to_string(),
    };
    let sent = crm
        .run_agent_tool(request.clone())
        .await
        .expect("RunAgentTool")
        .into_inner();
    assert!(sent.ok, "{sent:?}");
    // A retry of the same tool call records nothing new and sends nothing more.
    let again = crm
        .run_agent_tool(request)
        .await
        .expect("RunAgentTool")
        .into_inner();
    assert_eq!(again.result_json, sent.result_json);

    let customer = sent.customer_id;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    let stored = loop {
        let (_, page) = owner
            .get(&format!("/api/customers/{customer}/whatsapp"))
            .await;
        let outbound: Vec<Value> = page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["direction"] == "outbound")
            .cloned()
            .collect();
        if !outbound.is_empty() || tokio::time::Instant::now() > deadline {
            break outbound;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["body"], TEXT);
    // Quiet period: no second delivery.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let sends = sidecar
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().ends_with("/messages"))
        .count();
    assert_eq!(sends, 1, "the sidecar got the text once");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_whatsapp_reaches_the_sidecar_once_sqlite_memory() {
    send_whatsapp_reaches_the_sidecar_once(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_whatsapp_reaches_the_sidecar_once_postgres_nats() {
    send_whatsapp_reaches_the_sidecar_once(Db::Postgres, Bus::Nats).await;
}
