//! Hebrew text the bridge stores in place of message content it cannot show as text.

pub const IMAGE: &str = "[תמונה]";
pub const VIDEO: &str = "[סרטון]";
pub const AUDIO: &str = "[הודעה קולית]";
pub const DOCUMENT: &str = "[מסמך]";
pub const STICKER: &str = "[מדבקה]";
pub const LOCATION: &str = "[מיקום]";
pub const CONTACT: &str = "[איש קשר]";
pub const UNSUPPORTED: &str = "[הודעה מסוג שאינו נתמך]";
