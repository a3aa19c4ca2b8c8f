use crate::{
    db::DbConn,
    enums::{VatStatus, VoiceMode},
    error::Result,
    ids::BusinessId,
    schema::businesses,
    time,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// A tenant: one small business with its own customers, numbers and feature switches.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = businesses)]
pub struct Business {
    pub id: BusinessId,
    pub name: String,
    pub slug: String,
    /// What callers hear first.
    pub greeting_text: String,
    /// JSON `[{"q": "…", "a": "…"}]`: the business's own answers, used by the `knowledge` replies.
    #[serde(serialize_with = "crate::text::json_text")]
    pub knowledge_qa: String,
    /// JSON `["+972…"]`: the Twilio numbers that ring this business.
    #[serde(serialize_with = "crate::text::json_text")]
    pub twilio_numbers: String,
    /// VAT in basis points (1800 = 18%).
    pub vat_rate_bp: i32,
    pub crm_enabled: bool,
    pub whatsapp_enabled: bool,
    pub signature_enabled: bool,
    pub invoices_enabled: bool,
    pub contracts_enabled: bool,
    pub voice_enabled: bool,
    pub proposals_enabled: bool,
    pub calendar_enabled: bool,
    pub reports_enabled: bool,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "time::serde_rfc3339")]
    pub updated_at: NaiveDateTime,
    /// How calls run (realtime, record, or automatic: voice-svc decides).
    pub voice_mode: VoiceMode,
    /// The voice the agent speaks with, e.g. `alloy` or `he-IL-Chirp3-HD-Achird`; empty is the
    /// engine's default.
    pub agent_voice: String,
    /// The registered name printed on documents (empty: the display name is used).
    pub legal_name: String,
    /// ע.מ / ח.פ: nine digits with a valid check digit, or empty while not set.
    pub tax_id: String,
    /// The address printed on documents.
    pub address: String,
    /// עוסק מורשה or עוסק פטור (an exempt dealer's documents carry no VAT).
    pub vat_status: VatStatus,
}

/// Israeli VAT since 2025-01-01, in basis points.
pub const DEFAULT_VAT_RATE_BP: i32 = 1800;

impl Business {
    /// A new business with the defaults of the migrations: every feature on (a small business
    /// should meet the whole product and switch off what it does not use), VAT 18%, no numbers.
    pub fn new(name: impl Into<String>, slug: impl Into<String>) -> Self {
        let now = time::now();
        Business {
            id: BusinessId::generate(),
            name: name.into(),
            slug: slug.into(),
            greeting_text: String::new(),
            knowledge_qa: "[]".into(),
            twilio_numbers: "[]".into(),
            vat_rate_bp: DEFAULT_VAT_RATE_BP,
            crm_enabled: true,
            whatsapp_enabled: true,
            signature_enabled: true,
            invoices_enabled: true,
            contracts_enabled: true,
            voice_enabled: true,
            proposals_enabled: true,
            calendar_enabled: true,
            reports_enabled: true,
            created_at: now,
            updated_at: now,
            voice_mode: VoiceMode::Automatic,
            agent_voice: String::new(),
            legal_name: String::new(),
            tax_id: String::new(),
            address: String::new(),
            vat_status: VatStatus::Licensed,
        }
    }
}

pub fn insert(conn: &mut DbConn, business: &Business) -> Result<()> {
    diesel::insert_into(businesses::table)
        .values(business)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &BusinessId) -> Result<Option<Business>> {
    Ok(businesses::table
        .find(id)
        .select(Business::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> Result<Option<Business>> {
    Ok(businesses::table
        .filter(businesses::slug.eq(slug))
        .select(Business::as_select())
        .first(conn)
        .optional()?)
}

pub fn exists(conn: &mut DbConn, id: &BusinessId) -> Result<bool> {
    let n: i64 = businesses::table
        .filter(businesses::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

impl Business {
    /// The Twilio numbers (E.164) in [`Business::twilio_numbers`].
    pub fn twilio_number_list(&self) -> Result<Vec<String>> {
        serde_json::from_str(&self.twilio_numbers).map_err(|e| {
            crate::error::Error::Internal(format!(
                "business {} has malformed twilio_numbers: {e}",
                self.id
            ))
        })
    }
}

/// The business one of whose Twilio numbers is `e164`.
pub fn find_by_twilio_number(conn: &mut DbConn, e164: &str) -> Result<Option<Business>> {
    // The JSON text narrows the candidates; the parsed list decides.
    let needle = crate::text::contains_pattern(&format!("\"{e164}\""));
    let candidates: Vec<Business> = businesses::table
        .filter(businesses::twilio_numbers.like(needle).escape('\\'))
        .select(Business::as_select())
        .load(conn)?;
    for b in candidates {
        if b.twilio_number_list()?.iter().any(|n| n == e164) {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// Writes the settings columns of `business` (everything but id, slug and created_at).
pub fn save(conn: &mut DbConn, business: &Business) -> Result<usize> {
    Ok(diesel::update(businesses::table.find(&business.id))
        .set((
            businesses::name.eq(&business.name),
            businesses::greeting_text.eq(&business.greeting_text),
            businesses::knowledge_qa.eq(&business.knowledge_qa),
            businesses::twilio_numbers.eq(&business.twilio_numbers),
            businesses::vat_rate_bp.eq(business.vat_rate_bp),
            businesses::crm_enabled.eq(business.crm_enabled),
            businesses::whatsapp_enabled.eq(business.whatsapp_enabled),
            businesses::signature_enabled.eq(business.signature_enabled),
            businesses::invoices_enabled.eq(business.invoices_enabled),
            businesses::contracts_enabled.eq(business.contracts_enabled),
            businesses::voice_enabled.eq(business.voice_enabled),
            businesses::proposals_enabled.eq(business.proposals_enabled),
            businesses::calendar_enabled.eq(business.calendar_enabled),
            businesses::reports_enabled.eq(business.reports_enabled),
            businesses::voice_mode.eq(business.voice_mode),
            businesses::agent_voice.eq(&business.agent_voice),
            businesses::legal_name.eq(&business.legal_name),
            businesses::tax_id.eq(&business.tax_id),
            businesses::address.eq(&business.address),
            businesses::vat_status.eq(business.vat_status),
            businesses::updated_at.eq(business.updated_at),
        ))
        .execute(conn)?)
}

/// One entry of a business's knowledge Q&A (what the voice agent may answer from).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KnowledgeEntry {
    pub q: String,
    pub a: String,
}

impl Business {
    /// The parsed [`Business::knowledge_qa`].
    pub fn knowledge(&self) -> Result<Vec<KnowledgeEntry>> {
        serde_json::from_str(&self.knowledge_qa).map_err(|e| {
            crate::error::Error::Internal(format!(
                "business {} has malformed knowledge_qa: {e}",
                self.id
            ))
        })
    }
}
