//! Italian text analysis: how a text becomes the terms the index is keyed by.
//!
//! One pipeline for everything, so that an article and a query can never be analysed
//! differently: the build script includes this file (`#[path]`) to index the shipped articles,
//! and the component runs it on queries and on the articles editors publish.
//!
//! 1. **Tokens**: maximal runs of letters and digits; apostrophes, hyphens and dots split
//!    (`dell'INPS` → `dell`, `inps`; `L.104` → `l`, `104`). Each token keeps its byte span in
//!    the source, for snippets.
//! 2. **Lower case**, accents kept: the Snowball stemmer needs them (`invalidità` and
//!    `invalidi` share the stem `invalid` only because the stemmer sees the `à`).
//! 3. **Stop words** (articles, prepositions, pronouns, auxiliaries and the question words every
//!    query has) are dropped, compared without accents.
//! 4. **Stem** with the Snowball Italian algorithm (`rust-stemmers`), then **fold** the stem's
//!    accents, so the term is plain ASCII for letters of Italian.
//!
//! A citizen who types no accents (`invalidita`) would otherwise get another stem than the
//! article's `invalidità`: written Italian puts accents only on a word's last vowel, so a query
//! word ending in a plain vowel is also tried with that vowel accented ([`Analyzer::query_terms`]),
//! and the index decides which reading exists.

use rust_stemmers::{Algorithm, Stemmer};

/// Tokens shorter than this (in characters) are not indexed: single letters are elisions
/// (`l'`, `d'`) or list markers.
pub const MIN_TOKEN_CHARS: usize = 2;
/// Longer tokens are not words (codes, garbage) and are not indexed.
pub const MAX_TOKEN_CHARS: usize = 40;

/// One token of a text: its lower-cased form (accents kept) and where it is in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub lower: String,
    pub start: usize,
    pub end: usize,
}

/// The tokens of `text`, in order, stop words included (callers decide what to drop).
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            push_token(&mut out, text, s, i);
        }
    }
    if let Some(s) = start {
        push_token(&mut out, text, s, text.len());
    }
    out
}

fn push_token(out: &mut Vec<Token>, text: &str, start: usize, end: usize) {
    let raw = &text[start..end];
    let chars = raw.chars().count();
    if (MIN_TOKEN_CHARS..=MAX_TOKEN_CHARS).contains(&chars) {
        out.push(Token {
            lower: raw.to_lowercase(),
            start,
            end,
        });
    }
}

/// `c` without its accent, for the letters Italian (and the names it borrows) writes.
pub fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        other => other,
    }
}

/// `word` without accents.
pub fn fold(word: &str) -> String {
    word.chars().map(fold_char).collect()
}

/// Whether `word` carries an accent that [`fold`] would remove.
pub fn has_accent(word: &str) -> bool {
    word.chars().any(|c| fold_char(c) != c)
}

/// Italian function words, without accents, sorted (binary search). Content words that look
/// common in questions ("domanda", "pensione", "spetta") are deliberately not here: they are
/// what a query is about.
const STOP_WORDS: &[&str] = &[
    "a", "abbiamo", "ad", "agli", "ai", "al", "alla", "alle", "allo", "anche", "avere", "avete",
    "c", "che", "chi", "ci", "co", "coi", "col", "come", "con", "cos", "cosa", "cui", "d", "da",
    "dagli", "dai", "dal", "dall", "dalla", "dalle", "dallo", "de", "degli", "dei", "del", "dell",
    "della", "delle", "dello", "deve", "devo", "devono", "di", "dove", "e", "ed", "era", "essere",
    "fa", "faccio", "fare", "fra", "gia", "gli", "ha", "hai", "hanno", "ho", "i", "il", "in", "io",
    "l", "la", "le", "lei", "lo", "loro", "lui", "ma", "me", "mi", "mia", "mie", "miei", "mio",
    "ne", "negli", "nei", "nel", "nell", "nella", "nelle", "nello", "noi", "non", "nostra",
    "nostro", "o", "od", "per", "perche", "piu", "posso", "puo", "puoi", "quale", "quali",
    "quando", "quanta", "quante", "quanti", "quanto", "quella", "quelle", "quelli", "quello",
    "questa", "queste", "questi", "questo", "se", "sei", "si", "siamo", "siete", "sono", "sta",
    "sto", "su", "sua", "sue", "sugli", "sui", "sul", "sull", "sulla", "sulle", "sullo", "suo",
    "suoi", "te", "ti", "tra", "tu", "tua", "tue", "tuo", "tuoi", "un", "una", "uno", "vi", "voi",
    "vorrei",
];

/// Whether `lower` (a token's lower-cased form) is a stop word.
pub fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.binary_search(&fold(lower).as_str()).is_ok()
}

/// The Italian stemmer and the steps around it.
pub struct Analyzer {
    stemmer: Stemmer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    pub fn new() -> Self {
        Self {
            stemmer: Stemmer::create(Algorithm::Italian),
        }
    }

    /// The index term of a lower-cased word: its Snowball stem, without accents. Numbers and
    /// acronyms pass through the stemmer unchanged or nearly so, which is what they need.
    pub fn term(&self, lower: &str) -> String {
        if lower.bytes().any(|b| b.is_ascii_digit()) {
            return fold(lower);
        }
        fold(&self.stemmer.stem(lower))
    }

    /// The terms of a text's content words, in order (stop words dropped), with their tokens.
    pub fn terms(&self, text: &str) -> Vec<(Token, String)> {
        tokens(text)
            .into_iter()
            .filter(|t| !is_stop_word(&t.lower))
            .map(|t| {
                let term = self.term(&t.lower);
                (t, term)
            })
            .collect()
    }

    /// The readings of a query word: its own term and, when it ends in a plain vowel and has
    /// no accent, the term of the same word with that vowel accented (`invalidita` is read as
    /// `invalidità` too). The first reading is the literal one.
    pub fn query_terms(&self, lower: &str) -> Vec<String> {
        let mut readings = vec![self.term(lower)];
        if !has_accent(lower)
            && let Some(accented) = accent_last_vowel(lower)
        {
            let other = self.term(&accented);
            if !readings.contains(&other) {
                readings.push(other);
            }
        }
        readings
    }
}

/// `word` with its final vowel given the grave accent Italian writes there (`citta` → `città`);
/// none when it does not end in a vowel.
fn accent_last_vowel(word: &str) -> Option<String> {
    let last = word.chars().last()?;
    let accented = match last {
        'a' => 'à',
        'e' => 'è',
        'i' => 'ì',
        'o' => 'ò',
        'u' => 'ù',
        _ => return None,
    };
    let mut out = word[..word.len() - last.len_utf8()].to_string();
    out.push(accented);
    Some(out)
}

/// Optimal-string-alignment distance between two words, stopping early: whether `a` and `b`
/// are at most one edit apart (a letter inserted, removed or changed, or two neighbours
/// swapped). This is the typo tolerance the search promises.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    // A typo is looked for across the whole vocabulary (thousands of words), almost all plain
    // ASCII once folded: compare their bytes without collecting characters.
    if a.is_ascii() && b.is_ascii() {
        return one_edit(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    one_edit(&a, &b)
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    // Skip the common prefix and suffix; what is left must be one edit.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if prefix == a.len() && prefix == b.len() {
        return true;
    }
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ra, rb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    match (ra.len(), rb.len()) {
        (0, 1) | (1, 0) | (1, 1) => true,
        (2, 2) => ra[0] == rb[1] && ra[1] == rb[0],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn tokens_split_elisions_hyphens_and_dots() {
        let words: Vec<String> = tokens("Dell'INPS: la DIS-COLL e la L.104, perché sì.")
            .into_iter()
            .map(|t| t.lower)
            .collect();
        assert_eq!(
            words,
            [
                "dell", "inps", "la", "dis", "coll", "la", "104", "perché", "sì"
            ]
        );
    }

    #[test]
    fn token_spans_point_into_the_source() {
        let text = "L'indennità è dovuta";
        let t = &tokens(text)[0];
        assert_eq!(&text[t.start..t.end], "indennità");
    }

    #[test]
    fn inflections_share_a_term() {
        let a = Analyzer::new();
        for group in [
            &["pensione", "pensioni"][..],
            &["invalidità", "invalidi", "invalido"],
            &["licenziamento", "licenziamenti"],
            &["contributi", "contributo"],
            &["pagamento", "pagamenti"],
        ] {
            let terms: Vec<String> = group.iter().map(|w| a.term(w)).collect();
            assert!(
                terms.windows(2).all(|w| w[0] == w[1]),
                "{group:?} → {terms:?}"
            );
        }
    }

    #[test]
    fn a_word_typed_without_its_accent_finds_the_accented_reading() {
        let a = Analyzer::new();
        let accented = a.term("invalidità");
        assert!(a.query_terms("invalidita").contains(&accented));
        assert!(a.query_terms("indennita").contains(&a.term("indennità")));
        assert_eq!(a.query_terms("invalidità"), vec![accented]);
    }

    #[test]
    fn stop_words_ignore_accents() {
        assert!(is_stop_word("perché"));
        assert!(is_stop_word("più"));
        assert!(!is_stop_word("pensione"));
    }

    #[test]
    fn one_edit() {
        for (a, b) in [
            ("disoccupazione", "disocupazione"),
            ("pensione", "pensoine"),
            ("pensione", "pensiome"),
            ("naspi", "naspi"),
            ("assegno", "assegnoo"),
        ] {
            assert!(within_one_edit(a, b), "{a} / {b}");
        }
        // Characters, not bytes: `à` is two bytes and one letter.
        assert!(within_one_edit("invalidità", "invalidita"));
        assert!(within_one_edit("città", "cittàa"));
        for (a, b) in [
            ("pensione", "pansiome"),
            ("naspi", "nas"),
            ("abc", "cba"),
            ("città", "cittaaa"),
        ] {
            assert!(!within_one_edit(a, b), "{a} / {b}");
        }
    }
}
