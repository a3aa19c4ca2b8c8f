//! Cuts a reply into sentences while it is being written, so each can be spoken as soon as it is
//! complete. Pure text handling, no I/O.
//!
//! A sentence ends at `.` `?` `!` `…` `;` `:` (a run of them, and any closing quote or bracket)
//! followed by whitespace, or at a line break. So a number (`3.5`, `10:30`, `₪1,200`) is never
//! cut, nor is an abbreviation (`ת"א`, `וכו'`, `רח'`): a period right after one does not end the
//! sentence. A piece with fewer than [`MIN_LETTERS`] letters (`1.`, `א.`) joins the next one. A
//! run of more than [`MAX_RUN_CHARS`] characters with no sentence end is cut at its last comma
//! (or else its last space), so a run-on answer does not hold back the first audio.

/// A piece with fewer letters than this is not spoken alone.
pub const MIN_LETTERS: usize = 2;
/// Longest run without a sentence end before it is cut at a comma or space.
pub const MAX_RUN_CHARS: usize = 160;
/// A run with no space at all is cut here, whatever it is (TTS engines bound their input).
const HARD_CUT_CHARS: usize = 2 * MAX_RUN_CHARS;
/// A comma this far into a long run is a good place to cut; an earlier one would leave a stub.
const MIN_COMMA_CUT_CHARS: usize = MAX_RUN_CHARS / 3;

const TERMINATORS: [char; 6] = ['.', '?', '!', '…', ';', ':'];
/// What may follow a sentence's punctuation and still belong to it: `"כן!" אמר`, `(כך.)`.
const CLOSERS: [char; 8] = ['"', '\'', '”', '’', ')', ']', '»', '״'];
/// Short words written with a period, where the period does not end the sentence.
const DOTTED_ABBREVIATIONS: [&str; 10] = [
    "רח", "מס", "טל", "עמ", "וכו", "בע\"מ", "dr", "mr", "mrs", "st",
];

#[derive(Debug, Default)]
pub struct SentenceSplitter {
    /// Text not yet given out as a sentence.
    pending: String,
}

impl SentenceSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `delta` and returns the sentences it completed, in order.
    pub fn push(&mut self, delta: &str) -> Vec<String> {
        self.pending.push_str(delta);
        let mut out = Vec::new();
        // Where to look for the next sentence end: past any too-short piece kept for merging.
        let mut from = 0;
        while let Some((end, next)) = find_end(&self.pending, from) {
            let piece = self.pending[..end].trim();
            if letters(piece) >= MIN_LETTERS {
                out.push(piece.to_string());
                self.pending.drain(..next);
                from = 0;
            } else {
                from = next;
            }
        }
        while let Some(cut) = long_run_cut(&self.pending) {
            let piece = self.pending[..cut].trim().to_string();
            self.pending.drain(..cut);
            out.push(piece);
        }
        out
    }

    /// What is left once the reply is complete, if it says anything.
    pub fn finish(self) -> Option<String> {
        let rest = self.pending.trim();
        rest.chars()
            .any(char::is_alphanumeric)
            .then(|| rest.to_string())
    }
}

fn letters(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphabetic()).count()
}

/// The first sentence end at or after byte `from`: `(end of the sentence, start of the rest)`.
/// `None` also when the text ends in punctuation: what follows decides.
fn find_end(text: &str, from: usize) -> Option<(usize, usize)> {
    for (i, c) in text[from..].char_indices().map(|(i, c)| (i + from, c)) {
        if c == '\n' {
            return Some((i, i + 1));
        }
        if !TERMINATORS.contains(&c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        let mut single_period = c == '.';
        let mut rest = text[end..].chars();
        for next in rest.by_ref() {
            if TERMINATORS.contains(&next) || CLOSERS.contains(&next) {
                single_period &= !TERMINATORS.contains(&next);
                end += next.len_utf8();
            } else {
                break;
            }
        }
        match text[end..].chars().next() {
            None => return None,
            Some(next) if next.is_whitespace() => {
                if single_period && is_abbreviation(&text[..i]) {
                    continue;
                }
                return Some((end, end));
            }
            // `3.5`, `10:30`, `www.x`: inside a word.
            Some(_) => continue,
        }
    }
    None
}

/// Whether the word that ends `before` is one that a period follows without ending a sentence:
/// a single letter (`א.`) or a dotted abbreviation, also with a prefix letter (`ברח.`).
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or_default()
        .trim_start_matches(['(', '"', '\'']);
    if word.chars().count() == 1 && word.chars().all(char::is_alphabetic) {
        return true;
    }
    let word = word.to_lowercase();
    let unprefixed = word.strip_prefix(super::hebrew::PREFIXES).unwrap_or(&word);
    DOTTED_ABBREVIATIONS
        .iter()
        .any(|a| *a == word || *a == unprefixed)
}

/// Where to cut a run that has grown past [`MAX_RUN_CHARS`] without a sentence end: at the last
/// comma (or else the last space) of its first [`MAX_RUN_CHARS`] characters.
fn long_run_cut(text: &str) -> Option<usize> {
    let at_char = |n: usize| text.char_indices().nth(n).map(|(i, _)| i);
    let window_end = at_char(MAX_RUN_CHARS)?;
    let window = &text[..window_end];
    let min_comma = at_char(MIN_COMMA_CUT_CHARS).unwrap_or(window_end);
    let comma = window.match_indices(", ").map(|(i, _)| i + 1).last();
    if let Some(cut) = comma.filter(|c| *c >= min_comma) {
        return Some(cut);
    }
    let space = window
        .char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .map(|(i, _)| i)
        .rfind(|i| letters(&text[..*i]) >= MIN_LETTERS);
    space.or_else(|| at_char(HARD_CUT_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sentence of `deltas` fed in order, the remainder included.
    fn split(deltas: &[&str]) -> Vec<String> {
        let mut s = SentenceSplitter::new();
        let mut out: Vec<String> = deltas.iter().flat_map(|d| s.push(d)).collect();
        out.extend(s.finish());
        out
    }

    /// `text` fed one character at a time, as a slow stream would.
    fn split_by_char(text: &str) -> Vec<String> {
        let chars: Vec<String> = text.chars().map(String::from).collect();
        split(&chars.iter().map(String::as_str).collect::<Vec<_>>())
    }

    #[test]
    fn sentences_end_at_their_punctuation() {
        let text = "שלום! אנחנו פתוחים היום. מה תרצה לדעת? אפשר גם לקבוע תור; נשמח לעזור: בכל שאלה… להתראות";
        let expected = [
            "שלום!",
            "אנחנו פתוחים היום.",
            "מה תרצה לדעת?",
            "אפשר גם לקבוע תור;",
            "נשמח לעזור:",
            "בכל שאלה…",
            "להתראות",
        ];
        assert_eq!(split(&[text]), expected);
        assert_eq!(split_by_char(text), expected);
    }

    #[test]
    fn a_sentence_is_given_out_as_soon_as_what_follows_shows_it_ended() {
        let mut s = SentenceSplitter::new();
        assert!(s.push("אנחנו פתוחים").is_empty());
        // A period at the very end may still be a decimal point.
        assert!(s.push(" עד 18.").is_empty());
        assert_eq!(s.push(" ומחר"), ["אנחנו פתוחים עד 18."]);
        assert!(s.push(" גם").is_empty());
        assert_eq!(s.finish().as_deref(), Some("ומחר גם"));
    }

    #[test]
    fn numbers_are_never_cut() {
        let text = "התספורת עולה ₪1,200 או 3.5 אחוז מהמחיר. אנחנו פותחים ב־10:30 בבוקר. תודה";
        let expected = [
            "התספורת עולה ₪1,200 או 3.5 אחוז מהמחיר.",
            "אנחנו פותחים ב־10:30 בבוקר.",
            "תודה",
        ];
        assert_eq!(split(&[text]), expected);
        assert_eq!(split_by_char(text), expected);
        assert_eq!(
            split(&["המחיר 3", ".", "5 שקלים. כן"]),
            ["המחיר 3.5 שקלים.", "כן"]
        );
    }

    #[test]
    fn abbreviations_are_never_cut() {
        let text = "הסניף בת\"א ברח' הרצל 5, מול הבנק וכו'. ד\"ר כהן מקבל בימים א'-ה'. בברכה";
        let expected = [
            "הסניף בת\"א ברח' הרצל 5, מול הבנק וכו'.",
            "ד\"ר כהן מקבל בימים א'-ה'.",
            "בברכה",
        ];
        assert_eq!(split(&[text]), expected);
        assert_eq!(split_by_char(text), expected);
        assert_eq!(
            split(&["אנחנו ברח. הרצל 10 בת״א. ניפגש בשעה 9 בבוקר, בקומה ג. של הבניין. נתראה"]),
            [
                "אנחנו ברח. הרצל 10 בת״א.",
                "ניפגש בשעה 9 בבוקר, בקומה ג. של הבניין.",
                "נתראה"
            ]
        );
    }

    #[test]
    fn a_piece_with_fewer_than_two_letters_joins_the_next() {
        assert_eq!(
            split(&["1. פתוחים בבוקר. 2. סגורים בערב."]),
            ["1. פתוחים בבוקר.", "2. סגורים בערב."]
        );
        assert_eq!(split(&["כן. בטח!"]), ["כן.", "בטח!"]);
    }

    #[test]
    fn closing_quotes_and_repeated_marks_stay_with_their_sentence() {
        assert_eq!(
            split(&["הוא אמר \"נתראה מחר.\" ואז הלך?! כן"]),
            ["הוא אמר \"נתראה מחר.\"", "ואז הלך?!", "כן"]
        );
    }

    #[test]
    fn line_breaks_end_sentences() {
        assert_eq!(
            split(&["שעות הפעילות\r\nראשון עד חמישי\n\nשישי עד הצהריים"]),
            ["שעות הפעילות", "ראשון עד חמישי", "שישי עד הצהריים"]
        );
    }

    #[test]
    fn a_long_run_on_is_cut_at_a_comma_then_at_a_space() {
        let clause = "אנחנו מציעים תספורות גברים ונשים";
        let text = [clause; 8].join(", ");
        let out = split(&[&text]);
        assert!(out.len() > 1, "{out:?}");
        assert!(out[0].ends_with(','), "{:?}", out[0]);
        assert!(out.iter().all(|s| s.chars().count() <= MAX_RUN_CHARS + 1));
        assert_eq!(out.join(" "), text, "nothing is lost");

        let words = ["מילה"; 60].join(" ");
        let out = split_by_char(&words);
        assert!(out.len() > 1);
        assert!(out.iter().all(|s| s.chars().count() <= MAX_RUN_CHARS));
        assert_eq!(out.join(" "), words);
    }

    #[test]
    fn a_run_with_no_space_is_cut_hard_and_nothing_is_lost() {
        let blob = "א".repeat(HARD_CUT_CHARS + 10);
        let out = split(&[&blob]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].chars().count(), HARD_CUT_CHARS);
        assert_eq!(out.concat(), blob);
    }

    #[test]
    fn a_remainder_without_words_is_not_spoken() {
        assert_eq!(split(&["תודה רבה. ", " ... "]), ["תודה רבה."]);
        assert!(split(&["   "]).is_empty());
    }
}
