//! The web app in a real browser: Debian's Chromium driven by playwright-core
//! (tests/node/web-smoke.mjs) against a whole stack with demo data, serving the built app
//! (web/dist, built by `make web` / `make web-test`). Signs in to the Today page, which lists a
//! call of that day nobody answered; opens the inbox, that conversation and its customer; moves a
//! lead on the board with the keyboard (375 px) and by dragging it (1280 px), each still moved
//! after a reload, with no horizontal overflow at either width; sees the demo customers in RTL,
//! finds one by a phone typed as 050-…, opens the customer page and its timeline, at 375 px wide
//! without horizontal overflow; opens /calendar, /proposal, /signature, /reports and settings,
//! saves a knowledge Q&A pair and sees it after a reload, books an appointment by clicking a
//! calendar slot; screenshots at 375×812 and 1280×800 to target/web-screenshots; then the styled
//! 404. A missing build or browser fails the test.

use agentlocator_tests::{Bus, Db, TEST_PASSWORD, TestEnv, TestStack};
use std::{path::PathBuf, process::Command};

/// The WhatsApp id the test sidecar gives a sent message (Baileys' id shape).
const SENT_MESSAGE_ID: &str = "3EB0A1B2C3D4E5F60718";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

#[test]
fn web_app_in_chromium() {
    let dist = workspace().join("web/dist");
    assert!(
        dist.join("index.html").exists(),
        "the web app is not built ({}): run `make web` (make test builds it first)",
        dist.display()
    );
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "Chromium is missing at {chromium}: install it with `apt-get install chromium` (scripts/ensure-tools.sh test does)"
    );
    let node = workspace().join("tests/node");
    assert!(
        node.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed in tests/node: run `make test-clients`"
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        // The WhatsApp sidecar, speaking its HTTP API: every send is accepted under one message id.
        let sidecar = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path_regex(
                r"^/sessions/[^/]+/messages$",
            ))
            .respond_with(
                wiremock::ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"id": SENT_MESSAGE_ID})),
            )
            .mount(&sidecar)
            .await;
        let mut env = TestEnv::new(Db::Sqlite, Bus::Memory);
        env.vars
            .insert("WEB_DIST_DIR".into(), dist.display().to_string());
        env.vars.insert("WA_SIDECAR_URL".into(), sidecar.uri());
        env.vars
            .insert("WA_BRIDGE_SECRET".into(), "web-test-bridge-secret".into());
        let stack = TestStack::start_in(env).await;
        let business = stack.demo_business().await;
        let email = format!("web-{}@test.local", uuid::Uuid::now_v7().simple());
        let db = stack.db().await;
        crm_svc::users::create(
            &db,
            &crm_svc::ids::BusinessId::from(business.clone()),
            crm_svc::users::NewUser {
                email: email.clone(),
                name: "דנה".into(),
                role: "owner".parse().expect("role"),
                password: TEST_PASSWORD.into(),
            },
        )
        .await
        .expect("create user");
        let token = stack.sign_in(&business, "owner").await;
        let http = reqwest::Client::new();

        // A demo customer with an Israeli mobile, and a task of theirs for the timeline.
        let list: serde_json::Value = http
            .get(stack.url("/api/crm/customers?limit=100"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("customers")
            .json()
            .await
            .expect("customers JSON");
        let customer = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|c| c["phone"].as_str().is_some_and(|p| p.starts_with("+9725")))
            .expect("a demo customer with a mobile number")
            .clone();
        let phone = customer["phone"].as_str().unwrap();
        let local = format!("0{}", &phone[4..]);
        let typed = format!("{}-{}", &local[..3], &local[3..]);
        let task_title = format!("לחזור ללקוח {}", uuid::Uuid::now_v7().simple());
        let res = http
            .post(stack.url("/api/tasks"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"title": task_title, "customer_id": customer["id"]}))
            .send()
            .await
            .expect("create task");
        assert_eq!(
            res.status(),
            201,
            "task: {}",
            res.text().await.unwrap_or_default()
        );

        // A call of that customer today that nobody answered: the Today page lists it.
        crate::today_api::file_call(
            &db,
            &business,
            &format!("CA{}", uuid::Uuid::now_v7().simple()),
            phone,
            "no-answer",
        )
        .await;

        let shots = workspace().join("target/web-screenshots");
        // Only this run's screenshots pass the checks below (files written before it started
        // are an earlier run's).
        let started = std::time::SystemTime::now();
        let base = stack.url("");
        let out = tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg(node.join("web-smoke.mjs"))
                .current_dir(&node)
                .env("AL_BASE_URL", base)
                .env("AL_EMAIL", &email)
                .env("AL_PASSWORD", TEST_PASSWORD)
                .env("AL_PHONE_QUERY", &typed)
                .env("AL_CUSTOMER_NAME", customer["name"].as_str().unwrap())
                .env("AL_TASK_TITLE", &task_title)
                .env("AL_MISSED_CALLER", customer["name"].as_str().unwrap())
                .env("AL_SCREENSHOT_DIR", &shots)
                .env("CHROMIUM_PATH", &chromium)
                .output()
                .expect("node runs (Node.js 20 is needed for the browser test)")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "browser test failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        assert!(stdout.contains("\"ok\":true"), "{stdout}");
        for page in [
            "today", "inbox", "board", "crm", "customer", "calendar", "reports", "settings",
        ] {
            for width in [375, 1280] {
                let shot = workspace().join(format!("target/web-screenshots/{page}-{width}.png"));
                assert!(
                    std::fs::metadata(&shot)
                        .is_ok_and(|m| m.len() > 1000 && m.modified().is_ok_and(|t| t >= started)),
                    "no {width} px screenshot of {page} from this run at {}",
                    shot.display()
                );
            }
        }
        stack.stop().await.expect("stack stops cleanly");
    });
}
