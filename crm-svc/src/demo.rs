//! Demo data for the embedded default: a demo business, its owner, 50 customers with Hebrew
//! names and valid Israeli mobile numbers spread over the past months, and — for every fourth
//! customer — a history: calls with Hebrew transcripts and the voice agent's replies, WhatsApp
//! conversations, tasks, invoices (numbered in issue order), contracts (one signed through a
//! signature), proposals and appointments, spread between the customer's creation and now. On
//! the first answered call the agent left staff a follow-up task, so the timeline shows what the
//! agent does too.
//!
//! Idempotent: the business is found by its slug, the owner by email, the customers by phone,
//! and the history by its calls' `DEMO-CA-…` SIDs, so running it again adds nothing. Seed rows
//! announce nothing on the bus except `customer.created` (no `task.*` storm on first start), and
//! past-due demo tasks count as notified already.

use crate::agent::queries::{self as agent_queries, AgentAction};
use crate::enums::AgentChannel;
use crate::ids::AgentActionId;
use crate::{
    appointments::Appointment,
    appointments::queries as appointment,
    businesses::Business,
    businesses::queries as business,
    calls::Call,
    calls::queries as call,
    contracts::Contract,
    contracts::document_sha256,
    contracts::queries as contract,
    conversations, customers,
    customers::Customer,
    customers::queries as customer,
    db::{Db, DbConn},
    enums::{
        ContractStatus, CustomerSource, CustomerStatus, DocType, InvoiceStatus, ProposalStatus,
        TranscriptStatus, UserRole,
    },
    error::{Error, Result},
    ids::{
        AppointmentId, BusinessId, CallId, ContractId, CustomerId, InvoiceId, ProposalId,
        SignatureId, TaskId, UserId, WhatsAppMessageId,
    },
    invoices::Invoice,
    invoices::documents::Parties,
    invoices::queries as invoice,
    line_items::{self, LineItem},
    proposals::Proposal,
    proposals::queries as proposal,
    schema::calls,
    signatures::Signature,
    signatures::queries as signature,
    signatures::token_hash,
    strings,
    tasks::Task,
    tasks::queries as task,
    time,
    users::User,
    users::queries as user,
    whatsapp::WhatsAppMessage,
    whatsapp::queries as whatsapp_message,
};
use agentlocator_common::agent_tools::ToolName;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::{Rng, distr::Alphanumeric};

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_OWNER_EMAIL: &str = "owner@demo.local";
pub const DEMO_CUSTOMER_COUNT: usize = 50;

/// What [`seed_demo`] found or made.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub business_id: BusinessId,
    pub business_created: bool,
    pub owner_email: String,
    /// The owner's password in plain text — only when this call created the owner (print it once;
    /// it is stored only as an argon2 hash).
    pub owner_password: Option<String>,
    pub customers_created: usize,
    /// Customers of the demo business after seeding.
    pub customers_total: i64,
    /// The history this call created; `None` when it was there already.
    pub activity: Option<DemoActivity>,
}

/// How many rows of each kind the demo history added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoActivity {
    pub customers: usize,
    pub calls: usize,
    pub whatsapp_messages: usize,
    pub tasks: usize,
    pub invoices: usize,
    pub contracts: usize,
    pub signatures: usize,
    pub proposals: usize,
    pub appointments: usize,
    pub agent_actions: usize,
}

impl std::fmt::Debug for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSummary")
            .field("business_id", &self.business_id)
            .field("business_created", &self.business_created)
            .field("owner_email", &self.owner_email)
            .field(
                "owner_password",
                &self.owner_password.as_ref().map(|_| "<redacted>"),
            )
            .field("customers_created", &self.customers_created)
            .field("customers_total", &self.customers_total)
            .field("activity", &self.activity)
            .finish()
    }
}

/// One demo customer: name, E.164 mobile, email, status, source, notes.
struct DemoCustomer {
    name: String,
    phone: String,
    email: Option<String>,
    status: CustomerStatus,
    source: CustomerSource,
    notes: &'static str,
}

/// The fixed list of demo customers (same every run).
fn demo_customers() -> Vec<DemoCustomer> {
    const MOBILE_PREFIXES: [&str; 5] = ["50", "52", "53", "54", "58"];
    let statuses = [
        CustomerStatus::Lead,
        CustomerStatus::Active,
        CustomerStatus::Active,
        CustomerStatus::Inactive,
    ];
    let sources = [
        CustomerSource::Manual,
        CustomerSource::Call,
        CustomerSource::Whatsapp,
        CustomerSource::Import,
    ];
    let mut out = Vec::with_capacity(DEMO_CUSTOMER_COUNT);
    for i in 0..DEMO_CUSTOMER_COUNT {
        let first = strings::DEMO_FIRST_NAMES[i % strings::DEMO_FIRST_NAMES.len()];
        let last = strings::DEMO_LAST_NAMES
            [(i / strings::DEMO_FIRST_NAMES.len()) % strings::DEMO_LAST_NAMES.len()];
        // Distinct for every i < 50: 2_000_000 + 49 * 37_913 < 10_000_000.
        let subscriber = 2_000_000 + i * 37_913;
        out.push(DemoCustomer {
            name: format!("{first} {last}"),
            phone: format!(
                "+972{}{subscriber:07}",
                MOBILE_PREFIXES[i % MOBILE_PREFIXES.len()]
            ),
            email: (i % 3 == 0).then(|| format!("customer{:02}@example.co.il", i + 1)),
            status: statuses[i % statuses.len()],
            source: sources[i % sources.len()],
            notes: strings::DEMO_NOTES[i % strings::DEMO_NOTES.len()],
        });
    }
    out
}

fn random_password() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// Creates whatever part of the demo data is missing (see the module docs).
pub async fn seed_demo(db: &Db) -> Result<DemoSummary> {
    // Hash a password up front only when the owner is missing: argon2 is slow on purpose and
    // should not run while holding the write lock.
    let owner_exists = db
        .run(|conn| Ok(user::find_by_email(conn, DEMO_OWNER_EMAIL)?.is_some()))
        .await?;
    let new_owner = if owner_exists {
        None
    } else {
        let password = random_password();
        let plain = password.clone();
        let hash = tokio::task::spawn_blocking(move || user::hash_password(&plain))
            .await
            .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))??;
        Some((password, hash))
    };

    let summary = db
        .transaction(move |conn| {
            let (business, business_created) = match business::find_by_slug(conn, DEMO_SLUG)? {
                Some(b) => (b, false),
                None => {
                    let mut b = Business::new(strings::DEMO_BUSINESS_NAME, DEMO_SLUG);
                    b.greeting_text = strings::DEMO_GREETING.into();
                    let qa: Vec<_> = strings::DEMO_KNOWLEDGE
                        .iter()
                        .map(|(q, a)| serde_json::json!({ "q": q, "a": a }))
                        .collect();
                    b.knowledge_qa = serde_json::Value::from(qa).to_string();
                    business::insert(conn, &b)?;
                    (b, true)
                }
            };

            let mut owner_password = None;
            if user::find_by_email(conn, DEMO_OWNER_EMAIL)?.is_none() {
                let (password, hash) = match new_owner {
                    Some(p) => p,
                    // Deleted between the check and now: hash here rather than fail.
                    None => {
                        let p = random_password();
                        let h = user::hash_password(&p)?;
                        (p, h)
                    }
                };
                let now = time::now();
                user::insert(
                    conn,
                    &User {
                        id: UserId::generate(),
                        business_id: business.id.clone(),
                        email: DEMO_OWNER_EMAIL.into(),
                        name: strings::DEMO_OWNER_NAME.into(),
                        password_hash: hash,
                        role: UserRole::Owner,
                        created_at: now,
                        updated_at: now,
                        session_version: 0,
                        deactivated_at: None,
                    },
                )?;
                owner_password = Some(password);
            }

            let now = time::now();
            let mut customers_created = 0;
            let demo = demo_customers();
            let count = demo.len();
            for (i, d) in demo.into_iter().enumerate() {
                if customer::find_by_phone(conn, &business.id, &d.phone)?.is_some() {
                    continue;
                }
                // Spread over the past half year, the first one oldest, so lists and timelines
                // look lived-in.
                let created_at = now - Duration::hours(84 * (count - i) as i64);
                let c = Customer {
                    id: CustomerId::generate(),
                    business_id: business.id.clone(),
                    name: d.name,
                    phone: d.phone,
                    email: d.email,
                    status: d.status,
                    source: d.source,
                    notes: d.notes.into(),
                    created_at,
                    updated_at: created_at,
                };
                customers::insert_with_event(conn, &c)?;
                customers_created += 1;
            }
            let customers_total = customer::count(conn, &business.id)?;
            let activity = seed_activity(conn, &business, now)?;
            Ok(DemoSummary {
                business_id: business.id,
                business_created,
                owner_email: DEMO_OWNER_EMAIL.into(),
                owner_password,
                customers_created,
                customers_total,
                activity,
            })
        })
        .await?;
    if summary.customers_created > 0 {
        db.poke_outbox();
    }
    Ok(summary)
}

/// The business's own number in the demo calls and messages (a reserved-looking Tel Aviv line).
const DEMO_BUSINESS_NUMBER: &str = "+97235550100";
/// Prefix of the Twilio SIDs of demo calls; their presence means the history was seeded.
const DEMO_CALL_SID_PREFIX: &str = "DEMO-CA-";
/// A 1×1 transparent PNG: the drawn signature of the demo's signed contract.
const DEMO_SIGNATURE_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// Which demo customers get a history: every fourth.
const HISTORY_EVERY: usize = 4;

/// Creates the demo history unless it is there (see the module docs); on a connection inside
/// the seeding transaction.
fn seed_activity(
    conn: &mut DbConn,
    business: &Business,
    now: NaiveDateTime,
) -> Result<Option<DemoActivity>> {
    let seeded: i64 = calls::table
        .filter(calls::business_id.eq(&business.id))
        .filter(calls::twilio_sid.like(format!("{DEMO_CALL_SID_PREFIX}%")))
        .count()
        .get_result(conn)?;
    if seeded > 0 {
        return Ok(None);
    }
    let owner = user::find_by_email(conn, DEMO_OWNER_EMAIL)?
        .filter(|u| u.business_id == business.id)
        .map(|u| u.id);
    let mut made = DemoActivity::default();
    let mut invoices: Vec<Invoice> = Vec::new();
    let demo = demo_customers();
    for (j, d) in demo.iter().step_by(HISTORY_EVERY).enumerate() {
        // A customer removed by hand gets no history.
        let Some(c) = customer::find_by_phone(conn, &business.id, &d.phone)? else {
            continue;
        };
        made.customers += 1;
        let h = History {
            business_id: &business.id,
            customer: &c,
            j,
            now,
        };
        h.calls(conn, &mut made)?;
        h.whatsapp(conn, &mut made)?;
        h.tasks(conn, owner.as_ref(), &mut made)?;
        h.contract(conn, &mut made)?;
        h.proposal(conn, &mut made)?;
        h.appointment(conn, &mut made)?;
        invoices.extend(h.invoice(business.vat_rate_bp)?);
    }
    // Numbered in the order they were issued, as they would have been.
    invoices.sort_by_key(|i| (i.issued_at.is_none(), i.issued_at, i.created_at));
    for mut inv in invoices {
        if inv.issued_at.is_some() {
            inv.number = Some(invoice::next_number(conn, &business.id, inv.doc_type)?);
            let c = customer::find(conn, &business.id, &inv.customer_id)?
                .ok_or(Error::NotFound("customer"))?;
            inv.parties = Some(Parties::of(business, &c, None).to_json()?);
        }
        invoice::insert(conn, &inv)?;
        made.invoices += 1;
    }
    Ok(Some(made))
}

/// `t` without its fraction of a second, like the times of real events.
fn whole_seconds(t: NaiveDateTime) -> NaiveDateTime {
    use chrono::Timelike;
    t.with_nanosecond(0).unwrap_or(t)
}

/// The history of the `j`-th demo customer that has one.
struct History<'a> {
    business_id: &'a BusinessId,
    customer: &'a Customer,
    j: usize,
    now: NaiveDateTime,
}

impl History<'_> {
    /// The moment a fraction `f` (0 = creation, 1 = now) into the customer's life.
    fn at(&self, f: f64) -> NaiveDateTime {
        let span = (self.now - self.customer.created_at)
            .num_seconds()
            .max(3_600);
        let t = self.customer.created_at + Duration::seconds((span as f64 * f) as i64);
        whole_seconds(t)
    }

    fn calls(&self, conn: &mut DbConn, made: &mut DemoActivity) -> Result<()> {
        let count = 2 + self.j % 3;
        let mut agent_followed_up = false;
        for k in 0..count {
            let (transcript, replies) =
                strings::DEMO_CALLS[(self.j + k) % strings::DEMO_CALLS.len()];
            let started_at = self.at(0.05 + 0.85 * (k as f64 + 0.5) / count as f64);
            let missed = (self.j + k) % 5 == 4;
            let duration = if missed {
                0
            } else {
                40 + 23 * ((self.j * 3 + k) % 9) as i32
            };
            let ai_replies = if missed {
                "[]".to_owned()
            } else {
                serde_json::to_string(replies)
                    .map_err(|e| Error::Internal(format!("demo replies: {e}")))?
            };
            let call = Call {
                id: CallId::generate(),
                business_id: self.business_id.clone(),
                twilio_sid: format!("{DEMO_CALL_SID_PREFIX}{:02}-{k}", self.j),
                customer_id: Some(self.customer.id.clone()),
                direction: "inbound".into(),
                from_number: self.customer.phone.clone(),
                to_number: DEMO_BUSINESS_NUMBER.into(),
                status: if missed { "no-answer" } else { "completed" }.into(),
                started_at,
                ended_at: Some(started_at + Duration::seconds(i64::from(duration))),
                duration_seconds: duration,
                recording_url: None,
                transcript: (!missed).then(|| transcript.to_owned()),
                transcript_status: if missed {
                    TranscriptStatus::None
                } else {
                    TranscriptStatus::Done
                },
                ai_replies,
                created_at: started_at,
                updated_at: started_at,
            };
            call::insert(conn, &call)?;
            conversations::file_call(conn, &call, call.ended_at.unwrap_or(started_at))?;
            made.calls += 1;
            if !missed && !agent_followed_up {
                let ended_at = started_at + Duration::seconds(i64::from(duration));
                let sid = format!("{DEMO_CALL_SID_PREFIX}{:02}-{k}", self.j);
                self.agent_follow_up(conn, &sid, transcript, ended_at, made)?;
                agent_followed_up = true;
            }
        }
        Ok(())
    }

    /// The agent's `create_task` at the end of call `sid`: a done follow-up task for staff and
    /// the action that made it, as the tool would have recorded them.
    fn agent_follow_up(
        &self,
        conn: &mut DbConn,
        sid: &str,
        turn_text: &str,
        at: NaiveDateTime,
        made: &mut DemoActivity,
    ) -> Result<()> {
        let due_at = at + Duration::days(1);
        let title = strings::DEMO_AGENT_FOLLOW_UP_TASK;
        let t = Task {
            id: TaskId::generate(),
            business_id: self.business_id.clone(),
            customer_id: Some(self.customer.id.clone()),
            title: title.into(),
            due_at: Some(due_at),
            done: due_at < self.now,
            done_at: (due_at < self.now).then_some(due_at),
            assignee_id: None,
            notified_at: Some(due_at),
            created_at: at,
            updated_at: at,
        };
        task::insert(conn, &t)?;
        made.tasks += 1;
        let tool = ToolName::CreateTask;
        agent_queries::insert_action(
            conn,
            &AgentAction {
                id: AgentActionId::generate(),
                business_id: self.business_id.clone(),
                customer_id: Some(self.customer.id.clone()),
                channel: AgentChannel::Call,
                conversation_ref: sid.to_owned(),
                turn_ref: format!("{sid}-turn-1"),
                turn_text: turn_text.to_owned(),
                tool_call_id: format!("{sid}-call-1"),
                tool: tool.as_str().to_owned(),
                arguments: serde_json::json!({"title": title, "due_at": time::rfc3339(due_at)})
                    .to_string(),
                result: serde_json::json!({"task_id": t.id, "title": title}).to_string(),
                summary: strings::agent_action_summary(tool.as_str(), title),
                created_at: at,
            },
        )?;
        made.agent_actions += 1;
        Ok(())
    }

    fn whatsapp(&self, conn: &mut DbConn, made: &mut DemoActivity) -> Result<()> {
        let conversation = strings::DEMO_WHATSAPP_CONVERSATIONS
            [self.j % strings::DEMO_WHATSAPP_CONVERSATIONS.len()];
        let start = self.at(0.35 + 0.1 * (self.j % 4) as f64);
        for (k, (inbound, text)) in conversation.iter().enumerate() {
            let at = start + Duration::minutes(4 * k as i64 + (k as i64 % 2));
            let (from, to) = if *inbound {
                (self.customer.phone.clone(), DEMO_BUSINESS_NUMBER.to_owned())
            } else {
                (DEMO_BUSINESS_NUMBER.to_owned(), self.customer.phone.clone())
            };
            let message = WhatsAppMessage {
                id: WhatsAppMessageId::generate(),
                business_id: self.business_id.clone(),
                provider_message_id: format!("DEMO-WA-{:02}-{k}", self.j),
                customer_id: Some(self.customer.id.clone()),
                direction: if *inbound { "inbound" } else { "outbound" }.into(),
                from_number: from,
                to_number: to,
                body: (*text).to_owned(),
                status: if *inbound { "received" } else { "read" }.into(),
                created_at: at,
                updated_at: at,
            };
            whatsapp_message::insert(conn, &message)?;
            conversations::file_whatsapp(conn, &message)?;
            made.whatsapp_messages += 1;
        }
        Ok(())
    }

    fn tasks(
        &self,
        conn: &mut DbConn,
        owner: Option<&UserId>,
        made: &mut DemoActivity,
    ) -> Result<()> {
        let titles = strings::DEMO_TASK_TITLES;
        // One task in the past (done, or left overdue for every third customer) …
        let created_at = self.at(0.5);
        let due_at = self.at(0.6);
        let done = !self.j.is_multiple_of(3);
        let mut rows = vec![Task {
            id: TaskId::generate(),
            business_id: self.business_id.clone(),
            customer_id: Some(self.customer.id.clone()),
            title: titles[self.j % titles.len()].into(),
            due_at: Some(due_at),
            done,
            done_at: done.then(|| self.at(0.62)),
            assignee_id: owner.filter(|_| self.j.is_multiple_of(2)).cloned(),
            // Past due: the scheduler must not announce it now.
            notified_at: Some(due_at),
            created_at,
            updated_at: created_at,
        }];
        // … and, for every other customer, one coming up.
        if self.j % 2 == 1 {
            let created_at = self.at(0.9);
            let due = self.now + Duration::days(1 + (self.j % 6) as i64) + Duration::hours(2);
            rows.push(Task {
                id: TaskId::generate(),
                business_id: self.business_id.clone(),
                customer_id: Some(self.customer.id.clone()),
                title: titles[(self.j + 1) % titles.len()].into(),
                due_at: Some(whole_seconds(due)),
                done: false,
                done_at: None,
                assignee_id: owner.cloned(),
                notified_at: None,
                created_at,
                updated_at: created_at,
            });
        }
        for t in &rows {
            task::insert(conn, t)?;
            made.tasks += 1;
        }
        Ok(())
    }

    /// Every other customer has an invoice: paid, sent or (the last) a draft. Numbers are given
    /// by the caller, in issue order.
    fn invoice(&self, vat_rate_bp: i32) -> Result<Option<Invoice>> {
        if self.j % 2 == 1 {
            return Ok(None);
        }
        let lines = strings::DEMO_LINE_ITEMS;
        let items: Vec<LineItem> = (0..2)
            .map(|m| {
                let (d, q, p) = lines[(self.j + m * 3) % lines.len()];
                LineItem::new(d, q, p)
            })
            .collect();
        let totals = line_items::totals(&items, vat_rate_bp)?;
        let (status, issued_at, paid_at) = match self.j % 6 {
            0 | 2 => (InvoiceStatus::Paid, Some(self.at(0.65)), Some(self.at(0.8))),
            4 if self.j >= 10 => (InvoiceStatus::Draft, None, None),
            _ => (InvoiceStatus::Sent, Some(self.at(0.85)), None),
        };
        let created_at = self.at(0.64);
        Ok(Some(Invoice {
            id: InvoiceId::generate(),
            business_id: self.business_id.clone(),
            customer_id: self.customer.id.clone(),
            number: None,
            status,
            items: line_items::to_json(&items)?,
            subtotal_agorot: totals.subtotal_agorot,
            vat_agorot: totals.vat_agorot,
            total_agorot: totals.total_agorot,
            vat_rate_bp,
            issued_at,
            due_at: issued_at.map(|t| t + Duration::days(30)),
            paid_at,
            created_at,
            updated_at: paid_at.or(issued_at).unwrap_or(created_at),
            doc_type: DocType::TaxInvoice,
            payment_method: None,
            credited_invoice_id: None,
            customer_tax_id: None,
            parties: None,
            allocation_status: None,
            allocation_number: None,
            allocation_reason: None,
        }))
    }

    /// Every third customer has the service contract: signed (through a signature) or sent.
    fn contract(&self, conn: &mut DbConn, made: &mut DemoActivity) -> Result<()> {
        if !self.j.is_multiple_of(3) {
            return Ok(());
        }
        let created_at = self.at(0.4);
        let signed = self.j.is_multiple_of(2);
        let signed_at = self.at(0.45);
        let c = Contract {
            id: ContractId::generate(),
            business_id: self.business_id.clone(),
            customer_id: self.customer.id.clone(),
            title: strings::DEMO_CONTRACT_TITLE.into(),
            body: strings::DEMO_CONTRACT_BODY.into(),
            status: if signed {
                ContractStatus::Signed
            } else {
                ContractStatus::Sent
            },
            created_at,
            updated_at: if signed { signed_at } else { created_at },
        };
        contract::insert(conn, &c)?;
        made.contracts += 1;
        if signed {
            // The link's token was "sent" and spent; nobody can use it again.
            signature::insert(
                conn,
                &Signature {
                    id: SignatureId::generate(),
                    business_id: self.business_id.clone(),
                    contract_id: Some(c.id.clone()),
                    proposal_id: None,
                    token_hash: token_hash(&format!("demo-spent-{}", c.id)),
                    signer_name: Some(self.customer.name.clone()),
                    signer_ip: Some("192.0.2.10".into()),
                    image_png: Some(DEMO_SIGNATURE_PNG.to_vec()),
                    document_sha256: Some(document_sha256(&c.title, &c.body)),
                    signed_at: Some(signed_at),
                    used_at: Some(signed_at),
                    created_at,
                    expires_at: created_at
                        + crate::settings::Settings::default().signature_link_ttl,
                    revoked_at: None,
                },
            )?;
            made.signatures += 1;
        }
        Ok(())
    }

    /// Every fifth customer (from the second) has a proposal waiting for an answer.
    fn proposal(&self, conn: &mut DbConn, made: &mut DemoActivity) -> Result<()> {
        if self.j % 5 != 1 {
            return Ok(());
        }
        let lines = strings::DEMO_LINE_ITEMS;
        let items: Vec<LineItem> = [3, 4]
            .into_iter()
            .map(|m| {
                let (d, q, p) = lines[m % lines.len()];
                LineItem::new(d, q, p)
            })
            .collect();
        let created_at = self.at(0.92);
        let valid_until = self.now + Duration::days(14);
        proposal::insert(
            conn,
            &Proposal {
                id: ProposalId::generate(),
                business_id: self.business_id.clone(),
                customer_id: self.customer.id.clone(),
                title: strings::DEMO_PROPOSAL_TITLES[self.j % strings::DEMO_PROPOSAL_TITLES.len()]
                    .into(),
                total_agorot: line_items::subtotal(&items)?,
                items: line_items::to_json(&items)?,
                status: ProposalStatus::Sent,
                valid_until: Some(whole_seconds(valid_until)),
                created_at,
                updated_at: created_at,
            },
        )?;
        made.proposals += 1;
        Ok(())
    }

    /// Every third customer (from the second) has an appointment in the coming week.
    fn appointment(&self, conn: &mut DbConn, made: &mut DemoActivity) -> Result<()> {
        if self.j % 3 != 1 {
            return Ok(());
        }
        let day = self.now.date() + Duration::days(1 + (self.j % 7) as i64);
        // 08:00 UTC is 10:00 or 11:00 in Israel.
        let starts_at = day.and_hms_opt(8, 0, 0).unwrap_or(self.now);
        let created_at = self.at(0.95);
        appointment::insert(
            conn,
            &Appointment {
                id: AppointmentId::generate(),
                business_id: self.business_id.clone(),
                customer_id: Some(self.customer.id.clone()),
                title: strings::DEMO_APPOINTMENT_TITLES
                    [self.j % strings::DEMO_APPOINTMENT_TITLES.len()]
                .into(),
                starts_at,
                ends_at: starts_at + Duration::hours(1),
                notes: String::new(),
                created_at,
                updated_at: created_at,
                confirmed_at: None,
            },
        )?;
        made.appointments += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentlocator_common::phone::normalize_il;
    use std::collections::HashSet;

    #[test]
    fn demo_customers_are_fifty_distinct_valid_israeli_mobiles() {
        let list = demo_customers();
        assert_eq!(list.len(), DEMO_CUSTOMER_COUNT);
        let phones: HashSet<_> = list.iter().map(|c| c.phone.clone()).collect();
        assert_eq!(phones.len(), DEMO_CUSTOMER_COUNT);
        for c in &list {
            assert_eq!(normalize_il(&c.phone).as_deref(), Ok(c.phone.as_str()));
            assert!(c.phone.starts_with("+9725"));
        }
        let names: HashSet<_> = list.iter().map(|c| c.name.clone()).collect();
        assert_eq!(names.len(), DEMO_CUSTOMER_COUNT);
    }

    #[test]
    fn summary_debug_hides_the_password() {
        let s = DemoSummary {
            business_id: "b".into(),
            business_created: true,
            owner_email: DEMO_OWNER_EMAIL.into(),
            owner_password: Some("hunter2hunter2".into()),
            customers_created: 0,
            customers_total: 0,
            activity: None,
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
