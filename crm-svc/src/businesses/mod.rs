//! Looking up a business (tenant): by id, by slug, or by a Twilio number it answers.
//!
//! Every change of a business writes `business.created` / `business.changed` into the outbox in
//! the same transaction: services that keep a copy of a business (voice-svc answers webhooks
//! from one) drop it when the event arrives.

pub mod convert;
pub mod queries;

pub use queries::Business;

use crate::{
    businesses::queries as business,
    businesses::queries::KnowledgeEntry,
    db::Db,
    enums::{VatStatus, VoiceMode},
    error::{Error, Result},
    ids::BusinessId,
    outbox::queries as outbox,
};
use agentlocator_common::phone::normalize_il;
use agentlocator_proto::{
    new_event,
    v1::{BusinessEvent, BusinessEventKind, Event, event::Payload},
};

/// How to find a business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusinessLookup {
    Id(BusinessId),
    Slug(String),
    /// A number the business answers on, any Israeli format.
    PhoneNumber(String),
}

/// The business `lookup` names, or [`Error::NotFound`].
pub async fn get(db: &Db, lookup: BusinessLookup) -> Result<Business> {
    let lookup = match lookup {
        BusinessLookup::PhoneNumber(n) => BusinessLookup::PhoneNumber(
            normalize_il(&n).map_err(|e| Error::validation("phone_number", e.to_string()))?,
        ),
        other => other,
    };
    db.run(move |conn| match &lookup {
        BusinessLookup::Id(id) => business::find(conn, id),
        BusinessLookup::Slug(slug) => business::find_by_slug(conn, slug),
        BusinessLookup::PhoneNumber(e164) => business::find_by_twilio_number(conn, e164),
    })
    .await?
    .ok_or(Error::NotFound("business"))
}

/// The feature switches of a business; `None` leaves a switch as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeaturePatch {
    pub crm: Option<bool>,
    pub whatsapp: Option<bool>,
    pub signature: Option<bool>,
    pub invoices: Option<bool>,
    pub contracts: Option<bool>,
    pub voice: Option<bool>,
    pub proposals: Option<bool>,
    pub calendar: Option<bool>,
    pub reports: Option<bool>,
}

/// A partial change of a business's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessPatch {
    pub name: Option<String>,
    pub greeting_text: Option<String>,
    pub vat_rate_bp: Option<i32>,
    /// Replaces the whole knowledge list.
    pub knowledge: Option<Vec<KnowledgeEntry>>,
    /// Replaces the numbers the business answers on (any Israeli format; stored as E.164).
    pub twilio_numbers: Option<Vec<String>>,
    /// `Some(VoiceMode::Automatic)` goes back to automatic.
    pub voice_mode: Option<VoiceMode>,
    /// `Some("")` goes back to the engine's default voice.
    pub agent_voice: Option<String>,
    pub features: FeaturePatch,
    /// The legal details printed on documents (see [`LegalPatch`]).
    pub legal: LegalPatch,
}

/// A partial change of the details a business's documents carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegalPatch {
    /// `Some("")` goes back to printing the display name.
    pub legal_name: Option<String>,
    /// ע.מ / ח.פ, any common spelling; `Some("")` clears it.
    pub tax_id: Option<String>,
    pub address: Option<String>,
    pub vat_status: Option<VatStatus>,
}

const MAX_ADDRESS_CHARS: usize = 300;

impl LegalPatch {
    /// Checks lengths and the tax id's check digit; the tax id comes back as nine digits.
    fn validate(self) -> Result<LegalPatch> {
        if let Some(n) = &self.legal_name
            && n.trim().chars().count() > MAX_NAME_CHARS
        {
            return Err(Error::validation(
                "legal_name",
                format!("is longer than {MAX_NAME_CHARS} characters"),
            ));
        }
        if let Some(a) = &self.address
            && a.trim().chars().count() > MAX_ADDRESS_CHARS
        {
            return Err(Error::validation(
                "address",
                format!("is longer than {MAX_ADDRESS_CHARS} characters"),
            ));
        }
        let tax_id = match self.tax_id.as_deref().map(str::trim) {
            Some("") => Some(String::new()),
            Some(t) => Some(crate::invoices::tax_id::normalize("tax_id", t)?),
            None => None,
        };
        Ok(LegalPatch {
            legal_name: self.legal_name.map(|n| n.trim().to_owned()),
            address: self.address.map(|a| a.trim().to_owned()),
            tax_id,
            ..self
        })
    }

    fn apply(self, b: &mut Business) {
        if let Some(v) = self.legal_name {
            b.legal_name = v;
        }
        if let Some(v) = self.tax_id {
            b.tax_id = v;
        }
        if let Some(v) = self.address {
            b.address = v;
        }
        if let Some(v) = self.vat_status {
            b.vat_status = v;
        }
    }
}

const MAX_NAME_CHARS: usize = 200;
const MAX_GREETING_CHARS: usize = 1_000;
const MAX_KNOWLEDGE_ENTRIES: usize = 200;
const MAX_KNOWLEDGE_CHARS: usize = 2_000;
const MAX_TWILIO_NUMBERS: usize = 20;
const MAX_AGENT_VOICE_CHARS: usize = 64;

/// Whether `voice` can name a voice of any engine: empty (the default), or 1 to
/// [`MAX_AGENT_VOICE_CHARS`] of `[A-Za-z0-9_.:-]` (`alloy`, `he-IL-Chirp3-HD-Achird`, `he`).
fn is_voice_name(voice: &str) -> bool {
    voice.len() <= MAX_AGENT_VOICE_CHARS
        && voice
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'))
}

/// The numbers as E.164, in the order given, each once; a number that is not an Israeli phone
/// number is a validation error naming it.
fn normalize_numbers(numbers: &[String]) -> Result<Vec<String>> {
    if numbers.len() > MAX_TWILIO_NUMBERS {
        return Err(Error::validation(
            "twilio_numbers",
            format!("has more than {MAX_TWILIO_NUMBERS} numbers"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(numbers.len());
    for n in numbers {
        let e164 = normalize_il(n).map_err(|e| {
            Error::validation(
                "twilio_numbers",
                format!(
                    "{n:?} is not a phone number ({e}); write it as 03-1234567 or +972 3 123 4567"
                ),
            )
        })?;
        if !out.contains(&e164) {
            out.push(e164);
        }
    }
    Ok(out)
}

/// Applies `patch` to business `id`, validating each field.
pub async fn update(db: &Db, id: &BusinessId, patch: BusinessPatch) -> Result<Business> {
    if let Some(name) = &patch.name {
        let n = name.trim().chars().count();
        if n == 0 || n > MAX_NAME_CHARS {
            return Err(Error::validation(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
    }
    if let Some(g) = &patch.greeting_text
        && g.chars().count() > MAX_GREETING_CHARS
    {
        return Err(Error::validation(
            "greeting_text",
            format!("is longer than {MAX_GREETING_CHARS} characters"),
        ));
    }
    if let Some(v) = patch.vat_rate_bp
        && !(0..=10_000).contains(&v)
    {
        return Err(Error::validation(
            "vat_rate_bp",
            "must be between 0 and 10000 basis points (0%–100%)",
        ));
    }
    if let Some(k) = &patch.knowledge {
        if k.len() > MAX_KNOWLEDGE_ENTRIES {
            return Err(Error::validation(
                "knowledge",
                format!("has more than {MAX_KNOWLEDGE_ENTRIES} entries"),
            ));
        }
        for e in k {
            if e.q.trim().is_empty() || e.a.trim().is_empty() {
                return Err(Error::validation(
                    "knowledge",
                    "every entry needs a question and an answer",
                ));
            }
            if e.q.chars().count() > MAX_KNOWLEDGE_CHARS
                || e.a.chars().count() > MAX_KNOWLEDGE_CHARS
            {
                return Err(Error::validation(
                    "knowledge",
                    format!("entries are limited to {MAX_KNOWLEDGE_CHARS} characters"),
                ));
            }
        }
    }
    if let Some(v) = &patch.agent_voice
        && !is_voice_name(v)
    {
        return Err(Error::validation(
            "agent_voice",
            format!(
                "must be empty (the default voice) or up to {MAX_AGENT_VOICE_CHARS} latin letters, digits and _ . : -"
            ),
        ));
    }
    let legal = patch.legal.clone().validate()?;
    let numbers = patch
        .twilio_numbers
        .as_deref()
        .map(normalize_numbers)
        .transpose()?;
    let id = id.clone();
    let saved = db
        .transaction(move |conn| {
            let mut b = business::find(conn, &id)?.ok_or(Error::NotFound("business"))?;
            let previous_numbers = b.twilio_number_list()?;
            if let Some(numbers) = numbers {
                for n in &numbers {
                    if let Some(other) = business::find_by_twilio_number(conn, n)?
                        && other.id != b.id
                    {
                        return Err(Error::Conflict(format!(
                            "{n} already answers calls for another business"
                        )));
                    }
                }
                b.twilio_numbers = serde_json::to_string(&numbers)
                    .map_err(|e| Error::Internal(format!("twilio_numbers JSON: {e}")))?;
            }
            if let Some(name) = patch.name {
                b.name = name.trim().to_owned();
            }
            if let Some(g) = patch.greeting_text {
                b.greeting_text = g;
            }
            if let Some(v) = patch.vat_rate_bp {
                b.vat_rate_bp = v;
            }
            if let Some(m) = patch.voice_mode {
                b.voice_mode = m;
            }
            if let Some(v) = patch.agent_voice {
                b.agent_voice = v;
            }
            if let Some(k) = patch.knowledge {
                b.knowledge_qa = serde_json::to_string(&k)
                    .map_err(|e| Error::Internal(format!("knowledge JSON: {e}")))?;
            }
            let f = patch.features;
            let set = |flag: &mut bool, v: Option<bool>| {
                if let Some(v) = v {
                    *flag = v;
                }
            };
            set(&mut b.crm_enabled, f.crm);
            set(&mut b.whatsapp_enabled, f.whatsapp);
            set(&mut b.signature_enabled, f.signature);
            set(&mut b.invoices_enabled, f.invoices);
            set(&mut b.contracts_enabled, f.contracts);
            set(&mut b.voice_enabled, f.voice);
            set(&mut b.proposals_enabled, f.proposals);
            set(&mut b.calendar_enabled, f.calendar);
            set(&mut b.reports_enabled, f.reports);
            legal.apply(&mut b);
            b.updated_at = crate::time::now();
            business::save(conn, &b)?;
            outbox::enqueue(
                conn,
                &event(&b, BusinessEventKind::Changed, previous_numbers)?,
            )?;
            Ok(b)
        })
        .await?;
    db.poke_outbox();
    Ok(saved)
}

/// The `business.<kind>` event of `b`, which answered on `previous_numbers` before the change.
pub fn event(
    b: &Business,
    kind: BusinessEventKind,
    previous_numbers: Vec<String>,
) -> Result<Event> {
    Ok(new_event(
        b.id.as_str(),
        Payload::Business(BusinessEvent {
            kind: kind as i32,
            twilio_numbers: b.twilio_number_list()?,
            previous_twilio_numbers: previous_numbers,
        }),
    ))
}

/// Creates a business with the default settings. The slug (lower-case letters, digits and
/// dashes) must be free ([`Error::Conflict`] otherwise).
pub async fn create(db: &Db, name: &str, slug: &str) -> Result<Business> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::validation(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    let slug = slug.trim().to_lowercase();
    if slug.is_empty()
        || slug.len() > 64
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(Error::validation(
            "slug",
            "use 1 to 64 lower-case latin letters, digits and dashes",
        ));
    }
    let b = Business::new(name, slug.clone());
    let row = b.clone();
    db.transaction(move |conn| {
        business::insert(conn, &row)?;
        outbox::enqueue(conn, &event(&row, BusinessEventKind::Created, Vec::new())?)
    })
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            Error::Conflict(format!("a business with slug {slug} already exists"))
        } else {
            e
        }
    })?;
    db.poke_outbox();
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::create_business;

    fn numbers(list: &[&str]) -> BusinessPatch {
        BusinessPatch {
            twilio_numbers: Some(list.iter().map(|s| s.to_string()).collect()),
            ..BusinessPatch::default()
        }
    }

    async fn twilio_numbers_are_normalised_and_owned_by_one_business(db: Db) {
        let a = create_business(&db, "א").await;
        let b = create_business(&db, "ב").await;

        // Any Israeli format in, E.164 out, each number once; the lookup by number finds it.
        let saved = update(
            &db,
            &a.id,
            numbers(&["03-1234567", "+972 3 123 4567", "050-7654321"]),
        )
        .await
        .expect("valid numbers");
        assert_eq!(
            saved.twilio_number_list().unwrap(),
            vec!["+97231234567".to_string(), "+972507654321".into()]
        );
        let found = get(&db, BusinessLookup::PhoneNumber("0507654321".into()))
            .await
            .expect("found by number");
        assert_eq!(found.id, a.id);

        // Not a phone number: a validation error naming the field and the number; nothing saved.
        match update(&db, &a.id, numbers(&["03-1234567", "hello"])).await {
            Err(Error::Validation { field, message }) => {
                assert_eq!(field, "twilio_numbers");
                assert!(message.contains("hello"), "{message}");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        // Another business's number: a conflict, and b keeps its (empty) list.
        match update(&db, &b.id, numbers(&["052-1111111", "03-1234567"])).await {
            Err(Error::Conflict(message)) => assert!(message.contains("+97231234567"), "{message}"),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let b_now = get(&db, BusinessLookup::Id(b.id.clone())).await.unwrap();
        assert!(b_now.twilio_number_list().unwrap().is_empty());
        // Saving its own numbers again is no conflict; an empty list removes them, and other
        // settings leave them alone.
        update(&db, &a.id, numbers(&["+97231234567"]))
            .await
            .expect("own number");
        let renamed = update(
            &db,
            &a.id,
            BusinessPatch {
                name: Some("אב".into()),
                ..BusinessPatch::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            renamed.twilio_number_list().unwrap(),
            vec!["+97231234567".to_string()]
        );
        let cleared = update(&db, &a.id, numbers(&[])).await.unwrap();
        assert!(cleared.twilio_number_list().unwrap().is_empty());
        // Now free, the number can move to b.
        let moved = update(&db, &b.id, numbers(&["03-1234567"])).await.unwrap();
        assert_eq!(
            moved.twilio_number_list().unwrap(),
            vec!["+97231234567".to_string()]
        );
    }

    crate::backend_test!(twilio_numbers_are_normalised_and_owned_by_one_business
        => twilio_numbers_sqlite, twilio_numbers_postgres);

    async fn voice_mode_and_agent_voice_are_saved_and_validated(db: Db) {
        let a = create_business(&db, "א").await;
        assert_eq!(a.voice_mode, VoiceMode::Automatic);
        assert_eq!(a.agent_voice, "");

        let voice = |mode: Option<VoiceMode>, voice: Option<&str>| BusinessPatch {
            voice_mode: mode,
            agent_voice: voice.map(str::to_owned),
            ..BusinessPatch::default()
        };
        let saved = update(
            &db,
            &a.id,
            voice(Some(VoiceMode::Realtime), Some("he-IL-Chirp3-HD-Achird")),
        )
        .await
        .expect("valid voice settings");
        let read = get(&db, BusinessLookup::Id(a.id.clone())).await.unwrap();
        assert_eq!(
            (read.voice_mode, read.agent_voice.as_str()),
            (VoiceMode::Realtime, "he-IL-Chirp3-HD-Achird")
        );
        assert_eq!(read, saved);

        // A bad voice is refused with the field named, and the mode given with it is not saved.
        for bad in ["אלוי", "has space", &"a".repeat(65)] {
            match update(&db, &a.id, voice(Some(VoiceMode::Record), Some(bad))).await {
                Err(Error::Validation { field, .. }) => assert_eq!(field, "agent_voice"),
                other => panic!("expected a validation error for {bad:?}, got {other:?}"),
            }
        }
        let read = get(&db, BusinessLookup::Id(a.id.clone())).await.unwrap();
        assert_eq!(read.voice_mode, VoiceMode::Realtime);

        // Other settings leave them alone; automatic and the default voice clear them.
        let renamed = update(
            &db,
            &a.id,
            BusinessPatch {
                name: Some("אב".into()),
                ..BusinessPatch::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(renamed.voice_mode, VoiceMode::Realtime);
        assert_eq!(renamed.agent_voice, "he-IL-Chirp3-HD-Achird");
        let cleared = update(&db, &a.id, voice(Some(VoiceMode::Automatic), Some("")))
            .await
            .unwrap();
        assert_eq!(
            (cleared.voice_mode, cleared.agent_voice.as_str()),
            (VoiceMode::Automatic, "")
        );
        let record = update(&db, &a.id, voice(Some(VoiceMode::Record), Some("alloy")))
            .await
            .unwrap();
        assert_eq!(record.voice_mode, VoiceMode::Record);
    }

    crate::backend_test!(voice_mode_and_agent_voice_are_saved_and_validated
        => voice_settings_sqlite, voice_settings_postgres);

    /// The `business.*` events of `id` in the outbox, oldest first.
    async fn announced(db: &Db, id: &BusinessId) -> Vec<(String, BusinessEvent)> {
        use crate::schema::outbox as table;
        use diesel::prelude::*;
        let pattern = format!("al.{id}.business.%");
        let rows: Vec<crate::outbox::OutboxRow> = db
            .run(move |conn| {
                Ok(table::table
                    .filter(table::subject.like(pattern))
                    .order((table::created_at.asc(), table::id.asc()))
                    .select(crate::outbox::OutboxRow::as_select())
                    .load(conn)?)
            })
            .await
            .unwrap();
        rows.into_iter()
            .map(|r| {
                let e = r.decode().unwrap();
                assert_eq!(e.business_id, id.as_str());
                match e.payload {
                    Some(Payload::Business(b)) => (r.subject, b),
                    other => panic!("not a business event: {other:?}"),
                }
            })
            .collect()
    }

    async fn every_change_of_a_business_is_announced_with_its_numbers(db: Db) {
        let slug = format!("announced-{}", uuid::Uuid::now_v7().simple());
        let a = create(&db, "א", &slug).await.unwrap();
        let events = announced(&db, &a.id).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(
            events[0].0.ends_with(".business.created"),
            "{}",
            events[0].0
        );

        update(&db, &a.id, numbers(&["03-1234567"])).await.unwrap();
        let greeting = BusinessPatch {
            greeting_text: Some("שלום לכם".into()),
            ..BusinessPatch::default()
        };
        update(&db, &a.id, greeting).await.unwrap();
        update(&db, &a.id, numbers(&["052-1111111"])).await.unwrap();
        // A refused change is not announced (its transaction wrote nothing).
        assert!(update(&db, &a.id, numbers(&["hello"])).await.is_err());

        let events = announced(&db, &a.id).await;
        let changed: Vec<(Vec<String>, Vec<String>)> = events[1..]
            .iter()
            .map(|(subject, e)| {
                assert!(subject.ends_with(".business.changed"), "{subject}");
                assert_eq!(e.kind(), BusinessEventKind::Changed);
                (e.previous_twilio_numbers.clone(), e.twilio_numbers.clone())
            })
            .collect();
        let n = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            changed,
            vec![
                (n(&[]), n(&["+97231234567"])),
                (n(&["+97231234567"]), n(&["+97231234567"])),
                (n(&["+97231234567"]), n(&["+972521111111"])),
            ]
        );
    }

    crate::backend_test!(every_change_of_a_business_is_announced_with_its_numbers
        => business_events_sqlite, business_events_postgres);

    #[test]
    fn voice_names_of_every_engine_pass_and_others_do_not() {
        for ok in [
            "",
            "alloy",
            "marin",
            "he",
            "he-IL-Chirp3-HD-Achird",
            "en-US.std:1_a",
            &"a".repeat(64),
        ] {
            assert!(is_voice_name(ok), "{ok:?}");
        }
        for bad in ["a b", "קול", "voice/1", "é", &"a".repeat(65)] {
            assert!(!is_voice_name(bad), "{bad:?}");
        }
    }
}
