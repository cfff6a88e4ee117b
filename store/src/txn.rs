//! The store's side of a request's unit of work: the runtime's transaction and write set
//! (`welfare_txn::host`) read the committed documents through [`Documents`], which the
//! store implements over its database here; [`super::ops::apply_write_set`] commits them.

pub use welfare_txn::host::{
    CallError, DocWrite, Documents, MAX_EVENT_BYTES, MAX_EVENTS, MAX_KEY_BYTES, MAX_LIST,
    MAX_TOPIC_BYTES, MAX_VALUE_BYTES, MAX_WRITES, NewEvent, Subscribers, Txn, WriteSet,
    new_event_id,
};
use welfare_txn::host::{Listed, Row};

use super::{Db, StoreError, ops};

impl From<StoreError> for CallError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => CallError::Conflict,
            other => CallError::Unavailable(other.to_string()),
        }
    }
}

impl Documents for Db {
    fn read(&self, domain: &str, key: &str) -> Result<Option<Row>, CallError> {
        Ok(Db::read(self, |conn| ops::read_doc(conn, domain, key))?)
    }

    fn list(
        &self,
        domain: &str,
        prefix: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<Listed>, CallError> {
        Ok(Db::read(self, |conn| {
            ops::list_docs(conn, domain, prefix, after, limit)
        })?)
    }
}
