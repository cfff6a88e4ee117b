//! Composing the artifacts (once per test run: composing and compiling is the slow part) and
//! starting a Spin-like host that trusts a gateway's development issuer, so one token works
//! on both hosts and their answers can be compared.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use crate::{TestApp, fixture_path};
use wasmtime::Engine;
use wasmtime::component::Component;
use welfare_gateway::auth::dev_issuer::{self, KINDS};

use super::host::{self, Route, SpinHost};

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

/// The fixture's configuration keys, declared like the domains' (`welfare_spin::CONFIG_KEYS`).
pub const FIXTURE_CONFIG_KEYS: &[&str] = &[
    "name",
    "interop-probe",
    "foreign-route",
    "publisher",
    "summary",
];

/// A Spin host serving `names` as the spin.toml `welfare-spin` writes for them routes and
/// configures them, trusting `app`'s development issuer, with a fresh database in `dir`.
pub async fn spin_host(app: &TestApp, names: &[&str], dir: &std::path::Path) -> SpinHost {
    spin_host_with(app, names, dir, &[]).await
}

/// [`spin_host`] with `extra` application variables (a domain's configuration:
/// `<domain>_<key>`).
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
    let mut keys = welfare_spin::CONFIG_KEYS.to_vec();
    keys.push(("fixture", FIXTURE_CONFIG_KEYS));
    // The routes spin.toml carries are read with the configuration deployed, as a deployment
    // whose domain's routes depend on it would compose (only the fixture's do).
    let mut config: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (domain, domain_keys) in &keys {
        for key in *domain_keys {
            let variable = welfare_spin::manifest::variable_name(&format!("{domain}_"), key);
            if let Some((_, value)) = extra.iter().find(|(name, _)| *name == variable) {
                config
                    .entry(domain.to_string())
                    .or_default()
                    .insert(key.to_string(), value.to_string());
            }
        }
    }
    let manifests = welfare_spin::manifest::manifests_configured(&wasm, &config, dir).unwrap();
    let spin_toml = welfare_spin::manifest::spin_toml(&manifests, "unused", &keys).unwrap();
    let spin_toml: toml::Table = spin_toml.parse().unwrap();
    let mut given = HashMap::from([
        ("auth_audience".to_string(), AUDIENCE.to_string()),
        (
            "auth_issuers".into(),
            serde_json::to_string(&issuers).unwrap(),
        ),
        ("delivery_secret".into(), DELIVERY_SECRET.into()),
    ]);
    given.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let variables = component_variables(&spin_toml, &given);
    let routes = spin_toml["trigger"]["http"]
        .as_array()
        .unwrap()
        .iter()
        .map(|trigger| {
            let component = trigger["component"].as_str().unwrap();
            Route {
                route: trigger["route"].as_str().unwrap().to_string(),
                component: artifact(component).component.clone(),
                variables: variables[component].clone(),
            }
        })
        .collect();
    SpinHost::start(engine, routes, &dir.join("spin.sqlite"))
        .await
        .unwrap()
}

/// Each component's variables, as Spin resolves them: the application variables (`given`,
/// else their default; a required one missing is an error) substituted into the
/// `{{ name }}` templates of `[component.<name>.variables]`, and the literal values there as
/// they are. A component sees nothing else.
fn component_variables(
    spin_toml: &toml::Table,
    given: &HashMap<String, String>,
) -> HashMap<String, Arc<HashMap<String, String>>> {
    let mut application = HashMap::new();
    for (name, declared) in spin_toml["variables"].as_table().unwrap() {
        let value = given
            .get(name)
            .cloned()
            .or_else(|| {
                declared
                    .get("default")
                    .and_then(|d| d.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| panic!("the required variable {name} is not given"));
        application.insert(name.clone(), value);
    }
    for name in given.keys() {
        assert!(
            application.contains_key(name),
            "spin.toml declares no variable {name}"
        );
    }
    spin_toml["component"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(component, table)| {
            let resolved = table["variables"]
                .as_table()
                .unwrap()
                .iter()
                .map(|(name, template)| {
                    let template = template.as_str().unwrap();
                    // A value without `{{` is a literal (the routes the composer wrote).
                    let value = match template
                        .strip_prefix("{{")
                        .and_then(|t| t.strip_suffix("}}"))
                    {
                        Some(reference) => application[reference.trim()].clone(),
                        None if !template.contains("{{") => template.to_string(),
                        None => panic!("{component}.{name}: not one whole template: {template}"),
                    };
                    (name.clone(), value)
                })
                .collect();
            (component.clone(), Arc::new(resolved))
        })
        .collect()
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
