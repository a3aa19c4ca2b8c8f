use chrono::Duration;
use crm_svc::{
    Db, backend_test,
    contracts::document_sha256,
    contracts::queries::ContractFilter,
    demo::{DemoActivity, seed_demo},
    enums::{ContractStatus, InvoiceStatus},
    invoices,
    invoices::queries::InvoiceFilter,
    outbox::queries as outbox,
    reports, signatures, tasks,
    tasks::queries::TaskFilter,
    time,
    timeline::{TimelineKind, timeline},
};
use std::collections::HashSet;

async fn demo_history_is_seeded_once_and_hangs_together(db: Db) {
    let first = seed_demo(&db).await.unwrap();
    assert_eq!(
        first.activity,
        Some(DemoActivity {
            customers: 13,
            calls: 38,
            whatsapp_messages: 56,
            tasks: 32,
            invoices: 7,
            contracts: 5,
            signatures: 3,
            proposals: 3,
            appointments: 4,
            agent_actions: 13,
        })
    );
    let events_after_first = db.run(outbox::all).await.unwrap().len();
    let second = seed_demo(&db).await.unwrap();
    assert_eq!(second.activity, None, "the history is seeded once");
    assert_eq!(db.run(outbox::all).await.unwrap().len(), events_after_first);
    // Only the customers announced themselves.
    assert!(
        db.run(outbox::all)
            .await
            .unwrap()
            .iter()
            .all(|r| r.subject.ends_with(".customer.created"))
    );

    let bid = first.business_id.clone();
    // The first demo customer has calls (Hebrew transcripts), messages, a task, an invoice and
    // a signed contract, merged on one timeline, newest first.
    let page = crm_svc::customers::list(&db, &bid, 1, 100, None, None)
        .await
        .unwrap();
    let oldest = page.items.last().unwrap().clone();
    assert!(
        time::now() - oldest.created_at > Duration::days(150),
        "customers are spread over months"
    );
    let items = timeline(&db, &bid, &oldest.id, None, Some(200))
        .await
        .unwrap();
    let kinds: HashSet<_> = items.iter().map(|i| i.kind).collect();
    for kind in TimelineKind::ALL {
        assert!(
            kinds.contains(&kind),
            "no {kind} on the timeline: {kinds:?}"
        );
    }
    let key = |i: &crm_svc::timeline::TimelineItem| (i.ts.is_some(), i.ts, i.kind, i.id.clone());
    assert!(items.windows(2).all(|w| key(&w[0]) > key(&w[1])));
    let call = items.iter().find(|i| i.kind == TimelineKind::Call).unwrap();
    let transcript = call.data["transcript"].as_str().unwrap_or_default();
    assert!(
        transcript
            .chars()
            .any(|c| ('\u{05d0}'..='\u{05ea}').contains(&c)),
        "{transcript:?}"
    );
    let first_ts = items.iter().filter_map(|i| i.ts).min().unwrap();
    let last_ts = items.iter().filter_map(|i| i.ts).max().unwrap();
    assert!(
        last_ts - first_ts > Duration::days(60),
        "history spans months"
    );

    // Issued invoices are numbered 1..n in issue order; the draft has no number.
    let all = invoices::list(
        &db,
        &bid,
        1,
        100,
        InvoiceFilter::default(),
        Some(invoices::parse_sort("number").unwrap()),
    )
    .await
    .unwrap();
    let issued: Vec<_> = all.items.iter().filter(|i| i.number.is_some()).collect();
    assert_eq!(
        issued.iter().map(|i| i.number.unwrap()).collect::<Vec<_>>(),
        (1..=6).collect::<Vec<_>>()
    );
    assert!(issued.windows(2).all(|w| w[0].issued_at <= w[1].issued_at));
    assert_eq!(
        all.items
            .iter()
            .filter(|i| i.status == InvoiceStatus::Draft && i.number.is_none())
            .count(),
        1
    );
    // The next real invoice continues the sequence.
    let new = invoices::create(
        &db,
        &bid,
        invoices::NewInvoice {
            customer_id: oldest.id.clone(),
            items: vec![crm_svc::line_items::LineItem::new("בדיקה", 1, 100)],
            due_at: None,
        },
    )
    .await
    .unwrap();
    let new = invoices::update(
        &db,
        &bid,
        &new.id,
        invoices::InvoicePatch {
            status: Some(InvoiceStatus::Sent),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(new.number, Some(7));

    // Signed contracts carry a signature of exactly their text.
    let signed = crm_svc::contracts::list(
        &db,
        &bid,
        1,
        100,
        ContractFilter {
            status: Some(ContractStatus::Signed),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(signed.total, 3);
    for c in &signed.items {
        let sigs = signatures::list_for_contract(&db, &bid, &c.id)
            .await
            .unwrap();
        assert_eq!(sigs.len(), 1);
        assert_eq!(
            sigs[0].document_sha256.as_deref(),
            Some(document_sha256(&c.title, &c.body).as_str())
        );
    }

    // Past-due demo tasks are not announced again; upcoming ones are open.
    let open = tasks::list(
        &db,
        &bid,
        1,
        100,
        TaskFilter {
            done: Some(false),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();
    let now = time::now();
    assert!(open.items.iter().any(|t| t.due_at > Some(now)));
    assert!(
        open.items
            .iter()
            .filter(|t| t.due_at < Some(now))
            .all(|t| t.notified_at.is_some())
    );

    // The report over the demo's half year sees all of it.
    let s = reports::summary(
        &db,
        &bid,
        now - Duration::days(365),
        now + Duration::days(1),
    )
    .await
    .unwrap();
    assert_eq!(s.new_customers, 50);
    assert_eq!(s.calls.total, 38);
    assert!(s.calls.answered > 0 && s.calls.missed > 0);
    assert!(s.calls.average_duration_seconds >= 40);
    assert_eq!(s.whatsapp.inbound + s.whatsapp.outbound, 56);
    assert!(s.invoices.paid > 0 && s.invoices.paid_total_agorot > 0);
}
backend_test!(demo_history_is_seeded_once_and_hangs_together => demo_history_sqlite, demo_history_postgres);
