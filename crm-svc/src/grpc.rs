//! The CRM gRPC service: thin methods that turn the request into domain arguments
//! ([`crate::convert`]), call the domain, and map the result back; errors become `tonic::Status`
//! through the one `From<Error>` in [`crate::error`].

use crate::{
    businesses::{self, BusinessLookup},
    convert::{
        CreateCustomer, CreateTask, GetCustomer, ListCustomers, ListTasks, UpdateBusiness,
        UpdateCustomer, UpdateTask, scoped_ids,
    },
    customers,
    db::Db,
    ids::{CustomerId, TaskId, UserId},
    tasks, timeline, users,
};
use agentlocator_proto::v1::{self as pb, crm_service_server::CrmService};
use tonic::{Request, Response, Status};

pub use agentlocator_proto::v1::crm_service_server::CrmServiceServer;

/// Name reported by `Info` and used in logs.
pub const SERVICE_NAME: &str = "crm-svc";

#[derive(Debug, Clone)]
pub struct CrmGrpc {
    db: Db,
}

impl CrmGrpc {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The tonic server to hand to `agentlocator_common::grpc::serve`.
    pub fn into_server(self) -> CrmServiceServer<CrmGrpc> {
        CrmServiceServer::new(self)
    }
}

#[tonic::async_trait]
impl CrmService for CrmGrpc {
    async fn info(
        &self,
        _request: Request<pb::ServiceInfoRequest>,
    ) -> Result<Response<pb::ServiceInfo>, Status> {
        Ok(Response::new(pb::ServiceInfo {
            name: SERVICE_NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            details: [("database".to_string(), self.db.backend().to_string())].into(),
        }))
    }

    async fn get_business(
        &self,
        request: Request<pb::GetBusinessRequest>,
    ) -> Result<Response<pb::Business>, Status> {
        let lookup = BusinessLookup::try_from(request.into_inner())?;
        let business = businesses::get(&self.db, lookup).await?;
        Ok(Response::new(pb::Business::try_from(business)?))
    }

    async fn list_customers(
        &self,
        request: Request<pb::ListCustomersRequest>,
    ) -> Result<Response<pb::ListCustomersResponse>, Status> {
        let r = ListCustomers::try_from(request.into_inner())?;
        let page = customers::list(
            &self.db,
            &r.business_id,
            r.page,
            r.limit,
            r.query.as_deref(),
            r.status,
        )
        .await?;
        Ok(Response::new(page.into()))
    }

    async fn get_customer(
        &self,
        request: Request<pb::GetCustomerRequest>,
    ) -> Result<Response<pb::Customer>, Status> {
        let r = GetCustomer::try_from(request.into_inner())?;
        let customer = customers::get(&self.db, &r.business_id, &r.id).await?;
        Ok(Response::new(customer.into()))
    }

    async fn create_customer(
        &self,
        request: Request<pb::CreateCustomerRequest>,
    ) -> Result<Response<pb::Customer>, Status> {
        let r = CreateCustomer::try_from(request.into_inner())?;
        let customer = customers::create(&self.db, &r.business_id, r.customer).await?;
        Ok(Response::new(customer.into()))
    }

    async fn update_business(
        &self,
        request: Request<pb::UpdateBusinessRequest>,
    ) -> Result<Response<pb::Business>, Status> {
        let r = UpdateBusiness::try_from(request.into_inner())?;
        let business = businesses::update(&self.db, &r.id, r.patch).await?;
        Ok(Response::new(pb::Business::try_from(business)?))
    }

    async fn authenticate(
        &self,
        request: Request<pb::AuthenticateRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let r = request.into_inner();
        let user = users::authenticate(&self.db, &r.email, &r.password).await?;
        Ok(Response::new(user.into()))
    }

    async fn get_user(
        &self,
        request: Request<pb::GetUserRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<UserId>(r.business_id, r.id)?;
        let user = users::get(&self.db, &business_id, &id).await?;
        Ok(Response::new(user.into()))
    }

    async fn update_customer(
        &self,
        request: Request<pb::UpdateCustomerRequest>,
    ) -> Result<Response<pb::Customer>, Status> {
        let r = UpdateCustomer::try_from(request.into_inner())?;
        let customer = customers::update(&self.db, &r.business_id, &r.id, r.patch).await?;
        Ok(Response::new(customer.into()))
    }

    async fn delete_customer(
        &self,
        request: Request<pb::DeleteCustomerRequest>,
    ) -> Result<Response<pb::DeleteCustomerResponse>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<CustomerId>(r.business_id, r.id)?;
        customers::delete(&self.db, &business_id, &id).await?;
        Ok(Response::new(pb::DeleteCustomerResponse {}))
    }

    async fn get_timeline(
        &self,
        request: Request<pb::GetTimelineRequest>,
    ) -> Result<Response<pb::GetTimelineResponse>, Status> {
        let r = request.into_inner();
        let (business_id, customer_id) = scoped_ids::<CustomerId>(r.business_id, r.customer_id)?;
        let before = match r.before.trim() {
            "" => None,
            c => Some(c.parse::<timeline::TimelineCursor>().map_err(|_| {
                crate::error::Error::validation("before", "is not a cursor from a previous page")
            })?),
        };
        let limit = r.limit.unwrap_or(timeline::DEFAULT_LIMIT);
        let items =
            timeline::timeline(&self.db, &business_id, &customer_id, before, Some(limit)).await?;
        // A full page may have more behind it.
        let next_cursor = match items.last() {
            Some(last) if items.len() as i64 >= limit.min(timeline::MAX_LIMIT) => {
                timeline::TimelineCursor::after(last).to_string()
            }
            _ => String::new(),
        };
        let items = items
            .into_iter()
            .map(pb::TimelineItem::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Response::new(pb::GetTimelineResponse {
            items,
            next_cursor,
        }))
    }

    async fn list_tasks(
        &self,
        request: Request<pb::ListTasksRequest>,
    ) -> Result<Response<pb::ListTasksResponse>, Status> {
        let r = ListTasks::try_from(request.into_inner())?;
        let page = tasks::list(&self.db, &r.business_id, r.page, r.limit, r.filter, r.sort).await?;
        Ok(Response::new(page.into()))
    }

    async fn get_task(
        &self,
        request: Request<pb::GetTaskRequest>,
    ) -> Result<Response<pb::Task>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<TaskId>(r.business_id, r.id)?;
        Ok(Response::new(
            tasks::get(&self.db, &business_id, &id).await?.into(),
        ))
    }

    async fn create_task(
        &self,
        request: Request<pb::CreateTaskRequest>,
    ) -> Result<Response<pb::Task>, Status> {
        let r = CreateTask::try_from(request.into_inner())?;
        Ok(Response::new(
            tasks::create(&self.db, &r.business_id, r.task)
                .await?
                .into(),
        ))
    }

    async fn update_task(
        &self,
        request: Request<pb::UpdateTaskRequest>,
    ) -> Result<Response<pb::Task>, Status> {
        let r = UpdateTask::try_from(request.into_inner())?;
        Ok(Response::new(
            tasks::update(&self.db, &r.business_id, &r.id, r.patch)
                .await?
                .into(),
        ))
    }

    async fn delete_task(
        &self,
        request: Request<pb::DeleteTaskRequest>,
    ) -> Result<Response<pb::DeleteTaskResponse>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<TaskId>(r.business_id, r.id)?;
        tasks::delete(&self.db, &business_id, &id).await?;
        Ok(Response::new(pb::DeleteTaskResponse {}))
    }
}
