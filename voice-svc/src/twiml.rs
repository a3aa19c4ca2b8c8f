//! A small typed TwiML builder: a [`Response`] is a list of [`Verb`]s written with quick-xml, so
//! every text and attribute is escaped (`&<>"'`) and Hebrew is written as UTF-8 as is.
//!
//! Only the verbs and attributes the call flow uses exist; adding one means adding a variant,
//! never concatenating strings.

use quick_xml::{
    Writer,
    events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event},
};

/// The language of every `<Say>` the call flow speaks.
pub const HEBREW: &str = "he-IL";

/// `<Record>`: record what the caller says, then POST it to `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Where Twilio posts the recording (relative to the request URL, or absolute).
    pub action: String,
    /// A key that ends the recording (`*`).
    pub finish_on_key: String,
    /// Seconds of silence that end the recording.
    pub timeout_seconds: u32,
    /// Longest recording in seconds.
    pub max_length_seconds: u32,
    pub play_beep: bool,
}

impl Record {
    /// The recording of one caller turn: `*` or 5 s of silence ends it, 30 s at most, with a beep.
    pub fn turn(action: impl Into<String>) -> Self {
        Record {
            action: action.into(),
            finish_on_key: "*".into(),
            timeout_seconds: 5,
            max_length_seconds: 30,
            play_beep: true,
        }
    }
}

/// One TwiML verb.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    /// `<Say language="…">text</Say>`.
    Say {
        text: String,
        language: String,
    },
    /// `<Play>url</Play>`.
    Play {
        url: String,
    },
    Record(Record),
    /// `<Dial callerId="…"><Number>…</Number></Dial>`.
    Dial {
        number: String,
        caller_id: String,
    },
    /// `<Connect><Stream url="wss://…"><Parameter name value/>…</Stream></Connect>`: the call's
    /// audio both ways over a WebSocket (Media Streams). When the socket closes, Twilio goes on
    /// with the verbs after it.
    ConnectStream {
        url: String,
        parameters: Vec<(String, String)>,
    },
    Hangup,
}

/// A TwiML `<Response>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    verbs: Vec<Verb>,
}

impl Response {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn verbs(&self) -> &[Verb] {
        &self.verbs
    }

    /// Speaks `text` in Hebrew.
    pub fn say(mut self, text: impl Into<String>) -> Self {
        self.verbs.push(Verb::Say {
            text: text.into(),
            language: HEBREW.into(),
        });
        self
    }

    pub fn play(mut self, url: impl Into<String>) -> Self {
        self.verbs.push(Verb::Play { url: url.into() });
        self
    }

    pub fn record(mut self, record: Record) -> Self {
        self.verbs.push(Verb::Record(record));
        self
    }

    pub fn dial(mut self, number: impl Into<String>, caller_id: impl Into<String>) -> Self {
        self.verbs.push(Verb::Dial {
            number: number.into(),
            caller_id: caller_id.into(),
        });
        self
    }

    pub fn connect_stream(
        mut self,
        url: impl Into<String>,
        parameters: Vec<(String, String)>,
    ) -> Self {
        self.verbs.push(Verb::ConnectStream {
            url: url.into(),
            parameters,
        });
        self
    }

    pub fn hangup(mut self) -> Self {
        self.verbs.push(Verb::Hangup);
        self
    }

    /// The document, `<?xml version="1.0" encoding="UTF-8"?><Response>…</Response>`.
    pub fn to_xml(&self) -> String {
        let mut w = Writer::new(Vec::new());
        // Writing into a Vec cannot fail.
        let mut put = |e: Event<'_>| w.write_event(e).expect("writing TwiML into memory");
        put(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        put(Event::Start(BytesStart::new("Response")));
        for verb in &self.verbs {
            match verb {
                Verb::Say { text, language } => {
                    put(Event::Start(
                        BytesStart::new("Say").with_attributes([("language", language.as_str())]),
                    ));
                    put(Event::Text(BytesText::new(text)));
                    put(Event::End(BytesEnd::new("Say")));
                }
                Verb::Play { url } => {
                    put(Event::Start(BytesStart::new("Play")));
                    put(Event::Text(BytesText::new(url)));
                    put(Event::End(BytesEnd::new("Play")));
                }
                Verb::Record(r) => {
                    let timeout = r.timeout_seconds.to_string();
                    let max_length = r.max_length_seconds.to_string();
                    put(Event::Empty(BytesStart::new("Record").with_attributes([
                        ("action", r.action.as_str()),
                        ("method", "POST"),
                        ("finishOnKey", r.finish_on_key.as_str()),
                        ("timeout", timeout.as_str()),
                        ("maxLength", max_length.as_str()),
                        ("playBeep", if r.play_beep { "true" } else { "false" }),
                    ])));
                }
                Verb::Dial { number, caller_id } => {
                    let mut dial = BytesStart::new("Dial");
                    if !caller_id.is_empty() {
                        dial.push_attribute(("callerId", caller_id.as_str()));
                    }
                    put(Event::Start(dial));
                    put(Event::Start(BytesStart::new("Number")));
                    put(Event::Text(BytesText::new(number)));
                    put(Event::End(BytesEnd::new("Number")));
                    put(Event::End(BytesEnd::new("Dial")));
                }
                Verb::ConnectStream { url, parameters } => {
                    put(Event::Start(BytesStart::new("Connect")));
                    put(Event::Start(
                        BytesStart::new("Stream").with_attributes([("url", url.as_str())]),
                    ));
                    for (name, value) in parameters {
                        put(Event::Empty(BytesStart::new("Parameter").with_attributes(
                            [("name", name.as_str()), ("value", value.as_str())],
                        )));
                    }
                    put(Event::End(BytesEnd::new("Stream")));
                    put(Event::End(BytesEnd::new("Connect")));
                }
                Verb::Hangup => put(Event::Empty(BytesStart::new("Hangup"))),
            }
        }
        put(Event::End(BytesEnd::new("Response")));
        String::from_utf8(w.into_inner()).expect("TwiML is UTF-8")
    }
}

/// A parsed element of a TwiML document: name, attributes, text. For tests and tools that read
/// TwiML back (the end-to-end tests use it too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub depth: usize,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every element of `xml` in document order, attributes and text unescaped. Errors on XML that
/// is not well formed.
pub fn parse(xml: &str) -> Result<Vec<Element>, String> {
    use quick_xml::{Reader, escape::unescape};
    let mut reader = Reader::from_str(xml);
    let mut out: Vec<Element> = Vec::new();
    // Indexes into `out` of the open elements, and the raw text of each.
    let mut open: Vec<(usize, String)> = Vec::new();
    let element = |e: &BytesStart<'_>, depth: usize| -> Result<Element, String> {
        let mut attributes = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            attributes.push((
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                a.unescape_value().map_err(|e| e.to_string())?.into_owned(),
            ));
        }
        Ok(Element {
            name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            attributes,
            text: String::new(),
            depth,
        })
    };
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                out.push(element(&e, open.len())?);
                open.push((out.len() - 1, String::new()));
            }
            Event::Empty(e) => out.push(element(&e, open.len())?),
            Event::Text(t) => {
                if let Some((_, raw)) = open.last_mut() {
                    raw.push_str(&t.decode().map_err(|e| e.to_string())?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, raw)) = open.last_mut() {
                    raw.push('&');
                    raw.push_str(&r.decode().map_err(|e| e.to_string())?);
                    raw.push(';');
                }
            }
            Event::End(_) => {
                let (i, raw) = open.pop().ok_or("unbalanced end tag")?;
                out[i].text = unescape(raw.trim())
                    .map_err(|e| e.to_string())?
                    .into_owned();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !open.is_empty() {
        return Err("unclosed element".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn play_and_record_with_every_attribute() {
        let xml = Response::new()
            .play("https://voice.example/static/tts/abc.mp3")
            .record(Record::turn("/webhook/handle_recording?turn=1&retry=0"))
            .to_xml();
        assert!(
            xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
            "{xml}"
        );
        let els = parse(&xml).unwrap();
        let names: Vec<_> = els.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Response", "Play", "Record"]);
        assert_eq!(els[1].text, "https://voice.example/static/tts/abc.mp3");
        assert_eq!(els[1].depth, 1);
        let rec = &els[2];
        assert_eq!(
            rec.attr("action"),
            Some("/webhook/handle_recording?turn=1&retry=0")
        );
        assert_eq!(rec.attr("method"), Some("POST"));
        assert_eq!(rec.attr("finishOnKey"), Some("*"));
        assert_eq!(rec.attr("timeout"), Some("5"));
        assert_eq!(rec.attr("maxLength"), Some("30"));
        assert_eq!(rec.attr("playBeep"), Some("true"));
        // The & of the query is escaped in the document itself.
        assert!(xml.contains("turn=1&amp;retry=0"), "{xml}");
    }

    #[test]
    fn hebrew_and_special_characters_round_trip() {
        let text = r#"שלום! "מחיר" <10> & 'הנחה' — תודה"#;
        let xml = Response::new().say(text).hangup().to_xml();
        assert!(xml.contains("שלום"), "Hebrew is written as UTF-8: {xml}");
        assert!(!xml.contains("<10>"), "{xml}");
        let els = parse(&xml).unwrap();
        assert_eq!(els[1].name, "Say");
        assert_eq!(els[1].attr("language"), Some("he-IL"));
        assert_eq!(els[1].text, text);
        assert_eq!(els[2].name, "Hangup");
    }

    #[test]
    fn attributes_escape_quotes() {
        let action = r#"/x?a="1"&b='2'<>"#;
        let xml = Response::new().record(Record::turn(action)).to_xml();
        let els = parse(&xml).unwrap();
        assert_eq!(els[1].attr("action"), Some(action));
    }

    #[test]
    fn dial_names_the_number_and_caller_id() {
        let xml = Response::new()
            .say("מחבר אותך")
            .dial("+972501234567", "+972521112233")
            .to_xml();
        let els = parse(&xml).unwrap();
        let names: Vec<_> = els.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Response", "Say", "Dial", "Number"]);
        assert_eq!(els[2].attr("callerId"), Some("+972521112233"));
        assert_eq!(els[3].text, "+972501234567");
        assert_eq!(els[3].depth, 2);
    }

    #[test]
    fn empty_response_is_well_formed() {
        let els = parse(&Response::new().to_xml()).unwrap();
        assert_eq!(els.len(), 1);
        assert_eq!(els[0].name, "Response");
    }

    #[test]
    fn malformed_xml_is_an_error() {
        assert!(parse("<Response><Say>").is_err());
    }
}
