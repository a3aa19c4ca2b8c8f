//! The Tax Authority's wire format ("Israel Invoices", שע"מ OpenAPI):
//!
//! - OAuth2 authorization code: the owner is sent to `{oauth}/longtimetoken/oauth2/authorize`
//!   (`response_type=code`, `client_id`, `redirect_uri`, `scope=scope`, `state`) and comes back to
//!   the redirect URI with `code` and `state`; `POST {oauth}/longtimetoken/oauth2/token` (client
//!   credentials by HTTP Basic, form body) exchanges the code (`grant_type=authorization_code`)
//!   and later the refresh token (`grant_type=refresh_token`) for
//!   `{access_token, refresh_token, expires_in}`. Access tokens last minutes, refresh tokens
//!   about a month.
//! - `POST {api}/Invoices/v1/Approval` with `Authorization: Bearer` and the invoice as JSON
//!   ([`ApprovalRequest`]). HTTP 200 with `Confirmation_Number` the allocation number; a refusal
//!   is also HTTP 200, with `Confirmation_Number` 0 and `Message` a list of
//!   `{errors: [{code, message, param}]}`. 401 is an expired or revoked token.

use super::config::TaxAuthorityConfig;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a call to the Authority came to, when it is not an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 401: the access token expired or was revoked.
    Unauthorized,
    /// The Authority said no to this request for good (an invalid grant, a refused invoice):
    /// its reason.
    Refused(String),
    /// Unreachable, a timeout, 429 or 5xx: worth another try later.
    Transient(String),
}

/// Tokens from the token endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    /// Absent on some refresh answers: the old refresh token stays valid then.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Seconds; the Authority's access tokens last 10 minutes when it says nothing.
    #[serde(default)]
    pub expires_in: Option<i64>,
}

/// One line of an approval request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalItem {
    #[serde(rename = "Index")]
    pub index: i64,
    #[serde(rename = "Catalog_ID")]
    pub catalog_id: String,
    #[serde(rename = "Description")]
    pub description: String,
    #[serde(rename = "Measure_Unit_Description")]
    pub measure_unit_description: String,
    #[serde(rename = "Quantity")]
    pub quantity: f64,
    #[serde(rename = "Price_Per_Unit")]
    pub price_per_unit: f64,
    #[serde(rename = "Discount")]
    pub discount: f64,
    #[serde(rename = "Total_Amount")]
    pub total_amount: f64,
    /// Percent, e.g. 18.
    #[serde(rename = "VAT_Rate")]
    pub vat_rate: f64,
    #[serde(rename = "VAT_Amount")]
    pub vat_amount: f64,
}

/// The body of `POST /Invoices/v1/Approval` (amounts in shekels with two decimals).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalRequest {
    #[serde(rename = "Invoice_ID")]
    pub invoice_id: String,
    /// 305 tax invoice, 320 tax invoice-receipt, 330 credit note.
    #[serde(rename = "Invoice_Type")]
    pub invoice_type: i32,
    #[serde(rename = "Vat_Number")]
    pub vat_number: i64,
    #[serde(rename = "Union_Vat_Number")]
    pub union_vat_number: i64,
    #[serde(rename = "Invoice_Reference_Number")]
    pub invoice_reference_number: String,
    #[serde(rename = "Customer_VAT_Number")]
    pub customer_vat_number: i64,
    #[serde(rename = "Customer_Name")]
    pub customer_name: String,
    /// `YYYY-MM-DD`.
    #[serde(rename = "Invoice_Date")]
    pub invoice_date: String,
    #[serde(rename = "Invoice_Issuance_Date")]
    pub invoice_issuance_date: String,
    #[serde(rename = "Branch_ID")]
    pub branch_id: String,
    #[serde(rename = "Accounting_Software_Number")]
    pub accounting_software_number: i64,
    #[serde(rename = "Client_Software_Key")]
    pub client_software_key: String,
    #[serde(rename = "Amount_Before_Discount")]
    pub amount_before_discount: f64,
    #[serde(rename = "Discount")]
    pub discount: f64,
    #[serde(rename = "Payment_Amount")]
    pub payment_amount: f64,
    #[serde(rename = "VAT_Amount")]
    pub vat_amount: f64,
    #[serde(rename = "Payment_Amount_Including_VAT")]
    pub payment_amount_including_vat: f64,
    #[serde(rename = "Invoice_Note")]
    pub invoice_note: String,
    /// 0: a new invoice.
    #[serde(rename = "Action")]
    pub action: i32,
    #[serde(rename = "Vehicle_License_Number")]
    pub vehicle_license_number: i64,
    #[serde(rename = "Transition_Location")]
    pub transition_location: i64,
    #[serde(rename = "Delivery_Address")]
    pub delivery_address: String,
    #[serde(rename = "Additional_Information")]
    pub additional_information: i64,
    #[serde(rename = "Items")]
    pub items: Vec<ApprovalItem>,
}

/// Agorot as shekels for the JSON body. Exact for every amount below 2^53 agorot: the quotient
/// is the double nearest the two-decimal value, which serialises as that value.
pub fn shekels(agorot: i64) -> f64 {
    agorot as f64 / 100.0
}

#[derive(Debug, Deserialize)]
struct ApprovalResponse {
    #[serde(rename = "Confirmation_Number", alias = "Confirmation_number", default)]
    confirmation_number: Option<serde_json::Value>,
    #[serde(rename = "Message", default)]
    message: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ErrorGroup {
    #[serde(default)]
    errors: Vec<ErrorEntry>,
}

#[derive(Debug, Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    param: Option<String>,
}

/// The refusal of an approval answer as one line: `432 Customer VAT Number is incorrect
/// (Customer_VAT_Number); 434 …`.
fn refusal_reason(message: Option<&serde_json::Value>) -> String {
    let Some(message) = message else {
        return "refused without a reason".to_owned();
    };
    if let Some(text) = message.as_str() {
        return text.to_owned();
    }
    let groups: Vec<ErrorGroup> = serde_json::from_value(message.clone()).unwrap_or_default();
    let parts: Vec<String> = groups
        .into_iter()
        .flat_map(|g| g.errors)
        .map(|e| {
            let code = match e.code {
                Some(serde_json::Value::String(s)) => s,
                Some(v) => v.to_string(),
                None => String::new(),
            };
            let mut line = format!("{code} {}", e.message.unwrap_or_default());
            if let Some(p) = e.param.filter(|p| !p.is_empty()) {
                line.push_str(&format!(" ({p})"));
            }
            line.trim().to_owned()
        })
        .collect();
    if parts.is_empty() {
        message.to_string()
    } else {
        parts.join("; ")
    }
}

/// The allocation number of an approval answer, or the refusal.
fn approval_outcome(body: &str) -> Result<String, Failure> {
    let r: ApprovalResponse = serde_json::from_str(body)
        .map_err(|e| Failure::Transient(format!("an unreadable approval answer: {e}")))?;
    let number = match &r.confirmation_number {
        Some(serde_json::Value::String(s)) => s.trim().to_owned(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if number.is_empty() || number.bytes().all(|b| b == b'0') {
        return Err(Failure::Refused(refusal_reason(r.message.as_ref())));
    }
    Ok(number)
}

/// At most this much of an error body is kept in a reason.
const MAX_BODY_IN_REASON: usize = 300;

fn short(body: &str) -> String {
    body.chars().take(MAX_BODY_IN_REASON).collect()
}

/// The HTTP client of the Authority's endpoints.
#[derive(Clone)]
pub struct Client {
    config: TaxAuthorityConfig,
    http: reqwest::Client,
}

impl Client {
    pub fn new(config: TaxAuthorityConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client with rustls");
        Client { config, http }
    }

    pub fn config(&self) -> &TaxAuthorityConfig {
        &self.config
    }

    /// Where the owner is sent to authorise the business, carrying `state`.
    pub fn authorize_url(&self, state: &str) -> String {
        let base = format!("{}/longtimetoken/oauth2/authorize", self.config.oauth_url);
        reqwest::Url::parse_with_params(
            &base,
            [
                ("response_type", "code"),
                ("client_id", self.config.client_id.as_str()),
                ("redirect_uri", self.config.redirect_uri.as_str()),
                ("scope", "scope"),
                ("state", state),
            ],
        )
        .map(String::from)
        .unwrap_or(base)
    }

    async fn token(&self, form: &[(&str, &str)]) -> Result<Tokens, Failure> {
        let url = format!("{}/longtimetoken/oauth2/token", self.config.oauth_url);
        let response = self
            .http
            .post(url)
            .basic_auth(
                &self.config.client_id,
                Some(self.config.client_secret.expose()),
            )
            .form(form)
            .send()
            .await
            .map_err(|e| Failure::Transient(format!("the token endpoint is unreachable: {e}")))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if status.is_success() {
            return serde_json::from_str(&body)
                .map_err(|e| Failure::Transient(format!("an unreadable token answer: {e}")));
        }
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(Failure::Transient(format!(
                "the token endpoint answered {status}"
            )));
        }
        // invalid_grant, invalid_client …: the OAuth2 error, never the secrets sent.
        Err(Failure::Refused(format!(
            "the token endpoint answered {status}: {}",
            short(&body)
        )))
    }

    /// Exchanges the authorisation code the owner came back with.
    pub async fn exchange_code(&self, code: &str) -> Result<Tokens, Failure> {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("scope", "scope"),
        ])
        .await
    }

    /// A new access token for `refresh_token`.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, Failure> {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("scope", "scope"),
        ])
        .await
    }

    /// Asks for the allocation number of `request`.
    pub async fn approve(
        &self,
        access_token: &str,
        request: &ApprovalRequest,
    ) -> Result<String, Failure> {
        let url = format!("{}/Invoices/v1/Approval", self.config.api_url);
        let response = self
            .http
            .post(url)
            .bearer_auth(access_token)
            .json(request)
            .send()
            .await
            .map_err(|e| Failure::Transient(format!("the invoices API is unreachable: {e}")))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        match status.as_u16() {
            200..=299 => approval_outcome(&body),
            401 => Err(Failure::Unauthorized),
            429 | 500..=599 => Err(Failure::Transient(format!(
                "the invoices API answered {status}"
            ))),
            _ => Err(Failure::Refused(format!(
                "the invoices API answered {status}: {}",
                short(&body)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_answers_give_the_number_or_the_refusal() {
        assert_eq!(
            approval_outcome(
                r#"{"Status":200,"Message":"Invoice approved","Confirmation_Number":"2023062805428380179010998"}"#
            ),
            Ok("2023062805428380179010998".to_owned())
        );
        assert_eq!(
            approval_outcome(
                r#"{"Status":200,"Message":"Invoice approved","Confirmation_number":"77"}"#
            ),
            Ok("77".to_owned())
        );
        let refused = r#"{"Status":200,"Message":[{"errors":[{"code":432,"message":"Customer VAT Number is incorrect","param":"Customer_VAT_Number","location":"validation"}]},{"errors":[{"code":434,"message":"Invoice date is more than two weeks old","param":"Invoice_Date"}]}],"Confirmation_Number":0}"#;
        assert_eq!(
            approval_outcome(refused),
            Err(Failure::Refused(
                "432 Customer VAT Number is incorrect (Customer_VAT_Number); 434 Invoice date is \
                 more than two weeks old (Invoice_Date)"
                    .to_owned()
            ))
        );
        assert!(matches!(
            approval_outcome("<html>"),
            Err(Failure::Transient(_))
        ));
    }

    #[test]
    fn amounts_are_two_decimal_shekels() {
        assert_eq!(serde_json::to_string(&shekels(500_001)).unwrap(), "5000.01");
        assert_eq!(serde_json::to_string(&shekels(7)).unwrap(), "0.07");
        assert_eq!(serde_json::to_string(&shekels(-1_999)).unwrap(), "-19.99");
        assert_eq!(
            serde_json::to_string(&shekels(123_456_789_012)).unwrap(),
            "1234567890.12"
        );
    }
}
