//! Tokens do not outlive their users: a deactivated user's token stops working for reads, writes
//! and Socket.IO at once (their open connection is closed), a demoted user loses their rights at
//! once, a deleted user is refused within the gateway's user cache time, and sign-out ends every
//! token of the user. User management through the API follows the rules (owners and admins only,
//! only an owner touches owners, the business keeps an active owner, scoped to the business).

use agentlocator_tests::{
    Api, Bus, Db, TEST_PASSWORD, TestStack,
    socketio::{SocketIoClient, Transports},
};
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// Signs `email` in with the test password; the status and the body.
async fn login(stack: &TestStack, email: &str) -> (u16, Value) {
    Api::new(stack, None)
        .post(
            "/api/auth/login",
            json!({"email": email, "password": TEST_PASSWORD}),
        )
        .await
}

/// A business of its own (no demo owner), its id.
async fn fresh_business(stack: &TestStack) -> String {
    let db = stack.db().await;
    crm_svc::test_support::create_business(&db, "עסק משתמשים")
        .await
        .id
        .as_str()
        .to_string()
}

fn email(tag: &str) -> String {
    format!("{tag}-{}@test.local", uuid::Uuid::now_v7().simple())
}

/// Adds a user through the API as `admin`; their id and a signed-in client.
async fn add_user(stack: &TestStack, admin: &Api, role: &str) -> (String, Api, String) {
    let address = email(role);
    let (s, body) = admin
        .post(
            "/api/users",
            json!({"email": address, "name": "עובד חדש", "role": role, "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["role"], role);
    assert_eq!(body["active"], true);
    let (s, signed_in) = login(stack, &address).await;
    assert_eq!(s, 200, "{signed_in}");
    let token = signed_in["token"].as_str().unwrap().to_string();
    (
        body["id"].as_str().unwrap().to_string(),
        Api::new(stack, Some(token.clone())),
        address,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_users_token_stops_working_everywhere_at_once_sqlite_memory() {
    a_deactivated_users_token_stops_working_everywhere_at_once(Db::Sqlite, Bus::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_users_token_stops_working_everywhere_at_once_postgres_nats() {
    a_deactivated_users_token_stops_working_everywhere_at_once(Db::Postgres, Bus::Nats).await;
}

async fn a_deactivated_users_token_stops_working_everywhere_at_once(db: Db, bus: Bus) {
    let stack = TestStack::start(db, bus).await;
    let business = fresh_business(&stack).await;
    let owner = Api::new(&stack, Some(stack.sign_in(&business, "owner").await));
    let (agent_id, agent, address) = add_user(&stack, &owner, "agent").await;
    let token = agent.token().unwrap().to_string();

    assert_eq!(agent.get("/api/crm/customers").await.0, 200);
    let mut socket = SocketIoClient::start(&stack.http, Some(&token), Transports::WebSocket);
    socket.expect("connect", WAIT).await;

    let (s, body) = owner
        .patch(&format!("/api/users/{agent_id}"), json!({"active": false}))
        .await;
    assert_eq!((s, body["active"].clone()), (200, json!(false)), "{body}");

    // Reads, writes and the live connection end at once.
    let (s, body) = agent.get("/api/crm/customers").await;
    assert_eq!(
        (s, body["error"].clone()),
        (401, json!("unauthorized")),
        "{body}"
    );
    let (s, _) = agent
        .post(
            "/api/crm/customers",
            json!({"name": "לא יישמר", "phone": "0541234567"}),
        )
        .await;
    assert_eq!(s, 401);
    socket.expect("disconnect", WAIT).await;
    socket.close().await;
    let mut again = SocketIoClient::start(&stack.http, Some(&token), Transports::WebSocket);
    let refused = again.expect("connect_error", WAIT).await;
    assert_eq!(refused["message"], "unauthorized: the sign-in has ended");
    again.close().await;
    assert_eq!(
        login(&stack, &address).await.0,
        401,
        "a deactivated user cannot sign in"
    );

    // Reactivated: they sign in again, but the token from before stays dead.
    let (s, _) = owner
        .patch(&format!("/api/users/{agent_id}"), json!({"active": true}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(agent.get("/api/crm/customers").await.0, 401);
    let (s, body) = login(&stack, &address).await;
    assert_eq!(s, 200, "{body}");
    let fresh = Api::new(&stack, Some(body["token"].as_str().unwrap().to_string()));
    assert_eq!(fresh.get("/api/crm/customers").await.0, 200);
    stack.stop().await.expect("stack stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demoted_user_loses_their_rights_at_once_and_a_deleted_user_is_refused() {
    let stack = TestStack::start(Db::Sqlite, Bus::Memory).await;
    let business = fresh_business(&stack).await;
    let owner = Api::new(&stack, Some(stack.sign_in(&business, "owner").await));
    let (second_id, second, _) = add_user(&stack, &owner, "owner").await;
    let settings = json!({"greeting_text": "שלום וברכה"});
    assert_eq!(second.patch("/api/business", settings.clone()).await.0, 200);

    let (s, body) = owner
        .patch(
            &format!("/api/users/{second_id}"),
            json!({"role": "read_only"}),
        )
        .await;
    assert_eq!(
        (s, body["role"].clone()),
        (200, json!("read_only")),
        "{body}"
    );
    let (s, body) = second.patch("/api/business", settings).await;
    assert_eq!(
        (s, body["error"].clone()),
        (403, json!("forbidden")),
        "{body}"
    );
    let (s, _) = second
        .post(
            "/api/crm/customers",
            json!({"name": "לקוח", "phone": "0541234568"}),
        )
        .await;
    assert_eq!(s, 403, "read-only now");
    let (s, me) = second.get("/api/me").await;
    assert_eq!((s, me["user"]["role"].clone()), (200, json!("read_only")));

    // Removed from the database behind the gateway's back (as an operator would): refused once
    // the gateway's copy of the user is older than its cache time.
    let (deleted_id, deleted, _) = add_user(&stack, &owner, "agent").await;
    assert_eq!(deleted.get("/api/crm/customers").await.0, 200);
    let db = stack.db().await;
    db.run(move |conn| {
        use crm_svc::schema::users::dsl;
        use diesel::prelude::*;
        diesel::delete(dsl::users.filter(dsl::id.eq(deleted_id)))
            .execute(conn)
            .map_err(crm_svc::error::Error::from)
    })
    .await
    .unwrap();
    tokio::time::sleep(agentlocator_gateway::auth::USER_CACHE_TTL + Duration::from_millis(200))
        .await;
    let (s, body) = deleted.get("/api/crm/customers").await;
    assert_eq!(s, 401, "{body}");
    stack.stop().await.expect("stack stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_every_token_of_the_user() {
    let stack = TestStack::start(Db::Sqlite, Bus::Memory).await;
    let business = fresh_business(&stack).await;
    let owner = Api::new(&stack, Some(stack.sign_in(&business, "owner").await));
    let (_, laptop, address) = add_user(&stack, &owner, "agent").await;
    let (s, body) = login(&stack, &address).await;
    assert_eq!(s, 200);
    let phone = Api::new(&stack, Some(body["token"].as_str().unwrap().to_string()));
    assert_eq!(phone.get("/api/me").await.0, 200);

    let (s, _) = laptop
        .call(reqwest::Method::POST, "/api/auth/logout", None)
        .await;
    assert_eq!(s, 204);
    assert_eq!(laptop.get("/api/me").await.0, 401);
    assert_eq!(
        phone.get("/api/me").await.0,
        401,
        "every device is signed out"
    );
    assert_eq!(owner.get("/api/me").await.0, 200, "other users are not");
    assert_eq!(
        login(&stack, &address).await.0,
        200,
        "and may sign in again"
    );
    stack.stop().await.expect("stack stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_management_follows_the_rules() {
    let stack = TestStack::start(Db::Sqlite, Bus::Memory).await;
    let business = fresh_business(&stack).await;
    let owner_token = stack.sign_in(&business, "owner").await;
    let owner = Api::new(&stack, Some(owner_token));
    let (owner_me_status, me) = owner.get("/api/me").await;
    assert_eq!(owner_me_status, 200);
    let owner_id = me["user"]["id"].as_str().unwrap().to_string();
    let (admin_id, admin, _) = add_user(&stack, &owner, "admin").await;
    let (agent_id, agent, _) = add_user(&stack, &owner, "agent").await;

    let (s, list) = owner.get("/api/users").await;
    assert_eq!(s, 200, "{list}");
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    for id in [&owner_id, &admin_id, &agent_id] {
        assert!(ids.contains(&id.as_str()), "{id} listed");
    }
    assert!(
        list["items"][0].get("password_hash").is_none()
            && list["items"][0].get("session_version").is_none()
    );
    assert_eq!(
        agent.get("/api/users").await.0,
        403,
        "agents do not manage users"
    );

    // An admin manages agents, not owners.
    let (s, _) = admin
        .patch(
            &format!("/api/users/{agent_id}"),
            json!({"role": "read_only"}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, body) = admin
        .patch(&format!("/api/users/{owner_id}"), json!({"active": false}))
        .await;
    assert_eq!(
        (s, body["error"].clone()),
        (403, json!("forbidden")),
        "{body}"
    );
    let (s, _) = admin
        .patch(&format!("/api/users/{agent_id}"), json!({"role": "owner"}))
        .await;
    assert_eq!(s, 403, "an admin cannot make an owner");
    let (s, _) = admin
        .post(
            "/api/users",
            json!({"email": email("o"), "role": "owner", "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(s, 403, "an admin cannot add an owner");

    // The last active owner stays.
    let (s, body) = owner
        .patch(&format!("/api/users/{owner_id}"), json!({"role": "admin"}))
        .await;
    assert_eq!(
        (s, body["error"].clone()),
        (409, json!("conflict")),
        "{body}"
    );
    let (s, _) = owner
        .patch(&format!("/api/users/{owner_id}"), json!({"active": false}))
        .await;
    assert_eq!(s, 409);

    // Bad input: 422 naming the field, nothing created.
    for (body, field) in [
        (
            json!({"email": email("x"), "role": "boss", "password": TEST_PASSWORD}),
            "role",
        ),
        (
            json!({"email": email("x"), "role": "agent", "password": "short"}),
            "password",
        ),
        (
            json!({"email": "not-an-email", "role": "agent", "password": TEST_PASSWORD}),
            "email",
        ),
    ] {
        let (s, res) = owner.post("/api/users", body).await;
        assert_eq!((s, res["field"].clone()), (422, json!(field)), "{res}");
    }
    let (s, res) = owner
        .patch(&format!("/api/users/{agent_id}"), json!({"name": "  "}))
        .await;
    assert_eq!((s, res["field"].clone()), (422, json!("name")), "{res}");
    let (s, after) = owner.get("/api/users").await;
    assert_eq!(s, 200);
    assert_eq!(after["total"], list["total"], "nothing was added");

    // Another business's user is not found from here.
    let crm = stack.db().await;
    let other = crm_svc::test_support::create_business(&crm, "עסק אחר").await;
    let stranger_token = stack.sign_in(other.id.as_str(), "agent").await;
    let stranger = Api::new(&stack, Some(stranger_token));
    let (_, stranger_me) = stranger.get("/api/me").await;
    let stranger_id = stranger_me["user"]["id"].as_str().unwrap().to_string();
    let (s, _) = owner
        .patch(
            &format!("/api/users/{stranger_id}"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(stranger.get("/api/me").await.0, 200, "untouched");
    stack.stop().await.expect("stack stops cleanly");
}
