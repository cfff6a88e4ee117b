//! Composing the artifacts (once per test run: composing and compiling is the slow part) and
//! starting a Spin-like host that trusts a gateway's development issuer, so one token works
//! on both hosts and their answers can be compared.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::{TestApp, fixture_path};
use wasmtime::Engine;
use wasmtime::component::Component;
use welfare_gateway::auth::dev_issuer::{self, KINDS};

use super::host::{self, SpinHost};

/// The secret the host's deliveries route wants.
pub const DELIVERY_SECRET: &str = "spin-test-delivery-secret";
/// The app API's audience, as the gateway's test configuration has it.
pub const AUDIENCE: &str = "welfare-api";

/// A composed artifact: its domain name, bytes and compiled component.
pub struct Artifact {
    pub name: String,
    pub bytes: Vec<u8>,
    pub component: Component,
}

/// The five domains and the misbehaving fixture, each composed with the adapters.
pub fn artifacts() -> &'static (Engine, Vec<Artifact>) {
    static ARTIFACTS: OnceLock<(Engine, Vec<Artifact>)> = OnceLock::new();
    ARTIFACTS.get_or_init(|| {
        let engine = host::engine();
        let platform = std::fs::read(welfare_spin::PLATFORM_ADAPTER).unwrap();
        let http = std::fs::read(welfare_spin::HTTP_ADAPTER).unwrap();
        let fixture = std::fs::read(fixture_path()).unwrap();
        let mut domains: Vec<(&str, &[u8])> = welfare_gateway::EMBEDDED_COMPONENTS.to_vec();
        domains.push(("fixture", &fixture));
        let artifacts = std::thread::scope(|scope| {
            let handles: Vec<_> = domains
                .iter()
                .map(|(name, wasm)| {
                    let (engine, platform, http) = (&engine, &platform, &http);
                    scope.spawn(move || {
                        let bytes = welfare_spin::compose::compose(platform, wasm, http)
                            .unwrap_or_else(|e| panic!("composing {name}: {e:?}"));
                        let component = Component::new(engine, &bytes)
                            .unwrap_or_else(|e| panic!("compiling the composed {name}: {e:?}"));
                        Artifact {
                            name: name.to_string(),
                            bytes,
                            component,
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        (engine, artifacts)
    })
}

pub fn artifact(name: &str) -> &'static Artifact {
    artifacts()
        .1
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no artifact {name}"))
}

/// A Spin host serving `names` (each at `/api/v1/<name>` and `/_welfare/<name>`), trusting
/// `app`'s development issuer, with its own fresh database in `dir`.
pub async fn spin_host(app: &TestApp, names: &[&str], dir: &std::path::Path) -> SpinHost {
    spin_host_with(app, names, dir, &[]).await
}

/// [`spin_host`] with `extra` Spin variables (a domain's configuration: `cfg_<key>`).
pub async fn spin_host_with(
    app: &TestApp,
    names: &[&str],
    dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> SpinHost {
    let (engine, _) = artifacts();
    let pem = app.issuer().public_key_pem().unwrap();
    let issuers: Vec<serde_json::Value> = KINDS
        .iter()
        .map(|kind| {
            serde_json::json!({
                "issuer": dev_issuer::issuer_for(*kind),
                "kind": kind,
                "algorithms": ["ES256"],
                "public_key_pem": pem,
            })
        })
        .collect();
    let wasm: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, artifact_source(n))).collect();
    let manifests = welfare_spin::manifest::manifests(&wasm, dir).unwrap();
    let subscriptions = welfare_spin::manifest::subscriptions(&manifests);
    let mut variables = HashMap::from([
        ("auth_audience".to_string(), AUDIENCE.to_string()),
        (
            "auth_issuers".into(),
            serde_json::to_string(&issuers).unwrap(),
        ),
        ("delivery_secret".into(), DELIVERY_SECRET.into()),
        (
            "welfare_subscriptions".into(),
            serde_json::to_string(&subscriptions).unwrap(),
        ),
    ]);
    variables.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let mut apps = Vec::new();
    if let Some(first) = manifests.first() {
        let component = artifact(&first.name).component.clone();
        apps.push((welfare_spin::manifest::HEALTH.to_string(), component));
    }
    for manifest in &manifests {
        let component = artifact(&manifest.name).component.clone();
        for prefix in welfare_spin::manifest::route_prefixes(manifest) {
            apps.push((
                prefix.trim_end_matches("/...").to_string(),
                component.clone(),
            ));
        }
        apps.push((format!("/_welfare/{}", manifest.name), component.clone()));
    }
    SpinHost::start(engine, apps, &dir.join("spin.sqlite"), variables)
        .await
        .unwrap()
}

/// The domain `.wasm` (not composed) of `name`, for reading its manifest.
fn artifact_source(name: &str) -> &'static [u8] {
    static FIXTURE: OnceLock<Vec<u8>> = OnceLock::new();
    welfare_gateway::EMBEDDED_COMPONENTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, w)| *w)
        .unwrap_or_else(|| FIXTURE.get_or_init(|| std::fs::read(fixture_path()).unwrap()))
}
