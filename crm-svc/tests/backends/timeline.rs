use crate::fixtures::{Tenant, assert_not_found, at, customer, invalid_field, tenant};
use chrono::NaiveDateTime;
use crm_svc::{
    Db, DbConn, Result,
    agent::queries::{self, AgentAction},
    backend_test,
    calls::Call,
    calls::queries as call,
    contracts::Contract,
    contracts::queries as contract,
    enums::{AgentChannel, ContractStatus, DocType, InvoiceStatus, TranscriptStatus},
    ids::{
        AgentActionId, BusinessId, CallId, ContractId, CustomerId, InvoiceId, TaskId,
        WhatsAppMessageId,
    },
    invoices::Invoice,
    invoices::queries as invoice,
    tasks::Task,
    tasks::queries as task,
    timeline::{TimelineCursor, TimelineItem, TimelineKind, timeline},
    whatsapp::WhatsAppMessage,
    whatsapp::queries as whatsapp_message,
};

/// Inserts one item of `kind` for `customer` of `business` at `ts` (`None`: an undated task) and
/// returns its id.
fn insert(
    conn: &mut DbConn,
    business: &BusinessId,
    customer: &CustomerId,
    kind: TimelineKind,
    ts: Option<NaiveDateTime>,
    n: usize,
) -> Result<String> {
    let created = ts.unwrap_or_else(|| at(0));
    let b = business.clone();
    let c = Some(customer.clone());
    Ok(match kind {
        TimelineKind::Agent => {
            let row = AgentAction {
                id: AgentActionId::generate(),
                business_id: b,
                customer_id: c,
                channel: AgentChannel::Whatsapp,
                conversation_ref: "+972501234567".into(),
                turn_ref: format!("wa-{n}"),
                turn_text: format!("הודעה {n}"),
                tool_call_id: format!("call-{n}"),
                tool: "create_task".into(),
                arguments: "{}".into(),
                result: "{}".into(),
                summary: format!("פעולה {n}"),
                created_at: created,
            };
            queries::insert_action(conn, &row)?;
            row.id.to_string()
        }
        TimelineKind::Call => {
            let row = Call {
                id: CallId::generate(),
                business_id: b,
                twilio_sid: format!("CA{}", CallId::generate()),
                customer_id: c,
                direction: "inbound".into(),
                from_number: "+972501234567".into(),
                to_number: "+97231234567".into(),
                status: "completed".into(),
                started_at: created,
                ended_at: None,
                duration_seconds: 30,
                recording_url: None,
                transcript: Some(format!("שיחה {n}")),
                transcript_status: TranscriptStatus::Done,
                ai_replies: "[\"שלום\"]".into(),
                created_at: created,
                updated_at: created,
            };
            call::insert(conn, &row)?;
            row.id.to_string()
        }
        TimelineKind::Whatsapp => {
            let row = WhatsAppMessage {
                id: WhatsAppMessageId::generate(),
                business_id: b,
                provider_message_id: format!("wa-{}", WhatsAppMessageId::generate()),
                customer_id: c,
                direction: "inbound".into(),
                from_number: "+972501234567".into(),
                to_number: "+97231234567".into(),
                body: format!("הודעה {n}"),
                status: "received".into(),
                created_at: created,
                updated_at: created,
            };
            whatsapp_message::insert(conn, &row)?;
            row.id.to_string()
        }
        TimelineKind::Task => {
            let row = Task {
                id: TaskId::generate(),
                business_id: b,
                customer_id: c,
                title: format!("משימה {n}"),
                due_at: ts,
                done: false,
                done_at: None,
                assignee_id: None,
                notified_at: None,
                created_at: at(-100_000),
                updated_at: at(-100_000),
            };
            task::insert(conn, &row)?;
            row.id.to_string()
        }
        TimelineKind::Contract => {
            let row = Contract {
                id: ContractId::generate(),
                business_id: b,
                customer_id: customer.clone(),
                title: format!("חוזה {n}"),
                body: "גוף".into(),
                status: ContractStatus::Draft,
                created_at: created,
                updated_at: created,
            };
            contract::insert(conn, &row)?;
            row.id.to_string()
        }
        TimelineKind::Invoice => {
            let row = Invoice {
                id: InvoiceId::generate(),
                business_id: b,
                customer_id: customer.clone(),
                number: None,
                status: InvoiceStatus::Draft,
                items: "[]".into(),
                subtotal_agorot: 0,
                vat_agorot: 0,
                total_agorot: 0,
                vat_rate_bp: 1800,
                issued_at: None,
                due_at: None,
                paid_at: None,
                created_at: created,
                updated_at: created,
                doc_type: DocType::TaxInvoice,
                payment_method: None,
                credited_invoice_id: None,
                customer_tax_id: None,
                parties: None,
                allocation_status: None,
                allocation_number: None,
                allocation_reason: None,
            };
            invoice::insert(conn, &row)?;
            row.id.to_string()
        }
    })
}

/// Items of every kind, with ties on the time (across kinds and within a kind) and undated tasks.
async fn seed(db: &Db, t: &Tenant) -> Vec<(TimelineKind, String, Option<NaiveDateTime>)> {
    use TimelineKind::*;
    let plan: Vec<(TimelineKind, Option<i64>)> = vec![
        (Call, Some(10)),
        (Whatsapp, Some(10)),
        (Task, Some(10)),
        (Contract, Some(10)),
        (Invoice, Some(10)),
        (Call, Some(10)),
        (Whatsapp, Some(20)),
        (Whatsapp, Some(5)),
        (Task, None),
        (Task, None),
        (Task, Some(30)),
        (Invoice, Some(1)),
        (Contract, Some(25)),
        (Call, Some(40)),
    ];
    let (b, c) = (t.business.id.clone(), t.customer.id.clone());
    db.transaction(move |conn| {
        let mut out = Vec::new();
        for (n, (kind, minutes)) in plan.into_iter().enumerate() {
            let ts = minutes.map(at);
            out.push((kind, insert(conn, &b, &c, kind, ts, n)?, ts));
        }
        Ok(out)
    })
    .await
    .unwrap()
}

fn expected_order(
    mut rows: Vec<(TimelineKind, String, Option<NaiveDateTime>)>,
) -> Vec<(TimelineKind, String)> {
    rows.sort_by(|x, y| (y.2.is_some(), y.2, y.0, &y.1).cmp(&(x.2.is_some(), x.2, x.0, &x.1)));
    rows.into_iter().map(|(k, id, _)| (k, id)).collect()
}

fn keys(items: &[TimelineItem]) -> Vec<(TimelineKind, String)> {
    items.iter().map(|i| (i.kind, i.id.clone())).collect()
}

async fn merges_every_source_in_strict_order_and_pages_by_cursor(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let other_customer = customer(&db, &t.business, 2).await;
    let rows = seed(&db, &t).await;
    // Noise: another customer of the same business.
    {
        let (b, c) = (t.business.id.clone(), other_customer.id.clone());
        db.transaction(move |conn| {
            for kind in TimelineKind::ALL {
                insert(conn, &b, &c, kind, Some(at(15)), 0)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    }
    let expected = expected_order(rows.clone());
    let (bid, cid) = (&t.business.id, &t.customer.id);

    let all = timeline(&db, bid, cid, None, None).await.unwrap();
    assert_eq!(keys(&all), expected);
    // Each item carries its entity's JSON and its time.
    let first = &all[0];
    assert_eq!((first.kind, first.ts), (TimelineKind::Call, Some(at(40))));
    assert_eq!(first.data["id"], first.id);
    assert_eq!(first.data["transcript_status"], "done");
    let json = serde_json::to_value(first).unwrap();
    assert_eq!(json["kind"], "call");
    assert_eq!(json["ts"], "2026-06-01T09:40:00Z");
    let undated = all.last().unwrap();
    assert_eq!((undated.kind, undated.ts), (TimelineKind::Task, None));
    assert!(serde_json::to_value(undated).unwrap()["ts"].is_null());

    // Paging with the cursor of the last item visits everything exactly once, for any size.
    for limit in [1, 2, 3, 5, 13] {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = timeline(&db, bid, cid, cursor.clone(), Some(limit))
                .await
                .unwrap();
            assert!(page.len() as i64 <= limit);
            let Some(last) = page.last() else { break };
            // Through the text form, as a client would send it back.
            cursor = Some(
                TimelineCursor::after(last)
                    .to_string()
                    .parse::<TimelineCursor>()
                    .unwrap(),
            );
            seen.extend(keys(&page));
        }
        assert_eq!(seen, expected, "limit {limit}");
    }

    // A bare timestamp: strictly older items (and the undated ones).
    let older = timeline(&db, bid, cid, Some(TimelineCursor::before(at(10))), None)
        .await
        .unwrap();
    let want: Vec<_> = rows
        .iter()
        .filter(|r| r.2.is_none_or(|ts| ts < at(10)))
        .cloned()
        .collect();
    assert_eq!(keys(&older), expected_order(want));

    assert_eq!(
        invalid_field(timeline(&db, bid, cid, None, Some(0)).await),
        "limit"
    );
    // Clamped, not refused.
    assert_eq!(
        timeline(&db, bid, cid, None, Some(10_000))
            .await
            .unwrap()
            .len(),
        expected.len()
    );
}
backend_test!(merges_every_source_in_strict_order_and_pages_by_cursor => timeline_order_sqlite, timeline_order_postgres);

async fn another_business_sees_nothing(db: Db) {
    let a = tenant(&db, "א", 1).await;
    let b = tenant(&db, "ב", 2).await;
    seed(&db, &b).await;
    // A row of business A that (wrongly) points at B's customer must not leak into either.
    {
        let (aid, bc) = (a.business.id.clone(), b.customer.id.clone());
        db.transaction(move |conn| {
            insert(conn, &aid, &bc, TimelineKind::Call, Some(at(99)), 0)?;
            Ok(())
        })
        .await
        .unwrap();
    }
    assert_not_found(timeline(&db, &a.business.id, &b.customer.id, None, None).await);
    assert_not_found(timeline(&db, &a.business.id, &"nope".into(), None, None).await);
    assert!(
        timeline(&db, &a.business.id, &a.customer.id, None, None)
            .await
            .unwrap()
            .is_empty()
    );
    let theirs = timeline(&db, &b.business.id, &b.customer.id, None, None)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 14);
    assert!(theirs.iter().all(|i| i.ts != Some(at(99))));
}
backend_test!(another_business_sees_nothing => timeline_isolation_sqlite, timeline_isolation_postgres);

/// 10,000 events: deep pages are as correct as the first.
async fn ten_thousand_events_page_correctly(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let (b, c) = (t.business.id.clone(), t.customer.id.clone());
    db.transaction(move |conn| {
        for n in 0..10_000usize {
            let kind = TimelineKind::ALL[n % 5];
            // Minutes repeat every 1,000 events, so ties across kinds abound.
            let ts = (n % 97 != 0).then(|| at((n % 1_000) as i64));
            let ts = if kind == TimelineKind::Task {
                ts
            } else {
                Some(ts.unwrap_or(at(0)))
            };
            insert(conn, &b, &c, kind, ts, n)?;
        }
        Ok(())
    })
    .await
    .unwrap();
    let (bid, cid) = (&t.business.id, &t.customer.id);
    // Speed is measured by `cargo bench -p agentlocator-bench --bench crm_queries`
    // (BENCHMARKS.md), not asserted here.
    let first = timeline(&db, bid, cid, None, Some(50)).await.unwrap();
    assert_eq!(first.len(), 50);
    // Walk 40 pages of 200 and check the order never goes backwards nor repeats.
    let mut cursor = None;
    let mut previous: Option<TimelineItem> = None;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..40 {
        let page = timeline(&db, bid, cid, cursor.clone(), Some(200))
            .await
            .unwrap();
        for item in &page {
            assert!(seen.insert(item.id.clone()), "repeated {}", item.id);
            if let Some(p) = &previous {
                let key = |i: &TimelineItem| (i.ts.is_some(), i.ts, i.kind, i.id.clone());
                assert!(key(p) > key(item), "{p:?} then {item:?}");
            }
            previous = Some(item.clone());
        }
        match page.last() {
            Some(last) => cursor = Some(TimelineCursor::after(last)),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8_000);
}
backend_test!(ten_thousand_events_page_correctly => timeline_10k_sqlite, timeline_10k_postgres);
