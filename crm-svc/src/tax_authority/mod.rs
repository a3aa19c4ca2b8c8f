//! Allocation numbers (מספר הקצאה) from the Tax Authority's Israel Invoices API, with the
//! business's own authorisation.
//!
//! **Connecting.** An owner or admin starts a connect ([`start_connect`]): a random `state` is
//! made, only its SHA-256 is stored, bound to the business and the user, for
//! [`STATE_TTL_MINUTES`]; the browser is sent to the Authority's authorize URL with it. The
//! Authority sends the browser back to the web app's callback page with `code` and `state`, and
//! the page hands both to [`complete_connect`] under the same user's sign-in: the state must be
//! that user's, of that business, unexpired, and is used up before the code is exchanged — a
//! link made by someone else, replayed or old is refused. The tokens are stored encrypted
//! ([`crypto`]) and refreshed before they expire ([`access`]); they are never logged.
//!
//! **Requesting.** Issuing a document that needs a number ([`crate::invoices::allocation`])
//! sets it `awaiting` and queues a request in the same transaction; [`worker`] asks the
//! Authority for it, once per request across replicas, with retries and backoff.

pub mod client;
pub mod config;
pub mod convert;
pub mod crypto;
pub mod queries;
pub mod worker;

use crate::{
    db::Db,
    enums::DocType,
    error::{Error, Result},
    ids::{BusinessId, UserId},
    invoices::{self, Invoice, documents::Parties},
    line_items, time,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, NaiveDateTime};
use client::{ApprovalItem, ApprovalRequest, Client, Failure, shekels};
use config::TaxAuthorityConfig;
use crypto::TokenCipher;
use queries::Connection;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a connect may take from the click to the callback.
pub const STATE_TTL_MINUTES: i64 = 10;
/// An access token is refreshed when less than this is left of it.
pub const REFRESH_MARGIN_SECONDS: i64 = 60;
/// The Authority's access tokens last 10 minutes when its answer does not say.
pub const DEFAULT_EXPIRES_IN: i64 = 600;

/// The Tax Authority as crm-svc talks to it: its client and the key of the stored tokens.
#[derive(Clone)]
pub struct TaxAuthority {
    client: Client,
    cipher: TokenCipher,
}

impl std::fmt::Debug for TaxAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaxAuthority")
            .field("config", self.config())
            .finish_non_exhaustive()
    }
}

impl TaxAuthority {
    pub fn new(config: TaxAuthorityConfig) -> Self {
        TaxAuthority {
            cipher: TokenCipher::new(&config.token_key),
            client: Client::new(config),
        }
    }

    pub fn config(&self) -> &TaxAuthorityConfig {
        self.client.config()
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// Where a business's connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Whether this server is set up to reach the Authority (`TAX_AUTHORITY_CLIENT_ID`).
    pub configured: bool,
    /// `production` or `sandbox` (empty when not configured).
    pub environment: &'static str,
    pub connected: bool,
    pub connected_at: Option<NaiveDateTime>,
    pub connected_by: Option<UserId>,
    /// Documents of the business waiting for their number.
    pub awaiting: i64,
}

fn configured(ta: Option<&TaxAuthority>) -> Result<&TaxAuthority> {
    ta.ok_or_else(|| {
        Error::Conflict(
            "the Tax Authority is not configured on this server (TAX_AUTHORITY_CLIENT_ID)".into(),
        )
    })
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The connection of `business_id`.
pub async fn status(
    db: &Db,
    ta: Option<&TaxAuthority>,
    business_id: &BusinessId,
) -> Result<Status> {
    let bid = business_id.clone();
    let (connection, awaiting) = db
        .run(move |conn| {
            if !crate::businesses::queries::exists(conn, &bid)? {
                return Err(Error::NotFound("business"));
            }
            Ok((
                queries::find_connection(conn, &bid)?,
                queries::count_awaiting(conn, &bid)?,
            ))
        })
        .await?;
    Ok(Status {
        configured: ta.is_some(),
        environment: ta.map_or("", |t| t.config().environment),
        connected: connection.is_some(),
        connected_at: connection.as_ref().map(|c| c.connected_at),
        connected_by: connection.map(|c| c.connected_by),
        awaiting,
    })
}

/// Starts connecting `business_id` for `user_id`: returns the Authority's authorize URL to send
/// the browser to.
pub async fn start_connect(
    db: &Db,
    ta: Option<&TaxAuthority>,
    business_id: &BusinessId,
    user_id: &UserId,
) -> Result<String> {
    let ta = configured(ta)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let state = URL_SAFE_NO_PAD.encode(bytes);
    let (bid, uid, hash) = (business_id.clone(), user_id.clone(), sha256_hex(&state));
    let now = time::now();
    db.transaction(move |conn| {
        if !crate::businesses::queries::exists(conn, &bid)? {
            return Err(Error::NotFound("business"));
        }
        queries::insert_state(
            conn,
            &hash,
            &bid,
            &uid,
            now + Duration::minutes(STATE_TTL_MINUTES),
            now,
        )
    })
    .await?;
    Ok(ta.client.authorize_url(&state))
}

/// Completes the connect `state` of `user_id` in `business_id` with the authorisation `code`
/// the Authority sent back: exchanges it, stores the tokens encrypted, and puts the business's
/// awaiting documents first in line.
pub async fn complete_connect(
    db: &Db,
    ta: Option<&TaxAuthority>,
    business_id: &BusinessId,
    user_id: &UserId,
    code: &str,
    state: &str,
) -> Result<Status> {
    let ta = configured(ta)?;
    let (code, state) = (code.trim(), state.trim());
    if code.is_empty() || code.len() > 2048 {
        return Err(Error::validation(
            "code",
            "the authorisation code is missing",
        ));
    }
    if state.is_empty() || state.len() > 256 {
        return Err(Error::validation("state", "the connect state is missing"));
    }
    let (bid, uid, hash) = (business_id.clone(), user_id.clone(), sha256_hex(state));
    let now = time::now();
    let taken = db
        .transaction(move |conn| queries::take_state(conn, &hash, &bid, &uid, now))
        .await?;
    if !taken {
        return Err(Error::validation(
            "state",
            "this connect is unknown, was already used, expired, or was started by another \
             user: connect again from the settings",
        ));
    }
    let tokens = match ta.client.exchange_code(code).await {
        Ok(t) => t,
        Err(Failure::Refused(reason)) => {
            return Err(Error::validation(
                "code",
                format!("the Tax Authority refused the authorisation: {reason}"),
            ));
        }
        Err(Failure::Transient(reason)) => return Err(Error::Upstream(reason)),
        Err(Failure::Unauthorized) => {
            return Err(Error::validation(
                "code",
                "the Tax Authority refused the application's credentials",
            ));
        }
    };
    let refresh = tokens
        .refresh_token
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::Upstream("the Tax Authority sent no refresh token".into()))?;
    let now = time::now();
    let row = Connection {
        business_id: business_id.clone(),
        access_token: ta.cipher.seal(business_id.as_str(), &tokens.access_token)?,
        refresh_token: ta.cipher.seal(business_id.as_str(), &refresh)?,
        access_expires_at: expiry(now, tokens.expires_in),
        connected_by: user_id.clone(),
        connected_at: now,
        updated_at: now,
        version: 1,
    };
    let bid = business_id.clone();
    db.transaction(move |conn| {
        queries::replace_connection(conn, &row)?;
        queries::wake_business(conn, &bid, now)
    })
    .await?;
    tracing::info!(business_id = %business_id, "connected to the Tax Authority");
    status(db, Some(ta), business_id).await
}

/// Forgets the connection of `business_id` (its documents then wait, "not connected").
pub async fn disconnect(
    db: &Db,
    ta: Option<&TaxAuthority>,
    business_id: &BusinessId,
) -> Result<Status> {
    let bid = business_id.clone();
    db.transaction(move |conn| queries::delete_connection(conn, &bid, None))
        .await?;
    status(db, ta, business_id).await
}

fn expiry(now: NaiveDateTime, expires_in: Option<i64>) -> NaiveDateTime {
    let seconds = expires_in
        .filter(|s| *s > 0)
        .unwrap_or(DEFAULT_EXPIRES_IN)
        .min(365 * 24 * 3600);
    now + Duration::seconds(seconds)
}

/// The access token stored for `business_id` now, as it is (after another replica refreshed).
async fn stored_access(db: &Db, ta: &TaxAuthority, business_id: &BusinessId) -> Result<Access> {
    let bid = business_id.clone();
    Ok(
        match db
            .run(move |conn| queries::find_connection(conn, &bid))
            .await?
        {
            Some(c) => Access::Token {
                token: ta.cipher.open(business_id.as_str(), &c.access_token)?,
                version: c.version,
            },
            None => Access::NotConnected,
        },
    )
}

/// An access token of a business, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Token { token: String, version: i64 },
    NotConnected,
}

/// A valid access token of `business_id`, refreshed first when it is about to expire.
/// An unreachable token endpoint is [`Error::Upstream`].
pub async fn access(db: &Db, ta: &TaxAuthority, business_id: &BusinessId) -> Result<Access> {
    let bid = business_id.clone();
    let Some(c) = db
        .run(move |conn| queries::find_connection(conn, &bid))
        .await?
    else {
        return Ok(Access::NotConnected);
    };
    if c.access_expires_at - Duration::seconds(REFRESH_MARGIN_SECONDS) > time::now() {
        return Ok(Access::Token {
            token: ta.cipher.open(business_id.as_str(), &c.access_token)?,
            version: c.version,
        });
    }
    refresh(db, ta, business_id, c.version).await
}

/// Refreshes the tokens of `business_id`, which were at `seen_version` when found expired (or
/// refused). When another replica refreshed in the meantime, its tokens are used. A refresh
/// token the Authority refuses ends the connection: [`Access::NotConnected`].
pub async fn refresh(
    db: &Db,
    ta: &TaxAuthority,
    business_id: &BusinessId,
    seen_version: i64,
) -> Result<Access> {
    let bid = business_id.clone();
    let Some(c) = db
        .run(move |conn| queries::find_connection(conn, &bid))
        .await?
    else {
        return Ok(Access::NotConnected);
    };
    if c.version != seen_version {
        return Ok(Access::Token {
            token: ta.cipher.open(business_id.as_str(), &c.access_token)?,
            version: c.version,
        });
    }
    let refresh_token = ta.cipher.open(business_id.as_str(), &c.refresh_token)?;
    match ta.client.refresh(&refresh_token).await {
        Ok(tokens) => {
            let now = time::now();
            let sealed_access = ta.cipher.seal(business_id.as_str(), &tokens.access_token)?;
            let sealed_refresh = match tokens.refresh_token.as_deref().filter(|t| !t.is_empty()) {
                Some(t) => ta.cipher.seal(business_id.as_str(), t)?,
                None => c.refresh_token.clone(),
            };
            let expires = expiry(now, tokens.expires_in);
            let bid = business_id.clone();
            let won = db
                .transaction(move |conn| {
                    queries::update_tokens(
                        conn,
                        &bid,
                        seen_version,
                        &sealed_access,
                        &sealed_refresh,
                        expires,
                        now,
                    )
                })
                .await?;
            if won {
                return Ok(Access::Token {
                    token: tokens.access_token,
                    version: seen_version + 1,
                });
            }
            // Another replica refreshed first: use what it stored.
            stored_access(db, ta, business_id).await
        }
        Err(Failure::Transient(reason)) => Err(Error::Upstream(reason)),
        Err(Failure::Refused(_) | Failure::Unauthorized) => {
            let bid = business_id.clone();
            let ended = db
                .transaction(move |conn| queries::delete_connection(conn, &bid, Some(seen_version)))
                .await?;
            if ended {
                tracing::warn!(
                    business_id = %business_id,
                    "the Tax Authority refused the refresh token: the business must connect again"
                );
                Ok(Access::NotConnected)
            } else {
                stored_access(db, ta, business_id).await
            }
        }
    }
}

/// The Authority's code of a document type (305 tax invoice, 320 invoice-receipt, 330 credit
/// note); `None` for a type that takes no allocation number.
pub fn invoice_type(doc_type: DocType) -> Option<i32> {
    match doc_type {
        DocType::TaxInvoice => Some(305),
        DocType::TaxInvoiceReceipt => Some(320),
        DocType::CreditNote => Some(330),
        DocType::Receipt => None,
    }
}

fn digits(text: &str) -> Option<i64> {
    let t = text.trim();
    (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
}

/// The approval request of the issued document `inv`; the reason (to store as a refusal) when
/// the document cannot be one.
pub fn approval_request(
    inv: &Invoice,
    software_number: Option<i64>,
) -> std::result::Result<ApprovalRequest, String> {
    let invoice_type = invoice_type(inv.doc_type)
        .ok_or_else(|| format!("a {} takes no allocation number", inv.doc_type))?;
    let parties = Parties::of_invoice(inv)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the document was not issued".to_owned())?;
    let vat_number = digits(&parties.seller.tax_id)
        .ok_or_else(|| crate::strings::ALLOCATION_NO_SELLER_TAX_ID.to_owned())?;
    let customer_vat_number = inv
        .customer_tax_id
        .as_deref()
        .and_then(digits)
        .ok_or_else(|| "the customer has no tax id".to_owned())?;
    let (Some(number), Some(issued_at)) = (inv.number, inv.issued_at) else {
        return Err("the document was not issued".to_owned());
    };
    let date = time::israel_date(issued_at).format("%Y-%m-%d").to_string();
    let rate_percent = f64::from(inv.vat_rate_bp) / 100.0;
    let items = invoices::items_of(inv)
        .map_err(|e| e.to_string())?
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let total = item.quantity.saturating_mul(item.unit_price_agorot);
            let vat = line_items::vat(total, inv.vat_rate_bp).unwrap_or(0);
            ApprovalItem {
                index: i as i64 + 1,
                catalog_id: String::new(),
                description: item.description,
                measure_unit_description: String::new(),
                quantity: item.quantity as f64,
                price_per_unit: shekels(item.unit_price_agorot),
                discount: 0.0,
                total_amount: shekels(total),
                vat_rate: rate_percent,
                vat_amount: shekels(vat),
            }
        })
        .collect();
    Ok(ApprovalRequest {
        invoice_id: inv.id.to_string(),
        invoice_type,
        vat_number,
        union_vat_number: 0,
        invoice_reference_number: number.to_string(),
        customer_vat_number,
        customer_name: parties.customer.name,
        invoice_date: date.clone(),
        invoice_issuance_date: date,
        branch_id: String::new(),
        accounting_software_number: software_number.unwrap_or(vat_number),
        client_software_key: String::new(),
        amount_before_discount: shekels(inv.subtotal_agorot),
        discount: 0.0,
        payment_amount: shekels(inv.subtotal_agorot),
        vat_amount: shekels(inv.vat_agorot),
        payment_amount_including_vat: shekels(inv.total_agorot),
        invoice_note: String::new(),
        action: 0,
        vehicle_license_number: 0,
        transition_location: 0,
        delivery_address: String::new(),
        additional_information: 0,
        items,
    })
}
