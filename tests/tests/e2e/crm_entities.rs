//! Invoices, appointments, contracts, proposals, signatures, reports and the per-customer call
//! and WhatsApp lists through the gateway: happy paths, validation naming the field, tenant
//! isolation, roles and feature flags — on the embedded default and on PostgreSQL + NATS.

use agentlocator_tests::{Api, Bus, Db, TestStack};
use crm_svc::test_support::encode_png;
use serde_json::{Value, json};

/// A fresh business (A) with signed-in users, and the demo business (B), full of its own
/// invoices, contracts, calls and messages: A's lists must show exactly what a test created,
/// never B's rows, and B must get 404 for every record of A.
struct Tenants {
    stack: TestStack,
    business: String,
    /// An agent of A.
    a: Api,
    /// The owner of B (the demo business).
    b: Api,
    /// A read-only user of A.
    reader: Api,
    /// The owner of A (settings, feature flags).
    owner: Api,
}

async fn tenants(db: Db, bus: Bus) -> Tenants {
    let stack = TestStack::start(db, bus).await;
    let demo = stack.demo_business().await;
    let business = crm_svc::businesses::create(&stack.db().await, "עסק הבדיקה", "tested-business")
        .await
        .expect("business A")
        .id
        .as_str()
        .to_string();
    let a = Api::new(&stack, Some(stack.sign_in(&business, "agent").await));
    let b = Api::new(&stack, Some(stack.sign_in(&demo, "owner").await));
    let reader = Api::new(&stack, Some(stack.sign_in(&business, "read_only").await));
    let owner = Api::new(&stack, Some(stack.sign_in(&business, "owner").await));
    Tenants {
        stack,
        business,
        a,
        b,
        reader,
        owner,
    }
}

/// The ids of a page's items.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(id)
        .collect()
}

/// Creates a customer and returns its id.
async fn customer(api: &Api, name: &str, phone: &str) -> String {
    let (s, c) = api
        .post("/api/crm/customers", json!({"name": name, "phone": phone}))
        .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// Creates a contract of `customer_id` and returns its id.
async fn new_contract(api: &Api, customer_id: &str, title: &str, body: &str) -> String {
    let (s, c) = api
        .post(
            "/api/contracts",
            json!({"customer_id": customer_id, "title": title, "body": body}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    id(&c)
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

#[track_caller]
fn assert_invalid(res: (u16, Value), field: &str) {
    let (s, e) = res;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"], "validation_error", "{e}");
    assert_eq!(e["field"], field, "{e}");
}

#[track_caller]
fn assert_status(res: (u16, Value), status: u16, error: &str) {
    let (s, e) = res;
    assert_eq!((s, e["error"].as_str()), (status, Some(error)), "{e}");
}

/// Another business's reads and writes of `path` (a record of the demo business) are 404.
async fn assert_hidden(b: &Api, path: &str, patch: Value) {
    assert_status(b.get(path).await, 404, "not_found");
    assert_status(b.patch(path, patch).await, 404, "not_found");
    assert_status(b.delete(path).await, 404, "not_found");
}

/// A read-only user can read `item` and its list but not change anything.
async fn assert_read_only(reader: &Api, list: &str, item: &str, new: Value, patch: Value) {
    assert_eq!(reader.get(list).await.0, 200);
    assert_eq!(reader.get(item).await.0, 200);
    assert_status(reader.post(list, new).await, 403, "forbidden");
    assert_status(reader.patch(item, patch).await, 403, "forbidden");
    assert_status(reader.delete(item).await, 403, "forbidden");
}

// ---------------------------------------------------------------------------------------------
// Invoices

async fn invoices(db: Db, bus: Bus) {
    let t = tenants(db, bus).await;
    let (a, b) = (&t.a, &t.b);
    let cid = customer(a, "נועה ברק", "050-2223344").await;
    let items = json!([
        {"description": "שעת ייעוץ", "quantity": 3, "unit_price_agorot": 35_000},
        {"description": "נסיעה", "quantity": 1, "unit_price_agorot": 4_990},
    ]);

    // Totals are the server's: 109,990 + 18% VAT (19,798.2 → 19,798) = 129,788 agorot.
    let (s, inv) = a
        .post(
            "/api/invoices",
            json!({"customer_id": cid, "items": items, "due_at": "2026-12-31T10:00:00+02:00"}),
        )
        .await;
    assert_eq!(s, 201, "{inv}");
    assert_eq!(
        (
            &inv["subtotal_agorot"],
            &inv["vat_agorot"],
            &inv["total_agorot"],
            &inv["vat_rate_bp"]
        ),
        (
            &json!(109_990),
            &json!(19_798),
            &json!(129_788),
            &json!(1800)
        )
    );
    assert_eq!(inv["status"], "draft");
    assert!(inv["number"].is_null(), "a draft has no number: {inv}");
    assert_eq!(inv["customer_id"], cid.as_str());
    assert_eq!(inv["items"], items);
    assert_eq!(inv["due_at"], "2026-12-31T08:00:00.000Z");
    let first = id(&inv);

    // A client cannot send amounts: they are unknown fields, at the top or on a line.
    for field in ["total_agorot", "subtotal_agorot", "vat_agorot"] {
        let mut body = json!({"customer_id": cid, "items": items});
        body[field] = json!(1);
        assert_invalid(a.post("/api/invoices", body).await, field);
    }
    assert_invalid(
        a.post(
            "/api/invoices",
            json!({"customer_id": cid, "items": [{"description": "x", "quantity": 1, "unit_price_agorot": 100, "total": 1}]}),
        )
        .await,
        "total",
    );
    assert_invalid(
        a.patch(
            &format!("/api/invoices/{first}"),
            json!({"total_agorot": 5}),
        )
        .await,
        "total_agorot",
    );

    // Validation names the field.
    assert_invalid(
        a.post("/api/invoices", json!({"customer_id": cid, "items": []}))
            .await,
        "items",
    );
    assert_invalid(
        a.post(
            "/api/invoices",
            json!({"customer_id": cid, "items": [{"description": "x", "quantity": 0, "unit_price_agorot": 1}]}),
        )
        .await,
        "items",
    );
    assert_invalid(
        a.post("/api/invoices", json!({"items": items})).await,
        "customer_id",
    );
    assert_invalid(
        a.post(
            "/api/invoices",
            json!({"customer_id": "no-such-customer", "items": items}),
        )
        .await,
        "customer_id",
    );
    assert_invalid(
        a.post(
            "/api/invoices",
            json!({"customer_id": cid, "items": items, "due_at": "next week"}),
        )
        .await,
        "due_at",
    );
    assert_invalid(a.get("/api/invoices?status=overdue").await, "status");
    assert_invalid(a.get("/api/invoices?sort=total").await, "sort");
    assert_invalid(a.get("/api/invoices?page=0").await, "page");
    assert_invalid(a.get("/api/invoices?limit=many").await, "limit");
    assert_invalid(
        a.patch(&format!("/api/invoices/{first}"), json!({"status": "void"}))
            .await,
        "status",
    );

    // The VAT rate is the business's at creation time.
    let (s, _) = t
        .owner
        .patch("/api/business", json!({"vat_rate_bp": 1700}))
        .await;
    assert_eq!(s, 200);
    let (s, second) = a
        .post(
            "/api/invoices",
            json!({"customer_id": cid, "items": [{"description": "תיקון", "quantity": 1, "unit_price_agorot": 50}]}),
        )
        .await;
    assert_eq!(s, 201, "{second}");
    // 17% of 50 = 8.5 → 9 (half up).
    assert_eq!(
        (
            &second["vat_rate_bp"],
            &second["vat_agorot"],
            &second["total_agorot"]
        ),
        (&json!(1700), &json!(9), &json!(59))
    );
    let second = id(&second);

    // A draft's items and due date change (totals recomputed); `null` clears the due date.
    let (s, edited) = a
        .patch(
            &format!("/api/invoices/{first}"),
            json!({"items": [{"description": "שעת ייעוץ", "quantity": 2, "unit_price_agorot": 35_000}], "due_at": null}),
        )
        .await;
    assert_eq!(s, 200, "{edited}");
    assert_eq!(
        (
            &edited["subtotal_agorot"],
            &edited["vat_agorot"],
            &edited["total_agorot"]
        ),
        (&json!(70_000), &json!(12_600), &json!(82_600)),
        "still at the rate it was created with"
    );
    assert!(edited["due_at"].is_null());

    // Issuing numbers the invoices in order; the life cycle is enforced with 409.
    let (s, sent) = a
        .patch(&format!("/api/invoices/{first}"), json!({"status": "sent"}))
        .await;
    assert_eq!(s, 200, "{sent}");
    assert_eq!(
        (&sent["status"], &sent["number"]),
        (&json!("sent"), &json!(1))
    );
    assert!(sent["issued_at"].is_string());
    let (_, sent2) = a
        .patch(
            &format!("/api/invoices/{second}"),
            json!({"status": "sent"}),
        )
        .await;
    assert_eq!(sent2["number"], 2);
    assert_status(
        a.patch(
            &format!("/api/invoices/{first}"),
            json!({"items": [{"description": "x", "quantity": 1, "unit_price_agorot": 1}]}),
        )
        .await,
        409,
        "conflict",
    );
    assert_status(
        a.patch(
            &format!("/api/invoices/{first}"),
            json!({"status": "draft"}),
        )
        .await,
        409,
        "conflict",
    );
    let (s, paid) = a
        .patch(&format!("/api/invoices/{first}"), json!({"status": "paid"}))
        .await;
    assert_eq!(s, 200, "{paid}");
    assert!(paid["paid_at"].is_string());
    assert_status(
        a.patch(
            &format!("/api/invoices/{first}"),
            json!({"status": "cancelled"}),
        )
        .await,
        409,
        "conflict",
    );
    assert_status(
        a.delete(&format!("/api/invoices/{first}")).await,
        409,
        "conflict",
    );

    // Lists filter, paginate and read back what was stored.
    let (_, draft) = a
        .post("/api/invoices", json!({"customer_id": cid, "items": items}))
        .await;
    let draft = id(&draft);
    let other_cid = customer(a, "גיל שמש", "052-9998877").await;
    a.post(
        "/api/invoices",
        json!({"customer_id": other_cid, "items": items}),
    )
    .await;
    let (s, all) = a.get("/api/invoices").await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(
        (&all["total"], &all["page"], &all["limit"]),
        (&json!(4), &json!(1), &json!(25))
    );
    let (_, mine) = a.get(&format!("/api/invoices?customer_id={cid}")).await;
    assert_eq!(mine["total"], 3);
    let (_, paid_list) = a
        .get(&format!("/api/invoices?customer_id={cid}&status=paid"))
        .await;
    assert_eq!(paid_list["total"], 1);
    assert_eq!(paid_list["items"][0]["id"], first.as_str());
    assert_eq!(paid_list["items"][0]["total_agorot"], 82_600);
    let (_, by_number) = a.get("/api/invoices?sort=-number&limit=1").await;
    assert_eq!(
        (
            &by_number["total"],
            by_number["items"].as_array().unwrap().len()
        ),
        (&json!(4), 1)
    );
    assert_eq!(by_number["items"][0]["number"], 2);
    let (_, page2) = a.get("/api/invoices?limit=3&page=2").await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);

    // Another business sees none of it and cannot bill this business's customer.
    assert_hidden(
        b,
        &format!("/api/invoices/{draft}"),
        json!({"status": "sent"}),
    )
    .await;
    let (_, theirs) = b.get("/api/invoices?limit=100").await;
    assert!(!ids(&theirs).contains(&draft), "{theirs}");
    let (_, theirs) = b.get(&format!("/api/invoices?customer_id={cid}")).await;
    assert_eq!(theirs["total"], 0);
    assert_invalid(
        b.post("/api/invoices", json!({"customer_id": cid, "items": items}))
            .await,
        "customer_id",
    );

    // Read-only users read but do not write.
    assert_read_only(
        &t.reader,
        "/api/invoices",
        &format!("/api/invoices/{draft}"),
        json!({"customer_id": cid, "items": items}),
        json!({"status": "sent"}),
    )
    .await;

    // Only a draft is deleted.
    assert_eq!(a.delete(&format!("/api/invoices/{draft}")).await.0, 204);
    assert_status(
        a.get(&format!("/api/invoices/{draft}")).await,
        404,
        "not_found",
    );
    assert_status(
        a.delete(&format!("/api/invoices/{draft}")).await,
        404,
        "not_found",
    );

    t.stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn invoices_sqlite() {
    invoices(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn invoices_postgres_nats() {
    invoices(Db::Postgres, Bus::Nats).await;
}

// ---------------------------------------------------------------------------------------------
// Appointments

async fn appointments(db: Db, bus: Bus) {
    let t = tenants(db, bus).await;
    let (a, b) = (&t.a, &t.b);
    let cid = customer(a, "רון אביב", "053-4445566").await;

    let (s, appt) = a
        .post(
            "/api/appointments",
            json!({"title": "פגישת היכרות", "starts_at": "2026-05-10T09:00:00+03:00",
                   "ends_at": "2026-05-10T10:00:00+03:00", "customer_id": cid, "notes": "להביא חוזה"}),
        )
        .await;
    assert_eq!(s, 201, "{appt}");
    assert_eq!(
        (
            &appt["starts_at"],
            &appt["ends_at"],
            &appt["customer_id"],
            &appt["notes"]
        ),
        (
            &json!("2026-05-10T06:00:00.000Z"),
            &json!("2026-05-10T07:00:00.000Z"),
            &json!(cid),
            &json!("להביא חוזה")
        )
    );
    let aid = id(&appt);
    let (_, other) = a
        .post(
            "/api/appointments",
            json!({"title": "ללא לקוח", "starts_at": "2026-05-20T12:00:00Z", "ends_at": "2026-05-20T12:30:00Z"}),
        )
        .await;
    assert!(other["customer_id"].is_null(), "{other}");

    // Validation names the field.
    let start = "2026-05-11T09:00:00Z";
    let end = "2026-05-11T10:00:00Z";
    assert_invalid(
        a.post("/api/appointments", json!({"title": "x", "ends_at": end}))
            .await,
        "starts_at",
    );
    assert_invalid(
        a.post(
            "/api/appointments",
            json!({"title": "x", "starts_at": "מחר", "ends_at": end}),
        )
        .await,
        "starts_at",
    );
    assert_invalid(
        a.post(
            "/api/appointments",
            json!({"title": "x", "starts_at": end, "ends_at": start}),
        )
        .await,
        "ends_at",
    );
    assert_invalid(
        a.post(
            "/api/appointments",
            json!({"title": " ", "starts_at": start, "ends_at": end}),
        )
        .await,
        "title",
    );
    assert_invalid(
        a.post(
            "/api/appointments",
            json!({"title": "x", "starts_at": start, "ends_at": end, "customer_id": "nobody"}),
        )
        .await,
        "customer_id",
    );
    assert_invalid(
        a.get("/api/appointments?from=2026-06-01T00:00:00Z&to=2026-05-01T00:00:00Z")
            .await,
        "to",
    );
    assert_invalid(
        a.get("/api/appointments?from=2026-01-01T00:00:00Z&to=2027-06-01T00:00:00Z")
            .await,
        "to",
    );
    assert_invalid(a.get("/api/appointments?from=yesterday").await, "from");

    // Lists cover the overlapping range, by start time, optionally one customer's.
    let (s, may) = a
        .get("/api/appointments?from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:00Z")
        .await;
    assert_eq!(s, 200, "{may}");
    assert_eq!(ids(&may), vec![aid.clone(), id(&other)]);
    assert_eq!(
        (&may["from"], &may["to"]),
        (
            &json!("2026-05-01T00:00:00.000Z"),
            &json!("2026-06-01T00:00:00.000Z")
        )
    );
    let (_, overlapping) = a
        .get("/api/appointments?from=2026-05-10T06:30:00Z&to=2026-05-10T06:45:00Z")
        .await;
    assert_eq!(ids(&overlapping), vec![aid.clone()]);
    let (_, june) = a
        .get("/api/appointments?from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z")
        .await;
    assert_eq!(ids(&june), Vec::<String>::new());
    let (_, theirs) = a
        .get(&format!(
            "/api/appointments?from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:00Z&customer_id={cid}"
        ))
        .await;
    assert_eq!(ids(&theirs), vec![aid.clone()]);
    // Only `from`: 30 days from it.
    let (_, month) = a.get("/api/appointments?from=2026-05-15T00:00:00Z").await;
    assert_eq!(month["to"], "2026-06-14T00:00:00.000Z");
    assert_eq!(ids(&month), vec![id(&other)]);

    // No range at all: from the start of today (UTC), 30 days on.
    let soon = chrono::Utc::now() + chrono::Duration::hours(2);
    let (s, upcoming) = a
        .post(
            "/api/appointments",
            json!({"title": "בקרוב", "starts_at": soon.to_rfc3339(), "ends_at": (soon + chrono::Duration::hours(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(s, 201, "{upcoming}");
    let (s, default) = a.get("/api/appointments").await;
    assert_eq!(s, 200, "{default}");
    assert_eq!(ids(&default), vec![id(&upcoming)]);
    let from = default["from"].as_str().unwrap();
    assert!(from.ends_with("T00:00:00.000Z"), "{from}");

    // Changes: title, time, customer removed; the result is validated as a whole.
    let (s, moved) = a
        .patch(
            &format!("/api/appointments/{aid}"),
            json!({"title": "פגישה שנייה", "ends_at": "2026-05-10T08:00:00Z", "customer_id": null}),
        )
        .await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(
        (&moved["title"], &moved["ends_at"], &moved["customer_id"]),
        (
            &json!("פגישה שנייה"),
            &json!("2026-05-10T08:00:00.000Z"),
            &Value::Null
        )
    );
    assert_invalid(
        a.patch(
            &format!("/api/appointments/{aid}"),
            json!({"starts_at": "2026-05-10T09:00:00Z"}),
        )
        .await,
        "ends_at",
    );
    assert_invalid(
        a.patch(
            &format!("/api/appointments/{aid}"),
            json!({"colour": "red"}),
        )
        .await,
        "colour",
    );

    // Another business sees none of it.
    assert_hidden(
        b,
        &format!("/api/appointments/{aid}"),
        json!({"title": "x"}),
    )
    .await;
    let (_, foreign) = b
        .get("/api/appointments?from=2026-05-01T00:00:00Z&to=2026-06-01T00:00:00Z")
        .await;
    assert!(!ids(&foreign).contains(&aid), "{foreign}");
    assert_invalid(
        b.post(
            "/api/appointments",
            json!({"title": "x", "starts_at": start, "ends_at": end, "customer_id": cid}),
        )
        .await,
        "customer_id",
    );

    assert_read_only(
        &t.reader,
        "/api/appointments",
        &format!("/api/appointments/{aid}"),
        json!({"title": "x", "starts_at": start, "ends_at": end}),
        json!({"title": "y"}),
    )
    .await;

    assert_eq!(a.delete(&format!("/api/appointments/{aid}")).await.0, 204);
    assert_status(
        a.get(&format!("/api/appointments/{aid}")).await,
        404,
        "not_found",
    );
    t.stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn appointments_sqlite() {
    appointments(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn appointments_postgres_nats() {
    appointments(Db::Postgres, Bus::Nats).await;
}

// ---------------------------------------------------------------------------------------------
// Contracts and proposals

async fn contracts_and_proposals(db: Db, bus: Bus) {
    let t = tenants(db, bus).await;
    let (a, b) = (&t.a, &t.b);
    let cid = customer(a, "מיכל דגן", "054-7778899").await;
    let cid2 = customer(a, "עמית גל", "050-1112233").await;

    // Contracts.
    let (s, c) = a
        .post(
            "/api/contracts",
            json!({"customer_id": cid, "title": "הסכם שירות", "body": "הספק יספק את השירות…"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(
        (&c["status"], &c["title"], &c["customer_id"]),
        (&json!("draft"), &json!("הסכם שירות"), &json!(cid))
    );
    let contract = id(&c);
    let (_, c2) = a
        .post(
            "/api/contracts",
            json!({"customer_id": cid2, "title": "הסכם סודיות"}),
        )
        .await;
    assert_eq!(c2["body"], "");

    assert_invalid(
        a.post("/api/contracts", json!({"customer_id": cid, "title": ""}))
            .await,
        "title",
    );
    assert_invalid(
        a.post(
            "/api/contracts",
            json!({"customer_id": cid, "title": "שורה\nשנייה"}),
        )
        .await,
        "title",
    );
    assert_invalid(
        a.post("/api/contracts", json!({"title": "x"})).await,
        "customer_id",
    );
    assert_invalid(
        a.post(
            "/api/contracts",
            json!({"customer_id": "nobody", "title": "x"}),
        )
        .await,
        "customer_id",
    );
    assert_invalid(
        a.post(
            "/api/contracts",
            json!({"customer_id": cid, "title": "x", "status": "signed"}),
        )
        .await,
        "status",
    );
    assert_invalid(a.get("/api/contracts?status=void").await, "status");
    assert_invalid(
        a.patch(
            &format!("/api/contracts/{contract}"),
            json!({"status": "void"}),
        )
        .await,
        "status",
    );
    // Only a signature signs.
    assert_status(
        a.patch(
            &format!("/api/contracts/{contract}"),
            json!({"status": "signed"}),
        )
        .await,
        409,
        "conflict",
    );

    let (s, edited) = a
        .patch(
            &format!("/api/contracts/{contract}"),
            json!({"body": "נוסח מעודכן", "status": "sent"}),
        )
        .await;
    assert_eq!(s, 200, "{edited}");
    assert_eq!(
        (&edited["body"], &edited["status"], &edited["title"]),
        (&json!("נוסח מעודכן"), &json!("sent"), &json!("הסכם שירות"))
    );
    let (_, back) = a
        .patch(
            &format!("/api/contracts/{contract}"),
            json!({"status": "draft"}),
        )
        .await;
    assert_eq!(back["status"], "draft");

    let (s, all) = a.get("/api/contracts").await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all["total"], 2);
    assert_eq!(ids(&all), vec![id(&c2), contract.clone()], "newest first");
    let (_, one) = a.get(&format!("/api/contracts?customer_id={cid}")).await;
    assert_eq!(ids(&one), vec![contract.clone()]);
    let (_, sorted) = a.get("/api/contracts?sort=-updated_at&limit=1").await;
    assert_eq!(ids(&sorted), vec![contract.clone()]);
    assert_eq!(sorted["total"], 2);

    assert_hidden(
        b,
        &format!("/api/contracts/{contract}"),
        json!({"title": "x"}),
    )
    .await;
    let (_, foreign) = b.get("/api/contracts?limit=100").await;
    assert!(!ids(&foreign).contains(&contract), "{foreign}");
    assert_invalid(
        b.post("/api/contracts", json!({"customer_id": cid, "title": "x"}))
            .await,
        "customer_id",
    );
    assert_read_only(
        &t.reader,
        "/api/contracts",
        &format!("/api/contracts/{contract}"),
        json!({"customer_id": cid, "title": "x"}),
        json!({"title": "y"}),
    )
    .await;
    assert_eq!(
        a.delete(&format!("/api/contracts/{}", id(&c2))).await.0,
        204
    );
    assert_status(
        a.get(&format!("/api/contracts/{}", id(&c2))).await,
        404,
        "not_found",
    );

    // Proposals: the total is the server's (Σ quantity × unit price, before VAT).
    let items = json!([
        {"description": "עיצוב לוגו", "quantity": 1, "unit_price_agorot": 150_000},
        {"description": "כרטיסי ביקור", "quantity": 500, "unit_price_agorot": 45},
    ]);
    let (s, p) = a
        .post(
            "/api/proposals",
            json!({"customer_id": cid, "title": "הצעת מחיר למיתוג", "items": items,
                   "valid_until": "2026-12-01T00:00:00+02:00"}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(
        (
            &p["total_agorot"],
            &p["status"],
            &p["items"],
            &p["valid_until"]
        ),
        (
            &json!(172_500),
            &json!("draft"),
            &items,
            &json!("2026-11-30T22:00:00.000Z")
        )
    );
    let proposal = id(&p);

    assert_invalid(
        a.post(
            "/api/proposals",
            json!({"customer_id": cid, "title": "x", "items": items, "total_agorot": 1}),
        )
        .await,
        "total_agorot",
    );
    assert_invalid(
        a.post(
            "/api/proposals",
            json!({"customer_id": cid, "title": "", "items": items}),
        )
        .await,
        "title",
    );
    assert_invalid(
        a.post(
            "/api/proposals",
            json!({"customer_id": cid, "title": "x", "items": []}),
        )
        .await,
        "items",
    );
    assert_invalid(
        a.post(
            "/api/proposals",
            json!({"customer_id": cid, "title": "x", "items": items, "valid_until": "2026-13-01"}),
        )
        .await,
        "valid_until",
    );
    assert_invalid(
        a.post(
            "/api/proposals",
            json!({"customer_id": "nobody", "title": "x", "items": items}),
        )
        .await,
        "customer_id",
    );
    assert_invalid(a.get("/api/proposals?sort=total").await, "sort");

    // Life cycle: draft → sent → accepted; anything else is 409.
    let path = format!("/api/proposals/{proposal}");
    assert_status(
        a.patch(&path, json!({"status": "accepted"})).await,
        409,
        "conflict",
    );
    let (s, edited) = a
        .patch(
            &path,
            json!({"items": [{"description": "עיצוב לוגו", "quantity": 1, "unit_price_agorot": 120_000}]}),
        )
        .await;
    assert_eq!(s, 200, "{edited}");
    assert_eq!(edited["total_agorot"], 120_000);
    let (_, sent) = a.patch(&path, json!({"status": "sent"})).await;
    assert_eq!(sent["status"], "sent");
    assert_status(
        a.patch(&path, json!({"title": "שינוי"})).await,
        409,
        "conflict",
    );
    let (s, cleared) = a.patch(&path, json!({"valid_until": null})).await;
    assert_eq!(s, 200, "{cleared}");
    assert!(cleared["valid_until"].is_null());
    let (_, accepted) = a.patch(&path, json!({"status": "accepted"})).await;
    assert_eq!(accepted["status"], "accepted");
    assert_status(a.delete(&path).await, 409, "conflict");

    let (_, p2) = a
        .post(
            "/api/proposals",
            json!({"customer_id": cid2, "title": "הצעה שנייה", "items": items}),
        )
        .await;
    let (_, all) = a.get("/api/proposals").await;
    assert_eq!(all["total"], 2);
    let (_, accepted_list) = a.get("/api/proposals?status=accepted").await;
    assert_eq!(ids(&accepted_list), vec![proposal.clone()]);
    let (_, of_cid2) = a.get(&format!("/api/proposals?customer_id={cid2}")).await;
    assert_eq!(ids(&of_cid2), vec![id(&p2)]);

    assert_hidden(b, &path, json!({"title": "x"})).await;
    let (_, foreign) = b.get("/api/proposals?limit=100").await;
    assert!(!ids(&foreign).contains(&proposal), "{foreign}");
    assert_read_only(
        &t.reader,
        "/api/proposals",
        &path,
        json!({"customer_id": cid, "title": "x", "items": items}),
        json!({"title": "y"}),
    )
    .await;
    assert_eq!(
        a.delete(&format!("/api/proposals/{}", id(&p2))).await.0,
        204
    );
    t.stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn contracts_and_proposals_sqlite() {
    contracts_and_proposals(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn contracts_and_proposals_postgres_nats() {
    contracts_and_proposals(Db::Postgres, Bus::Nats).await;
}

// ---------------------------------------------------------------------------------------------
// Signatures

/// PNG magic followed by `size` bytes in all: refused by size before it is ever decoded.
fn fake_png(size: usize) -> Vec<u8> {
    let mut p = PNG_MAGIC.to_vec();
    p.resize(size.max(p.len()), 0);
    p
}

/// The eight bytes every PNG file starts with.
const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// A real RGBA PNG of `width` × `height` noise pixels (a fixed xorshift sequence), stored
/// without compression: about `width * height * 4` bytes.
fn real_png(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let pixels: Vec<u8> = (0..width as usize * height as usize * 4)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let stored = (
        png::ColorType::Rgba,
        png::BitDepth::Eight,
        png::Compression::NoCompression,
    );
    encode_png((width, height), stored, &pixels, None)
}

/// The size and RGBA pixels of a PNG.
fn rgba_pixels(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let frame = reader.next_frame(&mut pixels).expect("a frame");
    pixels.truncate(frame.buffer_size());
    (frame.width, frame.height, pixels)
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn signatures(db: Db, bus: Bus) {
    let t = tenants(db, bus).await;
    let (a, b) = (&t.a, &t.b);
    let public = Api::new(&t.stack, None);
    let cid = customer(a, "שירה נחום", "058-1234567").await;
    let contract = new_contract(a, &cid, "הסכם שכירות", "השוכר ישלם…").await;
    let link_path = format!("/api/contracts/{contract}/signature-link");

    // Staff side: writers of the business only.
    assert_status(t.reader.post(&link_path, json!({})).await, 403, "forbidden");
    assert_status(b.post(&link_path, json!({})).await, 404, "not_found");
    assert_status(
        public.post(&link_path, json!({})).await,
        401,
        "unauthorized",
    );
    let (s, link) = a.post(&link_path, json!({})).await;
    assert_eq!(s, 201, "{link}");
    let token = link["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert_eq!(
        link["url"],
        format!("{}/signature/{token}", t.stack.config.public_base_url)
    );
    assert_eq!(link["contract_id"], contract.as_str());
    let (_, sent) = a.get(&format!("/api/contracts/{contract}")).await;
    assert_eq!(sent["status"], "sent", "a link sends the draft");

    // The public page needs no sign-in.
    let page = format!("/api/public/signatures/{token}");
    let (s, doc) = public.get(&page).await;
    assert_eq!(s, 200, "{doc}");
    assert_eq!(
        (
            &doc["title"],
            &doc["body"],
            &doc["business_name"],
            &doc["contract_id"]
        ),
        (
            &json!("הסכם שכירות"),
            &json!("השוכר ישלם…"),
            &json!("עסק הבדיקה"),
            &json!(contract)
        )
    );
    let sha = doc["document_sha256"].as_str().unwrap().to_string();
    assert_eq!(
        sha,
        crm_svc::contracts::document_sha256("הסכם שכירות", "השוכר ישלם…")
    );

    // Bad input is refused (naming the field) without spending the link.
    let good = real_png(30, 10);
    assert_invalid(
        public
            .post(
                &page,
                json!({"signer_name": " ", "image_png_base64": b64(&good), "document_sha256": sha}),
            )
            .await,
        "signer_name",
    );
    assert_invalid(
        public
            .post(
                &page,
                json!({"signer_name": "שירה", "image_png_base64": "***", "document_sha256": sha}),
            )
            .await,
        "image_png_base64",
    );
    assert_invalid(
        public
            .post(
                &page,
                json!({"signer_name": "שירה", "image_png_base64": b64(b"GIF89a not a png"), "document_sha256": sha}),
            )
            .await,
        "image_png_base64",
    );
    assert_invalid(
        public
            .post(
                &page,
                json!({"signer_name": "שירה", "image_png_base64": b64(&good), "document_sha256": sha, "ip": "1.2.3.4"}),
            )
            .await,
        "ip",
    );
    // A full 1 MiB image fits this route's body limit; one byte more is refused by size.
    assert_invalid(
        public
            .post(
                &page,
                json!({"signer_name": "שירה", "image_png_base64": b64(&fake_png(1024 * 1024 + 1)), "document_sha256": sha}),
            )
            .await,
        "image_png_base64",
    );
    // Bodies beyond the route's limit are 413, as everywhere.
    assert_status(
        public
            .post(
                &page,
                json!({"signer_name": "שירה", "image_png_base64": b64(&fake_png(2 * 1024 * 1024)), "document_sha256": sha}),
            )
            .await,
        413,
        "payload_too_large",
    );
    // Other routes keep the 1 MiB limit.
    assert_status(
        a.post(
            "/api/contracts",
            json!({"customer_id": cid, "title": "x", "body": "א".repeat(600_000)}),
        )
        .await,
        413,
        "payload_too_large",
    );
    assert_eq!(public.get(&page).await.0, 200, "still open");

    // Signing: the image (as a browser's data URL), the name, the client address (as the proxy
    // in front reports it) and the document hash are stored; the contract is signed. The image
    // is an uncompressed 500 × 500 one of nearly 1 MiB.
    let full = real_png(500, 500);
    assert!(
        (1_000_000..1024 * 1024).contains(&full.len()),
        "{}",
        full.len()
    );
    let res = reqwest::Client::new()
        .post(t.stack.url(&page))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"signer_name": " שירה נחום ", "image_png_base64": format!("data:image/png;base64,{}", b64(&full)), "document_sha256": sha}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let receipt: Value = res.json().await.unwrap();
    assert_eq!(
        (
            &receipt["signer_name"],
            &receipt["contract_id"],
            &receipt["document_sha256"]
        ),
        (&json!("שירה נחום"), &json!(contract), &json!(sha))
    );
    assert!(receipt["signed_at"].is_string(), "{receipt}");
    let stored = crm_svc::signatures::get(
        &t.stack.db().await,
        &t.business.as_str().into(),
        &receipt["signature_id"].as_str().unwrap().into(),
    )
    .await
    .unwrap();
    assert_eq!(stored.signer_ip.as_deref(), Some("203.0.113.9"));
    // What is stored is the image as decoded, encoded anew.
    assert_eq!(
        rgba_pixels(stored.image_png.as_deref().unwrap()),
        rgba_pixels(&full)
    );
    let (_, signed) = a.get(&format!("/api/contracts/{contract}")).await;
    assert_eq!(signed["status"], "signed");

    // The link is spent: 410 for signing and for the page.
    let again =
        json!({"signer_name": "מישהו אחר", "image_png_base64": b64(&good), "document_sha256": sha});
    assert_status(public.post(&page, again.clone()).await, 410, "gone");
    assert_status(public.get(&page).await, 410, "gone");
    // A token nobody issued is no better.
    let unknown = format!("/api/public/signatures/{}", "0".repeat(64));
    assert_status(public.get(&unknown).await, 410, "gone");
    assert_status(public.post(&unknown, again).await, 410, "gone");

    // A signed contract is a record.
    assert_status(
        a.patch(&format!("/api/contracts/{contract}"), json!({"body": "x"}))
            .await,
        409,
        "conflict",
    );
    assert_status(
        a.delete(&format!("/api/contracts/{contract}")).await,
        409,
        "conflict",
    );
    assert_status(a.post(&link_path, json!({})).await, 409, "conflict");
    t.stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn signatures_sqlite() {
    signatures(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn signatures_postgres_nats() {
    signatures(Db::Postgres, Bus::Nats).await;
}

/// Proposals are signed like contracts (and become `accepted`); staff list a document's
/// signature requests and fetch a signature's image, behind `signature_enabled`.
async fn proposal_signatures(db: Db, bus: Bus) {
    let t = tenants(db, bus).await;
    let (a, b) = (&t.a, &t.b);
    let public = Api::new(&t.stack, None);
    let cid = customer(a, "יעל ברק", "058-7654321").await;
    let (s, p) = a
        .post(
            "/api/proposals",
            json!({"customer_id": cid, "title": "הצעה לגינון",
                   "items": [{"description": "גיזום", "quantity": 2, "unit_price_agorot": 125_000}]}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let proposal = id(&p);
    let link_path = format!("/api/proposals/{proposal}/signature-link");
    let list_path = format!("/api/proposals/{proposal}/signatures");

    assert_status(t.reader.post(&link_path, json!({})).await, 403, "forbidden");
    assert_status(b.post(&link_path, json!({})).await, 404, "not_found");
    let (s, link) = a.post(&link_path, json!({})).await;
    assert_eq!(s, 201, "{link}");
    assert_eq!(link["proposal_id"], proposal.as_str());
    assert!(link.get("contract_id").is_none(), "{link}");
    let token = link["token"].as_str().unwrap().to_string();
    let (_, sent) = a.get(&format!("/api/proposals/{proposal}")).await;
    assert_eq!(sent["status"], "sent", "a link sends the draft");

    // Staff see the pending request (readers too); another business does not.
    let (s, pending) = t.reader.get(&list_path).await;
    assert_eq!(s, 200, "{pending}");
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["status"], "pending");
    assert_eq!(pending[0]["id"], link["signature_id"]);
    assert_status(b.get(&list_path).await, 404, "not_found");
    let image_path = format!(
        "/api/signatures/{}/image",
        link["signature_id"].as_str().unwrap()
    );
    assert_status(a.get(&image_path).await, 404, "not_found");

    // The public page shows the proposal as text; signing accepts it.
    let page = format!("/api/public/signatures/{token}");
    let (s, doc) = public.get(&page).await;
    assert_eq!(s, 200, "{doc}");
    assert_eq!(doc["document_type"], "proposal");
    assert_eq!(doc["proposal_id"], proposal.as_str());
    assert_eq!(doc["title"], "הצעה לגינון");
    let body = doc["body"].as_str().unwrap();
    assert!(
        body.starts_with("גיזום — 2 × ₪1,250.00 = ₪2,500.00"),
        "{body}"
    );
    assert!(body.contains("₪2,500.00"), "{body}");
    let image = real_png(40, 30);
    let (s, receipt) = public
        .post(
            &page,
            json!({"signer_name": "יעל ברק", "image_png_base64": b64(&image),
                   "document_sha256": doc["document_sha256"]}),
        )
        .await;
    assert_eq!(s, 200, "{receipt}");
    assert_eq!(receipt["proposal_id"], proposal.as_str());
    assert_eq!(receipt["document_sha256"], doc["document_sha256"]);
    let (_, accepted) = a.get(&format!("/api/proposals/{proposal}")).await;
    assert_eq!(accepted["status"], "accepted");
    assert_status(public.get(&page).await, 410, "gone");
    assert_status(a.post(&link_path, json!({})).await, 409, "conflict");

    let (_, signed) = a.get(&list_path).await;
    assert_eq!(signed[0]["status"], "signed");
    assert_eq!(signed[0]["signer_name"], "יעל ברק");
    assert!(signed[0]["signed_at"].is_string(), "{signed}");
    let res = reqwest::Client::new()
        .get(t.stack.url(&image_path))
        .bearer_auth(login_token(&t).await)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(
        rgba_pixels(&res.bytes().await.unwrap()),
        rgba_pixels(&image)
    );
    assert_status(b.get(&image_path).await, 404, "not_found");

    // A contract's requests are listed the same way.
    let (_, c) = a
        .post(
            "/api/contracts",
            json!({"customer_id": cid, "title": "הסכם", "body": "…"}),
        )
        .await;
    let contract = id(&c);
    let (s, _) = a
        .post(
            &format!("/api/contracts/{contract}/signature-link"),
            json!({}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, listed) = a
        .get(&format!("/api/contracts/{contract}/signatures"))
        .await;
    assert_eq!(s, 200, "{listed}");
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["contract_id"], contract.as_str());
    assert_status(
        b.get(&format!("/api/contracts/{contract}/signatures"))
            .await,
        404,
        "not_found",
    );

    // With signatures turned off, every staff signature route is closed.
    let (s, _) = t
        .owner
        .patch(
            "/api/business",
            json!({"features": {"signature_enabled": false}}),
        )
        .await;
    assert_eq!(s, 200);
    assert_status(a.get(&list_path).await, 403, "signature_disabled");
    assert_status(a.get(&image_path).await, 403, "signature_disabled");
    assert_status(
        a.post(&link_path, json!({})).await,
        403,
        "signature_disabled",
    );
    t.stack.stop().await.expect("clean stop");
}

/// A token of the agent of A (the `Api` keeps its own).
async fn login_token(t: &Tenants) -> String {
    t.stack.sign_in(&t.business, "agent").await
}

#[tokio::test]
async fn proposal_signatures_sqlite() {
    proposal_signatures(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn proposal_signatures_postgres_nats() {
    proposal_signatures(Db::Postgres, Bus::Nats).await;
}

/// A new signing link of `link_path` (a document's `…/signature-link`): its public page path
/// and the link as answered.
async fn signing_page(api: &Api, link_path: &str) -> (String, Value) {
    let (s, link) = api.post(link_path, json!({})).await;
    assert_eq!(s, 201, "{link}");
    let page = format!("/api/public/signatures/{}", link["token"].as_str().unwrap());
    (page, link)
}

/// A signature is recorded only on the text its signer was shown: the signer's POST carries
/// the hash of what the page showed, an edit of the text revokes the document's pending links,
/// a new link revokes the earlier ones, and links expire.
async fn signing_binds_the_text_shown(db: Db, bus: Bus) {
    let t = tenants(db, bus).await;
    let a = &t.a;
    let public = Api::new(&t.stack, None);
    let image = b64(&real_png(60, 20));
    let cid = customer(a, "דנה לוי", "058-2223334").await;
    let contract = new_contract(a, &cid, "הסכם", "גרסה 1").await;
    let contract_path = format!("/api/contracts/{contract}");
    let link_path = format!("{contract_path}/signature-link");
    let list_path = format!("{contract_path}/signatures");

    // A link expires after SIGNATURE_LINK_TTL_DAYS (30 by default).
    let (first, link) = signing_page(a, &link_path).await;
    let expires_at = chrono::DateTime::parse_from_rfc3339(link["expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let ttl = expires_at - chrono::Utc::now();
    assert!(
        ttl > chrono::Duration::days(29) && ttl <= chrono::Duration::days(30),
        "{link}"
    );
    assert_eq!(public.get(&first).await.0, 200);

    // A new link revokes the earlier pending ones.
    let (second, _) = signing_page(a, &link_path).await;
    assert_status(public.get(&first).await, 410, "gone");
    let (s, doc) = public.get(&second).await;
    assert_eq!(s, 200, "{doc}");
    let v1_sha = doc["document_sha256"].as_str().unwrap().to_string();

    // Saving the same text again changes nothing; a change of the text revokes the link, so
    // the signer who read version 1 cannot sign version 2.
    let (s, saved) = a
        .patch(&contract_path, json!({"title": "הסכם", "body": "גרסה 1"}))
        .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(public.get(&second).await.0, 200, "same text: still open");
    let (s, edited) = a.patch(&contract_path, json!({"body": "גרסה 2"})).await;
    assert_eq!(s, 200, "{edited}");
    assert_eq!(edited["status"], "sent", "{edited}");
    assert_status(public.get(&second).await, 410, "gone");
    let signing = |sha: Value| json!({"signer_name": "דנה לוי", "image_png_base64": image, "document_sha256": sha});
    assert_status(
        public.post(&second, signing(json!(v1_sha))).await,
        410,
        "gone",
    );
    let (_, listed) = a.get(&list_path).await;
    let statuses: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["revoked", "revoked"], "{listed}");

    // The POST must carry the hash of the text shown, and it must be the text's now.
    let (third, _) = signing_page(a, &link_path).await;
    let (_, doc) = public.get(&third).await;
    let v2_sha = crm_svc::contracts::document_sha256("הסכם", "גרסה 2");
    assert_eq!(doc["document_sha256"], v2_sha.as_str());
    assert_invalid(
        public
            .post(
                &third,
                json!({"signer_name": "דנה לוי", "image_png_base64": image}),
            )
            .await,
        "document_sha256",
    );
    assert_status(
        public.post(&third, signing(json!(v1_sha))).await,
        409,
        "document_changed",
    );
    assert_eq!(public.get(&third).await.0, 200, "refusals spend nothing");

    // An expired link is gone like a used one.
    let third_id = listed_pending(a, &list_path).await;
    t.stack
        .db()
        .await
        .run(move |conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE signatures SET expires_at = '2000-01-01 00:00:00' WHERE id = '{third_id}'"
            ))
            .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_status(public.get(&third).await, 410, "gone");
    assert_status(
        public.post(&third, signing(json!(v2_sha))).await,
        410,
        "gone",
    );

    // Moving the contract back to draft withdraws its link too.
    let (fourth, _) = signing_page(a, &link_path).await;
    let (s, _) = a.patch(&contract_path, json!({"status": "draft"})).await;
    assert_eq!(s, 200);
    assert_status(public.get(&fourth).await, 410, "gone");

    // A fresh link with the right hash signs what was shown.
    let (fifth, _) = signing_page(a, &link_path).await;
    let (s, receipt) = public.post(&fifth, signing(json!(v2_sha))).await;
    assert_eq!(s, 200, "{receipt}");
    assert_eq!(receipt["document_sha256"], v2_sha.as_str());

    // A proposal's validity is part of its text: changing it while sent revokes the link.
    let (_, p) = a
        .post(
            "/api/proposals",
            json!({"customer_id": cid, "title": "הצעה",
                   "items": [{"description": "שירות", "quantity": 1, "unit_price_agorot": 10_000}]}),
        )
        .await;
    let proposal_path = format!("/api/proposals/{}", id(&p));
    let (page, _) = signing_page(a, &format!("{proposal_path}/signature-link")).await;
    assert_eq!(public.get(&page).await.0, 200);
    let (s, changed) = a
        .patch(
            &proposal_path,
            json!({"valid_until": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_status(public.get(&page).await, 410, "gone");
    t.stack.stop().await.expect("clean stop");
}

/// The id of the one pending signature request in the list at `list_path`.
async fn listed_pending(api: &Api, list_path: &str) -> String {
    let (_, listed) = api.get(list_path).await;
    let pending: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1, "{listed}");
    id(pending[0])
}

#[tokio::test]
async fn signing_binds_the_text_shown_sqlite() {
    signing_binds_the_text_shown(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn signing_binds_the_text_shown_postgres_nats() {
    signing_binds_the_text_shown(Db::Postgres, Bus::Nats).await;
}

/// Signature images are decoded within limits and stored encoded anew: a decompression bomb,
/// PNG magic in front of SVG and a truncated PNG are refused naming the field, and a valid image
/// keeps its pixels but not its other chunks.
#[tokio::test]
async fn signature_images_are_decoded_within_limits() {
    let t = tenants(Db::Sqlite, Bus::Memory).await;
    let a = &t.a;
    let public = Api::new(&t.stack, None);
    let cid = customer(a, "רון כהן", "058-3334445").await;
    let contract = new_contract(a, &cid, "הסכם", "גוף").await;
    let (page, _) = signing_page(a, &format!("/api/contracts/{contract}/signature-link")).await;
    let (_, doc) = public.get(&page).await;
    let signing = |png: &[u8]| json!({"signer_name": "רון כהן", "image_png_base64": b64(png), "document_sha256": doc["document_sha256"]});

    // 10000 × 10000 black pixels: a few kilobytes compressed, 100 million pixels decoded.
    let width = 10_000u32;
    let one_bit = (
        png::ColorType::Grayscale,
        png::BitDepth::One,
        png::Compression::Balanced,
    );
    let bomb = encode_png(
        (width, width),
        one_bit,
        &vec![0u8; (width as usize / 8) * width as usize],
        None,
    );
    assert!(bomb.len() < 100 * 1024, "{}", bomb.len());
    let mut svg = PNG_MAGIC.to_vec();
    svg.extend_from_slice(
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
    );
    let rgba = (
        png::ColorType::Rgba,
        png::BitDepth::Eight,
        png::Compression::Fast,
    );
    let good = encode_png(
        (3, 2),
        rgba,
        &[
            255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, //
            0, 0, 0, 0, 10, 20, 30, 40, 50, 60, 70, 80,
        ],
        Some("<script>alert(1)</script>"),
    );
    let truncated = &good[..good.len() / 2];
    for (what, png) in [
        ("bomb", bomb.as_slice()),
        ("svg", svg.as_slice()),
        ("truncated", truncated),
    ] {
        let (s, e) = public.post(&page, signing(png)).await;
        assert_eq!(
            (s, e["field"].as_str()),
            (422, Some("image_png_base64")),
            "{what}: {e}"
        );
    }
    assert_eq!(public.get(&page).await.0, 200, "refusals spend nothing");

    let (s, receipt) = public.post(&page, signing(&good)).await;
    assert_eq!(s, 200, "{receipt}");
    let stored = crm_svc::signatures::get(
        &t.stack.db().await,
        &t.business.as_str().into(),
        &receipt["signature_id"].as_str().unwrap().into(),
    )
    .await
    .unwrap()
    .image_png
    .unwrap();
    assert_eq!(rgba_pixels(&stored), rgba_pixels(&good));
    assert_ne!(stored, good, "encoded anew");
    assert!(
        !String::from_utf8_lossy(&stored).contains("script"),
        "other chunks are dropped"
    );
    t.stack.stop().await.expect("clean stop");
}

// ---------------------------------------------------------------------------------------------
// Reports

/// Applies an event to the stack's database exactly as crm-svc's consumer does.
async fn apply_event(stack: &TestStack, event: agentlocator_proto::Event) {
    stack
        .db()
        .await
        .transaction(move |conn| crm_svc::event_consumer::apply(conn, &event))
        .await
        .expect("event applied");
}

fn occurred(event: &mut agentlocator_proto::Event, at: chrono::DateTime<chrono::Utc>) {
    event.occurred_at = Some(agentlocator_proto::to_timestamp(at));
}

/// A finished call of `business` with `number` (E.164) that started at `at`.
async fn call(
    stack: &TestStack,
    business: &str,
    sid: &str,
    number: &str,
    status: &str,
    seconds: i32,
    at: chrono::DateTime<chrono::Utc>,
) {
    use agentlocator_proto::v1::{CallEvent, CallEventKind, event::Payload};
    let mut e = agentlocator_proto::new_event(
        business,
        Payload::Call(CallEvent {
            kind: CallEventKind::Completed as i32,
            call_sid: sid.into(),
            direction: "inbound".into(),
            from_number: number.into(),
            to_number: "+972521112233".into(),
            status: status.into(),
            duration_seconds: seconds,
            ..Default::default()
        }),
    );
    occurred(&mut e, at);
    apply_event(stack, e).await;
}

/// A WhatsApp message of `business` with `number` (E.164), `inbound` or `outbound`, at `at`.
async fn whatsapp(
    stack: &TestStack,
    business: &str,
    provider_id: &str,
    number: &str,
    direction: &str,
    body: &str,
    at: chrono::DateTime<chrono::Utc>,
) {
    use agentlocator_proto::v1::{WhatsAppEvent, WhatsAppEventKind, event::Payload};
    let inbound = direction == "inbound";
    let (from, to) = if inbound {
        (number, "+972521112233")
    } else {
        ("+972521112233", number)
    };
    let mut e = agentlocator_proto::new_event(
        business,
        Payload::Whatsapp(WhatsAppEvent {
            kind: if inbound {
                WhatsAppEventKind::Received
            } else {
                WhatsAppEventKind::Sent
            } as i32,
            provider_message_id: provider_id.into(),
            direction: direction.into(),
            from_number: from.into(),
            to_number: to.into(),
            body: body.into(),
            status: if inbound { "received" } else { "sent" }.into(),
            ..Default::default()
        }),
    );
    occurred(&mut e, at);
    apply_event(stack, e).await;
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn reports(db: Db, bus: Bus) {
    use chrono::{Duration, Utc};
    let t = tenants(db, bus).await;
    let (a, stack, business) = (&t.a, &t.stack, t.business.as_str());
    let now = Utc::now();
    let window = format!(
        "/api/reports/summary?from={}&to={}",
        rfc3339(now - Duration::days(1)),
        rfc3339(now + Duration::days(1))
    );

    let (s, theirs_before) = t.b.get(&window).await;
    assert_eq!(s, 200, "{theirs_before}");

    // Two new customers.
    let dana = customer(a, "דנה", "050-3334455").await;
    customer(a, "יוסי", "052-3334455").await;

    // Calls: two answered (60 s and 91 s: average 75.5 → 76), one missed; one last month.
    let hour_ago = now - Duration::hours(1);
    call(
        stack,
        business,
        "CA-R-1",
        "+972503334455",
        "completed",
        60,
        hour_ago,
    )
    .await;
    call(
        stack,
        business,
        "CA-R-2",
        "+972523334455",
        "completed",
        91,
        hour_ago,
    )
    .await;
    call(
        stack,
        business,
        "CA-R-3",
        "+972503334455",
        "no-answer",
        0,
        hour_ago,
    )
    .await;
    call(
        stack,
        business,
        "CA-R-4",
        "+972503334455",
        "completed",
        600,
        now - Duration::days(20),
    )
    .await;

    // WhatsApp: two in, one out; one in last month.
    for (n, direction) in [(1, "inbound"), (2, "inbound"), (3, "outbound")] {
        whatsapp(
            stack,
            business,
            &format!("WA-R-{n}"),
            "+972503334455",
            direction,
            "שלום",
            hour_ago,
        )
        .await;
    }
    whatsapp(
        stack,
        business,
        "WA-R-4",
        "+972503334455",
        "inbound",
        "ישן",
        now - Duration::days(20),
    )
    .await;

    // Tasks: one done; two open and overdue; one open and due later.
    let (_, done) = a.post("/api/tasks", json!({"title": "בוצע"})).await;
    a.patch(&format!("/api/tasks/{}", id(&done)), json!({"done": true}))
        .await;
    for title in ["באיחור 1", "באיחור 2"] {
        let (s, _) = a
            .post(
                "/api/tasks",
                json!({"title": title, "due_at": rfc3339(now - Duration::hours(3)), "customer_id": dana}),
            )
            .await;
        assert_eq!(s, 201);
    }
    a.post(
        "/api/tasks",
        json!({"title": "בהמשך", "due_at": rfc3339(now + Duration::hours(5))}),
    )
    .await;

    // Invoices: one issued and paid (129,788), one issued (59), one issued then cancelled, one
    // draft.
    let items = json!([
        {"description": "שעת ייעוץ", "quantity": 3, "unit_price_agorot": 35_000},
        {"description": "נסיעה", "quantity": 1, "unit_price_agorot": 4_990},
    ]);
    let small = json!([{"description": "תיקון", "quantity": 1, "unit_price_agorot": 50}]);
    let mut invoice_ids = Vec::new();
    for items in [&items, &small, &items, &items] {
        let (s, inv) = a
            .post(
                "/api/invoices",
                json!({"customer_id": dana, "items": items}),
            )
            .await;
        assert_eq!(s, 201, "{inv}");
        invoice_ids.push(id(&inv));
    }
    for (i, steps) in [
        vec!["sent", "paid"],
        vec!["sent"],
        vec!["sent", "cancelled"],
        vec![],
    ]
    .into_iter()
    .enumerate()
    {
        for status in steps {
            let (s, inv) = a
                .patch(
                    &format!("/api/invoices/{}", invoice_ids[i]),
                    json!({"status": status}),
                )
                .await;
            assert_eq!(s, 200, "{inv}");
        }
    }

    let (s, r) = a.get(&window).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["new_customers"], 2, "{r}");
    assert_eq!(
        r["calls"],
        json!({"total": 3, "answered": 2, "missed": 1, "average_duration_seconds": 76})
    );
    assert_eq!(r["whatsapp"], json!({"inbound": 2, "outbound": 1}));
    assert_eq!(r["tasks"], json!({"done": 1, "overdue": 2}));
    assert_eq!(
        r["invoices"],
        json!({"issued": 2, "issued_total_agorot": 129_847, "paid": 1, "paid_total_agorot": 129_788})
    );

    // Last month holds only the old call and message.
    let (_, old) = a
        .get(&format!(
            "/api/reports/summary?from={}&to={}",
            rfc3339(now - Duration::days(25)),
            rfc3339(now - Duration::days(15))
        ))
        .await;
    assert_eq!(
        (
            &old["new_customers"],
            &old["calls"]["total"],
            &old["calls"]["average_duration_seconds"],
            &old["whatsapp"]["inbound"],
            &old["invoices"]["issued"]
        ),
        (&json!(0), &json!(1), &json!(600), &json!(1), &json!(0)),
        "{old}"
    );

    // Without a period: the 30 days up to now.
    let (s, default) = t.reader.get("/api/reports/summary").await;
    assert_eq!(s, 200, "{default}");
    let from = chrono::DateTime::parse_from_rfc3339(default["from"].as_str().unwrap()).unwrap();
    let to = chrono::DateTime::parse_from_rfc3339(default["to"].as_str().unwrap()).unwrap();
    assert_eq!(to - from, Duration::days(30));
    assert!((to.with_timezone(&Utc) - Utc::now()).num_seconds().abs() < 60);
    assert_eq!(default["calls"]["total"], 4);

    assert_invalid(
        a.get(&format!(
            "/api/reports/summary?from={}&to={}",
            rfc3339(now),
            rfc3339(now - Duration::days(1))
        ))
        .await,
        "to",
    );
    assert_invalid(a.get("/api/reports/summary?from=last-week").await, "from");

    // The demo business counts none of this.
    let (s, theirs_after) = t.b.get(&window).await;
    assert_eq!(s, 200, "{theirs_after}");
    for part in ["new_customers", "calls", "whatsapp", "invoices"] {
        assert_eq!(theirs_after[part], theirs_before[part], "{part}");
    }
    t.stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn reports_sqlite() {
    reports(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn reports_postgres_nats() {
    reports(Db::Postgres, Bus::Nats).await;
}

// ---------------------------------------------------------------------------------------------
// Calls and WhatsApp messages of a customer

async fn customer_calls_and_whatsapp(db: Db, bus: Bus) {
    use chrono::{Duration, Utc};
    let t = tenants(db, bus).await;
    let (a, b, stack, business) = (&t.a, &t.b, &t.stack, t.business.as_str());
    let cid = customer(a, "טל רז", "050-5556677").await;
    let quiet = customer(a, "שקט", "050-5556678").await;
    let start = Utc::now() - Duration::days(3);
    for (n, status, seconds) in [
        (1, "completed", 42),
        (2, "no-answer", 0),
        (3, "completed", 7),
    ] {
        call(
            stack,
            business,
            &format!("CA-H-{n}"),
            "+972505556677",
            status,
            seconds,
            start + Duration::hours(n),
        )
        .await;
    }
    for (n, direction) in [(1, "inbound"), (2, "outbound")] {
        whatsapp(
            stack,
            business,
            &format!("WA-H-{n}"),
            "+972505556677",
            direction,
            &format!("הודעה {n}"),
            start + Duration::hours(n),
        )
        .await;
    }

    let (s, calls) = a.get(&format!("/api/customers/{cid}/calls")).await;
    assert_eq!(s, 200, "{calls}");
    assert_eq!(
        (&calls["total"], &calls["page"], &calls["limit"]),
        (&json!(3), &json!(1), &json!(25))
    );
    let sids: Vec<&str> = calls["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["twilio_sid"].as_str().unwrap())
        .collect();
    assert_eq!(sids, ["CA-H-3", "CA-H-2", "CA-H-1"], "newest first");
    let newest = &calls["items"][0];
    assert_eq!(
        (
            &newest["customer_id"],
            &newest["status"],
            &newest["duration_seconds"],
            &newest["direction"],
            &newest["ai_replies"]
        ),
        (
            &json!(cid),
            &json!("completed"),
            &json!(7),
            &json!("inbound"),
            &json!([])
        )
    );
    let (_, page2) = a
        .get(&format!("/api/customers/{cid}/calls?limit=2&page=2"))
        .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_eq!(page2["items"][0]["twilio_sid"], "CA-H-1");

    let (s, messages) = t
        .reader
        .get(&format!("/api/customers/{cid}/whatsapp"))
        .await;
    assert_eq!(s, 200, "{messages}");
    assert_eq!(messages["total"], 2);
    assert_eq!(
        (
            &messages["items"][0]["body"],
            &messages["items"][0]["direction"],
            &messages["items"][1]["direction"]
        ),
        (&json!("הודעה 2"), &json!("outbound"), &json!("inbound"))
    );

    let (_, none) = a.get(&format!("/api/customers/{quiet}/calls")).await;
    assert_eq!((&none["total"], &none["items"]), (&json!(0), &json!([])));
    assert_invalid(
        a.get(&format!("/api/customers/{cid}/calls?page=0")).await,
        "page",
    );
    assert_invalid(
        a.get(&format!("/api/customers/{cid}/whatsapp?limit=x"))
            .await,
        "limit",
    );

    // Unknown customers and other businesses' customers are 404, never an empty page.
    for path in ["calls", "whatsapp"] {
        assert_status(
            a.get(&format!("/api/customers/no-such-customer/{path}"))
                .await,
            404,
            "not_found",
        );
        assert_status(
            b.get(&format!("/api/customers/{cid}/{path}")).await,
            404,
            "not_found",
        );
        // Read-only lists: no writes here.
        assert_status(
            a.post(&format!("/api/customers/{cid}/{path}"), json!({}))
                .await,
            405,
            "method_not_allowed",
        );
    }
    t.stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn customer_calls_and_whatsapp_sqlite() {
    customer_calls_and_whatsapp(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn customer_calls_and_whatsapp_postgres_nats() {
    customer_calls_and_whatsapp(Db::Postgres, Bus::Nats).await;
}

// ---------------------------------------------------------------------------------------------
// Feature flags × routes

/// One request of the matrix: the features it needs (checked in this order), and what it
/// answers while they are on.
struct Probe {
    features: &'static [&'static str],
    method: reqwest::Method,
    path: String,
    body: Option<Value>,
    ok: u16,
}

fn probe(
    features: &'static [&'static str],
    method: reqwest::Method,
    path: impl Into<String>,
    body: Option<Value>,
    ok: u16,
) -> Probe {
    Probe {
        features,
        method,
        path: path.into(),
        body,
        ok,
    }
}

async fn send(api: &Api, p: &Probe) -> (u16, Value) {
    let body = p.body.clone().map(agentlocator_tests::Body::Json);
    api.call(p.method.clone(), &p.path, body).await
}

async fn feature_flag_matrix(db: Db, bus: Bus) {
    use reqwest::Method;
    let t = tenants(db, bus).await;
    let (a, owner) = (&t.a, &t.owner);
    let cid = customer(a, "ליאור", "050-9990011").await;
    let items = json!([{"description": "שירות", "quantity": 1, "unit_price_agorot": 1_000}]);
    let new_invoice = json!({"customer_id": cid, "items": items});
    let new_appointment = json!({"title": "פגישה", "starts_at": "2026-05-01T09:00:00Z", "ends_at": "2026-05-01T10:00:00Z"});
    let new_contract = json!({"customer_id": cid, "title": "חוזה"});
    let new_proposal = json!({"customer_id": cid, "title": "הצעה", "items": items});
    let (_, inv) = a.post("/api/invoices", new_invoice.clone()).await;
    let (_, appt) = a.post("/api/appointments", new_appointment.clone()).await;
    let (_, contract) = a.post("/api/contracts", new_contract.clone()).await;
    let (_, proposal) = a.post("/api/proposals", new_proposal.clone()).await;
    let (inv, appt, contract, proposal) = (id(&inv), id(&appt), id(&contract), id(&proposal));

    let probes = vec![
        // Always reachable: the settings where features are switched.
        probe(&[], Method::GET, "/api/business", None, 200),
        probe(&["crm"], Method::GET, "/api/crm/customers", None, 200),
        probe(
            &["crm"],
            Method::GET,
            format!("/api/crm/customers/{cid}"),
            None,
            200,
        ),
        probe(
            &["crm"],
            Method::GET,
            format!("/api/customers/{cid}/timeline"),
            None,
            200,
        ),
        probe(
            &["crm"],
            Method::GET,
            format!("/api/customers/{cid}/calls"),
            None,
            200,
        ),
        probe(
            &["crm"],
            Method::GET,
            format!("/api/customers/{cid}/whatsapp"),
            None,
            200,
        ),
        probe(&["crm"], Method::GET, "/api/tasks", None, 200),
        probe(
            &["crm"],
            Method::POST,
            "/api/tasks",
            Some(json!({"title": "משימה"})),
            201,
        ),
        probe(&["invoices"], Method::GET, "/api/invoices", None, 200),
        probe(
            &["invoices"],
            Method::POST,
            "/api/invoices",
            Some(new_invoice),
            201,
        ),
        probe(
            &["invoices"],
            Method::GET,
            format!("/api/invoices/{inv}"),
            None,
            200,
        ),
        probe(
            &["invoices"],
            Method::PATCH,
            format!("/api/invoices/{inv}"),
            Some(json!({"due_at": null})),
            200,
        ),
        probe(
            &["invoices"],
            Method::DELETE,
            "/api/invoices/missing",
            None,
            404,
        ),
        probe(&["calendar"], Method::GET, "/api/appointments", None, 200),
        probe(
            &["calendar"],
            Method::POST,
            "/api/appointments",
            Some(new_appointment),
            201,
        ),
        probe(
            &["calendar"],
            Method::GET,
            format!("/api/appointments/{appt}"),
            None,
            200,
        ),
        probe(
            &["calendar"],
            Method::PATCH,
            format!("/api/appointments/{appt}"),
            Some(json!({"notes": "x"})),
            200,
        ),
        probe(
            &["calendar"],
            Method::DELETE,
            "/api/appointments/missing",
            None,
            404,
        ),
        probe(&["contracts"], Method::GET, "/api/contracts", None, 200),
        probe(
            &["contracts"],
            Method::POST,
            "/api/contracts",
            Some(new_contract),
            201,
        ),
        probe(
            &["contracts"],
            Method::GET,
            format!("/api/contracts/{contract}"),
            None,
            200,
        ),
        probe(
            &["contracts"],
            Method::PATCH,
            format!("/api/contracts/{contract}"),
            Some(json!({"body": "x"})),
            200,
        ),
        probe(
            &["contracts"],
            Method::DELETE,
            "/api/contracts/missing",
            None,
            404,
        ),
        probe(
            &["signature", "contracts"],
            Method::POST,
            format!("/api/contracts/{contract}/signature-link"),
            None,
            201,
        ),
        probe(&["proposals"], Method::GET, "/api/proposals", None, 200),
        probe(
            &["proposals"],
            Method::POST,
            "/api/proposals",
            Some(new_proposal),
            201,
        ),
        probe(
            &["proposals"],
            Method::GET,
            format!("/api/proposals/{proposal}"),
            None,
            200,
        ),
        probe(
            &["proposals"],
            Method::PATCH,
            format!("/api/proposals/{proposal}"),
            Some(json!({"title": "x"})),
            200,
        ),
        probe(
            &["proposals"],
            Method::DELETE,
            "/api/proposals/missing",
            None,
            404,
        ),
        probe(&["reports"], Method::GET, "/api/reports/summary", None, 200),
    ];

    // Everything works with every feature on.
    for p in &probes {
        let (s, body) = send(a, p).await;
        assert_eq!(s, p.ok, "{} {}: {body}", p.method, p.path);
    }

    for flag in [
        "crm",
        "invoices",
        "calendar",
        "contracts",
        "proposals",
        "signature",
        "reports",
    ] {
        let (s, b) = owner
            .patch(
                "/api/business",
                json!({"features": {format!("{flag}_enabled"): false}}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["features"][format!("{flag}_enabled")], false);
        for p in &probes {
            let (s, body) = send(a, p).await;
            if p.features.contains(&flag) {
                assert_eq!(
                    (s, body["error"].as_str()),
                    (403, Some(format!("{flag}_disabled").as_str())),
                    "{flag} off: {} {}: {body}",
                    p.method,
                    p.path
                );
            } else {
                assert_eq!(s, p.ok, "{flag} off: {} {}: {body}", p.method, p.path);
            }
        }
        let (s, _) = owner
            .patch(
                "/api/business",
                json!({"features": {format!("{flag}_enabled"): true}}),
            )
            .await;
        assert_eq!(s, 200);
    }

    // The public signing routes take the link's token, not a business: they stay reachable.
    let (_, link) = a
        .post(
            &format!("/api/contracts/{contract}/signature-link"),
            json!({}),
        )
        .await;
    owner
        .patch(
            "/api/business",
            json!({"features": {"signature_enabled": false}}),
        )
        .await;
    let public = Api::new(&t.stack, None);
    let (s, doc) = public
        .get(&format!(
            "/api/public/signatures/{}",
            link["token"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, 200, "{doc}");
    t.stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn feature_flag_matrix_sqlite() {
    feature_flag_matrix(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn feature_flag_matrix_postgres_nats() {
    feature_flag_matrix(Db::Postgres, Bus::Nats).await;
}
