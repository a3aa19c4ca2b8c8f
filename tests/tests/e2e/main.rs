//! The end-to-end tests: the whole stack (or several services) started in-process against real
//! PostgreSQL, NATS, Chromium and loopback stand-ins for the external providers. One test binary
//! with a module per area, so the stack is linked once rather than once per file.

mod voice_support;

mod agent_api;
mod business_hours;
mod business_settings;
mod call_summary;
mod crm_api;
mod crm_entities;
mod crm_login_limit;
mod crm_replicas;
mod csv_api;
mod customers_api;
mod documents;
mod durable_events;
mod inbox_api;
mod notify_replicas;
mod notify_socketio;
mod notify_webpush;
mod reminders;
mod today_api;
mod users_api;
mod voice_agent;
mod voice_call_flow;
mod voice_closed;
mod voice_directory;
mod voice_outbound;
mod voice_realtime;
mod voice_realtime_openai;
mod voice_security;
mod voice_transcribe_pending;
mod web_browser;
mod web_hardening;
mod whatsapp_agent;
mod whatsapp_bridge;
mod whatsapp_burst;
mod whatsapp_replicas;
