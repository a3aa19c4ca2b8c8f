//! WhatsApp addresses (JIDs) → who the CRM talks to.
//!
//! `972501234567@s.whatsapp.net` (optionally with a device suffix, `972501234567:12@…`) is a
//! phone number and becomes E.164 `+972501234567`. `…@lid` is WhatsApp's privacy identity: it
//! carries no phone number, so it is kept as an alias until Baileys tells us the phone behind it.
//! Groups, broadcasts and newsletters are not customers.

use agentlocator_common::phone::normalize_il;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// A phone number in E.164 form.
    Phone(String),
    /// A `@lid` identity (the part before `@`), not (yet) linked to a phone number.
    Lid(String),
    /// A group, a broadcast list, a newsletter or anything else that is not one person.
    NotAPerson,
}

pub fn parse(jid: &str) -> Party {
    let jid = jid.trim();
    let Some((user, server)) = jid.rsplit_once('@') else {
        return Party::NotAPerson;
    };
    // `user:device` or `user_agent:device`: only the user part names the person.
    let user = user.split([':', '_']).next().unwrap_or_default();
    if user.is_empty() || !user.bytes().all(|b| b.is_ascii_digit()) {
        return Party::NotAPerson;
    }
    match server {
        "s.whatsapp.net" | "c.us" => match e164(user) {
            Some(phone) => Party::Phone(phone),
            None => Party::NotAPerson,
        },
        "lid" => Party::Lid(user.to_owned()),
        _ => Party::NotAPerson,
    }
}

/// International digits without `+` → E.164; Israeli numbers go through the same normaliser as
/// every other phone in the CRM so they match customers entered by hand.
fn e164(digits: &str) -> Option<String> {
    if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
        return None;
    }
    let international = format!("+{digits}");
    Some(normalize_il(&international).unwrap_or(international))
}

/// The JID to send to for an E.164 phone number.
pub fn for_phone(e164: &str) -> Option<String> {
    let digits = e164.strip_prefix('+')?;
    let valid = (8..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| format!("{digits}@s.whatsapp.net"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            parse("972501234567@s.whatsapp.net"),
            Party::Phone("+972501234567".into())
        );
        assert_eq!(
            parse("972501234567:12@s.whatsapp.net"),
            Party::Phone("+972501234567".into())
        );
        assert_eq!(
            parse("14155550123@s.whatsapp.net"),
            Party::Phone("+14155550123".into())
        );
        assert_eq!(
            parse("972501234567@c.us"),
            Party::Phone("+972501234567".into())
        );
    }

    #[test]
    fn lid_is_kept_as_an_alias() {
        assert_eq!(
            parse("123456789012345@lid"),
            Party::Lid("123456789012345".into())
        );
        assert_eq!(
            parse("123456789012345:3@lid"),
            Party::Lid("123456789012345".into())
        );
    }

    #[test]
    fn groups_broadcasts_and_garbage_are_not_people() {
        for jid in [
            "120363025246125486@g.us",
            "status@broadcast",
            "120363025246125486@newsletter",
            "",
            "@s.whatsapp.net",
            "abc@s.whatsapp.net",
            "0501234567@s.whatsapp.net",
            "12@s.whatsapp.net",
            "no-at-sign",
        ] {
            assert_eq!(parse(jid), Party::NotAPerson, "{jid}");
        }
    }

    #[test]
    fn sending_jid_for_a_phone() {
        assert_eq!(
            for_phone("+972501234567").as_deref(),
            Some("972501234567@s.whatsapp.net")
        );
        assert_eq!(for_phone("0501234567"), None);
        assert_eq!(for_phone("+97250abc"), None);
    }
}
