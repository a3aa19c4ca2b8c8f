//! Conversions between the protobuf messages of businesses and the domain's types.

use crate::convert::required;
use crate::{
    businesses::Business,
    businesses::queries::KnowledgeEntry,
    businesses::{BusinessLookup, BusinessPatch, FeaturePatch},
    enums::VoiceMode,
    error::{Error, Result},
    ids::BusinessId,
    time,
};
use agentlocator_proto::{to_timestamp, v1 as pb};

impl TryFrom<pb::GetBusinessRequest> for BusinessLookup {
    type Error = Error;

    fn try_from(r: pb::GetBusinessRequest) -> Result<Self> {
        use pb::get_business_request::By;
        match r.by {
            Some(By::Id(id)) => Ok(BusinessLookup::Id(required("id", id)?)),
            Some(By::Slug(slug)) => Ok(BusinessLookup::Slug(required("slug", slug)?)),
            Some(By::PhoneNumber(n)) => {
                Ok(BusinessLookup::PhoneNumber(required("phone_number", n)?))
            }
            None => Err(Error::validation(
                "by",
                "give an id, a slug or a phone_number",
            )),
        }
    }
}

/// An `UpdateBusiness` request as domain arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateBusiness {
    pub id: BusinessId,
    pub patch: BusinessPatch,
}

impl From<VoiceMode> for pb::VoiceMode {
    fn from(m: VoiceMode) -> Self {
        match m {
            VoiceMode::Automatic => pb::VoiceMode::Unspecified,
            VoiceMode::Realtime => pb::VoiceMode::Realtime,
            VoiceMode::Record => pb::VoiceMode::Record,
        }
    }
}

impl From<pb::VoiceMode> for VoiceMode {
    fn from(m: pb::VoiceMode) -> Self {
        match m {
            pb::VoiceMode::Unspecified => VoiceMode::Automatic,
            pb::VoiceMode::Realtime => VoiceMode::Realtime,
            pb::VoiceMode::Record => VoiceMode::Record,
        }
    }
}

/// A `VoiceMode` request value: a number proto does not know is a validation error.
pub(crate) fn voice_mode(value: i32) -> Result<VoiceMode> {
    pb::VoiceMode::try_from(value)
        .map(VoiceMode::from)
        .map_err(|_| Error::validation("voice_mode", format!("unknown voice mode {value}")))
}

impl TryFrom<pb::UpdateBusinessRequest> for UpdateBusiness {
    type Error = Error;

    fn try_from(r: pb::UpdateBusinessRequest) -> Result<Self> {
        let f = r.features.unwrap_or_default();
        Ok(UpdateBusiness {
            id: required("id", r.id)?,
            patch: BusinessPatch {
                name: r.name,
                greeting_text: r.greeting_text,
                vat_rate_bp: r.vat_rate_bp,
                knowledge: r.set_knowledge.then(|| {
                    r.knowledge
                        .into_iter()
                        .map(|k| KnowledgeEntry {
                            q: k.question,
                            a: k.answer,
                        })
                        .collect()
                }),
                twilio_numbers: r.set_twilio_numbers.then_some(r.twilio_numbers),
                voice_mode: r.voice_mode.map(voice_mode).transpose()?,
                agent_voice: r.agent_voice,
                legal: crate::invoices::convert::legal_patch(
                    r.legal_name,
                    r.tax_id,
                    r.address,
                    r.vat_status,
                )?,
                features: FeaturePatch {
                    crm: f.crm_enabled,
                    whatsapp: f.whatsapp_enabled,
                    signature: f.signature_enabled,
                    invoices: f.invoices_enabled,
                    contracts: f.contracts_enabled,
                    voice: f.voice_enabled,
                    proposals: f.proposals_enabled,
                    calendar: f.calendar_enabled,
                    reports: f.reports_enabled,
                },
            },
        })
    }
}

impl TryFrom<Business> for pb::Business {
    type Error = Error;

    /// Fails only when the stored `twilio_numbers` is not a JSON list of strings.
    fn try_from(b: Business) -> Result<Self> {
        Ok(pb::Business {
            twilio_numbers: b.twilio_number_list()?,
            knowledge: b
                .knowledge()?
                .into_iter()
                .map(|k| pb::KnowledgeEntry {
                    question: k.q,
                    answer: k.a,
                })
                .collect(),
            features: Some(pb::FeatureFlags {
                crm_enabled: b.crm_enabled,
                whatsapp_enabled: b.whatsapp_enabled,
                signature_enabled: b.signature_enabled,
                invoices_enabled: b.invoices_enabled,
                contracts_enabled: b.contracts_enabled,
                voice_enabled: b.voice_enabled,
                proposals_enabled: b.proposals_enabled,
                calendar_enabled: b.calendar_enabled,
                reports_enabled: b.reports_enabled,
            }),
            created_at: Some(to_timestamp(time::to_utc(b.created_at))),
            id: b.id.into(),
            name: b.name,
            slug: b.slug,
            greeting_text: b.greeting_text,
            vat_rate_bp: b.vat_rate_bp,
            legal_name: b.legal_name,
            tax_id: b.tax_id,
            address: b.address,
            vat_status: b.vat_status.to_string(),
            voice_mode: pb::VoiceMode::from(b.voice_mode).into(),
            agent_voice: b.agent_voice,
            // Not a column of the business: `GetBusiness` fills it in.
            hours_json: String::new(),
        })
    }
}
