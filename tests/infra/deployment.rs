//! The gateway's Deployment: probes on its real endpoints and port, pods that run as nobody
//! with a read-only root, a Service and PDB that select them, an HPA that scales them.

use super::*;

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
