//! Configuration from Spin variables.
//!
//! A domain's `config.get("max-upload")` reads the component variable `cfg_max_upload`: Spin
//! variable names are lower-case letters, digits and underscores, so every other character of
//! the key becomes `_` (as `welfare-spin` names them in spin.toml). An undefined or empty
//! variable is an unset key: spin.toml declares every key with an empty default, since Spin
//! gives a component only the variables its manifest declares.
//!
//! `welfare_subscriptions` is the topic → consumers map the gateway derives from the
//! manifests; `welfare-spin build` writes it into spin.toml from the same manifests.

use std::collections::BTreeMap;

use spin_sdk::variables;

use crate::exports::welfare::platform::config::Error;

/// Prefix of the Spin variables that carry a domain's configuration keys.
pub const CONFIG_PREFIX: &str = "cfg_";
/// The variable holding the subscriptions, as JSON `{"topic": ["component", ...]}`.
pub const SUBSCRIPTIONS: &str = "welfare_subscriptions";

/// The Spin variable that carries configuration key `key`.
pub fn variable_name(key: &str) -> String {
    let mut name = String::with_capacity(CONFIG_PREFIX.len() + key.len());
    name.push_str(CONFIG_PREFIX);
    name.extend(key.chars().map(|c| match c {
        'a'..='z' | '0'..='9' => c,
        'A'..='Z' => c.to_ascii_lowercase(),
        _ => '_',
    }));
    name
}

pub fn config(key: &str) -> Result<Option<String>, Error> {
    match variables::get(&variable_name(key)) {
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(variables::Error::Undefined(_) | variables::Error::InvalidName(_)) => Ok(None),
        Err(e) => {
            eprintln!("welfare-spin-platform: variable {key}: {e:?}");
            Err(Error::Unavailable)
        }
    }
}

/// The components subscribed to `topic`; none when the variable is unset or unreadable
/// (then the event is kept in the outbox with no delivery, as the gateway does for a topic
/// nobody subscribes to).
pub fn subscribers(topic: &str) -> Vec<String> {
    variables::get(SUBSCRIPTIONS)
        .ok()
        .and_then(|json| serde_json::from_str::<BTreeMap<String, Vec<String>>>(&json).ok())
        .and_then(|mut map| map.remove(topic))
        .unwrap_or_default()
}
