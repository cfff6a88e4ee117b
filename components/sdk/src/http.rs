//! Requests in, responses out: the [`Ctx`] a handler receives, JSON bodies, and RFC 9457 problem
//! details for every failure a caller can act on.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::welfare::platform::types::{Principal, Request, Response};

/// What a handler returns: a response, or a problem the router turns into problem+json.
pub type HandlerResult = Result<Response, Problem>;

/// Page sizes a caller may ask for in listings (`?limit=`).
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Who acted, in a history, when the platform itself did (after a life event, a deadline):
/// what [`Ctx::actor`] says of the `system` principal.
pub const SYSTEM: &str = "system";

/// One request as a handler sees it.
pub struct Ctx {
    pub req: Request,
}

impl Ctx {
    pub fn new(req: Request) -> Self {
        Self { req }
    }

    /// A path parameter; the gateway matched the template, so a missing one is a routing bug.
    pub fn param(&self, name: &str) -> &str {
        find(&self.req.params, name).unwrap_or_default()
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        find(&self.req.query, name)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.req.headers, name)
    }

    /// The language the caller reads reasons in (`Accept-Language`; Italian by default).
    pub fn lang(&self) -> crate::reasons::Lang {
        crate::reasons::Lang::negotiate(self.header("accept-language"))
    }

    /// When the gateway received the request: "now" for every rule.
    pub fn received_at(&self) -> jiff::Timestamp {
        self.req
            .received_at
            .parse::<jiff::Timestamp>()
            .unwrap_or_else(|_| jiff::Timestamp::now())
    }

    /// The day the gateway received the request (UTC): "today" for every rule.
    pub fn today(&self) -> jiff::civil::Date {
        self.received_at().to_zoned(jiff::tz::TimeZone::UTC).date()
    }

    pub fn principal(&self) -> &Principal {
        &self.req.principal
    }

    /// The person or company the request is about; routes that need one declare it and the
    /// gateway always supplies it, so its absence is answered as a bad request, not a trap.
    pub fn subject(&self) -> Result<&str, Problem> {
        self.req.subject.as_deref().ok_or_else(|| {
            Problem::new(
                400,
                "subject-required",
                "This route is about a person: name them.",
            )
        })
    }

    /// Who acted, for histories: `citizen:CF`, `company:VAT`, `intermediary:ORG`,
    /// `operator:ID`, `system`.
    pub fn actor(&self) -> String {
        match &self.req.principal {
            Principal::Anonymous => "anonymous".into(),
            Principal::Citizen(c) => format!("citizen:{}", c.fiscal_code),
            Principal::Company(c) => format!("company:{}", c.vat_number),
            Principal::Intermediary(i) => format!("intermediary:{}", i.organisation),
            Principal::Agency(a) => format!("agency:{}", a.organisation),
            Principal::Operator(o) => format!("operator:{}", o.id),
            Principal::System => SYSTEM.into(),
        }
    }

    /// The JSON body as `T`; a malformed body is a 400 problem naming the field at fault.
    ///
    /// The body is read strictly, as the hosts already did before the component ran (one
    /// document, no duplicate key, no control character): a second line of defence, so that
    /// no host that forgot the rule makes `json_value` keep the last of two equal keys.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        if self.req.body.is_empty() {
            return Err(Problem::new(
                400,
                "invalid-body",
                "The request needs a JSON body.",
            ));
        }
        crate::strict_json::check(&self.req.body).map_err(|fault| {
            Problem::new(400, fault.slug(), fault.title()).with_detail(format!("{fault}."))
        })?;
        let mut de = serde_json::Deserializer::from_slice(&self.req.body);
        serde_path_to_error::deserialize(&mut de).map_err(body_problem)
    }

    /// The JSON body as a generic value, for bodies whose shape depends on a field in them.
    pub fn json_value(&self) -> Result<serde_json::Value, Problem> {
        self.json()
    }

    /// `?cursor=`, an id this API gave (of the kind `id_prefix`), as a store cursor under
    /// `prefix`; anything else is a 400 naming the field.
    pub fn cursor(&self, prefix: &str, id_prefix: &str) -> Result<Option<String>, Problem> {
        match self.query("cursor") {
            Some(c) if crate::ids::is_id(c, id_prefix) => Ok(Some(format!("{prefix}{c}"))),
            Some(_) => Err(Problem::invalid(vec![FieldError::new(
                "cursor",
                "is not a cursor this API gave",
            )])),
            None => Ok(None),
        }
    }

    /// `?limit=` within 1..=[`MAX_PAGE_SIZE`], [`DEFAULT_PAGE_SIZE`] when absent.
    pub fn page_size(&self) -> Result<u32, Problem> {
        match self.query("limit") {
            None => Ok(DEFAULT_PAGE_SIZE),
            Some(raw) => match raw.parse::<u32>() {
                Ok(n @ 1..=MAX_PAGE_SIZE) => Ok(n),
                _ => Err(Problem::invalid(vec![FieldError::new(
                    "limit",
                    &format!("must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                )])),
            },
        }
    }
}

/// `value` as `T`, with errors naming the field at fault (for bodies read in two steps).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(body_problem)
}

fn body_problem<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> Problem {
    let path = e.path().to_string();
    let message = e.into_inner().to_string();
    if path == "." || path.is_empty() {
        Problem::new(400, "invalid-body", "The JSON body is not valid.").with_detail(message)
    } else {
        Problem::invalid(vec![FieldError::new(&path, &message)])
    }
}

fn find<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A JSON response with `status`.
pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
    Response {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: serde_json::to_vec(value).expect("serialising a response value"),
    }
}

/// A JSON response whose texts are worded in `lang`: it says so in `Content-Language`.
pub fn json_in<T: Serialize>(status: u16, value: &T, lang: crate::reasons::Lang) -> Response {
    let mut response = json(status, value);
    response
        .headers
        .push(("content-language".into(), lang.tag().into()));
    response
}

/// One page of a listing, `{items, next_cursor}`: the cursor is the store key of the page's last
/// item (`next`) without `prefix`, which [`Ctx::cursor`] turns back into a key.
pub fn page<T: Serialize>(items: &[T], next: Option<&str>, prefix: &str) -> Response {
    let next_cursor = next.map(|k| k.strip_prefix(prefix).unwrap_or(k));
    json(
        200,
        &serde_json::json!({ "items": items, "next_cursor": next_cursor }),
    )
}

/// One invalid field of a request body, for the `errors` member of a validation problem.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    /// The field's JSON path, e.g. `children[1].birth_date`.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: &str) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem: `type` is `urn:welfare:problem:<slug>`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request id, as the hosts' own problems carry it: the router fills it in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// RFC 9457 §3.2 extension members, for what a client acts on without reading `detail`
    /// (the id of the application a duplicate collides with, say).
    #[serde(flatten, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(status: u16, slug: &str, title: &str) -> Self {
        Self {
            kind: format!("urn:welfare:problem:{slug}"),
            title: title.into(),
            status,
            detail: None,
            instance: None,
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
        }
    }

    /// Adds an extension member. The standard members' names are the problem's own.
    pub fn with_extension(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        debug_assert!(
            !["type", "title", "status", "detail", "instance", "errors"].contains(&name),
            "an extension does not shadow a standard member"
        );
        self.extensions.insert(name.into(), value.into());
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Names the request this problem answers (its `request-id`), unless it names one already.
    pub fn for_request(mut self, request_id: &str) -> Self {
        if self.instance.is_none() && !request_id.is_empty() {
            self.instance = Some(request_id.into());
        }
        self
    }

    /// 400: fields that fail validation, each named.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let mut p = Self::new(400, "validation", "Some fields are not valid.");
        p.errors = errors;
        p
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not-found", &format!("No such {what}."))
    }

    /// 409: the resource moved on (a concurrent change, or a state that forbids the action).
    pub fn conflict(title: &str) -> Self {
        Self::new(409, "conflict", title)
    }

    /// 409: the civil registry reported the person's death, so nothing new is started in their
    /// name. One problem for every domain, so that a client handles it once.
    pub fn deceased() -> Self {
        Self::new(
            409,
            crate::life_events::DECEASED,
            "The civil registry reports this person as deceased.",
        )
    }

    /// 500: a capability failed; the gateway discards the request's writes.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            500,
            "internal",
            "The service could not complete the request.",
        )
        .with_detail(detail)
    }

    pub fn into_response(self) -> Response {
        Response {
            status: self.status,
            headers: vec![("content-type".into(), "application/problem+json".into())],
            body: serde_json::to_vec(&self).expect("serialising a problem"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::welfare::platform::types::Method;
    use crate::router::{RouteSpec, Router};

    fn request(body: &str) -> Request {
        Request {
            request_id: "req-7".into(),
            method: Method::Post,
            route: "/x".into(),
            path: "/x".into(),
            params: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            principal: Principal::Anonymous,
            subject: None,
            received_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn bodies_are_read_strictly_even_if_a_host_did_not() {
        let slug = |body: &str| {
            Ctx::new(request(body))
                .json_value()
                .map(|_| ())
                .unwrap_err()
                .kind
        };
        assert_eq!(
            slug(r#"{"reason": "resignation", "reason": "dismissal"}"#),
            "urn:welfare:problem:duplicate-key"
        );
        assert_eq!(
            slug(r#"{"a": 1} {"a": 2}"#),
            "urn:welfare:problem:invalid-json"
        );
        assert_eq!(
            slug(r#"{"note": "a\u0000b"}"#),
            "urn:welfare:problem:control-character"
        );
        let value = Ctx::new(request(r#"{"note": "two\nlines"}"#)).json_value();
        assert_eq!(value.unwrap()["note"], "two\nlines");
    }

    #[test]
    fn the_router_names_the_request_in_its_problems() {
        fn refuse(_: &Ctx) -> HandlerResult {
            Err(Problem::conflict("No."))
        }
        let router = Router {
            name: "t",
            version: "0",
            subscriptions: &[],
            routes: vec![RouteSpec::new(Method::Post, "/x", "refuses", refuse)],
        };
        for route in ["/x", "/elsewhere"] {
            let mut req = request("{}");
            req.route = route.into();
            let response = router.dispatch(req);
            let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
            assert_eq!(body["instance"], "req-7", "{route}");
        }
    }
}
