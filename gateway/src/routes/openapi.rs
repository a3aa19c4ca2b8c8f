//! The OpenAPI 3.1 description of the REST API, served at `/api/openapi.json` (Swagger UI at
//! `/api/docs/`). Every route of [`super::API_ROUTES`] and [`super::ROOT_ROUTES`] is listed here;
//! a test keeps the two in step.

use crate::{error::ErrorBody, views};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AgentLocator API",
        description = "Hebrew-first CRM for Israeli small businesses. Errors are always \
                       `{\"error\": \"<snake_code>\", \"message\": \"...\"}`.",
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::users::list,
        super::users::create,
        super::users::update,
        super::business::get,
        super::business::update,
        super::agent::get,
        super::agent::put,
        super::agent::conversation,
        super::agent::set_conversation,
        super::customers::list,
        super::customers::create,
        super::customers::get,
        super::customers::update,
        super::customers::delete,
        super::csv::upload,
        super::csv::get,
        super::csv::preview,
        super::csv::start,
        super::csv::errors,
        super::csv::export,
        super::timeline::get,
        super::inbox::list,
        super::inbox::get,
        super::inbox::update,
        super::inbox::read,
        super::today::get,
        super::tasks::list,
        super::tasks::create,
        super::tasks::get,
        super::tasks::update,
        super::tasks::delete,
        super::invoices::list,
        super::invoices::create,
        super::invoices::get,
        super::invoices::update,
        super::invoices::delete,
        super::invoices::numbering,
        super::invoices::set_first_number,
        super::documents::pdf,
        super::tax_authority::status,
        super::tax_authority::connect,
        super::tax_authority::callback,
        super::tax_authority::disconnect,
        super::appointments::list,
        super::appointments::create,
        super::appointments::get,
        super::appointments::update,
        super::appointments::delete,
        super::contracts::list,
        super::contracts::create,
        super::contracts::get,
        super::contracts::update,
        super::contracts::delete,
        super::proposals::list,
        super::proposals::create,
        super::proposals::get,
        super::proposals::update,
        super::proposals::delete,
        super::signatures::create_link,
        super::signatures::create_proposal_link,
        super::signatures::contract_signatures,
        super::signatures::proposal_signatures,
        super::signatures::image,
        super::signatures::document,
        super::signatures::sign,
        super::reports::summary,
        super::customer_history::calls,
        super::push::public_key,
        super::push::subscribe,
        super::push::unsubscribe,
        super::customer_history::whatsapp,
        super::calls::create,
        super::webhooks::incoming_call,
        super::webhooks::handle_recording,
        super::webhooks::call_status,
        super::webhooks::outbound_connect,
        super::webhooks::recording_status,
        super::webhooks::media_stream,
        super::whatsapp::sidecar_incoming,
        super::whatsapp::sidecar_auth,
        super::whatsapp::send,
        super::whatsapp::status,
        super::whatsapp::start_session,
        super::whatsapp::logout_session,
        super::whatsapp::cloud_verify,
        super::whatsapp::cloud_incoming,
        super::whatsapp::set_cloud_number,
        super::hours::get_settings,
        super::hours::put_settings,
        super::hours::calendar,
        super::hours::status,
        super::reminders::get_settings,
        super::reminders::put_settings,
        super::reminders::list_scheduled,
        super::reminders::create_scheduled,
        super::reminders::cancel_scheduled,
    ),
    components(schemas(ErrorBody, views::Customer, views::Task, views::User, views::Business,
        views::Invoice, views::LineItem, views::Appointment, views::AppointmentRange,
        views::Contract, views::Proposal, views::SignatureLink, views::SigningDocument,
        views::SignedReceipt, views::SignatureRecord, views::ReportSummary, views::Call, views::CallSummary, views::WhatsAppMessage,
        views::InboxConversation, views::InboxPage, views::InboxThread, views::CallTurn,
        views::Today, views::TodayCall, views::TodayTask, views::TodayAppointment,
        views::TaxAuthorityStatus, super::tax_authority::ConnectStart,
        super::tax_authority::ConnectCallback,
        super::inbox::ConversationPatch,
        super::push::PublicKey, super::push::Subscription, super::push::SubscriptionKeys,
        super::push::Subscribed, super::push::Unsubscribe,
        super::calls::NewCall, super::calls::StartedCall, super::whatsapp::SendMessage,
        super::whatsapp::SentMessage, super::whatsapp::WhatsAppSession,
        super::whatsapp::CloudNumber, super::users::UserList, super::users::NewUser,
        super::users::UserPatch, super::hours::HoursSettingsView, super::hours::City,
        super::hours::HoursCalendarView, super::hours::OpenInterval, super::hours::ClosureView,
        super::hours::HoursStatusView, agentlocator_hours::HoursSettings, agentlocator_hours::DayHours,
        agentlocator_hours::TimeRange, agentlocator_hours::Havdalah, agentlocator_hours::DateException,
        super::reminders::ReminderSettingsView, super::reminders::ReminderSettingsInput,
        super::reminders::ScheduledMessageView, super::reminders::ScheduledMessageList,
        super::reminders::NewScheduledMessage)),
    modifiers(&BearerAuth, &OperationIds),
    tags(
        (name = "auth", description = "Sign-in and sign-out"),
        (name = "users", description = "The business's staff accounts: roles and deactivation (owners and admins)"),
        (name = "business", description = "Business settings and feature flags"),
        (name = "push", description = "Web Push subscriptions of staff browsers"),
        (name = "customers", description = "Customers, their timeline, calls and WhatsApp messages"),
        (name = "imports", description = "CSV: customer import (upload, preview with column mapping, start as a background job, progress, errors file) and streamed exports"),
        (name = "inbox", description = "Every conversation (WhatsApp threads, calls) newest first, with per-user unread counts, assignment and state"),
        (name = "today", description = "The staff's day: calls, conversations waiting for a person, tasks and appointments of today (Israel time)"),
        (name = "tasks", description = "Tasks"),
        (name = "invoices", description = "Invoices: line items, server-computed VAT and totals, numbered when issued"),
        (name = "calendar", description = "Appointments"),
        (name = "contracts", description = "Contracts, e-signed through a public one-time link"),
        (name = "proposals", description = "Price quotes"),
        (name = "signatures", description = "One-time public signing links; the signer needs no account"),
        (name = "reports", description = "Summary numbers of a period"),
        (name = "health", description = "Probes"),
        (name = "calls", description = "Click-to-call through Twilio"),
        (name = "twilio", description = "Twilio webhooks (form-encoded, X-Twilio-Signature; TwiML answers)"),
        (name = "whatsapp", description = "WhatsApp: sending, pairing and connection state; the sidecar's webhooks (x-bridge-secret)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Operation ids from the method and path (`get_api_users_id`): utoipa names an operation after its
/// handler function, and handlers of different entities share names (`list`, `create`, …), which
/// code generators refuse.
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let slug: String = path
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>()
                .split('_')
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("_");
            for (method, op) in [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ] {
                if let Some(op) = op {
                    op.operation_id = Some(format!("{method}_{slug}"));
                }
            }
        }
    }
}

/// The spec, built once.
pub fn doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
