//! Which business a request acts for. Every CRM route takes a [`BusinessScope`], so a handler
//! that forgets tenant scoping does not compile.

use crate::{error::ApiError, state::AppState};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use agentlocator_proto::v1::{GetBusinessRequest, get_business_request::By};
use futures::future::LocalBoxFuture;

#[derive(Debug, Clone)]
pub struct BusinessScope {
    pub business_id: String,
}

impl FromRequest for BusinessScope {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("AppState missing"))?;
            // Sign-in (JWT) replaces this; until then only the embedded default is open.
            let slug = state
                .open_business_slug
                .clone()
                .ok_or_else(|| ApiError::unauthorized("sign in required"))?;
            let business = state
                .clients
                .crm
                .clone()
                .get_business(GetBusinessRequest {
                    by: Some(By::Slug(slug)),
                })
                .await
                .map_err(|s| match s.code() {
                    tonic::Code::NotFound => ApiError::not_found(
                        "no business yet: run `agentlocator demo` to create the demo business",
                    ),
                    _ => ApiError::from(s),
                })?
                .into_inner();
            Ok(BusinessScope {
                business_id: business.id,
            })
        })
    }
}
