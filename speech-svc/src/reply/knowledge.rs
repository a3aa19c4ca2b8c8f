//! `LLM_ENGINE=knowledge` (the embedded default, no network): answers from the business's own
//! Q&A by Hebrew-aware word matching; when nothing matches, a polite "someone will call you back"
//! flagged for a follow-up task.

use super::{Replier, Reply, ReplyContext, hebrew};
use crate::{error::Result, strings};

pub struct KnowledgeReplier;

/// Share of a question's content words the caller must have said.
const MIN_QUESTION_COVERAGE: f32 = 0.5;

impl KnowledgeReplier {
    /// The best entry for `caller_text`, if any passes the bar.
    pub fn best_match<'a>(
        knowledge: &'a [super::QaEntry],
        caller_text: &str,
    ) -> Option<&'a super::QaEntry> {
        let said = hebrew::terms(caller_text);
        if said.is_empty() {
            return None;
        }
        let mut best: Option<(f32, &super::QaEntry)> = None;
        for entry in knowledge {
            let asked = hebrew::terms(&entry.question);
            if asked.is_empty() || entry.answer.trim().is_empty() {
                continue;
            }
            let weight = |terms: &[hebrew::Term]| terms.iter().map(|t| t.weight).sum::<f32>();
            let hit: Vec<hebrew::Term> = asked
                .iter()
                .filter(|q| said.iter().any(|s| s.matches(q)))
                .cloned()
                .collect();
            if hit.is_empty() {
                continue;
            }
            let coverage = weight(&hit) / weight(&asked);
            let used_terms: Vec<hebrew::Term> = said
                .iter()
                .filter(|s| asked.iter().any(|q| q.matches(s)))
                .cloned()
                .collect();
            let used = weight(&used_terms) / weight(&said);
            if coverage < MIN_QUESTION_COVERAGE && hit.len() < 2 {
                continue;
            }
            let score = 0.7 * coverage + 0.3 * used;
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, entry));
            }
        }
        best.map(|(_, e)| e)
    }
}

#[async_trait::async_trait]
impl Replier for KnowledgeReplier {
    fn name(&self) -> &'static str {
        "knowledge"
    }

    async fn reply(&self, ctx: &ReplyContext) -> Result<Reply> {
        if hebrew::terms(&ctx.caller_text).is_empty() {
            // Only "שלום" or "כן, בבקשה": nothing to look up yet.
            return Ok(Reply {
                text: strings::HOW_CAN_I_HELP.into(),
                needs_follow_up: false,
                matched_question: None,
            });
        }
        Ok(
            match Self::best_match(&ctx.business.knowledge, &ctx.caller_text) {
                Some(entry) => Reply {
                    text: entry.answer.trim().to_string(),
                    needs_follow_up: false,
                    matched_question: Some(entry.question.clone()),
                },
                None => Reply {
                    text: strings::CALL_BACK.into(),
                    needs_follow_up: true,
                    matched_question: None,
                },
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::{BusinessContext, QaEntry};

    fn kb() -> Vec<QaEntry> {
        [
            (
                "מה שעות הפעילות?",
                "אנחנו פתוחים בימים א׳–ה׳ בין 9:00 ל־18:00.",
            ),
            ("כמה עולה תספורת?", "תספורת גברים עולה 80 ש״ח."),
            ("איפה אתם נמצאים?", "אנחנו ברחוב הרצל 10, תל אביב."),
            ("אפשר לקבוע תור?", "בטח, אפשר לקבוע תור בטלפון או בוואטסאפ."),
            ("יש חניה?", "יש חניון ציבורי צמוד לעסק."),
        ]
        .into_iter()
        .map(|(q, a)| QaEntry {
            question: q.into(),
            answer: a.into(),
        })
        .collect()
    }

    async fn ask(text: &str) -> Reply {
        KnowledgeReplier
            .reply(&ReplyContext {
                business: BusinessContext {
                    name: "מספרת דוד".into(),
                    knowledge: kb(),
                    ..Default::default()
                },
                history: vec![],
                caller_text: text.into(),
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn questions_find_their_answers_in_many_phrasings() {
        for (said, expected) in [
            ("מה שעות הפעילות?", "מה שעות הפעילות?"),
            ("מָה שְׁעוֹת הַפְּעִילוּת?", "מה שעות הפעילות?"),
            ("שלום, מתי אתם פתוחים מחר?", "מה שעות הפעילות?"),
            ("ובשעות הפעילות שלכם", "מה שעות הפעילות?"),
            ("כמה עולה תספורת אצלכם?", "כמה עולה תספורת?"),
            ("מה המחיר של תספורת", "כמה עולה תספורת?"),
            ("מה הכתובת שלכם?", "איפה אתם נמצאים?"),
            ("אני רוצה לקבוע תור למחר", "אפשר לקבוע תור?"),
            ("איפה אפשר לחנות?", "יש חניה?"),
        ] {
            let r = ask(said).await;
            assert_eq!(r.matched_question.as_deref(), Some(expected), "{said}");
            assert!(!r.needs_follow_up);
        }
    }

    #[tokio::test]
    async fn unknown_questions_get_a_call_back_and_a_follow_up() {
        for said in ["האם אתם מוכרים אופניים חשמליים?", "מה מזג האוויר בחוץ?"]
        {
            let r = ask(said).await;
            assert_eq!(r.text, strings::CALL_BACK, "{said}");
            assert!(r.needs_follow_up);
            assert_eq!(r.matched_question, None);
        }
    }

    #[tokio::test]
    async fn a_bare_greeting_is_answered_without_a_task() {
        let r = ask("שלום").await;
        assert_eq!(r.text, strings::HOW_CAN_I_HELP);
        assert!(!r.needs_follow_up);
    }

    #[tokio::test]
    async fn an_empty_knowledge_base_always_calls_back() {
        let r = KnowledgeReplier
            .reply(&ReplyContext {
                business: BusinessContext::default(),
                history: vec![],
                caller_text: "מה שעות הפעילות?".into(),
            })
            .await
            .unwrap();
        assert!(r.needs_follow_up);
    }
}
