//! JSON forms of what the services return.

use agentlocator_common::jwt::Role;
use agentlocator_proto::{from_timestamp, v1};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub page: i64,
    pub limit: i64,
    pub total: i64,
    pub items: Vec<T>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub status: String,
    pub source: String,
    pub notes: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

pub(crate) fn rfc3339(t: Option<&prost_types::Timestamp>) -> Option<String> {
    t.and_then(from_timestamp)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

impl From<v1::Customer> for Customer {
    fn from(c: v1::Customer) -> Self {
        Customer {
            created_at: rfc3339(c.created_at.as_ref()),
            updated_at: rfc3339(c.updated_at.as_ref()),
            id: c.id,
            name: c.name,
            phone: c.phone,
            email: Some(c.email).filter(|e| !e.is_empty()),
            status: c.status,
            source: c.source,
            notes: c.notes,
        }
    }
}

impl From<v1::ListCustomersResponse> for Page<Customer> {
    fn from(r: v1::ListCustomersResponse) -> Self {
        Page {
            page: r.page,
            limit: r.limit,
            total: r.total,
            items: r.items.into_iter().map(Customer::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub business_id: String,
    pub email: String,
    pub name: String,
    /// `owner` | `admin` | `agent` | `read_only`.
    pub role: String,
    /// False while deactivated (cannot sign in).
    pub active: bool,
    pub created_at: Option<String>,
}

impl From<v1::User> for User {
    fn from(u: v1::User) -> Self {
        User {
            created_at: rfc3339(u.created_at.as_ref()),
            role: Role::from_proto(u.role)
                .map(Role::as_str)
                .unwrap_or_default()
                .to_string(),
            active: u.active,
            id: u.id,
            business_id: u.business_id,
            email: u.email,
            name: u.name,
        }
    }
}

#[derive(Debug, Serialize, serde::Deserialize, Clone, PartialEq, Eq, utoipa::ToSchema)]
pub struct Knowledge {
    pub q: String,
    pub a: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Features {
    pub crm_enabled: bool,
    pub whatsapp_enabled: bool,
    pub signature_enabled: bool,
    pub invoices_enabled: bool,
    pub contracts_enabled: bool,
    pub voice_enabled: bool,
    pub proposals_enabled: bool,
    pub calendar_enabled: bool,
    pub reports_enabled: bool,
}

/// How a business's calls run; `null` is automatic (realtime when the server has a realtime
/// engine configured, else record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VoiceMode {
    /// Twilio Media Streams: the agent talks live and can be interrupted.
    Realtime,
    /// The record/answer loop, one turn after the other.
    Record,
}

impl VoiceMode {
    /// `None` is automatic.
    pub fn from_proto(mode: v1::VoiceMode) -> Option<Self> {
        match mode {
            v1::VoiceMode::Unspecified => None,
            v1::VoiceMode::Realtime => Some(VoiceMode::Realtime),
            v1::VoiceMode::Record => Some(VoiceMode::Record),
        }
    }

    pub fn to_proto(mode: Option<Self>) -> v1::VoiceMode {
        match mode {
            None => v1::VoiceMode::Unspecified,
            Some(VoiceMode::Realtime) => v1::VoiceMode::Realtime,
            Some(VoiceMode::Record) => v1::VoiceMode::Record,
        }
    }

    /// A request's `field`: `"realtime"` or `"record"`, anything else (another string, a
    /// number, …) a 422 naming it.
    pub fn parse(
        field: &'static str,
        value: &serde_json::Value,
    ) -> Result<Self, crate::error::ApiError> {
        match value.as_str() {
            Some("realtime") => Ok(VoiceMode::Realtime),
            Some("record") => Ok(VoiceMode::Record),
            _ => Err(crate::error::ApiError::validation(format!(
                "{field}: expected \"realtime\", \"record\" or null (automatic), got {value}"
            ))
            .with_field(field)),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Business {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub greeting_text: String,
    /// Basis points: 1800 = 18%.
    pub vat_rate_bp: i32,
    pub twilio_numbers: Vec<String>,
    pub knowledge: Vec<Knowledge>,
    pub features: Features,
    pub created_at: Option<String>,
    /// `null`: automatic.
    pub voice_mode: Option<VoiceMode>,
    /// The voice the agent speaks with (`alloy`, `he-IL-Chirp3-HD-Achird`, `he`, …); empty is
    /// the engine's default.
    pub agent_voice: String,
    /// The registered name documents print (empty: `name`).
    pub legal_name: String,
    /// ע.מ / ח.פ as nine digits; empty while not set.
    pub tax_id: String,
    pub address: String,
    /// licensed (עוסק מורשה) | exempt (עוסק פטור: documents carry no VAT)
    pub vat_status: String,
}

impl From<v1::Business> for Business {
    fn from(b: v1::Business) -> Self {
        let f = b.features.unwrap_or_default();
        Business {
            voice_mode: VoiceMode::from_proto(b.voice_mode()),
            agent_voice: b.agent_voice,
            legal_name: b.legal_name,
            tax_id: b.tax_id,
            address: b.address,
            vat_status: b.vat_status,
            created_at: rfc3339(b.created_at.as_ref()),
            id: b.id,
            name: b.name,
            slug: b.slug,
            greeting_text: b.greeting_text,
            vat_rate_bp: b.vat_rate_bp,
            twilio_numbers: b.twilio_numbers,
            knowledge: b
                .knowledge
                .into_iter()
                .map(|k| Knowledge {
                    q: k.question,
                    a: k.answer,
                })
                .collect(),
            features: Features {
                crm_enabled: f.crm_enabled,
                whatsapp_enabled: f.whatsapp_enabled,
                signature_enabled: f.signature_enabled,
                invoices_enabled: f.invoices_enabled,
                contracts_enabled: f.contracts_enabled,
                voice_enabled: f.voice_enabled,
                proposals_enabled: f.proposals_enabled,
                calendar_enabled: f.calendar_enabled,
                reports_enabled: f.reports_enabled,
            },
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: String,
    pub customer_id: Option<String>,
    pub title: String,
    pub due_at: Option<String>,
    pub done: bool,
    pub done_at: Option<String>,
    pub assignee_id: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

fn non_empty(s: String) -> Option<String> {
    Some(s).filter(|s| !s.is_empty())
}

impl From<v1::Task> for Task {
    fn from(t: v1::Task) -> Self {
        Task {
            due_at: rfc3339(t.due_at.as_ref()),
            done_at: rfc3339(t.done_at.as_ref()),
            created_at: rfc3339(t.created_at.as_ref()),
            updated_at: rfc3339(t.updated_at.as_ref()),
            id: t.id,
            customer_id: non_empty(t.customer_id),
            title: t.title,
            done: t.done,
            assignee_id: non_empty(t.assignee_id),
        }
    }
}

impl From<v1::ListTasksResponse> for Page<Task> {
    fn from(r: v1::ListTasksResponse) -> Self {
        Page {
            page: r.page,
            limit: r.limit,
            total: r.total,
            items: r.items.into_iter().map(Task::from).collect(),
        }
    }
}

/// One timeline entry: `{"type": …, "ts": …, …the entity's own fields}` (issue contract: the
/// entity is spread into the item, `type` and `ts` added).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    /// agent | call | contract | invoice | task | whatsapp (`agent`: something the AI agent did, with the turn that caused it)
    #[serde(rename = "type")]
    pub kind: String,
    /// What the item is ordered by; null for a task without a due date.
    pub ts: Option<String>,
    /// The entity's fields (including its `id`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub entity: serde_json::Map<String, serde_json::Value>,
}

impl TryFrom<v1::TimelineItem> for TimelineItem {
    type Error = serde_json::Error;
    fn try_from(i: v1::TimelineItem) -> Result<Self, Self::Error> {
        let mut entity: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&i.data_json)?;
        // `type` and `ts` belong to the item; the entity's `id` is the item's id.
        entity.remove("type");
        entity.remove("ts");
        entity.insert("id".into(), serde_json::Value::String(i.id));
        Ok(TimelineItem {
            ts: rfc3339(i.ts.as_ref()),
            kind: i.kind,
            entity,
        })
    }
}

/// An RFC 3339 time from a request (`2026-11-24T09:00:00+02:00`), or a 422 naming `field`.
pub fn parse_time(
    field: &str,
    value: &str,
) -> Result<prost_types::Timestamp, crate::error::ApiError> {
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .map(|t| agentlocator_proto::to_timestamp(t.with_timezone(&chrono::Utc)))
        .map_err(|_| {
            crate::error::ApiError::validation(format!(
                "{field}: expected a time like 2026-11-24T09:00:00+02:00, got {value:?}"
            ))
            .with_field(field)
        })
}

/// For PATCH bodies: tells a field that is absent (`None`) from one that is `null` (`Some(None)`),
/// so `null` can clear a value. Use with `#[serde(default, deserialize_with = ...)]`.
pub fn nullable<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    use serde::Deserialize;
    Ok(Some(Option::deserialize(d)?))
}

/// `Page<T>` from a list response with `page`, `limit`, `total` and `items` of `T`'s source.
macro_rules! page_from {
    ($($response:ty => $view:ty;)*) => {$(
        impl From<$response> for Page<$view> {
            fn from(r: $response) -> Self {
                Page {
                    page: r.page,
                    limit: r.limit,
                    total: r.total,
                    items: r.items.into_iter().map(<$view>::from).collect(),
                }
            }
        }
    )*};
}

page_from! {
    v1::ListInvoicesResponse => Invoice;
    v1::ListContractsResponse => Contract;
    v1::ListProposalsResponse => Proposal;
    v1::ListCallsResponse => Call;
    v1::ListWhatsAppMessagesResponse => WhatsAppMessage;
}

/// One line of an invoice or a proposal, in requests and responses. Amounts are whole agorot
/// (1 ₪ = 100 agorot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineItem {
    pub description: String,
    /// More than 0.
    pub quantity: i64,
    /// 0 or more.
    pub unit_price_agorot: i64,
}

impl From<v1::LineItem> for LineItem {
    fn from(i: v1::LineItem) -> Self {
        LineItem {
            description: i.description,
            quantity: i.quantity,
            unit_price_agorot: i.unit_price_agorot,
        }
    }
}

impl From<LineItem> for v1::LineItem {
    fn from(i: LineItem) -> Self {
        v1::LineItem {
            description: i.description,
            quantity: i.quantity,
            unit_price_agorot: i.unit_price_agorot,
        }
    }
}

/// An invoice: one of the Israeli document types. Every amount is computed by the server from
/// the items.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Invoice {
    pub id: String,
    pub customer_id: String,
    /// tax_invoice (חשבונית מס) | tax_invoice_receipt (חשבונית מס/קבלה) | receipt (קבלה) |
    /// credit_note (חשבונית זיכוי)
    pub doc_type: String,
    /// The next number of its type, given when the document is issued (`draft → sent`); null
    /// on a draft. Each type has its own sequence.
    pub number: Option<i64>,
    /// Receipts and invoice-receipts: cash | cheque | bank_transfer | credit_card | bit | paybox.
    pub payment_method: Option<String>,
    /// Credit notes: the invoice credited.
    pub credited_invoice_id: Option<String>,
    /// The customer's ע.מ / ח.פ / ת.ז as nine digits.
    pub customer_tax_id: Option<String>,
    /// The seller and the customer as the issued document prints them (frozen at issue); null
    /// on a draft.
    pub parties: Option<DocumentParties>,
    /// A tax invoice (or invoice-receipt) to a customer with a tax id whose amount before VAT
    /// exceeds the threshold in force on its issue date (today for a draft): the customer can
    /// deduct its VAT only with an allocation number (מספר הקצאה) from the Tax Authority, which
    /// crm-svc requests when the document is issued.
    pub allocation_required: bool,
    /// On an issued document that needs a number: awaiting | allocated | refused; null otherwise.
    pub allocation_status: Option<String>,
    /// The Tax Authority's allocation number, once given (printed on the PDF).
    pub allocation_number: Option<String>,
    /// Why an awaiting document has no number yet (not connected, the Authority unavailable),
    /// or the Authority's refusal.
    pub allocation_reason: Option<String>,
    /// draft | sent | paid | cancelled
    pub status: String,
    pub items: Vec<LineItem>,
    pub subtotal_agorot: i64,
    pub vat_agorot: i64,
    pub total_agorot: i64,
    /// The VAT rate applied, in basis points (1800 = 18%).
    pub vat_rate_bp: i32,
    pub issued_at: Option<String>,
    pub due_at: Option<String>,
    pub paid_at: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl From<v1::Invoice> for Invoice {
    fn from(i: v1::Invoice) -> Self {
        Invoice {
            issued_at: rfc3339(i.issued_at.as_ref()),
            due_at: rfc3339(i.due_at.as_ref()),
            paid_at: rfc3339(i.paid_at.as_ref()),
            created_at: rfc3339(i.created_at.as_ref()),
            updated_at: rfc3339(i.updated_at.as_ref()),
            id: i.id,
            customer_id: i.customer_id,
            number: i.number,
            status: i.status,
            items: i.items.into_iter().map(LineItem::from).collect(),
            subtotal_agorot: i.subtotal_agorot,
            vat_agorot: i.vat_agorot,
            total_agorot: i.total_agorot,
            vat_rate_bp: i.vat_rate_bp,
            doc_type: i.doc_type,
            payment_method: non_empty(i.payment_method),
            credited_invoice_id: non_empty(i.credited_invoice_id),
            customer_tax_id: non_empty(i.customer_tax_id),
            parties: i.parties.map(DocumentParties::from),
            allocation_required: i.allocation_required,
            allocation_status: non_empty(i.allocation_status),
            allocation_number: non_empty(i.allocation_number),
            allocation_reason: non_empty(i.allocation_reason),
        }
    }
}

/// What an issued document prints about its parties.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentParties {
    pub seller_name: String,
    pub seller_legal_name: String,
    /// ע.מ / ח.פ (nine digits), or empty when the business has not set it.
    pub seller_tax_id: String,
    pub seller_address: String,
    /// licensed | exempt
    pub seller_vat_status: String,
    pub customer_name: String,
    pub customer_tax_id: Option<String>,
    pub customer_phone: String,
    pub customer_email: Option<String>,
}

impl From<v1::DocumentParties> for DocumentParties {
    fn from(p: v1::DocumentParties) -> Self {
        DocumentParties {
            seller_name: p.seller_name,
            seller_legal_name: p.seller_legal_name,
            seller_tax_id: p.seller_tax_id,
            seller_address: p.seller_address,
            seller_vat_status: p.seller_vat_status,
            customer_name: p.customer_name,
            customer_tax_id: non_empty(p.customer_tax_id),
            customer_phone: p.customer_phone,
            customer_email: non_empty(p.customer_email),
        }
    }
}

/// Where one document type's sequence stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NumberingSequence {
    pub doc_type: String,
    /// The number the next issued document of this type gets.
    pub next_number: i64,
    /// A document of this type was issued: the sequence can no longer be moved.
    pub started: bool,
}

impl From<v1::numbering::Sequence> for NumberingSequence {
    fn from(s: v1::numbering::Sequence) -> Self {
        NumberingSequence {
            doc_type: s.doc_type,
            next_number: s.next_number,
            started: s.started,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Appointment {
    pub id: String,
    pub customer_id: Option<String>,
    pub title: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub notes: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    /// When the customer confirmed it by answering its WhatsApp reminder; null until then and
    /// after the appointment moves.
    pub confirmed_at: Option<String>,
}

impl From<v1::Appointment> for Appointment {
    fn from(a: v1::Appointment) -> Self {
        Appointment {
            confirmed_at: rfc3339(a.confirmed_at.as_ref()),
            starts_at: rfc3339(a.starts_at.as_ref()),
            ends_at: rfc3339(a.ends_at.as_ref()),
            created_at: rfc3339(a.created_at.as_ref()),
            updated_at: rfc3339(a.updated_at.as_ref()),
            id: a.id,
            customer_id: non_empty(a.customer_id),
            title: a.title,
            notes: a.notes,
        }
    }
}

/// The appointments overlapping `[from, to)`, by start time.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppointmentRange {
    /// The range listed (the defaults applied when the request left it out).
    pub from: Option<String>,
    pub to: Option<String>,
    pub items: Vec<Appointment>,
}

impl From<v1::ListAppointmentsResponse> for AppointmentRange {
    fn from(r: v1::ListAppointmentsResponse) -> Self {
        AppointmentRange {
            from: rfc3339(r.from.as_ref()),
            to: rfc3339(r.to.as_ref()),
            items: r.items.into_iter().map(Appointment::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Contract {
    pub id: String,
    pub customer_id: String,
    pub title: String,
    pub body: String,
    /// draft | sent | signed
    pub status: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl From<v1::Contract> for Contract {
    fn from(c: v1::Contract) -> Self {
        Contract {
            created_at: rfc3339(c.created_at.as_ref()),
            updated_at: rfc3339(c.updated_at.as_ref()),
            id: c.id,
            customer_id: c.customer_id,
            title: c.title,
            body: c.body,
            status: c.status,
        }
    }
}

/// A price quote. `total_agorot` is computed by the server (before VAT).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Proposal {
    pub id: String,
    pub customer_id: String,
    pub title: String,
    pub items: Vec<LineItem>,
    pub total_agorot: i64,
    /// draft | sent | accepted | rejected | expired
    pub status: String,
    pub valid_until: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl From<v1::Proposal> for Proposal {
    fn from(p: v1::Proposal) -> Self {
        Proposal {
            valid_until: rfc3339(p.valid_until.as_ref()),
            created_at: rfc3339(p.created_at.as_ref()),
            updated_at: rfc3339(p.updated_at.as_ref()),
            id: p.id,
            customer_id: p.customer_id,
            title: p.title,
            items: p.items.into_iter().map(LineItem::from).collect(),
            total_agorot: p.total_agorot,
            status: p.status,
        }
    }
}

/// A one-time public signing link. The token is shown only here (the server keeps its hash).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignatureLink {
    pub signature_id: String,
    /// The contract to sign (absent for a proposal's link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    /// The proposal to sign (absent for a contract's link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal_id: Option<String>,
    /// `PUBLIC_BASE_URL` + the signing page's path with the token.
    pub url: String,
    pub token: String,
    /// When the link stops working (`SIGNATURE_LINK_TTL_DAYS` after it was made). Making a new
    /// link for the document revokes this one.
    pub expires_at: Option<String>,
}

/// What the public signing page shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SigningDocument {
    /// `contract` or `proposal`.
    pub document_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal_id: Option<String>,
    pub business_name: String,
    /// A proposal's body is its line items, total before VAT and validity, as text.
    pub title: String,
    pub body: String,
    /// SHA-256 (hex) of the document (title, line feed, body) as it would be signed now: the
    /// signer's POST sends it back.
    pub document_sha256: String,
    /// When the link stops working.
    pub expires_at: Option<String>,
}

impl From<v1::SigningDocument> for SigningDocument {
    fn from(d: v1::SigningDocument) -> Self {
        SigningDocument {
            document_type: d.document_type,
            contract_id: non_empty(d.contract_id),
            proposal_id: non_empty(d.proposal_id),
            business_name: d.business_name,
            title: d.title,
            body: d.body,
            document_sha256: d.document_sha256,
            expires_at: rfc3339(d.expires_at.as_ref()),
        }
    }
}

/// The receipt of a completed signature.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedReceipt {
    pub signature_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal_id: Option<String>,
    pub signer_name: String,
    pub signed_at: Option<String>,
    /// SHA-256 (hex) of the document as signed.
    pub document_sha256: String,
}

impl From<v1::Signature> for SignedReceipt {
    fn from(s: v1::Signature) -> Self {
        SignedReceipt {
            signed_at: rfc3339(s.signed_at.as_ref()),
            signature_id: s.id,
            contract_id: non_empty(s.contract_id),
            proposal_id: non_empty(s.proposal_id),
            signer_name: s.signer_name,
            document_sha256: s.document_sha256,
        }
    }
}

/// A signature request of a contract or proposal as staff see it: pending until signed through
/// its link. The drawn image is at `GET /api/signatures/{id}/image`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignatureRecord {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal_id: Option<String>,
    /// `pending`, `signed`, `revoked` (the document's text changed, or a newer link was made)
    /// or `expired`.
    pub status: String,
    pub signer_name: Option<String>,
    /// The address the signer signed from.
    pub signer_ip: Option<String>,
    /// SHA-256 (hex) of the document as signed.
    pub document_sha256: Option<String>,
    pub signed_at: Option<String>,
    pub created_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<v1::Signature> for SignatureRecord {
    fn from(s: v1::Signature) -> Self {
        SignatureRecord {
            status: s.state,
            signed_at: rfc3339(s.signed_at.as_ref()),
            created_at: rfc3339(s.created_at.as_ref()),
            expires_at: rfc3339(s.expires_at.as_ref()),
            revoked_at: rfc3339(s.revoked_at.as_ref()),
            id: s.id,
            contract_id: non_empty(s.contract_id),
            proposal_id: non_empty(s.proposal_id),
            signer_name: non_empty(s.signer_name),
            signer_ip: non_empty(s.signer_ip),
            document_sha256: non_empty(s.document_sha256),
        }
    }
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct CallStats {
    pub total: i64,
    /// `in-progress` or `completed`.
    pub answered: i64,
    /// `busy`, `no-answer`, `canceled` or `failed`.
    pub missed: i64,
    /// Mean duration of the answered calls, whole seconds.
    pub average_duration_seconds: i64,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct WhatsAppStats {
    pub inbound: i64,
    pub outbound: i64,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct TaskStats {
    /// Marked done in the period.
    pub done: i64,
    /// Still open, due in the period before now.
    pub overdue: i64,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct InvoiceStats {
    /// Tax invoices and invoice-receipts issued in the period and not cancelled.
    pub issued: i64,
    /// Their total, net of the credit notes issued against them in the period.
    pub issued_total_agorot: i64,
    /// Documents paid in the period: invoices, invoice-receipts and receipts.
    pub paid: i64,
    pub paid_total_agorot: i64,
}

/// A business's numbers over `[from, to)`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportSummary {
    pub from: Option<String>,
    pub to: Option<String>,
    /// Created in the period.
    pub new_customers: i64,
    /// Started in the period.
    pub calls: CallStats,
    /// Created in the period.
    pub whatsapp: WhatsAppStats,
    pub tasks: TaskStats,
    pub invoices: InvoiceStats,
}

impl From<v1::ReportSummary> for ReportSummary {
    fn from(r: v1::ReportSummary) -> Self {
        let calls = r.calls.unwrap_or_default();
        let whatsapp = r.whatsapp.unwrap_or_default();
        let tasks = r.tasks.unwrap_or_default();
        let invoices = r.invoices.unwrap_or_default();
        ReportSummary {
            from: rfc3339(r.from.as_ref()),
            to: rfc3339(r.to.as_ref()),
            new_customers: r.new_customers,
            calls: CallStats {
                total: calls.total,
                answered: calls.answered,
                missed: calls.missed,
                average_duration_seconds: calls.average_duration_seconds,
            },
            whatsapp: WhatsAppStats {
                inbound: whatsapp.inbound,
                outbound: whatsapp.outbound,
            },
            tasks: TaskStats {
                done: tasks.done,
                overdue: tasks.overdue,
            },
            invoices: InvoiceStats {
                issued: invoices.issued,
                issued_total_agorot: invoices.issued_total_agorot,
                paid: invoices.paid,
                paid_total_agorot: invoices.paid_total_agorot,
            },
        }
    }
}

/// A phone call with the customer, its recording, transcript and the assistant's replies.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Call {
    pub id: String,
    pub customer_id: Option<String>,
    pub twilio_sid: String,
    /// inbound | outbound
    pub direction: String,
    pub from_number: String,
    pub to_number: String,
    /// Twilio's call status (ringing, in-progress, completed, busy, no-answer, …).
    pub status: String,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_seconds: i32,
    pub recording_url: Option<String>,
    pub transcript: Option<String>,
    /// pending | done | failed | none
    pub transcript_status: String,
    pub ai_replies: Vec<String>,
    /// The call's summary once it completed (null while it goes on, and for calls from before
    /// summaries).
    pub summary: Option<CallSummary>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// The summary of a completed call: made by the LLM when one is configured, else from the call's
/// turns and the agent's actions (`source: fallback`, labelled so in its text).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallSummary {
    /// pending (being made) | done
    pub status: String,
    /// Hebrew, a few sentences; empty while pending.
    pub text: String,
    /// What the agent promised that staff must still do (the call's follow-up task says it too).
    pub follow_ups: Vec<String>,
    /// llm | fallback; empty while pending.
    pub source: String,
    pub updated_at: Option<String>,
}

impl From<v1::CallSummary> for CallSummary {
    fn from(s: v1::CallSummary) -> Self {
        CallSummary {
            updated_at: rfc3339(s.updated_at.as_ref()),
            status: s.status,
            text: s.text,
            follow_ups: s.follow_ups,
            source: s.source,
        }
    }
}

impl From<v1::Call> for Call {
    fn from(c: v1::Call) -> Self {
        Call {
            started_at: rfc3339(c.started_at.as_ref()),
            ended_at: rfc3339(c.ended_at.as_ref()),
            created_at: rfc3339(c.created_at.as_ref()),
            updated_at: rfc3339(c.updated_at.as_ref()),
            id: c.id,
            customer_id: non_empty(c.customer_id),
            twilio_sid: c.twilio_sid,
            direction: c.direction,
            from_number: c.from_number,
            to_number: c.to_number,
            status: c.status,
            duration_seconds: c.duration_seconds,
            recording_url: non_empty(c.recording_url),
            transcript: non_empty(c.transcript),
            transcript_status: c.transcript_status,
            ai_replies: c.ai_replies,
            summary: c.summary.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WhatsAppMessage {
    pub id: String,
    pub customer_id: Option<String>,
    pub provider_message_id: String,
    /// inbound | outbound
    pub direction: String,
    pub from_number: String,
    pub to_number: String,
    pub body: String,
    /// pending | sent | delivered | read | failed | received
    pub status: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl From<v1::WhatsAppMessage> for WhatsAppMessage {
    fn from(m: v1::WhatsAppMessage) -> Self {
        WhatsAppMessage {
            created_at: rfc3339(m.created_at.as_ref()),
            updated_at: rfc3339(m.updated_at.as_ref()),
            id: m.id,
            customer_id: non_empty(m.customer_id),
            provider_message_id: m.provider_message_id,
            direction: m.direction,
            from_number: m.from_number,
            to_number: m.to_number,
            body: m.body,
            status: m.status,
        }
    }
}

/// One inbox conversation as the signed-in user sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxConversation {
    pub id: String,
    /// whatsapp | call
    pub channel: &'static str,
    /// open | waiting_for_human | done
    pub state: &'static str,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    /// The customer's number as the channel gave it.
    pub counterpart: String,
    pub assignee_id: Option<String>,
    pub last_activity_at: Option<String>,
    pub last_preview: String,
    /// inbound | outbound
    pub last_direction: String,
    /// Inbound messages (or the inbound call) this user has not read.
    pub unread_count: i64,
    /// A call conversation's call SID.
    pub call_sid: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

/// The wire name of a conversation channel.
pub fn channel_name(c: v1::ConversationChannel) -> &'static str {
    match c {
        v1::ConversationChannel::Whatsapp => "whatsapp",
        v1::ConversationChannel::Call => "call",
        v1::ConversationChannel::Unspecified => "unspecified",
    }
}

/// The wire name of a conversation state.
pub fn state_name(s: v1::ConversationState) -> &'static str {
    match s {
        v1::ConversationState::Open => "open",
        v1::ConversationState::WaitingForHuman => "waiting_for_human",
        v1::ConversationState::Done => "done",
        v1::ConversationState::Unspecified => "unspecified",
    }
}

impl From<v1::Conversation> for InboxConversation {
    fn from(c: v1::Conversation) -> Self {
        InboxConversation {
            channel: channel_name(c.channel()),
            state: state_name(c.state()),
            last_activity_at: rfc3339(c.last_activity_at.as_ref()),
            created_at: rfc3339(c.created_at.as_ref()),
            updated_at: rfc3339(c.updated_at.as_ref()),
            id: c.id,
            customer_id: non_empty(c.customer_id),
            customer_name: non_empty(c.customer_name),
            counterpart: c.counterpart,
            assignee_id: non_empty(c.assignee_id),
            last_preview: c.last_preview,
            last_direction: c.last_direction,
            unread_count: c.unread_count,
            call_sid: non_empty(c.call_sid),
        }
    }
}

/// A page of the inbox, newest activity first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxPage {
    pub limit: i64,
    pub items: Vec<InboxConversation>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Conversations with something this user has not read (all filters aside): the page
    /// title's count, at most 100 (100 means 100 or more). On the first page only (no `cursor`).
    pub unread_conversations: Option<i64>,
}

impl From<v1::ListConversationsResponse> for InboxPage {
    fn from(r: v1::ListConversationsResponse) -> Self {
        InboxPage {
            limit: r.limit,
            items: r.items.into_iter().map(Into::into).collect(),
            next_cursor: non_empty(r.next_cursor),
            unread_conversations: r.unread_conversations,
        }
    }
}

/// One answered turn of a call.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallTurn {
    pub caller_text: String,
    pub ai_reply: String,
}

/// A conversation and what was said in it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxThread {
    pub conversation: Option<InboxConversation>,
    /// WhatsApp: the latest 200 messages, oldest first.
    pub messages: Vec<WhatsAppMessage>,
    /// A call conversation's call (transcript, the agent's replies).
    pub call: Option<Call>,
    /// A call conversation's answered turns, in order.
    pub turns: Vec<CallTurn>,
}

impl From<v1::ConversationThread> for InboxThread {
    fn from(t: v1::ConversationThread) -> Self {
        InboxThread {
            conversation: t.conversation.map(Into::into),
            messages: t.messages.into_iter().map(Into::into).collect(),
            call: t.call.map(Into::into),
            turns: t
                .turns
                .into_iter()
                .map(|t| CallTurn {
                    caller_text: t.caller_text,
                    ai_reply: t.ai_reply,
                })
                .collect(),
        }
    }
}

/// One call of the day.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TodayCall {
    pub call: Option<Call>,
    /// `null` while the caller is no customer.
    pub customer_name: Option<String>,
    /// answered | missed | in_progress
    pub outcome: String,
    /// Staff should call back: a question the agent could not answer whose task is still open,
    /// or a missed inbound call with no answered call with that number after it.
    pub needs_callback: bool,
    /// The question the agent could not answer, if any.
    pub follow_up_question: Option<String>,
}

/// A task not done, due today or overdue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TodayTask {
    pub task: Option<Task>,
    pub customer_name: Option<String>,
    /// Due before today began.
    pub overdue: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TodayAppointment {
    pub appointment: Option<Appointment>,
    pub customer_name: Option<String>,
}

/// The staff's day, Israel time.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Today {
    /// The Israel calendar day, `YYYY-MM-DD`.
    pub date: String,
    /// Its instants `[from, to)`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Newest first (at most 200).
    pub calls: Vec<TodayCall>,
    pub calls_answered: i64,
    pub calls_missed: i64,
    pub calls_to_call_back: i64,
    /// Conversations waiting for a person, newest activity first (at most 100).
    pub waiting: Vec<InboxConversation>,
    /// Not done and due before the day ends, earliest first (at most 200).
    pub tasks: Vec<TodayTask>,
    /// Overlapping the day, by start; empty when the calendar is off.
    pub appointments: Vec<TodayAppointment>,
}

impl From<v1::Today> for Today {
    fn from(t: v1::Today) -> Self {
        Today {
            from: rfc3339(t.from.as_ref()),
            to: rfc3339(t.to.as_ref()),
            date: t.date,
            calls_answered: t.calls_answered,
            calls_missed: t.calls_missed,
            calls_to_call_back: t.calls_to_call_back,
            calls: t
                .calls
                .into_iter()
                .map(|c| TodayCall {
                    call: c.call.map(Into::into),
                    customer_name: non_empty(c.customer_name),
                    outcome: c.outcome,
                    needs_callback: c.needs_callback,
                    follow_up_question: non_empty(c.follow_up_question),
                })
                .collect(),
            waiting: t.waiting.into_iter().map(Into::into).collect(),
            tasks: t
                .tasks
                .into_iter()
                .map(|x| TodayTask {
                    task: x.task.map(Into::into),
                    customer_name: non_empty(x.customer_name),
                    overdue: x.overdue,
                })
                .collect(),
            appointments: t
                .appointments
                .into_iter()
                .map(|x| TodayAppointment {
                    appointment: x.appointment.map(Into::into),
                    customer_name: non_empty(x.customer_name),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_modes_round_trip_and_unknown_ones_name_the_field() {
        for mode in [None, Some(VoiceMode::Realtime), Some(VoiceMode::Record)] {
            assert_eq!(VoiceMode::from_proto(VoiceMode::to_proto(mode)), mode);
        }
        assert_eq!(
            serde_json::to_value(Business::from(v1::Business {
                voice_mode: v1::VoiceMode::Realtime.into(),
                agent_voice: "marin".into(),
                ..Default::default()
            }))
            .map(|b| (b["voice_mode"].clone(), b["agent_voice"].clone()))
            .unwrap(),
            (serde_json::json!("realtime"), serde_json::json!("marin"))
        );
        assert_eq!(
            serde_json::to_value(Business::from(v1::Business::default())).unwrap()["voice_mode"],
            serde_json::Value::Null
        );
        assert_eq!(
            VoiceMode::parse("voice_mode", &serde_json::json!("record")).unwrap(),
            VoiceMode::Record
        );
        for bad in [serde_json::json!("Realtime"), serde_json::json!(1)] {
            let e = VoiceMode::parse("voice_mode", &bad).unwrap_err();
            assert_eq!(
                (e.status.as_u16(), e.field.as_deref()),
                (422, Some("voice_mode")),
                "{bad}"
            );
        }
    }
}

/// The business's connection to the Tax Authority (allocation numbers).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaxAuthorityStatus {
    /// Whether this server is set up to reach the Authority (`TAX_AUTHORITY_CLIENT_ID`).
    pub configured: bool,
    /// production | sandbox; null when not configured.
    pub environment: Option<String>,
    pub connected: bool,
    pub connected_at: Option<String>,
    /// The user who connected it.
    pub connected_by: Option<String>,
    /// Documents awaiting their allocation number.
    pub awaiting: i64,
}

impl From<v1::TaxAuthorityStatus> for TaxAuthorityStatus {
    fn from(s: v1::TaxAuthorityStatus) -> Self {
        TaxAuthorityStatus {
            connected_at: rfc3339(s.connected_at.as_ref()),
            configured: s.configured,
            environment: non_empty(s.environment),
            connected: s.connected,
            connected_by: non_empty(s.connected_by),
            awaiting: s.awaiting,
        }
    }
}
