//! The custom resources: the CloudNativePG `Cluster` and the SpinKube `SpinApp`.

use super::*;

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
