//! The WhatsApp agent: when a business turns it on (`whatsapp_agent_enabled`), a burst of inbound
//! messages in a conversation gets ONE reply from the business's agent, sent through the normal
//! send path (an `agent.whatsapp_requested` event that whatsapp-bridge delivers).
//!
//! - **Bursts.** The transaction that stores an inbound message also upserts the conversation's
//!   turn ([`after_inbound`]): pending, its newest message, quiet from now. A turn is due once
//!   it has been quiet for the burst window ([`TurnSettings::burst_window`]).
//! - **Exactly one reply**, across replicas and restarts. A scheduler ([`run`]) claims due turns
//!   with a lease (PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite `BEGIN IMMEDIATE`); a claimer that
//!   dies leaves its lease to expire and the turn is taken again. The reply is asked of the
//!   [`TurnReplier`] (speech-svc's agent loop, its tools run by crm-svc's [`super::tools`]), then
//!   ONE transaction checks that the claim is still ours and that no newer message came in (else
//!   the newer burst is answered instead, once it is quiet), marks the turn answered and writes the
//!   send request with an id derived from the burst ([`reply_action_id`]), so the bridge sends it
//!   once.
//! - **Silence.** No reply while staff paused the agent in the conversation, while it waits for a
//!   person, or when staff wrote to the customer (an outbound message the agent did not send) in
//!   the last `staff_silence_minutes`. A silenced burst is passed over, not kept for later.
//! - **Context.** The conversation's last [`HISTORY`] messages, both directions: the trailing
//!   inbound ones are the burst the agent answers, the others its history.
//! - **No LLM** (`LLM_ENGINE=knowledge`): the Q&A answers what it can; when it cannot (or the
//!   customer asks for an action), the customer hears once that a person will get back, a task
//!   says so, and the conversation waits for a person — the agent stays silent until staff resume
//!   it, so a customer who keeps writing is not answered the same sentence again and again.
//! - **Failures.** A reply that fails (speech-svc or the model unavailable, a malformed answer) is
//!   tried again after a pause; after [`MAX_ATTEMPTS`] the customer gets
//!   [`strings::AGENT_WHATSAPP_FALLBACK`], a task, and the conversation waits for a person.

use super::{ConversationState, queries, queries::TurnRow, tools::Conversation};
use crate::{
    businesses::queries as business,
    customers::queries as customer,
    db::{Db, DbConn},
    enums::AgentChannel,
    error::{Error, Result},
    ids::{BusinessId, CustomerId},
    outbox::queries as outbox,
    strings, tasks, time,
    whatsapp::{WhatsAppMessage, queries as whatsapp_message},
};
use agentlocator_proto::{
    new_event,
    v1::{AgentEvent, AgentEventKind, event::Payload},
};
use chrono::NaiveDateTime;
use futures::future::BoxFuture;
use std::{sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;

/// Quiet time after a conversation's last message before the agent answers.
pub const DEFAULT_BURST_WINDOW: Duration = Duration::from_secs(4);
/// How long a claim holds a turn; a claimer gone for longer leaves it to another.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// Messages of the conversation the agent reads.
pub const HISTORY: i64 = 20;
/// Tries at one burst before the customer gets the fallback answer.
pub const MAX_ATTEMPTS: i32 = 3;
/// Longest burst text passed to the agent (its newest part is kept).
pub const MAX_BURST_CHARS: usize = 3_000;
/// The scheduler looks at least this often (lease expiries, other replicas' messages).
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Turns claimed per pass, and answered at once.
const BATCH: i64 = 16;

/// The WhatsApp agent's timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnSettings {
    pub burst_window: Duration,
    pub lease: Duration,
}

impl Default for TurnSettings {
    fn default() -> Self {
        TurnSettings {
            burst_window: DEFAULT_BURST_WINDOW,
            lease: DEFAULT_LEASE,
        }
    }
}

impl TurnSettings {
    /// The pause before a failed reply is tried again.
    pub fn retry_delay(&self) -> Duration {
        self.burst_window.max(Duration::from_millis(500))
    }
}

/// One earlier message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// From the customer (else to them: staff or the agent).
    pub inbound: bool,
    pub text: String,
}

/// What the agent is asked to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnRequest {
    pub business_id: BusinessId,
    pub business_name: String,
    pub greeting: String,
    /// The business's Q&A: (question, answer).
    pub knowledge: Vec<(String, String)>,
    /// Earlier messages, oldest first.
    pub history: Vec<Line>,
    /// The burst: the customer's messages since the last answer, one per line.
    pub text: String,
    /// Whom the tools act for.
    pub conversation: Conversation,
}

/// The agent's answer to a burst.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnAnswer {
    pub text: String,
    /// The engine cannot act (the keyless `knowledge` replies).
    pub keyless: bool,
    /// A person should get back and no task says so yet.
    pub needs_follow_up: bool,
    /// The tools that ran successfully.
    pub actions: Vec<String>,
}

/// Makes the agent's reply to a burst (speech-svc's agent, see [`super::speech`]). An error is
/// any failure to get one, as text for the log.
pub trait TurnReplier: Send + Sync {
    fn reply(&self, request: TurnRequest)
    -> BoxFuture<'_, std::result::Result<TurnAnswer, String>>;
}

/// The id of the reply to the burst ending with message `message_id`: the send's idempotency key.
pub fn reply_action_id(message_id: &str) -> String {
    format!("wa-turn-{message_id}")
}

/// After the inbound `message` is stored, in its transaction: when the business's WhatsApp agent
/// is on and the message is new and from a customer, the conversation's burst is pending again
/// and quiet from now. Returns whether the agent will answer it (then no other auto-reply should).
pub fn after_inbound(conn: &mut DbConn, message: &WhatsAppMessage) -> Result<bool> {
    let Some(customer_id) = &message.customer_id else {
        return Ok(false);
    };
    if message.direction != "inbound"
        || message.body.trim().is_empty()
        || !crate::hours::closure_reply::is_recent(
            time::to_utc(message.created_at),
            chrono::Utc::now(),
        )
    {
        return Ok(false);
    }
    if !super::load(conn, &message.business_id)?.whatsapp_agent_enabled {
        return Ok(false);
    }
    queries::touch_turn(
        conn,
        &message.business_id,
        customer_id,
        message.id.as_str(),
        time::now(),
    )?;
    Ok(true)
}

/// Why the agent is silent in a conversation now, if it is. `waiting` also counts a conversation
/// waiting for a person (not when checking again after the agent's own turn, whose hand-off may
/// have just set it).
fn silence(
    conn: &mut DbConn,
    turn: &TurnRow,
    now: NaiveDateTime,
    waiting: bool,
) -> Result<Option<&'static str>> {
    let def = super::load(conn, &turn.business_id)?;
    if !def.whatsapp_agent_enabled {
        return Ok(Some("the WhatsApp agent is off"));
    }
    let state = super::state_on(conn, &turn.business_id, &turn.customer_id)?;
    if state.paused {
        return Ok(Some("paused by staff"));
    }
    if waiting && state.waiting_for_human {
        return Ok(Some("waiting for a person"));
    }
    if def.staff_silence_minutes > 0 {
        let since = now - chrono::Duration::minutes(i64::from(def.staff_silence_minutes));
        if queries::staff_wrote_since(conn, &turn.business_id, &turn.customer_id, since)? {
            return Ok(Some("staff replied recently"));
        }
    }
    Ok(None)
}

/// What a claimed turn comes to before the agent is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    Silent(&'static str),
    Ask(Box<TurnRequest>),
}

/// Reads what the agent needs for `turn` (or why it stays silent).
pub fn prepare(conn: &mut DbConn, turn: &TurnRow, now: NaiveDateTime) -> Result<Prepared> {
    if let Some(why) = silence(conn, turn, now, true)? {
        return Ok(Prepared::Silent(why));
    }
    let b = business::find(conn, &turn.business_id)?.ok_or(Error::NotFound("business"))?;
    let c = customer::find(conn, &turn.business_id, &turn.customer_id)?
        .ok_or(Error::NotFound("customer"))?;
    let mut recent =
        whatsapp_message::recent_by_customer(conn, &turn.business_id, &turn.customer_id, HISTORY)?;
    recent.reverse();
    let first_of_burst = recent
        .iter()
        .rposition(|m| m.direction == "outbound")
        .map_or(0, |i| i + 1);
    let burst: Vec<&str> = recent[first_of_burst..]
        .iter()
        .map(|m| m.body.trim())
        .filter(|t| !t.is_empty())
        .collect();
    if burst.is_empty() {
        return Ok(Prepared::Silent("nothing new to answer"));
    }
    let text = burst.join("\n");
    let text = match text.chars().count() {
        n if n > MAX_BURST_CHARS => text.chars().skip(n - MAX_BURST_CHARS).collect(),
        _ => text,
    };
    let history = recent[..first_of_burst]
        .iter()
        .filter(|m| !m.body.trim().is_empty())
        .map(|m| Line {
            inbound: m.direction != "outbound",
            text: m.body.trim().to_owned(),
        })
        .collect();
    let knowledge = b.knowledge()?.into_iter().map(|k| (k.q, k.a)).collect();
    Ok(Prepared::Ask(Box::new(TurnRequest {
        business_id: turn.business_id.clone(),
        business_name: b.name,
        greeting: b.greeting_text,
        knowledge,
        history,
        conversation: Conversation {
            business_id: turn.business_id.clone(),
            channel: AgentChannel::Whatsapp,
            customer_phone: c.phone,
            // One conversation per burst: the keyless call-back task is one per burst, and a
            // turn taken again after a lost claim keeps its tool calls' ids.
            conversation_ref: format!("whatsapp:{}:{}", turn.customer_id, turn.last_message_id),
            turn_ref: reply_action_id(&turn.last_message_id),
            turn_text: text.clone(),
        },
        text,
    })))
}

/// How a claimed turn ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    /// The reply was queued for sending.
    Answered { action_id: String, text: String },
    /// Passed over in silence.
    Silenced(&'static str),
    /// A newer message came in: the newer burst is answered instead.
    Superseded,
    /// The reply failed; tried again later.
    Retry,
    /// Another scheduler holds the turn now (our lease ran out).
    Lost,
}

/// Settles a claimed `turn` with what the agent said (`answer`), in ONE transaction (see the
/// module documentation).
pub fn finish(
    conn: &mut DbConn,
    turn: &TurnRow,
    answer: std::result::Result<TurnAnswer, String>,
    settings: &TurnSettings,
    now: NaiveDateTime,
) -> Result<Finished> {
    let (b, c) = (&turn.business_id, &turn.customer_id);
    let token = turn.claimed_by.as_deref().unwrap_or_default();
    let Some(row) = queries::lock_turn(conn, b, c)? else {
        return Ok(Finished::Lost);
    };
    if row.claimed_by.as_deref() != Some(token) || !row.pending {
        return Ok(Finished::Lost);
    }
    let release = |conn: &mut DbConn, answered: bool, failed: bool, retry_at| {
        queries::release_turn(
            conn,
            b,
            c,
            token,
            &turn.last_message_id,
            answered,
            failed,
            retry_at,
        )
    };
    if row.last_message_id != turn.last_message_id {
        release(conn, false, false, None)?;
        return Ok(Finished::Superseded);
    }
    let (answer, failed) = match answer {
        Ok(a) => (a, false),
        Err(e) if row.attempts + 1 < MAX_ATTEMPTS => {
            tracing::warn!(business_id = %b, customer_id = %c, attempt = row.attempts + 1, error = %e, "the WhatsApp agent's reply failed; will try again");
            let retry_at =
                now + chrono::Duration::from_std(settings.retry_delay()).unwrap_or_default();
            release(conn, false, true, Some(retry_at))?;
            return Ok(Finished::Retry);
        }
        Err(e) => {
            tracing::error!(business_id = %b, customer_id = %c, error = %e, "the WhatsApp agent could not reply; the customer gets the fallback answer");
            let answer = TurnAnswer {
                text: strings::AGENT_WHATSAPP_FALLBACK.to_owned(),
                keyless: true,
                needs_follow_up: true,
                actions: Vec::new(),
            };
            (answer, true)
        }
    };
    if let Some(why) = silence(conn, turn, now, false)? {
        release(conn, true, false, None)?;
        return Ok(Finished::Silenced(why));
    }
    let customer = customer::find(conn, b, c)?.ok_or(Error::NotFound("customer"))?;
    if answer.needs_follow_up {
        let title =
            strings::agent_whatsapp_call_back_title(&customer.name, &last_line(conn, turn)?);
        let title: String = title.chars().take(tasks::MAX_TITLE_CHARS).collect();
        let task = tasks::new_task(
            b,
            tasks::NewTask {
                title,
                due_at: Some(now),
                customer_id: Some(c.clone()),
                assignee_id: None,
            },
        )?;
        tasks::insert(conn, &task)?;
    }
    // A promise that a person will get back: the agent waits for them.
    if failed || (answer.keyless && (answer.needs_follow_up || !answer.actions.is_empty())) {
        let mut state: ConversationState = super::state_on(conn, b, c)?;
        if !state.waiting_for_human {
            state.waiting_for_human = true;
            super::save_state(conn, &state)?;
        }
    }
    let action_id = reply_action_id(&turn.last_message_id);
    outbox::enqueue(
        conn,
        &new_event(
            b.as_str(),
            Payload::Agent(AgentEvent {
                kind: AgentEventKind::WhatsappRequested as i32,
                action_id: action_id.clone(),
                customer_id: c.to_string(),
                to_number: customer.phone,
                text: answer.text.clone(),
            }),
        ),
    )?;
    release(conn, true, false, None)?;
    Ok(Finished::Answered {
        action_id,
        text: answer.text,
    })
}

/// The burst's newest message text, for a task title.
fn last_line(conn: &mut DbConn, turn: &TurnRow) -> Result<String> {
    Ok(
        whatsapp_message::recent_by_customer(conn, &turn.business_id, &turn.customer_id, 1)?
            .into_iter()
            .next()
            .map(|m| m.body)
            .unwrap_or_default(),
    )
}

/// Claims the turns due at `now` for a new claim token (at most [`BATCH`]).
pub async fn claim_due(
    db: &Db,
    settings: TurnSettings,
    now: NaiveDateTime,
) -> Result<Vec<TurnRow>> {
    let quiet_since = now - chrono::Duration::from_std(settings.burst_window).unwrap_or_default();
    let lease_until = now + chrono::Duration::from_std(settings.lease).unwrap_or_default();
    let token = uuid::Uuid::now_v7().to_string();
    db.transaction(move |conn| {
        queries::claim_turns(conn, quiet_since, now, lease_until, &token, BATCH)
    })
    .await
}

/// When the next pending turn falls due (its quiet window over and no live lease), if any.
pub async fn next_due(db: &Db, settings: TurnSettings) -> Result<Option<NaiveDateTime>> {
    let window = chrono::Duration::from_std(settings.burst_window).unwrap_or_default();
    let rows = db
        .run(move |conn| queries::pending_turn_times(conn, 4 * BATCH))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(last, lease)| {
            let quiet = last + window;
            lease.map_or(quiet, |l| l.max(quiet))
        })
        .min())
}

/// Answers one claimed turn: prepares it, asks `replier`, and settles it.
pub async fn answer(
    db: &Db,
    replier: &dyn TurnReplier,
    turn: TurnRow,
    settings: TurnSettings,
) -> Result<Finished> {
    let t = turn.clone();
    let prepared = db.run(move |conn| prepare(conn, &t, time::now())).await?;
    let reply = match prepared {
        Prepared::Silent(why) => {
            let t = turn.clone();
            db.transaction(move |conn| {
                let token = t.claimed_by.as_deref().unwrap_or_default();
                queries::release_turn(
                    conn,
                    &t.business_id,
                    &t.customer_id,
                    token,
                    &t.last_message_id,
                    true,
                    false,
                    None,
                )
            })
            .await?;
            tracing::info!(business_id = %turn.business_id, customer_id = %turn.customer_id, why, "the WhatsApp agent stays silent");
            return Ok(Finished::Silenced(why));
        }
        Prepared::Ask(request) => replier.reply(*request).await,
    };
    let t = turn.clone();
    let finished = db
        .transaction(move |conn| finish(conn, &t, reply, &settings, time::now()))
        .await?;
    if matches!(finished, Finished::Answered { .. }) {
        db.poke_outbox();
    }
    tracing::info!(business_id = %turn.business_id, customer_id = %turn.customer_id, outcome = ?finished, "WhatsApp agent turn");
    Ok(finished)
}

/// The scheduler: claims due turns and answers them (several at once) until `shutdown`; the turns
/// being answered then are finished first. Woken by [`Db::poke_agent`] and at least every second.
pub async fn run(
    db: Db,
    replier: Arc<dyn TurnReplier>,
    settings: TurnSettings,
    shutdown: CancellationToken,
) -> Result<()> {
    tracing::info!(
        burst_window_ms = settings.burst_window.as_millis() as u64,
        "WhatsApp agent scheduler started"
    );
    let notify = db.agent_notify();
    let mut working: tokio::task::JoinSet<(BusinessId, CustomerId)> = tokio::task::JoinSet::new();
    let mut failing = false;
    loop {
        while working.try_join_next().is_some() {}
        if working.len() < BATCH as usize {
            match claim_due(&db, settings, time::now()).await {
                Ok(turns) => {
                    failing = false;
                    for turn in turns {
                        let (db, replier) = (db.clone(), replier.clone());
                        working.spawn(async move {
                            let key = (turn.business_id.clone(), turn.customer_id.clone());
                            if let Err(e) = answer(&db, replier.as_ref(), turn, settings).await {
                                // The claim lapses and the turn is taken again.
                                tracing::warn!(business_id = %key.0, customer_id = %key.1, error = %e, "a WhatsApp agent turn failed");
                            }
                            key
                        });
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "WhatsApp agent scheduler pass failed; retrying");
                        failing = true;
                    }
                }
            }
        }
        let wait = match next_due(&db, settings).await {
            Ok(Some(at)) => (at - time::now())
                .to_std()
                .unwrap_or_default()
                .clamp(Duration::from_millis(5), POLL_INTERVAL),
            _ => POLL_INTERVAL,
        };
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = notify.notified() => {}
            Some(_) = working.join_next(), if !working.is_empty() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
    while working.join_next().await.is_some() {}
    tracing::info!("WhatsApp agent scheduler stopped");
    Ok(())
}
