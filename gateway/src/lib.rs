//! The native host of Welfare as a Service: the `welfare` gateway.
//!
//! It authenticates callers, routes each API request to the domain component that declared the
//! route, runs it in a fresh WebAssembly instance under a deadline and a memory cap, commits
//! what it wrote (with the events it published) in one durable transaction, and delivers those
//! events to the components that subscribe to them.
//!
//! # Layout
//! The gateway composes capability crates, each re-exported here under the path it had when
//! it was a module, and keeps what only the native host does:
//! - [`config`]: the configuration file, composed of each crate's section, and every
//!   gateway limit's default.
//! - [`auth`]: the `[auth]` section, the authenticator it describes, the dev issuer.
//! - [`http`]: the native routes (declared once, `http::native_routes`: router, gate rule,
//!   OpenAPI, metrics), the component route table, the dispatch pipeline; the connections' cap
//!   and deadlines.
//! - [`interop`]: the civil registry's life events and the DCI registry search (agencies'
//!   credentials are checked by `access`).
//! - [`proposals`]: the dossier's catalogue of services and news by user segment.
//! - [`secrets`]: per-deployment secrets given to components when the configuration has none
//!   (the faq's search-id key).
//! - [`openapi`], [`metrics`]: what the HTTP surface reports.
//! - [`Platform`]: start-up (load, check, wire) and [`Platform::serve`] on any listener, so tests
//!   bind port 0.
//!
//! From the crates below it: [`access`] (`welfare-access`: the gate, delegations, audit,
//! [`rate`], [`budget`]), [`store`] and [`idempotency`] (`welfare-store`), [`outbox`],
//! [`channels`] and [`clock`] (`welfare-events`), [`runtime`] (`welfare-runtime`, loading the
//! components of `welfare-domains`), [`problem`] (`welfare-problem`), [`identity`]
//! (`welfare-identity`).

pub use welfare_access as access;
pub use welfare_access::{budget, rate};
pub mod auth;
pub mod config;
pub use welfare_events::{channels, clock, outbox};
pub mod http;
pub mod identity;
pub mod interop;
pub mod metrics;
pub mod openapi;
pub mod proposals;
pub mod secrets;
pub use welfare_problem as problem;
pub use welfare_runtime as runtime;
pub use welfare_store as store;
pub use welfare_store::idempotency;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::http::App;
use crate::runtime::{Runtime, Source};
use crate::store::Db;

/// The five domain components, built and embedded by `welfare-domains`.
pub use welfare_domains::{BUILT_COMPONENTS_DIR, EMBEDDED_COMPONENTS};

/// A started platform: components loaded and checked, database open, ready to serve.
pub struct Platform {
    app: Arc<App>,
}

impl Platform {
    /// Opens the database, loads every component and builds the route table. Fails (naming
    /// the component) on a malformed manifest or conflicting routes.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        config.http.check_connection_limits()?;
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("creating the data directory {}", config.data_dir.display())
        })?;
        // On a blocking thread: the PostgreSQL client runs its own small runtime.
        let location = config.location()?;
        let db = tokio::task::spawn_blocking(move || Db::connect(&location)).await??;
        // A predecessor on this SQLite file is gone (the file's lock says so): its requests'
        // keys can be retried at once.
        let freed = idempotency::take_over(&db)
            .await
            .context("freeing the idempotency keys of a previous run")?;
        if freed > 0 {
            tracing::info!(
                keys = freed,
                "freed the idempotency keys a previous run left in flight"
            );
        }
        let mut sources = Vec::new();
        if config.embedded_components {
            for (name, wasm) in EMBEDDED_COMPONENTS {
                sources.push(Source {
                    origin: format!("{name} (embedded)"),
                    wasm: wasm.to_vec(),
                    config: Default::default(),
                });
            }
        }
        for extra in &config.components {
            let wasm = std::fs::read(&extra.path)
                .with_context(|| format!("reading the component {}", extra.path.display()))?;
            sources.push(Source {
                origin: extra.path.display().to_string(),
                wasm,
                config: extra.config.clone(),
            });
        }
        let runtime_config = config.runtime.clone();
        let cache_dir = config.cache_dir();
        let component_config = secrets::component_config(
            &config.component_config,
            config.database.is_some(),
            &config.data_dir,
        )?;
        let db_for_runtime = db.clone();
        let runtime = tokio::task::spawn_blocking(move || {
            Runtime::load(
                &runtime_config,
                &cache_dir,
                sources,
                &component_config,
                &[(channels::REQUESTED, channels::CONSUMER)],
                std::sync::Arc::new(db_for_runtime),
            )
        })
        .await??;
        let routes = http::routes::RouteTable::build(runtime.components())?;
        let manifests: Vec<_> = runtime
            .components()
            .map(|c| {
                (
                    c.manifest.name.clone(),
                    c.manifest.version.clone(),
                    c.manifest.routes.clone(),
                )
            })
            .collect();
        let openapi = serde_json::to_string_pretty(&openapi::document(&manifests))?;
        let auth = auth::authenticator(&config.auth, &config.interop, &config.data_dir)?;
        let channels = Arc::new(channels::Channels::new(&config.channels)?);
        let mut operations: Vec<String> = manifests
            .iter()
            .flat_map(|(_, _, routes)| routes.iter().map(|r| format!("{} {}", r.method, r.path)))
            .collect();
        operations.push(format!("POST {}", http::interop::LIFE_EVENTS));
        operations.push(format!("POST {}", http::interop::REGISTRY_SEARCH));
        let dev_key = if config.auth.dev_issuer {
            Some((
                auth::dev_issuer::DEV_SIGNING_KID,
                auth::dev_issuer::DevIssuer::open(&config.data_dir)?.decoding_key()?,
            ))
        } else {
            None
        };
        let interop = interop::Interop {
            purposes: interop::purposes::Purposes::new(
                &config.interop,
                config.auth.dev_issuer,
                &operations,
            )?,
            signing_keys: interop::modi::SigningKeys::new(
                &config.interop,
                config.auth.leeway_seconds,
                dev_key,
            )?,
        };
        let delegable = access::delegation::Delegable::of(runtime.components().map(|c| {
            let manifest = &c.manifest;
            (
                manifest.name.as_str(),
                manifest.routes.iter().map(|r| r.policy()),
            )
        }));
        let anonymous_writes = budget::Bucket::new(
            config.http.anonymous_writes_per_second,
            config.http.anonymous_write_burst,
        );
        let app = App {
            config,
            runtime: Arc::new(runtime),
            routes,
            auth,
            db,
            metrics: Arc::default(),
            outbox_wake: Arc::new(Notify::new()),
            openapi,
            channels,
            interop,
            delegable,
            catalogue: proposals::Catalogue::embedded()?,
            anonymous_writes,
            refusal_log: budget::Bucket::new(
                budget::REFUSAL_LOG_LINES_PER_SECOND,
                budget::REFUSAL_LOG_BURST,
            ),
        };
        Ok(Self { app: Arc::new(app) })
    }

    /// Serves HTTP on `listener` and delivers events until `shutdown` completes; then stops
    /// accepting, lets in-flight requests finish, and stops the dispatcher. Connections are
    /// capped and their deadlines kept as [`http::serve`] says.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stop = CancellationToken::new();
        let dispatcher = outbox::Dispatcher {
            runtime: self.app.runtime.clone(),
            db: self.app.db.clone(),
            config: self.app.config.events.clone(),
            wake: self.app.outbox_wake.clone(),
            metrics: self.app.metrics.clone(),
            channels: self.app.channels.clone(),
        };
        let dispatcher = tokio::spawn(dispatcher.run(stop.clone()));
        let clock = self.app.config.clock.daily_events.then(|| {
            let clock = clock::Clock {
                db: self.app.db.clone(),
                subscribers: self.app.runtime.subscribers(),
                wake: self.app.outbox_wake.clone(),
            };
            tokio::spawn(clock.run(stop.clone()))
        });
        tracing::info!(address = %listener.local_addr()?, "serving");
        let router = http::router(self.app.clone());
        let result = http::serve::serve(listener, router, &self.app.config.http, shutdown).await;
        stop.cancel();
        let _ = dispatcher.await;
        if let Some(clock) = clock {
            let _ = clock.await;
        }
        self.app.db.close();
        Ok(result?)
    }
}
