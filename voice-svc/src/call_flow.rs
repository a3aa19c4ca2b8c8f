//! The call flow's decisions, free of gRPC and HTTP: what TwiML answers each step of a call.
//!
//! voice-svc keeps no state between webhooks. What a turn needs to know travels in the
//! `<Record action>` URL (`/webhook/handle_recording?turn=2&retry=0&fails=0`, with `&msg=1` when
//! the recording is a message for staff, and `&due=<unix seconds>` when it was left while the
//! business is closed, for its reopening): Twilio signs the whole URL, query included, so a caller
//! cannot change it.

use crate::{
    hours::Closed,
    strings,
    twiml::{Record, Response},
};

/// Path of the recording webhook (the `<Record action>`).
pub const RECORDING_PATH: &str = "/webhook/handle_recording";

/// Where a conversation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnState {
    /// The caller turn being recorded, from 1.
    pub turn: u32,
    /// Empty recordings in a row (at most one is forgiven).
    pub retry: u32,
    /// Failed turns in a row (the fallback is said once, then the call ends).
    pub fails: u32,
    /// The recording is the caller's message for staff (the agent handed the call off with no
    /// number to dial): it is kept and transcribed, not answered, and the call ends.
    pub message: bool,
    /// The message was left while the business is closed: staff's task is due at this time
    /// (Unix seconds; when it reopens).
    pub due: Option<i64>,
}

impl TurnState {
    pub const FIRST: TurnState = TurnState {
        turn: 1,
        retry: 0,
        fails: 0,
        message: false,
        due: None,
    };

    /// The first recording of a call that finds the business closed: the caller's message, due
    /// when it reopens.
    pub fn closed_message(closed: &Closed) -> TurnState {
        TurnState {
            message: true,
            due: Some(closed.due_at.timestamp()),
            ..TurnState::FIRST
        }
    }

    /// The state in a webhook's query string; missing or malformed values are those of the first
    /// turn (the query is signed, so it is what we wrote).
    pub fn from_query(path_and_query: &str) -> Self {
        let mut state = TurnState::FIRST;
        let query = path_and_query.split_once('?').map_or("", |(_, q)| q);
        for pair in query.split('&') {
            let Some((k, v)) = pair.split_once('=') else {
                continue;
            };
            if k == "due" {
                state.due = v.parse::<i64>().ok().filter(|s| *s > 0);
                continue;
            }
            let Ok(n) = v.parse::<u32>() else { continue };
            match k {
                "turn" if n >= 1 => state.turn = n.min(1000),
                "retry" => state.retry = n.min(1000),
                "fails" => state.fails = n.min(1000),
                "msg" => state.message = n == 1,
                _ => {}
            }
        }
        state
    }

    /// The `<Record action>` that continues in this state.
    pub fn action(&self) -> String {
        let mut action = format!(
            "{RECORDING_PATH}?turn={}&retry={}&fails={}",
            self.turn, self.retry, self.fails
        );
        if self.message {
            action.push_str("&msg=1");
            if let Some(due) = self.due {
                action.push_str(&format!("&due={due}"));
            }
        }
        action
    }

    fn next_turn(&self, fails: u32) -> TurnState {
        TurnState {
            turn: self.turn + 1,
            retry: 0,
            fails,
            message: false,
            due: None,
        }
    }
}

/// What the caller hears first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Greeting {
    /// Synthesised speech, played.
    Audio(String),
    /// No audio: Twilio's own Hebrew voice says it.
    Text(String),
}

/// `incoming_call`: the greeting, then the first recording.
pub fn answer(greeting: &Greeting) -> Response {
    let r = match greeting {
        Greeting::Audio(url) => Response::new().play(url),
        Greeting::Text(text) => Response::new().say(text),
    };
    r.record(Record::turn(TurnState::FIRST.action()))
}

/// `incoming_call` while the business is closed: hello, why it is closed and when it reopens,
/// and the caller's message recorded for staff (due at the reopening).
pub fn answer_closed(business_name: &str, closed: &Closed) -> Response {
    Response::new()
        .say(strings::closed_answer(business_name, &closed.sentence))
        .record(Record::turn(TurnState::closed_message(closed).action()))
}

/// `incoming_call` of a realtime call: the greeting, then the call's audio over a Media Stream
/// to `stream_url` with `parameters` (the per-call token). Should the stream end without the call
/// ending (voice-svc unreachable, the engine failing), Twilio goes on with what follows it: the
/// fallback sentence once, then the record loop, counted as one failure already so that a second
/// one ends the call instead of looping. While the business is `closed` the greeting says so and
/// what follows the stream is the message recording instead.
pub fn answer_realtime(
    greeting: &Greeting,
    stream_url: &str,
    parameters: Vec<(String, String)>,
    closed: Option<&Closed>,
) -> Response {
    let r = match greeting {
        Greeting::Audio(url) => Response::new().play(url),
        Greeting::Text(text) => Response::new().say(text),
    };
    let r = r.connect_stream(stream_url, parameters);
    match closed {
        Some(closed) => r
            .say(strings::LEAVE_MESSAGE)
            .record(Record::turn(TurnState::closed_message(closed).action())),
        None => {
            let after_stream = TurnState {
                fails: 1,
                ..TurnState::FIRST
            };
            r.say(strings::FALLBACK)
                .record(Record::turn(after_stream.action()))
        }
    }
}

/// A live call whose replica is stopping, handed over mid-call through Twilio's REST API: a
/// polite sentence, then the record loop from its first turn. The TwiML is sent inline (it has no
/// URL of its own), so the `<Record action>` is absolute: `public_base_url` + the path.
pub fn handed_over(public_base_url: &str) -> Response {
    Response::new()
        .say(strings::HANDOVER)
        .record(Record::turn(format!(
            "{}{}",
            public_base_url.trim_end_matches('/'),
            TurnState::FIRST.action()
        )))
}

/// A number no business answers on.
pub fn unknown_number() -> Response {
    Response::new().say(strings::UNKNOWN_NUMBER).hangup()
}

/// Whether Twilio's recording parameters describe nothing said.
pub fn is_empty_recording(recording_url: &str, recording_duration: &str) -> bool {
    recording_url.trim().is_empty()
        || recording_duration
            .trim()
            .parse::<f64>()
            .is_ok_and(|d| d <= 0.0)
}

/// Nothing was heard: ask once more, then end politely.
pub fn empty_recording(state: TurnState) -> Response {
    if state.retry == 0 {
        Response::new()
            .say(strings::ASK_AGAIN)
            .record(Record::turn(TurnState { retry: 1, ..state }.action()))
    } else {
        Response::new().say(strings::NO_ANSWER_GOODBYE).hangup()
    }
}

/// What follows the agent's answer, as its tools decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AgentNext {
    /// The conversation goes on.
    #[default]
    Continue,
    /// `hand_off` with the business's staff number: the call is dialled through to it.
    Dial {
        number: String,
        /// The business's number the caller called, shown to staff.
        caller_id: String,
    },
    /// `hand_off` without a number: the caller leaves a message (the hand-off's staff task is
    /// written already).
    TakeMessage,
    /// `end_call`: the answer was the goodbye; hang up.
    Hangup,
}

/// What follows a turn whose agent ran `actions` (the tools that succeeded) and answered
/// `handoff_phone` (empty: none) and `end_call`. A hand-off wins over ending the call: the
/// caller asked for a person.
pub fn agent_next(
    actions: &[String],
    handoff_phone: &str,
    end_call: bool,
    business_number: &str,
) -> AgentNext {
    let handed_off = actions.iter().any(|a| a == "hand_off");
    match handoff_phone.trim() {
        number if handed_off && !number.is_empty() => AgentNext::Dial {
            number: number.to_string(),
            caller_id: business_number.trim().to_string(),
        },
        _ if handed_off => AgentNext::TakeMessage,
        _ if end_call => AgentNext::Hangup,
        _ => AgentNext::Continue,
    }
}

/// How one caller turn ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnOutcome {
    /// The business's answer: its audio (when synthesised) and text, and what follows it.
    Answered {
        audio_url: Option<String>,
        text: String,
        next: AgentNext,
    },
    /// The caller's message for staff was recorded (a `message` turn).
    MessageTaken,
    /// The caller said goodbye.
    Goodbye,
    /// Too little was heard to be a sentence.
    Unclear,
    /// No speech-to-text engine: the recording is kept for staff.
    Pending,
    /// A provider failed or the turn ran out of time; `fallback_audio` is the fallback sentence
    /// already synthesised by speech-svc, if it was.
    Failed { fallback_audio: Option<String> },
}

/// The TwiML after a turn in `state`, with `max_turns` caller turns per call.
pub fn after_turn(state: TurnState, outcome: &TurnOutcome, max_turns: u32) -> Response {
    if state.message {
        // The message is kept whatever became of its transcript; staff call back.
        let saved = match state.due {
            Some(_) => strings::MESSAGE_SAVED_CLOSED,
            None => strings::RECORDED_FOR_CALLBACK,
        };
        return Response::new().say(saved).hangup();
    }
    match outcome {
        TurnOutcome::Answered {
            audio_url,
            text,
            next,
        } => {
            let r = match audio_url {
                Some(url) => Response::new().play(url),
                None => Response::new().say(text),
            };
            match next {
                // When staff do not answer, or once they hang up, Twilio goes on after <Dial>.
                AgentNext::Dial { number, caller_id } => r
                    .dial(number, caller_id)
                    .say(strings::AFTER_HANDOFF)
                    .hangup(),
                AgentNext::TakeMessage => r.say(strings::LEAVE_MESSAGE).record(Record::turn(
                    TurnState {
                        message: true,
                        ..state.next_turn(0)
                    }
                    .action(),
                )),
                AgentNext::Hangup => r.hangup(),
                AgentNext::Continue if state.turn >= max_turns => r.say(strings::CLOSING).hangup(),
                AgentNext::Continue => r.record(Record::turn(state.next_turn(0).action())),
            }
        }
        TurnOutcome::MessageTaken => Response::new().say(strings::RECORDED_FOR_CALLBACK).hangup(),
        TurnOutcome::Goodbye => Response::new().say(strings::CLOSING).hangup(),
        TurnOutcome::Unclear => empty_recording(state),
        TurnOutcome::Pending => Response::new().say(strings::RECORDED_FOR_CALLBACK).hangup(),
        // The fallback once; a second failure in a row ends the call instead of looping.
        TurnOutcome::Failed { .. } if state.fails >= 1 || state.turn >= max_turns => {
            Response::new().say(strings::FAILURE_GOODBYE).hangup()
        }
        TurnOutcome::Failed { fallback_audio } => {
            let r = match fallback_audio {
                Some(url) => Response::new().play(url),
                None => Response::new().say(strings::FALLBACK),
            };
            r.record(Record::turn(state.next_turn(state.fails + 1).action()))
        }
    }
}

/// Whether the caller is ending the conversation: the whole utterance is one of the Hebrew
/// goodbyes (give or take punctuation and a leading "אז"/"טוב"), or it ends with one.
pub fn is_goodbye(transcript: &str) -> bool {
    let words: Vec<&str> = transcript
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '"'))
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 8 {
        return false;
    }
    strings::GOODBYES.iter().any(|goodbye| {
        let g: Vec<&str> = goodbye.split_whitespace().collect();
        words.len() >= g.len() && words[words.len() - g.len()..] == g[..]
    })
}

/// `outbound_connect`: the agent answered; dial the customer from the business's number.
pub fn connect(customer_number: &str, business_number: &str) -> Response {
    Response::new()
        .say(strings::CONNECTING)
        .dial(customer_number, business_number)
}

/// Whether a Twilio `CallStatus` ends the call.
pub fn is_final_status(status: &str) -> bool {
    matches!(
        status,
        "completed" | "busy" | "no-answer" | "failed" | "canceled"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twiml::{Verb, parse};

    fn names(r: &Response) -> Vec<String> {
        parse(&r.to_xml())
            .unwrap()
            .into_iter()
            .skip(1)
            .map(|e| e.name)
            .collect()
    }

    fn record_action(r: &Response) -> Option<String> {
        r.verbs().iter().find_map(|v| match v {
            Verb::Record(rec) => Some(rec.action.clone()),
            _ => None,
        })
    }

    #[test]
    fn state_round_trips_through_the_action_url() {
        let s = TurnState {
            turn: 3,
            retry: 1,
            fails: 1,
            message: false,
            due: None,
        };
        assert_eq!(TurnState::from_query(&s.action()), s);
        let m = TurnState { message: true, ..s };
        assert!(m.action().ends_with("&msg=1"), "{}", m.action());
        assert_eq!(TurnState::from_query(&m.action()), m);
        let closed = TurnState {
            retry: 0,
            due: Some(1_796_400_000),
            ..m
        };
        assert!(
            closed.action().ends_with("&msg=1&due=1796400000"),
            "{}",
            closed.action()
        );
        assert_eq!(TurnState::from_query(&closed.action()), closed);
        // An empty recording asked again keeps the message and its due time.
        let again = TurnState::from_query(&record_action(&empty_recording(closed)).unwrap());
        assert_eq!(again, TurnState { retry: 1, ..closed });
        assert_eq!(TurnState::from_query(RECORDING_PATH), TurnState::FIRST);
        assert_eq!(
            TurnState::from_query("/webhook/handle_recording?turn=x&retry=-1&fails"),
            TurnState::FIRST
        );
    }

    #[test]
    fn a_realtime_call_streams_then_falls_back_to_the_record_loop_once() {
        let r = answer_realtime(
            &Greeting::Audio("http://x/static/tts/a.wav".into()),
            "wss://voice.example/webhook/media_stream",
            vec![("token".into(), "t&\"<".into())],
            None,
        );
        let els = crate::twiml::parse(&r.to_xml()).unwrap();
        let found: Vec<&str> = els.iter().skip(1).map(|e| e.name.as_str()).collect();
        assert_eq!(
            found,
            ["Play", "Connect", "Stream", "Parameter", "Say", "Record"]
        );
        let stream = els.iter().find(|e| e.name == "Stream").unwrap();
        assert_eq!(
            stream.attr("url"),
            Some("wss://voice.example/webhook/media_stream")
        );
        let param = els.iter().find(|e| e.name == "Parameter").unwrap();
        assert_eq!(param.attr("name"), Some("token"));
        assert_eq!(param.attr("value"), Some("t&\"<"));
        assert_eq!(param.depth, stream.depth + 1);
        let after = TurnState::from_query(&record_action(&r).unwrap());
        assert_eq!(after.fails, 1, "a failure after the stream ends the call");
    }

    fn closed() -> Closed {
        Closed {
            sentence: "אנחנו סגורים לרגל שבת. נשמח לחזור אליך במוצאי שבת, אחרי 17:19.".into(),
            due_at: chrono::DateTime::from_timestamp(1_796_400_000, 0).unwrap(),
        }
    }

    #[test]
    fn a_closed_business_says_why_and_when_and_records_a_message_for_the_reopening() {
        let r = answer_closed("מספרת רונית", &closed());
        assert_eq!(names(&r), ["Say", "Record"]);
        let said = &parse(&r.to_xml()).unwrap()[1].text;
        assert_eq!(
            said,
            &format!(
                "שלום, הגעתם למספרת רונית. {} {}",
                closed().sentence,
                strings::LEAVE_MESSAGE
            )
        );
        let message = TurnState::from_query(&record_action(&r).unwrap());
        assert!(message.message);
        assert_eq!(message.due, Some(1_796_400_000));
        // Whatever the message turn came to, the caller hears that it was kept, and the call ends.
        for outcome in [TurnOutcome::MessageTaken, TurnOutcome::Pending] {
            let r = after_turn(message, &outcome, 6);
            assert_eq!(names(&r), ["Say", "Hangup"]);
            assert!(r.to_xml().contains(strings::MESSAGE_SAVED_CLOSED));
        }
    }

    #[test]
    fn a_closed_realtime_call_falls_back_to_the_message_not_the_record_loop() {
        let greeting = Greeting::Text(strings::closed_answer_realtime("Demo", &closed().sentence));
        let r = answer_realtime(
            &greeting,
            "wss://voice.example/webhook/media_stream",
            vec![],
            Some(&closed()),
        );
        assert_eq!(names(&r), ["Say", "Connect", "Stream", "Say", "Record"]);
        let xml = r.to_xml();
        assert!(
            xml.contains("שלום, הגעתם ל־Demo. אנחנו סגורים לרגל שבת."),
            "{xml}"
        );
        assert!(xml.contains(strings::LEAVE_MESSAGE), "{xml}");
        assert!(!xml.contains(strings::FALLBACK), "{xml}");
        let after = TurnState::from_query(&record_action(&r).unwrap());
        assert!(after.message);
        assert_eq!(after.due, Some(1_796_400_000));
    }

    #[test]
    fn the_greeting_plays_then_records() {
        let r = answer(&Greeting::Audio("http://x/static/tts/a.wav".into()));
        assert_eq!(names(&r), ["Play", "Record"]);
        assert_eq!(record_action(&r).unwrap(), TurnState::FIRST.action());
        let r = answer(&Greeting::Text("שלום".into()));
        assert_eq!(names(&r), ["Say", "Record"]);
    }

    #[test]
    fn an_empty_recording_is_forgiven_once() {
        assert!(is_empty_recording("", "3"));
        assert!(is_empty_recording("https://api.twilio.com/x", "0"));
        assert!(!is_empty_recording("https://api.twilio.com/x", "4"));
        assert!(!is_empty_recording("https://api.twilio.com/x", ""));
        let first = empty_recording(TurnState::FIRST);
        assert_eq!(names(&first), ["Say", "Record"]);
        let again = TurnState::from_query(&record_action(&first).unwrap());
        assert_eq!(again.retry, 1);
        assert_eq!(names(&empty_recording(again)), ["Say", "Hangup"]);
    }

    #[test]
    fn answers_continue_until_the_last_turn() {
        let answered = TurnOutcome::Answered {
            audio_url: Some("http://x/static/tts/b.wav".into()),
            text: "פתוחים עד שש".into(),
            next: AgentNext::Continue,
        };
        let r = after_turn(TurnState::FIRST, &answered, 3);
        assert_eq!(names(&r), ["Play", "Record"]);
        let next = TurnState::from_query(&record_action(&r).unwrap());
        assert_eq!(next.turn, 2);
        let last = TurnState { turn: 3, ..next };
        assert_eq!(
            names(&after_turn(last, &answered, 3)),
            ["Play", "Say", "Hangup"]
        );
        assert_eq!(
            names(&after_turn(TurnState::FIRST, &TurnOutcome::Goodbye, 3)),
            ["Say", "Hangup"]
        );
    }

    #[test]
    fn the_fallback_is_said_once_never_in_a_loop() {
        let failed = TurnOutcome::Failed {
            fallback_audio: None,
        };
        let r = after_turn(TurnState::FIRST, &failed, 6);
        let xml = r.to_xml();
        assert_eq!(xml.matches(strings::FALLBACK).count(), 1, "{xml}");
        let next = TurnState::from_query(&record_action(&r).unwrap());
        assert_eq!(next.fails, 1);
        let r = after_turn(next, &failed, 6);
        assert_eq!(names(&r), ["Say", "Hangup"]);
        assert!(!r.to_xml().contains(strings::FALLBACK));
        // A good turn resets the count.
        let ok = TurnOutcome::Answered {
            audio_url: None,
            text: "כן".into(),
            next: AgentNext::Continue,
        };
        let r = after_turn(next, &ok, 6);
        assert_eq!(TurnState::from_query(&record_action(&r).unwrap()).fails, 0);
    }

    fn answered(next: AgentNext) -> TurnOutcome {
        TurnOutcome::Answered {
            audio_url: Some("http://x/static/tts/c.wav".into()),
            text: "מעביר אותך לנציג".into(),
            next,
        }
    }

    #[test]
    fn the_agents_tools_decide_what_follows_the_answer() {
        let acts = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let b = "+97235550100";
        assert_eq!(
            agent_next(&acts(&["hand_off"]), "+972521112233", false, b),
            AgentNext::Dial {
                number: "+972521112233".into(),
                caller_id: b.into()
            }
        );
        assert_eq!(
            agent_next(&acts(&["hand_off"]), " ", true, b),
            AgentNext::TakeMessage
        );
        assert_eq!(
            agent_next(&acts(&["lookup_customer"]), "", true, b),
            AgentNext::Hangup
        );
        // A number without a hand-off (a refused one) dials nobody.
        assert_eq!(
            agent_next(&acts(&["book_appointment"]), "+972521112233", false, b),
            AgentNext::Continue
        );
    }

    #[test]
    fn a_hand_off_dials_staff_then_says_goodbye() {
        let r = after_turn(
            TurnState::FIRST,
            &answered(AgentNext::Dial {
                number: "+972521112233".into(),
                caller_id: "+97235550100".into(),
            }),
            6,
        );
        assert_eq!(names(&r), ["Play", "Dial", "Number", "Say", "Hangup"]);
        let els = parse(&r.to_xml()).unwrap();
        let dial = els.iter().find(|e| e.name == "Dial").unwrap();
        assert_eq!(dial.attr("callerId"), Some("+97235550100"));
        assert_eq!(
            els.iter().find(|e| e.name == "Number").unwrap().text,
            "+972521112233"
        );
        // Also on the last turn.
        let last = TurnState {
            turn: 6,
            ..TurnState::FIRST
        };
        let r = after_turn(
            last,
            &answered(AgentNext::Dial {
                number: "+972521112233".into(),
                caller_id: String::new(),
            }),
            6,
        );
        assert_eq!(names(&r), ["Play", "Dial", "Number", "Say", "Hangup"]);
    }

    #[test]
    fn a_hand_off_without_a_number_takes_a_message_then_ends() {
        let r = after_turn(TurnState::FIRST, &answered(AgentNext::TakeMessage), 6);
        assert_eq!(names(&r), ["Play", "Say", "Record"]);
        assert!(r.to_xml().contains(strings::LEAVE_MESSAGE));
        let message = TurnState::from_query(&record_action(&r).unwrap());
        assert!(message.message);
        assert_eq!(message.turn, 2);
        // Whatever the message turn came to, it is kept and the call ends.
        for outcome in [
            TurnOutcome::MessageTaken,
            TurnOutcome::Pending,
            TurnOutcome::Unclear,
            TurnOutcome::Failed {
                fallback_audio: None,
            },
        ] {
            let r = after_turn(message, &outcome, 6);
            assert_eq!(names(&r), ["Say", "Hangup"], "{outcome:?}");
            assert!(r.to_xml().contains(strings::RECORDED_FOR_CALLBACK));
        }
    }

    #[test]
    fn end_call_hangs_up_after_the_answer() {
        let r = after_turn(TurnState::FIRST, &answered(AgentNext::Hangup), 6);
        assert_eq!(names(&r), ["Play", "Hangup"]);
    }

    #[test]
    fn a_handed_over_call_says_so_and_records_its_first_turn_at_an_absolute_url() {
        let r = handed_over("https://calls.example.co.il/");
        assert_eq!(names(&r), ["Say", "Record"]);
        assert!(r.to_xml().contains(strings::HANDOVER));
        assert_eq!(
            record_action(&r).unwrap(),
            "https://calls.example.co.il/webhook/handle_recording?turn=1&retry=0&fails=0"
        );
    }

    #[test]
    fn goodbyes_in_hebrew() {
        for t in [
            "תודה ולהתראות",
            "ביי",
            "טוב, להתראות!",
            "אוקיי שלום ותודה.",
            "ביי ביי",
        ] {
            assert!(is_goodbye(t), "{t}");
        }
        for t in [
            "",
            "מה שעות הפתיחה?",
            "ביית לחם",
            "להתראות זה לא מה שרציתי, אני רוצה לשאול על מחירים של שירותים שונים אצלכם",
        ] {
            assert!(!is_goodbye(t), "{t}");
        }
    }

    #[test]
    fn outbound_connect_dials_the_customer_from_the_business_number() {
        let r = connect("+972501234567", "+97235550100");
        assert_eq!(names(&r), ["Say", "Dial", "Number"]);
    }

    #[test]
    fn final_statuses() {
        for s in ["completed", "busy", "no-answer", "failed", "canceled"] {
            assert!(is_final_status(s));
        }
        assert!(!is_final_status("ringing"));
        assert!(!is_final_status("in-progress"));
    }
}
