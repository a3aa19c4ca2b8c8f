//! The agent's tools, run in crm-svc against the same rules as the REST API.
//!
//! Scoping: a tool acts on the business of the conversation and on its customer only — the one
//! whose phone the caller or sender has (found, or created as a lead) — whatever the model passes.
//! No tool takes a customer id; an appointment id the model names must be one of that customer's
//! appointments in that business, else the tool answers "no such appointment" and changes nothing.
//!
//! Every action (a tool that changes something) is checked against the business's allowed
//! actions, and its effect, its `agent_actions` row (the customer's timeline, with the turn that
//! caused it) and its events are written in one transaction. A retry of the same tool call (same
//! `tool_call_id` in the same conversation) answers the first result and changes nothing more.
//!
//! A refusal (unknown tool, bad arguments, not allowed, a slot taken…) is a tool result with
//! `ok: false` and `{"error": …}` for the model, never an RPC error; only the database being
//! unavailable or broken is.

use super::{AgentDefinition, queries, slots};
use crate::{
    appointments::{self, AppointmentPatch, NewAppointment},
    appointments::{Appointment, queries as appointment},
    businesses::queries as business,
    customers::{self, CustomerPatch},
    customers::{Customer, queries as customer},
    db::{Db, DbConn},
    enums::{AgentChannel, CustomerSource, InvoiceStatus},
    error::{Error, Result},
    event_consumer::resolve_customer,
    hours,
    ids::{AgentActionId, AppointmentId, BusinessId, CustomerId},
    invoices::queries as invoice,
    outbox::queries as outbox,
    strings, tasks,
    tasks::queries as task,
    time,
};
use agentlocator_common::{
    agent_tools::{self, ToolCall, ToolName},
    phone::format_il_local,
};
use agentlocator_proto::{
    new_event,
    v1::{AgentEvent, AgentEventKind, event::Payload},
};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// Longest turn text kept with an action.
const MAX_TURN_CHARS: usize = 2_000;
/// Longest conversation or tool-call reference.
const MAX_REF_CHARS: usize = 200;
/// Open tasks and upcoming appointments `lookup_customer` lists at most.
const LOOKUP_LIMIT: usize = 10;

/// Whom the agent is talking with, as the caller of the tool names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub business_id: BusinessId,
    pub channel: AgentChannel,
    /// The caller's or sender's phone, any Israeli format.
    pub customer_phone: String,
    /// The call's SID or the WhatsApp chat.
    pub conversation_ref: String,
    /// The turn or message that caused the call, and its text.
    pub turn_ref: String,
    pub turn_text: String,
}

/// One tool call of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolRequest {
    pub conversation: Conversation,
    /// The model's id of the call (empty: no retry protection).
    pub tool_call_id: String,
    pub name: String,
    /// JSON, as the model sent it.
    pub arguments: String,
}

/// What a tool call came to.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutcome {
    /// False: refused, nothing changed; `result` is `{"error": …}`.
    pub ok: bool,
    /// For the model.
    pub result: Value,
    /// The conversation's customer, when it was resolved.
    pub customer_id: Option<CustomerId>,
    /// `hand_off` on a call: the number to dial, if the business set one.
    pub handoff_phone: Option<String>,
    /// `end_call`: hang up after the reply.
    pub end_call: bool,
}

impl ToolOutcome {
    fn refused(message: impl Into<String>) -> Self {
        ToolOutcome {
            ok: false,
            result: json!({"error": message.into()}),
            customer_id: None,
            handoff_phone: None,
            end_call: false,
        }
    }
}

/// A refusal inside the transaction (rolls back whatever it wrote).
fn refuse(message: impl Into<String>) -> Error {
    Error::validation("arguments", message)
}

/// Runs one tool call; see the module documentation.
pub async fn run(db: &Db, request: ToolRequest) -> Result<ToolOutcome> {
    let ToolRequest {
        conversation: conv,
        tool_call_id,
        name,
        arguments,
    } = request;
    if conv.business_id.as_str().trim().is_empty() {
        return Err(Error::validation("business_id", "is required"));
    }
    let conversation_ref = required_ref("conversation_ref", &conv.conversation_ref)?;
    let tool_call_id = match tool_call_id.trim() {
        "" => AgentActionId::generate().to_string(),
        id if id.chars().count() > MAX_REF_CHARS => {
            return Err(Error::validation("tool_call_id", "is too long"));
        }
        id => id.to_owned(),
    };
    let call = match agent_tools::parse(&name, &arguments) {
        Ok(call) => call,
        Err(e) => {
            tracing::warn!(business_id = %conv.business_id, conversation = %conversation_ref, tool = %cut(&name, 64), error = %e, "agent tool call refused");
            return Ok(ToolOutcome::refused(e.to_string()));
        }
    };
    let tool = call.name();
    let ctx = Context {
        conv: Conversation {
            conversation_ref,
            turn_ref: cut(conv.turn_ref.trim(), MAX_REF_CHARS),
            turn_text: cut(conv.turn_text.trim(), MAX_TURN_CHARS),
            ..conv
        },
        tool_call_id,
        now: Utc::now(),
    };
    let business_id = ctx.conv.business_id.clone();
    let conversation_ref = ctx.conv.conversation_ref.clone();
    let outcome = db.transaction(move |conn| run_in(conn, &ctx, call)).await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(Error::Validation { field, message }) => {
            ToolOutcome::refused(if field == "arguments" {
                message
            } else {
                format!("{field}: {message}")
            })
        }
        Err(Error::NotFound(what)) if what != "business" => {
            ToolOutcome::refused(format!("no such {what} of this customer"))
        }
        Err(Error::Conflict(message)) => ToolOutcome::refused(message),
        Err(e) => return Err(e),
    };
    if outcome.ok {
        db.poke_outbox();
    }
    let error = outcome
        .result
        .get("error")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    tracing::info!(business_id = %business_id, conversation = %conversation_ref, tool = %tool, ok = outcome.ok, error, "agent tool call");
    Ok(outcome)
}

fn required_ref(field: &'static str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::validation(field, "is required"));
    }
    if v.chars().count() > MAX_REF_CHARS {
        return Err(Error::validation(field, "is too long"));
    }
    Ok(v.to_owned())
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

struct Context {
    conv: Conversation,
    tool_call_id: String,
    now: DateTime<Utc>,
}

/// What an action did, before it is recorded.
struct Done {
    result: Value,
    /// Hebrew detail for the timeline summary.
    detail: String,
    handoff_phone: Option<String>,
}

fn run_in(conn: &mut DbConn, ctx: &Context, call: ToolCall) -> Result<ToolOutcome> {
    let b = &ctx.conv.business_id;
    if !business::exists(conn, b)? {
        return Err(Error::NotFound("business"));
    }
    let def = super::load(conn, b)?;
    let tool = call.name();
    if !def.allows(tool) {
        return Ok(ToolOutcome::refused(format!(
            "{tool} is not allowed for this business; offer that staff will call back"
        )));
    }
    let spec = tool.spec();
    if spec.acts
        && let Some(done) =
            queries::find_action_by_call(conn, b, &ctx.conv.conversation_ref, &ctx.tool_call_id)?
    {
        // A retry of a call that already ran: its first answer, nothing done twice — and a
        // retried hand-off still dials.
        return Ok(ToolOutcome {
            ok: true,
            result: serde_json::from_str(&done.result)
                .map_err(|e| Error::Internal(format!("agent action result JSON: {e}")))?,
            customer_id: done.customer_id,
            handoff_phone: (tool == ToolName::HandOff)
                .then(|| dial_for(&def, ctx.conv.channel))
                .flatten(),
            end_call: false,
        });
    }
    if tool == ToolName::EndCall {
        return Ok(ToolOutcome {
            ok: true,
            result: json!({"ok": true}),
            customer_id: None,
            handoff_phone: None,
            end_call: true,
        });
    }
    let source = match ctx.conv.channel {
        AgentChannel::Call => CustomerSource::Call,
        AgentChannel::Whatsapp => CustomerSource::Whatsapp,
    };
    let Some(customer_id) = resolve_customer(conn, b, "", &ctx.conv.customer_phone, source)? else {
        return Ok(ToolOutcome::refused(
            "the conversation has no customer (no Israeli phone number)",
        ));
    };
    let customer = customer::find(conn, b, &customer_id)?.ok_or(Error::NotFound("customer"))?;
    let arguments = arguments_json(&call);
    let done = match call {
        ToolCall::LookupCustomer => {
            return Ok(read_only(lookup(conn, &customer, ctx.now)?, customer_id));
        }
        ToolCall::ListFreeSlots {
            from,
            to,
            duration_minutes,
        } => {
            let minutes = duration_minutes.unwrap_or(i64::from(def.appointment_minutes));
            return Ok(read_only(
                free_slots(conn, b, from, to, minutes, ctx.now)?,
                customer_id,
            ));
        }
        ToolCall::EndCall => unreachable!("answered above"),
        ToolCall::BookAppointment {
            starts_at,
            duration_minutes,
            title,
        } => book(
            conn,
            &def,
            &customer,
            starts_at,
            duration_minutes,
            title,
            ctx.now,
        )?,
        ToolCall::MoveAppointment {
            appointment_id,
            starts_at,
        } => move_appointment(conn, &customer, &appointment_id, starts_at, ctx.now)?,
        ToolCall::CancelAppointment { appointment_id } => cancel(conn, &customer, &appointment_id)?,
        ToolCall::CreateTask { title, due_at } => {
            let t = create_task(conn, &customer, title, due_at)?;
            Done {
                result: json!({"task_id": t.id, "title": t.title}),
                detail: t.title,
                handoff_phone: None,
            }
        }
        ToolCall::UpdateCustomer { name, email, notes } => {
            update_customer(conn, &customer, name, email, notes)?
        }
        ToolCall::SendWhatsapp { text } => Done {
            result: json!({"sent": true}),
            detail: text,
            handoff_phone: None,
        },
        ToolCall::HandOff { reason } => hand_off(conn, ctx, &def, &customer, reason)?,
    };
    let action = queries::AgentAction {
        id: AgentActionId::generate(),
        business_id: b.clone(),
        customer_id: Some(customer_id.clone()),
        channel: ctx.conv.channel,
        conversation_ref: ctx.conv.conversation_ref.clone(),
        turn_ref: ctx.conv.turn_ref.clone(),
        turn_text: ctx.conv.turn_text.clone(),
        tool_call_id: ctx.tool_call_id.clone(),
        tool: tool.as_str().to_owned(),
        arguments: arguments.to_string(),
        result: done.result.to_string(),
        summary: strings::agent_action_summary(tool.as_str(), &done.detail),
        created_at: time::now(),
    };
    queries::insert_action(conn, &action)?;
    if tool == ToolName::SendWhatsapp {
        outbox::enqueue(
            conn,
            &new_event(
                b.as_str(),
                Payload::Agent(AgentEvent {
                    kind: AgentEventKind::WhatsappRequested as i32,
                    action_id: action.id.to_string(),
                    customer_id: customer_id.to_string(),
                    to_number: customer.phone.clone(),
                    text: done.detail.clone(),
                }),
            ),
        )?;
    }
    Ok(ToolOutcome {
        ok: true,
        result: done.result,
        customer_id: Some(customer_id),
        handoff_phone: done.handoff_phone,
        end_call: false,
    })
}

fn read_only(result: Value, customer_id: CustomerId) -> ToolOutcome {
    ToolOutcome {
        ok: true,
        result,
        customer_id: Some(customer_id),
        handoff_phone: None,
        end_call: false,
    }
}

/// The validated arguments, for the action's record.
fn arguments_json(call: &ToolCall) -> Value {
    let t = |t: &DateTime<Utc>| t.to_rfc3339();
    match call {
        ToolCall::LookupCustomer | ToolCall::EndCall => json!({}),
        ToolCall::ListFreeSlots {
            from,
            to,
            duration_minutes,
        } => {
            json!({"from": t(from), "to": to.as_ref().map(t), "duration_minutes": duration_minutes})
        }
        ToolCall::BookAppointment {
            starts_at,
            duration_minutes,
            title,
        } => {
            json!({"starts_at": t(starts_at), "duration_minutes": duration_minutes, "title": title})
        }
        ToolCall::MoveAppointment {
            appointment_id,
            starts_at,
        } => json!({"appointment_id": appointment_id, "starts_at": t(starts_at)}),
        ToolCall::CancelAppointment { appointment_id } => {
            json!({"appointment_id": appointment_id})
        }
        ToolCall::CreateTask { title, due_at } => {
            json!({"title": title, "due_at": due_at.as_ref().map(t)})
        }
        ToolCall::UpdateCustomer { name, email, notes } => {
            json!({"name": name, "email": email, "notes": notes})
        }
        ToolCall::SendWhatsapp { text } => json!({"text": text}),
        ToolCall::HandOff { reason } => json!({"reason": reason}),
    }
}

/// A time as the model and the customer read it: Israel time with its offset.
fn local(t: chrono::NaiveDateTime) -> String {
    time::to_utc(t).with_timezone(&slots::ZONE).to_rfc3339()
}

/// A time for the Hebrew timeline summary.
fn local_text(t: chrono::NaiveDateTime) -> String {
    time::to_utc(t)
        .with_timezone(&slots::ZONE)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

fn upcoming(
    conn: &mut DbConn,
    customer: &Customer,
    now: DateTime<Utc>,
) -> Result<Vec<Appointment>> {
    let mut list = appointment::list_by_customer(conn, &customer.business_id, &customer.id)?;
    list.retain(|a| a.ends_at > now.naive_utc());
    list.sort_by_key(|a| a.starts_at);
    Ok(list)
}

fn lookup(conn: &mut DbConn, customer: &Customer, now: DateTime<Utc>) -> Result<Value> {
    let (b, c) = (&customer.business_id, &customer.id);
    let open_tasks: Vec<Value> = task::list_by_customer(conn, b, c)?
        .into_iter()
        .filter(|t| !t.done)
        .take(LOOKUP_LIMIT)
        .map(|t| json!({"title": t.title, "due_at": t.due_at.map(local)}))
        .collect();
    let appointments: Vec<Value> = upcoming(conn, customer, now)?
        .into_iter()
        .take(LOOKUP_LIMIT)
        .map(|a| {
            json!({"appointment_id": a.id, "title": a.title, "starts_at": local(a.starts_at), "ends_at": local(a.ends_at)})
        })
        .collect();
    let unpaid: Vec<Value> = invoice::list_by_customer(conn, b, c)?
        .into_iter()
        .filter(|i| i.status == InvoiceStatus::Sent)
        .map(|i| json!({"number": i.number, "total_agorot": i.total_agorot, "due_at": i.due_at.map(local)}))
        .collect();
    Ok(json!({
        "name": customer.name,
        "phone": format_il_local(&customer.phone).unwrap_or_else(|| customer.phone.clone()),
        "email": customer.email,
        "open_tasks": open_tasks,
        "next_appointment": appointments.first().cloned(),
        "upcoming_appointments": appointments,
        "unpaid_invoices": unpaid,
    }))
}

/// The business's appointments overlapping `[from, to)` as busy ranges, optionally without one.
fn busy(
    conn: &mut DbConn,
    business_id: &BusinessId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    except: Option<&AppointmentId>,
) -> Result<Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime)>> {
    Ok(
        appointment::list_overlapping(conn, business_id, from.naive_utc(), to.naive_utc(), None)?
            .into_iter()
            .filter(|a| Some(&a.id) != except)
            .map(|a| (a.starts_at, a.ends_at))
            .collect(),
    )
}

fn free_slots(
    conn: &mut DbConn,
    business_id: &BusinessId,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
    minutes: i64,
    now: DateTime<Utc>,
) -> Result<Value> {
    let to = to.unwrap_or(from + Duration::days(1));
    if to <= from {
        return Err(refuse("to must be after from"));
    }
    if to - from > Duration::days(slots::MAX_RANGE_DAYS) {
        return Err(refuse(format!(
            "the range may span at most {} days",
            slots::MAX_RANGE_DAYS
        )));
    }
    let busy = busy(conn, business_id, from, to, None)?;
    let open = hours::calendar_on(conn, business_id, from - slots::LOOKBACK, to)?.open;
    let free: Vec<String> = slots::free_slots(&open, &busy, from, to, minutes, now)
        .into_iter()
        .map(|s| s.with_timezone(&slots::ZONE).to_rfc3339())
        .collect();
    Ok(json!({"duration_minutes": minutes, "free_slots": free}))
}

/// On PostgreSQL, locks the business row so two bookings of one business check and insert one
/// after the other (SQLite has one writer anyway).
fn lock_calendar(conn: &mut DbConn, business_id: &BusinessId) -> Result<()> {
    use crate::schema::businesses;
    use diesel::prelude::*;
    if let DbConn::Postgres(pg) = conn {
        businesses::table
            .find(business_id)
            .select(businesses::id)
            .for_update()
            .load::<String>(pg)?;
    }
    Ok(())
}

fn check_slot(
    conn: &mut DbConn,
    business_id: &BusinessId,
    start: DateTime<Utc>,
    minutes: i64,
    except: Option<&AppointmentId>,
    now: DateTime<Utc>,
) -> Result<()> {
    if !time::is_accepted(start.naive_utc()) {
        return Err(refuse("the time is out of range"));
    }
    lock_calendar(conn, business_id)?;
    let end = start + Duration::minutes(minutes);
    let busy = busy(conn, business_id, start, end, except)?;
    let cal = hours::calendar_on(conn, business_id, start, end)?;
    slots::check_bookable(&cal.open, start, minutes, &busy, now).map_err(|u| match u {
        // The model hears why: "closed then (שבת); call list_free_slots".
        slots::Unbookable::Closed => match cal.closures.first() {
            Some(c) => refuse(format!("{} ({})", u.message(), c.name)),
            None => refuse(u.message()),
        },
        _ => refuse(u.message()),
    })
}

fn book(
    conn: &mut DbConn,
    def: &AgentDefinition,
    customer: &Customer,
    starts_at: DateTime<Utc>,
    duration_minutes: Option<i64>,
    title: Option<String>,
    now: DateTime<Utc>,
) -> Result<Done> {
    let minutes = duration_minutes.unwrap_or(i64::from(def.appointment_minutes));
    check_slot(conn, &customer.business_id, starts_at, minutes, None, now)?;
    let row = appointments::new_appointment(
        &customer.business_id,
        NewAppointment {
            title: title.unwrap_or_else(|| strings::AGENT_APPOINTMENT_TITLE.to_owned()),
            starts_at: starts_at.naive_utc(),
            ends_at: (starts_at + Duration::minutes(minutes)).naive_utc(),
            customer_id: Some(customer.id.clone()),
            notes: String::new(),
        },
    )?;
    appointments::insert(conn, &row)?;
    Ok(Done {
        result: json!({"appointment_id": row.id, "title": row.title, "starts_at": local(row.starts_at), "ends_at": local(row.ends_at)}),
        detail: format!("{} ({})", row.title, local_text(row.starts_at)),
        handoff_phone: None,
    })
}

/// The appointment `id` if it is one of `customer`'s (of their business); else "not found".
fn own_appointment(conn: &mut DbConn, customer: &Customer, id: &str) -> Result<Appointment> {
    appointment::find(conn, &customer.business_id, &AppointmentId::from(id))?
        .filter(|a| a.customer_id.as_ref() == Some(&customer.id))
        .ok_or(Error::NotFound("appointment"))
}

fn move_appointment(
    conn: &mut DbConn,
    customer: &Customer,
    id: &str,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Done> {
    let a = own_appointment(conn, customer, id)?;
    let minutes = (a.ends_at - a.starts_at).num_minutes();
    check_slot(
        conn,
        &customer.business_id,
        starts_at,
        minutes,
        Some(&a.id),
        now,
    )?;
    let before = a.starts_at;
    let moved = appointments::apply(
        conn,
        a,
        AppointmentPatch {
            starts_at: Some(starts_at.naive_utc()),
            ends_at: Some((starts_at + Duration::minutes(minutes)).naive_utc()),
            ..AppointmentPatch::default()
        },
        None,
    )?;
    Ok(Done {
        result: json!({"appointment_id": moved.id, "starts_at": local(moved.starts_at), "ends_at": local(moved.ends_at)}),
        detail: format!(
            "{} ({} → {})",
            moved.title,
            local_text(before),
            local_text(moved.starts_at)
        ),
        handoff_phone: None,
    })
}

fn cancel(conn: &mut DbConn, customer: &Customer, id: &str) -> Result<Done> {
    let a = own_appointment(conn, customer, id)?;
    appointment::delete(conn, &customer.business_id, &a.id)?;
    Ok(Done {
        result: json!({"cancelled": true, "appointment_id": a.id}),
        detail: format!("{} ({})", a.title, local_text(a.starts_at)),
        handoff_phone: None,
    })
}

fn create_task(
    conn: &mut DbConn,
    customer: &Customer,
    title: String,
    due_at: Option<DateTime<Utc>>,
) -> Result<crate::tasks::Task> {
    if let Some(due) = due_at
        && !time::is_accepted(due.naive_utc())
    {
        return Err(refuse("due_at is out of range"));
    }
    let row = tasks::new_task(
        &customer.business_id,
        tasks::NewTask {
            title,
            due_at: due_at.map(|t| t.naive_utc()),
            customer_id: Some(customer.id.clone()),
            assignee_id: None,
        },
    )?;
    tasks::insert(conn, &row)?;
    Ok(row)
}

fn update_customer(
    conn: &mut DbConn,
    customer: &Customer,
    name: Option<String>,
    email: Option<String>,
    notes: Option<String>,
) -> Result<Done> {
    // The agent adds to the notes; it never erases what staff wrote.
    let notes = notes.map(|n| {
        let line = strings::agent_note(&n);
        if customer.notes.trim().is_empty() {
            line
        } else {
            format!("{}\n{line}", customer.notes.trim_end())
        }
    });
    let changed: Vec<&str> = [
        name.as_ref().map(|_| "name"),
        email.as_ref().map(|_| "email"),
        notes.as_ref().map(|_| "notes"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let updated = customers::update_in(
        conn,
        &customer.business_id,
        &customer.id,
        CustomerPatch {
            name,
            email,
            notes,
            ..CustomerPatch::default()
        },
    )?;
    Ok(Done {
        result: json!({"updated": changed, "name": updated.name, "email": updated.email}),
        detail: changed.join(", "),
        handoff_phone: None,
    })
}

fn hand_off(
    conn: &mut DbConn,
    ctx: &Context,
    def: &AgentDefinition,
    customer: &Customer,
    reason: String,
) -> Result<Done> {
    let title = cut(
        &strings::agent_hand_off_task_title(&customer.name, &reason),
        agent_tools::MAX_TITLE_CHARS,
    );
    let task = create_task(conn, customer, title, Some(ctx.now))?;
    let dial = dial_for(def, ctx.conv.channel);
    if ctx.conv.channel == AgentChannel::Whatsapp {
        let mut state = super::state_on(conn, &customer.business_id, &customer.id)?;
        state.waiting_for_human = true;
        super::save_state(conn, &state)?;
    }
    Ok(Done {
        result: json!({"handed_off": true, "task_id": task.id, "dialing": dial.is_some()}),
        detail: reason,
        handoff_phone: dial,
    })
}

/// The number a hand-off in `channel` dials: the definition's staff number, on a call only.
fn dial_for(def: &AgentDefinition, channel: AgentChannel) -> Option<String> {
    match channel {
        AgentChannel::Call if !def.handoff_phone.is_empty() => Some(def.handoff_phone.clone()),
        _ => None,
    }
}
