//! The inbox: conversations filed by the event consumer, ordered by last activity, paged by
//! cursor, read per user, assigned, moved through their states, and scoped to the business.

use crate::fixtures::{assert_not_found, at, invalid_field, outbox_subjects, staff, tenant};
use agentlocator_proto::{
    Event, new_event, to_timestamp,
    v1::{CallEvent, CallEventKind, WhatsAppEvent, WhatsAppEventKind, event::Payload},
};
use crm_svc::{
    Db,
    agent::{
        self, DefinitionInput,
        tools::{self, ToolRequest},
    },
    backend_test,
    conversations::{self, ConversationPatch, InboxQuery},
    enums::{AgentChannel, ConversationState},
    event_consumer,
    ids::{BusinessId, ConversationId, UserId},
    time,
};
use serde_json::json;

/// An inbound WhatsApp message from `phone` to `business` at minute `minute`.
pub(crate) fn message(business: &BusinessId, phone: &str, body: &str, minute: i64) -> Event {
    message_dir(business, phone, body, minute, "inbound")
}

fn message_dir(
    business: &BusinessId,
    phone: &str,
    body: &str,
    minute: i64,
    direction: &str,
) -> Event {
    let (from, to, kind) = if direction == "inbound" {
        (phone, "+97231234567", WhatsAppEventKind::Received)
    } else {
        ("+97231234567", phone, WhatsAppEventKind::Sent)
    };
    let mut e = new_event(
        business.as_str(),
        Payload::Whatsapp(WhatsAppEvent {
            kind: kind as i32,
            provider_message_id: uuid::Uuid::now_v7().to_string(),
            direction: direction.into(),
            from_number: from.into(),
            to_number: to.into(),
            body: body.into(),
            ..Default::default()
        }),
    );
    e.occurred_at = Some(to_timestamp(time::to_utc(at(minute))));
    e
}

/// A call event of `sid` from `phone` at minute `minute`.
pub(crate) fn call(
    business: &BusinessId,
    sid: &str,
    phone: &str,
    kind: CallEventKind,
    minute: i64,
    f: impl FnOnce(&mut CallEvent),
) -> Event {
    let mut c = CallEvent {
        kind: kind as i32,
        call_sid: sid.into(),
        direction: "inbound".into(),
        from_number: phone.into(),
        to_number: "+97231234567".into(),
        ..Default::default()
    };
    f(&mut c);
    let mut e = new_event(business.as_str(), Payload::Call(c));
    e.occurred_at = Some(to_timestamp(time::to_utc(at(minute))));
    e
}

/// Applies `events` as the event consumer does, each in its transaction.
pub(crate) async fn apply(db: &Db, events: Vec<Event>) {
    for e in events {
        db.transaction(move |conn| event_consumer::apply(conn, &e))
            .await
            .unwrap();
    }
}

fn query() -> InboxQuery {
    InboxQuery {
        limit: 25,
        ..InboxQuery::default()
    }
}

async fn page(
    db: &Db,
    business: &BusinessId,
    reader: &UserId,
    q: InboxQuery,
) -> conversations::InboxPage {
    conversations::list(db, business, reader, q).await.unwrap()
}

fn ids(p: &conversations::InboxPage) -> Vec<String> {
    p.items.iter().map(|c| c.row.id.to_string()).collect()
}

async fn newest_activity_first_paged_by_cursor(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let b = &t.business.id;
    apply(
        &db,
        vec![
            message(b, "972521110001", "ראשונה", 1),
            call(
                b,
                "CA-IN-1",
                "+972521110002",
                CallEventKind::Started,
                2,
                |_| {},
            ),
            message(b, "972521110003", "שלישית", 3),
            // Older history of the first thread: counts, but does not move it.
            message(b, "972521110001", "ישנה", 0),
            call(
                b,
                "CA-IN-1",
                "+972521110002",
                CallEventKind::Transcribed,
                4,
                |c| c.transcript = "אפשר לקבוע תור?".into(),
            ),
        ],
    )
    .await;
    let all = page(&db, b, &t.user.id, query()).await;
    let previews: Vec<&str> = all
        .items
        .iter()
        .map(|c| c.row.last_preview.as_str())
        .collect();
    assert_eq!(previews, ["אפשר לקבוע תור?", "שלישית", "ראשונה"]);
    assert_eq!(all.items[0].row.channel, AgentChannel::Call);
    assert_eq!(all.items[0].call_sid.as_deref(), Some("CA-IN-1"));
    assert_eq!(all.items[2].row.inbound_count, 2);
    assert!(all.items.iter().all(|c| c.customer_name.is_some()));
    assert_eq!(all.next_cursor, None, "not a full page");
    assert_eq!(all.unread_conversations, Some(3));

    let first = page(
        &db,
        b,
        &t.user.id,
        InboxQuery {
            limit: 2,
            ..query()
        },
    )
    .await;
    assert_eq!(ids(&first), ids(&all)[..2]);
    let cursor = first.next_cursor.clone().expect("a full page has a cursor");
    let cursor = cursor.to_string().parse().unwrap();
    let second = page(
        &db,
        b,
        &t.user.id,
        InboxQuery {
            limit: 2,
            after: Some(cursor),
            ..query()
        },
    )
    .await;
    assert_eq!(ids(&second), ids(&all)[2..]);
    assert_eq!(
        second.unread_conversations, None,
        "counted on the first page only"
    );

    let calls = page(
        &db,
        b,
        &t.user.id,
        InboxQuery {
            channel: Some(AgentChannel::Call),
            ..query()
        },
    )
    .await;
    assert_eq!(ids(&calls), ids(&all)[..1]);
    // Every change announced itself (a new message or call, and the call's transcript).
    let announced = outbox_subjects(&db)
        .await
        .iter()
        .filter(|s| s.ends_with(".conversation.updated"))
        .count();
    assert_eq!(announced, 5);
    assert_eq!(
        invalid_field(
            conversations::list(
                &db,
                b,
                &t.user.id,
                InboxQuery {
                    limit: 0,
                    ..query()
                }
            )
            .await
        ),
        "limit"
    );
}
backend_test!(newest_activity_first_paged_by_cursor => inbox_order_sqlite, inbox_order_postgres);

async fn unread_is_per_user(db: Db) {
    let t = tenant(&db, "עסק", 2).await;
    let b = &t.business.id;
    let other = staff(&db, &t.business).await;
    apply(
        &db,
        vec![
            message(b, "972521110011", "א", 1),
            message(b, "972521110011", "ב", 2),
            message_dir(b, "972521110011", "תשובה", 3, "outbound"),
            message(b, "972521110012", "אחר", 4),
        ],
    )
    .await;
    let p = page(&db, b, &t.user.id, query()).await;
    let unread = |p: &conversations::InboxPage| -> Vec<i64> {
        p.items.iter().map(|c| c.unread_count).collect()
    };
    assert_eq!(unread(&p), [1, 2]);
    assert_eq!(p.items[1].row.last_preview, "תשובה");
    assert_eq!(p.items[1].row.last_direction, "outbound");
    let thread_id = p.items[1].row.id.clone();

    let read = conversations::mark_read(&db, b, &t.user.id, &thread_id)
        .await
        .unwrap();
    assert_eq!(read.unread_count, 0);
    assert_eq!(unread(&page(&db, b, &t.user.id, query()).await), [1, 0]);
    assert_eq!(
        unread(&page(&db, b, &other.id, query()).await),
        [1, 2],
        "the other user read nothing"
    );

    let only_unread = page(
        &db,
        b,
        &t.user.id,
        InboxQuery {
            unread: true,
            ..query()
        },
    )
    .await;
    assert_eq!(only_unread.items.len(), 1);
    assert_eq!(only_unread.unread_conversations, Some(1));

    apply(&db, vec![message(b, "972521110011", "ג", 5)]).await;
    let p = page(&db, b, &t.user.id, query()).await;
    assert_eq!(p.items[0].row.id, thread_id, "new activity moves it up");
    assert_eq!(unread(&p), [1, 1]);
    // Reading twice is harmless.
    conversations::mark_read(&db, b, &t.user.id, &thread_id)
        .await
        .unwrap();
    conversations::mark_read(&db, b, &t.user.id, &thread_id)
        .await
        .unwrap();
    assert_eq!(unread(&page(&db, b, &t.user.id, query()).await), [0, 1]);

    let thread = conversations::get(&db, b, &t.user.id, &thread_id)
        .await
        .unwrap();
    let bodies: Vec<&str> = thread.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["א", "ב", "תשובה", "ג"]);
    assert!(thread.call.is_none());
}
backend_test!(unread_is_per_user => inbox_unread_sqlite, inbox_unread_postgres);

async fn assignment_states_and_the_agent_follow_each_other(db: Db) {
    let t = tenant(&db, "עסק", 3).await;
    let b = &t.business.id;
    let other = staff(&db, &t.business).await;
    apply(&db, vec![message(b, &t.customer.phone, "שלום", 1)]).await;
    let id = page(&db, b, &t.user.id, query()).await.items[0]
        .row
        .id
        .clone();
    let c = page(&db, b, &t.user.id, query()).await.items[0].clone();
    assert_eq!(
        c.row.customer_id.as_ref(),
        Some(&t.customer.id),
        "filed under the known customer"
    );

    let assigned = conversations::update(
        &db,
        b,
        &t.user.id,
        &id,
        ConversationPatch {
            assignee_id: Some(Some(other.id.clone())),
            state: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(assigned.row.assignee_id.as_ref(), Some(&other.id));
    let mine = InboxQuery {
        assigned_to_me: true,
        ..query()
    };
    assert_eq!(page(&db, b, &other.id, mine.clone()).await.items.len(), 1);
    assert_eq!(page(&db, b, &t.user.id, mine).await.items.len(), 0);

    // The agent hands the conversation to a person (its hand_off tool): the inbox shows it
    // waiting.
    agent::put(
        &db,
        b,
        DefinitionInput {
            persona: String::new(),
            instructions: String::new(),
            allowed_actions: vec!["hand_off".into()],
            whatsapp_agent_enabled: true,
            staff_silence_minutes: 15,
            handoff_phone: String::new(),
            appointment_minutes: 30,
        },
    )
    .await
    .unwrap();
    let handed = tools::run(
        &db,
        ToolRequest {
            conversation: tools::Conversation {
                business_id: b.clone(),
                channel: AgentChannel::Whatsapp,
                customer_phone: t.customer.phone.clone(),
                conversation_ref: t.customer.phone.clone(),
                turn_ref: "turn-1".into(),
                turn_text: "אני רוצה לדבר עם בן אדם".into(),
            },
            tool_call_id: "h1".into(),
            name: "hand_off".into(),
            arguments: json!({"reason": "ביקש נציג"}).to_string(),
        },
    )
    .await
    .unwrap();
    assert!(handed.ok, "{handed:?}");
    let waiting = InboxQuery {
        state: Some(ConversationState::WaitingForHuman),
        ..query()
    };
    assert_eq!(page(&db, b, &t.user.id, waiting).await.items.len(), 1);
    agent::set_paused(&db, b, &t.customer.id, true)
        .await
        .unwrap();
    // Staff mark it done: the agent is no longer waiting for a person.
    let done = conversations::update(
        &db,
        b,
        &t.user.id,
        &id,
        ConversationPatch {
            assignee_id: Some(None),
            state: Some(ConversationState::Done),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (done.row.state, done.row.assignee_id),
        (ConversationState::Done, None)
    );
    let agent_state = agent::conversation(&db, b, &t.customer.id).await.unwrap();
    assert!(!agent_state.waiting_for_human && agent_state.paused);
    // Staff put it back to waiting: the agent stays silent.
    conversations::update(
        &db,
        b,
        &t.user.id,
        &id,
        ConversationPatch {
            assignee_id: None,
            state: Some(ConversationState::WaitingForHuman),
        },
    )
    .await
    .unwrap();
    assert!(
        agent::conversation(&db, b, &t.customer.id)
            .await
            .unwrap()
            .waiting_for_human
    );
    // Resuming the agent ends the waiting in the inbox too.
    agent::set_paused(&db, b, &t.customer.id, false)
        .await
        .unwrap();
    assert_eq!(
        page(&db, b, &t.user.id, query()).await.items[0].row.state,
        ConversationState::Open
    );
    // Done, then the customer writes again: open again.
    conversations::update(
        &db,
        b,
        &t.user.id,
        &id,
        ConversationPatch {
            assignee_id: None,
            state: Some(ConversationState::Done),
        },
    )
    .await
    .unwrap();
    apply(&db, vec![message(b, &t.customer.phone, "עוד שאלה", 2)]).await;
    assert_eq!(
        page(&db, b, &t.user.id, query()).await.items[0].row.state,
        ConversationState::Open
    );
}
backend_test!(assignment_states_and_the_agent_follow_each_other => inbox_assign_sqlite, inbox_assign_postgres);

async fn every_inbox_call_is_scoped_to_the_business(db: Db) {
    let a = tenant(&db, "א", 4).await;
    let z = tenant(&db, "ב", 5).await;
    apply(
        &db,
        vec![
            message(&a.business.id, "972521110041", "של א", 1),
            call(
                &a.business.id,
                "CA-A-1",
                "+972521110042",
                CallEventKind::Completed,
                2,
                |c| c.status = "no-answer".into(),
            ),
        ],
    )
    .await;
    let theirs = page(&db, &a.business.id, &a.user.id, query()).await;
    assert_eq!(theirs.items.len(), 2);
    let call_conv = &theirs.items[0];
    assert_eq!(
        call_conv.row.last_preview,
        crm_svc::strings::CALL_PREVIEW_MISSED
    );
    let thread = conversations::get(&db, &a.business.id, &a.user.id, &call_conv.row.id)
        .await
        .unwrap();
    assert_eq!(thread.call.unwrap().twilio_sid, "CA-A-1");

    // Business B sees none of it, and cannot touch it.
    let mine = page(&db, &z.business.id, &z.user.id, query()).await;
    assert!(mine.items.is_empty());
    assert_eq!(mine.unread_conversations, Some(0));
    for c in &theirs.items {
        let id = &c.row.id;
        assert_not_found(conversations::get(&db, &z.business.id, &z.user.id, id).await);
        assert_not_found(conversations::mark_read(&db, &z.business.id, &z.user.id, id).await);
        assert_not_found(
            conversations::update(
                &db,
                &z.business.id,
                &z.user.id,
                id,
                ConversationPatch {
                    assignee_id: None,
                    state: Some(ConversationState::Done),
                },
            )
            .await,
        );
    }
    // A's user named with B's business is nobody there.
    assert_not_found(conversations::list(&db, &z.business.id, &a.user.id, query()).await);
    // B's staff cannot be assigned to A's conversation.
    let field = invalid_field(
        conversations::update(
            &db,
            &a.business.id,
            &a.user.id,
            &theirs.items[1].row.id,
            ConversationPatch {
                assignee_id: Some(Some(z.user.id.clone())),
                state: None,
            },
        )
        .await,
    );
    assert_eq!(field, "assignee_id");
    assert_not_found(
        conversations::get(&db, &a.business.id, &a.user.id, &ConversationId::generate()).await,
    );
    // Nothing of A changed.
    let after = page(&db, &a.business.id, &a.user.id, query()).await;
    assert_eq!(after.items, theirs.items);
}
backend_test!(every_inbox_call_is_scoped_to_the_business => inbox_tenants_sqlite, inbox_tenants_postgres);
