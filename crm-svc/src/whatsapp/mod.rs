//! WhatsApp: the messages of a business's conversations, the session of its linked number and
//! the lease that lets one replica at a time drive that session.

pub mod convert;
pub mod lease;
pub mod messages;
pub mod queries;
pub mod session;

pub use queries::WhatsAppMessage;
