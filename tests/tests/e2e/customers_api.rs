//! The first route end to end: HTTP → gateway → gRPC → crm-svc → database, on the embedded
//! default (SQLite + in-process bus) and on PostgreSQL + NATS JetStream.

use agentlocator_tests::{Api, Bus, Db, TestStack};

async fn customers_route(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    if !stack.config.is_embedded() {
        // The embedded default seeds the demo on start; elsewhere it is an explicit step.
        agentlocator::demo(&stack.config).await.unwrap();
    }
    // Seeding twice changes nothing.
    agentlocator::demo(&stack.config).await.unwrap();
    let business = stack.demo_business().await;
    let token = stack.sign_in(&business, "agent").await;
    let api = Api::new(&stack, Some(token.clone()));
    let get = |path: String| {
        let api = api.clone();
        async move { api.get(&path).await }
    };

    let (s, page) = get("/api/crm/customers?page=1&limit=25".into()).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["page"], 1);
    assert_eq!(page["limit"], 25);
    assert_eq!(page["total"], 50);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 25);
    let created: Vec<&str> = items
        .iter()
        .map(|c| c["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted, "newest first");
    for c in items {
        let phone = c["phone"].as_str().unwrap();
        assert!(phone.starts_with("+9725") && phone.len() == 13, "{phone}");
        assert!(!c["name"].as_str().unwrap().is_empty());
    }

    // Page 2 holds the other 25, page 3 nothing.
    let (_, p2) = get("/api/crm/customers?page=2&limit=25".into()).await;
    let p2_ids: Vec<&str> = p2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(p2_ids.len(), 25);
    assert!(
        items
            .iter()
            .all(|c| !p2_ids.contains(&c["id"].as_str().unwrap()))
    );
    // The names behind another list's page: just the given ids, in one request.
    let wanted = [items[3]["id"].as_str().unwrap(), p2_ids[0], "no-such-id"].join(",");
    let (s, picked) = get(format!("/api/crm/customers?ids={wanted}")).await;
    assert_eq!(s, 200, "{picked}");
    let picked_ids: Vec<&str> = picked["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(picked_ids, [items[3]["id"].as_str().unwrap(), p2_ids[0]]);
    let (s, e) = get(format!("/api/crm/customers?ids={wanted}&q=x")).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (422, Some("validation_error")),
        "{e}"
    );

    let (_, p3) = get("/api/crm/customers?page=3&limit=25".into()).await;
    assert_eq!(p3["items"].as_array().unwrap().len(), 0);
    assert_eq!(p3["total"], 50);

    let (s, big) = get("/api/crm/customers?limit=1000".into()).await;
    assert_eq!(s, 200);
    assert_eq!(big["limit"], 100);
    assert_eq!(big["items"].as_array().unwrap().len(), 50);

    let (s, dflt) = get("/api/crm/customers".into()).await;
    assert_eq!(s, 200);
    assert_eq!(
        (dflt["page"].as_i64(), dflt["limit"].as_i64()),
        (Some(1), Some(25))
    );

    // Keyset paging: a full page names the next in X-Next-Cursor; following the cursors walks
    // the same order as the pages, with `page` 0 and the same total.
    let by_cursor = |query: String| {
        let (url, token) = (
            stack.url(&format!("/api/crm/customers?{query}")),
            token.clone(),
        );
        async move {
            let res = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let next = res
                .headers()
                .get("x-next-cursor")
                .map(|v| v.to_str().unwrap().to_string());
            (status, next, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    let ids = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, mut next, first) = by_cursor("limit=20".into()).await;
    let mut walked = ids(&first);
    while let Some(cursor) = next.take() {
        let (s, n, page) = by_cursor(format!("limit=20&after={}", urlencode(&cursor))).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(
            (page["page"].as_i64(), page["total"].as_i64()),
            (Some(0), Some(50))
        );
        walked.extend(ids(&page));
        next = n;
    }
    assert_eq!(walked.len(), 50);
    assert_eq!(walked, ids(&big), "the same order as the pages");
    let (s, _, e) = by_cursor("page=2&after=2026-01-01T00:00:00Z%7Cx".into()).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("after")), "{e}");
    let (s, _, e) = by_cursor("after=garbage".into()).await;
    assert_eq!((s, e["field"].as_str()), (422, Some("after")), "{e}");

    for bad in [
        "page=0", "page=abc", "limit=-1", "limit=0", "page=-3", "page=1.5",
    ] {
        let (s, e) = get(format!("/api/crm/customers?{bad}")).await;
        assert_eq!(s, 422, "{bad}: {e}");
        assert_eq!(e["error"], "validation_error", "{bad}");
        let msg = e["message"].as_str().unwrap();
        let field = bad.split('=').next().unwrap();
        assert!(
            msg.contains(field),
            "{bad}: message {msg:?} should name {field}"
        );
    }

    // An unknown API route is a JSON 404 (page routes belong to the web app).
    let (s, e) = get("/api/no/such/route".into()).await;
    assert_eq!(s, 404);
    assert_eq!(e["error"], "not_found");

    stack.stop().await.expect("clean stop");
}

#[tokio::test]
async fn customers_route_sqlite_in_process_bus() {
    customers_route(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test]
async fn customers_route_postgres_nats() {
    customers_route(Db::Postgres, Bus::Nats).await;
}

/// `s` as a query-string value.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
