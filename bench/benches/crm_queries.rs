//! CRM read paths on PostgreSQL at scale (issue 3): the customer list (page 1, page 2,000, a
//! phone search) over one business with 1,000,000 customers, and the timeline of one customer
//! with 10,000 events (first page, a deep page and the last page through the cursor).
//!
//! `cargo bench -p agentlocator-bench --bench crm_queries` — a plain `main` (harness = false), not
//! criterion: what matters here is the tail (p99) of single requests, so every case is timed
//! request by request after a warm-up and reported as p50/p95/p99/max.
//!
//! It creates a new database `al_t_<uuid>` on `AL_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432`, as crm-svc's tests), connects with `crm_svc::Db::connect`
//! (which applies the migrations), seeds it server-side (`INSERT … SELECT … generate_series`),
//! runs `VACUUM (ANALYZE)`, times the crm-svc functions the gRPC methods call, then times raw SQL
//! that decomposes their cost and paging alternatives (the `fix:` rows: plain OFFSET, deferred
//! join, keyset, capped count) over the shipped schema. The database is dropped at the end unless
//! `AL_BENCH_KEEP_DB=1`.
//!
//! Knobs: `AL_BENCH_CUSTOMERS` (default 1000000), `AL_BENCH_EVENTS` (10000), `AL_BENCH_ITERS`
//! (300 timed requests per case), `AL_BENCH_WARMUP` (30), `AL_BENCH_CASE_SECONDS` (90: a case
//! stops early, with at least 30 samples, once it has run this long), `AL_BENCH_EXPLAIN=1`
//! (print `EXPLAIN (ANALYZE, BUFFERS)` of the SQL behind each case), `AL_BENCH_OLD_STATEMENTS=1`
//! (also time the whole-business `COUNT(*)` and the name/email/phone OR search the list no longer
//! runs: ~150 ms and ~1 s each on 1,000,000 customers).

use chrono::NaiveDateTime;
use crm_svc::{
    Db, DbConn,
    businesses::Business,
    businesses::queries as business,
    customers::Customer,
    customers::{self},
    ids::{BusinessId, CustomerId},
    pagination::Page,
    test_support::FreshPostgres,
    timeline::{self, TimelineCursor, TimelineItem},
};
use diesel::{
    PgConnection, QueryableByName, RunQueryDsl,
    sql_types::{BigInt, Text, Timestamp},
};
use std::{
    future::Future,
    hint::black_box,
    time::{Duration, Instant},
};
use tokio::runtime::Runtime;

/// The acceptance target of issue 3 for the list and the timeline.
const TARGET_P99: Duration = Duration::from_millis(15);
/// Page size of the customer list cases (the REST default).
const LIST_LIMIT: i64 = 25;
/// The deep page of the acceptance: page 2,000.
const DEEP_PAGE: i64 = 2_000;
/// Page size of the timeline cases (the REST default).
const TIMELINE_LIMIT: i64 = 50;

fn env_num(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a whole number")),
        _ => default,
    }
}

struct Config {
    customers: i64,
    events: i64,
    iters: usize,
    warmup: usize,
    case_budget: Duration,
    explain: bool,
    keep_db: bool,
}

impl Config {
    fn from_env() -> Config {
        let customers = env_num("AL_BENCH_CUSTOMERS", 1_000_000) as i64;
        assert!(
            customers >= 1_000,
            "AL_BENCH_CUSTOMERS must be at least 1000"
        );
        let events = env_num("AL_BENCH_EVENTS", 10_000) as i64;
        assert!(events >= 500, "AL_BENCH_EVENTS must be at least 500");
        Config {
            customers,
            events,
            iters: env_num("AL_BENCH_ITERS", 300).max(1) as usize,
            warmup: env_num("AL_BENCH_WARMUP", 30) as usize,
            case_budget: Duration::from_secs(env_num("AL_BENCH_CASE_SECONDS", 90)),
            explain: std::env::var("AL_BENCH_EXPLAIN").is_ok_and(|v| v == "1"),
            keep_db: std::env::var("AL_BENCH_KEEP_DB").is_ok_and(|v| v == "1"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Seed data
// ---------------------------------------------------------------------------------------------

/// The mobile prefixes the seeded phones use (`+9725X…` = `05X-…`).
const MOBILE_PREFIXES: [char; 5] = ['0', '2', '3', '4', '8'];

/// The E.164 phone of the `k`-th seeded customer (0-based). Must match [`SEED_CUSTOMERS`]: the
/// 7 subscriber digits are `(k / 5) · 7919 + 1234567 mod 10^7`, a bijection (7919 is coprime to
/// 10^7), and the prefix is `k mod 5`, so phones are unique for k < 5 · 10^7.
fn seeded_phone(k: i64) -> String {
    let prefix = MOBILE_PREFIXES[(k % 5) as usize];
    let subscriber = ((k / 5) * 7_919 + 1_234_567) % 10_000_000;
    format!("+9725{prefix}{subscriber:07}")
}

/// The same number as a person would type it: `05X-XXXXXXX`.
fn local_format(e164: &str) -> String {
    let national = &e164[4..]; // after "+972"
    format!("0{}-{}", &national[..2], &national[2..])
}

/// UUIDv7-shaped ids derived from a timestamp (the ms prefix) and a salt (the rest), so seeded
/// ids sort by creation time like the ones crm-svc generates.
const UUID7_FN: &str = r#"
CREATE OR REPLACE FUNCTION bench_uuid7(ts timestamp, salt text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(r, 1, 3) || '-'
      || substr('89ab', 1 + ascii(substr(r, 4, 1)) % 4, 1) || substr(r, 5, 3) || '-'
      || substr(r, 8, 12)
  FROM (SELECT lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') AS h,
               md5(salt) AS r) x
$$"#;

/// Hebrew first and last names; 40 × 40 combinations, so names repeat as they do in life.
const FIRST_NAMES: &str = "ARRAY['אבי','אברהם','אורית','איילת','אלון','אסתר','בתיה','גיל','דוד','דנה',\
    'הדס','זיו','חיים','חנה','טל','יוסי','יעל','יצחק','ליאור','מיכל','מירב','משה','נועה','נעמה',\
    'עדי','עומר','ענת','רונית','רות','רחל','שרה','שירה','שלמה','תמר','רוני','אייל','ניר','סיגל',\
    'עמית','קרן']";
const LAST_NAMES: &str = "ARRAY['כהן','לוי','מזרחי','פרץ','ביטון','דהן','אברהם','פרידמן','אזולאי',\
    'מלכה','כץ','יוסף','חדד','עמר','אוחיון','גבאי','בן דוד','שפירא','אדלר','ברק','גולן','וייס',\
    'זילברמן','חזן','טל','ישראלי','לנדאו','מרקוביץ','נחום','סויסה','עזרא','פישר','צור','קליין',\
    'רוזן','שטרן','שמעוני','תורג''מן','אלמוג','בירנבאום']";

/// One business's customers: `k` = 0 … n−1 in creation order (so the heap is in `created_at`
/// order, as in a table that grew over time), `created_at` spread evenly over 3 years before
/// now with jitter, unique E.164 phones, 40% with an email.
const SEED_CUSTOMERS: &str = r#"
INSERT INTO customers (id, business_id, name, phone, email, status, source, notes, created_at, updated_at)
SELECT bench_uuid7(ts, 'c' || k), '{business}',
       ({first})[1 + h % 40] || ' ' || ({last})[1 + (h / 40) % 40],
       '+9725' || (ARRAY['0','2','3','4','8'])[1 + k % 5]
              || lpad((((k / 5) * 7919 + 1234567) % 10000000)::text, 7, '0'),
       CASE WHEN h % 10 < 4 THEN 'client' || k || '@example.co.il' END,
       CASE WHEN h % 10 < 5 THEN 'lead' WHEN h % 10 < 8 THEN 'active' ELSE 'inactive' END,
       (ARRAY['manual','call','whatsapp','import'])[1 + (h / 7) % 4],
       CASE WHEN h % 7 = 0 THEN 'לקוח ותיק, מעדיף שיחה בבוקר' ELSE '' END,
       ts, ts
FROM (
  SELECT k, h,
         t0 + (span * ((k + 0.9 * (h % 1000) / 1000.0) / {n}))::interval AS ts
  FROM (
    SELECT k,
           (('x' || substr(md5('h' || k), 1, 8))::bit(32)::int & 2147483647) AS h,
           (now() AT TIME ZONE 'utc')::timestamp - interval '3 years' AS t0,
           interval '3 years' AS span
    FROM generate_series(0::bigint, {n} - 1) AS k
  ) a
) b
ORDER BY k
"#;

/// Background activity of the other customers (not `{phone}`, the timeline customer), so the
/// event tables are not the one customer's rows only and their plans are the ones of a real
/// table: a call for ~10% of them, a WhatsApp message for ~20%, an open task for ~5% (a tenth of
/// them undated), a draft invoice for ~1% and a contract for ~0.5%.
const SEED_BACKGROUND: [&str; 5] = [
    r#"
INSERT INTO calls (id, business_id, twilio_sid, customer_id, direction, from_number, to_number,
                   status, started_at, ended_at, duration_seconds, transcript_status, created_at, updated_at)
SELECT bench_uuid7(ts, 'bgcall' || id), business_id, 'CA' || md5('bgcall' || id), id, 'inbound',
       phone, '+97231234567', 'completed', ts, ts + interval '95 seconds', 95, 'none', ts, ts
FROM (SELECT id, business_id, phone, created_at + interval '2 hours' AS ts
      FROM customers WHERE business_id = '{business}' AND phone <> '{phone}'
        AND abs(hashtext(id)) % 10 = 0) c
"#,
    r#"
INSERT INTO whatsapp_messages (id, business_id, provider_message_id, customer_id, direction,
                               from_number, to_number, body, status, created_at, updated_at)
SELECT bench_uuid7(ts, 'bgwa' || id), business_id, 'wamid.bg' || md5(id), id, 'inbound',
       phone, '+97231234567', 'שלום, אפשר לקבוע תור?', 'received', ts, ts
FROM (SELECT id, business_id, phone, created_at + interval '1 hour' AS ts
      FROM customers WHERE business_id = '{business}' AND phone <> '{phone}'
        AND abs(hashtext(id)) % 5 = 1) c
"#,
    r#"
INSERT INTO tasks (id, business_id, customer_id, title, due_at, done, created_at, updated_at)
SELECT bench_uuid7(ts, 'bgtask' || id), business_id, id, 'להתקשר בחזרה',
       CASE WHEN abs(hashtext(id)) % 200 = 2 THEN NULL ELSE ts + interval '3 days' END,
       false, ts, ts
FROM (SELECT id, business_id, created_at + interval '30 minutes' AS ts
      FROM customers WHERE business_id = '{business}' AND phone <> '{phone}'
        AND abs(hashtext(id)) % 20 = 2) c
"#,
    r#"
INSERT INTO invoices (id, business_id, customer_id, status, items, subtotal_agorot, vat_agorot,
                      total_agorot, vat_rate_bp, created_at, updated_at)
SELECT bench_uuid7(ts, 'bginv' || id), business_id, id, 'draft',
       '[{"description":"תספורת","quantity":1,"unit_price_agorot":12000}]', 12000, 2160, 14160,
       1800, ts, ts
FROM (SELECT id, business_id, created_at + interval '1 day' AS ts
      FROM customers WHERE business_id = '{business}' AND phone <> '{phone}'
        AND abs(hashtext(id)) % 100 = 3) c
"#,
    r#"
INSERT INTO contracts (id, business_id, customer_id, title, body, status, created_at, updated_at)
SELECT bench_uuid7(ts, 'bgcontract' || id), business_id, id, 'הסכם שירות',
       repeat('הלקוח מתחייב לשלם את התמורה במועד. ', 20), 'sent', ts, ts
FROM (SELECT id, business_id, created_at + interval '2 days' AS ts
      FROM customers WHERE business_id = '{business}' AND phone <> '{phone}'
        AND abs(hashtext(id)) % 200 = 5) c
"#,
];

/// The timeline customer's events, spread evenly (with jitter) from `{from}` to `{to}`.
/// `{cnt}` rows each; `g` = 1 … cnt.
const SEED_CALLS: &str = r#"
INSERT INTO calls (id, business_id, twilio_sid, customer_id, direction, from_number, to_number,
                   status, started_at, ended_at, duration_seconds, recording_url, transcript,
                   transcript_status, ai_replies, created_at, updated_at)
SELECT bench_uuid7(ts, 'call' || g), '{business}', 'CA' || md5('call' || g), '{customer}',
       CASE WHEN g % 3 = 0 THEN 'outbound' ELSE 'inbound' END,
       CASE WHEN g % 3 = 0 THEN '+97231234567' ELSE '{phone}' END,
       CASE WHEN g % 3 = 0 THEN '{phone}' ELSE '+97231234567' END,
       CASE WHEN g % 5 = 0 THEN 'no-answer' ELSE 'completed' END,
       ts,
       CASE WHEN g % 5 = 0 THEN NULL ELSE ts + make_interval(secs => 30 + g % 400) END,
       CASE WHEN g % 5 = 0 THEN 0 ELSE 30 + g % 400 END,
       CASE WHEN g % 5 = 0 THEN NULL
            ELSE 'https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE' || md5('rec' || g) END,
       CASE WHEN g % 5 = 0 THEN NULL
            ELSE repeat('לקוח: שלום, רציתי לברר לגבי התור שלי ביום שלישי. סוכן: בשמחה, אני בודק עבורך. ', 1 + g % 6) END,
       CASE WHEN g % 5 = 0 THEN 'none' ELSE 'done' END,
       CASE WHEN g % 5 = 0 THEN '[]' ELSE '["שלום! איך אפשר לעזור?","קבעתי לך תור ליום שלישי ב-10:00"]' END,
       ts, ts
FROM (SELECT g, '{from}'::timestamp + ('{to}'::timestamp - '{from}'::timestamp) * ((g - 1 + 0.8 * ((g * 7919) % 997) / 997.0) / {cnt}) AS ts
      FROM generate_series(1, {cnt}) g) s
"#;

const SEED_WHATSAPP: &str = r#"
INSERT INTO whatsapp_messages (id, business_id, provider_message_id, customer_id, direction,
                               from_number, to_number, body, status, created_at, updated_at)
SELECT bench_uuid7(ts, 'wa' || g), '{business}', 'wamid.' || md5('wa' || g), '{customer}',
       CASE WHEN g % 2 = 0 THEN 'outbound' ELSE 'inbound' END,
       CASE WHEN g % 2 = 0 THEN '+97231234567' ELSE '{phone}' END,
       CASE WHEN g % 2 = 0 THEN '{phone}' ELSE '+97231234567' END,
       (ARRAY['שלום, אפשר לקבוע תור למחר בבוקר?','בטח! יש לנו מקום ב-9:30, מתאים?',
              'מעולה, תודה רבה','תזכורת: התור שלך מחר ב-9:30','אפשר לקבל הצעת מחיר?',
              'שלחנו לך את ההצעה למייל','קיבלתי, אחזור אליכם עד סוף השבוע'])[1 + g % 7],
       CASE WHEN g % 2 = 0 THEN 'read' ELSE 'received' END,
       ts, ts
FROM (SELECT g, '{from}'::timestamp + ('{to}'::timestamp - '{from}'::timestamp) * ((g - 1 + 0.8 * ((g * 6007) % 991) / 991.0) / {cnt}) AS ts
      FROM generate_series(1, {cnt}) g) s
"#;

/// Tasks: 1 in 10 without a due date (they make the undated tail of the timeline); due dates run
/// up to 30 days past `{to}`; the past ones are done.
const SEED_TASKS: &str = r#"
INSERT INTO tasks (id, business_id, customer_id, title, due_at, done, done_at, created_at, updated_at)
SELECT bench_uuid7(ts, 'task' || g), '{business}', '{customer}',
       (ARRAY['להתקשר בחזרה','לשלוח הצעת מחיר','לאשר תור','לגבות תשלום','לשלוח חוזה לחתימה'])[1 + g % 5],
       CASE WHEN g % 10 = 0 THEN NULL ELSE ts + interval '2 days' END,
       g % 10 <> 0 AND ts + interval '2 days' < '{to}'::timestamp,
       CASE WHEN g % 10 <> 0 AND ts + interval '2 days' < '{to}'::timestamp THEN ts + interval '2 days' END,
       ts, ts
FROM (SELECT g, '{from}'::timestamp + ('{to}'::timestamp + interval '28 days' - '{from}'::timestamp) * ((g - 1 + 0.5) / {cnt}) AS ts
      FROM generate_series(1, {cnt}) g) s
"#;

/// Invoices: draft / sent / paid / cancelled in turn; issued ones numbered.
const SEED_INVOICES: &str = r#"
INSERT INTO invoices (id, business_id, customer_id, number, status, items, subtotal_agorot,
                      vat_agorot, total_agorot, vat_rate_bp, issued_at, due_at, paid_at, created_at, updated_at)
SELECT bench_uuid7(ts, 'inv' || g), '{business}', '{customer}',
       CASE WHEN g % 4 IN (1, 2) THEN g END,
       (ARRAY['draft','sent','paid','cancelled'])[1 + g % 4],
       '[{"description":"טיפול ויעוץ","quantity":1,"unit_price_agorot":' || amount || '}]',
       amount, amount * 18 / 100, amount + amount * 18 / 100, 1800,
       CASE WHEN g % 4 IN (1, 2) THEN ts END,
       ts + interval '30 days',
       CASE WHEN g % 4 = 2 THEN ts + interval '10 days' END,
       ts, ts
FROM (SELECT g, 10000 + (g * 7919) % 90000 AS amount,
             '{from}'::timestamp + ('{to}'::timestamp - '{from}'::timestamp) * ((g - 1 + 0.3) / {cnt}) AS ts
      FROM generate_series(1, {cnt}) g) s
"#;

const SEED_CONTRACTS: &str = r#"
INSERT INTO contracts (id, business_id, customer_id, title, body, status, created_at, updated_at)
SELECT bench_uuid7(ts, 'contract' || g), '{business}', '{customer}', 'הסכם שירות מס׳ ' || g,
       repeat('הלקוח מתחייב לשלם את התמורה במועד. נותן השירות מתחייב לספק את השירות במקצועיות. ', 12),
       (ARRAY['draft','sent','signed'])[1 + g % 3], ts, ts
FROM (SELECT g, '{from}'::timestamp + ('{to}'::timestamp - '{from}'::timestamp) * ((g - 1 + 0.6) / {cnt}) AS ts
      FROM generate_series(1, {cnt}) g) s
"#;

/// How the timeline customer's events split by kind.
struct EventMix {
    calls: i64,
    whatsapp: i64,
    tasks: i64,
    invoices: i64,
    contracts: i64,
}

impl EventMix {
    fn of(total: i64) -> EventMix {
        let invoices = total / 100;
        let contracts = total / 100;
        let calls = total * 35 / 100;
        let tasks = total * 13 / 100;
        EventMix {
            calls,
            whatsapp: total - calls - tasks - invoices - contracts,
            tasks,
            invoices,
            contracts,
        }
    }
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    t: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A customer row read by raw SQL (the `fix:` cases read whole rows, as the list does).
#[derive(QueryableByName)]
#[diesel(table_name = crm_svc::schema::customers)]
#[allow(dead_code)] // read to pay for decoding, never looked at
struct CustomerRow {
    id: String,
    business_id: String,
    name: String,
    phone: String,
    email: Option<String>,
    status: String,
    source: String,
    notes: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn pg(conn: &mut DbConn) -> &mut PgConnection {
    match conn {
        DbConn::Postgres(c) => c,
        DbConn::Sqlite(_) => unreachable!("the benchmark runs on PostgreSQL only"),
    }
}

/// Runs one statement on a pooled connection and returns the rows it changed.
async fn exec(db: &Db, sql: String) -> usize {
    let head: String = sql.trim().chars().take(60).collect();
    db.run(move |conn| Ok(diesel::sql_query(sql).execute(pg(conn))?))
        .await
        .unwrap_or_else(|e| panic!("{head}…: {e}"))
}

async fn query_text(db: &Db, sql: &'static str) -> Vec<String> {
    db.run(move |conn| Ok(diesel::sql_query(sql).load::<TextRow>(pg(conn))?))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.t)
        .collect()
}

/// What the seed made that the cases need.
struct Seeded {
    business: BusinessId,
    /// The customer with the long timeline.
    customer: CustomerId,
    /// A phone to search for, as a person types it (`05X-XXXXXXX`).
    search_phone: String,
}

async fn seed(db: &Db, cfg: &Config) -> Seeded {
    let b = Business::new(
        "מספרת רון — benchmark",
        format!("bench-{}", uuid::Uuid::now_v7().simple()),
    );
    let business = b.id.clone();
    db.run(move |conn| business::insert(conn, &b))
        .await
        .expect("insert the business");
    exec(db, UUID7_FN.to_owned()).await;

    let n = cfg.customers;
    let started = Instant::now();
    let sql = SEED_CUSTOMERS
        .replace("{business}", business.as_str())
        .replace("{first}", FIRST_NAMES)
        .replace("{last}", LAST_NAMES)
        .replace("{n}", &n.to_string());
    let inserted = exec(db, sql).await;
    assert_eq!(inserted as i64, n);
    eprintln!(
        "seeded {n} customers in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // The timeline customer: created a third of the way in (about two years ago).
    let phone = seeded_phone(n / 3);
    let started = Instant::now();
    let mut background = 0;
    for sql in SEED_BACKGROUND {
        let sql = sql
            .replace("{business}", business.as_str())
            .replace("{phone}", &phone);
        background += exec(db, sql).await;
    }
    eprintln!(
        "seeded {background} background calls, messages, tasks, invoices and contracts in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let (b2, p2) = (business.clone(), phone.clone());
    let found = db
        .run(move |conn| {
            Ok(crm_svc::customers::queries::find_by_phone(conn, &b2, &p2)?
                .expect("the seeded timeline customer"))
        })
        .await
        .expect("find the timeline customer");
    let from = found.created_at + chrono::Duration::hours(1);
    let to = crm_svc::time::now() - chrono::Duration::hours(1);
    let mix = EventMix::of(cfg.events);
    let started = Instant::now();
    for (template, cnt) in [
        (SEED_CALLS, mix.calls),
        (SEED_WHATSAPP, mix.whatsapp),
        (SEED_TASKS, mix.tasks),
        (SEED_INVOICES, mix.invoices),
        (SEED_CONTRACTS, mix.contracts),
    ] {
        let sql = template
            .replace("{business}", business.as_str())
            .replace("{customer}", found.id.as_str())
            .replace("{phone}", &phone)
            .replace("{from}", &from.to_string())
            .replace("{to}", &to.to_string())
            .replace("{cnt}", &cnt.to_string());
        assert_eq!(exec(db, sql).await as i64, cnt);
    }
    eprintln!(
        "seeded {} timeline events ({} calls, {} WhatsApp, {} tasks, {} invoices, {} contracts) in {:.1}s",
        cfg.events,
        mix.calls,
        mix.whatsapp,
        mix.tasks,
        mix.invoices,
        mix.contracts,
        started.elapsed().as_secs_f64()
    );

    // As autovacuum would leave a table of this age: statistics and the visibility map.
    let started = Instant::now();
    exec(db, "VACUUM (ANALYZE)".to_owned()).await;
    eprintln!(
        "VACUUM (ANALYZE) in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    Seeded {
        business,
        customer: found.id,
        search_phone: local_format(&seeded_phone(n * 3 / 4)),
    }
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

struct Stats {
    name: String,
    samples: Vec<Duration>,
    /// Whether the case is one of the acceptance's (judged against [`TARGET_P99`]).
    judged: bool,
}

impl Stats {
    fn percentile(&self, p: f64) -> Duration {
        // Nearest rank on the sorted samples.
        let rank = ((p * self.samples.len() as f64).ceil() as usize).clamp(1, self.samples.len());
        self.samples[rank - 1]
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// Times `f` request by request: `warmup` untimed calls (at most ~10 s of them), then up to `iters` timed ones (fewer,
/// but at least 30, when the case has run longer than the budget).
fn time_case<F, Fut, T>(
    rt: &Runtime,
    cfg: &Config,
    name: impl Into<String>,
    judged: bool,
    mut f: F,
) -> Stats
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let name = name.into();
    let warming = Instant::now();
    for i in 0..cfg.warmup {
        black_box(rt.block_on(f()));
        // A slow case (seconds a request) warms up in a few requests.
        if i >= 2 && warming.elapsed() > Duration::from_secs(10) {
            break;
        }
    }
    let mut samples = Vec::with_capacity(cfg.iters);
    let started = Instant::now();
    for _ in 0..cfg.iters {
        let t = Instant::now();
        black_box(rt.block_on(f()));
        samples.push(t.elapsed());
        if samples.len() >= 30 && started.elapsed() > cfg.case_budget {
            break;
        }
    }
    samples.sort();
    let stats = Stats {
        name,
        samples,
        judged,
    };
    eprintln!(
        "  {:<62} p50 {:>8} ms  p99 {:>8} ms  (n={})",
        stats.name,
        ms(stats.percentile(0.50)),
        ms(stats.percentile(0.99)),
        stats.samples.len()
    );
    stats
}

fn print_table(title: &str, rows: &[Stats]) {
    println!("\n### {title}\n");
    println!("| case | n | p50 ms | p95 ms | p99 ms | max ms | p99 < 15 ms |");
    println!("|---|---:|---:|---:|---:|---:|:---:|");
    for s in rows {
        let verdict = match (s.judged, s.percentile(0.99) < TARGET_P99) {
            (false, _) => "",
            (true, true) => "yes",
            (true, false) => "**no**",
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            s.name,
            s.samples.len(),
            ms(s.percentile(0.50)),
            ms(s.percentile(0.95)),
            ms(s.percentile(0.99)),
            ms(*s.samples.last().expect("at least one sample")),
            verdict
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Raw SQL
// ---------------------------------------------------------------------------------------------

/// A raw SQL case: statements run in turn on one pooled connection (as crm-svc runs the count
/// and the page of a list), binding the business id as `$1` and `extra` as `$2`, `$3`…
#[derive(Clone)]
struct RawSql {
    business: String,
    statements: Vec<(&'static str, Returns)>,
    extra: Vec<Bind>,
}

#[derive(Clone, Copy)]
enum Returns {
    Count,
    Customers,
}

#[derive(Clone)]
enum Bind {
    Text(String),
    BigInt(i64),
    Timestamp(NaiveDateTime),
}

impl RawSql {
    fn run_on(&self, conn: &mut PgConnection) -> diesel::QueryResult<usize> {
        let mut seen = 0;
        for (sql, returns) in &self.statements {
            let q = diesel::sql_query(*sql).into_boxed::<diesel::pg::Pg>();
            let mut q = q.bind::<Text, _>(self.business.clone());
            for b in &self.extra {
                q = match b {
                    Bind::Text(s) => q.bind::<Text, _>(s.clone()),
                    Bind::BigInt(n) => q.bind::<BigInt, _>(*n),
                    Bind::Timestamp(t) => q.bind::<Timestamp, _>(*t),
                };
            }
            seen += match returns {
                Returns::Count => q
                    .load::<CountRow>(conn)?
                    .first()
                    .map_or(0, |r| r.n as usize),
                Returns::Customers => q.load::<CustomerRow>(conn)?.len(),
            };
        }
        Ok(seen)
    }

    async fn run(&self, db: &Db) -> usize {
        let this = self.clone();
        db.run(move |conn| Ok(this.run_on(pg(conn))?))
            .await
            .expect("raw SQL case")
    }

    /// `EXPLAIN (ANALYZE, BUFFERS)` of each statement, printed.
    async fn explain(&self, db: &Db, title: &str) {
        let this = self.clone();
        let plans = db
            .run(move |conn| {
                let conn = pg(conn);
                let mut out = Vec::new();
                for (sql, _) in &this.statements {
                    let text = format!("EXPLAIN (ANALYZE, BUFFERS) {sql}");
                    let mut q = diesel::sql_query(text)
                        .into_boxed::<diesel::pg::Pg>()
                        .bind::<Text, _>(this.business.clone());
                    for b in &this.extra {
                        q = match b {
                            Bind::Text(s) => q.bind::<Text, _>(s.clone()),
                            Bind::BigInt(n) => q.bind::<BigInt, _>(*n),
                            Bind::Timestamp(t) => q.bind::<Timestamp, _>(*t),
                        };
                    }
                    out.push((sql.to_string(), q.load::<ExplainLine>(conn)?));
                }
                Ok(out)
            })
            .await
            .expect("EXPLAIN");
        println!("\n#### EXPLAIN — {title}\n");
        for (sql, lines) in plans {
            println!(
                "```\n{}\n--",
                sql.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            for l in lines {
                println!("{}", l.plan);
            }
            println!("```");
        }
    }
}

#[derive(QueryableByName)]
struct ExplainLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

// The list's two statements as crm-svc's diesel DSL writes them (models/customer.rs `list`).
const SQL_COUNT: &str = "SELECT COUNT(*) AS n FROM customers WHERE customers.business_id = $1";
const SQL_PAGE: &str = "SELECT customers.id, customers.business_id, customers.name, \
    customers.phone, customers.email, customers.status, customers.source, customers.notes, \
    customers.created_at, customers.updated_at FROM customers WHERE customers.business_id = $1 \
    ORDER BY customers.created_at DESC, customers.id DESC LIMIT $2 OFFSET $3";
/// The search of `q=050-…`: the text terms (name, email) OR the exact phone.
const SQL_SEARCH_COUNT: &str = "SELECT COUNT(*) AS n FROM customers WHERE customers.business_id = $1 \
    AND (((lower(customers.name) LIKE $2 ESCAPE '\\' OR (customers.email IS NOT NULL AND \
    lower(customers.email) LIKE $2 ESCAPE '\\')) OR customers.phone = $3))";
// The total of an unfiltered list: the trigger-kept per-status counts (migration 000108).
const SQL_COUNTER: &str =
    "SELECT COALESCE(SUM(n), 0)::BIGINT AS n FROM customer_counts WHERE business_id = $1";
// Proposed: a capped count ("10,000+") for filtered lists.
const SQL_CAPPED_COUNT: &str = "SELECT COUNT(*) AS n FROM (SELECT 1 FROM customers \
    WHERE business_id = $1 LIMIT 10001) capped";
// Proposed: OFFSET over the index only (deferred join), then 25 primary-key lookups.
const SQL_PAGE_DEFERRED: &str = "SELECT c.id, c.business_id, c.name, c.phone, c.email, c.status, \
    c.source, c.notes, c.created_at, c.updated_at FROM customers c JOIN (SELECT id, created_at \
    FROM customers WHERE business_id = $1 ORDER BY created_at DESC, id DESC \
    LIMIT $2 OFFSET $3) k ON k.id = c.id ORDER BY k.created_at DESC, k.id DESC";
// Proposed: keyset paging from the last row of the previous page.
const SQL_PAGE_KEYSET: &str = "SELECT customers.id, customers.business_id, customers.name, \
    customers.phone, customers.email, customers.status, customers.source, customers.notes, \
    customers.created_at, customers.updated_at FROM customers WHERE business_id = $1 \
    AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT 25";
// Proposed: a query that is a whole phone number searches the phone only.
const SQL_PHONE_COUNT: &str =
    "SELECT COUNT(*) AS n FROM customers WHERE business_id = $1 AND phone = $2";
const SQL_PHONE_PAGE: &str = "SELECT customers.id, customers.business_id, customers.name, \
    customers.phone, customers.email, customers.status, customers.source, customers.notes, \
    customers.created_at, customers.updated_at FROM customers WHERE business_id = $1 \
    AND phone = $2 ORDER BY created_at DESC, id DESC LIMIT 25";

// ---------------------------------------------------------------------------------------------

fn main() {
    let cfg = Config::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");

    let fresh = FreshPostgres::create();
    eprintln!(
        "database {} ({} customers, {} timeline events)",
        fresh.url(),
        cfg.customers,
        cfg.events
    );
    let db = Db::connect(fresh.url()).expect("connect and migrate");
    let version = rt.block_on(query_text(&db, "SELECT version() AS t"));
    let settings = rt.block_on(query_text(
        &db,
        "SELECT name || '=' || setting || coalesce(unit, '') AS t FROM pg_settings \
         WHERE name IN ('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather', 'jit', \
         'random_page_cost', 'effective_cache_size') ORDER BY name",
    ));

    let seeded = rt.block_on(seed(&db, &cfg));
    let sizes = rt.block_on(query_text(
        &db,
        "SELECT relname || ' ' || pg_size_pretty(pg_table_size(c.oid)) || ' + indexes ' \
         || pg_size_pretty(pg_indexes_size(c.oid)) AS t FROM pg_class c \
         WHERE relname IN ('customers', 'calls', 'whatsapp_messages', 'tasks') ORDER BY relname",
    ));

    let load_before = load_average();
    let results = run_cases(&rt, &db, &cfg, &seeded);
    let load_after = load_average();

    println!("\n## crm_queries results\n");
    println!(
        "- machine: {} CPUs; load average (1/5/15 min) {load_before} before the timed cases, \
         {load_after} after",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("- {}", version.join(""));
    println!("- settings: {}", settings.join(", "));
    println!(
        "- data: {} customers in one business; one customer with {} timeline events",
        cfg.customers, cfg.events
    );
    println!("- sizes: {}", sizes.join("; "));
    println!(
        "- {} warm-up + up to {} timed requests per case, one at a time",
        cfg.warmup, cfg.iters
    );
    for (title, rows) in &results {
        print_table(title, rows);
    }

    drop(db);
    if cfg.keep_db {
        eprintln!(
            "AL_BENCH_KEEP_DB=1: keeping {} (drop it with DROP DATABASE)",
            fresh.url()
        );
        std::mem::forget(fresh);
    } else {
        drop(fresh);
    }
}

fn run_cases(rt: &Runtime, db: &Db, cfg: &Config, s: &Seeded) -> Vec<(String, Vec<Stats>)> {
    let mut out = Vec::new();
    let b = &s.business;
    // Page 2,000 (smaller data: the last full page).
    let deep_page = DEEP_PAGE.min(cfg.customers / LIST_LIMIT);
    let deep_offset = (deep_page - 1) * LIST_LIMIT;

    // --- What crm-svc does today (the functions behind the gRPC methods). ---
    eprintln!("crm-svc as it is:");
    let mut shipped = Vec::new();
    shipped.push(time_case(
        rt,
        cfg,
        "customers::list page 1, limit 25",
        true,
        || async {
            let p: Page<Customer> = customers::list(db, b, 1, LIST_LIMIT, None, None)
                .await
                .unwrap();
            assert_eq!(p.items.len() as i64, LIST_LIMIT);
        },
    ));
    shipped.push(time_case(
        rt,
        cfg,
        format!("customers::list page {deep_page}, limit 25"),
        true,
        || async {
            let p = customers::list(db, b, deep_page, LIST_LIMIT, None, None)
                .await
                .unwrap();
            assert_eq!(p.items.len() as i64, LIST_LIMIT);
        },
    ));
    // Keyset paging to the same depth: the cursor of the last row of page DEEP_PAGE − 1.
    let deep_cursor = {
        let p = rt
            .block_on(customers::list(
                db,
                b,
                deep_page - 1,
                LIST_LIMIT,
                None,
                None,
            ))
            .unwrap();
        customers::CustomerCursor::after(p.items.last().expect("a full page"))
    };
    shipped.push(time_case(
        rt,
        cfg,
        format!("customers::list_after (cursor at page {deep_page}), limit 25"),
        true,
        || async {
            let p = customers::list_after(db, b, deep_cursor.clone(), LIST_LIMIT, None, None)
                .await
                .unwrap();
            assert_eq!(p.items.len() as i64, LIST_LIMIT);
        },
    ));
    let q = s.search_phone.clone();
    shipped.push(time_case(
        rt,
        cfg,
        format!("customers::list q={q} (phone search)"),
        true,
        || async {
            let p = customers::list(db, b, 1, LIST_LIMIT, Some(&q), None)
                .await
                .unwrap();
            assert_eq!(p.total, 1);
        },
    ));

    // Cursors into the timeline: walk it all once (checking the paging adds up).
    let c = &s.customer;
    let all = rt.block_on(walk_timeline(db, b, c));
    assert_eq!(all.len() as i64, cfg.events, "the timeline pages add up");
    let deep_at = (cfg.events / 2) as usize;
    let deep = TimelineCursor::after(&all[deep_at - 1]);
    let last = TimelineCursor::after(&all[all.len() - TIMELINE_LIMIT as usize - 1]);
    shipped.push(time_case(
        rt,
        cfg,
        "timeline first page, limit 50",
        true,
        || async {
            let items = timeline::timeline(db, b, c, None, Some(TIMELINE_LIMIT))
                .await
                .unwrap();
            assert_eq!(items.len() as i64, TIMELINE_LIMIT);
        },
    ));
    shipped.push(time_case(
        rt,
        cfg,
        format!("timeline deep page (cursor after item {deep_at}), limit 50"),
        true,
        || async {
            let items = timeline::timeline(db, b, c, Some(deep.clone()), Some(TIMELINE_LIMIT))
                .await
                .unwrap();
            assert_eq!(items.len() as i64, TIMELINE_LIMIT);
        },
    ));
    shipped.push(time_case(
        rt,
        cfg,
        "timeline last page (cursor, reaches the undated tasks), limit 50",
        true,
        || async {
            let items = timeline::timeline(db, b, c, Some(last.clone()), Some(TIMELINE_LIMIT))
                .await
                .unwrap();
            assert_eq!(items.len() as i64, TIMELINE_LIMIT);
        },
    ));
    out.push(("crm-svc as it is (acceptance cases)".to_owned(), shipped));

    // --- Where the list's time goes: its two statements separately. ---
    eprintln!("the list's statements:");
    let raw = |statements: Vec<(&'static str, Returns)>, extra: Vec<Bind>| RawSql {
        business: b.to_string(),
        statements,
        extra,
    };
    let page_binds = |offset: i64| vec![Bind::BigInt(LIST_LIMIT), Bind::BigInt(offset)];
    let phone_e164 = agentlocator_common::phone::normalize_il(&s.search_phone).unwrap();
    let count = raw(vec![(SQL_COUNT, Returns::Count)], vec![]);
    let counter = raw(vec![(SQL_COUNTER, Returns::Count)], vec![]);
    let page1 = raw(vec![(SQL_PAGE, Returns::Customers)], page_binds(0));
    let page_deep = raw(
        vec![(SQL_PAGE, Returns::Customers)],
        page_binds(deep_offset),
    );
    let search_count = raw(
        vec![(SQL_SEARCH_COUNT, Returns::Count)],
        vec![
            Bind::Text(format!("%{}%", s.search_phone)),
            Bind::Text(phone_e164.clone()),
        ],
    );
    let mut parts = Vec::new();
    // (COUNT(*) of the whole business and the name/email/phone OR search are no longer run by
    // the list; `AL_BENCH_OLD_STATEMENTS=1` times them too: ~150 ms and ~1 s each.)
    let old_statements = std::env::var("AL_BENCH_OLD_STATEMENTS").is_ok_and(|v| v == "1");
    let mut statements = vec![
        ("`total`: customer_counts rows".to_owned(), &counter),
        ("page 1 rows only (OFFSET 0)".to_owned(), &page1),
        (
            format!("page {deep_page} rows only (OFFSET {deep_offset})"),
            &page_deep,
        ),
    ];
    if old_statements {
        statements.push(("SELECT COUNT(*) of the business".to_owned(), &count));
        statements.push((
            "phone search: COUNT(*) only (name/email LIKE OR phone =)".to_owned(),
            &search_count,
        ));
    }
    for (name, case) in statements {
        if cfg.explain {
            rt.block_on(case.explain(db, &name));
        }
        parts.push(time_case(rt, cfg, format!("sql: {name}"), false, || {
            case.run(db)
        }));
    }
    out.push((
        "The list's statements, separately (raw SQL)".to_owned(),
        parts,
    ));

    // --- Paging alternatives, raw SQL over the shipped schema. ---
    eprintln!("paging alternatives:");
    // The keyset cursor: the last row of page DEEP_PAGE − 1.
    let (cursor_ts, cursor_id) = {
        let bb = b.to_string();
        rt.block_on(db.run(move |conn| {
            let rows = diesel::sql_query(SQL_PAGE)
                .bind::<Text, _>(bb)
                .bind::<BigInt, _>(1)
                .bind::<BigInt, _>(deep_offset - 1)
                .load::<CustomerRow>(pg(conn))?;
            Ok((rows[0].created_at, rows[0].id.clone()))
        }))
        .expect("keyset cursor")
    };
    let fixes = [
        (
            "list page 1: counter row + page (OFFSET 0)".to_owned(),
            raw(
                vec![
                    (SQL_COUNTER, Returns::Count),
                    (SQL_PAGE, Returns::Customers),
                ],
                page_binds(0),
            ),
        ),
        (
            format!("list page {deep_page}: counter row + plain OFFSET {deep_offset}"),
            raw(
                vec![
                    (SQL_COUNTER, Returns::Count),
                    (SQL_PAGE, Returns::Customers),
                ],
                page_binds(deep_offset),
            ),
        ),
        (
            format!("list page {deep_page}: counter row + deferred join (index-only OFFSET)"),
            raw(
                vec![
                    (SQL_COUNTER, Returns::Count),
                    (SQL_PAGE_DEFERRED, Returns::Customers),
                ],
                page_binds(deep_offset),
            ),
        ),
        (
            format!("list page {deep_page}: counter row + keyset (created_at, id) < cursor"),
            raw(
                vec![
                    (SQL_COUNTER, Returns::Count),
                    (SQL_PAGE_KEYSET, Returns::Customers),
                ],
                vec![Bind::Timestamp(cursor_ts), Bind::Text(cursor_id)],
            ),
        ),
        (
            "capped COUNT (LIMIT 10001), for filtered lists".to_owned(),
            raw(vec![(SQL_CAPPED_COUNT, Returns::Count)], vec![]),
        ),
        (
            "phone search: phone = E.164 only, COUNT + page".to_owned(),
            raw(
                vec![
                    (SQL_PHONE_COUNT, Returns::Count),
                    (SQL_PHONE_PAGE, Returns::Customers),
                ],
                vec![Bind::Text(phone_e164)],
            ),
        ),
    ];
    let mut measured = Vec::new();
    for (name, case) in &fixes {
        if cfg.explain {
            rt.block_on(case.explain(db, name));
        }
        measured.push(time_case(rt, cfg, format!("fix: {name}"), false, || {
            case.run(db)
        }));
    }
    out.push((
        "Paging alternatives (raw SQL over the shipped schema)".to_owned(),
        measured,
    ));
    out
}

/// `/proc/loadavg`'s three averages (other work on the machine inflates the tails).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".to_owned())
}

/// Every item of the timeline, newest first, through the cursor (200 a page).
async fn walk_timeline(db: &Db, b: &BusinessId, c: &CustomerId) -> Vec<TimelineItem> {
    let mut all: Vec<TimelineItem> = Vec::new();
    loop {
        let cursor = all.last().map(TimelineCursor::after);
        let page = timeline::timeline(db, b, c, cursor, Some(timeline::MAX_LIMIT))
            .await
            .expect("timeline page");
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}
