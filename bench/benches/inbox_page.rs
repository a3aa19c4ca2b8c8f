//! The inbox page on PostgreSQL at scale (issue 18): one business with 100,000 conversations
//! (WhatsApp threads and calls, each with a customer) and two staff members, one of whom has read
//! half of them and is assigned a tenth. Times `crm_svc::conversations::list` — what
//! `GET /api/inbox` calls — request by request: the first page (with the unread count of the page
//! title), a page deep in the list through the cursor, and the unread, waiting and assigned-to-me
//! filters; p50/p95/p99/max, judged against p99 < 15 ms.
//!
//! `cargo bench -p agentlocator-bench --bench inbox_page` — a plain `main` (harness = false). A
//! new database `al_t_<uuid>` on `AL_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432`), migrated by `crm_svc::Db::connect`, seeded server-side
//! (`INSERT … SELECT … generate_series`), `VACUUM (ANALYZE)`, dropped at the end.
//! Knobs: `AL_BENCH_CONVERSATIONS` (default 100000), `AL_BENCH_ITERS` (300), `AL_BENCH_WARMUP` (30).

use crm_svc::{
    Db, DbConn,
    businesses::Business,
    businesses::queries as business,
    conversations::{self, InboxCursor, InboxQuery},
    enums::ConversationState,
    ids::{BusinessId, UserId},
    test_support::FreshPostgres,
};
use diesel::{PgConnection, RunQueryDsl};
use std::{
    hint::black_box,
    time::{Duration, Instant},
};

const TARGET_P99: Duration = Duration::from_millis(15);

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.trim()
                .replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number"))
        })
        .unwrap_or(default)
}

fn pg(conn: &mut DbConn) -> &mut PgConnection {
    match conn {
        DbConn::Postgres(c) => c,
        DbConn::Sqlite(_) => unreachable!("the benchmark runs on PostgreSQL only"),
    }
}

async fn exec(db: &Db, sql: String) {
    let head: String = sql.trim().chars().take(60).collect();
    db.run(move |conn| Ok(diesel::sql_query(sql).execute(pg(conn))?))
        .await
        .unwrap_or_else(|e| panic!("{head}…: {e}"));
}

/// Customers, two users, `n` conversations (every tenth a call, the rest WhatsApp threads) with
/// activity spread over a year, every third waiting for a human; the first user has read the even
/// ones and is assigned every tenth.
async fn seed(db: &Db, b: &BusinessId, n: u64) -> (UserId, UserId) {
    let (u1, u2) = (UserId::generate(), UserId::generate());
    for u in [&u1, &u2] {
        exec(
            db,
            format!(
                "INSERT INTO users (id, business_id, email, name, password_hash, role, created_at, updated_at)
                 VALUES ('{u}', '{b}', '{u}@example.co.il', 'נציג', 'x', 'agent', now(), now())"
            ),
        )
        .await;
    }
    exec(
        db,
        format!(
            "INSERT INTO customers (id, business_id, name, phone, email, status, source, notes, created_at, updated_at)
             SELECT 'c-' || k, '{b}', 'לקוח ' || k, '+9725' || lpad(k::text, 8, '0'), NULL, 'lead', 'whatsapp', '',
                    now() - interval '1 year', now() - interval '1 year'
             FROM generate_series(1, {n}) AS k"
        ),
    )
    .await;
    exec(
        db,
        format!(
            "INSERT INTO conversations (id, business_id, channel, thread_key, customer_id, call_id, counterpart, state,
                                        assignee_id, last_activity_at, last_preview, last_direction, inbound_count,
                                        created_at, updated_at)
             SELECT md5('v' || k)::uuid::text, '{b}', CASE WHEN k % 10 = 0 THEN 'call' ELSE 'whatsapp' END,
                    'c-' || k, 'c-' || k, NULL, '+9725' || lpad(k::text, 8, '0'),
                    CASE WHEN k % 3 = 0 THEN 'waiting_for_human' WHEN k % 3 = 1 THEN 'open' ELSE 'done' END,
                    CASE WHEN k % 10 = 3 THEN '{u1}' END,
                    now() - (random() * interval '365 days'), 'שלום, אפשר לקבוע תור למחר?', 'inbound', 1 + k % 4,
                    now() - interval '1 year', now()
             FROM generate_series(1, {n}) AS k"
        ),
    )
    .await;
    exec(
        db,
        format!(
            "INSERT INTO conversation_reads (user_id, conversation_id, last_read_at, inbound_seen)
             SELECT '{u1}', id, now(), inbound_count FROM conversations
             WHERE business_id = '{b}' AND get_byte(decode(md5(id), 'hex'), 0) % 2 = 0"
        ),
    )
    .await;
    exec(db, "VACUUM (ANALYZE)".into()).await;
    (u1, u2)
}

struct Stats {
    name: String,
    samples: Vec<Duration>,
}

impl Stats {
    fn percentile(&self, p: f64) -> Duration {
        let rank = ((p * self.samples.len() as f64).ceil() as usize).clamp(1, self.samples.len());
        self.samples[rank - 1]
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn main() {
    let n = env_num("AL_BENCH_CONVERSATIONS", 100_000);
    let iters = env_num("AL_BENCH_ITERS", 300).max(1) as usize;
    let warmup = env_num("AL_BENCH_WARMUP", 30) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let fresh = FreshPostgres::create();
    eprintln!("database {} ({n} conversations)", fresh.url());
    let db = Db::connect(fresh.url()).expect("connect and migrate");
    let b = Business::new("עסק", format!("bench-{}", uuid::Uuid::now_v7().simple()));
    let row = b.clone();
    rt.block_on(db.run(move |conn| business::insert(conn, &row)))
        .expect("business");
    let seeding = Instant::now();
    let (u1, u2) = rt.block_on(seed(&db, &b.id, n));
    eprintln!("seeded in {:.1} s", seeding.elapsed().as_secs_f64());

    let base = InboxQuery {
        limit: 25,
        ..InboxQuery::default()
    };
    // A cursor half-way down the list: walk there once.
    let mut deep: Option<InboxCursor> = None;
    for _ in 0..(n / 2 / 100) {
        let page = rt
            .block_on(conversations::list(
                &db,
                &b.id,
                &u1,
                InboxQuery {
                    limit: 100,
                    after: deep.clone(),
                    ..InboxQuery::default()
                },
            ))
            .expect("walk");
        deep = page.next_cursor;
    }
    let cases: Vec<(&str, UserId, InboxQuery)> = vec![
        ("first page (+ unread count)", u1.clone(), base.clone()),
        (
            "page at the middle (cursor)",
            u1.clone(),
            InboxQuery {
                after: deep.clone(),
                ..base.clone()
            },
        ),
        (
            "unread, first page (+ count)",
            u1.clone(),
            InboxQuery {
                unread: true,
                ..base.clone()
            },
        ),
        (
            "waiting for a human",
            u2.clone(),
            InboxQuery {
                state: Some(ConversationState::WaitingForHuman),
                after: deep.clone(),
                ..base.clone()
            },
        ),
        (
            "assigned to me",
            u1.clone(),
            InboxQuery {
                assigned_to_me: true,
                ..base.clone()
            },
        ),
    ];
    let mut results = vec![];
    for (name, user, q) in cases {
        for _ in 0..warmup {
            black_box(
                rt.block_on(conversations::list(&db, &b.id, &user, q.clone()))
                    .unwrap(),
            );
        }
        let mut samples = Vec::with_capacity(iters);
        for _ in 0..iters {
            let t = Instant::now();
            let page = rt
                .block_on(conversations::list(&db, &b.id, &user, q.clone()))
                .unwrap();
            samples.push(t.elapsed());
            assert!(!page.items.is_empty(), "{name}: an empty page");
        }
        samples.sort();
        results.push(Stats {
            name: name.into(),
            samples,
        });
    }
    println!("\ninbox page on PostgreSQL, {n} conversations, 25 per page");
    println!(
        "{:<34} {:>8} {:>8} {:>8} {:>8}",
        "case", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let mut failed = vec![];
    for s in &results {
        let p99 = s.percentile(0.99);
        println!(
            "{:<34} {:>8} {:>8} {:>8} {:>8}{}",
            s.name,
            ms(s.percentile(0.5)),
            ms(s.percentile(0.95)),
            ms(p99),
            ms(*s.samples.last().unwrap()),
            if p99 < TARGET_P99 {
                ""
            } else {
                "  ← over 15 ms"
            }
        );
        if p99 >= TARGET_P99 {
            failed.push(s.name.clone());
        }
    }
    drop(db);
    drop(fresh);
    if !failed.is_empty() {
        eprintln!(
            "p99 over {} ms: {}",
            TARGET_P99.as_millis(),
            failed.join(", ")
        );
        std::process::exit(1);
    }
}
