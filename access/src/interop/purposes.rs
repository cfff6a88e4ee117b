//! PDND purposes: each `purposeId` an agency's voucher carries is agreed for a set of
//! operations (`METHOD /route/template`), and optionally for one consumer organisation.

use std::collections::HashMap;

use anyhow::bail;

use super::{InteropConfig, PurposeConfig};

/// The purposes a development platform accepts, one per interoperability operation, so that
/// `welfare token agency --purpose …` works without configuration.
pub const DEV_PURPOSES: &[(&str, &str)] = &[
    (
        "parking-badge",
        "GET /interop/v1/disability-status/{fiscal_code}",
    ),
    ("procurement", "GET /interop/v1/durc/{vat_number}"),
    ("civil-registry", "POST /interop/v1/life-events"),
    (
        "disability-registry",
        "POST /interop/v1/registry/sync/search",
    ),
];

/// Why a voucher's purpose does not allow an operation.
#[derive(Debug, PartialEq, Eq)]
pub enum Denied {
    UnknownPurpose,
    OtherConsumer,
    NotThisOperation,
}

impl Denied {
    pub fn reason(&self) -> &'static str {
        match self {
            Denied::UnknownPurpose => "the voucher's purposeId is not agreed with this e-service",
            Denied::OtherConsumer => "the voucher's purposeId belongs to another organisation",
            Denied::NotThisOperation => "the voucher's purpose does not cover this operation",
        }
    }
}

pub struct Purposes {
    by_id: HashMap<String, PurposeConfig>,
}

impl Purposes {
    /// The configured purposes (and the development ones when `dev`), each operation checked
    /// against `operations`, the platform's routes: a purpose naming a route that does not
    /// exist stops the start, naming both.
    pub fn new(config: &InteropConfig, dev: bool, operations: &[String]) -> anyhow::Result<Self> {
        let mut by_id = HashMap::new();
        if dev {
            for (id, operation) in DEV_PURPOSES {
                by_id.insert(
                    id.to_string(),
                    PurposeConfig {
                        id: id.to_string(),
                        consumer: None,
                        operations: vec![operation.to_string()],
                    },
                );
            }
        }
        for purpose in &config.purposes {
            for op in &purpose.operations {
                if !operations.contains(op) {
                    bail!(
                        "the purpose {:?} names the operation {op:?}, which no route serves",
                        purpose.id
                    );
                }
            }
            by_id.insert(purpose.id.clone(), purpose.clone());
        }
        Ok(Self { by_id })
    }

    /// Whether `organisation`'s voucher for `purpose` allows `operation`.
    pub fn allows(&self, organisation: &str, purpose: &str, operation: &str) -> Result<(), Denied> {
        let p = self.by_id.get(purpose).ok_or(Denied::UnknownPurpose)?;
        if p.consumer.as_deref().is_some_and(|c| c != organisation) {
            return Err(Denied::OtherConsumer);
        }
        if !p.operations.iter().any(|o| o == operation) {
            return Err(Denied::NotThisOperation);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purpose_allows_its_operations_for_its_consumer() {
        let config = InteropConfig {
            purposes: vec![PurposeConfig {
                id: "p-1".into(),
                consumer: Some("comune-di-roma".into()),
                operations: vec!["GET /interop/v1/durc/{vat_number}".into()],
            }],
            ..InteropConfig::default()
        };
        let ops = vec!["GET /interop/v1/durc/{vat_number}".to_string()];
        let purposes = Purposes::new(&config, false, &ops).unwrap();
        let durc = "GET /interop/v1/durc/{vat_number}";
        let cases = [
            ("comune-di-roma", "p-1", durc, Ok(())),
            ("comune-di-milano", "p-1", durc, Err(Denied::OtherConsumer)),
            ("comune-di-roma", "p-2", durc, Err(Denied::UnknownPurpose)),
            (
                "comune-di-roma",
                "p-1",
                "POST /interop/v1/life-events",
                Err(Denied::NotThisOperation),
            ),
        ];
        for (org, purpose, op, expected) in cases {
            assert_eq!(
                purposes.allows(org, purpose, op),
                expected,
                "{org} {purpose} {op}"
            );
        }
        // Development purposes exist only on a development platform.
        assert!(purposes.allows("x", "procurement", durc).is_err());
        let dev = Purposes::new(&config, true, &ops).unwrap();
        assert!(dev.allows("x", "procurement", durc).is_ok());
    }

    #[test]
    fn a_purpose_naming_no_route_stops_the_start() {
        let config = InteropConfig {
            purposes: vec![PurposeConfig {
                id: "p-1".into(),
                consumer: None,
                operations: vec!["GET /interop/v1/nothing".into()],
            }],
            ..InteropConfig::default()
        };
        let error = Purposes::new(&config, false, &[])
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("p-1") && error.contains("/interop/v1/nothing"),
            "{error}"
        );
    }
}
