//! The project's manifests: each kustomization's own objects and files, the gateway's
//! Deployment and its containers, ports, volumes, configurations and Secrets.

use super::*;

pub fn infra() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra")
}

pub fn k8s(dir: &str) -> PathBuf {
    infra().join("k8s").join(dir)
}

/// The objects a kustomization directory declares itself (not those of the bases it includes).
/// Leaked, as test data living as long as the test, so that lookups can borrow from it.
pub fn objects(dir: &str) -> &'static [Value] {
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
pub fn example_secrets(dir: &str) -> &'static [Value] {
    documents(&k8s(dir).join("secrets.example.yaml")).leak()
}

pub fn kustomization(dir: &Path) -> Value {
    documents(&dir.join("kustomization.yaml")).remove(0)
}

/// The files a kustomization names in its own directory: resources that are files, generator
/// inputs (`key=path` or `path`), patch files.
pub fn local_files(kustomization: &Value) -> BTreeSet<String> {
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
pub fn present_files(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "kustomization.yaml" && !n.ends_with(".example.yaml"))
        .collect()
}

/// The `welfare.toml` files each kustomization turns into the ConfigMap `welfare-config`.
pub fn gateway_configs() -> Vec<(PathBuf, String)> {
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

pub fn deployment() -> Value {
    find(objects("base"), "Deployment", GATEWAY).clone()
}

pub fn pod(deployment: &Value) -> &Value {
    at(deployment, "spec.template.spec")
}

pub fn gateway_container(deployment: &Value) -> &Value {
    named(list(pod(deployment), "containers"), "gateway")
}

/// The container port a probe or Service names, by number or by name.
pub fn resolve_port(container: &Value, port: &Value) -> i64 {
    match port.as_i64() {
        Some(n) => n,
        None => int(
            named(list(container, "ports"), port.as_str().unwrap()),
            "containerPort",
        ),
    }
}

pub fn container_port(deployment: &Value) -> i64 {
    let c = gateway_container(deployment);
    resolve_port(c, &Value::from("http"))
}

/// The volume mounted at `path` in `container`.
pub fn volume_at<'a>(deployment: &'a Value, container: &Value, path: &str) -> &'a Value {
    let mount = list(container, "volumeMounts")
        .iter()
        .find(|m| m["mountPath"].as_str() == Some(path))
        .unwrap_or_else(|| panic!("nothing is mounted at {path}"));
    named(list(pod(deployment), "volumes"), text(mount, "name"))
}

/// A Secret's keys, from `stringData` and `data`.
pub fn secret_keys(secret: &Value) -> BTreeSet<String> {
    ["stringData", "data"]
        .iter()
        .filter_map(|f| secret[*f].as_mapping())
        .flat_map(|m| m.keys().map(|k| k.as_str().unwrap().to_string()))
        .collect()
}

/// A placeholder Secret's value (keys may contain dots, so not through `at`).
pub fn secret_value<'a>(secret: &'a Value, key: &str) -> &'a str {
    secret["stringData"][key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no stringData.{key}", text(secret, "metadata.name")))
}
