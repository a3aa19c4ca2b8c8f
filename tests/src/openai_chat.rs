//! A loopback OpenAI-compatible chat-completions server with scripted tool calls: the first
//! request of a turn (tools offered, no tool results yet) is answered with `tool_calls`, the next
//! one (carrying their results) with the final words.

use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{method, path},
};

/// The JSON body of a request (`null` when it is not JSON).
pub fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_default()
}

/// The `tool` messages of a chat-completions request.
pub fn tool_messages(r: &Request) -> Vec<Value> {
    body(r)["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["role"] == "tool")
        .collect()
}

/// One tool call as a model sends it.
pub fn tool_call(id: &str, name: &str, arguments: &str) -> Value {
    json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
}

/// Mounts the script on `server`: `tool_calls` first, then `final_text`.
pub async fn mount_scripted_chat(server: &MockServer, tool_calls: Value, final_text: &str) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(|r: &Request| body(r)["tools"].is_array() && tool_messages(r).is_empty())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null, "tool_calls": tool_calls
            }}]
        })))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(|r: &Request| !tool_messages(r).is_empty())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-2",
            "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": final_text
            }}]
        })))
        .mount(server)
        .await;
}

/// The chat-completions requests `server` received, in order.
pub async fn chat_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/v1/chat/completions")
        .collect()
}
