//! Events the Baileys sidecar forwards (`POST /webhook/whatsapp_incoming`), read from the shapes
//! Baileys emits (`messages.upsert`, `messages.update`, `message-receipt.update`,
//! `chats.phoneNumberShare`) plus the sidecar's own `connection.update`.
//!
//! Binary fields arrive as `{"type":"Buffer","data":"<base64>"}` and protobuf Longs as numbers
//! (the sidecar's wire form); nothing here needs either.

use crate::{
    error::{Error, Result},
    inbound::{ConnectionUpdate, DeliveryStatus, Inbound, InboundMessage, StatusUpdate},
    jid::{self, Party},
    strings,
};
use serde::Deserialize;
use serde_json::Value;

/// What the sidecar posts: one Baileys event of one business.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    /// Unique per event (a retried delivery repeats it).
    pub id: String,
    pub business_id: String,
    pub event: String,
    #[serde(default)]
    pub data: Value,
}

/// The CRM-relevant content of one sidecar event; events the CRM does not act on give nothing.
pub fn parse(envelope: &Envelope) -> Result<Vec<Inbound>> {
    let data = &envelope.data;
    Ok(match envelope.event.as_str() {
        "messages.upsert" => {
            let messages = data
                .get("messages")
                .and_then(Value::as_array)
                .ok_or_else(|| Error::BadPayload("messages.upsert without messages".into()))?;
            messages.iter().filter_map(message).collect()
        }
        "messages.update" => as_array(data, "messages.update")?
            .iter()
            .filter_map(|u| {
                let id = key_id(u.get("key")?)?;
                let status = baileys_status(u.get("update")?.get("status")?.as_i64()?)?;
                Some(Inbound::Status(StatusUpdate {
                    provider_message_id: id,
                    status,
                }))
            })
            .collect(),
        "message-receipt.update" => as_array(data, "message-receipt.update")?
            .iter()
            .filter_map(|u| {
                let id = key_id(u.get("key")?)?;
                let receipt = u.get("receipt")?;
                let status = if receipt.get("readTimestamp").is_some_and(is_set) {
                    DeliveryStatus::Read
                } else if receipt.get("receiptTimestamp").is_some_and(is_set) {
                    DeliveryStatus::Delivered
                } else {
                    return None;
                };
                Some(Inbound::Status(StatusUpdate {
                    provider_message_id: id,
                    status,
                }))
            })
            .collect(),
        "chats.phoneNumberShare" => {
            let lid = data.get("lid").and_then(Value::as_str).map(jid::parse);
            let phone = data.get("jid").and_then(Value::as_str).map(jid::parse);
            match (lid, phone) {
                (Some(Party::Lid(lid)), Some(Party::Phone(phone))) => {
                    vec![Inbound::LidPhone { lid, phone }]
                }
                _ => Vec::new(),
            }
        }
        "connection.update" => {
            let state = data
                .get("state")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::BadPayload("connection.update without state".into()))?;
            let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
            vec![Inbound::Connection(ConnectionUpdate {
                state: state.to_owned(),
                reason: text("reason"),
                qr: text("qr"),
            })]
        }
        _ => Vec::new(),
    })
}

fn as_array<'a>(data: &'a Value, event: &str) -> Result<&'a Vec<Value>> {
    data.as_array()
        .ok_or_else(|| Error::BadPayload(format!("{event} is not a list")))
}

fn is_set(v: &Value) -> bool {
    !v.is_null() && v.as_i64() != Some(0)
}

fn key_id(key: &Value) -> Option<String> {
    let id = key.get("id")?.as_str()?.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// `proto.WebMessageInfo.Status`: ERROR 0, PENDING 1, SERVER_ACK 2, DELIVERY_ACK 3, READ 4, PLAYED 5.
fn baileys_status(code: i64) -> Option<DeliveryStatus> {
    Some(match code {
        0 => DeliveryStatus::Failed,
        1 => DeliveryStatus::Pending,
        2 => DeliveryStatus::Sent,
        3 => DeliveryStatus::Delivered,
        4 | 5 => DeliveryStatus::Read,
        _ => return None,
    })
}

/// One `WAMessage` of an upsert; None for what is not a person's message with content (protocol
/// messages, reactions, key distribution, stubs, group chats).
fn message(m: &Value) -> Option<Inbound> {
    let key = m.get("key")?;
    let id = key_id(key)?;
    let chat = jid::parse(key.get("remoteJid")?.as_str()?);
    if chat == Party::NotAPerson {
        return None;
    }
    let text = content_text(m.get("message")?)?;
    Some(Inbound::Message(InboundMessage {
        provider_message_id: id,
        chat,
        from_me: key.get("fromMe").and_then(Value::as_bool).unwrap_or(false),
        push_name: m
            .get("pushName")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        text,
        timestamp: m.get("messageTimestamp").and_then(|t| {
            t.as_i64()
                .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
        }),
    }))
}

/// The text a person would read in `proto.IMessage`, unwrapping the wrappers Baileys delivers
/// (ephemeral, view-once, document-with-caption).
fn content_text(msg: &Value) -> Option<String> {
    for wrapper in [
        "ephemeralMessage",
        "viewOnceMessage",
        "viewOnceMessageV2",
        "viewOnceMessageV2Extension",
        "documentWithCaptionMessage",
    ] {
        if let Some(inner) = msg.get(wrapper).and_then(|w| w.get("message")) {
            return content_text(inner);
        }
    }
    let str_at = |path: &[&str]| {
        let mut v = msg;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str()
            .map(str::to_owned)
            .filter(|s| !s.trim().is_empty())
    };
    if let Some(text) =
        str_at(&["conversation"]).or_else(|| str_at(&["extendedTextMessage", "text"]))
    {
        return Some(text);
    }
    let media = [
        ("imageMessage", strings::IMAGE),
        ("videoMessage", strings::VIDEO),
        ("audioMessage", strings::AUDIO),
        ("documentMessage", strings::DOCUMENT),
        ("stickerMessage", strings::STICKER),
        ("locationMessage", strings::LOCATION),
        ("liveLocationMessage", strings::LOCATION),
        ("contactMessage", strings::CONTACT),
        ("contactsArrayMessage", strings::CONTACT),
    ];
    for (field, placeholder) in media {
        if msg.get(field).is_some() {
            let caption = str_at(&[field, "caption"]);
            return Some(match caption {
                Some(c) => format!("{placeholder} {c}"),
                None => placeholder.to_owned(),
            });
        }
    }
    // Protocol messages (deletes, edits, history sync), reactions and key distribution are not
    // something a customer said.
    const NOT_CONTENT: [&str; 5] = [
        "protocolMessage",
        "reactionMessage",
        "senderKeyDistributionMessage",
        "messageContextInfo",
        "pollUpdateMessage",
    ];
    let has_other = msg
        .as_object()
        .is_some_and(|o| o.keys().any(|k| !NOT_CONTENT.contains(&k.as_str())));
    has_other.then(|| strings::UNSUPPORTED.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(event: &str, data: Value) -> Envelope {
        Envelope {
            id: "evt-1".into(),
            business_id: "b1".into(),
            event: event.into(),
            data,
        }
    }

    fn messages(list: Value) -> Vec<Inbound> {
        parse(&envelope(
            "messages.upsert",
            json!({"type": "notify", "messages": list}),
        ))
        .unwrap()
    }

    #[test]
    fn text_and_extended_text_with_hebrew_niqqud_and_emoji_unchanged() {
        let got = messages(json!([
            {"key": {"remoteJid": "972501234567@s.whatsapp.net", "fromMe": false, "id": "3EB0A1"},
             "message": {"conversation": "שָׁלוֹם! מחיר ל-2 חדרים? 🙂"},
             "messageTimestamp": 1732400000, "pushName": "דנה"},
            {"key": {"remoteJid": "972521112222@s.whatsapp.net", "fromMe": false, "id": "3EB0A2"},
             "message": {"extendedTextMessage": {"text": "ראו https://example.com", "matchedText": "https://example.com"}},
             "messageTimestamp": "1732400001"}
        ]));
        assert_eq!(
            got,
            vec![
                Inbound::Message(InboundMessage {
                    provider_message_id: "3EB0A1".into(),
                    chat: Party::Phone("+972501234567".into()),
                    from_me: false,
                    push_name: Some("דנה".into()),
                    text: "שָׁלוֹם! מחיר ל-2 חדרים? 🙂".into(),
                    timestamp: Some(1732400000),
                }),
                Inbound::Message(InboundMessage {
                    provider_message_id: "3EB0A2".into(),
                    chat: Party::Phone("+972521112222".into()),
                    from_me: false,
                    push_name: None,
                    text: "ראו https://example.com".into(),
                    timestamp: Some(1732400001),
                }),
            ]
        );
    }

    #[test]
    fn lid_sender_from_me_and_wrapped_messages() {
        let got = messages(json!([
            {"key": {"remoteJid": "123456789012345@lid", "fromMe": false, "id": "L1"},
             "message": {"ephemeralMessage": {"message": {"extendedTextMessage": {"text": "היי"}}}}},
            {"key": {"remoteJid": "972501234567@s.whatsapp.net", "fromMe": true, "id": "3EB0SENT1"},
             "message": {"conversation": "תודה!"}},
            {"key": {"remoteJid": "972501234567@s.whatsapp.net", "fromMe": false, "id": "IMG1"},
             "message": {"imageMessage": {"caption": "הקבלה", "mimetype": "image/jpeg",
                          "mediaKey": {"type": "Buffer", "data": "AQID"}}}}
        ]));
        let texts: Vec<(&str, &Party, bool, &str)> = got
            .iter()
            .map(|i| match i {
                Inbound::Message(m) => (
                    m.provider_message_id.as_str(),
                    &m.chat,
                    m.from_me,
                    m.text.as_str(),
                ),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            vec![
                ("L1", &Party::Lid("123456789012345".into()), false, "היי"),
                (
                    "3EB0SENT1",
                    &Party::Phone("+972501234567".into()),
                    true,
                    "תודה!"
                ),
                (
                    "IMG1",
                    &Party::Phone("+972501234567".into()),
                    false,
                    "[תמונה] הקבלה"
                ),
            ]
        );
    }

    #[test]
    fn protocol_reactions_groups_and_stubs_are_skipped() {
        let got = messages(json!([
            {"key": {"remoteJid": "972501234567@s.whatsapp.net", "id": "P1"},
             "message": {"protocolMessage": {"type": 0, "key": {"id": "X"}}}},
            {"key": {"remoteJid": "972501234567@s.whatsapp.net", "id": "R1"},
             "message": {"reactionMessage": {"text": "👍", "key": {"id": "X"}}}},
            {"key": {"remoteJid": "120363025246125486@g.us", "id": "G1", "participant": "972501234567@s.whatsapp.net"},
             "message": {"conversation": "group chatter"}},
            {"key": {"remoteJid": "972501234567@s.whatsapp.net", "id": "S1"}, "messageStubType": 2},
            {"key": {"remoteJid": "972501234567@s.whatsapp.net"}, "message": {"conversation": "no id"}}
        ]));
        assert_eq!(got, vec![]);
    }

    #[test]
    fn unknown_content_is_kept_with_a_placeholder() {
        let got = messages(json!([
            {"key": {"remoteJid": "972501234567@s.whatsapp.net", "id": "U1"},
             "message": {"pollCreationMessage": {"name": "?"}}}
        ]));
        assert!(matches!(&got[..], [Inbound::Message(m)] if m.text == strings::UNSUPPORTED));
    }

    #[test]
    fn status_updates_and_receipts() {
        let got = parse(&envelope(
            "messages.update",
            json!([
                {"key": {"remoteJid": "972501234567@s.whatsapp.net", "fromMe": true, "id": "M1"}, "update": {"status": 2}},
                {"key": {"id": "M1"}, "update": {"status": 3}},
                {"key": {"id": "M1"}, "update": {"status": 4}},
                {"key": {"id": "M1"}, "update": {"starred": true}}
            ]),
        ))
        .unwrap();
        let statuses: Vec<DeliveryStatus> = got
            .iter()
            .map(|i| match i {
                Inbound::Status(s) => s.status,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            statuses,
            [
                DeliveryStatus::Sent,
                DeliveryStatus::Delivered,
                DeliveryStatus::Read
            ]
        );
        let receipts = parse(&envelope(
            "message-receipt.update",
            json!([{"key": {"id": "M2"}, "receipt": {"userJid": "972501234567@s.whatsapp.net", "readTimestamp": 1732400100}}]),
        ))
        .unwrap();
        assert_eq!(
            receipts,
            vec![Inbound::Status(StatusUpdate {
                provider_message_id: "M2".into(),
                status: DeliveryStatus::Read
            })]
        );
    }

    #[test]
    fn lid_phone_share_and_connection_state() {
        let got = parse(&envelope(
            "chats.phoneNumberShare",
            json!({"lid": "123456789012345@lid", "jid": "972501234567@s.whatsapp.net"}),
        ))
        .unwrap();
        assert_eq!(
            got,
            vec![Inbound::LidPhone {
                lid: "123456789012345".into(),
                phone: "+972501234567".into()
            }]
        );
        let got = parse(&envelope(
            "connection.update",
            json!({"business_id": "b1", "state": "closed", "reason": "connection_replaced", "qr": null}),
        ))
        .unwrap();
        assert_eq!(
            got,
            vec![Inbound::Connection(ConnectionUpdate {
                state: "closed".into(),
                reason: Some("connection_replaced".into()),
                qr: None
            })]
        );
    }

    #[test]
    fn malformed_payloads_are_errors_not_panics() {
        assert!(parse(&envelope("messages.upsert", json!({"type": "notify"}))).is_err());
        assert!(parse(&envelope("messages.update", json!({"x": 1}))).is_err());
        assert!(parse(&envelope("connection.update", json!({}))).is_err());
        assert_eq!(
            parse(&envelope("presence.update", json!(42))).unwrap(),
            vec![]
        );
    }
}
