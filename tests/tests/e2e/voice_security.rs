//! Twilio webhooks are accepted only with Twilio's signature over PUBLIC_BASE_URL + path + the
//! POST parameters; anything else is 403 and stores nothing. Voice routes obey `voice_enabled`.
//! The embedded default (no auth token, loopback URL) answers unsigned requests.

use crate::voice_support::*;
use agentlocator_tests::{Bus, Db, TestStack};

const BUSINESS_NUMBER: &str = "+97235550188";

async fn signed_stack() -> TestStack {
    let mut env = voice_env(Db::Sqlite, Bus::Memory);
    twilio_vars(&mut env);
    TestStack::start_in(env).await
}

fn incoming(sid: &str) -> Vec<(String, String)> {
    params(&[
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", sid),
        ("From", CALLER),
        ("To", BUSINESS_NUMBER),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
    ])
}

fn assert_refused(answer: &WebhookAnswer, code: &str) {
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(
        answer.content_type.starts_with("application/json"),
        "{}",
        answer.content_type
    );
    assert_eq!(answer.json()["error"], code, "{}", answer.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_missing_and_replayed_signatures_are_refused_and_store_nothing() {
    let stack = signed_stack().await;
    business_with_number(&stack, BUSINESS_NUMBER, true).await;
    let path = "/webhook/incoming_call";
    // Example call SIDs.
    let forged_sids = [
        "CA00000000000000000000000000000001", // example value
        "CA00000000000000000000000000000002", // example value
        "CA00000000000000000000000000000003", // example value
        "CA00000000000000000000000000000004", // example value
        "CA00000000000000000000000000000005", // example value
    ];

    // Missing.
    let p = incoming(forged_sids[0]);
    assert_refused(
        &post_webhook(&stack, path, &p, None).await,
        "invalid_signature",
    );
    // Forged: signed with another token.
    let p = incoming(forged_sids[1]);
    let forged = voice_svc::twilio_signature::compute(
        "not-the-auth-token",
        &format!("{PUBLIC_BASE_URL}{path}"),
        &p,
    );
    assert_refused(
        &post_webhook(&stack, path, &p, Some(&forged)).await,
        "invalid_signature",
    );
    // Replayed with other parameters: a valid signature of one request on changed parameters.
    let original = incoming(forged_sids[2]);
    let sig = sign(path, &original);
    let mut changed = original.clone();
    changed.retain(|(k, _)| k != "From");
    changed.push(("From".into(), "+972529999999".into()));
    assert_refused(
        &post_webhook(&stack, path, &changed, Some(&sig)).await,
        "invalid_signature",
    );
    let mut extra = incoming(forged_sids[3]);
    let sig = sign(path, &extra);
    extra.push(("Digits".into(), "1".into()));
    assert_refused(
        &post_webhook(&stack, path, &extra, Some(&sig)).await,
        "invalid_signature",
    );
    // Replayed on another webhook, or with another query (the turn state is signed too).
    let p = incoming(forged_sids[4]);
    let sig = sign(path, &p);
    assert_refused(
        &post_webhook(&stack, "/webhook/call_status", &p, Some(&sig)).await,
        "invalid_signature",
    );
    let rec = "/webhook/handle_recording?turn=1&retry=0&fails=0";
    let sig = sign(rec, &p);
    assert_refused(
        &post_webhook(
            &stack,
            "/webhook/handle_recording?turn=1&retry=1&fails=0",
            &p,
            Some(&sig),
        )
        .await,
        "invalid_signature",
    );

    // A genuine request after them is stored; by then every earlier one would have been.
    let genuine = "CA0000000000000000000000000000000a"; // example value
    let answer = post_signed(&stack, path, &incoming(genuine)).await;
    answer.twiml();
    let stored = agentlocator_tests::wait_for_count(1, std::time::Duration::from_secs(20), || {
        calls_with_sid(&stack, genuine)
    })
    .await;
    assert_eq!(stored, 1);
    for sid in forged_sids {
        assert_eq!(calls_with_sid(&stack, sid).await, 0, "{sid} was stored");
    }
    stack.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_business_with_voice_off_is_refused_and_an_unknown_number_hears_an_apology() {
    let stack = signed_stack().await;
    business_with_number(&stack, BUSINESS_NUMBER, false).await;
    let sid = "CA0000000000000000000000000000000b"; // example value
    let answer = post_signed(&stack, "/webhook/incoming_call", &incoming(sid)).await;
    assert_refused(&answer, "voice_disabled");

    let mut p = incoming(sid);
    p.retain(|(k, _)| k != "To");
    p.push(("To".into(), "+97235550199".into()));
    let answer = post_signed(&stack, "/webhook/incoming_call", &p).await;
    let els = answer.twiml();
    assert_eq!(names(&els), ["Say", "Hangup"], "{}", answer.body);
    assert_eq!(
        element(&els, "Say").text,
        voice_svc::strings::UNKNOWN_NUMBER
    );
    stack.stop().await.unwrap();
}

/// The seed's `curl -XPOST localhost:8080/webhook/incoming_call` in the embedded default: no
/// auth token, loopback PUBLIC_BASE_URL, no parameters at all → the demo business's greeting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_default_answers_unsigned_requests() {
    let stack = TestStack::start_in(voice_env(Db::Sqlite, Bus::Memory)).await;
    let client = reqwest::Client::new();
    let res = client
        .post(stack.url("/webhook/incoming_call"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    let els = voice_svc::twiml::parse(&res.text().await.unwrap()).unwrap();
    assert_eq!(names(&els), ["Play", "Record"]);
    fetch_audio(&stack, &element(&els, "Play").text).await;
    let rec = element(&els, "Record");
    assert_eq!(rec.attr("finishOnKey"), Some("*"));
    assert_eq!(rec.attr("timeout"), Some("5"));
    assert_eq!(rec.attr("maxLength"), Some("30"));
    let res = client
        .post(stack.url("/webhook/call_status"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    stack.stop().await.unwrap();
}
