//! The runtime against the fixture component (`tests/fixtures/misbehave`, built by
//! welfare-domains): a call runs in a fresh instance, reads the committed documents through
//! the host's `Documents` and returns the writes it buffered; a trap, an endless loop and a
//! memory blow-up each fail their own call with their own fault. No database, no HTTP.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use http::Method;
use welfare_auth::Principal;
use welfare_runtime::call::Call;
use welfare_runtime::txn::{CallError, Documents, Listed, Row};
use welfare_runtime::{Fault, Runtime, RuntimeConfig, Source};

/// Committed documents in memory, as a host would keep them: `(domain, key)` → (value,
/// version); every read is counted.
#[derive(Default)]
struct Memory {
    rows: BTreeMap<(String, String), (Vec<u8>, u64)>,
    reads: Mutex<Vec<String>>,
}

impl Documents for Memory {
    fn read(&self, domain: &str, key: &str) -> Result<Option<Row>, CallError> {
        self.reads.lock().unwrap().push(key.to_string());
        Ok(self
            .rows
            .get(&(domain.to_string(), key.to_string()))
            .map(|(v, version)| (Some(v.clone()), *version)))
    }

    fn list(
        &self,
        domain: &str,
        prefix: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<Listed>, CallError> {
        Ok(self
            .rows
            .iter()
            .filter(|((d, k), _)| d == domain && k.starts_with(prefix) && k.as_str() > after)
            .take(limit)
            .map(|((_, k), (v, version))| (k.clone(), v.clone(), *version))
            .collect())
    }
}

fn runtime(documents: Arc<Memory>, cache: &Path) -> Arc<Runtime> {
    let wasm =
        std::fs::read(Path::new(welfare_domains::BUILT_COMPONENTS_DIR).join("misbehave.wasm"))
            .expect("welfare-domains built the fixture");
    let limits = RuntimeConfig {
        request_timeout_ms: 500,
        memory_limit_mib: 32,
        max_concurrent_instances: 4,
        pooling: false,
        ..RuntimeConfig::default()
    };
    let sources = vec![Source {
        origin: "the fixture".into(),
        wasm,
        config: BTreeMap::new(),
    }];
    Arc::new(Runtime::load(&limits, cache, sources, &BTreeMap::new(), &[], documents).unwrap())
}

fn request(method: Method, route: &str, path: &str, params: &[(&str, &str)]) -> Call {
    Call {
        request_id: "req-test".into(),
        method,
        route: route.into(),
        path: path.into(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        query: Vec::new(),
        headers: Vec::new(),
        body: Vec::new(),
        principal: Principal::Anonymous,
        delegated: None,
        subject: None,
        received_at: "2026-12-02T00:00:00Z".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_reads_through_the_host_and_returns_its_writes() {
    let cache = tempfile::tempdir().unwrap();
    let mut memory = Memory::default();
    memory.rows.insert(
        ("fixture".into(), "docs/x".into()),
        (br#"{"count":41}"#.to_vec(), 7),
    );
    let memory = Arc::new(memory);
    let rt = runtime(memory.clone(), cache.path());
    let fixture = rt
        .component("fixture")
        .expect("the fixture is loaded")
        .clone();
    assert!(
        fixture
            .manifest
            .routes
            .iter()
            .any(|r| r.path == "/api/v1/fixture/ok")
    );

    let (response, writes) = rt
        .handle(
            fixture.clone(),
            request(
                Method::POST,
                "/api/v1/fixture/counters/{name}",
                "/api/v1/fixture/counters/x",
                &[("name", "x")],
            ),
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        body["count"], 42,
        "the committed 41, read through Documents, plus one"
    );
    let reads = memory.reads.lock().unwrap().clone();
    assert!(
        !reads.is_empty() && reads.iter().all(|k| k == "docs/x"),
        "the call read its counter, and only it, through Documents: {reads:?}"
    );
    assert_eq!(writes.domain, "fixture");
    assert_eq!(writes.docs.len(), 1);
    assert_eq!(writes.docs[0].key, "docs/x");
    assert_eq!(
        writes.docs[0].observed,
        Some(7),
        "the version the commit must still find"
    );
    // Nothing was written anywhere: the write set is the host's to commit.
    assert_eq!(
        memory.rows[&("fixture".to_string(), "docs/x".to_string())].1,
        7
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misbehaving_call_fails_alone_with_its_fault() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(Arc::new(Memory::default()), cache.path());
    let fixture = rt.component("fixture").unwrap().clone();
    let call = |path: &'static str| {
        let (rt, fixture) = (rt.clone(), fixture.clone());
        async move {
            rt.handle(fixture, request(Method::GET, path, path, &[]))
                .await
        }
    };
    assert!(matches!(
        call("/api/v1/fixture/trap").await,
        Err(Fault::Trap(_))
    ));
    assert!(matches!(
        call("/api/v1/fixture/loop").await,
        Err(Fault::Timeout(_))
    ));
    assert!(matches!(
        call("/api/v1/fixture/oom").await,
        Err(Fault::MemoryExhausted)
    ));
    // The next call is served as if nothing had happened.
    let (ok, _) = call("/api/v1/fixture/ok").await.unwrap();
    assert_eq!(ok.status, 200);
}
