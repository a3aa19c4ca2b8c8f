//! The CRM gRPC service: thin methods that turn the request into domain arguments
//! ([`crate::convert`]), call the domain, and map the result back; errors become `tonic::Status`
//! through the one `From<Error>` in [`crate::error`].

use crate::{
    agent, appointments,
    appointments::convert::{CreateAppointment, ListAppointments, UpdateAppointment},
    businesses::convert::UpdateBusiness,
    businesses::{self, BusinessLookup},
    calls, contracts,
    contracts::convert::{CreateContract, ListContracts, UpdateContract},
    conversations,
    conversations::convert::{ListConversations, UpdateConversation},
    convert::{CustomerList, ReportPeriod, scoped_ids},
    customers,
    customers::convert::{CreateCustomer, GetCustomer, ListCustomers, UpdateCustomer},
    db::Db,
    document_pdfs,
    error::Error,
    exports,
    ids::{
        AppointmentId, ContractId, CustomerId, InvoiceId, ProposalId, SignatureId, TaskId, UserId,
    },
    imports, invoices,
    invoices::convert::{CreateInvoice, ListInvoices, UpdateInvoice},
    proposals,
    proposals::convert::{CreateProposal, ListProposals, UpdateProposal},
    push_subscriptions, reminders,
    reminders::convert::CreateScheduled,
    reports,
    settings::Settings,
    signatures,
    signatures::convert::Sign,
    tasks,
    tasks::convert::{CreateTask, ListTasks, UpdateTask},
    timeline,
    today::{self, convert::GetToday},
    users,
    users::convert::user_role,
    whatsapp::{
        lease as whatsapp_lease, messages as whatsapp_messages, session as whatsapp_session,
    },
};
use agentlocator_proto::v1::{self as pb, crm_service_server::CrmService};
use tonic::{Request, Response, Status};

pub use agentlocator_proto::v1::crm_service_server::CrmServiceServer;

/// Name reported by `Info` and used in logs.
pub const SERVICE_NAME: &str = "crm-svc";

/// The most turns `GetCallConversation` returns (the latest ones): a reply needs the recent
/// conversation, and a runaway call must not grow every request.
const MAX_CONVERSATION_TURNS: i64 = 20;

#[derive(Debug, Clone)]
pub struct CrmGrpc {
    db: Db,
    settings: Settings,
    tax_authority: Option<crate::tax_authority::TaxAuthority>,
}

impl CrmGrpc {
    pub fn new(db: Db, settings: Settings) -> Self {
        let tax_authority = settings
            .tax_authority
            .clone()
            .map(crate::tax_authority::TaxAuthority::new);
        Self {
            db,
            settings,
            tax_authority,
        }
    }

    /// The tonic server to hand to `agentlocator_common::grpc::serve`.
    pub fn into_server(self) -> CrmServiceServer<CrmGrpc> {
        CrmServiceServer::new(self)
            .max_decoding_message_size(imports::parse::MAX_FILE_BYTES + 64 * 1024)
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
        let hours_json = crate::hours::saved_json(&self.db, &business.id).await?;
        let mut b = pb::Business::try_from(business)?;
        b.hours_json = hours_json.unwrap_or_default();
        Ok(Response::new(b))
    }

    async fn get_agent_definition(
        &self,
        request: Request<pb::GetAgentDefinitionRequest>,
    ) -> Result<Response<pb::AgentDefinition>, Status> {
        let business_id =
            crate::convert::required("business_id", request.into_inner().business_id)?;
        Ok(Response::new(
            agent::get(&self.db, &business_id).await?.into(),
        ))
    }

    async fn put_agent_definition(
        &self,
        request: Request<pb::PutAgentDefinitionRequest>,
    ) -> Result<Response<pb::AgentDefinition>, Status> {
        let (business_id, input) = agent::convert::put_request(request.into_inner())?;
        Ok(Response::new(
            agent::put(&self.db, &business_id, input).await?.into(),
        ))
    }

    async fn run_agent_tool(
        &self,
        request: Request<pb::RunAgentToolRequest>,
    ) -> Result<Response<pb::RunAgentToolResponse>, Status> {
        let r = agent::tools::ToolRequest::try_from(request.into_inner())?;
        Ok(Response::new(agent::tools::run(&self.db, r).await?.into()))
    }

    async fn get_agent_conversation(
        &self,
        request: Request<pb::GetAgentConversationRequest>,
    ) -> Result<Response<pb::AgentConversationState>, Status> {
        let r = request.into_inner();
        let (b, c) = agent::convert::conversation_ids(r.business_id, r.customer_id)?;
        Ok(Response::new(
            agent::conversation(&self.db, &b, &c).await?.into(),
        ))
    }

    async fn set_agent_paused(
        &self,
        request: Request<pb::SetAgentPausedRequest>,
    ) -> Result<Response<pb::AgentConversationState>, Status> {
        let r = request.into_inner();
        let (b, c) = agent::convert::conversation_ids(r.business_id, r.customer_id)?;
        Ok(Response::new(
            agent::set_paused(&self.db, &b, &c, r.paused).await?.into(),
        ))
    }

    async fn list_customers(
        &self,
        request: Request<pb::ListCustomersRequest>,
    ) -> Result<Response<pb::ListCustomersResponse>, Status> {
        let r = ListCustomers::try_from(request.into_inner())?;
        if !r.ids.is_empty() {
            let page = customers::with_ids(&self.db, &r.business_id, r.ids).await?;
            return Ok(Response::new(page.into()));
        }
        let page = match r.after {
            Some(after) => {
                customers::list_after(
                    &self.db,
                    &r.business_id,
                    after,
                    r.limit,
                    r.query.as_deref(),
                    r.status,
                )
                .await?
            }
            None => {
                customers::list(
                    &self.db,
                    &r.business_id,
                    r.page,
                    r.limit,
                    r.query.as_deref(),
                    r.status,
                )
                .await?
            }
        };
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

    async fn list_users(
        &self,
        request: Request<pb::ListUsersRequest>,
    ) -> Result<Response<pb::ListUsersResponse>, Status> {
        let r = request.into_inner();
        let (business_id, actor_id) = scoped_ids::<UserId>(r.business_id, r.actor_id)?;
        let actor = users::actor(&self.db, &business_id, &actor_id).await?;
        users::require_manager(&actor)?;
        let users = users::list(&self.db, &business_id).await?;
        Ok(Response::new(pb::ListUsersResponse {
            users: users.into_iter().map(Into::into).collect(),
        }))
    }

    async fn create_user(
        &self,
        request: Request<pb::CreateUserRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let r = request.into_inner();
        let (business_id, actor_id) = scoped_ids::<UserId>(r.business_id, r.actor_id)?;
        let new = users::NewUser {
            email: r.email,
            name: r.name,
            role: user_role(r.role)?,
            password: r.password,
        };
        let actor = users::actor(&self.db, &business_id, &actor_id).await?;
        let user = users::invite(&self.db, &business_id, &actor, new).await?;
        Ok(Response::new(user.into()))
    }

    async fn update_user(
        &self,
        request: Request<pb::UpdateUserRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let r = request.into_inner();
        let (business_id, actor_id) = scoped_ids::<UserId>(r.business_id, r.actor_id)?;
        let id: UserId = crate::convert::required("id", r.id)?;
        let patch = users::UserPatch {
            name: r.name,
            role: r.role.map(user_role).transpose()?,
            active: r.active,
        };
        let actor = users::actor(&self.db, &business_id, &actor_id).await?;
        let user = users::update(&self.db, &business_id, &actor, &id, patch).await?;
        Ok(Response::new(user.into()))
    }

    async fn sign_out_user(
        &self,
        request: Request<pb::SignOutUserRequest>,
    ) -> Result<Response<pb::User>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<UserId>(r.business_id, r.id)?;
        let user = users::sign_out(&self.db, &business_id, &id).await?;
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

    async fn list_invoices(
        &self,
        request: Request<pb::ListInvoicesRequest>,
    ) -> Result<Response<pb::ListInvoicesResponse>, Status> {
        let r = ListInvoices::try_from(request.into_inner())?;
        let page =
            invoices::list(&self.db, &r.business_id, r.page, r.limit, r.filter, r.sort).await?;
        Ok(Response::new(page.try_into()?))
    }

    async fn get_invoice(
        &self,
        request: Request<pb::GetInvoiceRequest>,
    ) -> Result<Response<pb::Invoice>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<InvoiceId>(r.business_id, r.id)?;
        let invoice = invoices::get(&self.db, &business_id, &id).await?;
        Ok(Response::new(invoice.try_into()?))
    }

    async fn create_invoice(
        &self,
        request: Request<pb::CreateInvoiceRequest>,
    ) -> Result<Response<pb::Invoice>, Status> {
        let r = CreateInvoice::try_from(request.into_inner())?;
        let invoice =
            invoices::create_document(&self.db, &r.business_id, r.invoice, r.kind).await?;
        Ok(Response::new(invoice.try_into()?))
    }

    async fn update_invoice(
        &self,
        request: Request<pb::UpdateInvoiceRequest>,
    ) -> Result<Response<pb::Invoice>, Status> {
        let r = UpdateInvoice::try_from(request.into_inner())?;
        let issues = r.patch.status == Some(crate::enums::InvoiceStatus::Sent);
        let invoice = invoices::update(&self.db, &r.business_id, &r.id, r.patch).await?;
        if issues {
            document_pdfs::after_issue(&self.db, &r.business_id, invoice.id.as_str()).await;
        }
        Ok(Response::new(invoice.try_into()?))
    }

    async fn delete_invoice(
        &self,
        request: Request<pb::DeleteInvoiceRequest>,
    ) -> Result<Response<pb::DeleteInvoiceResponse>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<InvoiceId>(r.business_id, r.id)?;
        invoices::delete(&self.db, &business_id, &id).await?;
        Ok(Response::new(pb::DeleteInvoiceResponse {}))
    }

    async fn get_numbering(
        &self,
        request: Request<pb::GetNumberingRequest>,
    ) -> Result<Response<pb::Numbering>, Status> {
        let business_id = scoped_business(&request.into_inner().business_id)?;
        let sequences = invoices::numbering(&self.db, &business_id).await?;
        Ok(Response::new(invoices::convert::pb_numbering(sequences)))
    }

    async fn get_document_pdf(
        &self,
        request: Request<pb::GetDocumentPdfRequest>,
    ) -> Result<Response<pb::DocumentPdf>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let id = crate::convert::required::<String>("id", r.id)?;
        let which = if r.copy {
            document_pdfs::Which::Copy
        } else {
            document_pdfs::Which::Original
        };
        let pdf = document_pdfs::get(&self.db, &business_id, &id, which).await?;
        Ok(Response::new(pb::DocumentPdf {
            pdf: pdf.bytes,
            sha256: pdf.sha256,
            file_name: pdf.file_name,
            kind: pdf.kind.to_owned(),
        }))
    }

    async fn get_tax_authority_status(
        &self,
        request: Request<pb::GetTaxAuthorityStatusRequest>,
    ) -> Result<Response<pb::TaxAuthorityStatus>, Status> {
        let business_id = scoped_business(&request.into_inner().business_id)?;
        let status =
            crate::tax_authority::status(&self.db, self.tax_authority.as_ref(), &business_id)
                .await?;
        Ok(Response::new(status.into()))
    }

    async fn start_tax_authority_connect(
        &self,
        request: Request<pb::StartTaxAuthorityConnectRequest>,
    ) -> Result<Response<pb::StartTaxAuthorityConnectResponse>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let user_id = crate::convert::required("user_id", r.user_id)?;
        let authorize_url = crate::tax_authority::start_connect(
            &self.db,
            self.tax_authority.as_ref(),
            &business_id,
            &user_id,
        )
        .await?;
        Ok(Response::new(pb::StartTaxAuthorityConnectResponse {
            authorize_url,
        }))
    }

    async fn complete_tax_authority_connect(
        &self,
        request: Request<pb::CompleteTaxAuthorityConnectRequest>,
    ) -> Result<Response<pb::TaxAuthorityStatus>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let user_id = crate::convert::required("user_id", r.user_id)?;
        let status = crate::tax_authority::complete_connect(
            &self.db,
            self.tax_authority.as_ref(),
            &business_id,
            &user_id,
            &r.code,
            &r.state,
        )
        .await?;
        Ok(Response::new(status.into()))
    }

    async fn disconnect_tax_authority(
        &self,
        request: Request<pb::DisconnectTaxAuthorityRequest>,
    ) -> Result<Response<pb::TaxAuthorityStatus>, Status> {
        let business_id = scoped_business(&request.into_inner().business_id)?;
        let status =
            crate::tax_authority::disconnect(&self.db, self.tax_authority.as_ref(), &business_id)
                .await?;
        Ok(Response::new(status.into()))
    }

    async fn set_first_number(
        &self,
        request: Request<pb::SetFirstNumberRequest>,
    ) -> Result<Response<pb::Numbering>, Status> {
        let r = invoices::convert::SetFirstNumber::try_from(request.into_inner())?;
        let set = invoices::set_first_number(&self.db, &r.business_id, r.doc_type, r.first_number)
            .await?;
        Ok(Response::new(invoices::convert::pb_numbering(vec![set])))
    }

    async fn list_appointments(
        &self,
        request: Request<pb::ListAppointmentsRequest>,
    ) -> Result<Response<pb::ListAppointmentsResponse>, Status> {
        let r = ListAppointments::try_from(request.into_inner())?;
        let items =
            appointments::list(&self.db, &r.business_id, r.from, r.to, r.customer_id).await?;
        Ok(Response::new(pb::ListAppointmentsResponse {
            from: Some(agentlocator_proto::to_timestamp(crate::time::to_utc(
                r.from,
            ))),
            to: Some(agentlocator_proto::to_timestamp(crate::time::to_utc(r.to))),
            items: items.into_iter().map(Into::into).collect(),
        }))
    }

    async fn get_appointment(
        &self,
        request: Request<pb::GetAppointmentRequest>,
    ) -> Result<Response<pb::Appointment>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<AppointmentId>(r.business_id, r.id)?;
        Ok(Response::new(
            appointments::get(&self.db, &business_id, &id).await?.into(),
        ))
    }

    async fn create_appointment(
        &self,
        request: Request<pb::CreateAppointmentRequest>,
    ) -> Result<Response<pb::Appointment>, Status> {
        let r = CreateAppointment::try_from(request.into_inner())?;
        Ok(Response::new(
            appointments::create(&self.db, &r.business_id, r.appointment)
                .await?
                .into(),
        ))
    }

    async fn update_appointment(
        &self,
        request: Request<pb::UpdateAppointmentRequest>,
    ) -> Result<Response<pb::Appointment>, Status> {
        let r = UpdateAppointment::try_from(request.into_inner())?;
        Ok(Response::new(
            appointments::update(&self.db, &r.business_id, &r.id, r.patch)
                .await?
                .into(),
        ))
    }

    async fn delete_appointment(
        &self,
        request: Request<pb::DeleteAppointmentRequest>,
    ) -> Result<Response<pb::DeleteAppointmentResponse>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<AppointmentId>(r.business_id, r.id)?;
        appointments::delete(&self.db, &business_id, &id).await?;
        Ok(Response::new(pb::DeleteAppointmentResponse {}))
    }

    async fn list_contracts(
        &self,
        request: Request<pb::ListContractsRequest>,
    ) -> Result<Response<pb::ListContractsResponse>, Status> {
        let r = ListContracts::try_from(request.into_inner())?;
        let page =
            contracts::list(&self.db, &r.business_id, r.page, r.limit, r.filter, r.sort).await?;
        Ok(Response::new(page.into()))
    }

    async fn get_contract(
        &self,
        request: Request<pb::GetContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<ContractId>(r.business_id, r.id)?;
        Ok(Response::new(
            contracts::get(&self.db, &business_id, &id).await?.into(),
        ))
    }

    async fn create_contract(
        &self,
        request: Request<pb::CreateContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let r = CreateContract::try_from(request.into_inner())?;
        Ok(Response::new(
            contracts::create(&self.db, &r.business_id, r.contract)
                .await?
                .into(),
        ))
    }

    async fn update_contract(
        &self,
        request: Request<pb::UpdateContractRequest>,
    ) -> Result<Response<pb::Contract>, Status> {
        let r = UpdateContract::try_from(request.into_inner())?;
        Ok(Response::new(
            contracts::update(&self.db, &r.business_id, &r.id, r.patch)
                .await?
                .into(),
        ))
    }

    async fn delete_contract(
        &self,
        request: Request<pb::DeleteContractRequest>,
    ) -> Result<Response<pb::DeleteContractResponse>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<ContractId>(r.business_id, r.id)?;
        contracts::delete(&self.db, &business_id, &id).await?;
        Ok(Response::new(pb::DeleteContractResponse {}))
    }

    async fn list_proposals(
        &self,
        request: Request<pb::ListProposalsRequest>,
    ) -> Result<Response<pb::ListProposalsResponse>, Status> {
        let r = ListProposals::try_from(request.into_inner())?;
        let page =
            proposals::list(&self.db, &r.business_id, r.page, r.limit, r.filter, r.sort).await?;
        Ok(Response::new(page.try_into()?))
    }

    async fn get_proposal(
        &self,
        request: Request<pb::GetProposalRequest>,
    ) -> Result<Response<pb::Proposal>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<ProposalId>(r.business_id, r.id)?;
        let proposal = proposals::get(&self.db, &business_id, &id).await?;
        Ok(Response::new(proposal.try_into()?))
    }

    async fn create_proposal(
        &self,
        request: Request<pb::CreateProposalRequest>,
    ) -> Result<Response<pb::Proposal>, Status> {
        let r = CreateProposal::try_from(request.into_inner())?;
        let proposal = proposals::create(&self.db, &r.business_id, r.proposal).await?;
        Ok(Response::new(proposal.try_into()?))
    }

    async fn update_proposal(
        &self,
        request: Request<pb::UpdateProposalRequest>,
    ) -> Result<Response<pb::Proposal>, Status> {
        let r = UpdateProposal::try_from(request.into_inner())?;
        let proposal = proposals::update(&self.db, &r.business_id, &r.id, r.patch).await?;
        Ok(Response::new(proposal.try_into()?))
    }

    async fn delete_proposal(
        &self,
        request: Request<pb::DeleteProposalRequest>,
    ) -> Result<Response<pb::DeleteProposalResponse>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<ProposalId>(r.business_id, r.id)?;
        proposals::delete(&self.db, &business_id, &id).await?;
        Ok(Response::new(pb::DeleteProposalResponse {}))
    }

    async fn create_signature_link(
        &self,
        request: Request<pb::CreateSignatureLinkRequest>,
    ) -> Result<Response<pb::SignatureLink>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let document = crate::signatures::convert::document_ref(r.contract_id, r.proposal_id)?;
        let link = signatures::create_link_for(
            &self.db,
            &business_id,
            document,
            self.settings.signature_link_ttl,
        )
        .await?;
        Ok(Response::new(link.into()))
    }

    async fn list_signatures(
        &self,
        request: Request<pb::ListSignaturesRequest>,
    ) -> Result<Response<pb::ListSignaturesResponse>, Status> {
        use crate::signatures::DocumentRef;
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let rows = match crate::signatures::convert::document_ref(r.contract_id, r.proposal_id)? {
            DocumentRef::Contract(id) => {
                signatures::list_for_contract(&self.db, &business_id, &id).await?
            }
            DocumentRef::Proposal(id) => {
                signatures::list_for_proposal(&self.db, &business_id, &id).await?
            }
        };
        Ok(Response::new(pb::ListSignaturesResponse {
            signatures: rows.into_iter().map(Into::into).collect(),
        }))
    }

    async fn get_signature_image(
        &self,
        request: Request<pb::GetSignatureImageRequest>,
    ) -> Result<Response<pb::SignatureImage>, Status> {
        let r = request.into_inner();
        let (business_id, id) = scoped_ids::<SignatureId>(r.business_id, r.id)?;
        let s = signatures::get(&self.db, &business_id, &id).await?;
        Ok(Response::new(pb::SignatureImage {
            signature_id: s.id.into(),
            image_png: s.image_png.unwrap_or_default(),
        }))
    }

    async fn get_signing_document(
        &self,
        request: Request<pb::GetSigningDocumentRequest>,
    ) -> Result<Response<pb::SigningDocument>, Status> {
        let token = crate::signatures::convert::token(request.into_inner().token)?;
        let document = signatures::signing_document(&self.db, &token).await?;
        Ok(Response::new(document.into()))
    }

    async fn sign(
        &self,
        request: Request<pb::SignRequest>,
    ) -> Result<Response<pb::Signature>, Status> {
        let r = Sign::try_from(request.into_inner())?;
        let signature = signatures::sign(&self.db, &r.token, r.signing).await?;
        if let Some(contract_id) = signature.contract_id.clone() {
            document_pdfs::after_issue(&self.db, &signature.business_id, contract_id.as_str())
                .await;
        }
        Ok(Response::new(signature.into()))
    }

    async fn get_report_summary(
        &self,
        request: Request<pb::GetReportSummaryRequest>,
    ) -> Result<Response<pb::ReportSummary>, Status> {
        let r = ReportPeriod::try_from(request.into_inner())?;
        let summary = reports::summary(&self.db, &r.business_id, r.from, r.to).await?;
        Ok(Response::new(summary.into()))
    }

    async fn list_customer_calls(
        &self,
        request: Request<pb::ListCustomerCallsRequest>,
    ) -> Result<Response<pb::ListCallsResponse>, Status> {
        let r = CustomerList::try_from(request.into_inner())?;
        let page =
            calls::list_for_customer(&self.db, &r.business_id, &r.customer_id, r.page, r.limit)
                .await?;
        Ok(Response::new(page.try_into()?))
    }

    async fn list_customer_whats_app_messages(
        &self,
        request: Request<pb::ListCustomerWhatsAppMessagesRequest>,
    ) -> Result<Response<pb::ListWhatsAppMessagesResponse>, Status> {
        let r = CustomerList::try_from(request.into_inner())?;
        let page = whatsapp_messages::list_for_customer(
            &self.db,
            &r.business_id,
            &r.customer_id,
            r.page,
            r.limit,
        )
        .await?;
        Ok(Response::new(page.into()))
    }

    async fn list_conversations(
        &self,
        request: Request<pb::ListConversationsRequest>,
    ) -> Result<Response<pb::ListConversationsResponse>, Status> {
        let r = ListConversations::try_from(request.into_inner())?;
        Ok(Response::new(
            conversations::list(&self.db, &r.business_id, &r.reader, r.query)
                .await?
                .into(),
        ))
    }

    async fn get_conversation(
        &self,
        request: Request<pb::GetConversationRequest>,
    ) -> Result<Response<pb::ConversationThread>, Status> {
        let r = request.into_inner();
        let (business_id, reader, id) =
            conversations::convert::scoped(r.business_id, r.user_id, r.id)?;
        let thread = conversations::get(&self.db, &business_id, &reader, &id).await?;
        Ok(Response::new(pb::ConversationThread::try_from(thread)?))
    }

    async fn update_conversation(
        &self,
        request: Request<pb::UpdateConversationRequest>,
    ) -> Result<Response<pb::Conversation>, Status> {
        let r = UpdateConversation::try_from(request.into_inner())?;
        Ok(Response::new(
            conversations::update(&self.db, &r.business_id, &r.reader, &r.id, r.patch)
                .await?
                .into(),
        ))
    }

    async fn mark_conversation_read(
        &self,
        request: Request<pb::MarkConversationReadRequest>,
    ) -> Result<Response<pb::Conversation>, Status> {
        let r = request.into_inner();
        let (business_id, reader, id) =
            conversations::convert::scoped(r.business_id, r.user_id, r.id)?;
        Ok(Response::new(
            conversations::mark_read(&self.db, &business_id, &reader, &id)
                .await?
                .into(),
        ))
    }

    async fn get_today(
        &self,
        request: Request<pb::GetTodayRequest>,
    ) -> Result<Response<pb::Today>, Status> {
        let r = GetToday::try_from(request.into_inner())?;
        let day = today::get(
            &self.db,
            &r.business_id,
            &r.reader,
            r.at,
            r.include_appointments,
        )
        .await?;
        Ok(Response::new(day.try_into()?))
    }

    async fn get_call_conversation(
        &self,
        request: Request<pb::GetCallConversationRequest>,
    ) -> Result<Response<pb::CallConversation>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        if r.call_sid.trim().is_empty() {
            return Err(Error::validation("call_sid", "is required").into());
        }
        let turns = calls::conversation(
            &self.db,
            &business_id,
            r.call_sid.trim(),
            MAX_CONVERSATION_TURNS,
        )
        .await?;
        Ok(Response::new(pb::CallConversation {
            turns: turns
                .into_iter()
                .map(|t| pb::CallTurn {
                    caller_text: t.caller_text,
                    ai_reply: t.ai_reply,
                })
                .collect(),
        }))
    }

    async fn get_whats_app_auth(
        &self,
        request: Request<pb::GetWhatsAppAuthRequest>,
    ) -> Result<Response<pb::WhatsAppAuthValues>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let values = whatsapp_session::get(&self.db, &business_id, r.keys).await?;
        Ok(Response::new(pb::WhatsAppAuthValues {
            values: values.into_iter().collect(),
        }))
    }

    async fn set_whats_app_auth(
        &self,
        request: Request<pb::SetWhatsAppAuthRequest>,
    ) -> Result<Response<pb::SetWhatsAppAuthResponse>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let values = r
            .values
            .into_iter()
            .map(|(k, v)| (k, Some(v)))
            .chain(r.deleted_keys.into_iter().map(|k| (k, None)))
            .collect();
        whatsapp_session::set(&self.db, &business_id, values).await?;
        Ok(Response::new(pb::SetWhatsAppAuthResponse {}))
    }

    async fn clear_whats_app_auth(
        &self,
        request: Request<pb::ClearWhatsAppAuthRequest>,
    ) -> Result<Response<pb::ClearWhatsAppAuthResponse>, Status> {
        let business_id = scoped_business(&request.into_inner().business_id)?;
        let removed = whatsapp_session::clear(&self.db, &business_id).await?;
        Ok(Response::new(pb::ClearWhatsAppAuthResponse { removed }))
    }

    async fn link_whats_app_lid(
        &self,
        request: Request<pb::LinkWhatsAppLidRequest>,
    ) -> Result<Response<pb::LinkWhatsAppLidResponse>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        whatsapp_session::link_lid(&self.db, &business_id, r.lid, r.phone).await?;
        Ok(Response::new(pb::LinkWhatsAppLidResponse {}))
    }

    async fn set_whats_app_cloud_number(
        &self,
        request: Request<pb::SetWhatsAppCloudNumberRequest>,
    ) -> Result<Response<pb::WhatsAppCloudNumber>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        whatsapp_session::set_cloud_number(&self.db, &business_id, r.phone_number_id.clone())
            .await?;
        Ok(Response::new(pb::WhatsAppCloudNumber {
            business_id: business_id.into(),
            phone_number_id: r.phone_number_id.trim().to_owned(),
        }))
    }

    async fn find_whats_app_cloud_number(
        &self,
        request: Request<pb::FindWhatsAppCloudNumberRequest>,
    ) -> Result<Response<pb::WhatsAppCloudNumber>, Status> {
        use pb::find_whats_app_cloud_number_request::By;
        let not_found = || Status::from(crate::error::Error::NotFound("WhatsApp Cloud number"));
        let found = match request.into_inner().by {
            Some(By::BusinessId(id)) => {
                let business_id = scoped_business(&id)?;
                let number = whatsapp_session::cloud_number_of(&self.db, &business_id)
                    .await?
                    .ok_or_else(not_found)?;
                pb::WhatsAppCloudNumber {
                    business_id: business_id.into(),
                    phone_number_id: number,
                }
            }
            Some(By::PhoneNumberId(number)) => {
                let business_id =
                    whatsapp_session::business_of_cloud_number(&self.db, number.clone())
                        .await?
                        .ok_or_else(not_found)?;
                pb::WhatsAppCloudNumber {
                    business_id: business_id.into(),
                    phone_number_id: number,
                }
            }
            None => {
                return Err(crate::error::Error::Validation {
                    field: "by",
                    message: "business_id or phone_number_id".into(),
                }
                .into());
            }
        };
        Ok(Response::new(found))
    }

    async fn list_whats_app_paired(
        &self,
        _request: Request<pb::ListWhatsAppPairedRequest>,
    ) -> Result<Response<pb::ListWhatsAppPairedResponse>, Status> {
        let ids = whatsapp_session::paired_businesses(&self.db).await?;
        Ok(Response::new(pb::ListWhatsAppPairedResponse {
            business_ids: ids.into_iter().map(String::from).collect(),
        }))
    }

    async fn acquire_whats_app_lease(
        &self,
        request: Request<pb::AcquireWhatsAppLeaseRequest>,
    ) -> Result<Response<pb::AcquireWhatsAppLeaseResponse>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let ttl = std::time::Duration::from_millis(u64::from(r.ttl_ms));
        let acquired =
            whatsapp_lease::acquire(&self.db, &business_id, &r.holder, &r.holder_addr, ttl).await?;
        Ok(Response::new(pb::AcquireWhatsAppLeaseResponse {
            granted: acquired.granted,
            lease: Some(lease_pb(acquired.lease)),
        }))
    }

    async fn release_whats_app_lease(
        &self,
        request: Request<pb::ReleaseWhatsAppLeaseRequest>,
    ) -> Result<Response<pb::ReleaseWhatsAppLeaseResponse>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let released = whatsapp_lease::release(&self.db, &business_id, &r.holder).await?;
        Ok(Response::new(pb::ReleaseWhatsAppLeaseResponse { released }))
    }

    async fn get_whats_app_lease(
        &self,
        request: Request<pb::GetWhatsAppLeaseRequest>,
    ) -> Result<Response<pb::GetWhatsAppLeaseResponse>, Status> {
        let business_id = scoped_business(&request.into_inner().business_id)?;
        let lease = whatsapp_lease::get(&self.db, &business_id).await?;
        Ok(Response::new(pb::GetWhatsAppLeaseResponse {
            lease: lease.map(lease_pb),
        }))
    }

    async fn get_business_hours(
        &self,
        request: Request<pb::GetBusinessHoursRequest>,
    ) -> Result<Response<pb::BusinessHours>, Status> {
        let business_id = scoped_business(&request.into_inner().business_id)?;
        let stored = crate::hours::get(&self.db, &business_id).await?;
        Ok(Response::new(stored.try_into()?))
    }

    async fn put_business_hours(
        &self,
        request: Request<pb::PutBusinessHoursRequest>,
    ) -> Result<Response<pb::BusinessHours>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let stored = crate::hours::put(&self.db, &business_id, &r.settings_json).await?;
        Ok(Response::new(stored.try_into()?))
    }

    async fn get_hours_calendar(
        &self,
        request: Request<pb::GetHoursCalendarRequest>,
    ) -> Result<Response<pb::HoursCalendar>, Status> {
        use crate::hours::convert::optional_utc;
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let from = optional_utc("from", r.from)?.unwrap_or_else(chrono::Utc::now);
        let to = optional_utc("to", r.to)?.unwrap_or(from + crate::hours::DEFAULT_RANGE);
        let cal = crate::hours::calendar(&self.db, &business_id, from, to).await?;
        Ok(Response::new(crate::hours::convert::calendar(cal)))
    }

    async fn get_hours_status(
        &self,
        request: Request<pb::GetHoursStatusRequest>,
    ) -> Result<Response<pb::HoursStatus>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let at = crate::hours::convert::optional_utc("at", r.at)?.unwrap_or_else(chrono::Utc::now);
        let (status, message) = crate::hours::status(&self.db, &business_id, at).await?;
        Ok(Response::new(crate::hours::convert::status(
            status, message,
        )))
    }

    async fn get_reminder_settings(
        &self,
        request: Request<pb::GetReminderSettingsRequest>,
    ) -> Result<Response<pb::ReminderSettings>, Status> {
        let business_id = scoped_business(&request.into_inner().business_id)?;
        let settings = reminders::get_settings(&self.db, &business_id).await?;
        Ok(Response::new(settings.into()))
    }

    async fn put_reminder_settings(
        &self,
        request: Request<pb::PutReminderSettingsRequest>,
    ) -> Result<Response<pb::ReminderSettings>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let settings = reminders::put_settings(
            &self.db,
            &business_id,
            r.enabled,
            &r.template,
            &r.lead_minutes,
        )
        .await?;
        Ok(Response::new(settings.into()))
    }

    async fn create_scheduled_message(
        &self,
        request: Request<pb::CreateScheduledMessageRequest>,
    ) -> Result<Response<pb::ScheduledMessage>, Status> {
        let r = CreateScheduled::try_from(request.into_inner())?;
        let m = reminders::scheduled::create(
            &self.db,
            &r.business_id,
            &r.customer_id,
            &r.text,
            r.send_at,
            r.created_by,
        )
        .await?;
        Ok(Response::new(m.into()))
    }

    async fn list_scheduled_messages(
        &self,
        request: Request<pb::ListScheduledMessagesRequest>,
    ) -> Result<Response<pb::ListScheduledMessagesResponse>, Status> {
        let r = request.into_inner();
        let (business_id, customer_id) = scoped_ids::<CustomerId>(r.business_id, r.customer_id)?;
        let items = reminders::scheduled::list(&self.db, &business_id, &customer_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Response::new(pb::ListScheduledMessagesResponse { items }))
    }

    async fn cancel_scheduled_message(
        &self,
        request: Request<pb::CancelScheduledMessageRequest>,
    ) -> Result<Response<pb::ScheduledMessage>, Status> {
        let r = request.into_inner();
        let (business_id, customer_id) = scoped_ids::<CustomerId>(r.business_id, r.customer_id)?;
        let id = crate::convert::required::<String>("id", r.id)?;
        let m = reminders::scheduled::cancel(&self.db, &business_id, &customer_id, &id).await?;
        Ok(Response::new(m.into()))
    }

    async fn resolve_whats_app_lid(
        &self,
        request: Request<pb::ResolveWhatsAppLidRequest>,
    ) -> Result<Response<pb::ResolveWhatsAppLidResponse>, Status> {
        let r = request.into_inner();
        let business_id = scoped_business(&r.business_id)?;
        let phone = whatsapp_session::phone_of_lid(&self.db, &business_id, r.lid).await?;
        Ok(Response::new(pb::ResolveWhatsAppLidResponse {
            phone: phone.unwrap_or_default(),
        }))
    }

    async fn save_push_subscription(
        &self,
        request: Request<pb::SavePushSubscriptionRequest>,
    ) -> Result<Response<pb::PushSubscription>, Status> {
        let r = request.into_inner();
        let (business_id, user_id) = scoped_ids::<UserId>(r.business_id, r.user_id)?;
        let saved = push_subscriptions::save(
            &self.db,
            &business_id,
            &user_id,
            push_subscriptions::NewPushSubscription {
                endpoint: r.endpoint,
                p256dh: r.p256dh,
                auth: r.auth,
            },
        )
        .await?;
        Ok(Response::new(push_subscription_pb(saved)))
    }

    async fn delete_push_subscription(
        &self,
        request: Request<pb::DeletePushSubscriptionRequest>,
    ) -> Result<Response<pb::DeletePushSubscriptionResponse>, Status> {
        let r = request.into_inner();
        let (business_id, endpoint) = scoped_ids::<String>(r.business_id, r.endpoint)?;
        let user_id = (!r.user_id.trim().is_empty()).then(|| UserId::from(r.user_id));
        let deleted =
            push_subscriptions::delete(&self.db, &business_id, user_id.as_ref(), &endpoint).await?;
        Ok(Response::new(pb::DeletePushSubscriptionResponse {
            deleted,
        }))
    }

    async fn list_push_subscriptions(
        &self,
        request: Request<pb::ListPushSubscriptionsRequest>,
    ) -> Result<Response<pb::ListPushSubscriptionsResponse>, Status> {
        let r = request.into_inner();
        let (business_id, _) = scoped_ids::<String>(r.business_id, "-".into())?;
        let items = push_subscriptions::list(&self.db, &business_id)
            .await?
            .into_iter()
            .map(push_subscription_pb)
            .collect();
        Ok(Response::new(pb::ListPushSubscriptionsResponse { items }))
    }

    async fn upload_import(
        &self,
        request: Request<pb::UploadImportRequest>,
    ) -> Result<Response<pb::ImportPreview>, Status> {
        let r = request.into_inner();
        let business_id = crate::convert::required("business_id", r.business_id)?;
        let preview = imports::upload(&self.db, &business_id, &r.file_name, r.content).await?;
        Ok(Response::new(preview.into()))
    }

    async fn preview_import(
        &self,
        request: Request<pb::PreviewImportRequest>,
    ) -> Result<Response<pb::ImportPreview>, Status> {
        let r = request.into_inner();
        let (b, i) = imports::convert::ids(r.business_id, r.id)?;
        let mapping = r.mapping.map(imports::Mapping::try_from).transpose()?;
        Ok(Response::new(
            imports::preview(&self.db, &b, &i, mapping).await?.into(),
        ))
    }

    async fn start_import(
        &self,
        request: Request<pb::StartImportRequest>,
    ) -> Result<Response<pb::CustomerImport>, Status> {
        let (b, i, options) = imports::convert::start_request(request.into_inner())?;
        Ok(Response::new(
            imports::start(&self.db, &b, &i, options).await?.into(),
        ))
    }

    async fn get_import(
        &self,
        request: Request<pb::GetImportRequest>,
    ) -> Result<Response<pb::CustomerImport>, Status> {
        let r = request.into_inner();
        let (b, i) = imports::convert::ids(r.business_id, r.id)?;
        Ok(Response::new(imports::get(&self.db, &b, &i).await?.into()))
    }

    type ExportCsvStream = std::pin::Pin<
        Box<dyn futures::Stream<Item = Result<pb::CsvChunk, Status>> + Send + 'static>,
    >;

    async fn export_csv(
        &self,
        request: Request<pb::ExportCsvRequest>,
    ) -> Result<Response<Self::ExportCsvStream>, Status> {
        use futures::StreamExt;
        let (business_id, source) = imports::convert::export_request(request.into_inner())?;
        if let exports::Source::ImportErrors(id) = &source {
            // Another business's import is not found.
            imports::get(&self.db, &business_id, id).await?;
        }
        let stream = exports::stream(self.db.clone(), business_id, source).map(|chunk| {
            chunk
                .map(|data| pb::CsvChunk { data })
                .map_err(Status::from)
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

/// The business a storage request is scoped to; an empty id is a validation error.
fn scoped_business(id: &str) -> Result<crate::ids::BusinessId, Status> {
    let id = id.trim();
    if id.is_empty() {
        return Err(crate::error::Error::Validation {
            field: "business_id",
            message: "required".into(),
        }
        .into());
    }
    Ok(crate::ids::BusinessId::from(id))
}

fn lease_pb(l: whatsapp_lease::Lease) -> pb::WhatsAppLease {
    pb::WhatsAppLease {
        business_id: l.business_id.to_string(),
        holder: l.holder,
        holder_addr: l.holder_addr,
        expires_at: Some(agentlocator_proto::to_timestamp(crate::time::to_utc(
            l.expires_at,
        ))),
    }
}

fn push_subscription_pb(s: push_subscriptions::PushSubscription) -> pb::PushSubscription {
    pb::PushSubscription {
        id: s.id,
        business_id: s.business_id.to_string(),
        user_id: s.user_id.to_string(),
        endpoint: s.endpoint,
        p256dh: s.p256dh,
        auth: s.auth,
    }
}
