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
        super::auth::me,
        super::business::get,
        super::business::update,
        super::customers::list,
        super::customers::create,
        super::customers::get,
        super::customers::update,
        super::customers::delete,
        super::timeline::get,
        super::tasks::list,
        super::tasks::create,
        super::tasks::get,
        super::tasks::update,
        super::tasks::delete,
    ),
    components(schemas(ErrorBody, views::Customer, views::Task, views::User, views::Business)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-in"),
        (name = "business", description = "Business settings and feature flags"),
        (name = "customers", description = "Customers and their timeline"),
        (name = "tasks", description = "Tasks"),
        (name = "health", description = "Probes"),
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

/// The spec, built once.
pub fn doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
