//! The host's crates and which way their dependencies point: from the composing binaries down
//! to the capabilities, never back, and the runtime and the Spin composer free of what they do
//! not need (a database driver, the HTTP server, the mailer). Read from `cargo tree`, which
//! resolves the lock file the builds use.

use std::collections::BTreeSet;
use std::process::Command;

/// Every package `package` depends on (normal dependencies, transitively), by name.
fn dependencies(package: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The workspace's crates, lowest first: each may depend only on crates before it.
const LAYERS: &[&str] = &[
    "welfare-txn",
    "welfare-identity",
    "welfare-auth",
    "welfare-exchange",
    "welfare-problem",
    "welfare-store",
    "welfare-access",
    "welfare-domains",
    "welfare-runtime",
    "welfare-events",
    "welfare-spin",
    "welfare-gateway",
    "welfare-tests",
];

#[test]
fn dependencies_point_down_the_layers() {
    for (i, package) in LAYERS.iter().enumerate() {
        let deps = dependencies(package);
        for above in &LAYERS[i + 1..] {
            assert!(
                !deps.contains(*above),
                "{package} depends on {above}, which is above it"
            );
        }
    }
}

#[test]
fn the_runtime_and_the_spin_composer_carry_no_server_database_or_mailer() {
    let forbidden = [
        "axum",
        "hyper-util",
        "postgres",
        "tokio-postgres",
        "rusqlite",
        "refinery",
        "lettre",
        "welfare-gateway",
    ];
    for package in ["welfare-runtime", "welfare-spin"] {
        let deps = dependencies(package);
        for name in forbidden {
            assert!(!deps.contains(name), "{package} depends on {name}");
        }
    }
    // The store and the gate know nothing of the engine, the mailer or the HTTP server (the
    // store not even of HTTP types); the events neither of the server nor of the gate.
    for (package, forbidden) in [
        (
            "welfare-store",
            &["wasmtime", "welfare-runtime", "axum", "lettre"][..],
        ),
        (
            "welfare-access",
            &["wasmtime", "welfare-runtime", "lettre", "hyper-util"][..],
        ),
    ] {
        let deps = dependencies(package);
        for name in forbidden {
            assert!(!deps.contains(*name), "{package} depends on {name}");
        }
    }
    // And the gateway does depend on what it composes.
    let gateway = dependencies("welfare-gateway");
    for name in [
        "welfare-runtime",
        "welfare-domains",
        "welfare-auth",
        "welfare-txn",
        "welfare-store",
        "welfare-access",
        "welfare-events",
    ] {
        assert!(gateway.contains(name), "the gateway does not use {name}");
    }
}

/// The modules `crate::<module>` references in a domain's sources, outside comments and test
/// modules: module → the modules it uses.
fn module_graph(domain: &str) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../components")
        .join(domain)
        .join("src");
    let modules: BTreeSet<String> = std::fs::read_dir(&src)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".rs")
                .filter(|m| *m != "lib")
                .map(str::to_string)
        })
        .collect();
    let mut graph = std::collections::BTreeMap::new();
    for module in &modules {
        let text = std::fs::read_to_string(src.join(format!("{module}.rs"))).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let mut uses = BTreeSet::new();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let rest = &line[i + "crate::".len()..];
                // `crate::a::…`, or `crate::{a, b::…}`.
                let names: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group
                        .split('}')
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .map(|n| n.trim().split("::").next().unwrap_or_default())
                        .collect(),
                    None => vec![
                        rest.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                            .next()
                            .unwrap_or_default(),
                    ],
                };
                for name in names {
                    if modules.contains(name) && name != module {
                        uses.insert(name.to_string());
                    }
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// Each domain's modules import one another one way: shared types live in leaf modules, and a
/// module that must call back into one that uses it goes through the crate root.
#[test]
fn no_domain_module_imports_one_that_imports_it_back() {
    for domain in [
        "income-support",
        "disability",
        "contributions",
        "faq",
        "notifications",
    ] {
        let graph = module_graph(domain);
        for start in graph.keys() {
            // Depth-first from `start`: reaching it again is a circle.
            let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
            let mut seen = BTreeSet::new();
            while let Some((module, path)) = stack.pop() {
                for next in &graph[&module] {
                    assert!(
                        next != start,
                        "{domain}: a circle of imports: {} → {next}",
                        path.join(" → ")
                    );
                    if seen.insert(next.clone()) {
                        let mut longer = path.clone();
                        longer.push(next.clone());
                        stack.push((next.clone(), longer));
                    }
                }
            }
        }
    }
}
