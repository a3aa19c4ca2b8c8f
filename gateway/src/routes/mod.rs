//! Every route of the gateway, registered in one place.

mod agent;
mod appointments;
mod auth;
mod business;
mod calls;
mod contracts;
mod csv;
mod customer_history;
mod customers;
mod documents;
mod health;
mod hours;
mod inbox;
mod invoices;
pub mod openapi;
mod params;
mod proposals;
pub mod push;
mod reminders;
mod reports;
mod signatures;
mod socket_proxy;
mod tasks;
mod tax_authority;
mod timeline;
mod today;
mod tts;
mod users;
// `web` is actix-web's module here, hence the other name.
#[path = "web.rs"]
pub mod web_app;
mod webhooks;
mod whatsapp;

use crate::{error::ApiError, middleware::json_errors};
use actix_web::{HttpResponse, web};

/// Largest JSON body accepted by the REST API.
pub const JSON_LIMIT: usize = 1024 * 1024;

/// Largest body any route accepts (the signing route's, which carries an image).
pub const LARGEST_BODY: usize = if signatures::SIGN_JSON_LIMIT > JSON_LIMIT {
    signatures::SIGN_JSON_LIMIT
} else {
    JSON_LIMIT
};

/// How a route's handler is attached: given the route for its method, add the handler.
type Attach = fn(actix_web::Route) -> actix_web::Route;

/// Every REST route under `/api`: method, path, handler. This table IS the registration (see
/// [`configure`]), so the OpenAPI test can check that every registered route is documented.
pub const API_ROUTES: &[(&str, &str, Attach)] = &[
    ("POST", "/auth/login", |r| r.to(auth::login)),
    ("POST", "/auth/logout", |r| r.to(auth::logout)),
    ("GET", "/me", |r| r.to(auth::me)),
    ("GET", "/users", |r| r.to(users::list)),
    ("POST", "/users", |r| r.to(users::create)),
    ("PATCH", "/users/{id}", |r| r.to(users::update)),
    ("GET", "/business", |r| r.to(business::get)),
    ("PATCH", "/business", |r| r.to(business::update)),
    ("GET", "/business/hours", |r| r.to(hours::calendar)),
    ("GET", "/business/hours/status", |r| r.to(hours::status)),
    ("GET", "/business/hours/settings", |r| {
        r.to(hours::get_settings)
    }),
    ("PUT", "/business/hours/settings", |r| {
        r.to(hours::put_settings)
    }),
    ("GET", "/business/reminders", |r| {
        r.to(reminders::get_settings)
    }),
    ("PUT", "/business/reminders", |r| {
        r.to(reminders::put_settings)
    }),
    ("GET", "/customers/{id}/scheduled-messages", |r| {
        r.to(reminders::list_scheduled)
    }),
    ("POST", "/customers/{id}/scheduled-messages", |r| {
        r.to(reminders::create_scheduled)
    }),
    (
        "DELETE",
        "/customers/{id}/scheduled-messages/{message_id}",
        |r| r.to(reminders::cancel_scheduled),
    ),
    ("GET", "/business/agent", |r| r.to(agent::get)),
    ("PUT", "/business/agent", |r| r.to(agent::put)),
    ("GET", "/customers/{id}/agent", |r| {
        r.to(agent::conversation)
    }),
    ("PUT", "/customers/{id}/agent", |r| {
        r.to(agent::set_conversation)
    }),
    ("GET", "/crm/customers", |r| r.to(customers::list)),
    ("POST", "/crm/customers", |r| r.to(customers::create)),
    ("GET", "/crm/customers/{id}", |r| r.to(customers::get)),
    ("PATCH", "/crm/customers/{id}", |r| r.to(customers::update)),
    ("DELETE", "/crm/customers/{id}", |r| r.to(customers::delete)),
    ("POST", "/crm/imports", |r| r.to(csv::upload)),
    ("GET", "/crm/imports/{id}", |r| r.to(csv::get)),
    ("POST", "/crm/imports/{id}/preview", |r| r.to(csv::preview)),
    ("POST", "/crm/imports/{id}/start", |r| r.to(csv::start)),
    ("GET", "/crm/imports/{id}/errors", |r| r.to(csv::errors)),
    ("GET", "/exports/{kind}", |r| r.to(csv::export)),
    ("GET", "/customers/{id}/timeline", |r| r.to(timeline::get)),
    ("GET", "/inbox", |r| r.to(inbox::list)),
    ("GET", "/inbox/{id}", |r| r.to(inbox::get)),
    ("PUT", "/inbox/{id}", |r| r.to(inbox::update)),
    ("POST", "/inbox/{id}/read", |r| r.to(inbox::read)),
    ("GET", "/today", |r| r.to(today::get)),
    ("GET", "/tasks", |r| r.to(tasks::list)),
    ("POST", "/tasks", |r| r.to(tasks::create)),
    ("GET", "/tasks/{id}", |r| r.to(tasks::get)),
    ("PATCH", "/tasks/{id}", |r| r.to(tasks::update)),
    ("DELETE", "/tasks/{id}", |r| r.to(tasks::delete)),
    ("GET", "/invoices", |r| r.to(invoices::list)),
    ("POST", "/invoices", |r| r.to(invoices::create)),
    ("GET", "/invoices/numbering", |r| r.to(invoices::numbering)),
    ("GET", "/documents/{id}/pdf", |r| r.to(documents::pdf)),
    ("GET", "/tax-authority", |r| r.to(tax_authority::status)),
    ("DELETE", "/tax-authority", |r| {
        r.to(tax_authority::disconnect)
    }),
    ("POST", "/tax-authority/connect", |r| {
        r.to(tax_authority::connect)
    }),
    ("POST", "/tax-authority/callback", |r| {
        r.to(tax_authority::callback)
    }),
    ("PUT", "/invoices/numbering/{doc_type}", |r| {
        r.to(invoices::set_first_number)
    }),
    ("GET", "/invoices/{id}", |r| r.to(invoices::get)),
    ("PATCH", "/invoices/{id}", |r| r.to(invoices::update)),
    ("DELETE", "/invoices/{id}", |r| r.to(invoices::delete)),
    ("GET", "/appointments", |r| r.to(appointments::list)),
    ("POST", "/appointments", |r| r.to(appointments::create)),
    ("GET", "/appointments/{id}", |r| r.to(appointments::get)),
    ("PATCH", "/appointments/{id}", |r| {
        r.to(appointments::update)
    }),
    ("DELETE", "/appointments/{id}", |r| {
        r.to(appointments::delete)
    }),
    ("GET", "/contracts", |r| r.to(contracts::list)),
    ("POST", "/contracts", |r| r.to(contracts::create)),
    ("GET", "/contracts/{id}", |r| r.to(contracts::get)),
    ("PATCH", "/contracts/{id}", |r| r.to(contracts::update)),
    ("DELETE", "/contracts/{id}", |r| r.to(contracts::delete)),
    ("GET", "/proposals", |r| r.to(proposals::list)),
    ("POST", "/proposals", |r| r.to(proposals::create)),
    ("GET", "/proposals/{id}", |r| r.to(proposals::get)),
    ("PATCH", "/proposals/{id}", |r| r.to(proposals::update)),
    ("DELETE", "/proposals/{id}", |r| r.to(proposals::delete)),
    ("POST", "/contracts/{id}/signature-link", |r| {
        r.to(signatures::create_link)
    }),
    ("POST", "/proposals/{id}/signature-link", |r| {
        r.to(signatures::create_proposal_link)
    }),
    ("GET", "/contracts/{id}/signatures", |r| {
        r.to(signatures::contract_signatures)
    }),
    ("GET", "/proposals/{id}/signatures", |r| {
        r.to(signatures::proposal_signatures)
    }),
    ("GET", "/signatures/{id}/image", |r| r.to(signatures::image)),
    // Public: the signer has the link's token, no account.
    ("GET", "/public/signatures/{token}", |r| {
        r.to(signatures::document)
    }),
    ("POST", "/public/signatures/{token}", |r| {
        r.to(signatures::sign)
            .wrap(actix_web::middleware::from_fn(signatures::raise_body_limit))
    }),
    ("GET", "/reports/summary", |r| r.to(reports::summary)),
    ("GET", "/push/public-key", |r| r.to(push::public_key)),
    ("POST", "/push/subscribe", |r| r.to(push::subscribe)),
    ("DELETE", "/push/subscribe", |r| r.to(push::unsubscribe)),
    ("GET", "/customers/{id}/calls", |r| {
        r.to(customer_history::calls)
    }),
    ("GET", "/customers/{id}/whatsapp", |r| {
        r.to(customer_history::whatsapp)
    }),
    ("POST", "/calls", |r| r.to(calls::create)),
    ("POST", "/whatsapp/send", |r| r.to(whatsapp::send)),
    ("GET", "/whatsapp/status", |r| r.to(whatsapp::status)),
    ("POST", "/whatsapp/session/start", |r| {
        r.to(whatsapp::start_session)
    }),
    ("POST", "/whatsapp/session/logout", |r| {
        r.to(whatsapp::logout_session)
    }),
    ("PUT", "/whatsapp/cloud-number", |r| {
        r.to(whatsapp::set_cloud_number)
    }),
];

/// Routes outside `/api` (probes), same shape as [`API_ROUTES`].
pub const ROOT_ROUTES: &[(&str, &str, Attach)] = &[
    ("GET", "/healthz", |r| r.to(health::healthz)),
    ("GET", "/readyz", |r| r.to(health::readyz)),
    // Twilio webhooks: form-encoded, authenticated by X-Twilio-Signature (checked by voice-svc).
    ("POST", "/webhook/incoming_call", |r| {
        r.to(webhooks::incoming_call)
    }),
    ("POST", "/webhook/handle_recording", |r| {
        r.to(webhooks::handle_recording)
    }),
    ("POST", "/webhook/call_status", |r| {
        r.to(webhooks::call_status)
    }),
    ("POST", "/webhook/outbound_connect", |r| {
        r.to(webhooks::outbound_connect)
    }),
    ("POST", "/webhook/recording_status", |r| {
        r.to(webhooks::recording_status)
    }),
    // Media Streams (WebSocket), bridged to voice-svc's listener; signature checked there.
    ("GET", "/webhook/media_stream", |r| {
        r.to(webhooks::media_stream)
    }),
    // The WhatsApp sidecar → bridge hop, authenticated by the shared secret (checked by the bridge).
    ("POST", "/webhook/whatsapp_incoming", |r| {
        r.to(whatsapp::sidecar_incoming)
    }),
    ("POST", "/webhook/whatsapp_auth", |r| {
        r.to(whatsapp::sidecar_auth)
    }),
    // The WhatsApp Cloud API: verification handshake and signed POSTs (X-Hub-Signature-256).
    ("GET", "/webhook/whatsapp_cloud", |r| {
        r.to(whatsapp::cloud_verify)
    }),
    ("POST", "/webhook/whatsapp_cloud", |r| {
        r.to(whatsapp::cloud_incoming)
    }),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(json_config(JSON_LIMIT))
        .app_data(query_config())
        .app_data(web::PayloadConfig::new(JSON_LIMIT));
    for resource in resources(ROOT_ROUTES) {
        cfg.service(resource);
    }
    cfg.route("/static/tts/{file}", web::get().to(tts::get));
    // Prometheus metrics of the whole process: bearer METRICS_TOKEN or a local-only instance.
    cfg.route("/metrics", web::get().to(crate::metrics::scrape));
    // Live notifications (Socket.IO, polling and WebSocket), proxied to notify-svc.
    cfg.service(web::resource(["/socket.io", "/socket.io/"]).to(socket_proxy::proxy));
    // The spec at /api/openapi.json and Swagger UI at /api/docs/ (before the /api scope, which
    // would otherwise answer them with 404).
    cfg.service(web::redirect("/api/docs", "/api/docs/"));
    cfg.service(
        utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
            .url("/api/openapi.json", openapi::doc()),
    );
    let mut api = web::scope("/api").wrap(json_errors());
    for resource in resources(API_ROUTES) {
        api = api.service(resource);
    }
    cfg.service(api.default_service(web::to(api_not_found)));
    // Last: the web app's files, and index.html for every other page route.
    web_app::configure(cfg);
}

/// One resource per path (in table order) with its methods; any other method answers 405.
fn resources(table: &[(&'static str, &'static str, Attach)]) -> Vec<actix_web::Resource> {
    let mut paths: Vec<&str> = Vec::new();
    for (_, path, _) in table {
        if !paths.contains(path) {
            paths.push(path);
        }
    }
    paths
        .into_iter()
        .map(|path| {
            table
                .iter()
                .filter(|(_, p, _)| *p == path)
                .fold(web::resource(path), |res, (method, _, attach)| {
                    let method = method.parse().expect("HTTP method in the route table");
                    res.route(attach(web::method(method)))
                })
                .default_service(web::to(method_not_allowed))
        })
        .collect()
}

/// How JSON bodies are read (at most `limit` bytes) and how their errors are answered.
fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req| {
            use actix_web::error::JsonPayloadError as E;
            let api = match &err {
                E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the JSON body is larger than {limit} bytes"),
                ),
                E::ContentType => ApiError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as application/json",
                ),
                E::Deserialize(e) if e.is_data() => {
                    let message = e.to_string();
                    match named_field(&message).map(str::to_owned) {
                        Some(field) => ApiError::validation(message).with_field(field),
                        None => ApiError::validation(message),
                    }
                }
                other => ApiError::bad_request("malformed_json", other.to_string()),
            };
            api.into()
        })
}

/// The field serde names in an "unknown field `x`" or "missing field `x`" error, so such 422s
/// carry `field` like the service's validation errors do.
fn named_field(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))?;
    rest.split_once('`').map(|(field, _)| field)
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::validation(format!("invalid query string: {err}")).into()
    })
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this method is not allowed here",
    ))
}

async fn api_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such API route"))
}
