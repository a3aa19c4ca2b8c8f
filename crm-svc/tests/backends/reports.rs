use crate::fixtures::{Tenant, assert_not_found, at, invalid_field, tenant};
use chrono::NaiveDateTime;
use crm_svc::{
    Db, backend_test,
    calls::Call,
    calls::queries as call,
    customers::Customer,
    customers::queries as customer,
    enums::{
        CustomerSource, CustomerStatus, DocType, InvoiceStatus, PaymentMethod, TranscriptStatus,
    },
    ids::{CallId, CustomerId, InvoiceId, TaskId, WhatsAppMessageId},
    invoices::Invoice,
    invoices::queries as invoice,
    reports::{CallStats, InvoiceStats, TaskStats, WhatsAppStats, summary, summary_as_of},
    tasks::Task,
    tasks::queries as task,
    whatsapp::WhatsAppMessage,
    whatsapp::queries as whatsapp_message,
};

/// Rows of every kind for `t`, inside and outside the period [at(0), at(1000)).
async fn seed(db: &Db, t: &Tenant, n: u32) {
    let b = t.business.id.clone();
    let c = t.customer.id.clone();
    db.transaction(move |conn| {
        // Customers created at -10 (outside), 10 and 500 (inside), 1000 (outside: `to` is
        // exclusive). The tenant's own customer was created now (outside).
        for (i, m) in [-10, 10, 500, 1000].into_iter().enumerate() {
            customer::insert(
                conn,
                &Customer {
                    id: CustomerId::generate(),
                    business_id: b.clone(),
                    name: format!("לקוח {i}"),
                    phone: format!("+97252{n}{:06}", i),
                    email: None,
                    status: CustomerStatus::Lead,
                    source: CustomerSource::Import,
                    notes: String::new(),
                    created_at: at(m),
                    updated_at: at(m),
                },
            )?;
        }
        // Calls: answered 30 s + 61 s, missed ×2, ringing ×1, and one answered outside.
        for (i, (status, seconds, m)) in [
            ("completed", 30, 1),
            ("in-progress", 61, 2),
            ("no-answer", 0, 3),
            ("busy", 0, 4),
            ("ringing", 0, 5),
            ("completed", 999, 2000),
        ]
        .into_iter()
        .enumerate()
        {
            call::insert(
                conn,
                &Call {
                    id: CallId::generate(),
                    business_id: b.clone(),
                    twilio_sid: format!("CA{n}-{i}-{}", CallId::generate()),
                    customer_id: Some(c.clone()),
                    direction: "inbound".into(),
                    from_number: "+972501234567".into(),
                    to_number: "+97231234567".into(),
                    status: status.into(),
                    started_at: at(m),
                    ended_at: None,
                    duration_seconds: seconds,
                    recording_url: None,
                    transcript: None,
                    transcript_status: TranscriptStatus::None,
                    ai_replies: "[]".into(),
                    created_at: at(m),
                    updated_at: at(m),
                },
            )?;
        }
        // WhatsApp: 3 in, 2 out inside; 1 in outside.
        for (i, (direction, m)) in [
            ("inbound", 1),
            ("inbound", 2),
            ("inbound", 3),
            ("outbound", 4),
            ("outbound", 5),
            ("inbound", -5),
        ]
        .into_iter()
        .enumerate()
        {
            whatsapp_message::insert(
                conn,
                &WhatsAppMessage {
                    id: WhatsAppMessageId::generate(),
                    business_id: b.clone(),
                    provider_message_id: format!("wa-{n}-{i}"),
                    customer_id: Some(c.clone()),
                    direction: direction.into(),
                    from_number: "+972501234567".into(),
                    to_number: "+97231234567".into(),
                    body: "שלום".into(),
                    status: "received".into(),
                    created_at: at(m),
                    updated_at: at(m),
                },
            )?;
        }
        // Tasks: done at 100 and 200 (inside), done at 5000 (outside); open and due at 300
        // (overdue as of 600), open and due at 700 (not yet due as of 600), open due at -50
        // (before the period).
        for (done_at, due_at) in [
            (Some(100), Some(50)),
            (Some(200), None),
            (Some(5000), Some(10)),
            (None, Some(300)),
            (None, Some(700)),
            (None, Some(-50)),
        ] {
            task::insert(
                conn,
                &Task {
                    id: TaskId::generate(),
                    business_id: b.clone(),
                    customer_id: None,
                    title: "משימה".into(),
                    due_at: due_at.map(at),
                    done: done_at.is_some(),
                    done_at: done_at.map(at),
                    assignee_id: None,
                    notified_at: None,
                    created_at: at(-1000),
                    updated_at: at(-1000),
                },
            )?;
        }
        // Invoices: issued inside (11,800 and 23,600; the second paid inside too), issued inside
        // but cancelled, issued before and paid inside (5,900), a draft.
        let inv = |number: Option<i64>,
                   status: InvoiceStatus,
                   total: i64,
                   issued: Option<i64>,
                   paid: Option<i64>| Invoice {
            id: InvoiceId::generate(),
            business_id: b.clone(),
            customer_id: c.clone(),
            number,
            status,
            items: "[]".into(),
            subtotal_agorot: total,
            vat_agorot: 0,
            total_agorot: total,
            vat_rate_bp: 1800,
            issued_at: issued.map(at),
            due_at: None,
            paid_at: paid.map(at),
            created_at: at(-2000),
            updated_at: at(-2000),
            doc_type: DocType::TaxInvoice,
            payment_method: None,
            credited_invoice_id: None,
            customer_tax_id: None,
            parties: None,
            allocation_status: None,
            allocation_number: None,
            allocation_reason: None,
        };
        let paid_in_part = inv(Some(2), InvoiceStatus::Paid, 23_600, Some(20), Some(30));
        let cancelled = inv(Some(3), InvoiceStatus::Cancelled, 99_900, Some(40), None);
        // Credit notes: 1,180 of the second (net sales drop by it), and the whole of the
        // cancelled one (which counts neither way). A receipt (2,000) is a payment, not a sale.
        let credit = |of: &Invoice, number: i64, total: i64, issued: i64| Invoice {
            doc_type: DocType::CreditNote,
            credited_invoice_id: Some(of.id.clone()),
            ..inv(Some(number), InvoiceStatus::Sent, total, Some(issued), None)
        };
        let credit_notes = [
            credit(&paid_in_part, 1, 1_180, 25),
            credit(&cancelled, 2, 99_900, 45),
        ];
        let rows = [
            inv(Some(1), InvoiceStatus::Sent, 11_800, Some(10), None),
            paid_in_part,
            cancelled,
            inv(Some(4), InvoiceStatus::Paid, 5_900, Some(-100), Some(50)),
            Invoice {
                doc_type: DocType::Receipt,
                payment_method: Some(PaymentMethod::Cash),
                vat_rate_bp: 0,
                ..inv(Some(1), InvoiceStatus::Paid, 2_000, Some(35), Some(35))
            },
            inv(None, InvoiceStatus::Draft, 1_000, None, None),
        ];
        // The credited invoices first: a credit note refers to one.
        for row in rows.into_iter().chain(credit_notes) {
            invoice::insert(conn, &row)?;
        }
        Ok(())
    })
    .await
    .unwrap();
}

async fn counts_and_sums_the_period_of_one_business(db: Db) {
    let t = tenant(&db, "עסק", 1).await;
    let other = tenant(&db, "אחר", 2).await;
    seed(&db, &t, 1).await;
    seed(&db, &other, 2).await;
    let (from, to, now): (NaiveDateTime, NaiveDateTime, NaiveDateTime) = (at(0), at(1000), at(600));
    let s = summary_as_of(&db, &t.business.id, from, to, now)
        .await
        .unwrap();
    assert_eq!(s.new_customers, 2);
    assert_eq!(
        s.calls,
        CallStats {
            total: 5,
            answered: 2,
            missed: 2,
            average_duration_seconds: 46, // (30 + 61) / 2 = 45.5 → 46
        }
    );
    assert_eq!(
        s.whatsapp,
        WhatsAppStats {
            inbound: 3,
            outbound: 2
        }
    );
    assert_eq!(
        s.tasks,
        TaskStats {
            done: 2,
            overdue: 1
        }
    );
    assert_eq!(
        s.invoices,
        InvoiceStats {
            issued: 2,
            issued_total_agorot: 35_400 - 1_180,
            paid: 3,
            paid_total_agorot: 23_600 + 5_900 + 2_000,
        }
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["calls"]["average_duration_seconds"], 46);
    assert_eq!(json["from"], "2026-06-01T09:00:00Z");

    // Later, the task due at 700 is overdue too.
    let later = summary_as_of(&db, &t.business.id, from, to, at(5000))
        .await
        .unwrap();
    assert_eq!(later.tasks.overdue, 2);

    // An empty period, and the real clock.
    let empty = summary(&db, &t.business.id, at(100_000), at(100_001))
        .await
        .unwrap();
    assert_eq!(
        (empty.new_customers, empty.calls, empty.invoices),
        (0, CallStats::default(), InvoiceStats::default())
    );
    assert_eq!(
        invalid_field(summary(&db, &t.business.id, at(10), at(10)).await),
        "to"
    );
    assert_not_found(summary(&db, &"nope".into(), from, to).await);
}
backend_test!(counts_and_sums_the_period_of_one_business => reports_sqlite, reports_postgres);
