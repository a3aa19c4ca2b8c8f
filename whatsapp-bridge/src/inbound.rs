//! What a WhatsApp provider reports, in the bridge's own terms: the same values whether they came
//! from the Baileys sidecar or from the Cloud API, so the rest of the system never knows which
//! provider a business uses.

use crate::jid::Party;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Message(InboundMessage),
    Status(StatusUpdate),
    /// `@lid` identity → phone number, as Baileys learns it (`chats.phoneNumberShare`).
    LidPhone {
        lid: String,
        phone: String,
    },
    Connection(ConnectionUpdate),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    pub provider_message_id: String,
    /// The other party (the customer) of the chat.
    pub chat: Party,
    /// True for a message the business's own account sent (from the phone, or our echo).
    pub from_me: bool,
    pub push_name: Option<String>,
    pub text: String,
    /// Seconds since the epoch, as the provider stamped the message.
    pub timestamp: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Order of progress: a late `sent` must not overwrite `read`.
    pub fn rank(self) -> u8 {
        match self {
            DeliveryStatus::Pending => 0,
            DeliveryStatus::Sent => 1,
            DeliveryStatus::Delivered => 2,
            DeliveryStatus::Read => 3,
            DeliveryStatus::Failed => 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    pub provider_message_id: String,
    pub status: DeliveryStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionUpdate {
    /// connecting | qr | open | closed | logged_out
    pub state: String,
    pub reason: Option<String>,
    pub qr: Option<String>,
}
