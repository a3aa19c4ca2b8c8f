//! Conversions between the protobuf messages of whatsapp and the domain's types.

use crate::convert::ts;
use crate::pagination::Page;
use agentlocator_proto::v1 as pb;

impl From<crate::whatsapp::WhatsAppMessage> for pb::WhatsAppMessage {
    fn from(m: crate::whatsapp::WhatsAppMessage) -> Self {
        pb::WhatsAppMessage {
            id: m.id.into(),
            business_id: m.business_id.into(),
            customer_id: m.customer_id.map(Into::into).unwrap_or_default(),
            provider_message_id: m.provider_message_id,
            direction: m.direction,
            from_number: m.from_number,
            to_number: m.to_number,
            body: m.body,
            status: m.status,
            created_at: Some(ts(m.created_at)),
            updated_at: Some(ts(m.updated_at)),
        }
    }
}

impl From<Page<crate::whatsapp::WhatsAppMessage>> for pb::ListWhatsAppMessagesResponse {
    fn from(p: Page<crate::whatsapp::WhatsAppMessage>) -> Self {
        pb::ListWhatsAppMessagesResponse {
            page: p.page,
            limit: p.limit,
            total: p.total,
            items: p.items.into_iter().map(Into::into).collect(),
        }
    }
}
