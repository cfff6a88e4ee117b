//! Every Secret key the pods read is documented in the examples, and the database URL names
//! the CloudNativePG primary, database and owner, over verified TLS.

use super::*;

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
