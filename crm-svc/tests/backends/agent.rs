//! The AI agent: its definition, and its tools scoped to the business and to the conversation's
//! customer (tool results and the database both checked).

use crate::fixtures::{customer, invalid_field, outbox_subjects, tenant};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use crm_svc::{
    Db,
    agent::{
        self, DefinitionInput, queries,
        slots::ZONE,
        tools::{self, Conversation, ToolOutcome, ToolRequest},
    },
    appointments::{self, NewAppointment},
    appointments::{Appointment, queries as appointment},
    backend_test, customers,
    customers::Customer,
    enums::AgentChannel,
    ids::{BusinessId, CustomerId},
    tasks::queries as task,
    timeline,
};
use serde_json::{Value, json};

/// `hour`:00 Israel time on the first Tuesday at least three days from now that is not a holiday
/// (the default hours are open then, Sunday–Thursday 09:00–17:00).
fn next_tuesday_at(hour: u32) -> DateTime<Utc> {
    let schedule = agentlocator_hours::HoursSettings::default_for(crm_svc::hours::DEFAULT_CITY)
        .validate()
        .unwrap();
    let mut day = (Utc::now() + Duration::days(3))
        .with_timezone(&ZONE)
        .date_naive();
    loop {
        let at = |h: u32| {
            ZONE.from_local_datetime(&day.and_hms_opt(h, 0, 0).unwrap())
                .single()
                .unwrap()
                .with_timezone(&Utc)
        };
        if day.weekday() == Weekday::Tue
            && agentlocator_hours::compute(&schedule, at(0), at(23))
                .unwrap()
                .closures
                .is_empty()
        {
            return at(hour);
        }
        day += Duration::days(1);
    }
}

fn conversation(business: &BusinessId, phone: &str, channel: AgentChannel) -> Conversation {
    Conversation {
        business_id: business.clone(),
        channel,
        customer_phone: phone.into(),
        conversation_ref: format!("conv-{phone}"),
        turn_ref: "turn-1".into(),
        turn_text: "אפשר לקבוע תור ליום שלישי ב-10?".into(),
    }
}

async fn call(db: &Db, conv: &Conversation, id: &str, name: &str, args: Value) -> ToolOutcome {
    tools::run(
        db,
        ToolRequest {
            conversation: conv.clone(),
            tool_call_id: id.into(),
            name: name.into(),
            arguments: args.to_string(),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{name} failed as an RPC: {e}"))
}

#[track_caller]
fn refused(o: &ToolOutcome) -> String {
    assert!(!o.ok, "expected a refusal, got {o:?}");
    o.result["error"]
        .as_str()
        .expect("an error text")
        .to_owned()
}

async fn appointments_of(db: &Db, c: &Customer) -> Vec<Appointment> {
    let (b, id) = (c.business_id.clone(), c.id.clone());
    db.run(move |conn| appointment::list_by_customer(conn, &b, &id))
        .await
        .unwrap()
}

async fn actions(db: &Db, b: &BusinessId, c: &CustomerId) -> Vec<queries::AgentAction> {
    let (b, c) = (b.clone(), c.clone());
    db.run(move |conn| queries::actions_of_customer(conn, &b, &c))
        .await
        .unwrap()
}

fn input() -> DefinitionInput {
    DefinitionInput {
        persona: "את נועה, המזכירה של מספרת רונית. פונים ללקוחות בגוף שני, בחום.".into(),
        instructions: "קובעים תורים של חצי שעה. לא מבטיחים הנחות.".into(),
        allowed_actions: vec![
            "create_task".into(),
            "lookup_customer".into(),
            "book_appointment".into(),
        ],
        whatsapp_agent_enabled: true,
        staff_silence_minutes: 15,
        handoff_phone: "050-7654321".into(),
        appointment_minutes: 45,
    }
}

async fn definition_has_defaults_and_is_saved_and_validated(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    let other = tenant(&db, "אחר", 2).await;
    let b = &t.business.id;
    let d = agent::get(&db, b).await.unwrap();
    assert_eq!(
        d.allowed_actions.len(),
        10,
        "every action is allowed by default"
    );
    assert!(!d.whatsapp_agent_enabled);
    assert_eq!(d.updated_at, None);

    let saved = agent::put(&db, b, input()).await.unwrap();
    assert_eq!(
        saved
            .allowed_actions
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>(),
        ["lookup_customer", "book_appointment", "create_task"]
    );
    assert_eq!(saved.handoff_phone, "+972507654321");
    assert_eq!(agent::get(&db, b).await.unwrap(), saved);
    // Another business keeps its defaults.
    assert_eq!(
        agent::get(&db, &other.business.id)
            .await
            .unwrap()
            .updated_at,
        None
    );

    let bad = |f: fn(&mut DefinitionInput)| {
        let mut i = input();
        f(&mut i);
        i
    };
    for (field, i) in [
        (
            "allowed_actions",
            bad(|i| i.allowed_actions.push("drop_tables".into())),
        ),
        ("handoff_phone", bad(|i| i.handoff_phone = "hello".into())),
        (
            "staff_silence_minutes",
            bad(|i| i.staff_silence_minutes = -1),
        ),
        ("appointment_minutes", bad(|i| i.appointment_minutes = 0)),
        ("persona", bad(|i| i.persona = "א".repeat(2_001))),
    ] {
        let mut i = i;
        i.whatsapp_agent_enabled = false;
        assert_eq!(invalid_field(agent::put(&db, b, i).await), field);
    }
    // Nothing of the refused changes was saved.
    assert_eq!(agent::get(&db, b).await.unwrap(), saved);
    assert!(matches!(
        agent::get(&db, &BusinessId::from("no-such-business")).await,
        Err(crm_svc::Error::NotFound("business"))
    ));
}
backend_test!(definition_has_defaults_and_is_saved_and_validated => agent_definition_sqlite, agent_definition_postgres);

async fn a_new_caller_books_a_free_slot_once_and_it_is_on_the_timeline(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    let b = &t.business.id;
    let conv = conversation(b, "052-1234567", AgentChannel::Whatsapp);
    let ten = next_tuesday_at(10);

    let slots = call(
        &db,
        &conv,
        "c1",
        "list_free_slots",
        json!({"from": ten.to_rfc3339()}),
    )
    .await;
    assert!(slots.ok, "{slots:?}");
    let free = slots.result["free_slots"].as_array().unwrap();
    assert_eq!(
        DateTime::parse_from_rfc3339(free[0].as_str().unwrap()).unwrap(),
        ten
    );

    let booked = call(
        &db,
        &conv,
        "c2",
        "book_appointment",
        json!({"starts_at": ten.to_rfc3339(), "title": "תספורת"}),
    )
    .await;
    assert!(booked.ok, "{booked:?}");
    let customer_id = booked
        .customer_id
        .clone()
        .expect("the sender became a customer");
    let lead = customers::get(&db, b, &customer_id).await.unwrap();
    assert_eq!(lead.phone, "+972521234567");
    let list = appointments_of(&db, &lead).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].starts_at, ten.naive_utc());
    assert_eq!(list[0].ends_at - list[0].starts_at, Duration::minutes(30));
    assert_eq!(list[0].title, "תספורת");
    assert_eq!(booked.result["appointment_id"], json!(list[0].id));

    // The same tool call again (a retry): the first answer, still one appointment and one action.
    let again = call(
        &db,
        &conv,
        "c2",
        "book_appointment",
        json!({"starts_at": ten.to_rfc3339(), "title": "תספורת"}),
    )
    .await;
    assert_eq!(again.result, booked.result);
    assert_eq!(appointments_of(&db, &lead).await.len(), 1);

    // The action is on the customer's timeline, done by the agent, with the message behind it.
    let items = timeline::timeline(&db, b, &customer_id, None, None)
        .await
        .unwrap();
    let agent_items: Vec<_> = items
        .iter()
        .filter(|i| i.kind.as_str() == "agent")
        .collect();
    assert_eq!(agent_items.len(), 1, "{items:?}");
    let data = &agent_items[0].data;
    assert_eq!(data["tool"], "book_appointment");
    assert_eq!(data["channel"], "whatsapp");
    assert_eq!(data["turn_text"], "אפשר לקבוע תור ליום שלישי ב-10?");
    assert!(
        data["summary"].as_str().unwrap().contains("תספורת"),
        "{data}"
    );

    // Someone else cannot take the same time; the slot listing skips it.
    let other = conversation(b, "052-7654321", AgentChannel::Call);
    let clash = call(
        &db,
        &other,
        "x1",
        "book_appointment",
        json!({"starts_at": (ten + Duration::minutes(15)).to_rfc3339()}),
    )
    .await;
    assert!(refused(&clash).contains("taken"));
    let slots = call(
        &db,
        &other,
        "x2",
        "list_free_slots",
        json!({"from": ten.to_rfc3339(), "to": (ten + Duration::hours(1)).to_rfc3339()}),
    )
    .await;
    assert_eq!(
        slots.result["free_slots"].as_array().unwrap().len(),
        1,
        "{slots:?}"
    );
    // Closed on Saturday, and not in the past.
    let saturday = ten + Duration::days(4);
    let on_shabbat = call(
        &db,
        &other,
        "x3",
        "book_appointment",
        json!({"starts_at": saturday.to_rfc3339()}),
    )
    .await;
    // The business has not set its hours: the defaults close for Shabbat, and the model hears so.
    assert!(refused(&on_shabbat).contains("closed"), "{on_shabbat:?}");
    assert!(refused(&on_shabbat).contains("שבת"), "{on_shabbat:?}");
    assert!(
        refused(
            &call(
                &db,
                &other,
                "x4",
                "book_appointment",
                json!({"starts_at": "2020-01-07T10:00:00+02:00"})
            )
            .await
        )
        .contains("passed")
    );
    let all = db
        .run({
            let b = b.clone();
            move |conn| {
                appointment::list_overlapping(
                    conn,
                    &b,
                    ten.naive_utc() - Duration::days(400),
                    ten.naive_utc() + Duration::days(30),
                    None,
                )
            }
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "only the first booking exists");
}
backend_test!(a_new_caller_books_a_free_slot_once_and_it_is_on_the_timeline => agent_books_sqlite, agent_books_postgres);

async fn tools_never_reach_another_customer_or_business(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    let b = &t.business.id;
    let me = &t.customer;
    let neighbour = customer(&db, &t.business, 7).await;
    let stranger = tenant(&db, "עסק אחר", 3).await;
    let ten = next_tuesday_at(10);
    let theirs = appointments::create(
        &db,
        b,
        NewAppointment {
            title: "של השכן".into(),
            starts_at: ten.naive_utc(),
            ends_at: (ten + Duration::minutes(30)).naive_utc(),
            customer_id: Some(neighbour.id.clone()),
            notes: String::new(),
        },
    )
    .await
    .unwrap();
    let foreign = appointments::create(
        &db,
        &stranger.business.id,
        NewAppointment {
            title: "של עסק אחר".into(),
            starts_at: ten.naive_utc(),
            ends_at: (ten + Duration::minutes(30)).naive_utc(),
            customer_id: Some(stranger.customer.id.clone()),
            notes: String::new(),
        },
    )
    .await
    .unwrap();
    crm_svc::tasks::create(
        &db,
        b,
        crm_svc::tasks::NewTask {
            title: "משימה של השכן".into(),
            due_at: None,
            customer_id: Some(neighbour.id.clone()),
            assignee_id: None,
        },
    )
    .await
    .unwrap();
    let conv = conversation(b, &me.phone, AgentChannel::Call);

    // Naming another customer is not an argument any tool has.
    for (name, args) in [
        ("lookup_customer", json!({"customer_id": neighbour.id})),
        (
            "update_customer",
            json!({"customer_id": neighbour.id, "name": "שם חדש"}),
        ),
        (
            "create_task",
            json!({"title": "x", "business_id": stranger.business.id}),
        ),
    ] {
        assert!(refused(&call(&db, &conv, "s", name, args).await).contains("unknown argument"));
    }
    // The lookup is of the conversation's customer only.
    let me_now = call(&db, &conv, "l", "lookup_customer", json!({})).await;
    assert_eq!(me_now.result["name"], json!(me.name));
    assert_eq!(me_now.result["open_tasks"], json!([]));
    assert_eq!(me_now.result["next_appointment"], Value::Null);
    assert_eq!(me_now.customer_id.as_ref(), Some(&me.id));

    // Another customer's appointment and another business's: not found, untouched.
    for id in [&theirs.id, &foreign.id] {
        let later = (ten + Duration::hours(2)).to_rfc3339();
        assert!(
            refused(
                &call(
                    &db,
                    &conv,
                    "m",
                    "move_appointment",
                    json!({"appointment_id": id, "starts_at": later})
                )
                .await
            )
            .contains("no such appointment")
        );
        assert!(
            refused(
                &call(
                    &db,
                    &conv,
                    "c",
                    "cancel_appointment",
                    json!({"appointment_id": id})
                )
                .await
            )
            .contains("no such appointment")
        );
    }
    assert_eq!(appointments::get(&db, b, &theirs.id).await.unwrap(), theirs);
    assert_eq!(
        appointments::get(&db, &stranger.business.id, &foreign.id)
            .await
            .unwrap(),
        foreign
    );

    // update_customer changes this customer only; notes are added to, never replaced.
    let updated = call(
        &db,
        &conv,
        "u",
        "update_customer",
        json!({"name": "דנה לוי", "notes": "מעדיפה בוקר"}),
    )
    .await;
    assert!(updated.ok, "{updated:?}");
    let me_after = customers::get(&db, b, &me.id).await.unwrap();
    assert_eq!(me_after.name, "דנה לוי");
    assert!(
        me_after.notes.ends_with("מעדיפה בוקר"),
        "{}",
        me_after.notes
    );
    assert_eq!(
        customers::get(&db, b, &neighbour.id).await.unwrap(),
        neighbour
    );
    // Only this customer has agent actions.
    assert_eq!(actions(&db, b, &me.id).await.len(), 1);
    assert!(actions(&db, b, &neighbour.id).await.is_empty());
    assert!(
        actions(&db, &stranger.business.id, &stranger.customer.id)
            .await
            .is_empty()
    );
}
backend_test!(tools_never_reach_another_customer_or_business => agent_scoping_sqlite, agent_scoping_postgres);

async fn malformed_and_disallowed_calls_change_nothing(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    let b = &t.business.id;
    let conv = conversation(b, &t.customer.phone, AgentChannel::Whatsapp);
    let subjects_before = outbox_subjects(&db).await;
    let cases: [(&str, &str); 5] = [
        ("delete_everything", "{}"),
        ("create_task", "{\"title\": "),
        ("create_task", "[\"title\"]"),
        ("create_task", "{\"title\": 42}"),
        ("book_appointment", "{\"starts_at\": \"next tuesday\"}"),
    ];
    for (name, args) in cases {
        let o = tools::run(
            &db,
            ToolRequest {
                conversation: conv.clone(),
                tool_call_id: "bad".into(),
                name: name.into(),
                arguments: args.into(),
            },
        )
        .await
        .unwrap();
        refused(&o);
    }
    // Not allowed by the definition: refused before anything happens.
    let mut i = input();
    i.allowed_actions = vec!["lookup_customer".into()];
    agent::put(&db, b, i).await.unwrap();
    let ten = next_tuesday_at(10);
    assert!(
        refused(
            &call(
                &db,
                &conv,
                "n",
                "book_appointment",
                json!({"starts_at": ten.to_rfc3339()})
            )
            .await
        )
        .contains("not allowed")
    );
    assert!(appointments_of(&db, &t.customer).await.is_empty());
    assert!(actions(&db, b, &t.customer.id).await.is_empty());
    assert_eq!(outbox_subjects(&db).await, subjects_before);
    let (bb, cc) = (b.clone(), t.customer.id.clone());
    assert!(
        db.run(move |conn| task::list_by_customer(conn, &bb, &cc))
            .await
            .unwrap()
            .is_empty()
    );
}
backend_test!(malformed_and_disallowed_calls_change_nothing => agent_malformed_sqlite, agent_malformed_postgres);

async fn hand_off_and_whatsapp_requests_notify_and_wait_for_a_person(db: Db) {
    let t = tenant(&db, "מספרה", 1).await;
    let b = &t.business.id;
    agent::put(
        &db,
        b,
        DefinitionInput {
            allowed_actions: vec!["hand_off".into(), "send_whatsapp".into()],
            ..input()
        },
    )
    .await
    .unwrap();
    let wa = conversation(b, &t.customer.phone, AgentChannel::Whatsapp);
    let before = outbox_subjects(&db).await.len();

    let sent = call(
        &db,
        &wa,
        "w",
        "send_whatsapp",
        json!({"text": "הכתובת: הרצל 10"}),
    )
    .await;
    assert!(sent.ok, "{sent:?}");
    let subjects = outbox_subjects(&db).await;
    assert_eq!(
        subjects[before..],
        [format!("al.{b}.agent.whatsapp_requested")]
    );

    let handed = call(&db, &wa, "h", "hand_off", json!({"reason": "שאלה על מחיר"})).await;
    assert!(handed.ok, "{handed:?}");
    assert_eq!(handed.handoff_phone, None, "WhatsApp is not dialled");
    let state = agent::conversation(&db, b, &t.customer.id).await.unwrap();
    assert!(state.waiting_for_human && !state.agent_may_answer());
    // Staff are told: a task about the customer, and its task.created event.
    let (bb, cc) = (b.clone(), t.customer.id.clone());
    let tasks = db
        .run(move |conn| task::list_by_customer(conn, &bb, &cc))
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    assert!(tasks[0].title.contains("שאלה על מחיר"));
    assert!(
        outbox_subjects(&db)
            .await
            .contains(&format!("al.{b}.task.created"))
    );
    // Staff resume: the agent may answer again; pause and it may not.
    let resumed = agent::set_paused(&db, b, &t.customer.id, false)
        .await
        .unwrap();
    assert!(resumed.agent_may_answer());
    assert!(
        !agent::set_paused(&db, b, &t.customer.id, true)
            .await
            .unwrap()
            .agent_may_answer()
    );

    // On a call the hand-off names the number to dial.
    let phone_call = conversation(b, &t.customer.phone, AgentChannel::Call);
    let dial = call(
        &db,
        &phone_call,
        "h2",
        "hand_off",
        json!({"reason": "רוצה לדבר עם רונית"}),
    )
    .await;
    assert_eq!(dial.handoff_phone.as_deref(), Some("+972507654321"));
    // A retried webhook repeats the call: the first answer, no second task, and it still dials.
    let tasks_before = db
        .run({
            let (b, c) = (b.clone(), dial.customer_id.clone().unwrap());
            move |conn| task::list_by_customer(conn, &b, &c)
        })
        .await
        .unwrap()
        .len();
    let again = call(
        &db,
        &phone_call,
        "h2",
        "hand_off",
        json!({"reason": "רוצה לדבר עם רונית"}),
    )
    .await;
    assert_eq!(again.result, dial.result);
    assert_eq!(again.handoff_phone.as_deref(), Some("+972507654321"));
    let tasks_after = db
        .run({
            let (b, c) = (b.clone(), dial.customer_id.clone().unwrap());
            move |conn| task::list_by_customer(conn, &b, &c)
        })
        .await
        .unwrap()
        .len();
    assert_eq!(tasks_after, tasks_before);
    // Another business's customer has no conversation here.
    let other = tenant(&db, "אחר", 2).await;
    assert!(
        agent::conversation(&db, b, &other.customer.id)
            .await
            .is_err()
    );
}
backend_test!(hand_off_and_whatsapp_requests_notify_and_wait_for_a_person => agent_hand_off_sqlite, agent_hand_off_postgres);
