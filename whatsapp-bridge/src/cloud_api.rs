//! The official WhatsApp Business Cloud API (`WA_PROVIDER=cloud`): the webhook verification
//! handshake, the `X-Hub-Signature-256` check every POST must pass, and its payloads mapped to
//! the same [`Inbound`] values the Baileys sidecar produces.
//!
//! Payload shape: Meta's "Webhooks — messages" reference (`object: whatsapp_business_account`,
//! `entry[].changes[].value.{metadata, contacts, messages, statuses}`).

use crate::{
    error::{Error, Result},
    inbound::{DeliveryStatus, Inbound, InboundMessage, StatusUpdate},
    jid::Party,
    strings,
};
use agentlocator_common::phone::normalize_il;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// Checks `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`.
pub fn verify_signature(app_secret: &str, body: &[u8], header: Option<&str>) -> Result<()> {
    let hex = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .ok_or(Error::BadSignature)?;
    let expected = decode_hex(hex).ok_or(Error::BadSignature)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).map_err(|_| Error::BadSignature)?;
    mac.update(body);
    mac.verify_slice(&expected).map_err(|_| Error::BadSignature)
}

/// The GET handshake: `hub.mode=subscribe` with our verify token → answer `hub.challenge`.
pub fn verify_subscription(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
    expected_token: &str,
) -> Result<String> {
    use subtle::ConstantTimeEq;
    let token_ok = token.is_some_and(|t| bool::from(t.as_bytes().ct_eq(expected_token.as_bytes())));
    match (mode, challenge) {
        (Some("subscribe"), Some(challenge)) if token_ok && !expected_token.is_empty() => {
            Ok(challenge.to_owned())
        }
        _ => Err(Error::VerificationRefused),
    }
}

/// One reported item with the business phone number (`metadata.phone_number_id`) it arrived on,
/// which is how the business is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub phone_number_id: String,
    pub inbound: Inbound,
}

pub fn parse(body: &[u8]) -> Result<Vec<Routed>> {
    let payload: Payload =
        serde_json::from_slice(body).map_err(|e| Error::BadPayload(e.to_string()))?;
    let mut out = Vec::new();
    for change in payload.entry.iter().flat_map(|e| &e.changes) {
        if change.field != "messages" {
            continue;
        }
        let value = &change.value;
        let phone_number_id = value.metadata.phone_number_id.clone();
        for m in &value.messages {
            let chat = party(&m.from);
            // Like the Baileys side: only a person's messages with content.
            let (Some(text), false) = (message_text(m), chat == Party::NotAPerson) else {
                continue;
            };
            let push_name = value
                .contacts
                .iter()
                .find(|c| c.wa_id == m.from)
                .and_then(|c| c.profile.as_ref())
                .map(|p| p.name.clone())
                .filter(|n| !n.trim().is_empty());
            out.push(Routed {
                phone_number_id: phone_number_id.clone(),
                inbound: Inbound::Message(InboundMessage {
                    provider_message_id: m.id.clone(),
                    chat,
                    from_me: false,
                    push_name,
                    text,
                    timestamp: m.timestamp.parse().ok(),
                }),
            });
        }
        for s in &value.statuses {
            let status = match s.status.as_str() {
                "sent" => DeliveryStatus::Sent,
                "delivered" => DeliveryStatus::Delivered,
                "read" => DeliveryStatus::Read,
                "failed" => DeliveryStatus::Failed,
                _ => continue,
            };
            out.push(Routed {
                phone_number_id: phone_number_id.clone(),
                inbound: Inbound::Status(StatusUpdate {
                    provider_message_id: s.id.clone(),
                    status,
                }),
            });
        }
    }
    Ok(out)
}

/// `wa_id` is the international number without `+`.
fn party(wa_id: &str) -> Party {
    let digits = wa_id.trim();
    if (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        let international = format!("+{digits}");
        Party::Phone(normalize_il(&international).unwrap_or(international))
    } else {
        Party::NotAPerson
    }
}

fn message_text(m: &CloudMessage) -> Option<String> {
    let caption = |media: &Option<Media>, placeholder: &str| {
        Some(match media.as_ref().and_then(|m| m.caption.as_deref()) {
            Some(c) if !c.trim().is_empty() => format!("{placeholder} {c}"),
            _ => placeholder.to_owned(),
        })
    };
    match m.kind.as_str() {
        "text" => m.text.as_ref().map(|t| t.body.clone()),
        "image" => caption(&m.image, strings::IMAGE),
        "video" => caption(&m.video, strings::VIDEO),
        "audio" | "voice" => Some(strings::AUDIO.to_owned()),
        "document" => caption(&m.document, strings::DOCUMENT),
        "sticker" => Some(strings::STICKER.to_owned()),
        "location" => Some(strings::LOCATION.to_owned()),
        "contacts" => Some(strings::CONTACT.to_owned()),
        "button" => m.button.as_ref().map(|b| b.text.clone()),
        "interactive" => m.interactive.as_ref().and_then(|i| {
            i.button_reply
                .as_ref()
                .or(i.list_reply.as_ref())
                .map(|r| r.title.clone())
        }),
        // A reaction is not something the customer said; system messages neither.
        "reaction" | "system" => None,
        _ => Some(strings::UNSUPPORTED.to_owned()),
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    field: String,
    value: Value,
}

#[derive(Deserialize)]
struct Value {
    metadata: Metadata,
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<CloudMessage>,
    #[serde(default)]
    statuses: Vec<Status>,
}

#[derive(Deserialize)]
struct Metadata {
    phone_number_id: String,
}

#[derive(Deserialize)]
struct Contact {
    wa_id: String,
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    name: String,
}

#[derive(Deserialize)]
struct CloudMessage {
    from: String,
    id: String,
    #[serde(default)]
    timestamp: String,
    #[serde(rename = "type")]
    kind: String,
    text: Option<Text>,
    image: Option<Media>,
    video: Option<Media>,
    document: Option<Media>,
    button: Option<Button>,
    interactive: Option<Interactive>,
}

#[derive(Deserialize)]
struct Text {
    body: String,
}

#[derive(Deserialize)]
struct Media {
    caption: Option<String>,
}

#[derive(Deserialize)]
struct Button {
    text: String,
}

#[derive(Deserialize)]
struct Interactive {
    button_reply: Option<Reply>,
    list_reply: Option<Reply>,
}

#[derive(Deserialize)]
struct Reply {
    title: String,
}

#[derive(Deserialize)]
struct Status {
    id: String,
    status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "text message" example of Meta's webhook reference, with a Hebrew body.
    const TEXT_PAYLOAD: &str = r#"{
      "object": "whatsapp_business_account",
      "entry": [{
        "id": "102290129340398",
        "changes": [{
          "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "שירה"}, "wa_id": "972501234567"}],
            "messages": [{
              "from": "972501234567",
              "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
              "timestamp": "1749416383",
              "type": "text",
              "text": {"body": "שלום, אפשר לקבוע תור למחר? 🙏"}
            }]
          },
          "field": "messages"
        }]
      }]
    }"#;

    const STATUS_PAYLOAD: &str = r#"{
      "object": "whatsapp_business_account",
      "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": [
          {"id": "wamid.OUT1", "status": "delivered", "timestamp": "1750263773", "recipient_id": "972501234567"},
          {"id": "wamid.OUT1", "status": "read", "timestamp": "1750263780", "recipient_id": "972501234567"}
        ]}}]}]
    }"#;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        format!(
            "sha256={}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    }

    #[test]
    fn signature_must_match_the_raw_body() {
        let body = TEXT_PAYLOAD.as_bytes();
        let header = sign("app-secret", body);
        assert!(verify_signature("app-secret", body, Some(&header)).is_ok());
        assert!(verify_signature("other-secret", body, Some(&header)).is_err());
        let mut tampered = body.to_vec();
        tampered[10] ^= 1;
        assert!(verify_signature("app-secret", &tampered, Some(&header)).is_err());
        assert!(verify_signature("app-secret", body, None).is_err());
        assert!(verify_signature("app-secret", body, Some("sha256=zz")).is_err());
        assert!(
            verify_signature(
                "app-secret",
                body,
                Some(&header.replace("sha256=", "sha1="))
            )
            .is_err()
        );
    }

    /// RFC 4231 test case 2 ("Jefe"), so the check is anchored to a published HMAC-SHA256 value.
    #[test]
    fn signature_against_a_published_hmac_sha256_vector() {
        let header = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert!(verify_signature("Jefe", b"what do ya want for nothing?", Some(header)).is_ok());
    }

    #[test]
    fn subscription_handshake() {
        assert_eq!(
            verify_subscription(Some("subscribe"), Some("tok"), Some("1158201444"), "tok").unwrap(),
            "1158201444"
        );
        assert!(verify_subscription(Some("subscribe"), Some("bad"), Some("1"), "tok").is_err());
        assert!(verify_subscription(Some("unsubscribe"), Some("tok"), Some("1"), "tok").is_err());
        assert!(verify_subscription(Some("subscribe"), Some(""), Some("1"), "").is_err());
    }

    #[test]
    fn text_message_maps_to_the_same_inbound_as_baileys() {
        let got = parse(TEXT_PAYLOAD.as_bytes()).unwrap();
        assert_eq!(
            got,
            vec![Routed {
                phone_number_id: "106540352242922".into(),
                inbound: Inbound::Message(InboundMessage {
                    provider_message_id:
                        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=".into(),
                    chat: Party::Phone("+972501234567".into()),
                    from_me: false,
                    push_name: Some("שירה".into()),
                    text: "שלום, אפשר לקבוע תור למחר? 🙏".into(),
                    timestamp: Some(1749416383),
                }),
            }]
        );
    }

    #[test]
    fn statuses_in_order() {
        let got: Vec<DeliveryStatus> = parse(STATUS_PAYLOAD.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| match r.inbound {
                Inbound::Status(s) => s.status,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(got, [DeliveryStatus::Delivered, DeliveryStatus::Read]);
    }

    #[test]
    fn senders_that_are_not_phone_numbers_are_skipped() {
        let body = TEXT_PAYLOAD.replace(r#""from": "972501234567""#, r#""from": "not-a-number""#);
        assert_eq!(parse(body.as_bytes()).unwrap(), vec![]);
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(parse(b"not json").is_err());
        assert!(parse(br#"{"entry":[{"changes":[{"field":"messages","value":{}}]}]}"#).is_err());
        assert_eq!(
            parse(br#"{"object":"whatsapp_business_account"}"#).unwrap(),
            vec![]
        );
    }
}
