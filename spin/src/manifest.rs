//! The domains' manifests and the Spin application manifest made from them.
//!
//! The manifests are read the way the gateway reads them (its runtime calls `describe` and
//! checks the result), so `spin.toml` routes exactly the paths the gateway would. Each domain
//! gets one HTTP trigger per path prefix it serves (`/api/v1/<name>/...`, and the
//! `/interop/v1/<resource>/...` ones it declares) plus `/_welfare/<name>/...` for event
//! deliveries; the topic → consumers map becomes the `welfare_subscriptions` variable, and
//! each domain's routes its `welfare_routes` variable, so that the adapter routes without
//! asking the domain.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};
use welfare_exchange::served::{self, ServedRoute, ServedRoutes};
use welfare_runtime::RuntimeConfig;
use welfare_runtime::manifest::Manifest;
use welfare_runtime::txn::NoDocuments;
use welfare_runtime::{Runtime, Source};

/// The application's name in spin.toml and in the SpinApp.
pub const APP_NAME: &str = "welfare-domains";
/// The Spin SQLite database every component shares (runtime-config.toml places it).
pub const DATABASE: &str = "default";
/// Application variables every component reads, under the same name.
const SHARED_VARIABLES: &[&str] = &[
    "auth_audience",
    "auth_issuers",
    "auth_leeway_seconds",
    "delivery_secret",
    "welfare_subscriptions",
    "cors_origins",
];
/// Prefix of the component variables that carry a domain's configuration keys.
pub const CONFIG_PREFIX: &str = "cfg_";

/// The probe path the HTTP adapter answers (SpinApp readiness and liveness).
pub const HEALTH: &str = "/healthz";
/// What `spin build` runs for a component (from the manifest's directory, the repository root):
/// the composer, which builds and composes every domain.
pub const BUILD_COMMAND: &str = "cargo run -q -p welfare-spin -- build";
/// The sources a component's artifact is built from, for `spin watch`.
const BUILD_WATCH: &[&str] = &["components/**/*.rs", "components/**/*.toml", "wit/*.wit"];

/// The route of every path no domain serves.
const UNROUTED: &str = "/...";

/// Path segments a trigger route keeps before its `...` wildcard: `/api/v1/<name>`.
const PREFIX_SEGMENTS: usize = 3;

/// The checked manifests of `domains` (name, component bytes), read with the gateway's
/// runtime (`describe` reads no document, so it is given none) and no configuration; compiled
/// components are cached in `scratch`.
pub fn manifests(domains: &[(&str, &[u8])], scratch: &Path) -> anyhow::Result<Vec<Manifest>> {
    manifests_configured(domains, &BTreeMap::new(), scratch)
}

/// [`manifests`] with each domain's configuration from `config` (domain → key → value), for a
/// domain whose routes depend on it. The routes written into spin.toml are those of the
/// configuration composed with: none of the five domains' routes depends on their
/// configuration (tests/spin checks it), the test fixture's do.
pub fn manifests_configured(
    domains: &[(&str, &[u8])],
    config: &BTreeMap<String, BTreeMap<String, String>>,
    scratch: &Path,
) -> anyhow::Result<Vec<Manifest>> {
    let sources = domains
        .iter()
        .map(|(name, wasm)| Source {
            origin: (*name).to_string(),
            wasm: wasm.to_vec(),
            config: config.get(*name).cloned().unwrap_or_default(),
        })
        .collect();
    let runtime = Runtime::load(
        &RuntimeConfig::default(),
        &scratch.join("cache"),
        sources,
        &BTreeMap::new(),
        &[],
        std::sync::Arc::new(NoDocuments),
    )?;
    Ok(runtime.components().map(|c| c.manifest.clone()).collect())
}

/// The trigger routes of `manifest`: one wildcard per distinct prefix of its routes.
pub fn route_prefixes(manifest: &Manifest) -> Vec<String> {
    let mut prefixes: Vec<String> = manifest
        .routes
        .iter()
        .map(|r| {
            let segments: Vec<&str> = r
                .path
                .split('/')
                .skip(1)
                .take_while(|s| !s.starts_with('{'))
                .take(PREFIX_SEGMENTS)
                .collect();
            format!("/{}/...", segments.join("/"))
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    prefixes
}

/// What the HTTP adapter routes and gates `manifest`'s requests with, in its `welfare_routes`
/// variable (`welfare_exchange::served`).
pub fn served_routes(manifest: &Manifest) -> ServedRoutes {
    ServedRoutes {
        component: manifest.name.clone(),
        routes: manifest
            .routes
            .iter()
            .map(|r| ServedRoute {
                method: r.method.as_str().to_string(),
                path: r.path.clone(),
                principals: r.principals.clone(),
                roles: r.roles.clone(),
                min_level: r.min_level,
                subject: r.subject,
                idempotency_key_required: r.idempotency_key_required,
            })
            .collect(),
    }
}

/// The event topic → consumer components map, as the gateway derives it.
pub fn subscriptions(manifests: &[Manifest]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in manifests {
        for topic in &m.subscriptions {
            map.entry(topic.clone()).or_default().push(m.name.clone());
        }
    }
    map
}

/// The Spin variable name for `prefix` and `key`: Spin names are lower-case letters, digits
/// and underscores, so every other character becomes `_` (as the platform adapter maps a
/// configuration key to `cfg_<key>`).
pub fn variable_name(prefix: &str, key: &str) -> String {
    let mut name = prefix.to_string();
    name.extend(key.chars().map(|c| match c {
        'a'..='z' | '0'..='9' => c,
        'A'..='Z' => c.to_ascii_lowercase(),
        _ => '_',
    }));
    name
}

/// The configuration keys of `domain` (`config::get`), from `keys` (domain, keys).
fn keys_of<'a>(keys: &'a [(&str, &[&str])], domain: &str) -> &'a [&'a str] {
    keys.iter()
        .find(|(d, _)| *d == domain)
        .map_or(&[], |(_, k)| *k)
}

/// spin.toml for `manifests`, with each artifact at `<artifacts>/<name>.wasm` (relative to
/// the manifest's directory, as Spin resolves it) and each domain's configuration `keys`
/// (domain, keys) as application variables `<domain>_<key>`, empty (unset) by default.
pub fn spin_toml(
    manifests: &[Manifest],
    artifacts: &str,
    keys: &[(&str, &[&str])],
) -> anyhow::Result<String> {
    let mut out = String::new();
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let subscriptions = serde_json::to_string(&subscriptions(manifests))?;
    writeln!(
        out,
        "# Generated by `cargo run -p welfare-spin -- build`; checked by tests/spin. Do not edit.\n\
         spin_manifest_version = 2\n\n\
         [application]\n\
         name = {}\n\
         version = {}\n\
         description = \"The Welfare as a Service domain components on Spin (see infra/spin/DESIGN.md).\"\n\n\
         [variables]\n\
         # The token audience the app API's callers present (the gateway's auth.audience).\n\
         auth_audience = {{ required = true }}\n\
         # JSON: [{{\"issuer\", \"kind\", \"algorithms\", \"public_key_pem\"}}], the gateway's [[auth.issuers]].\n\
         auth_issuers = {{ required = true, secret = true }}\n\
         # JSON: the origins browser apps may call from (the gateway's http.cors_origins); [\"*\"]: any.\n\
         cors_origins = {{ default = '[\"*\"]' }}\n\
         auth_leeway_seconds = {{ default = \"30\" }}\n\
         # The bearer secret of POST /_welfare/<component>/deliver (the delivery scheduler's).\n\
         delivery_secret = {{ required = true, secret = true }}\n\
         # Topic -> consumer components, from the manifests.\n\
         welfare_subscriptions = {{ default = {} }}\n\
         # Each domain's configuration (the gateway's [component_config.<domain>]); empty is unset.",
        quote(APP_NAME),
        quote(env!("CARGO_PKG_VERSION")),
        quote(&subscriptions),
    )?;
    for m in manifests {
        for key in keys_of(keys, &m.name) {
            let name = variable_name(&format!("{}_", m.name), key);
            writeln!(out, "{name} = {{ default = \"\" }}")?;
        }
    }
    let mut claimed: BTreeMap<String, String> = BTreeMap::new();
    // The probe: any domain's HTTP adapter answers it; the first one does.
    if let Some(first) = manifests.first() {
        writeln!(
            out,
            "\n[[trigger.http]]\nroute = {}\ncomponent = {}",
            quote(HEALTH),
            quote(&first.name)
        )?;
    }
    // Everything else: Spin's own answer to an unrouted path is an empty 404; a domain's
    // adapter answers it as the gateway does, a problem+json 404 (Spin prefers the most
    // specific route, so this catches only what no domain serves).
    if let Some(first) = manifests.first() {
        writeln!(
            out,
            "
[[trigger.http]]
route = {}
component = {}",
            quote(UNROUTED),
            quote(&first.name)
        )?;
    }
    for m in manifests {
        let mut routes = route_prefixes(m);
        routes.push(format!("/_welfare/{}/...", m.name));
        for route in routes {
            if let Some(other) = claimed.insert(route.clone(), m.name.clone()) {
                bail!(
                    "{} and {other} both serve {route}: Spin routes by prefix",
                    m.name
                );
            }
            writeln!(
                out,
                "\n[[trigger.http]]\nroute = {}\ncomponent = {}",
                quote(&route),
                quote(&m.name)
            )?;
        }
    }
    for m in manifests {
        writeln!(
            out,
            "\n[component.{name}]\n\
             source = {source}\n\
             sqlite_databases = [{db}]\n\
             \n[component.{name}.build]\n\
             # `spin build` composes every domain (and rewrites this file, unchanged).\n\
             command = {build}\n\
             watch = {watch}\n\
             \n[component.{name}.variables]",
            name = m.name,
            source = quote(&format!("{artifacts}/{}", crate::artifact_name(&m.name))),
            db = quote(DATABASE),
            build = quote(BUILD_COMMAND),
            watch = toml::Value::Array(
                BUILD_WATCH
                    .iter()
                    .map(|w| toml::Value::String((*w).into()))
                    .collect()
            ),
        )?;
        // The routes, read from the manifest now rather than asked of the domain per request.
        let routes = served_routes(m)
            .to_variable()
            .map_err(|e| anyhow::anyhow!(e))?;
        writeln!(out, "{} = {}", served::VARIABLE, quote(&routes))?;
        for shared in SHARED_VARIABLES {
            writeln!(out, "{shared} = \"{{{{ {shared} }}}}\"")?;
        }
        for key in keys_of(keys, &m.name) {
            let app = variable_name(&format!("{}_", m.name), key);
            writeln!(
                out,
                "{} = \"{{{{ {app} }}}}\"",
                variable_name(CONFIG_PREFIX, key)
            )?;
        }
    }
    Ok(out)
}

/// Composes every domain with the adapters into `out_dir`, returning the artifacts' paths.
pub fn build(domains: &[(&str, &[u8])], out_dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let platform =
        std::fs::read(crate::PLATFORM_ADAPTER).context("reading the platform adapter")?;
    let http = std::fs::read(crate::HTTP_ADAPTER).context("reading the HTTP adapter")?;
    std::fs::create_dir_all(out_dir)?;
    let mut written = Vec::new();
    for (name, wasm) in domains {
        let composed = crate::compose::compose(&platform, wasm, &http)
            .with_context(|| format!("composing {name}"))?;
        let path = out_dir.join(crate::artifact_name(name));
        std::fs::write(&path, composed)?;
        written.push(path);
    }
    Ok(written)
}
