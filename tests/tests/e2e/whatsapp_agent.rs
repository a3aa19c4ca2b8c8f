//! The business's agent on WhatsApp, end to end: Baileys-shaped messages posted as the sidecar
//! does → whatsapp-bridge → crm-svc, which gathers the burst and, after its quiet window, asks
//! speech-svc's agent → a loopback OpenAI-compatible server answering scripted tool calls, run by
//! crm-svc → the one reply goes out through the bridge to the loopback sidecar.
//!
//! Also: the agent's own messages do not silence it, staff's do; a pause from the customer page
//! silences it and resuming brings it back; `hand_off` marks the conversation waiting for a person
//! and gives staff a task; malformed tool calls and a model that loops end in a polite Hebrew
//! reply; without an LLM the customer hears once that a person will get back.

use agentlocator_tests::{
    Api, Bus, Db, TestEnv, TestStack,
    openai_chat::{body, chat_requests, mount_scripted_chat, tool_call, tool_messages},
};
use serde_json::{Value, json};
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path_regex},
};

const SECRET: &str = "bridge-secret-for-tests-0123456789";
/// Tuesday 8 January 2030, 10:00 Israel time: in the future, inside the default hours.
const STARTS_AT: &str = "2030-01-08T10:00:00+02:00";
const CONFIRMED: &str = "קבעתי לך תור ליום שלישי, 8 בינואר, בשעה 10:00. נתראה!";
const SORRY: &str = "סליחה, לא הצלחתי לקבוע את התור כרגע. נציג מטעמנו יחזור אליך בהקדם.";
const HELLO: &str = "שלום! במה אפשר לעזור?";

/// A stack whose agent answers WhatsApp, a model, a loopback sidecar that records what it sends.
struct Agent {
    stack: TestStack,
    model: MockServer,
    sidecar: MockServer,
    business: String,
    owner: Api,
}

/// What a script of the model looks like.
enum Model {
    /// `tool_calls` first, then the words.
    Script(Value, &'static str),
    /// Asks for `tool_calls` on every request, for ever.
    Loop(Value),
}

async fn start(db: Db, bus: Bus, model: Model, llm_engine: &str) -> Agent {
    let server = MockServer::start().await;
    match model {
        Model::Script(calls, text) => mount_scripted_chat(&server, calls, text).await,
        Model::Loop(calls) => {
            Mock::given(method("POST"))
                .and(wiremock::matchers::path("/v1/chat/completions"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "id": "chatcmpl-loop", "object": "chat.completion",
                    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                        "role": "assistant", "content": null, "tool_calls": calls}}]
                })))
                .mount(&server)
                .await;
        }
    }
    let sidecar = MockServer::start().await;
    let sent = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path_regex(r"^/sessions/[^/]+/messages$"))
        .respond_with(move |_: &Request| {
            let n = sent.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(json!({"id": format!("3EB0AGENT{n:04}")}))
        })
        .mount(&sidecar)
        .await;
    let mut env = TestEnv::new(db, bus);
    for (k, v) in [
        ("WA_BRIDGE_SECRET", SECRET.to_string()),
        ("WA_SIDECAR_URL", sidecar.uri()),
        ("LLM_ENGINE", llm_engine.to_string()),
        ("OPENAI_BASE_URL", server.uri()),
        ("WHATSAPP_AGENT_BURST_MS", "400".to_string()),
    ] {
        env.vars.insert(k.into(), v);
    }
    let stack = TestStack::start_in(env).await;
    let business = stack.demo_business().await;
    let owner = Api::new(&stack, Some(stack.sign_in(&business, "owner").await));
    let (s, d) = owner
        .put(
            "/api/business/agent",
            json!({
                "persona": "את נועה, המזכירה של העסק.",
                "instructions": "עני בקצרה ובאדיבות.",
                "allowed_actions": ["lookup_customer", "list_free_slots", "book_appointment", "create_task", "hand_off"],
                "whatsapp_agent_enabled": true,
                "staff_silence_minutes": 30,
                "handoff_phone": "",
                "appointment_minutes": 30,
            }),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    Agent {
        stack,
        model: server,
        sidecar,
        business,
        owner,
    }
}

fn jid(phone: &str) -> String {
    format!("{}@s.whatsapp.net", phone.trim_start_matches('+'))
}

impl Agent {
    /// The customer with `phone` writes `text` (message id `id`), now.
    async fn inbound(&self, phone: &str, id: &str, text: &str) {
        let now = chrono::Utc::now();
        let body = json!({"id": format!("env-{id}"), "business_id": self.business,
            "event": "messages.upsert", "occurred_at": now.to_rfc3339(),
            "data": {"type": "notify", "messages": [{
                "key": {"remoteJid": jid(phone), "fromMe": false, "id": id},
                "message": {"conversation": text}, "messageTimestamp": now.timestamp(),
                "pushName": "לקוחה"}]}});
        let res = reqwest::Client::new()
            .post(self.stack.url("/webhook/whatsapp_incoming"))
            .header("content-type", "application/json")
            .header("x-bridge-secret", SECRET)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202, "inbound {id}");
    }

    /// What the sidecar was asked to send: (to, text), in order.
    async fn sends(&self) -> Vec<(String, String)> {
        self.sidecar
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path().ends_with("/messages"))
            .map(|r| {
                let b = body(r);
                (
                    b["to"].as_str().unwrap_or_default().to_owned(),
                    b["text"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Waits until the sidecar got `n` sends (20 s at most), then a while more to see that no
    /// other comes; returns them.
    async fn sends_settled(&self, n: usize) -> Vec<(String, String)> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.sends().await.len() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        self.sends().await
    }

    async fn customer_id(&self, phone: &str) -> String {
        let (s, page) = self
            .owner
            .get(&format!(
                "/api/crm/customers?q={}",
                agentlocator_tests::twilio::url_encode(phone)
            ))
            .await;
        assert_eq!(s, 200, "{page}");
        page["items"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no customer {phone}: {page}"))
            .to_owned()
    }
}

async fn appointments_in_january_2030(api: &Api) -> Vec<Value> {
    let (s, list) = api
        .get("/api/appointments?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z")
        .await;
    assert_eq!(s, 200, "{list}");
    list["items"].as_array().cloned().unwrap_or_default()
}

/// A burst of three messages asking for an appointment: one model turn with all three, the
/// booking in the calendar and on the timeline as the agent's, one confirmation to the sidecar.
async fn a_burst_asking_for_an_appointment_books_it_and_confirms_once(db: Db, bus: Bus) {
    let args = json!({"starts_at": STARTS_AT}).to_string();
    let a = start(
        db,
        bus,
        Model::Script(
            json!([tool_call("call_1", "book_appointment", &args)]),
            CONFIRMED,
        ),
        "openai",
    )
    .await;
    let phone = "+972547770101";
    for (i, text) in ["שלום", "אפשר לקבוע תור ליום שלישי ב-10?", "תודה!"]
        .iter()
        .enumerate()
    {
        a.inbound(phone, &format!("3EB0IN{i:04}"), text).await;
    }
    let sends = a.sends_settled(1).await;
    assert_eq!(sends, [(jid(phone), CONFIRMED.to_string())], "one reply");

    let chats = chat_requests(&a.model).await;
    assert_eq!(chats.len(), 2, "one tool round, then the words");
    let messages = body(&chats[0])["messages"].as_array().cloned().unwrap();
    let last = messages.last().unwrap();
    assert_eq!(last["role"], "user");
    assert_eq!(
        last["content"], "שלום\nאפשר לקבוע תור ליום שלישי ב-10?\nתודה!",
        "the burst is one turn"
    );
    let result: Value =
        serde_json::from_str(tool_messages(&chats[1])[0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(result["starts_at"], STARTS_AT, "{result}");

    let customer = a.customer_id(phone).await;
    let booked = appointments_in_january_2030(&a.owner).await;
    assert_eq!(booked.len(), 1, "{booked:?}");
    assert_eq!(booked[0]["customer_id"], customer.as_str());
    assert_eq!(booked[0]["id"], result["appointment_id"]);
    let (s, tl) = a
        .owner
        .get(&format!("/api/customers/{customer}/timeline"))
        .await;
    assert_eq!(s, 200, "{tl}");
    let items = tl.as_array().cloned().unwrap();
    let action = items
        .iter()
        .find(|i| i["type"] == "agent")
        .unwrap_or_else(|| panic!("no agent action on the timeline: {items:?}"));
    assert_eq!(action["tool"], "book_appointment", "{action}");
    assert_eq!(action["channel"], "whatsapp", "{action}");
    assert!(
        action["turn_text"]
            .as_str()
            .unwrap()
            .contains("אפשר לקבוע תור"),
        "{action}"
    );
    // The reply is in the conversation, as an outbound message.
    let (s, thread) = a
        .owner
        .get(&format!("/api/customers/{customer}/whatsapp?limit=100"))
        .await;
    assert_eq!(s, 200, "{thread}");
    assert!(
        thread["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["direction"] == "outbound" && m["body"] == CONFIRMED),
        "{thread}"
    );
    a.stack.stop().await.expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_over_whatsapp_sqlite_memory() {
    a_burst_asking_for_an_appointment_books_it_and_confirms_once(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_over_whatsapp_postgres_nats() {
    a_burst_asking_for_an_appointment_books_it_and_confirms_once(Db::Postgres, Bus::Nats).await;
}

/// The agent answers each burst — its own replies do not silence it — until staff write; a pause
/// silences it in one conversation, and resuming brings it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_replies_and_a_pause_silence_the_agent() {
    let a = start(
        Db::Postgres,
        Bus::Nats,
        Model::Script(json!([tool_call("call_1", "lookup_customer", "{}")]), HELLO),
        "openai",
    )
    .await;
    let dana = "+972547770102";
    a.inbound(dana, "3EB0D0001", "היי").await;
    assert_eq!(a.sends_settled(1).await.len(), 1);
    a.inbound(dana, "3EB0D0002", "יש לכם חניה?").await;
    assert_eq!(
        a.sends_settled(2).await.len(),
        2,
        "the agent's own reply does not silence it"
    );
    // Staff write from the web app: the next burst is theirs to answer.
    let (s, d) = a
        .owner
        .post(
            "/api/whatsapp/send",
            json!({"to": dana, "text": "היי, כאן דנה מהעסק. יש חניה מאחורי הבניין."}),
        )
        .await;
    assert_eq!(s, 202, "{d}");
    a.inbound(dana, "3EB0D0003", "תודה דנה!").await;
    let sends = a.sends_settled(4).await;
    assert_eq!(
        sends.len(),
        3,
        "staff's reply silences the agent: {sends:?}"
    );

    // Paused from the customer page in another conversation.
    let yossi = "+972547770103";
    a.inbound(yossi, "3EB0Y0001", "שלום").await;
    assert_eq!(a.sends_settled(4).await.len(), 4);
    let yossi_id = a.customer_id(yossi).await;
    let (s, state) = a
        .owner
        .put(
            &format!("/api/customers/{yossi_id}/agent"),
            json!({"paused": true}),
        )
        .await;
    assert_eq!(s, 200, "{state}");
    assert_eq!(state["paused"], true);
    a.inbound(yossi, "3EB0Y0002", "הלו?").await;
    assert_eq!(a.sends_settled(5).await.len(), 4, "paused: silent");
    let (s, state) = a
        .owner
        .put(
            &format!("/api/customers/{yossi_id}/agent"),
            json!({"paused": false}),
        )
        .await;
    assert_eq!(s, 200, "{state}");
    a.inbound(yossi, "3EB0Y0003", "עכשיו?").await;
    let sends = a.sends_settled(5).await;
    assert_eq!(sends.len(), 5, "resumed: {sends:?}");
    assert_eq!(sends[4], (jid(yossi), HELLO.to_string()));
    a.stack.stop().await.expect("clean stop");
}

/// `hand_off`: the customer is told, the conversation waits for a person (in the inbox too),
/// staff get a task due now (their `task:due` notification), and the agent is silent after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_off_waits_for_a_person_and_gives_staff_a_task() {
    let passing = "אני מעבירה אותך לנציג אנושי, הוא יחזור אליך בהקדם.";
    let a = start(
        Db::Sqlite,
        Bus::Memory,
        Model::Script(
            json!([tool_call(
                "call_1",
                "hand_off",
                &json!({"reason": "הלקוחה רוצה לדבר עם אדם"}).to_string()
            )]),
            passing,
        ),
        "openai",
    )
    .await;
    let phone = "+972547770104";
    a.inbound(phone, "3EB0H0001", "אני רוצה לדבר עם בן אדם")
        .await;
    assert_eq!(
        a.sends_settled(1).await,
        [(jid(phone), passing.to_string())]
    );
    let customer = a.customer_id(phone).await;
    let (s, state) = a
        .owner
        .get(&format!("/api/customers/{customer}/agent"))
        .await;
    assert_eq!(s, 200, "{state}");
    assert_eq!(state["waiting_for_human"], true, "{state}");
    let (s, inbox) = a.owner.get("/api/inbox?limit=100").await;
    assert_eq!(s, 200, "{inbox}");
    let conv = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"] == customer.as_str())
        .unwrap_or_else(|| panic!("no conversation: {inbox}"))
        .clone();
    assert_eq!(conv["state"], "waiting_for_human", "{conv}");
    let (s, tasks) = a
        .owner
        .get(&format!("/api/tasks?customer_id={customer}"))
        .await;
    assert_eq!(s, 200, "{tasks}");
    let tasks = tasks["items"].as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert!(tasks[0]["due_at"].is_string(), "due now: {tasks:?}");
    // Waiting for a person: the agent is silent.
    a.inbound(phone, "3EB0H0002", "הלו?").await;
    assert_eq!(a.sends_settled(2).await.len(), 1);
    a.stack.stop().await.expect("clean stop");
}

/// An unknown tool and arguments that are not JSON: the model reads the refusals and answers;
/// nothing is booked. A model asking for tools for ever: the bounded rounds end in a polite
/// Hebrew reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_tool_calls_end_in_a_polite_hebrew_reply() {
    let a = start(
        Db::Sqlite,
        Bus::Memory,
        Model::Script(
            json!([
                tool_call("call_1", "fly_to_the_moon", "{}"),
                tool_call("call_2", "book_appointment", "{\"starts_at\": 2030-01-08"),
                tool_call("call_3", "book_appointment", "{\"starts_at\": 42}"),
            ]),
            SORRY,
        ),
        "openai",
    )
    .await;
    let phone = "+972547770105";
    a.inbound(phone, "3EB0X0001", "אפשר לקבוע תור ליום שלישי ב-10?")
        .await;
    assert_eq!(a.sends_settled(1).await, [(jid(phone), SORRY.to_string())]);
    let chats = chat_requests(&a.model).await;
    let results = tool_messages(chats.last().unwrap());
    assert_eq!(results.len(), 3, "{results:?}");
    for r in &results {
        let content: Value = serde_json::from_str(r["content"].as_str().unwrap()).unwrap();
        assert!(content["error"].is_string(), "{content}");
    }
    assert!(appointments_in_january_2030(&a.owner).await.is_empty());
    a.stack.stop().await.expect("clean stop");

    let a = start(
        Db::Sqlite,
        Bus::Memory,
        Model::Loop(json!([tool_call("call_1", "lookup_customer", "{}")])),
        "openai",
    )
    .await;
    a.inbound(phone, "3EB0L0001", "מה השעות שלכם?").await;
    let sends = a.sends_settled(1).await;
    assert_eq!(
        sends,
        [(
            jid(phone),
            speech_svc::strings::AGENT_TOO_MANY_STEPS.to_string()
        )]
    );
    a.stack.stop().await.expect("clean stop");
}

/// Without an LLM (`knowledge`): asked to book, the agent does not pretend — the customer hears
/// once that a person will get back, a task says so, and later messages wait for that person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyless_agent_promises_a_call_back_once() {
    let a = start(Db::Sqlite, Bus::Memory, Model::Loop(json!([])), "knowledge").await;
    let phone = "+972547770106";
    a.inbound(phone, "3EB0K0001", "אפשר לקבוע תור ליום שלישי ב-10?")
        .await;
    let sends = a.sends_settled(1).await;
    assert_eq!(
        sends,
        [(
            jid(phone),
            speech_svc::strings::AGENT_CANNOT_ACT_NOTED.to_string()
        )]
    );
    assert!(chat_requests(&a.model).await.is_empty(), "no model asked");
    assert!(appointments_in_january_2030(&a.owner).await.is_empty());
    let customer = a.customer_id(phone).await;
    let (_, tasks) = a
        .owner
        .get(&format!("/api/tasks?customer_id={customer}"))
        .await;
    assert_eq!(tasks["items"].as_array().unwrap().len(), 1, "{tasks}");
    a.inbound(phone, "3EB0K0002", "הלו?").await;
    a.inbound(phone, "3EB0K0003", "מישהו שם?").await;
    assert_eq!(a.sends_settled(2).await.len(), 1, "said once");
    a.stack.stop().await.expect("clean stop");
}
