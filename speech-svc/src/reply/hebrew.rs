//! Hebrew-aware text matching for the `knowledge` engine: niqqud stripped, final letters
//! normalised (ך→כ, ם→מ, ן→נ, ף→פ, ץ→צ), the one-letter prefixes ו/ה/ב/ל/מ/ש/כ peeled off,
//! question and filler words dropped, and a few common business concepts (opening hours, price,
//! address, appointments…) treated as synonyms.

use std::{
    collections::{HashMap, HashSet},
    sync::OnceLock,
};

/// Letters that attach to the front of a Hebrew word (and, the, in, to, from, that, as).
pub(crate) const PREFIXES: [char; 7] = ['ו', 'ה', 'ב', 'ל', 'מ', 'ש', 'כ'];

fn final_to_regular(c: char) -> char {
    match c {
        'ך' => 'כ',
        'ם' => 'מ',
        'ן' => 'נ',
        'ף' => 'פ',
        'ץ' => 'צ',
        c => c,
    }
}

/// Hebrew points and cantillation marks (U+0591–U+05C7) that are not punctuation.
fn is_niqqud(c: char) -> bool {
    matches!(
        c,
        '\u{0591}'
            ..='\u{05BD}'
                | '\u{05BF}'
                | '\u{05C1}'
                | '\u{05C2}'
                | '\u{05C4}'
                | '\u{05C5}'
                | '\u{05C7}'
    )
}

/// Lower case, no niqqud, no final letters, punctuation (and maqaf, geresh) as spaces.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_niqqud(c) {
            continue;
        }
        // Geresh and gershayim (and their ASCII look-alikes) belong inside words: צ'יפס, מע"מ.
        if matches!(c, '\u{05F3}' | '\u{05F4}' | '\'' | '"') {
            continue;
        }
        let c = final_to_regular(c);
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out
}

/// The token and every form with up to three leading prefix letters removed, keeping at least
/// two letters: "ובשעות" → ["ובשעות", "בשעות", "שעות", "עות"].
pub fn stems(token: &str) -> Vec<String> {
    let mut forms = vec![token.to_string()];
    let mut rest = token;
    for _ in 0..3 {
        let mut chars = rest.chars();
        match chars.next() {
            Some(c) if PREFIXES.contains(&c) && chars.clone().count() >= 2 => {
                rest = chars.as_str();
                forms.push(rest.to_string());
            }
            _ => break,
        }
    }
    forms
}

const STOPWORDS: &[&str] = &[
    "מה",
    "מי",
    "איך",
    "מתי",
    "למה",
    "האם",
    "יש",
    "אין",
    "את",
    "אתה",
    "אתם",
    "אתן",
    "אני",
    "אנחנו",
    "הוא",
    "היא",
    "הם",
    "הן",
    "של",
    "על",
    "עם",
    "אל",
    "זה",
    "זאת",
    "זו",
    "גם",
    "כן",
    "לא",
    "אפשר",
    "רוצה",
    "רוצים",
    "רציתי",
    "בבקשה",
    "שלום",
    "תודה",
    "היי",
    "הי",
    "אם",
    "או",
    "כל",
    "עד",
    "כמה",
    "לכם",
    "לך",
    "לי",
    "שלכם",
    "שלך",
    "שלי",
    "טוב",
    "אוקיי",
    "בסדר",
    "רק",
    "עוד",
    "אז",
    "אבל",
    "כי",
    "מאוד",
    "לגבי",
    "לדעת",
    "אשמח",
    "תגיד",
    "תגידו",
    "לשאול",
    "שאלה",
    "היום",
    "בעצם",
    "פה",
    "שם",
    "יהיה",
    "היה",
    "הייתי",
    "צריך",
    "צריכה",
    "ok",
    "hi",
];

/// Question words that still say something ("איפה" asks for a place) but less than a noun does.
const WEAK: &[&str] = &["איפה", "מאיפה", "לאן"];

/// Words of one concept: a caller asking "מתי אתם פתוחים" asks about "שעות הפעילות".
const CONCEPTS: &[(&str, &[&str])] = &[
    (
        "hours",
        &[
            "שעות",
            "שעה",
            "פתוח",
            "פתוחה",
            "פתוחים",
            "סגור",
            "סגורים",
            "פעילות",
            "פועלים",
            "פתיחה",
        ],
    ),
    (
        "price",
        &[
            "מחיר",
            "מחירים",
            "מחירון",
            "עולה",
            "עולים",
            "עלות",
            "תעריף",
            "תשלום",
            "לשלם",
        ],
    ),
    (
        "place",
        &[
            "כתובת",
            "איפה",
            "מאיפה",
            "לאן",
            "מיקום",
            "ממוקמים",
            "נמצאים",
            "להגיע",
            "הגעה",
            "מגיעים",
        ],
    ),
    (
        "appointment",
        &[
            "תור",
            "תורים",
            "לקבוע",
            "קובעים",
            "פגישה",
            "פגישות",
            "זימון",
            "הזמנה",
            "להזמין",
        ],
    ),
    ("parking", &["חניה", "חנייה", "לחנות", "חניון"]),
    ("delivery", &["משלוח", "משלוחים", "שליח", "שליחות"]),
    ("phone", &["טלפון", "מספר", "וואטסאפ", "ווטסאפ"]),
];

/// Verbs of asking for something to be done rather than asked about: set, arrange, cancel, move,
/// postpone, bring forward, change, order, sign up.
const ACTION_VERBS: &[&str] = &[
    "לקבוע",
    "לקבע",
    "קביעת",
    "לתאם",
    "תיאום",
    "לבטל",
    "ביטול",
    "להזיז",
    "להעביר",
    "לדחות",
    "להקדים",
    "לשנות",
    "להזמין",
    "לרשום",
    "להירשם",
    "תקבעו",
    "תבטלו",
    "תזיזו",
];

/// Whether `text` asks for an appointment to be set, moved or cancelled (or something ordered):
/// an action verb next to an appointment word ("אפשר לקבוע תור ליום שלישי?", "לבטל את הפגישה").
pub fn asks_to_act(text: &str) -> bool {
    let verbs: HashSet<String> = ACTION_VERBS
        .iter()
        .map(|w| normalize(w).trim().to_string())
        .collect();
    let tokens: Vec<String> = normalize(text)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let acts = tokens
        .iter()
        .any(|t| stems(t).iter().any(|s| verbs.contains(s)));
    acts && terms(text).iter().any(|t| t.concept == Some("appointment"))
}

fn stopwords() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        STOPWORDS
            .iter()
            .map(|w| normalize(w).trim().to_string())
            .collect()
    })
}

fn concepts() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        CONCEPTS
            .iter()
            .flat_map(|(id, words)| words.iter().map(|w| (normalize(w).trim().to_string(), *id)))
            .collect()
    })
}

fn is_stopword(token: &str) -> bool {
    let set = stopwords();
    if set.contains(token) {
        return true;
    }
    // "ומה", "ויש", "שאפשר": a conjunction glued to a filler word.
    let mut chars = token.chars();
    matches!(chars.next(), Some('ו' | 'ה' | 'ש')) && set.contains(chars.as_str())
}

/// One content word of a text, ready for matching.
#[derive(Debug, Clone)]
pub struct Term {
    pub token: String,
    pub stems: Vec<String>,
    pub concept: Option<&'static str>,
    /// 1 for a content word, less for a weak question word.
    pub weight: f32,
}

impl Term {
    /// Same concept, or a shared stem. A shared stem of two letters counts only when it is a
    /// whole word on one side ("בגן" ~ "גן"), so "מים" and "בים" do not match through "ים".
    pub fn matches(&self, other: &Term) -> bool {
        if self.concept.is_some() && self.concept == other.concept {
            return true;
        }
        self.stems.iter().any(|s| {
            other.stems.contains(s)
                && (s.chars().count() >= 3 || *s == self.token || *s == other.token)
        })
    }
}

/// The content words of `text`.
pub fn terms(text: &str) -> Vec<Term> {
    let concepts = concepts();
    normalize(text)
        .split_whitespace()
        .filter(|t| t.chars().count() >= 2 && !is_stopword(t))
        .map(|t| {
            let stems = stems(t);
            let concept = stems.iter().find_map(|s| concepts.get(s).copied());
            let weight = if WEAK.iter().any(|w| normalize(w).trim() == t) {
                0.5
            } else {
                1.0
            };
            Term {
                token: t.to_string(),
                stems,
                concept,
                weight,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn niqqud_and_final_letters_are_normalised() {
        assert_eq!(normalize("שָׁלוֹם").trim(), "שלומ");
        assert_eq!(
            normalize("מָה שְׁעוֹת הַפְּעִילוּת?")
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["מה", "שעות", "הפעילות"]
        );
        assert_eq!(normalize("ארץ־ישראל").split_whitespace().count(), 2);
        assert_eq!(normalize("מע\"מ").trim(), "מעמ");
    }

    #[test]
    fn prefixes_are_peeled_off() {
        assert_eq!(stems("ובשעות"), ["ובשעות", "בשעות", "שעות", "עות"]);
        assert_eq!(stems("בגנ"), ["בגנ", "גנ"]);
        assert_eq!(stems("של"), ["של"]);
        assert_eq!(stems("תור"), ["תור"]);
    }

    #[test]
    fn fillers_are_dropped_and_concepts_found() {
        let t = terms("שלום, ומה שעות הפעילות שלכם?");
        let tokens: Vec<&str> = t.iter().map(|t| t.token.as_str()).collect();
        assert_eq!(tokens, ["שעות", "הפעילות"]);
        assert!(t.iter().all(|t| t.concept == Some("hours")));
    }

    #[test]
    fn asking_to_act_is_told_from_asking_about() {
        for t in [
            "אפשר לקבוע תור ליום שלישי ב-10?",
            "אני רוצה לבטל את התור שלי",
            "ולהזיז את הפגישה למחר",
            "תקבעו לי תור בבקשה",
        ] {
            assert!(asks_to_act(t), "{t}");
        }
        for t in [
            "מה שעות הפעילות?",
            "כמה עולה תספורת?",
            "אני רוצה לשנות את הכתובת שלי",
        ] {
            assert!(!asks_to_act(t), "{t}");
        }
    }

    #[test]
    fn two_letter_stems_need_a_whole_word() {
        let a = &terms("מים")[0];
        let b = &terms("בים")[0];
        assert!(!a.matches(b));
        let gan = &terms("גן")[0];
        let bagan = &terms("בגן")[0];
        assert!(gan.matches(bagan));
    }
}
