//! The twenty Italian regions, by the slug the API uses (`lazio`, `valle-d-aosta`): where a
//! question waits for a regional expert, where a citizen lives for a campaign's segment.

use serde::{Deserialize, Serialize};

/// The twenty Italian regions, by the slug the API uses: kept in `welfare-identity`, which the
/// gateway shares, so that it checks a registry's change of residence with the same list.
pub use welfare_identity::region::REGIONS;

/// One of [`REGIONS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Region(&'static str);

// By hand: a derived impl would ask the input to outlive `'static` for the `&'static str`.
impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::try_from(raw).map_err(serde::de::Error::custom)
    }
}

impl Region {
    pub fn parse(raw: &str) -> Option<Self> {
        REGIONS.iter().find(|r| **r == raw).map(|r| Self(r))
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl TryFrom<String> for Region {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw).ok_or_else(|| format!("{raw:?} is not an Italian region's slug"))
    }
}

impl From<Region> for String {
    fn from(r: Region) -> String {
        r.0.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_parse_by_exact_slug() {
        assert_eq!(Region::parse("lazio").map(|r| r.as_str()), Some("lazio"));
        assert!(Region::parse("Lazio").is_none());
    }
}
