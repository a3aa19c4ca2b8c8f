//! The agent's tool loop against a loopback OpenAI-compatible chat-completions server that answers
//! with scripted tool calls: tools run through the runner and their results go back to the model;
//! the loop is bounded; the keyless engine never pretends to act.

use agentlocator_common::agent_tools::ToolName;
use serde_json::{Value, json};
use speech_svc::{
    reply::{
        BusinessContext, KnowledgeReplier, OpenAiReplier, QaEntry, ReplyContext,
        agent::{self, AgentProfile, MAX_TOOL_ROUNDS, ToolAnswer, ToolInvocation, ToolRunner},
    },
    settings::OpenAiSettings,
    strings,
};
use std::{sync::Mutex, time::Duration};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

/// Records the calls it gets; answers each with `answer(name)`.
struct Runner {
    calls: Mutex<Vec<ToolInvocation>>,
    answer: fn(&str) -> ToolAnswer,
}

#[async_trait::async_trait]
impl ToolRunner for Runner {
    async fn run(&self, call: &ToolInvocation) -> speech_svc::Result<ToolAnswer> {
        self.calls.lock().unwrap().push(call.clone());
        Ok((self.answer)(&call.name))
    }
}

fn runner(answer: fn(&str) -> ToolAnswer) -> Runner {
    Runner {
        calls: Mutex::new(Vec::new()),
        answer,
    }
}

fn ok(_: &str) -> ToolAnswer {
    ToolAnswer {
        ok: true,
        result_json: json!({"appointment_id": "a-1", "starts_at": "2030-01-08T10:00:00+02:00"})
            .to_string(),
        end_call: false,
        handoff_phone: None,
    }
}

fn replier(server: &MockServer) -> OpenAiReplier {
    OpenAiReplier::new(
        &OpenAiSettings {
            base_url: server.uri(),
            api_key: None,
            stt_model: "whisper-1".into(),
            chat_model: "local-model".into(),
            tts_model: "tts-1".into(),
            tts_voice: "alloy".into(),
        },
        Duration::from_secs(5),
    )
    .unwrap()
}

fn ctx(text: &str) -> ReplyContext {
    ReplyContext {
        business: BusinessContext {
            business_id: "b1".into(),
            name: "מספרת רונית".into(),
            greeting: "שלום".into(),
            knowledge: vec![QaEntry {
                question: "מה שעות הפעילות?".into(),
                answer: "א׳–ה׳ 9:00–18:00".into(),
            }],
        },
        history: vec![],
        caller_text: text.into(),
    }
}

fn profile(tools: &[ToolName]) -> AgentProfile {
    AgentProfile {
        persona: "את נועה, המזכירה".into(),
        instructions: "תורים של חצי שעה".into(),
        tools: tools.to_vec(),
    }
}

fn tool_call_answer(id: &str, name: &str, arguments: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": null,
            "tool_calls": [{"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}]
        }}]
    }))
}

fn text_answer(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}]
    }))
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[tokio::test]
async fn a_booking_request_runs_the_tool_and_the_model_confirms_with_its_result() {
    let server = MockServer::start().await;
    let args = r#"{"starts_at":"2030-01-08T10:00:00+02:00"}"#;
    // First request: the tools are offered with their schemas; the model asks to book.
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(|r: &Request| {
            let b = body(r);
            let tools = b["tools"].as_array().map(Vec::len) == Some(2);
            let system = b["messages"][0]["content"].as_str().unwrap_or("");
            tools
                && b["tools"][0]["function"]["parameters"]["additionalProperties"] == false
                && system.contains("את נועה, המזכירה")
                && b["messages"].as_array().unwrap().len() == 2
        })
        .respond_with(tool_call_answer("call_1", "book_appointment", args))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    // Second: the tool's result is in the conversation; the model answers in words.
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(|r: &Request| {
            let m = body(r)["messages"].as_array().unwrap().clone();
            m.len() == 4
                && m[2]["role"] == "assistant"
                && m[2]["tool_calls"][0]["id"] == "call_1"
                && m[3]["role"] == "tool"
                && m[3]["tool_call_id"] == "call_1"
                && m[3]["content"].as_str().unwrap().contains("a-1")
        })
        .respond_with(text_answer("קבעתי לך תור ליום שלישי בעשר."))
        .expect(1)
        .mount(&server)
        .await;

    let r = runner(ok);
    let reply = replier(&server)
        .agent_reply(
            &ctx("אפשר לקבוע תור ליום שלישי ב-10?"),
            &profile(&[ToolName::ListFreeSlots, ToolName::BookAppointment]),
            &r,
        )
        .await
        .unwrap();
    assert_eq!(reply.text, "קבעתי לך תור ליום שלישי בעשר.");
    assert_eq!(reply.actions, ["book_appointment"]);
    assert_eq!(reply.tool_rounds, 1);
    let calls = r.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        [ToolInvocation {
            id: "call_1".into(),
            name: "book_appointment".into(),
            arguments: args.into(),
        }]
    );
}

#[tokio::test]
async fn a_model_that_keeps_calling_tools_is_stopped_with_a_polite_hebrew_reply() {
    let server = MockServer::start().await;
    // Every answer is another (malformed) tool call; the runner refuses each.
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(tool_call_answer("call_x", "lookup_customer", "{not json"))
        .expect(MAX_TOOL_ROUNDS as u64 + 1)
        .mount(&server)
        .await;
    let r = runner(|_| ToolAnswer {
        ok: false,
        result_json: json!({"error": "the arguments are not a JSON object"}).to_string(),
        end_call: false,
        handoff_phone: None,
    });
    let reply = replier(&server)
        .agent_reply(
            &ctx("מה המצב שלי?"),
            &profile(&[ToolName::LookupCustomer]),
            &r,
        )
        .await
        .unwrap();
    assert_eq!(reply.text, strings::AGENT_TOO_MANY_STEPS);
    assert_eq!(reply.tool_rounds, MAX_TOOL_ROUNDS);
    assert!(reply.actions.is_empty());
    assert_eq!(r.calls.lock().unwrap().len(), MAX_TOOL_ROUNDS);
    // The last request offered no tools.
    let requests = server.received_requests().await.unwrap();
    assert!(body(requests.last().unwrap()).get("tools").is_none());
    assert!(body(&requests[0])["tools"].is_array());
}

#[tokio::test]
async fn the_keyless_agent_answers_from_the_knowledge_and_never_books() {
    let r = runner(|_| ToolAnswer {
        ok: true,
        result_json: json!({"task_id": "t-1"}).to_string(),
        end_call: false,
        handoff_phone: None,
    });
    let all = profile(&ToolName::ALL);
    // A question the Q&A answers: the answer, no tool.
    let known = agent::reply_without_tools(&KnowledgeReplier, &ctx("מה שעות הפעילות?"), &all, &r)
        .await
        .unwrap();
    assert!(known.text.contains("9:00"), "{}", known.text);
    assert!(r.calls.lock().unwrap().is_empty());
    // A booking request: no booking, the call-back promise and its task.
    let booking = agent::reply_without_tools(
        &KnowledgeReplier,
        &ctx("אפשר לקבוע תור ליום שלישי ב-10?"),
        &all,
        &r,
    )
    .await
    .unwrap();
    assert_eq!(booking.text, strings::AGENT_CANNOT_ACT_NOTED);
    assert_eq!(booking.actions, ["create_task"]);
    assert!(!booking.needs_follow_up, "the task is the follow-up");
    let calls = r.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].name, "create_task");
    let args: Value = serde_json::from_str(&calls[0].arguments).unwrap();
    assert!(args["title"].as_str().unwrap().contains("לקבוע תור"));
    // Without create_task allowed: still only the promise.
    let none = agent::reply_without_tools(
        &KnowledgeReplier,
        &ctx("אפשר לקבוע תור?"),
        &profile(&[]),
        &r,
    )
    .await
    .unwrap();
    assert!(none.actions.is_empty());
    assert_eq!(none.text, strings::AGENT_CANNOT_ACT);
    assert!(
        none.needs_follow_up,
        "no task: the call's completion makes one"
    );
    assert_eq!(r.calls.lock().unwrap().len(), 1);
    // A question nothing answers: the knowledge engine's call-back sentence and its task.
    let unknown = agent::reply_without_tools(
        &KnowledgeReplier,
        &ctx("אתם מוכרים אופניים חשמליים?"),
        &all,
        &r,
    )
    .await
    .unwrap();
    assert_eq!(unknown.text, strings::CALL_BACK);
    assert_eq!(unknown.actions, ["create_task"]);
    assert_eq!(r.calls.lock().unwrap().len(), 2);
}

/// A runner whose crm-svc is unreachable.
struct Down;

#[async_trait::async_trait]
impl ToolRunner for Down {
    async fn run(&self, _: &ToolInvocation) -> speech_svc::Result<ToolAnswer> {
        Err(speech_svc::Error::Crm("connection refused".into()))
    }
}

#[tokio::test]
async fn the_keyless_agent_with_crm_down_still_answers_and_flags_the_follow_up() {
    let r = agent::reply_without_tools(
        &KnowledgeReplier,
        &ctx("אפשר לבטל את התור שלי?"),
        &profile(&ToolName::ALL),
        &Down,
    )
    .await
    .unwrap();
    assert_eq!(r.text, strings::AGENT_CANNOT_ACT);
    assert!(r.actions.is_empty());
    assert!(r.needs_follow_up);
}

/// The agent crm-svc would give: a fixed profile (or none, as when crm-svc is down), and a
/// runner that records the conversation it runs for.
struct Backend {
    profile: Option<AgentProfile>,
    conversations: std::sync::Arc<Mutex<Vec<agent::Conversation>>>,
}

#[async_trait::async_trait]
impl agent::AgentBackend for Backend {
    async fn profile(&self, _: &str) -> speech_svc::Result<AgentProfile> {
        self.profile
            .clone()
            .ok_or_else(|| speech_svc::Error::Crm("unavailable".into()))
    }
    fn runner(&self, conversation: agent::Conversation) -> Box<dyn ToolRunner> {
        self.conversations.lock().unwrap().push(conversation);
        Box::new(runner(ok))
    }
}

fn speech_with(server: &MockServer, dir: &std::path::Path, backend: Backend) -> speech_svc::Speech {
    let mut map: std::collections::HashMap<String, String> = [
        ("LLM_ENGINE", "openai".to_string()),
        ("OPENAI_BASE_URL", server.uri()),
        ("DATA_DIR", dir.display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    map.insert("TTS_ENGINE".into(), "espeak".into());
    let config = agentlocator_common::Config::from_map(&map).unwrap();
    let settings = speech_svc::Settings::from_parts(&config, &map).unwrap();
    speech_svc::Speech::new(&settings)
        .unwrap()
        .with_agent(std::sync::Arc::new(backend))
}

fn conversation() -> agent::Conversation {
    agent::Conversation {
        business_id: "b1".into(),
        channel: agent::Channel::Call,
        customer_phone: "+972501234567".into(),
        conversation_ref: "CA1".into(),
        turn_ref: "RE1".into(),
        turn_text: "אפשר לקבוע תור ליום שלישי ב-10?".into(),
    }
}

#[tokio::test]
async fn a_turn_in_a_conversation_is_answered_by_the_agent_and_a_plain_turn_is_not() {
    let server = MockServer::start().await;
    // With tools offered the model books; without, it answers in words.
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(|r: &Request| {
            body(r)["tools"].is_array() && body(r)["messages"].as_array().unwrap().len() == 2
        })
        .respond_with(tool_call_answer(
            "call_1",
            "book_appointment",
            r#"{"starts_at":"2030-01-08T10:00:00+02:00"}"#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(text_answer("קבעתי לך תור ליום שלישי בעשר."))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let speech = speech_with(
        &server,
        dir.path(),
        Backend {
            profile: Some(profile(&ToolName::ALL)),
            conversations: seen.clone(),
        },
    );
    let text = "אפשר לקבוע תור ליום שלישי ב-10?";
    let r = speech
        .reply_in(&ctx(text), Some(&conversation()))
        .await
        .unwrap();
    assert_eq!(r.reply.text, "קבעתי לך תור ליום שלישי בעשר.");
    let turn = r.agent.expect("the agent answered");
    assert_eq!(turn.actions, ["book_appointment"]);
    assert!(!turn.end_call);
    assert_eq!(*seen.lock().unwrap(), [conversation()]);

    // No conversation: the plain reply, no tools offered, the backend not asked.
    let plain = speech.reply_in(&ctx(text), None).await.unwrap();
    assert!(plain.agent.is_none());
    assert_eq!(seen.lock().unwrap().len(), 1);
    let last = server.received_requests().await.unwrap();
    assert!(body(last.last().unwrap()).get("tools").is_none());
}

#[tokio::test]
async fn without_the_agents_definition_the_turn_is_still_answered_without_tools() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(text_answer("אנחנו פתוחים עד שש."))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let speech = speech_with(
        &server,
        dir.path(),
        Backend {
            profile: None,
            conversations: seen.clone(),
        },
    );
    let r = speech
        .reply_in(&ctx("עד מתי אתם פתוחים?"), Some(&conversation()))
        .await
        .unwrap();
    assert_eq!(r.reply.text, "אנחנו פתוחים עד שש.");
    assert!(r.agent.is_none());
    assert!(seen.lock().unwrap().is_empty());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(body(&requests[0]).get("tools").is_none());
}
