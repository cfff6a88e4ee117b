//! Layered, typed configuration: built-in defaults, then a TOML file (`--config`), then the
//! command line and environment (`--listen`/`WELFARE_LISTEN`, `--data-dir`/`WELFARE_DATA_DIR`).
//! Every limit has a named default here, with the reason for its value.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The `[interop]` section, owned by the access crate that checks agencies' calls.
pub use welfare_access::interop::{InteropConfig, PurposeConfig, SigningKeyConfig};
/// The `[events]`, `[channels]` and `[clock]` sections, owned by the events crate.
pub use welfare_events::{
    ChannelsConfig, ClockConfig, EmailChannelConfig, EventsConfig, WebhookChannelConfig,
};

/// Where `serve` listens by default: loopback, so a development platform is not exposed.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Where the data lives: unset, the SQLite file `<data_dir>/welfare.sqlite` (one gateway);
    /// a `postgres://` URL for PostgreSQL, which several gateways may share. A secret: the URL
    /// may carry the password, so it is never printed.
    pub database: Option<SecretString>,
    pub runtime: RuntimeConfig,
    pub auth: AuthConfig,
    pub events: EventsConfig,
    pub http: HttpConfig,
    pub clock: ClockConfig,
    /// Where the channel adapters send the messages the notifications domain asks for.
    pub channels: ChannelsConfig,
    /// Other agencies: PDND purposes, ModI signing keys.
    pub interop: InteropConfig,
    /// Components to load besides the five embedded domains (for example test fixtures).
    pub components: Vec<ComponentSource>,
    /// Whether to load the five domain components built into the binary.
    pub embedded_components: bool,
    /// Per-component settings, read by components through the `config` capability.
    pub component_config: ComponentSettings,
}

/// `[component_config.<name>]`: each component's settings by key. Some are secrets (the faq's
/// `search_id_secret`), and the gateway cannot tell which, so printing it shows the keys only.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct ComponentSettings(pub BTreeMap<String, BTreeMap<String, String>>);

impl std::fmt::Debug for ComponentSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                self.0
                    .iter()
                    .map(|(name, settings)| (name, settings.keys().collect::<Vec<_>>())),
            )
            .finish()
    }
}

impl std::ops::Deref for ComponentSettings {
    type Target = BTreeMap<String, BTreeMap<String, String>>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for ComponentSettings {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.parse().expect("default listen address"),
            data_dir: DEFAULT_DATA_DIR.into(),
            database: None,
            runtime: RuntimeConfig::default(),
            auth: AuthConfig::default(),
            events: EventsConfig::default(),
            http: HttpConfig::default(),
            clock: ClockConfig::default(),
            channels: ChannelsConfig::default(),
            interop: InteropConfig::default(),
            components: Vec::new(),
            embedded_components: true,
            component_config: ComponentSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSource {
    pub path: PathBuf,
    /// Settings for this component (merged under `component_config.<name>`), visible to it
    /// from `describe` on.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// `[runtime]`: the WebAssembly runtime's own section (`welfare_runtime`).
pub use welfare_runtime::RuntimeConfig;

/// `[auth]`: who is trusted to issue tokens, owned by the gateway's [`crate::auth`].
pub use crate::auth::{AuthConfig, IssuerConfig};

/// Default of `http.header_timeout_ms`. A request head is at most a few KiB, which even a
/// poor mobile link sends in well under a second: 10 s is generous for a real client, and
/// bounds how long a client that trickles header bytes holds a connection.
pub const DEFAULT_HEADER_TIMEOUT_MS: u64 = 10_000;

/// Default of `http.body_timeout_ms`. The largest body accepted (`max_body_bytes`, 1 MiB)
/// takes 30 s at about 35 KB/s, a slow mobile uplink; a body still arriving after that is a
/// client holding a connection and a request slot, not one sending a form.
pub const DEFAULT_BODY_TIMEOUT_MS: u64 = 30_000;

/// Default of `http.idle_timeout_ms`. Clients reuse a kept-alive connection for requests that
/// follow each other (an app's screen loads several resources at once); 5 s covers those, as
/// Apache's and Node's defaults do, and frees the slot of a client that has gone quiet.
pub const DEFAULT_IDLE_TIMEOUT_MS: u64 = 5_000;

/// Default of `http.max_connections`. Linux gives a process 1,024 descriptors unless raised;
/// the gateway also needs some for its database (the SQLite file, its WAL and shared memory,
/// or up to 17 PostgreSQL connections), the component cache, the channels' SMTP and webhook
/// connections and refused connections being answered: 512 leaves half for those. Raise it
/// together with the descriptor limit (`ulimit -n`, `LimitNOFILE`).
pub const DEFAULT_MAX_CONNECTIONS: u32 = 512;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Largest request body accepted. Applications and declarations are small JSON documents;
    /// 1 MiB refuses abuse long before it costs memory.
    pub max_body_bytes: usize,
    /// Origins allowed by CORS (the web and mobile apps); `["*"]` allows any.
    pub cors_origins: Vec<String>,
    /// Requests that change something, per citizen, company, or intermediary-for-a-person, per
    /// minute ([`crate::rate`]); 0 turns the limit off. A person's own changes are a handful a
    /// minute: 60 never stops a human and bounds a runaway client.
    pub writes_per_minute: u32,
    /// Writes by anonymous callers (knowledge-base votes) per second, for all of them together
    /// on this replica ([`crate::budget`]); 0 turns the budget off. Anonymous callers cannot be
    /// told apart, so they share one budget: it keeps them from loading the single writer that
    /// every authenticated request commits through, at the price of anonymous votes being
    /// refused (429) while someone floods.
    pub anonymous_writes_per_second: u32,
    /// Anonymous writes that may arrive at once before the per-second budget applies.
    pub anonymous_write_burst: u32,
    /// Longest wait for a request head to be complete, from the moment the connection is ready
    /// for it (accepted, or the previous answer sent); then the connection is closed.
    pub header_timeout_ms: u64,
    /// Longest a request body may take to arrive, from the moment its head did; then 408.
    pub body_timeout_ms: u64,
    /// Longest a connection may stay open with no request being handled and no byte moving
    /// either way (a kept-alive connection between requests, a client that sends nothing).
    pub idle_timeout_ms: u64,
    /// Connections open at once; one more is answered 503 and closed.
    pub max_connections: u32,
}

/// [`HttpConfig::anonymous_writes_per_second`]'s default: 1.7 million votes a day per replica,
/// far above what people vote, and a small share of what the writer commits in a second.
pub const ANONYMOUS_WRITES_PER_SECOND: u32 = 20;
/// [`HttpConfig::anonymous_write_burst`]'s default: a few seconds' worth.
pub const ANONYMOUS_WRITE_BURST: u32 = 100;

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 20,
            cors_origins: vec!["*".into()],
            writes_per_minute: 60,
            anonymous_writes_per_second: ANONYMOUS_WRITES_PER_SECOND,
            anonymous_write_burst: ANONYMOUS_WRITE_BURST,
            header_timeout_ms: DEFAULT_HEADER_TIMEOUT_MS,
            body_timeout_ms: DEFAULT_BODY_TIMEOUT_MS,
            idle_timeout_ms: DEFAULT_IDLE_TIMEOUT_MS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl HttpConfig {
    /// Refuses connection limits of zero, naming every one: a zero deadline would close every
    /// connection at once, and no connections would refuse them all.
    pub fn check_connection_limits(&self) -> anyhow::Result<()> {
        let zero: Vec<&str> = [
            ("http.header_timeout_ms", self.header_timeout_ms),
            ("http.body_timeout_ms", self.body_timeout_ms),
            ("http.idle_timeout_ms", self.idle_timeout_ms),
            ("http.max_connections", u64::from(self.max_connections)),
        ]
        .into_iter()
        .filter(|(_, value)| *value == 0)
        .map(|(name, _)| name)
        .collect();
        if zero.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("{} must be more than 0", zero.join(", "))
        }
    }

    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms)
    }

    pub fn body_timeout(&self) -> Duration {
        Duration::from_millis(self.body_timeout_ms)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }
}

impl Config {
    /// Defaults, overlaid by the TOML file at `path` when given.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("in the configuration file {}", path.display()))
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.runtime
            .cache_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("cache"))
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("welfare.sqlite")
    }

    /// The database to open: `database` if set (a PostgreSQL URL), else the SQLite file.
    pub fn location(&self) -> anyhow::Result<crate::store::Location> {
        match &self.database {
            None => Ok(crate::store::Location::Sqlite(self.database_path())),
            Some(url)
                if url.expose_secret().starts_with("postgres://")
                    || url.expose_secret().starts_with("postgresql://") =>
            {
                Ok(crate::store::Location::Postgres(url.clone()))
            }
            // The value is not repeated: a mistyped URL still carries its password.
            Some(_) => anyhow::bail!(
                "database is not a postgres:// URL (its value is not shown, since it may hold a password); leave it unset for the SQLite file in the data directory"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_printed() {
        let mut config = Config {
            database: Some(
                "postgres://welfare:db-password@db:5432/welfare"
                    .to_string()
                    .into(),
            ),
            ..Config::default()
        };
        config.channels.email = Some(EmailChannelConfig {
            smtp_url: "smtps://relay:smtp-password@mail:465".to_string().into(),
            from: "INPS <noreply@inps.example>".into(),
        });
        config.channels.sms = Some(WebhookChannelConfig {
            url: "https://user:url-password@sms.example/send"
                .to_string()
                .into(),
            bearer_token: Some("sms-token".to_string().into()),
        });
        config
            .component_config
            .entry("faq".into())
            .or_default()
            .insert("search_id_secret".into(), "faq-signing-secret".into());
        let printed = format!("{config:?}");
        assert!(
            printed.contains("search_id_secret"),
            "the keys are shown: {printed}"
        );
        for secret in [
            "db-password",
            "smtp-password",
            "url-password",
            "sms-token",
            "faq-signing-secret",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        config.database = Some("mysql://welfare:db-password@db/welfare".to_string().into());
        let refused = config.location().err().expect("not PostgreSQL").to_string();
        assert!(!refused.contains("db-password"), "{refused}");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let events = EventsConfig {
            backoff_base_ms: 100,
            backoff_max_ms: 1_000,
            ..Default::default()
        };
        let delays: Vec<u64> = (1..=6)
            .map(|a| events.backoff(a).as_millis() as u64)
            .collect();
        assert_eq!(delays, [100, 200, 400, 800, 1_000, 1_000]);
    }

    #[test]
    fn the_production_example_parses() {
        let cfg: Config =
            toml::from_str(include_str!("../../infra/production.example.toml")).unwrap();
        assert!(!cfg.auth.dev_issuer);
        assert_eq!(cfg.auth.issuers.len(), 3);
        assert_eq!(cfg.interop.purposes.len(), 2);
    }

    #[test]
    fn zero_connection_limits_are_refused_by_name() {
        let http: HttpConfig = toml::from_str("body_timeout_ms = 0\nmax_connections = 0").unwrap();
        let error = http.check_connection_limits().unwrap_err().to_string();
        assert_eq!(
            error,
            "http.body_timeout_ms, http.max_connections must be more than 0"
        );
        assert!(HttpConfig::default().check_connection_limits().is_ok());
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Config>("listen = \"127.0.0.1:1\"\nbogus = 1").is_err());
        let cfg: Config = toml::from_str("[runtime]\nrequest_timeout_ms = 500").unwrap();
        assert_eq!(cfg.runtime.request_timeout_ms, 500);
        assert_eq!(cfg.runtime.memory_limit_mib, 64);
    }
}
