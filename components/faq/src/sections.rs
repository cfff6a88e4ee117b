//! The ways the knowledge base and the "Linea INPS" service divide the work: article sections,
//! the three sections of a regional consultancy centre (C.R.I.C., seed 001), the regions, and
//! an expert's desk. Each is a closed type: parsing is the only way in.

use serde::{Deserialize, Serialize};
pub use welfare_guest::region::Region;

/// An article's section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArticleSection {
    Pensions,
    IncomeSupport,
    Disability,
    Contributions,
    Access,
}

impl ArticleSection {
    pub const ALL: [ArticleSection; 5] = [
        Self::Pensions,
        Self::IncomeSupport,
        Self::Disability,
        Self::Contributions,
        Self::Access,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pensions => "pensions",
            Self::IncomeSupport => "income-support",
            Self::Disability => "disability",
            Self::Contributions => "contributions",
            Self::Access => "access",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The C.R.I.C. section that answers questions on this subject. Civil invalidity is an
    /// assistance benefit, handled with income support; access (SPID, PIN, apps) is the IT
    /// assistance groups' work, not a C.R.I.C. section's.
    pub fn cric(self) -> Option<CricSection> {
        match self {
            Self::Pensions => Some(CricSection::Pensions),
            Self::IncomeSupport | Self::Disability => Some(CricSection::IncomeSupport),
            Self::Contributions => Some(CricSection::Contributor),
            Self::Access => None,
        }
    }
}

/// A section of a regional consultancy centre: pensions, income support ("prestazioni a
/// sostegno del reddito"), contributor ("soggetto contribuente").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CricSection {
    Pensions,
    IncomeSupport,
    Contributor,
}

impl CricSection {
    pub const ALL: [CricSection; 3] = [Self::Pensions, Self::IncomeSupport, Self::Contributor];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pensions => "pensions",
            Self::IncomeSupport => "income-support",
            Self::Contributor => "contributor",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// The central directorate's desks: questions an expert forwards as exceptionally complex.
pub const CENTRAL: &str = "central";

/// Where a question waits: a region's C.R.I.C. section, or the central directorate's desk
/// for that section. Written `lazio/pensions` or `central/contributor`, which is also how an
/// expert's token names the desk they work (`office`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desk {
    /// A region's slug, or [`CENTRAL`].
    pub place: &'static str,
    pub section: CricSection,
}

impl Desk {
    pub fn regional(region: &Region, section: CricSection) -> Self {
        Self {
            place: region.as_str(),
            section,
        }
    }

    pub fn central(section: CricSection) -> Self {
        Self {
            place: CENTRAL,
            section,
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let (place, section) = raw.split_once('/')?;
        let place = if place == CENTRAL {
            CENTRAL
        } else {
            Region::parse(place)?.as_str()
        };
        Some(Self {
            place,
            section: CricSection::parse(section)?,
        })
    }

    /// `lazio/pensions`: the desk's name, and the middle of its queue keys.
    pub fn name(&self) -> String {
        format!("{}/{}", self.place, self.section.as_str())
    }

    pub fn is_central(&self) -> bool {
        self.place == CENTRAL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desks_parse_and_print() {
        let d = Desk::parse("lazio/pensions").unwrap();
        assert_eq!(d.name(), "lazio/pensions");
        assert!(!d.is_central());
        assert!(Desk::parse("central/contributor").unwrap().is_central());
        for bad in [
            "lazio",
            "lazio/",
            "atlantide/pensions",
            "lazio/pensioni",
            "/pensions",
            "LAZIO/pensions",
        ] {
            assert!(Desk::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn every_article_section_but_access_has_a_desk() {
        for s in ArticleSection::ALL {
            assert_eq!(s.cric().is_none(), s == ArticleSection::Access);
            assert_eq!(ArticleSection::parse(s.as_str()), Some(s));
        }
    }
}
