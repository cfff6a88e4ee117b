//! The development token issuer behind `welfare token`: an ES256 key kept in the data directory
//! (created on first use, readable by its owner only) and one issuer name per principal kind.
//! The gateway trusts it only while `auth.dev_issuer` is on.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};

use super::claims::{Claims, FISCAL_NUMBER_PREFIX, VAT_NUMBER_PREFIX};
use super::{IntermediaryKind, Level, PrincipalKind};
use crate::identity::{FiscalCode, VatNumber};

/// The kinds the dev issuer mints for.
pub const KINDS: [PrincipalKind; 5] = [
    PrincipalKind::Citizen,
    PrincipalKind::Company,
    PrincipalKind::Intermediary,
    PrincipalKind::Agency,
    PrincipalKind::Operator,
];

/// The `iss` of dev tokens of `kind`: one issuer per kind, as in production.
pub fn issuer_for(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::Citizen => "urn:welfare:dev-issuer:citizen",
        PrincipalKind::Company => "urn:welfare:dev-issuer:company",
        PrincipalKind::Intermediary => "urn:welfare:dev-issuer:intermediary",
        PrincipalKind::Agency => "urn:welfare:dev-issuer:agency",
        PrincipalKind::Operator => "urn:welfare:dev-issuer:operator",
        PrincipalKind::Anonymous | PrincipalKind::System => "urn:welfare:dev-issuer:none",
    }
}

/// Lifetime of a dev token unless `--ttl` says otherwise.
pub const DEFAULT_TTL_SECONDS: u64 = 3_600;

/// What to mint.
pub enum TokenRequest {
    Citizen {
        fiscal_code: FiscalCode,
        level: Level,
    },
    Company {
        vat_number: VatNumber,
        name: Option<String>,
        level: Level,
    },
    Intermediary {
        org: String,
        kind: IntermediaryKind,
    },
    Agency {
        org: String,
        purpose: String,
    },
    Operator {
        role: String,
        office: Option<String>,
    },
}

pub struct DevIssuer {
    key: p256::SecretKey,
}

impl DevIssuer {
    fn key_path(data_dir: &Path) -> PathBuf {
        data_dir.join("dev-issuer").join("es256.pem")
    }

    /// The issuer whose key lives in `data_dir`, creating the key if needed.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = Self::key_path(data_dir);
        if let Ok(pem) = std::fs::read_to_string(&path) {
            let key = p256::SecretKey::from_pkcs8_pem(&pem)
                .with_context(|| format!("reading the dev issuer key {}", path.display()))?;
            return Ok(Self { key });
        }
        let pem = crate::secrets::read_or_create(&path, || {
            let key = p256::SecretKey::random(&mut rand::rngs::OsRng);
            Ok(key.to_pkcs8_pem(LineEnding::LF)?.as_bytes().to_vec())
        })?;
        let key = p256::SecretKey::from_pkcs8_pem(&pem)
            .with_context(|| format!("reading the dev issuer key {}", path.display()))?;
        Ok(Self { key })
    }

    /// The public key as PEM, for hosts that trust this issuer from configuration (the
    /// Spin adapters read it from a variable).
    pub fn public_key_pem(&self) -> anyhow::Result<String> {
        Ok(self.key.public_key().to_public_key_pem(LineEnding::LF)?)
    }

    pub fn decoding_key(&self) -> anyhow::Result<DecodingKey> {
        Ok(DecodingKey::from_ec_pem(self.public_key_pem()?.as_bytes())?)
    }

    /// A signed token for `request`, valid `ttl_seconds`, for `audience`.
    pub fn mint(
        &self,
        request: TokenRequest,
        audience: &str,
        ttl_seconds: u64,
    ) -> anyhow::Result<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let mut claims = Claims {
            aud: audience.into(),
            iat: now,
            exp: now + ttl_seconds,
            jti: Some(uuid::Uuid::new_v4().to_string()),
            ..Claims::default()
        };
        let mut header = Header::new(Algorithm::ES256);
        let kind = match request {
            TokenRequest::Citizen { fiscal_code, level } => {
                claims.sub = format!("spid:{fiscal_code}");
                claims.fiscal_number = Some(format!("{FISCAL_NUMBER_PREFIX}{fiscal_code}"));
                claims.acr = Some(level.acr().into());
                PrincipalKind::Citizen
            }
            TokenRequest::Company {
                vat_number,
                name,
                level,
            } => {
                claims.sub = format!("spid-pg:{vat_number}");
                claims.vat_number = Some(format!("{VAT_NUMBER_PREFIX}{vat_number}"));
                claims.company_name = name;
                claims.acr = Some(level.acr().into());
                PrincipalKind::Company
            }
            TokenRequest::Intermediary { org, kind } => {
                claims.sub = format!("org:{org}");
                claims.org = Some(org);
                claims.org_kind = Some(kind);
                PrincipalKind::Intermediary
            }
            TokenRequest::Agency { org, purpose } => {
                header.typ = Some("at+jwt".into());
                claims.sub = format!("client:{org}");
                claims.org = Some(org);
                claims.purpose_id = Some(purpose);
                PrincipalKind::Agency
            }
            TokenRequest::Operator { role, office } => {
                claims.sub = format!("operator:{}", uuid::Uuid::new_v4());
                claims.role = Some(role);
                claims.office = office;
                PrincipalKind::Operator
            }
        };
        claims.iss = issuer_for(kind).into();
        self.sign(&header, &claims)
    }

    /// Signs any claims with the dev key: ModI tokens (`Agid-JWT-Signature`,
    /// `Agid-JWT-TrackingEvidence`) of development agencies, whose key id is
    /// [`DEV_SIGNING_KID`].
    pub fn sign(&self, header: &Header, claims: &impl serde::Serialize) -> anyhow::Result<String> {
        let pem = self.key.to_pkcs8_pem(LineEnding::LF)?;
        Ok(jsonwebtoken::encode(
            header,
            claims,
            &EncodingKey::from_ec_pem(pem.as_bytes())?,
        )?)
    }
}

/// The `kid` under which the gateway trusts the dev key for ModI signatures of any agency,
/// while the dev issuer is on.
pub const DEV_SIGNING_KID: &str = "welfare-dev";
