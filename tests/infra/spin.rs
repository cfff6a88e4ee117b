//! The Spin application: every variable spin.toml requires is bound by the SpinApp, from
//! a documented Secret key where it is secret, and the deliveries CronJob asks every domain
//! spin.toml deploys, with the secret the adapters check.

use super::*;

/// The committed Spin manifest.
fn spin_toml() -> toml::Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spin.toml");
    toml::from_str(&read(&path)).expect("spin.toml parses")
}

#[test]
fn the_spin_app_binds_every_required_variable() {
    let manifest = spin_toml();
    let app = find(objects("spin"), "SpinApp", "welfare-domains");
    let bound = list(app, "spec.variables");
    for (name, declared) in manifest["variables"].as_table().unwrap() {
        let required = declared.get("required").and_then(|v| v.as_bool()) == Some(true);
        let secret = declared.get("secret").and_then(|v| v.as_bool()) == Some(true);
        let binding = bound.iter().find(|b| text(b, "name") == name.as_str());
        if !required {
            assert!(
                declared.get("default").is_some(),
                "{name}: neither required nor defaulted"
            );
            continue;
        }
        let binding = binding.unwrap_or_else(|| panic!("the SpinApp does not bind {name}"));
        if secret {
            let secret_name = text(binding, "valueFrom.secretKeyRef.name");
            let key = text(binding, "valueFrom.secretKeyRef.key");
            let keys = secret_keys(find(example_secrets("spin"), "Secret", secret_name));
            assert!(
                keys.contains(key),
                "{name}: {secret_name} documents no key {key}"
            );
        } else {
            assert!(!text(binding, "value").is_empty(), "{name}");
        }
    }
}

#[test]
fn the_deliveries_job_asks_every_domain_with_the_adapters_secret() {
    let manifest = spin_toml();
    let deployed: BTreeSet<&str> = manifest["component"]
        .as_table()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let job = find(objects("spin"), "CronJob", "welfare-domains-deliveries");
    let container = &list(job, "spec.jobTemplate.spec.template.spec.containers")[0];
    let env = list(container, "env");
    let asked: BTreeSet<&str> = text(named(env, "COMPONENTS"), "value")
        .split_whitespace()
        .collect();
    assert_eq!(asked, deployed);
    let app = find(objects("spin"), "SpinApp", "welfare-domains");
    let adapters = named(list(app, "spec.variables"), "delivery_secret");
    let job_secret = named(env, "DELIVERY_SECRET");
    for path in ["valueFrom.secretKeyRef.name", "valueFrom.secretKeyRef.key"] {
        assert_eq!(text(job_secret, path), text(adapters, path), "{path}");
    }
    let script = list(container, "args")[0].as_str().unwrap();
    assert!(script.contains("/_welfare/$c/deliver"), "{script}");
    assert!(script.contains(&format!("http://{}/", text(app, "metadata.name"))));
}
