//! The gate on its own: a throwaway SQLite database, an authenticator trusting a key made here,
//! and request heads built by hand. No HTTP server and no component: what the e2e suite checks
//! through the gateway, checked where it is decided.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Method, Request, request::Parts};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::json;

use welfare_access::audit::{self, Filter, Outcome};
use welfare_access::budget::Bucket;
use welfare_access::delegation::{self, Delegation, Scope};
use welfare_access::gate::{self, Domain, Gate, RefusalCounter, Rule};
use welfare_access::interop::{Interop, InteropConfig, modi::SigningKeys, purposes::Purposes};
use welfare_auth::claims::{Claims, FISCAL_NUMBER_PREFIX};
use welfare_auth::policy::Policy;
use welfare_auth::{Authenticator, IntermediaryKind, Level, Principal, PrincipalKind, SubjectKind};
use welfare_store::clock::Manual;
use welfare_store::{Db, Location};

const CITIZENS: &str = "test-citizens";
const INTERMEDIARIES: &str = "test-intermediaries";
const AUDIENCE: &str = "welfare-api";
/// Valid fiscal codes (check characters worked out by the identity crate's rules).
const LUCA: &str = "RSSLCU26S10H501P";
const GIULIA: &str = "RSSGLI26S20H501Y";

/// The refusals counted, by status.
#[derive(Default)]
struct Counted(Mutex<Vec<u16>>);

impl RefusalCounter for Counted {
    fn unauthenticated_refusal(&self, status: u16) {
        self.0.lock().unwrap().push(status);
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: Db,
    /// The database's clock, moved on by the tests that need time to pass.
    clock: Arc<Manual>,
    auth: Authenticator,
    interop: Interop,
    refusal_log: Bucket,
    counted: Counted,
    key: EncodingKey,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(Manual::at(jiff::Timestamp::now()));
        let db =
            Db::connect_with(&Location::Sqlite(dir.path().join("gate.db")), clock.clone()).unwrap();
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let public = secret
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let private = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
        let mut auth = Authenticator::new(AUDIENCE, "welfare-interop", 600, 0);
        for (issuer, kind) in [
            (CITIZENS, PrincipalKind::Citizen),
            (INTERMEDIARIES, PrincipalKind::Intermediary),
        ] {
            auth.trust(issuer, kind, public.as_bytes(), vec![Algorithm::ES256])
                .unwrap();
        }
        let config = InteropConfig::default();
        let interop = Interop {
            purposes: Purposes::new(&config, false, &[]).unwrap(),
            signing_keys: SigningKeys::new(&config, 0, None).unwrap(),
        };
        Self {
            _dir: dir,
            db,
            clock,
            auth,
            interop,
            refusal_log: Bucket::new(5, 20),
            counted: Counted::default(),
            key: EncodingKey::from_ec_pem(private.as_bytes()).unwrap(),
        }
    }

    fn gate(&self) -> Gate<'_> {
        Gate {
            db: &self.db,
            auth: &self.auth,
            interop: &self.interop,
            single_use_vouchers: true,
            refusal_log: &self.refusal_log,
            refusals: &self.counted,
        }
    }

    fn token(&self, claims: Claims) -> String {
        let now = now_s();
        let claims = Claims {
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + 300,
            ..claims
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.key).unwrap();
        format!("Bearer {token}")
    }

    fn citizen(&self, fiscal_code: &str) -> String {
        self.token(Claims {
            iss: CITIZENS.into(),
            sub: format!("spid:{fiscal_code}"),
            fiscal_number: Some(format!("{FISCAL_NUMBER_PREFIX}{fiscal_code}")),
            acr: Some(Level::L2.acr().into()),
            ..Claims::default()
        })
    }

    fn caf(&self, org: &str) -> String {
        self.token(Claims {
            iss: INTERMEDIARIES.into(),
            sub: format!("org:{org}"),
            org: Some(org.into()),
            org_kind: Some(IntermediaryKind::Caf),
            ..Claims::default()
        })
    }

    async fn trail(&self) -> Vec<audit::Row> {
        self.db
            .read_async(|conn| audit::list(conn, &Filter::default(), 100))
            .await
            .unwrap()
    }
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The gate's refusal of `parts` on a route open to `principals`.
async fn refused(
    f: &Fixture,
    parts: &Parts,
    principals: &'static [PrincipalKind],
    request_id: &str,
) -> welfare_problem::Problem {
    match gate::admit(f.gate(), parts, &rule(principals), request_id).await {
        Ok(_) => panic!("admitted, where a refusal was expected"),
        Err(problem) => problem,
    }
}

fn head(method: Method, headers: &[(&str, &str)]) -> Parts {
    let mut request = Request::builder()
        .method(method)
        .uri("/api/v1/income-support/applications");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(()).unwrap().into_parts().0
}

const CITIZENS_AND_INTERMEDIARIES: &[PrincipalKind] =
    &[PrincipalKind::Citizen, PrincipalKind::Intermediary];
const OPERATORS: &[PrincipalKind] = &[PrincipalKind::Operator];

fn rule(principals: &'static [PrincipalKind]) -> Rule<'static> {
    Rule {
        domain: Domain::Component("income-support"),
        template: "/api/v1/income-support/applications",
        policy: Policy {
            principals,
            roles: &[],
            min_level: Some(Level::L2),
            subject: SubjectKind::Person,
        },
        params: &[],
    }
}

#[tokio::test]
async fn a_request_without_a_token_is_refused_counted_and_leaves_no_row() {
    let f = Fixture::new();
    let parts = head(Method::GET, &[]);
    let problem = refused(&f, &parts, CITIZENS_AND_INTERMEDIARIES, "r1").await;
    assert_eq!(problem.status, 401);
    assert_eq!(problem.kind, "urn:welfare:problem:unauthorized");
    assert_eq!(*f.counted.0.lock().unwrap(), vec![401]);
    assert!(
        f.trail().await.is_empty(),
        "no audit row for an anonymous refusal"
    );
}

#[tokio::test]
async fn a_second_authorization_header_is_a_bad_request_before_any_token_is_read() {
    let f = Fixture::new();
    let token = f.citizen(LUCA);
    let parts = head(
        Method::GET,
        &[("authorization", &token), ("authorization", &token)],
    );
    let problem = refused(&f, &parts, CITIZENS_AND_INTERMEDIARIES, "r1").await;
    assert_eq!(problem.status, 400);
    assert_eq!(problem.kind, "urn:welfare:problem:duplicate-header");
    assert!(f.trail().await.is_empty());
}

#[tokio::test]
async fn a_citizen_on_an_operators_route_is_refused_and_the_refusal_is_theirs() {
    let f = Fixture::new();
    let token = f.citizen(LUCA);
    let parts = head(Method::GET, &[("authorization", &token)]);
    let problem = refused(&f, &parts, OPERATORS, "r2").await;
    assert_eq!(problem.status, 403);
    let trail = f.trail().await;
    assert_eq!(trail.len(), 1);
    let entry = &trail[0].entry;
    assert_eq!(entry.outcome, Outcome::Refused);
    assert_eq!(
        (entry.actor_kind.as_str(), entry.actor.as_str()),
        ("citizen", LUCA)
    );
    assert_eq!(entry.status, 403);
    assert_eq!(entry.request_id, "r2");
    // The citizen named nobody, so the row is filed under no one else.
    assert_eq!(entry.subject, None);
}

#[tokio::test]
async fn a_citizen_naming_someone_else_is_refused_and_the_named_person_never_sees_it() {
    let f = Fixture::new();
    let token = f.citizen(LUCA);
    let parts = head(
        Method::GET,
        &[("authorization", &token), ("on-behalf-of", GIULIA)],
    );
    let problem = refused(&f, &parts, CITIZENS_AND_INTERMEDIARIES, "r3").await;
    assert_eq!(problem.status, 403);
    let trail = f.trail().await;
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].entry.subject, None);
    assert_eq!(trail[0].entry.evidence, Some(json!({ "named": GIULIA })));
}

#[tokio::test]
async fn a_citizen_acting_for_themselves_is_admitted_about_themselves_without_a_row() {
    let f = Fixture::new();
    let token = f.citizen(LUCA);
    let parts = head(Method::GET, &[("authorization", &token)]);
    let admitted = gate::admit(f.gate(), &parts, &rule(CITIZENS_AND_INTERMEDIARIES), "r4")
        .await
        .unwrap();
    assert!(matches!(admitted.principal, Principal::Citizen { .. }));
    assert_eq!(admitted.subject.as_deref(), Some(LUCA));
    assert!(
        admitted.audit.is_none(),
        "one's own access is not an access for someone else"
    );
    assert!(f.trail().await.is_empty());
}

#[tokio::test]
async fn a_token_admitted_once_and_then_altered_in_its_signature_is_refused() {
    let f = Fixture::new();
    let token = f.citizen(LUCA);
    let rule = rule(CITIZENS_AND_INTERMEDIARIES);
    let parts = head(Method::GET, &[("authorization", &token)]);
    gate::admit(f.gate(), &parts, &rule, "r9").await.unwrap();
    // The token again (admitted from the verified tokens), then with one character of its
    // signature changed well inside it (the last one carries padding bits): a new token,
    // verified afresh by the native ECDSA check, and refused.
    gate::admit(f.gate(), &parts, &rule, "r10").await.unwrap();
    let mut forged = token.clone().into_bytes();
    let i = forged.len() - 10;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let parts = head(Method::GET, &[("authorization", &forged)]);
    let problem = refused(&f, &parts, CITIZENS_AND_INTERMEDIARIES, "r11").await;
    assert_eq!(problem.status, 401);
    assert_eq!(f.counted.0.lock().unwrap().as_slice(), &[401]);
}

#[tokio::test]
async fn an_intermediary_needs_an_active_delegation_covering_the_domain_and_the_method() {
    let f = Fixture::new();
    let token = f.caf("CAF-ROMA-01");
    let read = head(
        Method::GET,
        &[("authorization", &token), ("on-behalf-of", LUCA)],
    );

    // No delegation: refused, and nothing reaches Luca's trail.
    let problem = refused(&f, &read, CITIZENS_AND_INTERMEDIARIES, "r5").await;
    assert_eq!(problem.status, 403);
    assert!(problem.detail.unwrap().contains("no active delegation"));
    let trail = f.trail().await;
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].entry.subject, None);

    // Luca delegates reading income support, for a day.
    let now = f.db.now().ms();
    let given = Delegation {
        id: "dlg_test".into(),
        grantor: LUCA.into(),
        grantor_kind: "citizen".into(),
        intermediary_org: "CAF-ROMA-01".into(),
        intermediary_kind: Some(IntermediaryKind::Caf),
        scopes: vec![Scope::parse("income-support:read").unwrap()],
        expires_at: now + 86_400_000,
        created_at: now,
        created_by: LUCA.into(),
        document_ref: None,
        revoked_at: None,
        revoked_by: None,
    };
    f.db.write(move |conn| {
        delegation::insert(conn, &given).map_err(|e| match e {
            delegation::Refused::Store(e) => e,
            other => panic!("{other:?}"),
        })
    })
    .await
    .unwrap();

    let admitted = gate::admit(f.gate(), &read, &rule(CITIZENS_AND_INTERMEDIARIES), "r6")
        .await
        .unwrap();
    assert_eq!(admitted.subject.as_deref(), Some(LUCA));
    assert_eq!(admitted.delegation.map(|d| d.id), Some("dlg_test".into()));
    let entry = admitted
        .audit
        .expect("an access for someone else is audited");
    assert_eq!(entry.subject.as_deref(), Some(LUCA));
    assert_eq!(entry.purpose.as_deref(), Some("dlg_test"));

    // Reading is not acting: a POST under the same delegation is refused, filed under Luca
    // (the CAF holds a delegation from him, so it may name him).
    let act = head(
        Method::POST,
        &[("authorization", &token), ("on-behalf-of", LUCA)],
    );
    let problem = refused(&f, &act, CITIZENS_AND_INTERMEDIARIES, "r7").await;
    assert_eq!(problem.status, 403);
    assert!(problem.detail.unwrap().contains("does not cover acting"));
    let trail = f.trail().await;
    let last = &trail.last().unwrap().entry;
    assert_eq!(last.subject.as_deref(), Some(LUCA));
    assert_eq!(last.outcome, Outcome::Refused);

    // A day and a second later (by the database's clock) the delegation has lapsed: the same
    // read is refused, and the CAF may no longer name Luca, so the refusal is filed under
    // nobody.
    f.clock.advance(Duration::from_millis(86_400_000 + 1_000));
    let problem = refused(&f, &read, CITIZENS_AND_INTERMEDIARIES, "r8").await;
    assert_eq!(problem.status, 403);
    assert!(problem.detail.unwrap().contains("no active delegation"));
    let trail = f.trail().await;
    let last = &trail.last().unwrap().entry;
    assert_eq!(last.request_id, "r8");
    assert_eq!(last.subject, None);
}
