//! Every manifest parses, each kustomization names exactly its files, and with `kubectl` the
//! kustomizations build for real.

use super::*;

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

/// With `kubectl` (run with `--ignored` where it is installed; nothing is checked silently
/// without it), the kustomizations build for real (kustomize is built in): the generated
/// ConfigMap's hashed name reaches the Deployment, the namespace every object.
#[test]
#[ignore = "needs kubectl on PATH: cargo test -p welfare-tests --test infra -- --ignored"]
fn the_kustomizations_build_with_kubectl() {
    for dir in KUSTOMIZATIONS {
        let output = Command::new("kubectl")
            .arg("kustomize")
            .arg(k8s(dir))
            .output()
            .unwrap_or_else(|e| panic!("kubectl: {e}"));
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
