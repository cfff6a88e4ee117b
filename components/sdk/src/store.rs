//! Typed, versioned JSON documents over the `store` capability.
//!
//! Every write names the version it replaces, so two requests that read the same document can
//! never both overwrite it: the loser gets [`StoreError::Conflict`] (or a 409 from the gateway
//! when the race is only visible at commit).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::welfare::platform::store::{self, Error};
use crate::http::Problem;

/// A document and the version to name when replacing it.
#[derive(Debug, Clone)]
pub struct Doc<T> {
    pub value: T,
    pub version: u64,
}

/// Why a store call failed, as a domain sees it.
#[derive(Debug)]
pub enum StoreError {
    /// The version named is not the current one.
    Conflict,
    /// Anything else: a bug or an outage, answered with 500/503.
    Failed(String),
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => {
                Problem::conflict("The resource was changed by another request; read it again.")
            }
            StoreError::Failed(msg) => Problem::internal(msg),
        }
    }
}

fn convert(e: Error) -> StoreError {
    match e {
        Error::Conflict => StoreError::Conflict,
        Error::Invalid(m) => StoreError::Failed(format!("invalid store call: {m}")),
        Error::LimitExceeded => StoreError::Failed("per-request store limit exceeded".into()),
        Error::Unavailable => StoreError::Failed("store unavailable".into()),
        Error::Other(m) => StoreError::Failed(m),
    }
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Failed(format!("document {key} does not decode: {e}")))
}

/// The document at `key`, if any.
pub fn get<T: DeserializeOwned>(key: &str) -> Result<Option<Doc<T>>, StoreError> {
    match store::get(key).map_err(convert)? {
        None => Ok(None),
        Some(entry) => Ok(Some(Doc {
            value: decode(key, &entry.value)?,
            version: entry.version,
        })),
    }
}

/// Creates `key`; [`StoreError::Conflict`] if it exists.
pub fn create<T: Serialize>(key: &str, value: &T) -> Result<u64, StoreError> {
    put(key, value, None)
}

/// Writes `key` over version `expected` (`None`: must not exist) and returns the new version.
pub fn put<T: Serialize>(key: &str, value: &T, expected: Option<u64>) -> Result<u64, StoreError> {
    let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Failed(e.to_string()))?;
    store::put(key, &bytes, expected).map_err(convert)
}

pub fn delete(key: &str, expected: u64) -> Result<(), StoreError> {
    store::delete(key, expected).map_err(convert)
}

/// Pages read at a time by [`list_all`].
const LIST_ALL_PAGE: u32 = 1_000;

/// Every document under `prefix`, in key order, a page at a time: for the documents of one
/// person or company, which stay few (a debtor's notices, a worker's credited months).
pub fn list_all<T: DeserializeOwned>(prefix: &str) -> Result<Vec<(String, Doc<T>)>, StoreError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let (page, next) = list(prefix, cursor.as_deref(), LIST_ALL_PAGE)?;
        out.extend(page);
        match next {
            Some(n) => cursor = Some(n),
            None => return Ok(out),
        }
    }
}

/// One page of documents under `prefix`, and the cursor of the next page.
pub fn list<T: DeserializeOwned>(
    prefix: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<(String, Doc<T>)>, Option<String>), StoreError> {
    let page = store::list_prefix(prefix, cursor, limit).map_err(convert)?;
    let mut items = Vec::with_capacity(page.items.len());
    for (key, entry) in page.items {
        let value = decode(&key, &entry.value)?;
        items.push((
            key,
            Doc {
                value,
                version: entry.version,
            },
        ));
    }
    Ok((items, page.next))
}
