//! The gateway refuses to start, naming the component, on a duplicate name, a malformed
//! manifest, or routes two components both claim.

use welfare_gateway::config::ComponentSource;
use welfare_tests::{fixture_path, test_config};

fn with_config(pairs: &[(&str, &str)]) -> ComponentSource {
    ComponentSource {
        path: fixture_path(),
        config: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

async fn start_error(extra: Vec<ComponentSource>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config.components = extra;
    match welfare_gateway::Platform::start(config).await {
        Ok(_) => panic!("the platform started"),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_bad_component_sets() {
    let twice = start_error(vec![with_config(&[]), with_config(&[])]).await;
    assert!(
        twice.contains("two components are named \"fixture\""),
        "{twice}"
    );

    let bad_name = start_error(vec![with_config(&[("name", "Not A Name")])]).await;
    assert!(
        bad_name.contains("misbehave.wasm") && bad_name.contains("name"),
        "{bad_name}"
    );

    let foreign = start_error(vec![with_config(&[(
        "foreign-route",
        "/api/v1/income-support/naspi/simulations",
    )])])
    .await;
    assert!(
        foreign.contains("misbehave.wasm") && foreign.contains("must start with /api/v1/fixture/"),
        "{foreign}"
    );

    let conflict = start_error(vec![
        with_config(&[("interop-probe", "yes")]),
        with_config(&[("name", "fixture-two"), ("interop-probe", "yes")]),
    ])
    .await;
    assert!(
        conflict.contains("\"fixture\"")
            && conflict.contains("\"fixture-two\"")
            && conflict.contains("/interop/v1/fixture-probe"),
        "{conflict}"
    );

    let reserved = start_error(vec![with_config(&[("name", "admin")])]).await;
    assert!(reserved.contains("reserved"), "{reserved}");
}

/// A channel the gateway cannot set up stops the start without repeating its URL: SMTP and
/// webhook URLs may carry the provider's credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_channel_url_is_not_repeated() {
    use welfare_gateway::config::{EmailChannelConfig, WebhookChannelConfig};
    let password = "smtp-relay-password";
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config.channels.email = Some(EmailChannelConfig {
        smtp_url: format!("gopher://relay:{password}@mail.example").into(),
        from: "INPS <noreply@inps.example>".into(),
    });
    let refused = match welfare_gateway::Platform::start(config).await {
        Ok(_) => panic!("the platform started"),
        Err(e) => format!("{e:#}"),
    };
    assert!(refused.contains("smtp_url"), "{refused}");
    assert!(!refused.contains(password), "{refused}");

    // A fresh directory: the first start's database lock goes with its writer thread, which
    // ends just after the refusal.
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config.channels.sms = Some(WebhookChannelConfig {
        url: format!("not a url with {password}").into(),
        bearer_token: None,
    });
    let refused = match welfare_gateway::Platform::start(config).await {
        Ok(_) => panic!("the platform started"),
        Err(e) => format!("{e:#}"),
    };
    assert!(refused.contains("webhook url"), "{refused}");
    assert!(!refused.contains(password), "{refused}");
}

/// A SQLite file belongs to one gateway: a second one on the same data directory refuses to
/// start while the first runs (which is what lets a restarted gateway take over its
/// predecessor's idempotency leases), and an impossible share of the instance pool stops the
/// start naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_second_gateway_and_impossible_shares() {
    let dir = tempfile::tempdir().unwrap();
    let first = welfare_gateway::Platform::start(test_config(dir.path()))
        .await
        .expect("the first gateway starts");
    let second = match welfare_gateway::Platform::start(test_config(dir.path())).await {
        Ok(_) => panic!("a second gateway started on the same SQLite file"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        second.contains("another gateway is using the database")
            && second.contains("welfare.sqlite.lock"),
        "{second}"
    );
    drop(first);

    let other = tempfile::tempdir().unwrap();
    let mut config = test_config(other.path());
    config
        .runtime
        .component_instances
        .insert("no-such-component".into(), 4);
    config.runtime.component_instances.insert("faq".into(), 17);
    let shares = match welfare_gateway::Platform::start(config).await {
        Ok(_) => panic!("the platform started"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        shares.contains("\"no-such-component\", which is not loaded")
            && shares.contains("\"faq\" (17 instances)"),
        "{shares}"
    );
}
