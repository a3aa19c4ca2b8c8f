//! Allocation numbers from the Tax Authority on both backends, against a loopback Authority
//! that speaks its documented wire format: the OAuth2 connect (authorize redirect with the
//! state, the code exchanged with the client credentials by HTTP Basic, refresh), the Approval
//! endpoint (a number, a refusal with its errors, 401 for an expired token, 503), the worker's
//! retries and backoff, exactly one request per document across two workers, and the number on
//! the PDF. The tokens are never stored in plain text.

use crate::document_pdfs::{pdftotext, squashed};
use crate::fixtures::{Tenant, staff, tenant};
use base64::Engine;
use crm_svc::{
    Db, backend_test,
    businesses::{self, BusinessPatch, LegalPatch},
    document_pdfs::{self, Which},
    enums::{AllocationStatus, DocType, InvoiceStatus, PaymentMethod},
    error::Error,
    invoices::{self, Invoice, InvoicePatch, NewInvoice, documents::DocumentKind},
    line_items::LineItem,
    strings,
    tax_authority::{
        self, TaxAuthority,
        config::TaxAuthorityConfig,
        queries as ta_queries,
        worker::{self, Backoff},
    },
};
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers};

const CLIENT_ID: &str = "loopback-app";
const CLIENT_SECRET: &str = "loopback-secret-value";
const REDIRECT_URI: &str = "http://127.0.0.1:8080/settings/tax-authority/callback";
/// A valid ח.פ for the seller and one for the buyer.
const SELLER_TAX_ID: &str = "515146462";
const BUYER_TAX_ID: &str = "514713288";

/// What the loopback Authority's Approval endpoint answers next (then numbers again).
#[derive(Debug, Clone, Copy)]
enum Next {
    Unavailable,
    Refuse,
}

#[derive(Default)]
struct Authority {
    /// Access tokens the Approval endpoint accepts.
    valid_access: Vec<String>,
    /// Refresh tokens the token endpoint accepts.
    valid_refresh: Vec<String>,
    /// Codes issued by the authorize endpoint, not used yet.
    codes: Vec<String>,
    minted: u32,
    /// `grant_type` of each token request.
    grants: Vec<String>,
    /// Every Approval body received with a valid token.
    approvals: Vec<serde_json::Value>,
    /// Approval requests refused as unauthorised.
    unauthorized: u32,
    script: VecDeque<Next>,
}

type Shared = Arc<Mutex<Authority>>;

fn json(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

fn query(req: &Request) -> HashMap<String, String> {
    req.url.query_pairs().into_owned().collect()
}

/// Starts the loopback Authority under `/shaam/tsandbox`.
async fn authority() -> (MockServer, Shared) {
    let server = MockServer::start().await;
    let shared: Shared = Arc::default();

    let s = shared.clone();
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/shaam/tsandbox/longtimetoken/oauth2/authorize"))
        .respond_with(move |req: &Request| {
            let q = query(req);
            if q.get("response_type").map(String::as_str) != Some("code")
                || q.get("client_id").map(String::as_str) != Some(CLIENT_ID)
                || q.get("redirect_uri").map(String::as_str) != Some(REDIRECT_URI)
            {
                return json(
                    400,
                    serde_json::json!({"error": "unauthorized_client",
                        "error_description": "Invalid client ID or secret, or client not subscribed to this API"}),
                );
            }
            let mut a = s.lock().unwrap();
            a.minted += 1;
            let code = format!("code-{}", a.minted);
            a.codes.push(code.clone());
            let mut location = reqwest::Url::parse(REDIRECT_URI).unwrap();
            location
                .query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", q.get("state").map_or("", String::as_str));
            ResponseTemplate::new(302).insert_header("location", location.as_str())
        })
        .mount(&server)
        .await;

    let s = shared.clone();
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/shaam/tsandbox/longtimetoken/oauth2/token"))
        .respond_with(move |req: &Request| {
            let basic = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
            );
            if req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                != Some(&basic)
            {
                return json(401, serde_json::json!({"error": "invalid_client"}));
            }
            let form: HashMap<String, String> =
                serde_urlencoded::from_bytes(&req.body).unwrap_or_default();
            let mut a = s.lock().unwrap();
            let grant = form.get("grant_type").cloned().unwrap_or_default();
            a.grants.push(grant.clone());
            let ok = match grant.as_str() {
                "authorization_code" => {
                    let code = form.get("code").cloned().unwrap_or_default();
                    let known = a.codes.contains(&code)
                        && form.get("redirect_uri").map(String::as_str) == Some(REDIRECT_URI);
                    a.codes.retain(|c| *c != code);
                    known
                }
                "refresh_token" => {
                    let rt = form.get("refresh_token").cloned().unwrap_or_default();
                    let known = a.valid_refresh.contains(&rt);
                    // Refresh tokens rotate: the one used is spent.
                    a.valid_refresh.retain(|r| *r != rt);
                    known
                }
                _ => false,
            };
            if !ok {
                return json(400, serde_json::json!({"error": "invalid_grant"}));
            }
            a.minted += 1;
            let (access, refresh) = (format!("AT-{}", a.minted), format!("RT-{}", a.minted));
            a.valid_access = vec![access.clone()];
            a.valid_refresh.push(refresh.clone());
            json(
                200,
                serde_json::json!({"access_token": access, "refresh_token": refresh,
                    "token_type": "Bearer", "expires_in": 600, "scope": "scope"}),
            )
        })
        .mount(&server)
        .await;

    let s = shared.clone();
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/shaam/tsandbox/Invoices/v1/Approval"))
        .respond_with(move |req: &Request| {
            let mut a = s.lock().unwrap();
            let bearer = req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default()
                .to_owned();
            if !a.valid_access.contains(&bearer) {
                a.unauthorized += 1;
                return json(401, serde_json::json!({"error": "invalid_token"}));
            }
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            a.approvals.push(body.clone());
            match a.script.pop_front() {
                Some(Next::Unavailable) => ResponseTemplate::new(503),
                Some(Next::Refuse) => json(
                    200,
                    serde_json::json!({"Status": 200, "Message": [{"errors": [{"code": 432,
                        "message": "Customer VAT Number is incorrect",
                        "param": "Customer_VAT_Number", "location": "validation"}]}],
                        "Confirmation_Number": 0}),
                ),
                None => json(
                    200,
                    serde_json::json!({"Status": 200, "Message": "Invoice approved",
                        "Confirmation_Number": format!("20261201{:0>9}",
                            body["Invoice_Reference_Number"].as_str().unwrap_or(""))}),
                ),
            }
        })
        .mount(&server)
        .await;
    (server, shared)
}

fn config(server: &MockServer) -> TaxAuthorityConfig {
    TaxAuthorityConfig {
        client_id: CLIENT_ID.into(),
        client_secret: agentlocator_common::config::Secret::new(CLIENT_SECRET),
        token_key: [42; 32],
        environment: "sandbox",
        oauth_url: format!("{}/shaam/tsandbox", server.uri()),
        api_url: format!("{}/shaam/tsandbox", server.uri()),
        software_number: Some(207703),
        redirect_uri: REDIRECT_URI.into(),
    }
}

const FAST: Backoff = Backoff {
    first: Duration::from_millis(300),
    max: Duration::from_secs(1),
};

/// A business with its legal details (a licensed dealer with a ח.פ).
async fn business(db: &Db, name: &str, n: u32) -> Tenant {
    let t = tenant(db, name, n).await;
    businesses::update(
        db,
        &t.business.id,
        BusinessPatch {
            legal: LegalPatch {
                legal_name: Some(format!("{name} בע\"מ")),
                tax_id: Some(SELLER_TAX_ID.into()),
                address: Some("הרצל 1, תל אביב".into()),
                vat_status: None,
            },
            ..BusinessPatch::default()
        },
    )
    .await
    .unwrap();
    t
}

/// Issues a document of `doc_type` for `agorot` before VAT to the tenant's customer.
async fn issue(
    db: &Db,
    t: &Tenant,
    doc_type: DocType,
    tax_id: Option<&str>,
    agorot: i64,
) -> Invoice {
    let draft = invoices::create_document(
        db,
        &t.business.id,
        NewInvoice {
            customer_id: t.customer.id.clone(),
            items: vec![LineItem::new("פרויקט הטמעה", 1, agorot)],
            due_at: None,
        },
        DocumentKind {
            doc_type,
            payment_method: (doc_type == DocType::TaxInvoiceReceipt)
                .then_some(PaymentMethod::BankTransfer),
            customer_tax_id: tax_id.map(str::to_owned),
            ..DocumentKind::default()
        },
    )
    .await
    .unwrap();
    invoices::update(
        db,
        &t.business.id,
        &draft.id,
        InvoicePatch {
            status: Some(InvoiceStatus::Sent),
            ..InvoicePatch::default()
        },
    )
    .await
    .unwrap()
}

async fn reload(db: &Db, t: &Tenant, inv: &Invoice) -> Invoice {
    invoices::get(db, &t.business.id, &inv.id).await.unwrap()
}

/// Connects `t` the way the owner does: the authorize URL, the Authority's redirect back with
/// the code and the state, the callback.
async fn connect(db: &Db, ta: &TaxAuthority, t: &Tenant) {
    let url = tax_authority::start_connect(db, Some(ta), &t.business.id, &t.user.id)
        .await
        .unwrap();
    let sent_state = reqwest::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = http.get(&url).send().await.unwrap();
    assert_eq!(back.status(), 302, "the authorize page redirects back");
    let location = reqwest::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT_URI), "{location}");
    let q: HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], sent_state);
    let status = tax_authority::complete_connect(
        db,
        Some(ta),
        &t.business.id,
        &t.user.id,
        &q["code"],
        &q["state"],
    )
    .await
    .unwrap();
    assert!(status.connected);
    // The state is used up: the same callback again is refused.
    let again = tax_authority::complete_connect(
        db,
        Some(ta),
        &t.business.id,
        &t.user.id,
        &q["code"],
        &q["state"],
    )
    .await;
    assert!(
        matches!(again, Err(Error::Validation { field: "state", .. })),
        "{again:?}"
    );
}

async fn allocation_flow(db: Db) {
    let (server, authority) = authority().await;
    let ta = TaxAuthority::new(config(&server));
    let t = business(&db, "סטודיו גל", 1).await;
    let bid = &t.business.id;

    // Today's threshold is ₪5,000 before VAT (from 2026-06-01): exactly that needs none, a
    // private customer (no tax id) needs none, a receipt needs none.
    let at_threshold = issue(&db, &t, DocType::TaxInvoice, Some(BUYER_TAX_ID), 500_000).await;
    assert_eq!(at_threshold.allocation_status, None);
    let private = issue(&db, &t, DocType::TaxInvoice, None, 9_000_000).await;
    assert_eq!(private.allocation_status, None);
    assert!(!invoices::allocation_required(&private).unwrap());

    // Above it, to a business buyer: awaiting, and the business is not connected yet.
    let inv = issue(&db, &t, DocType::TaxInvoice, Some(BUYER_TAX_ID), 1_250_000).await;
    assert_eq!(inv.allocation_status, Some(AllocationStatus::Awaiting));
    assert_eq!(worker::pass(&db, Some(&ta), FAST).await.unwrap(), 1);
    let waiting = reload(&db, &t, &inv).await;
    assert_eq!(waiting.allocation_status, Some(AllocationStatus::Awaiting));
    assert_eq!(
        waiting.allocation_reason.as_deref(),
        Some(strings::ALLOCATION_NOT_CONNECTED)
    );
    assert!(authority.lock().unwrap().approvals.is_empty());
    // Its PDF says it waits, and is not the stored one yet.
    let pdf = document_pdfs::get(&db, bid, inv.id.as_str(), Which::Original)
        .await
        .unwrap();
    assert!(
        pdftotext(&pdf.bytes).contains(&squashed(strings::PDF_ALLOCATION_AWAITING)),
        "the awaiting PDF says so"
    );

    // Connecting wakes it: the next pass gets the number, which the PDF prints.
    connect(&db, &ta, &t).await;
    let status = tax_authority::status(&db, Some(&ta), bid).await.unwrap();
    assert_eq!((status.connected, status.awaiting), (true, 1));
    assert_eq!(worker::pass(&db, Some(&ta), FAST).await.unwrap(), 1);
    let done = reload(&db, &t, &inv).await;
    let number = format!("20261201{:0>9}", inv.number.unwrap());
    assert_eq!(done.allocation_status, Some(AllocationStatus::Allocated));
    assert_eq!(done.allocation_number.as_deref(), Some(number.as_str()));
    assert_eq!(done.allocation_reason, None);
    {
        let a = authority.lock().unwrap();
        assert_eq!(a.approvals.len(), 1);
        let body = &a.approvals[0];
        assert_eq!(body["Invoice_ID"], inv.id.as_str());
        assert_eq!(body["Invoice_Type"], 305);
        assert_eq!(body["Vat_Number"], 515146462);
        assert_eq!(body["Customer_VAT_Number"], 514713288);
        assert_eq!(body["Customer_Name"], t.customer.name.as_str());
        assert_eq!(body["Accounting_Software_Number"], 207703);
        assert_eq!(
            body["Invoice_Reference_Number"],
            inv.number.unwrap().to_string()
        );
        assert_eq!(body["Amount_Before_Discount"], 12500.0);
        assert_eq!(
            body["VAT_Amount"],
            serde_json::json!(inv.vat_agorot as f64 / 100.0)
        );
        assert_eq!(
            body["Payment_Amount_Including_VAT"],
            serde_json::json!(inv.total_agorot as f64 / 100.0)
        );
        let date = crm_svc::time::israel_date(inv.issued_at.unwrap())
            .format("%Y-%m-%d")
            .to_string();
        assert_eq!(body["Invoice_Date"], date.as_str());
        assert_eq!(body["Items"][0]["Description"], "פרויקט הטמעה");
        assert_eq!(body["Items"][0]["Total_Amount"], 12500.0);
    }
    let pdf = document_pdfs::get(&db, bid, inv.id.as_str(), Which::Original)
        .await
        .unwrap();
    let text = pdftotext(&pdf.bytes);
    assert!(text.contains(&squashed("מספר הקצאה")), "{text}");
    assert!(
        text.contains(&number),
        "the allocation number on the PDF:\n{text}"
    );
    assert_eq!(
        document_pdfs::get(&db, bid, inv.id.as_str(), Which::Original)
            .await
            .unwrap(),
        pdf,
        "stored once it has its number"
    );
    assert_eq!(
        worker::pass(&db, Some(&ta), FAST).await.unwrap(),
        0,
        "nothing asked twice"
    );

    // The tokens are stored encrypted, never as they came.
    let row = {
        let bid = bid.clone();
        db.run(move |conn| ta_queries::find_connection(conn, &bid))
            .await
            .unwrap()
            .unwrap()
    };
    let current_access = authority.lock().unwrap().valid_access[0].clone();
    for plain in [current_access.as_str(), "RT-", "AT-"] {
        assert!(!row.access_token.contains(plain) && !row.refresh_token.contains(plain));
    }
    let cipher = tax_authority::crypto::TokenCipher::new(&[42; 32]);
    assert_eq!(
        cipher.open(bid.as_str(), &row.access_token).unwrap(),
        current_access
    );

    // An expired token: the Approval answers 401, the token is refreshed and the request sent
    // again, once.
    authority.lock().unwrap().valid_access.clear();
    let second = issue(
        &db,
        &t,
        DocType::TaxInvoiceReceipt,
        Some(BUYER_TAX_ID),
        600_000,
    )
    .await;
    assert_eq!(worker::pass(&db, Some(&ta), FAST).await.unwrap(), 1);
    let second = reload(&db, &t, &second).await;
    assert_eq!(second.allocation_status, Some(AllocationStatus::Allocated));
    {
        let a = authority.lock().unwrap();
        assert_eq!(a.unauthorized, 1);
        assert_eq!(a.grants, ["authorization_code", "refresh_token"]);
        assert_eq!(a.approvals.last().unwrap()["Invoice_Type"], 320);
    }
    let refreshed = {
        let bid = bid.clone();
        db.run(move |conn| ta_queries::find_connection(conn, &bid))
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(refreshed.version, row.version + 1);

    // The Authority down: the document waits saying why, is not asked again before its
    // backoff, then gets its number.
    authority.lock().unwrap().script = VecDeque::from([Next::Unavailable, Next::Unavailable]);
    let third = issue(&db, &t, DocType::TaxInvoice, Some(BUYER_TAX_ID), 700_000).await;
    assert_eq!(worker::pass(&db, Some(&ta), FAST).await.unwrap(), 1);
    let waiting = reload(&db, &t, &third).await;
    assert_eq!(waiting.allocation_status, Some(AllocationStatus::Awaiting));
    assert_eq!(
        waiting.allocation_reason.as_deref(),
        Some(strings::ALLOCATION_UNREACHABLE)
    );
    let sent = authority.lock().unwrap().approvals.len();
    assert_eq!(
        worker::pass(&db, Some(&ta), FAST).await.unwrap(),
        0,
        "backing off"
    );
    assert_eq!(authority.lock().unwrap().approvals.len(), sent);
    tokio::time::sleep(FAST.first + Duration::from_millis(50)).await;
    assert_eq!(worker::pass(&db, Some(&ta), FAST).await.unwrap(), 1);
    assert_eq!(
        reload(&db, &t, &third).await.allocation_status,
        Some(AllocationStatus::Awaiting),
        "down a second time"
    );
    // The second wait is twice the first.
    tokio::time::sleep(FAST.first + Duration::from_millis(50)).await;
    assert_eq!(
        worker::pass(&db, Some(&ta), FAST).await.unwrap(),
        0,
        "twice the backoff"
    );
    tokio::time::sleep(FAST.first).await;
    assert_eq!(worker::pass(&db, Some(&ta), FAST).await.unwrap(), 1);
    let third = reload(&db, &t, &third).await;
    assert_eq!(third.allocation_status, Some(AllocationStatus::Allocated));
    assert_eq!(third.allocation_reason, None);

    // A refusal: stored with the Authority's reason, not asked again; the PDF says so.
    authority.lock().unwrap().script = VecDeque::from([Next::Refuse]);
    let refused = issue(&db, &t, DocType::TaxInvoice, Some(BUYER_TAX_ID), 800_000).await;
    assert_eq!(worker::pass(&db, Some(&ta), FAST).await.unwrap(), 1);
    let refused = reload(&db, &t, &refused).await;
    assert_eq!(refused.allocation_status, Some(AllocationStatus::Refused));
    assert_eq!(
        refused.allocation_reason.as_deref(),
        Some("432 Customer VAT Number is incorrect (Customer_VAT_Number)")
    );
    assert_eq!(refused.allocation_number, None);
    let pdf = document_pdfs::get(&db, bid, refused.id.as_str(), Which::Original)
        .await
        .unwrap();
    assert!(pdftotext(&pdf.bytes).contains(&squashed(strings::PDF_ALLOCATION_REFUSED)));
    assert_eq!(worker::pass(&db, Some(&ta), FAST).await.unwrap(), 0);

    // A refresh token the Authority no longer accepts ends the connection: documents wait,
    // "not connected".
    {
        let mut a = authority.lock().unwrap();
        a.valid_access.clear();
        a.valid_refresh.clear();
    }
    let fourth = issue(&db, &t, DocType::TaxInvoice, Some(BUYER_TAX_ID), 900_000).await;
    assert_eq!(worker::pass(&db, Some(&ta), FAST).await.unwrap(), 1);
    let fourth = reload(&db, &t, &fourth).await;
    assert_eq!(
        fourth.allocation_reason.as_deref(),
        Some(strings::ALLOCATION_NOT_CONNECTED)
    );
    assert!(
        !tax_authority::status(&db, Some(&ta), bid)
            .await
            .unwrap()
            .connected
    );
    drop(server);
}
backend_test!(allocation_flow => tax_authority_allocation_sqlite, tax_authority_allocation_postgres);

/// The connect's state belongs to the business and the user who started it, and expires.
async fn connect_state_is_bound_to_its_user(db: Db) {
    let (server, _authority) = authority().await;
    let ta = TaxAuthority::new(config(&server));
    let t = business(&db, "סטודיו א", 1).await;
    let other = business(&db, "סטודיו ב", 2).await;
    let colleague = staff(&db, &t.business).await;
    let url = tax_authority::start_connect(&db, Some(&ta), &t.business.id, &t.user.id)
        .await
        .unwrap();
    let state = reqwest::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    for (bid, uid) in [
        (&t.business.id, &colleague.id),
        (&other.business.id, &other.user.id),
    ] {
        let r = tax_authority::complete_connect(&db, Some(&ta), bid, uid, "code-1", &state).await;
        assert!(
            matches!(r, Err(Error::Validation { field: "state", .. })),
            "{r:?}"
        );
    }
    let r = tax_authority::complete_connect(
        &db,
        Some(&ta),
        &t.business.id,
        &t.user.id,
        "code-1",
        "forged",
    )
    .await;
    assert!(
        matches!(r, Err(Error::Validation { field: "state", .. })),
        "{r:?}"
    );
    // The right user with a code the Authority never gave: its refusal, nothing stored.
    let r = tax_authority::complete_connect(
        &db,
        Some(&ta),
        &t.business.id,
        &t.user.id,
        "made-up",
        &state,
    )
    .await;
    assert!(
        matches!(r, Err(Error::Validation { field: "code", .. })),
        "{r:?}"
    );
    assert!(
        !tax_authority::status(&db, Some(&ta), &t.business.id)
            .await
            .unwrap()
            .connected
    );
    // Not configured: connecting is a conflict, documents wait saying so.
    assert!(matches!(
        tax_authority::start_connect(&db, None, &t.business.id, &t.user.id).await,
        Err(Error::Conflict(_))
    ));
    let inv = issue(&db, &t, DocType::TaxInvoice, Some(BUYER_TAX_ID), 1_000_000).await;
    assert_eq!(worker::pass(&db, None, FAST).await.unwrap(), 1);
    assert_eq!(
        reload(&db, &t, &inv).await.allocation_reason.as_deref(),
        Some(strings::ALLOCATION_NOT_CONFIGURED)
    );
}
backend_test!(connect_state_is_bound_to_its_user => tax_authority_state_sqlite, tax_authority_state_postgres);

/// Two workers (two replicas) at once: every document is asked for exactly once.
async fn two_workers_ask_once_per_document(db: Db) {
    let (server, authority) = authority().await;
    let ta = TaxAuthority::new(config(&server));
    let t = business(&db, "סטודיו ג", 1).await;
    connect(&db, &ta, &t).await;
    let mut docs = Vec::new();
    for i in 0..8 {
        docs.push(
            issue(
                &db,
                &t,
                DocType::TaxInvoice,
                Some(BUYER_TAX_ID),
                600_000 + i,
            )
            .await,
        );
    }
    let (a, b) = tokio::join!(
        async {
            let mut n = 0;
            for _ in 0..3 {
                n += worker::pass(&db, Some(&ta), FAST).await.unwrap();
            }
            n
        },
        async {
            let mut n = 0;
            for _ in 0..3 {
                n += worker::pass(&db, Some(&ta), FAST).await.unwrap();
            }
            n
        },
    );
    assert_eq!(a + b, docs.len());
    let sent: Vec<String> = authority
        .lock()
        .unwrap()
        .approvals
        .iter()
        .map(|b| b["Invoice_ID"].as_str().unwrap().to_owned())
        .collect();
    let mut unique = sent.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(sent.len(), docs.len(), "one request per document: {sent:?}");
    assert_eq!(unique.len(), docs.len());
    for d in &docs {
        assert_eq!(
            reload(&db, &t, d).await.allocation_status,
            Some(AllocationStatus::Allocated)
        );
    }
}
backend_test!(two_workers_ask_once_per_document => tax_authority_replicas_sqlite, tax_authority_replicas_postgres);
