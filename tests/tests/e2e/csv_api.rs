//! CSV import and export over HTTP: upload (Windows-1255 from Excel), preview, refusal of a file
//! with bad rows unless "import valid rows", the background job's progress, the errors file,
//! the size limit, tenant isolation of every route, and a streamed export of 100,000 customers.

use agentlocator_proto::v1::{ExportCsvRequest, crm_service_client::CrmServiceClient};
use agentlocator_tests::{Api, Bus, Db, TestStack};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

const ROWS: usize = 100_000;

async fn upload(stack: &TestStack, token: &str, body: Vec<u8>) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(stack.url("/api/crm/imports?file_name=list.csv"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Polls the import until it is done (or failed), for at most `within`.
async fn until_done(api: &Api, id: &str, within: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let (s, import) = api.get(&format!("/api/crm/imports/{id}")).await;
        assert_eq!(s, 200, "{import}");
        if import["status"] == "done" || import["status"] == "failed" {
            return import;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "import not done: {import}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get_text(
    stack: &TestStack,
    token: &str,
    path: &str,
) -> (u16, String, reqwest::header::HeaderMap) {
    let res = reqwest::Client::new()
        .get(stack.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, res.text().await.unwrap(), headers)
}

async fn csv_routes(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let crm = stack.db().await;
    let mine = crm_svc::test_support::create_business(&crm, "עסק מייבא").await;
    let theirs = crm_svc::test_support::create_business(&crm, "עסק אחר").await;
    let token = stack.sign_in(mine.id.as_str(), "owner").await;
    let other = stack.sign_in(theirs.id.as_str(), "owner").await;
    let read_only = stack.sign_in(mine.id.as_str(), "read_only").await;
    let api = Api::new(&stack, Some(token.clone()));
    let foreign = Api::new(&stack, Some(other.clone()));

    // Excel's Hebrew CSV: Windows-1255, with a bad phone and a formula cell.
    let text = "שם מלא,נייד,הערות\r\nדנה כהן,050-123-4567,=cmd|' /C calc'!A0\r\nיוסי,(03) 123-4567,\r\nבלי,12345,\r\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1255.encode(text);
    assert!(!bad);
    let (s, e) = upload(&stack, &read_only, bytes.to_vec()).await;
    assert_eq!((s, e["error"].as_str()), (403, Some("forbidden")), "{e}");
    let (s, preview) = upload(&stack, &token, bytes.to_vec()).await;
    assert_eq!(s, 201, "{preview}");
    assert_eq!(preview["import"]["encoding"], "windows-1255");
    assert_eq!(preview["import"]["status"], "draft");
    assert_eq!(preview["header"], json!(["שם מלא", "נייד", "הערות"]));
    assert_eq!(
        preview["mapping"],
        json!({"name": 0, "phone": 1, "email": null, "notes": 2, "status": null})
    );
    assert_eq!(
        (
            preview["error_count"].as_i64(),
            preview["valid_count"].as_i64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(preview["errors"][0]["line"], 4);
    assert_eq!(preview["errors"][0]["field"], "phone");
    let id = preview["import"]["id"].as_str().unwrap().to_string();

    // Another mapping previews other errors; an impossible one says why.
    let (s, p) = api
        .post(
            &format!("/api/crm/imports/{id}/preview"),
            json!({"mapping": {"name": 0}}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert!(
        p["mapping_error"].as_str().unwrap().contains("phone"),
        "{p}"
    );

    // Every route of another business's import: 404.
    for (s, e) in [
        foreign.get(&format!("/api/crm/imports/{id}")).await,
        foreign
            .post(&format!("/api/crm/imports/{id}/preview"), json!({}))
            .await,
        foreign
            .post(
                &format!("/api/crm/imports/{id}/start"),
                json!({"mapping": preview["mapping"], "import_valid_rows": true}),
            )
            .await,
        foreign.get(&format!("/api/crm/imports/{id}/errors")).await,
    ] {
        assert_eq!((s, e["error"].as_str()), (404, Some("not_found")), "{e}");
    }

    // Bad rows and no "import valid rows": refused, nothing imported.
    let start = format!("/api/crm/imports/{id}/start");
    let (s, e) = api
        .post(&start, json!({"mapping": preview["mapping"]}))
        .await;
    assert_eq!(
        (s, e["field"].as_str()),
        (422, Some("import_valid_rows")),
        "{e}"
    );
    let (s, e) = api
        .post(
            &start,
            json!({"mapping": preview["mapping"], "duplicates": "maybe"}),
        )
        .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("duplicates")), "{e}");
    let (s, started) = api
        .post(&start, json!({"mapping": preview["mapping"], "duplicates": "merge", "import_valid_rows": true}))
        .await;
    assert_eq!(s, 202, "{started}");
    let done = until_done(&api, &id, Duration::from_secs(30)).await;
    assert_eq!(
        (
            done["status"].as_str(),
            done["created"].as_i64(),
            done["errors"].as_i64()
        ),
        (Some("done"), Some(2), Some(1)),
        "{done}"
    );
    let (s, again) = api
        .post(&start, json!({"mapping": preview["mapping"]}))
        .await;
    assert_eq!(
        (s, again["error"].as_str()),
        (409, Some("conflict")),
        "{again}"
    );

    let (s, errors, headers) =
        get_text(&stack, &token, &format!("/api/crm/imports/{id}/errors")).await;
    assert_eq!(s, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert_eq!(
        errors,
        "\u{feff}שורה,שדה,שגיאה,תוכן השורה\r\n4,phone,מספר טלפון לא תקין: 12345,\"בלי,12345,\"\r\n"
    );

    // The export: Hebrew intact, BOM, CRLF, the formula defused, nothing of the other business.
    crm_svc::customers::create(
        &crm,
        &theirs.id,
        crm_svc::customers::NewCustomer {
            name: "זר".into(),
            phone: "0529999999".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (s, csv, headers) = get_text(&stack, &token, "/api/exports/customers").await;
    assert_eq!(s, 200, "{csv}");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("customers.csv")
    );
    assert!(
        csv.starts_with("\u{feff}שם,טלפון,אימייל,סטטוס,מקור,הערות,נוצר\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("דנה כהן,050-1234567,,ליד,import,\"'=cmd|' /C calc'!A0\","),
        "{csv}"
    );
    assert!(csv.contains("יוסי,03-1234567,"), "{csv}");
    assert!(
        !csv.contains("זר"),
        "another business's customer in the export"
    );
    assert_eq!(csv.matches("\r\n").count(), 3);
    let (s, e) = api.get("/api/exports/users").await;
    assert_eq!((s, e["field"].as_str()), (422, Some("kind")), "{e}");
    for kind in ["tasks", "invoices"] {
        let (s, csv, _) = get_text(&stack, &token, &format!("/api/exports/{kind}")).await;
        assert_eq!(s, 200, "{kind}: {csv}");
        assert!(csv.starts_with('\u{feff}'));
    }

    // Too large: 413 before anything is read into a draft; not CSV text: 422.
    let (s, e) = upload(&stack, &token, vec![b'a'; 21 * 1024 * 1024]).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (413, Some("payload_too_large")),
        "{e}"
    );
    let (s, e) = upload(
        &stack,
        &token,
        vec![0x50, 0x4b, 0x03, 0x04, 0, 0, 0x81, 0xff],
    )
    .await;
    assert_eq!((s, e["field"].as_str()), (422, Some("file")), "{e}");

    // 100,000 rows in through the import, out through the streamed export.
    let mut big = String::from("name,phone,email\n");
    for i in 0..ROWS {
        big.push_str(&format!("לקוח {i},052-{:07},c{i}@example.com\n", i));
    }
    let (s, p) = upload(&stack, &token, big.into_bytes()).await;
    assert_eq!(
        (s, p["error_count"].as_i64()),
        (201, Some(0)),
        "{}",
        p["errors"]
    );
    let big_id = p["import"]["id"].as_str().unwrap().to_string();
    let (s, _) = api
        .post(
            &format!("/api/crm/imports/{big_id}/start"),
            json!({"mapping": p["mapping"]}),
        )
        .await;
    assert_eq!(s, 202);
    let done = until_done(&api, &big_id, Duration::from_secs(300)).await;
    assert_eq!(done["created"].as_i64(), Some(ROWS as i64), "{done}");

    // crm-svc produces the file page by page: one gRPC message per page of 1,000 rows, none
    // holding more than a page. (This is what keeps memory bounded on its side.)
    let mut client = CrmServiceClient::connect(stack.config.services.crm.url.clone())
        .await
        .unwrap();
    let mut stream = client
        .export_csv(ExportCsvRequest {
            business_id: mine.id.to_string(),
            kind: "customers".into(),
            import_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let (mut messages, mut largest, mut lines) = (0usize, 0usize, 0usize);
    while let Some(chunk) = stream.message().await.unwrap() {
        messages += 1;
        largest = largest.max(chunk.data.len());
        lines += chunk.data.iter().filter(|b| **b == b'\n').count();
    }
    assert_eq!(lines, ROWS + 3, "header + 2 + 100,000 rows");
    assert!(messages >= ROWS / 1000, "{messages} messages");
    assert!(largest < 200 * 1024, "a message of {largest} bytes");

    // The gateway passes the chunks on as they come: a chunked response without Content-Length,
    // received in many pieces, whose lines add up.
    let res = reqwest::Client::new()
        .get(stack.url("/api/exports/customers"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("content-length").is_none(),
        "{:?}",
        res.headers()
    );
    let mut body = res.bytes_stream();
    let (mut pieces, mut total_lines, mut first) = (0usize, 0usize, None);
    while let Some(piece) = body.next().await {
        let piece = piece.unwrap();
        if first.is_none() {
            first = Some(piece.clone());
        }
        pieces += 1;
        total_lines += piece.iter().filter(|b| **b == b'\n').count();
    }
    assert!(first.unwrap().starts_with("\u{feff}".as_bytes()));
    assert_eq!(total_lines, ROWS + 3);
    assert!(pieces > 10, "the export came in {pieces} pieces");

    stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn csv_routes_sqlite() {
    csv_routes(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn csv_routes_postgres() {
    csv_routes(Db::Postgres, Bus::Nats).await;
}
