//! Another agency, as PDND and ModI would have it call: a fresh voucher per call (vouchers are
//! single-use), `Agid-JWT-TrackingEvidence` on every call, and on writes `Digest` with
//! `Agid-JWT-Signature` signing it. Tokens are signed with the platform's dev key, which the
//! gateway trusts for ModI under `DEV_SIGNING_KID` while the dev issuer is on.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, Header};
use reqwest::Method;
use serde_json::{Value, json};
use welfare_gateway::auth::dev_issuer::{DEV_SIGNING_KID, TokenRequest};
use welfare_gateway::interop::modi::body_digest;

use crate::{TestApp, send};

/// The audience of vouchers and ModI tokens on a default platform.
pub const INTEROP_AUDIENCE: &str = "welfare-interop";

pub struct Agency<'a> {
    pub app: &'a TestApp,
    pub org: String,
    pub purpose: String,
}

/// The headers of one call, each of which a test may change before sending.
#[derive(Debug, Clone)]
pub struct Call {
    pub voucher: String,
    pub tracking: String,
    pub digest: Option<String>,
    pub signature: Option<String>,
    pub body: Vec<u8>,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs()
}

impl Agency<'_> {
    /// A fresh voucher for this agency and purpose, for `audience`.
    pub fn voucher_for(&self, audience: &str) -> String {
        self.app
            .issuer()
            .mint(
                TokenRequest::Agency {
                    org: self.org.clone(),
                    purpose: self.purpose.clone(),
                },
                audience,
                300,
            )
            .expect("minting a voucher")
    }

    /// A ModI token with `claims` (plus aud, iat, exp, jti), signed under `kid`.
    pub fn modi_token(&self, kid: &str, mut claims: Value) -> String {
        let now = now();
        let defaults = json!({
            "iss": self.org, "aud": INTEROP_AUDIENCE, "iat": now, "nbf": now, "exp": now + 300,
            "jti": uuid(),
        });
        for (k, v) in defaults.as_object().unwrap() {
            if claims.get(k).is_none() {
                claims[k] = v.clone();
            }
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.into());
        header.typ = Some("JWT".into());
        self.app.issuer().sign(&header, &claims).expect("signing")
    }

    /// Everything a valid call with `body` (none for a read) carries.
    pub fn call(&self, body: Option<&Value>) -> Call {
        let tracking = self.modi_token(
            DEV_SIGNING_KID,
            json!({ "userID": "operatore-042", "userLocation": "ufficio-contrassegni", "LoA": "substantial" }),
        );
        let mut call = Call {
            voucher: self.voucher_for(INTEROP_AUDIENCE),
            tracking,
            digest: None,
            signature: None,
            body: Vec::new(),
        };
        if let Some(body) = body {
            call.body = serde_json::to_vec(body).unwrap();
            let digest = body_digest(&call.body);
            call.signature = Some(self.modi_token(
                DEV_SIGNING_KID,
                json!({ "signed_headers": [{ "digest": digest }, { "content-type": "application/json" }] }),
            ));
            call.digest = Some(digest);
        }
        call
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        call: &Call,
        idem: Option<&str>,
    ) -> (u16, Value) {
        let mut b = self
            .app
            .request(method, path, Some(&call.voucher))
            .header("Agid-JWT-TrackingEvidence", &call.tracking);
        if let Some(d) = &call.digest {
            b = b.header("Digest", d);
        }
        if let Some(s) = &call.signature {
            b = b.header("Agid-JWT-Signature", s);
        }
        if !call.body.is_empty() {
            b = b
                .header("content-type", "application/json")
                .body(call.body.clone());
        }
        if let Some(k) = idem {
            b = b.header("Idempotency-Key", k);
        }
        send(b).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(Method::GET, path, &self.call(None), None).await
    }

    pub async fn post(&self, path: &str, body: &Value, idem: Option<&str>) -> (u16, Value) {
        self.send(Method::POST, path, &self.call(Some(body)), idem)
            .await
    }
}

fn uuid() -> String {
    format!("{:032x}", rand::random::<u128>())
}
