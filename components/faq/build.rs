//! Indexes the shipped knowledge base at build time.
//!
//! Every request runs in a fresh instance, so an index built at run time would be rebuilt for
//! every search. Instead this script reads `articles/<section>/<id>.md` and `synonyms.toml`,
//! checks them (a malformed article fails the build, naming the file), analyses them with the
//! component's own analyser (`src/analysis.rs`), and writes the index as static tables
//! (`$OUT_DIR/corpus.rs`) that the component includes: a search starts with its index already
//! in linear memory.

#[path = "src/analysis.rs"]
#[allow(dead_code)]
mod analysis;
#[path = "src/snippet.rs"]
#[allow(dead_code)]
mod snippet;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use analysis::Analyzer;
use serde::Deserialize;

/// The article sections, as `section` must name them.
const SECTIONS: &[&str] = &[
    "pensions",
    "income-support",
    "disability",
    "contributions",
    "access",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    title: String,
    section: String,
    tags: Vec<String>,
    reviewed: String,
    sources: Vec<String>,
}

struct Article {
    meta: FrontMatter,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymFile {
    synonym: Vec<SynonymEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymEntry {
    words: Vec<String>,
    means: Vec<String>,
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let articles_dir = root.join("articles");
    let synonyms_file = root.join("synonyms.toml");
    println!("cargo:rerun-if-changed={}", articles_dir.display());
    println!("cargo:rerun-if-changed={}", synonyms_file.display());
    println!("cargo:rerun-if-changed=src/analysis.rs");
    println!("cargo:rerun-if-changed=src/snippet.rs");

    let articles = read_articles(&articles_dir);
    let analyzer = Analyzer::new();
    let synonyms = read_synonyms(&synonyms_file, &analyzer);

    // term → (article → per-field term frequency); lengths per article and field.
    let mut postings: BTreeMap<String, BTreeMap<usize, [u16; 3]>> = BTreeMap::new();
    let mut words: BTreeMap<String, String> = BTreeMap::new();
    let mut lengths = Vec::new();
    for (doc, article) in articles.iter().enumerate() {
        // Fields in the order of the index's per-field arrays: title, tags, body.
        let fields = [
            article.meta.title.clone(),
            article.meta.tags.join(" . "),
            article.body.clone(),
        ];
        let mut len = [0u16; 3];
        for (field, text) in fields.iter().enumerate() {
            for (token, term) in analyzer.terms(text) {
                postings
                    .entry(term.clone())
                    .or_default()
                    .entry(doc)
                    .or_default()[field] += 1;
                len[field] += 1;
                words.entry(analysis::fold(&token.lower)).or_insert(term);
            }
        }
        lengths.push(len);
    }
    // The synonyms' own words are typo targets too ("disocupazione" → "disoccupazione").
    for entry in &synonyms.raw_words {
        for (token, term) in analyzer.terms(entry) {
            words.entry(analysis::fold(&token.lower)).or_insert(term);
        }
    }

    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("corpus.rs");
    std::fs::write(
        &out,
        render(&articles, &lengths, &postings, &words, &synonyms),
    )
    .expect("writing the corpus index");
}

fn read_articles(dir: &Path) -> Vec<Article> {
    let mut files = Vec::new();
    for section in SECTIONS {
        let sub = dir.join(section);
        let Ok(entries) = std::fs::read_dir(&sub) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("reading the articles directory").path();
            if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut seen = BTreeSet::new();
    let articles: Vec<Article> = files
        .iter()
        .map(|path| {
            let article = parse_article(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                seen.insert(article.meta.id.clone()),
                "{}: duplicate id {}",
                path.display(),
                article.meta.id
            );
            article
        })
        .collect();
    articles
}

fn parse_article(path: &Path) -> Result<Article, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let rest = text
        .strip_prefix("+++\n")
        .ok_or("an article starts with a +++ line")?;
    let (front, body) = rest
        .split_once("\n+++\n")
        .ok_or("the front matter ends with a +++ line")?;
    let meta: FrontMatter = toml::from_str(front).map_err(|e| e.to_string())?;
    let body = body.trim().to_string();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let section_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    check(meta.id == stem, "the id is the file's name")?;
    check(
        !meta.id.is_empty()
            && meta.id.len() <= 60
            && meta
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "the id is 1 to 60 of a-z, 0-9 and -",
    )?;
    check(
        meta.section == section_dir,
        "the section is the directory's name",
    )?;
    let title = meta.title.chars().count();
    check(
        (10..=120).contains(&title),
        "the title is 10 to 120 characters",
    )?;
    let body_chars = body.chars().count();
    check(
        (200..=10_000).contains(&body_chars),
        "the body is 200 to 10,000 characters",
    )?;
    check(
        (1..=12).contains(&meta.tags.len()),
        "an article has 1 to 12 tags",
    )?;
    check(
        (1..=6).contains(&meta.sources.len()),
        "an article names 1 to 6 sources",
    )?;
    check(
        meta.reviewed.len() == 10
            && meta.reviewed.as_bytes()[4] == b'-'
            && meta.reviewed.as_bytes()[7] == b'-',
        "reviewed is a YYYY-MM-DD date",
    )?;
    Ok(Article { meta, body })
}

fn check(ok: bool, rule: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(rule.to_string()) }
}

struct Synonyms {
    /// Per entry: the phrases that trigger it and the phrases they mean, as term sequences.
    entries: Vec<(Vec<Vec<String>>, Vec<Vec<String>>)>,
    raw_words: Vec<String>,
}

fn read_synonyms(path: &Path, analyzer: &Analyzer) -> Synonyms {
    let text = std::fs::read_to_string(path).expect("reading synonyms.toml");
    let file: SynonymFile =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // A word marked `+` must be in the query as it is written (a question word such as
    // `quanto`, a stop word elsewhere); other stop words in a phrase are ignored.
    let phrase = |p: &String| -> Vec<String> {
        let mut elements = Vec::new();
        for token in analysis::tokens(p) {
            if p[..token.start].ends_with('+') {
                elements.push(format!("={}", analysis::fold(&token.lower)));
            } else if !analysis::is_stop_word(&token.lower) {
                elements.push(analyzer.term(&token.lower));
            }
        }
        assert!(
            !elements.is_empty(),
            "{}: the phrase {p:?} has only stop words",
            path.display()
        );
        elements
    };
    let mut raw_words = Vec::new();
    let entries = file
        .synonym
        .iter()
        .map(|e| {
            raw_words.extend(e.words.iter().cloned());
            (
                e.words.iter().map(phrase).collect(),
                e.means.iter().map(phrase).collect(),
            )
        })
        .collect();
    Synonyms { entries, raw_words }
}

fn render(
    articles: &[Article],
    lengths: &[[u16; 3]],
    postings: &BTreeMap<String, BTreeMap<usize, [u16; 3]>>,
    words: &BTreeMap<String, String>,
    synonyms: &Synonyms,
) -> String {
    let term_index: BTreeMap<&str, usize> = postings
        .keys()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let mut out = String::from("// Generated by build.rs from articles/ and synonyms.toml.\n\n");

    out.push_str("pub static ARTICLES: &[Shipped] = &[\n");
    for (article, len) in articles.iter().zip(lengths) {
        let m = &article.meta;
        let text = snippet::plain(&article.body);
        writeln!(
            out,
            "    Shipped {{ id: {:?}, title: {:?}, section: ArticleSection::{}, tags: &{:?}, reviewed: {:?}, sources: &{:?}, body: {:?}, lengths: {:?}, plain: {:?}, sentences: &{:?}, words: &[{}] }},",
            m.id, m.title, variant(&m.section), m.tags, m.reviewed, m.sources, article.body, len,
            text, snippet::sentences(&text), body_words(&text, words, &term_index),
        )
        .unwrap();
    }
    out.push_str("];\n\n");

    let mut totals = [0u64; 3];
    for len in lengths {
        for (total, l) in totals.iter_mut().zip(len) {
            *total += u64::from(*l);
        }
    }
    writeln!(
        out,
        "/// Indexed terms per field over all shipped articles.\npub const TOTAL_LENGTHS: [u64; 3] = {totals:?};\n"
    )
    .unwrap();

    out.push_str("pub static TERMS: &[&str] = &[\n");
    for term in postings.keys() {
        writeln!(out, "    {term:?},").unwrap();
    }
    out.push_str("];\n\n");

    out.push_str("pub static POSTINGS: &[&[Posting]] = &[\n");
    for docs in postings.values() {
        out.push_str("    &[");
        for (doc, tf) in docs {
            write!(out, "Posting {{ doc: {doc}, tf: {tf:?} }}, ").unwrap();
        }
        out.push_str("],\n");
    }
    out.push_str("];\n\n");

    out.push_str("pub static WORDS: &[(&str, u32)] = &[\n");
    for (word, term) in words {
        if let Some(i) = term_index.get(term.as_str()) {
            writeln!(out, "    ({word:?}, {i}),").unwrap();
        }
    }
    out.push_str("];\n\n");

    out.push_str("pub static SYNONYMS: &[Synonym] = &[\n");
    for (words, means) in &synonyms.entries {
        writeln!(
            out,
            "    Synonym {{ words: {}, means: {} }},",
            phrases(words),
            phrases(means)
        )
        .unwrap();
    }
    out.push_str("];\n");
    out
}

/// The content words of an article's plain text that the index knows, as the snippet needs
/// them (`(Mark, term)`, the term's position in `TERMS`), so that a search never tokenises a
/// shipped article: the same tokens, stop words and word table the run-time path would use.
fn body_words(
    text: &str,
    words: &BTreeMap<String, String>,
    term_index: &BTreeMap<&str, usize>,
) -> String {
    let mut seen = Vec::new();
    let mut out = String::new();
    for token in analysis::tokens(text) {
        if analysis::is_stop_word(&token.lower) {
            continue;
        }
        let Some(term) = words
            .get(&analysis::fold(&token.lower))
            .and_then(|t| term_index.get(t.as_str()))
        else {
            continue;
        };
        let word = snippet::word_id(&mut seen, &token.lower);
        write!(
            out,
            "(Mark {{ start: {}, end: {}, word: {word} }}, {term}), ",
            token.start, token.end
        )
        .unwrap();
    }
    out
}

/// The `ArticleSection` variant of a section's slug: `income-support` → `IncomeSupport`.
fn variant(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Phrases as a Rust slice of slices: `&[&["a", "b"], &["c"]]`.
fn phrases(list: &[Vec<String>]) -> String {
    let inner: Vec<String> = list.iter().map(|p| format!("&{p:?}")).collect();
    format!("&[{}]", inner.join(", "))
}
