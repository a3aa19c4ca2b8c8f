//! Israeli documents through the gateway: the business's legal details, document types and
//! their numbering, credit notes, immutability of issued documents, and bad input — on the
//! embedded default and on PostgreSQL + NATS.

use agentlocator_tests::{Api, Bus, Db, TestStack};
use reqwest::Method;
use serde_json::{Value, json};

#[track_caller]
fn assert_invalid(res: (u16, Value), field: &str) {
    let (s, e) = res;
    assert_eq!(
        (s, e["error"].as_str()),
        (422, Some("validation_error")),
        "{e}"
    );
    assert_eq!(e["field"], field, "{e}");
}

#[track_caller]
fn created(res: (u16, Value)) -> Value {
    assert_eq!(res.0, 201, "{}", res.1);
    res.1
}

#[track_caller]
fn ok(res: (u16, Value)) -> Value {
    assert_eq!(res.0, 200, "{}", res.1);
    res.1
}

async fn put(api: &Api, path: &str, body: Value) -> (u16, Value) {
    api.call(
        Method::PUT,
        path,
        Some(agentlocator_tests::Body::Json(body)),
    )
    .await
}

async fn documents(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let business = crm_svc::businesses::create(&stack.db().await, "סטודיו נועה", "studio-noa")
        .await
        .expect("business")
        .id
        .as_str()
        .to_string();
    let owner = Api::new(&stack, Some(stack.sign_in(&business, "owner").await));
    let agent = Api::new(&stack, Some(stack.sign_in(&business, "agent").await));

    // The legal details: a wrong check digit is a 422 naming the field and changes nothing.
    assert_invalid(
        owner
            .patch(
                "/api/business",
                json!({"tax_id": "515146463", "address": "x"}),
            )
            .await,
        "tax_id",
    );
    assert_invalid(
        owner
            .patch("/api/business", json!({"vat_status": "sometimes"}))
            .await,
        "vat_status",
    );
    let b = ok(owner
        .patch(
            "/api/business",
            json!({"legal_name": "נועה לוי", "tax_id": "51-514646-2", "address": "הרצל 1, חיפה"}),
        )
        .await);
    assert_eq!(
        (&b["tax_id"], &b["vat_status"], &b["address"]),
        (
            &json!("515146462"),
            &json!("licensed"),
            &json!("הרצל 1, חיפה")
        )
    );

    let customer = created(
        agent
            .post(
                "/api/crm/customers",
                json!({"name": "מוסך הצפון", "phone": "054-7654321"}),
            )
            .await,
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let line = |agorot: i64| json!([{"description": "עיצוב לוגו", "quantity": 1, "unit_price_agorot": agorot}]);

    // Bad input: a wrong customer tax id, a receipt without a payment method, a negative
    // quantity, amounts past i64, a 10,000-line invoice — each a 422 naming the field.
    assert_invalid(
        agent
            .post(
                "/api/invoices",
                json!({"customer_id": customer, "items": line(100), "customer_tax_id": "123456789"}),
            )
            .await,
        "customer_tax_id",
    );
    assert_invalid(
        agent
            .post(
                "/api/invoices",
                json!({"customer_id": customer, "items": line(100), "doc_type": "receipt"}),
            )
            .await,
        "payment_method",
    );
    assert_invalid(
        agent
            .post(
                "/api/invoices",
                json!({"customer_id": customer, "items": line(100), "doc_type": "quote"}),
            )
            .await,
        "doc_type",
    );
    assert_invalid(
        agent
            .post(
                "/api/invoices",
                json!({"customer_id": customer, "items": [{"description": "x", "quantity": -2, "unit_price_agorot": 100}]}),
            )
            .await,
        "items",
    );
    assert_invalid(
        agent
            .post(
                "/api/invoices",
                json!({"customer_id": customer, "items": [{"description": "x", "quantity": i64::MAX, "unit_price_agorot": i64::MAX}]}),
            )
            .await,
        "items",
    );
    let many: Vec<Value> = (0..10_000)
        .map(|_| json!({"description": "שורה", "quantity": 1, "unit_price_agorot": 1}))
        .collect();
    let (s, e) = agent
        .post(
            "/api/invoices",
            json!({"customer_id": customer, "items": many}),
        )
        .await;
    assert!((s == 422 && e["field"] == "items") || s == 413, "{s} {e}");
    // A quantity past i64 is not a number the API takes at all.
    let (s, e) = agent
        .call(
            Method::POST,
            "/api/invoices",
            Some(agentlocator_tests::Body::Raw(
                format!(
                    r#"{{"customer_id":"{customer}","items":[{{"description":"x","quantity":99999999999999999999,"unit_price_agorot":1}}]}}"#
                )
                .into_bytes(),
            )),
        )
        .await;
    assert!(matches!(s, 400 | 422), "{s} {e}");
    assert_eq!(
        ok(agent.get("/api/invoices").await)["total"],
        0,
        "nothing was written"
    );

    // The first tax invoice number, set before the first document.
    assert_eq!(
        put(
            &agent,
            "/api/invoices/numbering/tax_invoice",
            json!({"first_number": 100})
        )
        .await
        .0,
        403,
        "an agent cannot move the numbering"
    );
    let seq = ok(put(
        &owner,
        "/api/invoices/numbering/tax_invoice",
        json!({"first_number": 100}),
    )
    .await);
    assert_eq!(
        (&seq["next_number"], &seq["started"]),
        (&json!(100), &json!(false))
    );

    // A tax invoice to a business customer: issued, numbered from 100, its parties printed.
    let inv = created(
        agent
            .post(
                "/api/invoices",
                json!({"customer_id": customer, "items": line(100_000), "customer_tax_id": "515146462"}),
            )
            .await,
    );
    assert_eq!(
        (&inv["doc_type"], &inv["number"], &inv["parties"]),
        (&json!("tax_invoice"), &Value::Null, &Value::Null)
    );
    let path = format!("/api/invoices/{}", inv["id"].as_str().unwrap());
    let inv = ok(agent.patch(&path, json!({"status": "sent"})).await);
    assert_eq!(inv["number"], 100);
    assert_eq!(inv["total_agorot"], 118_000);
    assert_eq!(inv["parties"]["seller_legal_name"], "נועה לוי");
    assert_eq!(inv["parties"]["seller_tax_id"], "515146462");
    assert_eq!(inv["parties"]["customer_name"], "מוסך הצפון");
    assert_eq!(inv["parties"]["customer_tax_id"], "515146462");
    // Issued: no edits (409), and its numbering is fixed now.
    let (s, e) = agent.patch(&path, json!({"items": line(1)})).await;
    assert_eq!((s, e["error"].as_str()), (409, Some("conflict")), "{e}");
    let (s, e) = put(
        &owner,
        "/api/invoices/numbering/tax_invoice",
        json!({"first_number": 1}),
    )
    .await;
    assert_eq!(s, 409, "{e}");

    // A receipt is paid when issued and has its own sequence.
    let r = created(
        agent
            .post(
                "/api/invoices",
                json!({"customer_id": customer, "items": line(118_000), "doc_type": "receipt", "payment_method": "bit"}),
            )
            .await,
    );
    let r = ok(agent
        .patch(
            &format!("/api/invoices/{}", r["id"].as_str().unwrap()),
            json!({"status": "sent"}),
        )
        .await);
    assert_eq!(
        (
            &r["number"],
            &r["status"],
            &r["vat_agorot"],
            &r["payment_method"]
        ),
        (&json!(1), &json!("paid"), &json!(0), &json!("bit"))
    );

    // Credit notes: within the invoice's total, counted together.
    let credit = |agorot: i64| json!({"customer_id": customer, "items": line(agorot), "doc_type": "credit_note", "credited_invoice_id": inv["id"]});
    assert_invalid(agent.post("/api/invoices", credit(100_001)).await, "items");
    let c = created(agent.post("/api/invoices", credit(60_000)).await);
    let c = ok(agent
        .patch(
            &format!("/api/invoices/{}", c["id"].as_str().unwrap()),
            json!({"status": "sent"}),
        )
        .await);
    assert_eq!(
        (&c["number"], &c["total_agorot"], &c["credited_invoice_id"]),
        (&json!(1), &json!(70_800), &inv["id"])
    );
    assert_invalid(agent.post("/api/invoices", credit(40_001)).await, "items");

    // Above ₪5,000 before VAT (the threshold since 2026-06-01) to a business customer: it needs
    // an allocation number; the ₪1,000 one and a private customer's do not.
    assert_eq!(inv["allocation_required"], false);
    let big = created(
        agent
            .post(
                "/api/invoices",
                json!({"customer_id": customer, "items": line(600_000), "customer_tax_id": "515146462"}),
            )
            .await,
    );
    assert_eq!(big["allocation_required"], true, "{big}");
    let private = created(
        agent
            .post(
                "/api/invoices",
                json!({"customer_id": customer, "items": line(600_000)}),
            )
            .await,
    );
    assert_eq!(private["allocation_required"], false);

    // The issued invoice's PDF: the same bytes on every download, a copy marked apart, none
    // for a draft, none for another business.
    let download = |path: String, token: Option<String>| {
        let url = stack.url(&path);
        async move {
            let mut req = reqwest::Client::new().get(url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("request");
            let status = res.status().as_u16();
            let ct = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (status, ct, res.bytes().await.unwrap().to_vec())
        }
    };
    let token = || agent.token().map(str::to_owned);
    let pdf_path = format!("/api/documents/{}/pdf", inv["id"].as_str().unwrap());
    let (s, ct, first) = download(pdf_path.clone(), token()).await;
    assert_eq!((s, ct.as_str()), (200, "application/pdf"));
    assert!(first.starts_with(b"%PDF-"));
    let (_, _, again) = download(pdf_path.clone(), token()).await;
    assert_eq!(first, again, "the same bytes on every download");
    let (s, _, copy) = download(format!("{pdf_path}?copy=true"), token()).await;
    assert_eq!(s, 200);
    assert_ne!(copy, first);
    let (s, _, _) = download(
        format!("/api/documents/{}/pdf", big["id"].as_str().unwrap()),
        token(),
    )
    .await;
    assert_eq!(s, 409, "a draft has no PDF");
    let demo = stack.demo_business().await;
    let stranger = Api::new(&stack, Some(stack.sign_in(&demo, "owner").await));
    let (s, _, _) = download(pdf_path.clone(), stranger.token().map(str::to_owned)).await;
    assert_eq!(s, 404);
    let (s, _, _) = download(pdf_path, None).await;
    assert_eq!(s, 401);

    let numbering = ok(agent.get("/api/invoices/numbering").await);
    let next: Vec<(String, i64)> = numbering["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["doc_type"].as_str().unwrap().to_owned(),
                s["next_number"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        next,
        [
            ("tax_invoice".to_owned(), 101),
            ("tax_invoice_receipt".to_owned(), 1),
            ("receipt".to_owned(), 2),
            ("credit_note".to_owned(), 2),
        ]
    );
    stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn documents_sqlite() {
    documents(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn documents_postgres_nats() {
    documents(Db::Postgres, Bus::Nats).await;
}
