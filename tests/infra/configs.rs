//! The ConfigMaps' `welfare.toml`: a configuration the gateway accepts, dev issuer off, no
//! credentials, paths that match the pod.

use super::*;

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
    let components = secret_value(
        find(
            &example_secrets("overlays/production"),
            "Secret",
            "welfare-secrets",
        ),
        "components.toml",
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
        // Nor the components' secrets.
        assert!(
            cfg.component_config.is_empty(),
            "{where_}: secrets in the ConfigMap"
        );
        // What the init container renders: the ConfigMap, the Secret's channels and
        // components' secrets, each after a newline.
        let rendered: Config = toml::from_str(&format!("{toml}\n{channels}\n{components}"))
            .unwrap_or_else(|e| panic!("{where_} + channels.toml + components.toml: {e}"));
        let c = &rendered.channels;
        assert!(c.email.is_some() && c.sms.is_some() && c.push.is_some());
        // One search-id key for every replica, long enough for the gateway to take it.
        let secret = &rendered.component_config["faq"]["search_id_secret"];
        assert!(
            secret.chars().count() >= welfare_gateway::secrets::MIN_SECRET_CHARS,
            "{secret}"
        );
    }
    // Production names its issuers, so that someone can log in at all.
    let (_, production) = &configs[1];
    let cfg: Config = toml::from_str(production).unwrap();
    assert!(cfg.auth.issuers.len() >= 3, "citizens, operators, agencies");
    assert_ne!(cfg.auth.audience, "welfare-api", "the development audience");
}
