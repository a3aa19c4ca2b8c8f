//! The tools the AI agent may call, defined once: the JSON schemas sent to the model
//! (OpenAI-style function calling, [`openai_tools`]) and the validation of what the model sends
//! back ([`parse`]) are both read from [`TOOLS`]. crm-svc runs a parsed [`ToolCall`]; the reply
//! engines only offer the schemas.
//!
//! No tool takes a customer or business id: every tool acts on the customer of the conversation,
//! whom the caller of the tool resolves from the caller's or sender's phone. Appointment ids are
//! the only ids a model may pass, and crm-svc checks that they belong to that customer.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// The name of a tool, as the model calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ToolName {
    LookupCustomer,
    ListFreeSlots,
    BookAppointment,
    MoveAppointment,
    CancelAppointment,
    CreateTask,
    UpdateCustomer,
    SendWhatsapp,
    HandOff,
    EndCall,
}

impl ToolName {
    pub const ALL: [ToolName; 10] = [
        ToolName::LookupCustomer,
        ToolName::ListFreeSlots,
        ToolName::BookAppointment,
        ToolName::MoveAppointment,
        ToolName::CancelAppointment,
        ToolName::CreateTask,
        ToolName::UpdateCustomer,
        ToolName::SendWhatsapp,
        ToolName::HandOff,
        ToolName::EndCall,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ToolName::LookupCustomer => "lookup_customer",
            ToolName::ListFreeSlots => "list_free_slots",
            ToolName::BookAppointment => "book_appointment",
            ToolName::MoveAppointment => "move_appointment",
            ToolName::CancelAppointment => "cancel_appointment",
            ToolName::CreateTask => "create_task",
            ToolName::UpdateCustomer => "update_customer",
            ToolName::SendWhatsapp => "send_whatsapp",
            ToolName::HandOff => "hand_off",
            ToolName::EndCall => "end_call",
        }
    }

    /// The tool called `name`, if there is one.
    pub fn parse(name: &str) -> Option<ToolName> {
        ToolName::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The tool's definition in [`TOOLS`].
    pub fn spec(self) -> &'static ToolSpec {
        TOOLS
            .iter()
            .find(|s| s.name == self)
            .unwrap_or_else(|| unreachable!("every tool has a spec (tested)"))
    }
}

impl std::fmt::Display for ToolName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON type of an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// A non-empty string of at most `max` characters.
    Text { max: usize },
    /// An RFC 3339 time with an offset, e.g. `2026-12-08T10:00:00+02:00`.
    DateTime,
    /// A whole number in `min..=max`.
    Integer { min: i64, max: i64 },
}

/// One argument of a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
    /// For the model.
    pub description: &'static str,
}

/// One tool: its name, what it does (for the model), its arguments, and whether it changes
/// anything (an action: checked against the business's allowed actions, recorded on the
/// customer's timeline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolSpec {
    pub name: ToolName,
    pub description: &'static str,
    pub params: &'static [Param],
    pub acts: bool,
}

const fn text(name: &'static str, max: usize, required: bool, description: &'static str) -> Param {
    Param {
        name,
        ty: ParamType::Text { max },
        required,
        description,
    }
}

const fn time(name: &'static str, required: bool, description: &'static str) -> Param {
    Param {
        name,
        ty: ParamType::DateTime,
        required,
        description,
    }
}

/// Longest title of a task or an appointment the agent makes.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest message or note the agent writes.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// Every tool.
pub static TOOLS: &[ToolSpec] = &[
    ToolSpec {
        name: ToolName::LookupCustomer,
        description: "Look up the customer you are talking to: name, email, open tasks, next appointment, unpaid invoices.",
        params: &[],
        acts: false,
    },
    ToolSpec {
        name: ToolName::ListFreeSlots,
        description: "List free appointment slots between two times (at most 14 days apart).",
        params: &[
            time("from", true, "start of the range, RFC 3339 with offset"),
            time(
                "to",
                false,
                "end of the range, RFC 3339 with offset; default from + 1 day",
            ),
            Param {
                name: "duration_minutes",
                ty: ParamType::Integer { min: 5, max: 480 },
                required: false,
                description: "length of the appointment in minutes; default the business's",
            },
        ],
        acts: false,
    },
    ToolSpec {
        name: ToolName::BookAppointment,
        description: "Book an appointment for the customer you are talking to, at a free slot.",
        params: &[
            time(
                "starts_at",
                true,
                "RFC 3339 with offset, e.g. 2026-12-08T10:00:00+02:00",
            ),
            Param {
                name: "duration_minutes",
                ty: ParamType::Integer { min: 5, max: 480 },
                required: false,
                description: "length in minutes; default the business's",
            },
            text(
                "title",
                MAX_TITLE_CHARS,
                false,
                "what the appointment is for, in Hebrew",
            ),
        ],
        acts: true,
    },
    ToolSpec {
        name: ToolName::MoveAppointment,
        description: "Move one of this customer's appointments to a new start time.",
        params: &[
            text("appointment_id", 64, true, "the id lookup_customer gave"),
            time("starts_at", true, "the new start, RFC 3339 with offset"),
        ],
        acts: true,
    },
    ToolSpec {
        name: ToolName::CancelAppointment,
        description: "Cancel one of this customer's appointments.",
        params: &[text(
            "appointment_id",
            64,
            true,
            "the id lookup_customer gave",
        )],
        acts: true,
    },
    ToolSpec {
        name: ToolName::CreateTask,
        description: "Create a task for the business's staff about this customer (e.g. call back, send a quote).",
        params: &[
            text(
                "title",
                MAX_TITLE_CHARS,
                true,
                "what staff should do, in Hebrew",
            ),
            time("due_at", false, "when, RFC 3339 with offset"),
        ],
        acts: true,
    },
    ToolSpec {
        name: ToolName::UpdateCustomer,
        description: "Update the name, email or notes of the customer you are talking to.",
        params: &[
            text("name", 200, false, "full name"),
            text("email", 254, false, "email address"),
            text(
                "notes",
                MAX_TEXT_CHARS,
                false,
                "a note to add to the customer's notes",
            ),
        ],
        acts: true,
    },
    ToolSpec {
        name: ToolName::SendWhatsapp,
        description: "Send the customer you are talking to a WhatsApp message (an address, a confirmation).",
        params: &[text("text", MAX_TEXT_CHARS, true, "the message, in Hebrew")],
        acts: true,
    },
    ToolSpec {
        name: ToolName::HandOff,
        description: "Hand the conversation to a person on the staff (the customer asks for one, or you cannot help).",
        params: &[text(
            "reason",
            MAX_TEXT_CHARS,
            true,
            "why, in Hebrew, for the staff",
        )],
        acts: true,
    },
    ToolSpec {
        name: ToolName::EndCall,
        description: "End the phone call after saying goodbye.",
        params: &[],
        acts: false,
    },
];

/// A validated call of a tool, with its arguments typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolCall {
    LookupCustomer,
    ListFreeSlots {
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        duration_minutes: Option<i64>,
    },
    BookAppointment {
        starts_at: DateTime<Utc>,
        duration_minutes: Option<i64>,
        title: Option<String>,
    },
    MoveAppointment {
        appointment_id: String,
        starts_at: DateTime<Utc>,
    },
    CancelAppointment {
        appointment_id: String,
    },
    CreateTask {
        title: String,
        due_at: Option<DateTime<Utc>>,
    },
    UpdateCustomer {
        name: Option<String>,
        email: Option<String>,
        notes: Option<String>,
    },
    SendWhatsapp {
        text: String,
    },
    HandOff {
        reason: String,
    },
    EndCall,
}

impl ToolCall {
    pub fn name(&self) -> ToolName {
        match self {
            ToolCall::LookupCustomer => ToolName::LookupCustomer,
            ToolCall::ListFreeSlots { .. } => ToolName::ListFreeSlots,
            ToolCall::BookAppointment { .. } => ToolName::BookAppointment,
            ToolCall::MoveAppointment { .. } => ToolName::MoveAppointment,
            ToolCall::CancelAppointment { .. } => ToolName::CancelAppointment,
            ToolCall::CreateTask { .. } => ToolName::CreateTask,
            ToolCall::UpdateCustomer { .. } => ToolName::UpdateCustomer,
            ToolCall::SendWhatsapp { .. } => ToolName::SendWhatsapp,
            ToolCall::HandOff { .. } => ToolName::HandOff,
            ToolCall::EndCall => ToolName::EndCall,
        }
    }
}

/// Why a tool call was refused before it ran; the text goes back to the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    #[error("unknown tool {0:?}")]
    UnknownTool(String),
    #[error("the arguments are not a JSON object: {0}")]
    BadJson(String),
    #[error("unknown argument {0:?}")]
    UnknownArgument(String),
    #[error("argument {0:?} is required")]
    Missing(&'static str),
    #[error("argument {name:?} {problem}")]
    Invalid { name: &'static str, problem: String },
}

/// The tool call `name(arguments)` as the model sent it (`arguments`: its JSON text; empty is
/// `{}`), checked against the tool's [`ToolSpec`]: a known tool, a JSON object, no unknown
/// arguments, the required ones present, each of its type.
pub fn parse(name: &str, arguments: &str) -> Result<ToolCall, ToolError> {
    let tool = ToolName::parse(name).ok_or_else(|| ToolError::UnknownTool(cut(name, 64)))?;
    let spec = tool.spec();
    let args: Map<String, Value> = if arguments.trim().is_empty() {
        Map::new()
    } else {
        match serde_json::from_str::<Value>(arguments) {
            Ok(Value::Object(m)) => m,
            Ok(other) => return Err(ToolError::BadJson(format!("got {}", kind_of(&other)))),
            Err(e) => return Err(ToolError::BadJson(e.to_string())),
        }
    };
    let mut a = Args::default();
    for (key, value) in args {
        let Some(param) = spec.params.iter().find(|p| p.name == key) else {
            return Err(ToolError::UnknownArgument(cut(&key, 64)));
        };
        // A model often sends null for an optional argument it does not use.
        if value.is_null() && !param.required {
            continue;
        }
        a.set(param, &value)?;
    }
    for p in spec.params.iter().filter(|p| p.required) {
        if !a.has(p.name) {
            return Err(ToolError::Missing(p.name));
        }
    }
    Ok(match tool {
        ToolName::LookupCustomer => ToolCall::LookupCustomer,
        ToolName::ListFreeSlots => ToolCall::ListFreeSlots {
            from: a.time("from")?,
            to: a.opt_time("to"),
            duration_minutes: a.opt_int("duration_minutes"),
        },
        ToolName::BookAppointment => ToolCall::BookAppointment {
            starts_at: a.time("starts_at")?,
            duration_minutes: a.opt_int("duration_minutes"),
            title: a.opt_text("title"),
        },
        ToolName::MoveAppointment => ToolCall::MoveAppointment {
            appointment_id: a.text("appointment_id")?,
            starts_at: a.time("starts_at")?,
        },
        ToolName::CancelAppointment => ToolCall::CancelAppointment {
            appointment_id: a.text("appointment_id")?,
        },
        ToolName::CreateTask => ToolCall::CreateTask {
            title: a.text("title")?,
            due_at: a.opt_time("due_at"),
        },
        ToolName::UpdateCustomer => {
            let call = ToolCall::UpdateCustomer {
                name: a.opt_text("name"),
                email: a.opt_text("email"),
                notes: a.opt_text("notes"),
            };
            if a.values.is_empty() {
                return Err(ToolError::Missing("name"));
            }
            call
        }
        ToolName::SendWhatsapp => ToolCall::SendWhatsapp {
            text: a.text("text")?,
        },
        ToolName::HandOff => ToolCall::HandOff {
            reason: a.text("reason")?,
        },
        ToolName::EndCall => ToolCall::EndCall,
    })
}

/// The arguments checked so far, by name.
#[derive(Default)]
struct Args {
    values: Vec<(&'static str, Checked)>,
}

enum Checked {
    Text(String),
    Time(DateTime<Utc>),
    Int(i64),
}

impl Args {
    fn set(&mut self, p: &Param, value: &Value) -> Result<(), ToolError> {
        let invalid = |problem: String| ToolError::Invalid {
            name: p.name,
            problem,
        };
        let checked = match p.ty {
            ParamType::Text { max } => {
                let s = value
                    .as_str()
                    .ok_or_else(|| invalid(format!("must be a string, got {}", kind_of(value))))?
                    .trim();
                if s.is_empty() {
                    return Err(invalid("must not be empty".into()));
                }
                if s.chars().count() > max {
                    return Err(invalid(format!("is longer than {max} characters")));
                }
                if s.contains('\0') {
                    return Err(invalid("must not contain NUL".into()));
                }
                Checked::Text(s.to_owned())
            }
            ParamType::DateTime => {
                let s = value.as_str().ok_or_else(|| {
                    invalid(format!("must be an RFC 3339 time, got {}", kind_of(value)))
                })?;
                let t = DateTime::parse_from_rfc3339(s.trim())
                    .map_err(|_| {
                        invalid(format!(
                            "must be an RFC 3339 time with offset, got {}",
                            cut(s, 40)
                        ))
                    })?
                    .with_timezone(&Utc);
                Checked::Time(t)
            }
            ParamType::Integer { min, max } => {
                let n = value.as_i64().ok_or_else(|| {
                    invalid(format!("must be a whole number, got {}", kind_of(value)))
                })?;
                if !(min..=max).contains(&n) {
                    return Err(invalid(format!("must be from {min} to {max}")));
                }
                Checked::Int(n)
            }
        };
        self.values.push((p.name, checked));
        Ok(())
    }

    fn has(&self, name: &str) -> bool {
        self.values.iter().any(|(n, _)| *n == name)
    }

    fn get(&self, name: &str) -> Option<&Checked> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    fn opt_text(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Some(Checked::Text(s)) => Some(s.clone()),
            _ => None,
        }
    }

    fn opt_time(&self, name: &str) -> Option<DateTime<Utc>> {
        match self.get(name) {
            Some(Checked::Time(t)) => Some(*t),
            _ => None,
        }
    }

    fn opt_int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Checked::Int(n)) => Some(*n),
            _ => None,
        }
    }

    fn text(&self, name: &'static str) -> Result<String, ToolError> {
        self.opt_text(name).ok_or(ToolError::Missing(name))
    }

    fn time(&self, name: &'static str) -> Result<DateTime<Utc>, ToolError> {
        self.opt_time(name).ok_or(ToolError::Missing(name))
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `s` cut to `max` characters (a model's garbage is not echoed whole into logs and replies).
fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The JSON Schema of one tool's arguments.
pub fn parameters_schema(spec: &ToolSpec) -> Value {
    let mut properties = Map::new();
    for p in spec.params {
        let schema = match p.ty {
            ParamType::Text { max } => json!({"type": "string", "maxLength": max}),
            ParamType::DateTime => json!({"type": "string", "format": "date-time"}),
            ParamType::Integer { min, max } => {
                json!({"type": "integer", "minimum": min, "maximum": max})
            }
        };
        let mut schema = schema;
        schema["description"] = Value::String(p.description.into());
        properties.insert(p.name.into(), schema);
    }
    let required: Vec<&str> = spec
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// The chat-completions `tools` array of the tools in `names` (in [`TOOLS`] order).
pub fn openai_tools(names: &[ToolName]) -> Value {
    Value::Array(
        TOOLS
            .iter()
            .filter(|s| names.contains(&s.name))
            .map(|s| {
                json!({
                    "type": "function",
                    "function": {
                        "name": s.name.as_str(),
                        "description": s.description,
                        "parameters": parameters_schema(s),
                    }
                })
            })
            .collect(),
    )
}

/// The Realtime API's `session.tools` array (flat: `{type, name, description, parameters}`).
pub fn realtime_tools(names: &[ToolName]) -> Value {
    Value::Array(
        TOOLS
            .iter()
            .filter(|s| names.contains(&s.name))
            .map(|s| {
                json!({
                    "type": "function",
                    "name": s.name.as_str(),
                    "description": s.description,
                    "parameters": parameters_schema(s),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_one_spec_and_a_unique_name() {
        for t in ToolName::ALL {
            assert_eq!(TOOLS.iter().filter(|s| s.name == t).count(), 1, "{t}");
            assert_eq!(ToolName::parse(t.as_str()), Some(t));
        }
        assert_eq!(TOOLS.len(), ToolName::ALL.len());
    }

    #[test]
    fn good_calls_parse_into_typed_arguments() {
        assert_eq!(
            parse("lookup_customer", "").unwrap(),
            ToolCall::LookupCustomer
        );
        assert_eq!(
            parse("lookup_customer", "{}").unwrap(),
            ToolCall::LookupCustomer
        );
        let booked = parse(
            "book_appointment",
            r#"{"starts_at":"2026-12-08T10:00:00+02:00","title":" תספורת ","duration_minutes":null}"#,
        )
        .unwrap();
        assert_eq!(
            booked,
            ToolCall::BookAppointment {
                starts_at: "2026-12-08T08:00:00Z".parse().unwrap(),
                duration_minutes: None,
                title: Some("תספורת".into()),
            }
        );
        assert_eq!(booked.name(), ToolName::BookAppointment);
    }

    #[test]
    fn bad_calls_are_refused_with_a_reason() {
        let err = |name: &str, args: &str| parse(name, args).unwrap_err();
        assert_eq!(
            err("drop_tables", "{}"),
            ToolError::UnknownTool("drop_tables".into())
        );
        assert!(matches!(
            err("create_task", "{title:"),
            ToolError::BadJson(_)
        ));
        assert!(matches!(err("create_task", "[1]"), ToolError::BadJson(_)));
        assert_eq!(
            err("lookup_customer", r#"{"customer_id":"c-1"}"#),
            ToolError::UnknownArgument("customer_id".into())
        );
        assert_eq!(err("create_task", "{}"), ToolError::Missing("title"));
        assert!(matches!(
            err("create_task", r#"{"title": 5}"#),
            ToolError::Invalid { name: "title", .. }
        ));
        assert!(matches!(
            err("create_task", r#"{"title": "  "}"#),
            ToolError::Invalid { name: "title", .. }
        ));
        assert!(matches!(
            err("book_appointment", r#"{"starts_at": "tomorrow at 10"}"#),
            ToolError::Invalid {
                name: "starts_at",
                ..
            }
        ));
        assert!(matches!(
            err(
                "book_appointment",
                r#"{"starts_at": "2026-12-08T10:00:00+02:00", "duration_minutes": 1.5}"#
            ),
            ToolError::Invalid {
                name: "duration_minutes",
                ..
            }
        ));
        assert!(matches!(
            err(
                "book_appointment",
                r#"{"starts_at": "2026-12-08T10:00:00+02:00", "duration_minutes": 100000}"#
            ),
            ToolError::Invalid {
                name: "duration_minutes",
                ..
            }
        ));
        assert_eq!(err("update_customer", "{}"), ToolError::Missing("name"));
        assert_eq!(
            err("book_appointment", r#"{"starts_at": null}"#),
            ToolError::Invalid {
                name: "starts_at",
                problem: "must be an RFC 3339 time, got null".into()
            }
        );
    }

    #[test]
    fn schemas_follow_the_specs() {
        let tools = openai_tools(&ToolName::ALL);
        let tools = tools.as_array().unwrap();
        assert_eq!(tools.len(), TOOLS.len());
        let book = tools
            .iter()
            .find(|t| t["function"]["name"] == "book_appointment")
            .unwrap();
        let params = &book["function"]["parameters"];
        assert_eq!(params["required"], json!(["starts_at"]));
        assert_eq!(params["additionalProperties"], json!(false));
        assert_eq!(params["properties"]["starts_at"]["format"], "date-time");
        assert_eq!(params["properties"]["duration_minutes"]["type"], "integer");
        let only = openai_tools(&[ToolName::CreateTask]);
        assert_eq!(only.as_array().unwrap().len(), 1);
        let rt = realtime_tools(&[ToolName::HandOff]);
        assert_eq!(rt[0]["name"], "hand_off");
        assert_eq!(rt[0]["parameters"]["required"], json!(["reason"]));
    }
}
