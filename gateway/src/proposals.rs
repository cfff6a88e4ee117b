//! The services the dossier proposes: seed 002's "the category generates the service proposal",
//! by seed 003's segments. The catalogue (`data/services.toml`) is data, embedded in the binary
//! and checked when the platform starts; the segments come from the domains' summaries.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

const CATALOGUE: &str = include_str!("../data/services.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub title: String,
    /// The knowledge-base sections whose news concern the segment.
    pub news_sections: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub title: String,
    pub domain: String,
    pub href: String,
    /// Empty: for everyone.
    pub segments: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub segments: BTreeMap<String, Segment>,
    pub services: Vec<Service>,
}

impl Catalogue {
    /// The embedded catalogue; every service's segments must be known ones.
    pub fn embedded() -> anyhow::Result<Self> {
        let c: Self = toml::from_str(CATALOGUE).context("in data/services.toml")?;
        for s in &c.services {
            if let Some(unknown) = s.segments.iter().find(|g| !c.segments.contains_key(*g)) {
                bail!(
                    "data/services.toml: the service {:?} names an unknown segment {unknown:?}",
                    s.id
                );
            }
        }
        Ok(c)
    }

    /// The known segments among `claimed` (what the domains said), sorted.
    pub fn segments(&self, claimed: impl IntoIterator<Item = String>) -> Vec<String> {
        let set: BTreeSet<String> = claimed
            .into_iter()
            .filter(|s| self.segments.contains_key(s))
            .collect();
        set.into_iter().collect()
    }

    /// Services for `segments`, in catalogue order, among the `visible` domains.
    pub fn proposals(&self, segments: &[String], visible: impl Fn(&str) -> bool) -> Vec<&Service> {
        self.services
            .iter()
            .filter(|s| visible(&s.domain))
            .filter(|s| s.segments.is_empty() || s.segments.iter().any(|g| segments.contains(g)))
            .collect()
    }

    /// Whether a news item of knowledge-base `section` concerns someone in `segments`.
    pub fn news_fits(&self, section: &str, segments: &[String]) -> bool {
        segments
            .iter()
            .filter_map(|g| self.segments.get(g))
            .any(|s| s.news_sections.iter().any(|n| n == section))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_loads_and_segments_generate_proposals() {
        let c = Catalogue::embedded().unwrap();
        let ids = |segments: &[&str]| -> Vec<String> {
            let segments: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
            c.proposals(&segments, |_| true)
                .iter()
                .map(|s| s.id.clone())
                .collect()
        };
        // Everyone gets Linea INPS; a pensioner also the pension answers and disability.
        assert_eq!(ids(&[]), ["linea-inps"]);
        assert_eq!(
            ids(&["pensioner"]),
            ["disability-application", "pension-answers", "linea-inps"]
        );
        assert_eq!(
            ids(&["in-crisis"]),
            ["linea-inps", "instalment-plan", "payment-notices"]
        );
        // Unknown segments claimed by a domain are dropped.
        assert_eq!(
            c.segments(["worker".into(), "astronaut".into(), "worker".into()]),
            ["worker"]
        );
        assert!(c.news_fits("pensions", &["about-to-retire".into()]));
        assert!(!c.news_fits("pensions", &["worker".into()]));
    }
}
