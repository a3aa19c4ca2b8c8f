//! Click-to-call: `POST /api/calls` places the call through Twilio's REST API (a loopback server
//! speaking its documented wire format), the agent's answer dials the customer, and the status
//! callback completes the same Call row.

use crate::voice_support::*;
use agentlocator_tests::{Api, Bus, Db, TestStack};
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_string_contains, header, method, path},
};

const BUSINESS_NUMBER: &str = "+97235550166";
const AGENT_PHONE: &str = "0521112233";
const AGENT_E164: &str = "+972521112233";
const CUSTOMER_PHONE: &str = "+972541234567";
const OUTBOUND_SID: &str = "CA0000000000000000000000000000beef"; // example value

async fn customer(api: &Api) -> String {
    let (status, c) = api
        .post(
            "/api/crm/customers",
            json!({"name": "דנה כהן", "phone": CUSTOMER_PHONE}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_twilio_credentials_the_call_is_refused_clearly() {
    let stack = TestStack::start_in(voice_env(Db::Sqlite, Bus::Memory)).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;
    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));
    let customer_id = customer(&api).await;
    let (status, body) = api
        .post(
            "/api/calls",
            json!({"customer_id": customer_id, "agent_phone": AGENT_PHONE}),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "voice_not_configured");
    // Read-only users may not place calls at all.
    let reader = Api::new(&stack, Some(stack.sign_in(&business_id, "read_only").await));
    let (status, body) = reader
        .post(
            "/api/calls",
            json!({"customer_id": customer_id, "agent_phone": AGENT_PHONE}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn click_to_call_rings_the_agent_and_connects_the_customer() {
    use base64::Engine;
    let twilio = MockServer::start().await;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"))
    );
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json")))
        .and(header("authorization", basic.as_str()))
        .and(body_string_contains("To=%2B972521112233"))
        .and(body_string_contains("From=%2B97235550166"))
        .and(body_string_contains(
            "Url=http%3A%2F%2F127.0.0.1%3A8080%2Fwebhook%2Foutbound_connect%3Fto%3D%252B972541234567",
        ))
        .and(body_string_contains(
            "StatusCallback=http%3A%2F%2F127.0.0.1%3A8080%2Fwebhook%2Fcall_status",
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"sid": OUTBOUND_SID, "status": "queued"})),
        )
        .expect(1)
        .mount(&twilio)
        .await;
    let mut env = voice_env(Db::Sqlite, Bus::Memory);
    twilio_vars(&mut env);
    env.vars.insert("TWILIO_API_BASE_URL".into(), twilio.uri());
    let stack = TestStack::start_in(env).await;
    let business_id = business_with_number(&stack, BUSINESS_NUMBER, true).await;
    let api = Api::new(&stack, Some(stack.sign_in(&business_id, "agent").await));
    let customer_id = customer(&api).await;

    let (status, body) = api
        .post(
            "/api/calls",
            json!({"customer_id": customer_id, "agent_phone": AGENT_PHONE}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["call_sid"], OUTBOUND_SID);

    // Another business's customer is not found, and the answer says only that (no gRPC text).
    let other = business_with_number(&stack, "+97235550177", true).await;
    let other_api = Api::new(&stack, Some(stack.sign_in(&other, "agent").await));
    let foreign = customer(&other_api).await;
    let (status, body) = api
        .post(
            "/api/calls",
            json!({"customer_id": foreign, "agent_phone": AGENT_PHONE}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let message = body["message"].as_str().unwrap();
    for leak in ["status:", "code:", "metadata", "crm-svc"] {
        assert!(!message.contains(leak), "{message}");
    }

    // The agent answered: Twilio fetches the TwiML that dials the customer.
    let connect = "/webhook/outbound_connect?to=%2B972541234567";
    let answer = post_signed(
        &stack,
        connect,
        &params(&[
            ("CallSid", OUTBOUND_SID),
            ("From", BUSINESS_NUMBER),
            ("To", AGENT_E164),
            ("Direction", "outbound-api"),
        ]),
    )
    .await;
    let els = answer.twiml();
    assert_eq!(names(&els), ["Say", "Dial", "Number"], "{}", answer.body);
    assert_eq!(
        element(&els, "Dial").attr("callerId"),
        Some(BUSINESS_NUMBER)
    );
    assert_eq!(element(&els, "Number").text, CUSTOMER_PHONE);

    let status = post_signed(
        &stack,
        "/webhook/call_status",
        &params(&[
            ("CallSid", OUTBOUND_SID),
            ("CallStatus", "completed"),
            ("CallDuration", "65"),
            ("From", BUSINESS_NUMBER),
            ("To", AGENT_E164),
            ("Direction", "outbound-api"),
        ]),
    )
    .await;
    assert_eq!(status.status, 200, "{}", status.body);

    let (id, calls) = timeline_calls(&api, CUSTOMER_PHONE, |calls| {
        calls.iter().any(|c| c["status"] == "completed")
    })
    .await;
    assert_eq!(id, customer_id);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["twilio_sid"], OUTBOUND_SID);
    assert_eq!(calls[0]["direction"], "outbound");
    assert_eq!(calls[0]["duration_seconds"], 65);
    stack.stop().await.unwrap();
}
