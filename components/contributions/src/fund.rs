//! The self-employed funds (Gestione artigiani, Gestione commercianti): a leaf, so that the
//! statement can tell a self-employed period without reaching into the positions that issue
//! their notices ([`crate::self_employed`]).

use serde::{Deserialize, Serialize};

use crate::params;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fund {
    Artigiani,
    Commercianti,
}

impl Fund {
    pub fn code(self) -> &'static str {
        match self {
            Fund::Artigiani => "artigiani",
            Fund::Commercianti => "commercianti",
        }
    }

    /// The fund of a statement period's `fund` code, if it is a self-employed one.
    pub fn from_code(code: &str) -> Option<Self> {
        [Fund::Artigiani, Fund::Commercianti]
            .into_iter()
            .find(|f| f.code() == code)
    }

    pub fn yearly_cents(self, p: &params::SelfEmployed) -> i64 {
        match self {
            Fund::Artigiani => p.artigiani_yearly_cents,
            Fund::Commercianti => p.commercianti_yearly_cents,
        }
    }
}
