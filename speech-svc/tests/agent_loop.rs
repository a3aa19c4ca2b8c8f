//! The agent's tool loop against a loopback OpenAI-compatible chat-completions server that answers
//! with scripted tool calls: tools run through the runner and their results go back to the model;
//! the loop is bounded; the keyless engine never pretends to act.

use agentlocator_common::agent_tools::ToolName;
use serde_json::{Value, json};
use speech_svc::{
    reply::{
        BusinessContext, OpenAiReplier, QaEntry, ReplyContext,
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
    let known = agent::knowledge_agent_reply(&ctx("מה שעות הפעילות?"), &all, &r)
        .await
        .unwrap();
    assert!(known.text.contains("9:00"), "{}", known.text);
    assert!(r.calls.lock().unwrap().is_empty());
    // A booking request: no booking, the call-back promise and its task.
    let booking = agent::knowledge_agent_reply(&ctx("אפשר לקבוע תור ליום שלישי ב-10?"), &all, &r)
        .await
        .unwrap();
    assert_eq!(booking.text, strings::CALL_BACK);
    assert_eq!(booking.actions, ["create_task"]);
    let calls = r.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].name, "create_task");
    let args: Value = serde_json::from_str(&calls[0].arguments).unwrap();
    assert!(args["title"].as_str().unwrap().contains("לקבוע תור"));
    // Without create_task allowed: still only the promise.
    let none = agent::knowledge_agent_reply(&ctx("אפשר לקבוע תור?"), &profile(&[]), &r)
        .await
        .unwrap();
    assert!(none.actions.is_empty());
    assert_eq!(r.calls.lock().unwrap().len(), 1);
}
