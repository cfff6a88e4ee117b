//! The claims of each kind of token, and how they become a [`Principal`].

use serde::{Deserialize, Serialize};

use super::{AuthError, IntermediaryKind, Level, Principal, PrincipalKind};
use welfare_identity::{FiscalCode, VatNumber};

/// The SPID/CIE attribute that carries the fiscal code, as `TINIT-<code>`.
pub const FISCAL_NUMBER_CLAIM: &str = "https://attributes.eid.gov.it/fiscal_number";
/// Prefix of the fiscal number attribute: ETSI natural-person identifier, Italian tax id.
pub const FISCAL_NUMBER_PREFIX: &str = "TINIT-";

/// The SPID attribute of legal persons that carries the VAT number, as `VATIT-<number>`.
pub const VAT_NUMBER_CLAIM: &str = "https://attributes.eid.gov.it/vat_number";
/// Prefix of the VAT number attribute: ETSI legal-person identifier, Italian VAT number.
pub const VAT_NUMBER_PREFIX: &str = "VATIT-";
/// The SPID attribute of legal persons that carries the company's name.
pub const COMPANY_NAME_CLAIM: &str = "https://attributes.eid.gov.it/company_name";

/// Longest `jti` accepted: UUIDs are 36 characters; the bound keeps the replay table small.
pub const MAX_JTI_LEN: usize = 128;

/// Every claim any token kind may carry; each kind requires its own subset.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
    #[serde(default)]
    pub iat: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Citizen: the fiscal number attribute.
    #[serde(
        rename = "https://attributes.eid.gov.it/fiscal_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub fiscal_number: Option<String>,
    /// Company: the VAT number attribute.
    #[serde(
        rename = "https://attributes.eid.gov.it/vat_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub vat_number: Option<String>,
    /// Company: its name, when the identity provider asserts it.
    #[serde(
        rename = "https://attributes.eid.gov.it/company_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub company_name: Option<String>,
    /// Citizen and company: SPID level of assurance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// Intermediary and agency: the organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Intermediary: caf, patronato, consulente.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_kind: Option<IntermediaryKind>,
    /// Agency: the PDND purpose.
    #[serde(rename = "purposeId", skip_serializing_if = "Option::is_none")]
    pub purpose_id: Option<String>,
    /// Agency (ModI AUDIT_REST_02): the hash of the `Agid-JWT-TrackingEvidence` the voucher
    /// was issued for, binding the two.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<VoucherDigest>,
    /// Operator: role and office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
}

/// A voucher's `digest` claim: `{"alg": "SHA256", "value": "<hex>"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VoucherDigest {
    pub alg: String,
    pub value: String,
}

/// The only digest algorithm PDND uses for AUDIT_REST_02.
const DIGEST_ALG: &str = "SHA256";

/// The SPID level of assurance in `acr`, which citizens' and companies' tokens must carry.
fn level(acr: Option<&str>) -> Result<Level, AuthError> {
    acr.and_then(Level::from_acr).ok_or(AuthError::Claim("acr"))
}

/// The principal for verified `claims` from an issuer trusted for `kind`.
pub fn principal(
    kind: PrincipalKind,
    typ: Option<&str>,
    claims: Claims,
) -> Result<Principal, AuthError> {
    match kind {
        PrincipalKind::Citizen => {
            let raw = claims
                .fiscal_number
                .ok_or(AuthError::Claim(FISCAL_NUMBER_CLAIM))?;
            let code = raw
                .strip_prefix(FISCAL_NUMBER_PREFIX)
                .ok_or(AuthError::Claim(FISCAL_NUMBER_CLAIM))?;
            let fiscal_code =
                FiscalCode::parse(code).map_err(|_| AuthError::Claim(FISCAL_NUMBER_CLAIM))?;
            let level = level(claims.acr.as_deref())?;
            Ok(Principal::Citizen { fiscal_code, level })
        }
        PrincipalKind::Company => {
            let raw = claims
                .vat_number
                .ok_or(AuthError::Claim(VAT_NUMBER_CLAIM))?;
            let number = raw
                .strip_prefix(VAT_NUMBER_PREFIX)
                .ok_or(AuthError::Claim(VAT_NUMBER_CLAIM))?;
            let vat_number =
                VatNumber::parse(number).map_err(|_| AuthError::Claim(VAT_NUMBER_CLAIM))?;
            let level = level(claims.acr.as_deref())?;
            Ok(Principal::Company {
                vat_number,
                name: claims.company_name,
                level,
            })
        }
        PrincipalKind::Intermediary => Ok(Principal::Intermediary {
            organisation: claims.org.ok_or(AuthError::Claim("org"))?,
            kind: claims.org_kind.ok_or(AuthError::Claim("org_kind"))?,
        }),
        PrincipalKind::Agency => {
            // PDND vouchers are access tokens: RFC 9068 `typ` is mandatory.
            if typ != Some("at+jwt") {
                return Err(AuthError::Claim("typ (at+jwt)"));
            }
            Ok(Principal::Agency {
                organisation: claims.org.ok_or(AuthError::Claim("org"))?,
                purpose: claims.purpose_id.ok_or(AuthError::Claim("purposeId"))?,
                voucher: super::Voucher {
                    jti: claims
                        .jti
                        .filter(|j| !j.is_empty() && j.len() <= MAX_JTI_LEN)
                        .ok_or(AuthError::Claim("jti"))?,
                    expires_at: claims.exp,
                    tracking_digest: match claims.digest {
                        None => None,
                        Some(d) if d.alg == DIGEST_ALG && d.value.len() == 64 => {
                            Some(d.value.to_ascii_lowercase())
                        }
                        Some(_) => return Err(AuthError::Claim("digest (SHA256)")),
                    },
                },
            })
        }
        PrincipalKind::Operator => Ok(Principal::Operator {
            id: claims.sub,
            role: claims.role.ok_or(AuthError::Claim("role"))?,
            office: claims.office,
        }),
        PrincipalKind::Anonymous | PrincipalKind::System => Err(AuthError::UnknownIssuer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company_claims(vat: Option<&str>) -> Claims {
        Claims {
            vat_number: vat.map(Into::into),
            company_name: Some("ACME S.p.A.".into()),
            acr: Some(Level::L2.acr().into()),
            ..Claims::default()
        }
    }

    #[test]
    fn companies_are_named_by_their_vat_number_attribute() {
        let p = principal(
            PrincipalKind::Company,
            None,
            company_claims(Some("VATIT-01114601006")),
        )
        .unwrap();
        assert_eq!(
            p,
            Principal::Company {
                vat_number: VatNumber::parse("01114601006").unwrap(),
                name: Some("ACME S.p.A.".into()),
                level: Level::L2,
            }
        );
        let no_level = Claims {
            acr: None,
            ..company_claims(Some("VATIT-01114601006"))
        };
        assert!(matches!(
            principal(PrincipalKind::Company, None, no_level),
            Err(AuthError::Claim("acr"))
        ));
        // Without the ETSI prefix, with a wrong check digit, or without the claim: refused.
        for vat in [Some("01114601006"), Some("VATIT-01114601007"), None] {
            assert!(matches!(
                principal(PrincipalKind::Company, None, company_claims(vat)),
                Err(AuthError::Claim(VAT_NUMBER_CLAIM))
            ));
        }
    }
}
