//! Every route of the gateway, registered in one place.

mod auth;
mod business;
mod customers;
mod health;
mod tasks;
mod timeline;

use crate::{error::ApiError, middleware::json_errors};
use actix_web::{HttpResponse, web};

/// Largest JSON body accepted by the REST API.
pub const JSON_LIMIT: usize = 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(json_config())
        .app_data(query_config())
        .app_data(web::PayloadConfig::new(JSON_LIMIT))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(
            web::scope("/api")
                .wrap(json_errors())
                .service(resource("/auth/login").post(auth::login))
                .service(resource("/me").get(auth::me))
                .service(
                    resource("/business")
                        .get(business::get)
                        .patch(business::update),
                )
                .service(
                    resource("/crm/customers")
                        .get(customers::list)
                        .post(customers::create),
                )
                .service(
                    resource("/crm/customers/{id}")
                        .get(customers::get)
                        .patch(customers::update)
                        .delete(customers::delete),
                )
                .service(resource("/customers/{id}/timeline").get(timeline::get))
                .service(resource("/tasks").get(tasks::list).post(tasks::create))
                .service(
                    resource("/tasks/{id}")
                        .get(tasks::get)
                        .patch(tasks::update)
                        .delete(tasks::delete),
                )
                .default_service(web::to(api_not_found)),
        );
}

/// A resource whose other methods answer 405 in the JSON error shape.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req| {
            use actix_web::error::JsonPayloadError as E;
            let api = match &err {
                E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the JSON body is larger than {JSON_LIMIT} bytes"),
                ),
                E::ContentType => ApiError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as application/json",
                ),
                E::Deserialize(e) if e.is_data() => ApiError::validation(e.to_string()),
                other => ApiError::bad_request("malformed_json", other.to_string()),
            };
            api.into()
        })
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
