//! Every composed artifact targets Spin: it exports Spin's HTTP handler and nothing else, and
//! imports only interfaces a Spin host provides (WASI 0.2 and `fermyon:spin@2.0.0`), none of
//! the platform's own. The committed spin.toml is the one `welfare-spin build` writes.

use std::collections::BTreeSet;

use wasmtime::component::types::ComponentItem;
use wasmtime_wasi_http::p2::bindings::ProxyPre;

use welfare_tests::spin::{artifacts, host};

/// The interfaces of Spin's platform world for WASI 0.2 components (Spin 3.x and 4.x,
/// `fermyon:spin/platform@2.0.0` with `wasi:cli/imports@0.2.x` and
/// `wasi:http/outgoing-handler`), by `package/interface` without version.
const SPIN_WASI: &[&str] = &[
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:sockets/network",
    "wasi:sockets/instance-network",
    "wasi:sockets/udp",
    "wasi:sockets/udp-create-socket",
    "wasi:sockets/tcp",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/ip-name-lookup",
    "wasi:http/types",
    "wasi:http/outgoing-handler",
];
/// Spin's own interfaces at the version every Spin since 2.0 provides.
const SPIN_OWN: &[&str] = &[
    "fermyon:spin/sqlite@2.0.0",
    "fermyon:spin/variables@2.0.0",
    "fermyon:spin/key-value@2.0.0",
];

/// Whether a Spin host provides the interface `name` (`package/interface@version`): WASI on
/// the 0.2 line, which Wasmtime's semver-aware linker in Spin matches to its own 0.2.x.
fn spin_provides(name: &str) -> bool {
    if SPIN_OWN.contains(&name) {
        return true;
    }
    let Some((interface, version)) = name.split_once('@') else {
        return false;
    };
    SPIN_WASI.contains(&interface) && version.starts_with("0.2.")
}

#[test]
fn every_artifact_imports_only_what_spin_provides_and_exports_its_http_handler() {
    let (engine, artifacts) = artifacts();
    let linker = host::linker(engine).unwrap();
    assert_eq!(artifacts.len(), 6, "five domains and the fixture");
    for artifact in artifacts {
        let ty = artifact.component.component_type();
        let exports: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            exports,
            [welfare_spin::HTTP_HANDLER],
            "{} must export Spin's HTTP handler only",
            artifact.name
        );
        let imports: BTreeSet<String> = ty.imports(engine).map(|(n, _)| n.to_string()).collect();
        let foreign: Vec<&String> = imports.iter().filter(|n| !spin_provides(n)).collect();
        assert!(
            foreign.is_empty(),
            "{} imports what Spin does not provide: {foreign:?}",
            artifact.name
        );
        assert!(
            imports.iter().all(|n| !n.starts_with("welfare:")),
            "{}: the platform's interfaces are satisfied inside the composition",
            artifact.name
        );
        assert!(
            imports.contains("fermyon:spin/sqlite@2.0.0"),
            "{} keeps its documents in Spin's SQLite",
            artifact.name
        );
        // Every import is an instance (an interface), never a bare function or a component.
        for (name, item) in ty.imports(engine) {
            assert!(
                matches!(item.ty, ComponentItem::ComponentInstance(_)),
                "{}: import {name} is not an interface",
                artifact.name
            );
        }
        // And the host that provides only those interfaces links it as a wasi:http proxy.
        let pre = linker
            .instantiate_pre(&artifact.component)
            .unwrap_or_else(|e| panic!("{} does not link: {e:?}", artifact.name));
        ProxyPre::new(pre)
            .unwrap_or_else(|e| panic!("{} is not a wasi:http proxy: {e:?}", artifact.name));
        assert!(!artifact.bytes.is_empty());
    }
}

#[test]
fn the_committed_spin_toml_is_the_generated_one() {
    let scratch = tempfile::tempdir().unwrap();
    let manifests =
        welfare_spin::manifest::manifests(welfare_gateway::EMBEDDED_COMPONENTS, scratch.path())
            .unwrap();
    let generated =
        welfare_spin::manifest::spin_toml(&manifests, "target/spin", welfare_spin::CONFIG_KEYS)
            .unwrap();
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spin.toml"),
    )
    .unwrap();
    assert!(
        generated == committed,
        "spin.toml is stale: run `cargo run -p welfare-spin -- build`"
    );
    // Each domain is routed, with its deliveries route, reads its variables, and is built by
    // `spin build` from the root.
    let parsed: toml::Table = committed.parse().unwrap();
    let triggers = parsed["trigger"]["http"].as_array().unwrap();
    for (name, _) in welfare_gateway::EMBEDDED_COMPONENTS {
        let routes: Vec<&str> = triggers
            .iter()
            .filter(|t| t["component"].as_str() == Some(name))
            .map(|t| t["route"].as_str().unwrap())
            .collect();
        assert!(
            routes.contains(&format!("/api/v1/{name}/...").as_str()),
            "{name}: {routes:?}"
        );
        assert!(
            routes.contains(&format!("/_welfare/{name}/...").as_str()),
            "{name}: {routes:?}"
        );
        let component = &parsed["component"][*name];
        assert_eq!(
            component["source"].as_str(),
            Some(format!("target/spin/{name}.wasm").as_str())
        );
        assert_eq!(
            component["build"]["command"].as_str(),
            Some(welfare_spin::manifest::BUILD_COMMAND),
            "{name}"
        );
        assert_eq!(component["sqlite_databases"][0].as_str(), Some("default"));
    }
}

#[test]
fn spin_toml_declares_every_configuration_key_the_domains_read() {
    // Spin gives a component only the variables its manifest declares, so a key a domain
    // reads but spin.toml omits would silently be unset on Spin.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../components");
    for (domain, _) in welfare_gateway::EMBEDDED_COMPONENTS {
        let mut read = BTreeSet::new();
        let mut dirs = vec![root.join(domain).join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    // `config::get("key")`, and notifications' `setting("key", default)`.
                    for call in ["config::get(\"", "setting(\""] {
                        for (at, _) in text.match_indices(call) {
                            let rest = &text[at + call.len()..];
                            read.insert(rest[..rest.find('"').unwrap()].to_string());
                        }
                    }
                }
            }
        }
        let declared: BTreeSet<String> = welfare_spin::CONFIG_KEYS
            .iter()
            .filter(|(d, _)| d == domain)
            .flat_map(|(_, keys)| keys.iter().map(|k| k.to_string()))
            .collect();
        assert_eq!(declared, read, "{domain}: welfare_spin::CONFIG_KEYS");
    }
}

#[test]
fn the_domains_routes_do_not_depend_on_their_configuration() {
    // spin.toml carries each domain's routes as read when composing, without a deployment's
    // configuration (`welfare_routes`), so a domain whose routes changed with a setting would
    // be routed by stale ones on Spin. Every key each domain reads, set, changes none.
    let scratch = tempfile::tempdir().unwrap();
    let domains = welfare_gateway::EMBEDDED_COMPONENTS;
    let plain = welfare_spin::manifest::manifests(domains, scratch.path()).unwrap();
    let configured: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> =
        welfare_spin::CONFIG_KEYS
            .iter()
            .map(|(domain, keys)| {
                let values = keys.iter().map(|k| (k.to_string(), "7".to_string()));
                (domain.to_string(), values.collect())
            })
            .collect();
    let set =
        welfare_spin::manifest::manifests_configured(domains, &configured, scratch.path()).unwrap();
    assert_eq!(plain.len(), domains.len());
    for (plain, set) in plain.iter().zip(&set) {
        assert_eq!(
            welfare_spin::manifest::served_routes(plain),
            welfare_spin::manifest::served_routes(set),
            "{}",
            plain.name
        );
    }
}
