//! The gate every API request passes before any component or platform handler runs: who is
//! calling (the token), whether their kind and role may use the route, and for whom they act —
//! themselves, a person who delegated them, or, for an agency, the purpose its voucher names.
//! Each refusal of an authenticated caller is answered 401 or 403 and written to the audit trail
//! before the answer leaves; each access for someone else gets an audit entry the caller
//! completes with the outcome.
//!
//! What the trail holds is bounded, because anyone can be refused:
//! - a refusal of a caller without a valid token writes no row: it is counted in the metrics
//!   and logged within a budget ([`crate::budget`]), so that unauthenticated traffic cannot
//!   grow the append-only trail or load the store writer;
//! - a refusal is filed under a person or company (`subject`, what their own trail shows) only
//!   when the caller is that subject, holds a delegation from it, or is an agency whose purpose
//!   covers the operation; whom any other caller named is kept in the row's `evidence`, for
//!   auditors, and never reaches the named person's trail;
//! - the path and the reason are cut to [`MAX_AUDIT_FIELD`] bytes, and the request id is the
//!   client's only when short and plain (the gateway's `http::request_id`).
//!
//! The gate reads through a [`Gate`], a borrowed view of what it needs (the store, the
//! authenticator, the agencies' credentials, the refusal budget and counter), so that it can be
//! built by any host and tested against an in-memory database without an HTTP server.

use http::{HeaderMap, Method, StatusCode, header, request::Parts};
use serde_json::json;

use super::audit::{self, Entry, Outcome};
use super::delegation::{self, Access, Delegation};
use crate::budget::bounded;
use welfare_auth::Authenticator;
use welfare_auth::policy::{Policy, Refusal, authorise as authorise_policy, authorise_subject};
use welfare_auth::{Level, Principal, PrincipalKind, SubjectKind};
use welfare_store::Db;

use crate::budget::Bucket;
use crate::interop::Interop;
use welfare_identity::{FiscalCode, VatNumber};
use welfare_problem::Problem;
use welfare_store::Now;

/// Counts the refusals of requests without a valid token (the host's metrics): they leave no
/// audit row, so the count is what shows an attack.
pub trait RefusalCounter: Sync {
    fn unauthenticated_refusal(&self, status: u16);
}

/// What the gate reads, borrowed from the host that holds it.
#[derive(Clone, Copy)]
pub struct Gate<'a> {
    pub db: &'a Db,
    pub auth: &'a Authenticator,
    pub interop: &'a Interop,
    /// Each voucher accepted once (`[interop] single_use_vouchers`).
    pub single_use_vouchers: bool,
    /// Log lines left for refusals of unauthenticated requests.
    pub refusal_log: &'a Bucket,
    pub refusals: &'a dyn RefusalCounter,
}

/// Longest request path a log line shows.
pub const LOGGED_PATH: usize = 256;

pub const ON_BEHALF_OF: &str = "on-behalf-of";
/// Route parameters that name the person or company an agency's request is about.
const SUBJECT_PARAMS: &[&str] = &["fiscal_code", "vat_number"];
/// Longest path or reason an audit row keeps, in bytes: every real path and reason fits, and a
/// 30 KB path sent to be refused costs the trail no more than a real one.
pub const MAX_AUDIT_FIELD: usize = 512;

/// Which delegation scopes a route needs.
#[derive(Debug, Clone, Copy)]
pub enum Domain<'a> {
    /// A component's route: a scope on that component.
    Component(&'a str),
    /// A platform route composing every domain (the dossier): any scope admits, and the
    /// handler shows only what the scopes cover.
    Composed,
}

/// What a route asks of its callers.
pub struct Rule<'a> {
    pub domain: Domain<'a>,
    /// The route template, as declared.
    pub template: &'a str,
    /// Who may call it: principal kinds, operator roles, minimum level.
    pub policy: Policy<'a>,
    pub params: &'a [(String, String)],
}

impl<'a> Rule<'a> {
    /// The rule of one of the gateway's own routes, which have no path parameters it audits
    /// and serve people and companies alike.
    pub fn platform(
        template: &'a str,
        principals: &'a [PrincipalKind],
        roles: &'a [String],
        min_level: Option<Level>,
    ) -> Self {
        Self {
            domain: Domain::Composed,
            template,
            policy: Policy {
                principals,
                roles,
                min_level,
                subject: SubjectKind::Either,
            },
            params: &[],
        }
    }

    fn admits(&self, kind: PrincipalKind) -> bool {
        self.policy.principals.contains(&kind)
    }

    /// `METHOD /template`, the name purposes and the audit trail use.
    pub fn operation(&self, method: &Method) -> String {
        format!("{method} {}", self.template)
    }
}

/// A caller let through.
pub struct Admitted {
    pub principal: Principal,
    /// The person or company the request is about, as far as the gateway vouches for it.
    pub subject: Option<String>,
    /// The delegation an intermediary acts under.
    pub delegation: Option<Delegation>,
    /// The audit entry of an access for someone else, to complete with its outcome.
    pub audit: Option<Entry>,
    /// The voucher and ModI one-time ids an agency's request consumes.
    pub one_time: Vec<(String, u64)>,
}

/// Authenticates and authorises the request described by `parts` for `rule`.
pub async fn admit(
    gate: Gate<'_>,
    parts: &Parts,
    rule: &Rule<'_>,
    request_id: &str,
) -> Result<Admitted, Problem> {
    singleton_headers(&parts.headers)?;
    // One reading of the clock for the whole admission: the delegation checked and the
    // trail entry written agree on when the request came.
    let now = gate.db.now();
    let draft = |principal: &Principal, subject: Option<String>| {
        draft(principal, subject, parts, rule, request_id, now)
    };
    // Whom the request names is worked out only where it is recorded: a refusal, an agency.
    let named = || named_subject(&parts.headers, rule);
    let principal = match authenticate(gate, &parts.headers, rule.admits(PrincipalKind::Anonymous))
    {
        Ok(p) => p,
        Err(problem) => return Err(refuse_unauthenticated(gate, parts, request_id, problem)),
    };
    if let Err(problem) = authorise(rule, &principal) {
        // A citizen or company may name itself; whom anyone else named is not verified yet.
        let named = named();
        let entry = match principal.own_subject() {
            Some(me) if named.as_deref() == Some(me.as_str()) => draft(&principal, named),
            _ => unfiled(draft(&principal, named)),
        };
        return Err(refuse(gate, entry, problem).await);
    }
    let on_behalf_of = parts
        .headers
        .get(ON_BEHALF_OF)
        .map(|v| v.to_str().unwrap_or_default().trim().to_string());
    let mut admitted = Admitted {
        principal: principal.clone(),
        subject: None,
        delegation: None,
        audit: None,
        one_time: Vec::new(),
    };
    match &principal {
        Principal::Citizen { .. } | Principal::Company { .. } => {
            let me = principal
                .own_subject()
                .expect("citizens and companies are subjects");
            refuse_others(gate, &on_behalf_of, &me, || {
                let named = on_behalf_of
                    .as_deref()
                    .and_then(|raw| parse_subject(raw).ok());
                unfiled(draft(&principal, named))
            })
            .await?;
            admitted.subject = Some(me);
        }
        Principal::Intermediary { organisation, kind } => {
            let Some(raw) = on_behalf_of else {
                return Ok(admitted);
            };
            let subject = parse_subject(&raw)?;
            let mut entry = draft(&principal, Some(subject.clone()));
            let now = now.ms();
            let access = Access::of_method(&parts.method);
            let db = gate.db.clone();
            let (org, grantor) = (organisation.clone(), subject.clone());
            let found = db
                .read_async(move |conn| delegation::active_between(conn, &grantor, &org, now))
                .await
                .map_err(unavailable)?;
            let covers = |d: &Delegation| match rule.domain {
                Domain::Component(name) => d.covers(organisation, *kind, name, access, now),
                Domain::Composed => {
                    d.intermediary_kind.is_none_or(|k| k == *kind) && access == Access::Read
                }
            };
            if let Some(d) = &found
                && let Err(refusal) = authorise_subject(&rule.policy, &subject)
            {
                entry.purpose = Some(d.id.clone());
                return Err(refuse(gate, entry, refusal_problem(refusal)).await);
            }
            match found {
                Some(d) if covers(&d) => {
                    entry.purpose = Some(d.id.clone());
                    entry.evidence = Some(json!({ "delegation": d.id, "scopes": d.scopes }));
                    admitted.subject = Some(subject);
                    admitted.delegation = Some(d);
                    admitted.audit = Some(entry);
                }
                other => {
                    let why = match other {
                        Some(d) => {
                            entry.purpose = Some(d.id.clone());
                            format!(
                                "The delegation {} from {subject} does not cover {} in this domain.",
                                d.id,
                                if access == Access::Read {
                                    "reading"
                                } else {
                                    "acting"
                                }
                            )
                        }
                        None => {
                            // No delegation: the intermediary may not file anything in the
                            // named person's trail.
                            entry = unfiled(entry);
                            format!(
                                "There is no active delegation from {subject} to your organisation: it was never given, has expired or was revoked."
                            )
                        }
                    };
                    return Err(refuse(gate, entry, Problem::forbidden(why)).await);
                }
            }
        }
        Principal::Agency {
            organisation,
            purpose,
            voucher,
        } if !rule.admits(PrincipalKind::Anonymous) => {
            let named = named();
            let mut entry = draft(&principal, named.clone());
            entry.purpose = Some(purpose.clone());
            let operation = rule.operation(&parts.method);
            if let Err(denied) = gate
                .interop
                .purposes
                .allows(organisation, purpose, &operation)
            {
                let problem = Problem::new(
                    StatusCode::FORBIDDEN,
                    "purpose-not-allowed",
                    "The voucher's purpose does not allow this operation.",
                )
                .detail(format!("{} ({operation}).", denied.reason()));
                // A purpose that does not cover the operation vouches for no one it names.
                return Err(refuse(gate, unfiled(entry), problem).await);
            }
            if let Some(subject) = &named
                && let Err(refusal) = authorise_subject(&rule.policy, subject)
            {
                return Err(refuse(gate, entry, refusal_problem(refusal)).await);
            }
            if gate.single_use_vouchers {
                admitted.one_time.push((
                    format!("voucher:{organisation}:{}", voucher.jti),
                    voucher.expires_at,
                ));
            }
            entry.evidence = Some(json!({ "voucher": voucher.jti }));
            admitted.subject = named;
            admitted.audit = Some(entry);
        }
        _ => {
            if on_behalf_of.is_some() {
                return Err(Problem::from(
                    welfare_exchange::refusal::ON_BEHALF_OF_NOT_ALLOWED,
                ));
            }
        }
    }
    Ok(admitted)
}

/// For an agency's interoperability call, once the body is read: the ModI headers, then the
/// one-time ids (voucher, signature, tracking evidence), consumed together. A failure is a
/// refusal, audited.
pub async fn seal(
    gate: Gate<'_>,
    parts: &Parts,
    body: &[u8],
    admitted: &mut Admitted,
) -> Result<(), Problem> {
    let Principal::Agency {
        organisation,
        voucher,
        ..
    } = &admitted.principal
    else {
        return Ok(());
    };
    let Some(entry) = admitted.audit.as_mut() else {
        return Ok(());
    };
    let write = Access::of_method(&parts.method) == Access::Act;
    let checked = match gate.interop.signing_keys.check(
        organisation,
        &parts.headers,
        body,
        write,
        voucher.tracking_digest.as_deref(),
    ) {
        Ok(c) => c,
        Err(e) => {
            let problem = Problem::new(
                StatusCode::FORBIDDEN,
                "modi-check-failed",
                "The ModI security headers do not hold.",
            )
            .detail(format!("{e}."));
            return Err(refuse(gate, entry.clone(), problem).await);
        }
    };
    if let Some(evidence) = entry.evidence.as_mut() {
        evidence["modi"] = checked.evidence;
    }
    admitted.one_time.extend(checked.jtis);
    let ids = std::mem::take(&mut admitted.one_time);
    let now = gate.db.now();
    let consumed = gate
        .db
        .write(move |conn| crate::interop::replay::consume(conn, &ids, now))
        .await;
    match consumed {
        Ok(()) => Ok(()),
        Err(welfare_store::StoreError::Conflict) => {
            let problem = Problem::unauthorized(
                "This voucher or ModI token (jti) was used before; ask for a new one.",
            );
            Err(refuse(gate, entry.clone(), problem).await)
        }
        Err(e) => Err(unavailable(e)),
    }
}

/// The refusal of a request without a valid token: no audit row (anyone can send those), but
/// counted, and logged while the log budget lasts.
fn refuse_unauthenticated(
    gate: Gate<'_>,
    parts: &Parts,
    request_id: &str,
    problem: Problem,
) -> Problem {
    gate.refusals.unauthenticated_refusal(problem.status);
    if gate.refusal_log.take().is_ok() {
        tracing::info!(
            status = problem.status,
            method = %parts.method,
            path = %bounded(parts.uri.path(), LOGGED_PATH),
            request_id,
            "refused an unauthenticated request"
        );
    }
    problem
}

/// Records the refusal of an authenticated caller and returns its problem. The refusal stands
/// even if the trail cannot be written (the failure is logged): refusing is always safe.
pub async fn refuse(gate: Gate<'_>, mut entry: Entry, problem: Problem) -> Problem {
    entry.outcome = Outcome::Refused;
    entry.status = problem.status;
    let reason = problem.detail.as_deref().unwrap_or(&problem.title);
    entry.reason = Some(bounded(reason, MAX_AUDIT_FIELD).into_owned());
    if let Err(e) = gate.db.write(move |conn| audit::append(conn, &entry)).await {
        tracing::error!(error = %e, "a refusal could not be written to the audit trail");
    }
    problem
}

/// `entry` filed under nobody: whom the caller named, which it may not name, is kept in the
/// evidence for auditors and never reaches that person's trail.
fn unfiled(mut entry: Entry) -> Entry {
    if let Some(named) = entry.subject.take() {
        entry.evidence = Some(json!({ "named": named }));
    }
    entry
}

/// The entry of this request by `principal` about `subject`.
fn draft(
    principal: &Principal,
    subject: Option<String>,
    parts: &Parts,
    rule: &Rule<'_>,
    request_id: &str,
    at: Now,
) -> Entry {
    let (actor_kind, actor) = match principal {
        Principal::Anonymous => ("anonymous", String::new()),
        Principal::Citizen { fiscal_code, .. } => ("citizen", fiscal_code.to_string()),
        Principal::Company { vat_number, .. } => ("company", vat_number.to_string()),
        Principal::Intermediary { organisation, .. } => ("intermediary", organisation.clone()),
        Principal::Agency { organisation, .. } => ("agency", organisation.clone()),
        Principal::Operator { id, role, .. } => ("operator", format!("{id} ({role})")),
        Principal::System => ("system", String::new()),
    };
    Entry {
        at: at.rfc3339(),
        request_id: request_id.to_string(),
        actor_kind: actor_kind.into(),
        actor,
        subject,
        method: parts.method.to_string(),
        path: bounded(parts.uri.path(), MAX_AUDIT_FIELD).into_owned(),
        operation: Some(rule.operation(&parts.method)),
        purpose: None,
        outcome: Outcome::Allowed,
        status: 0,
        reason: None,
        evidence: None,
    }
}

/// The person or company a request names: `On-Behalf-Of`, or a route parameter.
fn named_subject(headers: &HeaderMap, rule: &Rule<'_>) -> Option<String> {
    let header = headers
        .get(ON_BEHALF_OF)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_subject(v.trim()).ok());
    header.or_else(|| {
        rule.params
            .iter()
            .find(|(k, _)| SUBJECT_PARAMS.contains(&k.as_str()))
            .and_then(|(_, v)| parse_subject(v).ok())
    })
}

fn parse_subject(raw: &str) -> Result<String, Problem> {
    FiscalCode::parse(raw)
        .map(|c| c.to_string())
        .or_else(|_| VatNumber::parse(raw).map(|v| v.to_string()))
        .map_err(|_| Problem::from(welfare_exchange::refusal::INVALID_ON_BEHALF_OF))
}

/// A citizen or company acts for itself: naming someone else is a refusal, audited.
async fn refuse_others(
    gate: Gate<'_>,
    on_behalf_of: &Option<String>,
    me: &str,
    entry: impl FnOnce() -> Entry,
) -> Result<(), Problem> {
    match on_behalf_of {
        None => Ok(()),
        Some(named) if named.eq_ignore_ascii_case(me) => Ok(()),
        Some(_) => Err(refuse(
            gate,
            entry(),
            Problem::from(welfare_exchange::refusal::ACT_FOR_YOURSELF),
        )
        .await),
    }
}

fn authenticate(
    gate: Gate<'_>,
    headers: &HeaderMap,
    anonymous_allowed: bool,
) -> Result<Principal, Problem> {
    match headers.get(header::AUTHORIZATION) {
        None if anonymous_allowed => Ok(Principal::Anonymous),
        None => Err(Problem::unauthorized("This route needs a bearer token.")),
        Some(value) => {
            let value = value
                .to_str()
                .map_err(|_| Problem::unauthorized("The Authorization header is not text."))?;
            gate.auth
                .authenticate(value)
                .map_err(|e| Problem::unauthorized(e.to_string()))
        }
    }
}

fn authorise(rule: &Rule<'_>, principal: &Principal) -> Result<(), Problem> {
    authorise_policy(&rule.policy, principal).map_err(refusal_problem)
}

fn refusal_problem(refusal: Refusal) -> Problem {
    let (kind, title) = refusal.title();
    let status = StatusCode::from_u16(refusal.status()).expect("401 or 403");
    let problem = Problem::new(status, kind, title).detail(refusal.detail());
    match refusal.challenge() {
        Some(challenge) => problem.header(header::WWW_AUTHENTICATE, challenge),
        None => problem,
    }
}

/// Refuses a request carrying a second `Authorization`, `On-Behalf-Of`, `Idempotency-Key` or
/// `If-Match` ([`welfare_exchange::SINGLETON_HEADERS`]): malformed input, answered 400
/// before the token is even read, as on Spin.
pub fn singleton_headers(headers: &HeaderMap) -> Result<(), Problem> {
    match welfare_exchange::duplicate_singleton(headers.iter().map(|(k, _)| k.as_str())) {
        None => Ok(()),
        Some(name) => Err(Problem::from(welfare_exchange::refusal::DUPLICATE_HEADER)
            .detail(welfare_exchange::refusal::duplicate_header_detail(name))),
    }
}

/// The store failed: 503, nothing saved.
pub fn unavailable(e: welfare_store::StoreError) -> Problem {
    Problem::store_unavailable(&e)
}
