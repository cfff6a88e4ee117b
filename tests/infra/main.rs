//! `infra/`: the container build and the Kubernetes manifests, read as data and checked for what
//! a deployment depends on: every document parses, each kustomization lists exactly its files,
//! the probes reach the gateway's real endpoints on its real port, the ConfigMap's welfare.toml
//! is a configuration the gateway accepts (dev issuer off, no secrets in it), every Secret key
//! the pods use is documented, and the image is built the way the gateway must be built. No
//! cluster is needed; where `kubectl` is installed, the kustomizations are also built with it.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_norway::Value;
use welfare_gateway::config::Config;

const GATEWAY: &str = "welfare-gateway";
const CONFIG_FILE: &str = "/etc/welfare/welfare.toml";
const KEYS_DIR: &str = "/etc/welfare/keys";
const DATA_DIR: &str = "/var/lib/welfare";
/// The kustomizations: the gateway's base, its production overlay, the Spin app.
const KUSTOMIZATIONS: &[&str] = &["base", "overlays/production", "spin"];

fn infra() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra")
}

fn k8s(dir: &str) -> PathBuf {
    infra().join("k8s").join(dir)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every YAML document in `text`; one that does not parse fails the test, naming `origin`.
fn parse_documents(text: &str, origin: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{origin}: {e}")))
        .filter(|doc| !doc.is_null())
        .collect()
}

fn documents(path: &Path) -> Vec<Value> {
    parse_documents(&read(path), &path.display().to_string())
}

/// The YAML files under `dir`, recursively, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(yaml_files(&path));
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The objects a kustomization directory declares itself (not those of the bases it includes).
/// Leaked, as test data living as long as the test, so that lookups can borrow from it.
fn objects(dir: &str) -> &'static [Value] {
    let dir = k8s(dir);
    let mut out = Vec::new();
    for file in local_files(&kustomization(&dir)) {
        if file.ends_with(".yaml") {
            out.extend(documents(&dir.join(file)));
        }
    }
    out.leak()
}

/// The placeholder Secrets documented beside a kustomization.
fn example_secrets(dir: &str) -> &'static [Value] {
    documents(&k8s(dir).join("secrets.example.yaml")).leak()
}

fn kustomization(dir: &Path) -> Value {
    documents(&dir.join("kustomization.yaml")).remove(0)
}

/// `v` at a dotted path (`spec.template.spec.containers.0`); `Null` where it is missing.
fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(v, |v, key| match key.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[key],
        })
}

fn text<'a>(v: &'a Value, path: &str) -> &'a str {
    at(v, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path}: expected a string in {v:?}"))
}

fn int(v: &Value, path: &str) -> i64 {
    at(v, path)
        .as_i64()
        .unwrap_or_else(|| panic!("{path}: expected an integer in {v:?}"))
}

fn list<'a>(v: &'a Value, path: &str) -> &'a [Value] {
    at(v, path).as_sequence().map(Vec::as_slice).unwrap_or(&[])
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind) && at(d, "metadata.name").as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {kind} named {name}"))
}

fn named<'a>(items: &'a [Value], name: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("nothing named {name} in {items:?}"))
}

/// The files a kustomization names in its own directory: resources that are files, generator
/// inputs (`key=path` or `path`), patch files.
fn local_files(kustomization: &Value) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    for resource in list(kustomization, "resources") {
        let resource = resource.as_str().unwrap();
        if !resource.contains('/') {
            files.insert(resource.to_string());
        }
    }
    for generator in ["configMapGenerator", "secretGenerator"] {
        for g in list(kustomization, generator) {
            for file in list(g, "files").iter().chain(list(g, "envs")) {
                let file = file.as_str().unwrap();
                files.insert(file.rsplit('=').next().unwrap().to_string());
            }
        }
    }
    for patch in list(kustomization, "patches") {
        if let Some(path) = patch["path"].as_str() {
            files.insert(path.to_string());
        }
    }
    files
}

/// The files in `dir` a kustomization should name: all but itself and the `*.example.yaml`
/// placeholders (which must never be applied).
fn present_files(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "kustomization.yaml" && !n.ends_with(".example.yaml"))
        .collect()
}

/// The `welfare.toml` files each kustomization turns into the ConfigMap `welfare-config`.
fn gateway_configs() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for dir in KUSTOMIZATIONS {
        let k = kustomization(&k8s(dir));
        for g in list(&k, "configMapGenerator") {
            if g["name"].as_str() == Some("welfare-config") {
                for file in list(g, "files") {
                    let file = file.as_str().unwrap().rsplit('=').next().unwrap();
                    let path = k8s(dir).join(file);
                    out.push((path.clone(), read(&path)));
                }
            }
        }
    }
    out
}

fn deployment() -> Value {
    find(objects("base"), "Deployment", GATEWAY).clone()
}

fn pod(deployment: &Value) -> &Value {
    at(deployment, "spec.template.spec")
}

fn gateway_container(deployment: &Value) -> &Value {
    named(list(pod(deployment), "containers"), "gateway")
}

/// The container port a probe or Service names, by number or by name.
fn resolve_port(container: &Value, port: &Value) -> i64 {
    match port.as_i64() {
        Some(n) => n,
        None => int(
            named(list(container, "ports"), port.as_str().unwrap()),
            "containerPort",
        ),
    }
}

fn container_port(deployment: &Value) -> i64 {
    let c = gateway_container(deployment);
    resolve_port(c, &Value::from("http"))
}

/// The volume mounted at `path` in `container`.
fn volume_at<'a>(deployment: &'a Value, container: &Value, path: &str) -> &'a Value {
    let mount = list(container, "volumeMounts")
        .iter()
        .find(|m| m["mountPath"].as_str() == Some(path))
        .unwrap_or_else(|| panic!("nothing is mounted at {path}"));
    named(list(pod(deployment), "volumes"), text(mount, "name"))
}

/// A Secret's keys, from `stringData` and `data`.
fn secret_keys(secret: &Value) -> BTreeSet<String> {
    ["stringData", "data"]
        .iter()
        .filter_map(|f| secret[*f].as_mapping())
        .flat_map(|m| m.keys().map(|k| k.as_str().unwrap().to_string()))
        .collect()
}

/// A placeholder Secret's value (keys may contain dots, so not through `at`).
fn secret_value<'a>(secret: &'a Value, key: &str) -> &'a str {
    secret["stringData"][key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no stringData.{key}", text(secret, "metadata.name")))
}

#[test]
fn every_manifest_parses() {
    let mut kinds = BTreeSet::new();
    let files = yaml_files(&infra().join("k8s"));
    assert!(files.len() >= 10, "{files:?}");
    for file in &files {
        let docs = documents(file);
        assert!(!docs.is_empty(), "{}: no document", file.display());
        for doc in &docs {
            let kind = text(doc, "kind");
            assert!(!text(doc, "apiVersion").is_empty(), "{}", file.display());
            if kind != "Kustomization" {
                assert!(!text(doc, "metadata.name").is_empty(), "{}", file.display());
            }
            kinds.insert(kind.to_string());
        }
        // Every manifest belongs to a kustomization.
        assert!(
            file.parent().unwrap().join("kustomization.yaml").exists(),
            "{} is in no kustomization's directory",
            file.display()
        );
    }
    for kind in [
        "Kustomization",
        "Namespace",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Cluster",
        "SpinApp",
        "Secret",
    ] {
        assert!(kinds.contains(kind), "no {kind} among {kinds:?}");
    }
}

#[test]
fn kustomizations_list_exactly_the_files_present() {
    let mut seen = BTreeSet::new();
    for file in yaml_files(&infra().join("k8s")) {
        if file.ends_with("kustomization.yaml") {
            seen.insert(file.parent().unwrap().to_path_buf());
        }
    }
    let expected: BTreeSet<PathBuf> = KUSTOMIZATIONS.iter().map(|d| k8s(d)).collect();
    assert_eq!(seen, expected, "kustomization directories");
    for dir in KUSTOMIZATIONS {
        let path = k8s(dir);
        let k = kustomization(&path);
        assert_eq!(text(&k, "apiVersion"), "kustomize.config.k8s.io/v1beta1");
        assert_eq!(
            local_files(&k),
            present_files(&path),
            "{dir}: the files kustomization.yaml names vs the files in the directory"
        );
        for resource in list(&k, "resources") {
            let resource = resource.as_str().unwrap();
            if resource.contains('/') {
                assert!(
                    path.join(resource).join("kustomization.yaml").exists(),
                    "{dir}: {resource} is not a kustomization"
                );
            }
        }
    }
    let production = kustomization(&k8s("overlays/production"));
    assert!(list(&production, "resources").contains(&Value::from("../../base")));
}

#[test]
fn the_deployment_probes_the_gateway_on_its_port() {
    let d = deployment();
    assert_eq!(text(&d, "apiVersion"), "apps/v1");
    assert!(int(&d, "spec.replicas") >= 2, "at least two replicas");
    let c = gateway_container(&d);
    let port = container_port(&d);
    assert_eq!(port, 8080);
    for (probe, path) in [
        ("readinessProbe", "/readyz"),
        ("livenessProbe", "/healthz"),
        ("startupProbe", "/readyz"),
    ] {
        let p = &c[probe];
        assert_eq!(text(p, "httpGet.path"), path, "{probe}");
        assert_eq!(
            resolve_port(c, at(p, "httpGet.port")),
            port,
            "{probe}'s port"
        );
        assert!(p["httpGet"]["scheme"].is_null(), "{probe}: plain HTTP");
    }
    // The first start compiles five components: give it minutes, not the default 30 s.
    let startup = &c["startupProbe"];
    assert!(int(startup, "periodSeconds") * int(startup, "failureThreshold") >= 180);

    // The command reads the file the init container renders, into the volume both mount.
    let args: Vec<&str> = list(c, "args")
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args, ["serve", "--config", CONFIG_FILE]);
    let config_dir = Path::new(CONFIG_FILE).parent().unwrap().to_str().unwrap();
    let rendered = volume_at(&d, c, config_dir);
    assert!(rendered["emptyDir"].is_mapping(), "{rendered:?}");
    let init = named(list(pod(&d), "initContainers"), "render-config");
    assert_eq!(volume_at(&d, init, config_dir), rendered);
    let script = list(init, "command").last().unwrap().as_str().unwrap();
    assert!(script.contains(&format!("> {CONFIG_FILE}")), "{script}");
    assert_eq!(text(init, "image"), text(c, "image"), "one image for both");
    let source = volume_at(&d, init, "/etc/welfare-config");
    assert_eq!(text(source, "configMap.name"), "welfare-config");
    assert!(
        script.contains("/etc/welfare-config/welfare.toml"),
        "{script}"
    );

    // Resources, and a non-root, read-only container with writable volumes where it writes.
    for field in [
        "requests.cpu",
        "requests.memory",
        "limits.cpu",
        "limits.memory",
    ] {
        assert!(
            !at(c, &format!("resources.{field}")).is_null(),
            "resources.{field}"
        );
    }
    let security = at(pod(&d), "securityContext");
    assert_eq!(security["runAsNonRoot"].as_bool(), Some(true));
    assert_ne!(int(security, "runAsUser"), 0);
    for container in [c, init] {
        let s = &container["securityContext"];
        assert_eq!(s["readOnlyRootFilesystem"].as_bool(), Some(true));
        assert_eq!(s["allowPrivilegeEscalation"].as_bool(), Some(false));
        assert!(!at(container, "resources.limits.memory").is_null());
    }
    assert!(volume_at(&d, c, DATA_DIR)["emptyDir"].is_mapping());
    assert!(volume_at(&d, c, "/tmp")["emptyDir"].is_mapping());
    assert_eq!(
        text(volume_at(&d, c, KEYS_DIR), "secret.secretName"),
        "welfare-keys"
    );

    // The Service and the disruption budget select these pods; the Service reaches the port.
    let docs = objects("base");
    let labels = at(&d, "spec.template.metadata.labels")
        .as_mapping()
        .unwrap();
    let selects = |selector: &Value| {
        let selector = selector.as_mapping().expect("a selector");
        assert!(!selector.is_empty());
        selector.iter().all(|(k, v)| labels.get(k) == Some(v))
    };
    assert!(selects(at(&d, "spec.selector.matchLabels")));
    let service = find(&docs, "Service", GATEWAY);
    assert!(selects(at(service, "spec.selector")));
    assert!(
        list(service, "spec.ports")
            .iter()
            .any(|p| resolve_port(c, &p["targetPort"]) == port)
    );
    let pdb = find(&docs, "PodDisruptionBudget", GATEWAY);
    assert_eq!(text(pdb, "apiVersion"), "policy/v1");
    assert!(selects(at(pdb, "spec.selector.matchLabels")));
    let allowed = at(pdb, "spec.maxUnavailable").as_i64().unwrap_or(0);
    assert!(
        allowed >= 1 && allowed < int(&d, "spec.replicas"),
        "one pod at a time"
    );
}

#[test]
fn the_hpa_scales_the_deployment_on_cpu() {
    let d = deployment();
    let hpa = find(objects("base"), "HorizontalPodAutoscaler", GATEWAY);
    assert_eq!(text(hpa, "apiVersion"), "autoscaling/v2");
    let target = at(hpa, "spec.scaleTargetRef");
    assert_eq!(text(target, "apiVersion"), "apps/v1");
    assert_eq!(text(target, "kind"), "Deployment");
    assert_eq!(text(target, "name"), text(&d, "metadata.name"));
    let min = int(hpa, "spec.minReplicas");
    assert!(min >= 2 && min == int(&d, "spec.replicas"), "minReplicas");
    assert!(int(hpa, "spec.maxReplicas") > min);
    let cpu = list(hpa, "spec.metrics")
        .iter()
        .find(|m| at(m, "resource.name").as_str() == Some("cpu"))
        .expect("a CPU metric");
    assert_eq!(text(cpu, "type"), "Resource");
    assert_eq!(text(cpu, "resource.target.type"), "Utilization");
    let percent = int(cpu, "resource.target.averageUtilization");
    assert!((1..100).contains(&percent));
    // Utilization is a percentage of the request: there must be one.
    assert!(!at(gateway_container(&d), "resources.requests.cpu").is_null());
}

#[test]
fn the_configmaps_are_configurations_the_gateway_accepts() {
    let d = deployment();
    let port = container_port(&d) as u16;
    let channels = secret_value(
        find(
            &example_secrets("overlays/production"),
            "Secret",
            "welfare-secrets",
        ),
        "channels.toml",
    )
    .to_string();
    let keys = secret_keys(find(
        example_secrets("overlays/production"),
        "Secret",
        "welfare-keys",
    ));
    let configs = gateway_configs();
    assert_eq!(configs.len(), 2, "base and production");
    for (path, toml) in &configs {
        let where_ = path.display();
        let cfg: Config = toml::from_str(toml).unwrap_or_else(|e| panic!("{where_}: {e}"));
        assert!(!cfg.auth.dev_issuer, "{where_}: the dev issuer must be off");
        assert!(
            cfg.listen.ip().is_unspecified(),
            "{where_}: listen on every interface"
        );
        assert_eq!(
            cfg.listen.port(),
            port,
            "{where_}: listen = the containerPort"
        );
        assert_eq!(
            cfg.data_dir,
            Path::new(DATA_DIR),
            "{where_}: data_dir = the data volume"
        );
        assert!(cfg.runtime.cache_dir.is_none() || cfg.cache_dir().starts_with(DATA_DIR));
        // Credentials belong in the Secret, not in a ConfigMap anyone may read.
        let c = &cfg.channels;
        assert!(
            c.email.is_none() && c.sms.is_none() && c.push.is_none(),
            "{where_}"
        );
        assert!(
            !toml.contains("postgres://"),
            "{where_}: a database URL in the ConfigMap"
        );
        // Key files are entries of the welfare-keys Secret, mounted flat at KEYS_DIR.
        let pems = cfg.auth.issuers.iter().map(|i| &i.public_key_pem);
        for pem in pems.chain(cfg.interop.signing_keys.iter().map(|k| &k.public_key_pem)) {
            assert_eq!(
                pem.parent(),
                Some(Path::new(KEYS_DIR)),
                "{where_}: {}",
                pem.display()
            );
            let name = pem.file_name().unwrap().to_str().unwrap();
            assert!(keys.contains(name), "{where_}: welfare-keys has no {name}");
        }
        // What the init container renders: the ConfigMap, a newline, the Secret's channels.
        let rendered: Config = toml::from_str(&format!("{toml}\n{channels}"))
            .unwrap_or_else(|e| panic!("{where_} + channels.toml: {e}"));
        let c = &rendered.channels;
        assert!(c.email.is_some() && c.sms.is_some() && c.push.is_some());
    }
    // Production names its issuers, so that someone can log in at all.
    let (_, production) = &configs[1];
    let cfg: Config = toml::from_str(production).unwrap();
    assert!(cfg.auth.issuers.len() >= 3, "citizens, operators, agencies");
    assert_ne!(cfg.auth.audience, "welfare-api", "the development audience");
}

#[test]
fn every_secret_key_the_pods_use_is_documented() {
    let d = deployment();
    let examples = example_secrets("overlays/production");
    let mut used: Vec<(String, Option<String>)> = Vec::new();
    for container in list(pod(&d), "initContainers")
        .iter()
        .chain(list(pod(&d), "containers"))
    {
        for env in list(container, "env") {
            if let Some(name) = at(env, "valueFrom.secretKeyRef.name").as_str() {
                let key = text(env, "valueFrom.secretKeyRef.key");
                used.push((name.into(), Some(key.into())));
            }
        }
    }
    for volume in list(pod(&d), "volumes") {
        if let Some(name) = at(volume, "secret.secretName").as_str() {
            let items = list(volume, "secret.items");
            if items.is_empty() {
                used.push((name.into(), None));
            }
            for item in items {
                used.push((name.into(), Some(text(item, "key").into())));
            }
        }
    }
    assert!(used.len() >= 3, "{used:?}");
    // The operator creates the cluster's CA Secret (`<cluster>-ca`, key `ca.crt`) itself.
    let operator_ca = format!(
        "{}-ca",
        text(
            find(objects("base"), "Cluster", "welfare-db"),
            "metadata.name"
        )
    );
    assert!(
        used.contains(&(operator_ca.clone(), Some("ca.crt".into()))),
        "{used:?}"
    );
    for (secret, key) in used.iter().filter(|(s, _)| *s != operator_ca) {
        let s = find(&examples, "Secret", secret);
        if let Some(key) = key {
            assert!(secret_keys(s).contains(key), "{secret} has no {key}");
        }
    }

    // The database URL: from the Secret, naming the CloudNativePG primary, database and owner.
    let env = named(list(gateway_container(&d), "env"), "WELFARE_DATABASE_URL");
    let (secret, key) = (
        text(env, "valueFrom.secretKeyRef.name"),
        text(env, "valueFrom.secretKeyRef.key"),
    );
    let url = secret_value(find(&examples, "Secret", secret), key);
    let cluster = find(objects("base"), "Cluster", "welfare-db");
    let initdb = at(cluster, "spec.bootstrap.initdb");
    let rest = url.strip_prefix("postgres://").expect("a postgres:// URL");
    let (userinfo, rest) = rest.split_once('@').expect("credentials in the URL");
    let (user, password) = userinfo.split_once(':').expect("user:password");
    let (host, database) = rest.split_once('/').expect("a database name");
    let (database, params) = database.split_once('?').unwrap_or((database, ""));
    // TLS, verified against the operator's CA where the pod mounts it.
    assert!(params.split('&').any(|p| p == "sslmode=require"), "{url}");
    let root = params
        .split('&')
        .find_map(|p| p.strip_prefix("sslrootcert="))
        .expect("the CA in sslrootcert");
    let ca_mount = named(list(gateway_container(&d), "volumeMounts"), "db-ca");
    assert_eq!(root, format!("{}/ca.crt", text(ca_mount, "mountPath")));
    assert_eq!(
        host,
        format!("{}-rw:5432", text(cluster, "metadata.name")),
        "the primary"
    );
    assert_eq!(database, text(initdb, "database"));
    assert_eq!(user, text(initdb, "owner"));
    let credentials = find(&examples, "Secret", text(initdb, "secret.name"));
    assert_eq!(text(credentials, "type"), "kubernetes.io/basic-auth");
    assert_eq!(secret_value(credentials, "username"), user);
    assert_eq!(
        secret_value(credentials, "password"),
        password,
        "one password, two Secrets"
    );

    // The Spin app's runtime configuration: a Secret holding a runtime-config.toml.
    let app = find(objects("spin"), "SpinApp", "welfare-domains");
    let secret = text(app, "spec.runtimeConfig.loadFromSecret");
    let runtime = secret_value(
        find(example_secrets("spin"), "Secret", secret),
        "runtime-config.toml",
    );
    let runtime: toml::Table = toml::from_str(runtime).expect("runtime-config.toml parses");
    assert!(runtime.contains_key("sqlite_database") || runtime.contains_key("key_value_store"));
}

#[test]
fn the_database_and_the_spin_app_are_well_formed() {
    let cluster = find(objects("base"), "Cluster", "welfare-db");
    assert_eq!(text(cluster, "apiVersion"), "postgresql.cnpg.io/v1");
    let instances = int(cluster, "spec.instances");
    assert!(instances >= 2, "a standby to fail over to");
    let sync = int(cluster, "spec.postgresql.synchronous.number");
    assert!(
        sync >= 1 && sync < instances,
        "synchronous standbys: at least one, not all"
    );
    assert!(text(cluster, "spec.storage.size").ends_with("Gi"));
    for field in ["database", "owner", "secret.name"] {
        assert!(!text(cluster, &format!("spec.bootstrap.initdb.{field}")).is_empty());
    }
    assert_eq!(
        at(cluster, "spec.enableSuperuserAccess").as_bool(),
        Some(false)
    );
    let image = text(cluster, "spec.imageName");
    let tag = image.rsplit_once(':').expect("a tagged image").1;
    assert!(
        tag.chars().next().unwrap().is_ascii_digit(),
        "a version, not {tag}"
    );

    let app = find(objects("spin"), "SpinApp", "welfare-domains");
    assert_eq!(text(app, "apiVersion"), "core.spinkube.dev/v1alpha1");
    assert_eq!(text(app, "spec.executor"), "containerd-shim-spin");
    let image = text(app, "spec.image");
    let tag = image.rsplit_once(':').expect("a tagged image").1;
    assert!(tag != "latest" && !tag.contains('/'), "{image}");
    assert!(int(app, "spec.replicas") >= 1);
    for check in ["readiness", "liveness"] {
        assert!(text(app, &format!("spec.checks.{check}.httpGet.path")).starts_with('/'));
    }

    // Both kustomizations deploy into the namespace production creates.
    let namespace = find(objects("overlays/production"), "Namespace", "welfare");
    for dir in ["overlays/production", "spin"] {
        let k = kustomization(&k8s(dir));
        assert_eq!(
            text(&k, "namespace"),
            text(namespace, "metadata.name"),
            "{dir}"
        );
    }
}

/// Dockerfile instructions, continuation lines joined and comments dropped: (keyword, rest).
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                let (keyword, rest) = current.split_once(' ').unwrap_or((&current, ""));
                out.push((keyword.to_uppercase(), rest.trim().to_string()));
                current.clear();
            }
        }
    }
    out
}

fn json_words(rest: &str) -> Vec<String> {
    serde_json::from_str(rest).unwrap_or_else(|e| panic!("exec form expected: {rest}: {e}"))
}

#[test]
fn the_containerfile_builds_the_gateway_with_its_components() {
    let all = instructions(&read(&infra().join("Containerfile")));
    let stages: Vec<&[(String, String)]> = {
        let starts: Vec<usize> = (0..all.len()).filter(|&i| all[i].0 == "FROM").collect();
        assert!(starts.len() >= 2, "a multi-stage build");
        let mut ends = starts[1..].to_vec();
        ends.push(all.len());
        starts.iter().zip(ends).map(|(&s, e)| &all[s..e]).collect()
    };
    let (builder, runtime) = (stages[0], *stages.last().unwrap());
    let has = |stage: &[(String, String)], keyword: &str, needle: &str| {
        stage
            .iter()
            .any(|(k, rest)| k == keyword && rest.contains(needle))
    };

    // The builder: the toolchain the workspace asks for, the wasm32-wasip2 target (build.rs
    // compiles components/ for it), the whole context, the release gateway.
    let from = &builder[0].1;
    assert!(from.to_lowercase().ends_with(" as builder"), "{from}");
    let workspace: toml::Table = toml::from_str(&read(&infra().join("../Cargo.toml"))).unwrap();
    let rust_version = workspace["workspace"]["package"]["rust-version"]
        .as_str()
        .unwrap();
    assert!(
        from.contains(&format!("rust:{rust_version}")),
        "{from} vs {rust_version}"
    );
    assert!(has(builder, "RUN", "rustup target add wasm32-wasip2"));
    assert!(has(builder, "COPY", ". ."), "the whole repository");
    let build = builder
        .iter()
        .find(|(k, rest)| k == "RUN" && rest.contains("cargo build"))
        .expect("a cargo build");
    for flag in ["--release", "-p welfare-gateway", "--locked"] {
        assert!(build.1.contains(flag), "cargo build without {flag}");
    }

    // The runtime: small, the binary alone, non-root, the data directory, the port.
    assert!(
        !runtime[0].1.contains("rust:"),
        "the runtime stage is not the toolchain"
    );
    assert!(has(runtime, "COPY", "--from=builder"));
    assert!(has(runtime, "RUN", DATA_DIR));
    let user = &runtime
        .iter()
        .rfind(|(k, _)| k == "USER")
        .expect("a USER")
        .1;
    let uid: i64 = user
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("a numeric USER");
    assert_ne!(uid, 0);
    let d = deployment();
    assert_eq!(
        int(pod(&d), "securityContext.runAsUser"),
        uid,
        "the image's user"
    );
    assert!(has(runtime, "EXPOSE", &container_port(&d).to_string()));
    let words = |keyword: &str| {
        runtime
            .iter()
            .rfind(|(k, _)| k == keyword)
            .map(|(_, rest)| json_words(rest))
            .unwrap_or_default()
    };
    let command = [words("ENTRYPOINT"), words("CMD")].concat();
    assert!(command[0].ends_with("/welfare"), "{command:?}");
    assert_eq!(command[1..], ["serve", "--config", CONFIG_FILE]);

    // The build context leaves out build outputs and local data, but not gateway/data/ (the
    // services catalogue, compiled in).
    let ignore = read(&infra().join("../.dockerignore"));
    let patterns: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for needed in ["target/", "data/"] {
        assert!(patterns.contains(&needed), ".dockerignore lacks {needed}");
    }
    for pattern in &patterns {
        let p = pattern.trim_end_matches('/');
        assert!(!p.starts_with("**") && !p.starts_with('!'), "{pattern}");
        for source in [
            "gateway",
            "components",
            "wit",
            "tests",
            "Cargo.toml",
            "Cargo.lock",
        ] {
            assert_ne!(p, source, ".dockerignore leaves out {source}");
        }
    }
}

/// With `kubectl` on PATH, the kustomizations also build for real (kustomize is built in): the
/// generated ConfigMap's hashed name reaches the Deployment, the namespace every object.
#[test]
fn the_kustomizations_build_with_kubectl_when_present() {
    for dir in KUSTOMIZATIONS {
        let output = match Command::new("kubectl")
            .arg("kustomize")
            .arg(k8s(dir))
            .output()
        {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("kubectl is not installed: the kustomize build is not checked");
                return;
            }
            Err(e) => panic!("kubectl: {e}"),
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "kubectl kustomize {dir}: {stderr}");
        let docs = parse_documents(&String::from_utf8_lossy(&output.stdout), dir);
        if *dir == "spin" {
            assert!(
                docs.iter()
                    .all(|d| text(d, "metadata.namespace") == "welfare")
            );
            continue;
        }
        let d = find(&docs, "Deployment", GATEWAY);
        let source = named(list(pod(d), "volumes"), "config-source");
        let name = text(source, "configMap.name");
        assert!(name.starts_with("welfare-config-"), "a hashed name: {name}");
        let config_map = find(&docs, "ConfigMap", name);
        let cfg: Config =
            toml::from_str(config_map["data"]["welfare.toml"].as_str().unwrap()).unwrap();
        assert!(!cfg.auth.dev_issuer);
        if *dir == "overlays/production" {
            for doc in docs
                .iter()
                .filter(|d| d["kind"].as_str() != Some("Namespace"))
            {
                assert_eq!(text(doc, "metadata.namespace"), "welfare", "{doc:?}");
            }
            assert!(
                !cfg.auth.issuers.is_empty(),
                "production's configuration, not the base's"
            );
        }
    }
}
