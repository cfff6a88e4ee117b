//! `welfare`: start the platform, or mint development tokens.

use std::path::PathBuf;

/// mimalloc instead of glibc's allocator: a request allocates on several threads (the async
/// workers, the blocking threads that run instances, the store's writer), and under the bench's
/// dossier read glibc's arenas (their locks, consolidations and trims) were a fifth of the
/// process's time. The bench links the same allocator, so it measures what `serve` runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use welfare_gateway::auth::dev_issuer::{
    DEFAULT_TTL_SECONDS, DEV_SIGNING_KID, DevIssuer, TokenRequest,
};
use welfare_gateway::auth::{IntermediaryKind, Level};
use welfare_gateway::config::{Config, DEFAULT_DATA_DIR, DEFAULT_LISTEN};
use welfare_gateway::identity::{FiscalCode, VatNumber};

#[derive(Parser)]
#[command(
    name = "welfare",
    version,
    about = "Welfare as a Service: the API platform of the social-security agency"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the platform.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "WELFARE_LISTEN")]
        listen: Option<std::net::SocketAddr>,
        /// Directory for the database, the dev issuer key and the compiled-component cache.
        #[arg(long, env = "WELFARE_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// TOML configuration file (see README).
        #[arg(long, env = "WELFARE_CONFIG")]
        config: Option<PathBuf>,
        /// A `postgres://` URL: keep the data in PostgreSQL instead of the SQLite file in the
        /// data directory (several gateways may share it). Its value is never shown in the
        /// help: it may carry the password.
        #[arg(long, env = "WELFARE_DATABASE_URL", hide_env_values = true)]
        database: Option<String>,
    },
    /// Print a development token from the local dev issuer.
    Token {
        #[command(subcommand)]
        kind: TokenKind,
        /// The data directory holding the dev issuer key (as for `serve`).
        #[arg(long, env = "WELFARE_DATA_DIR", default_value = DEFAULT_DATA_DIR, global = true)]
        data_dir: PathBuf,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = DEFAULT_TTL_SECONDS, global = true)]
        ttl: u64,
        /// Audience: the gateway's `auth.audience` (default `welfare-api`), or for agency
        /// vouchers its `interop.audience` (default `welfare-interop`).
        #[arg(long, global = true)]
        audience: Option<String>,
    },
    /// Print the ModI headers a development agency sends with a call: `Agid-JWT-TrackingEvidence`
    /// always, and for a body `Digest` and `Agid-JWT-Signature` over it (signed with the dev key,
    /// which the gateway trusts for ModI while the dev issuer is on).
    Modi {
        /// The calling agency (the voucher's `org`).
        #[arg(long)]
        org: String,
        /// The request body to sign (a file); omit for a read.
        #[arg(long)]
        body: Option<PathBuf>,
        /// The agency's user on whose behalf it calls (AUDIT_REST_01 `userID`).
        #[arg(long, default_value = "dev-user")]
        user_id: String,
        /// Where that user is (`userLocation`).
        #[arg(long, default_value = "dev-office")]
        user_location: String,
        #[arg(long, env = "WELFARE_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
        /// The gateway's `interop.audience`.
        #[arg(long, default_value = "welfare-interop")]
        audience: String,
    },
}

#[derive(Subcommand)]
enum TokenKind {
    /// A SPID/CIE citizen token.
    Citizen {
        fiscal_code: String,
        /// SPID level of assurance: 1, 2 or 3.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=3))]
        loa: u8,
    },
    /// A company token (SPID for legal persons): the company acts for itself.
    Company {
        vat_number: String,
        /// The company's name, as the identity provider would assert it.
        #[arg(long)]
        name: Option<String>,
        /// SPID level of assurance: 1, 2 or 3.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=3))]
        loa: u8,
    },
    /// An intermediary organisation token.
    Intermediary {
        #[arg(long)]
        org: String,
        #[arg(long, value_parser = ["caf", "patronato", "consulente"])]
        kind: String,
    },
    /// A PDND-style agency voucher.
    Agency {
        #[arg(long)]
        org: String,
        #[arg(long)]
        purpose: String,
    },
    /// An operator token.
    Operator {
        #[arg(long, value_parser = [
            "income-support-officer", "medical-board", "contributions-officer", "cric-expert",
            "editor", "campaign-manager", "contact-centre", "front-office", "auditor",
            "platform-operator",
        ])]
        role: String,
        #[arg(long)]
        office: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // ECDSA by ring for every token this process verifies, whichever signs or verifies first
    // (`Authenticator::new` installs it too; a token minted before would fix the default).
    welfare_auth::native::install();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            data_dir,
            config,
            database,
        } => {
            use std::io::IsTerminal;
            tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info,wasmtime=warn,cranelift=warn".into()),
                )
                .init();
            let mut config = Config::load(config.as_deref())?;
            if let Some(listen) = listen {
                config.listen = listen;
            }
            if let Some(dir) = data_dir {
                config.data_dir = dir;
            }
            if let Some(url) = database {
                config.database = Some(url.into());
            }
            if config.listen.to_string() == DEFAULT_LISTEN {
                tracing::info!("listening on the default {DEFAULT_LISTEN}; set --listen to change");
            }
            let listener = welfare_gateway::http::serve::bind(config.listen)?;
            let platform = welfare_gateway::Platform::start(config).await?;
            platform.serve(listener, shutdown_signal()).await
        }
        Command::Token {
            kind,
            data_dir,
            ttl,
            audience,
        } => {
            let request = match kind {
                TokenKind::Citizen { fiscal_code, loa } => TokenRequest::Citizen {
                    fiscal_code: FiscalCode::parse(&fiscal_code)
                        .map_err(|e| anyhow::anyhow!("{fiscal_code}: {e}"))?,
                    level: [Level::L1, Level::L2, Level::L3][(loa - 1) as usize],
                },
                TokenKind::Company {
                    vat_number,
                    name,
                    loa,
                } => TokenRequest::Company {
                    vat_number: VatNumber::parse(&vat_number)
                        .map_err(|e| anyhow::anyhow!("{vat_number}: {e}"))?,
                    name,
                    level: [Level::L1, Level::L2, Level::L3][(loa - 1) as usize],
                },
                TokenKind::Intermediary { org, kind } => TokenRequest::Intermediary {
                    org,
                    kind: match kind.as_str() {
                        "caf" => IntermediaryKind::Caf,
                        "patronato" => IntermediaryKind::Patronato,
                        _ => IntermediaryKind::Consulente,
                    },
                },
                TokenKind::Agency { org, purpose } => TokenRequest::Agency { org, purpose },
                TokenKind::Operator { role, office } => TokenRequest::Operator { role, office },
            };
            let audience = audience.unwrap_or_else(|| match request {
                TokenRequest::Agency { .. } => "welfare-interop".into(),
                _ => "welfare-api".into(),
            });
            let issuer = DevIssuer::open(&data_dir)?;
            println!("{}", issuer.mint(request, &audience, ttl)?);
            Ok(())
        }
        Command::Modi {
            org,
            body,
            user_id,
            user_location,
            data_dir,
            audience,
        } => {
            let issuer = DevIssuer::open(&data_dir)?;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
            header.kid = Some(DEV_SIGNING_KID.into());
            let token = |extra: serde_json::Value| {
                let mut claims = serde_json::json!({
                    "iss": org, "aud": audience, "iat": now, "nbf": now, "exp": now + 300,
                    "jti": uuid::Uuid::new_v4().to_string(),
                });
                for (k, v) in extra.as_object().expect("an object") {
                    claims[k] = v.clone();
                }
                issuer.sign(&header, &claims)
            };
            println!(
                "Agid-JWT-TrackingEvidence: {}",
                token(serde_json::json!({
                    "userID": user_id, "userLocation": user_location, "LoA": "substantial",
                }))?
            );
            if let Some(path) = body {
                let bytes = std::fs::read(&path)?;
                let digest = welfare_gateway::interop::modi::body_digest(&bytes);
                println!("Digest: {digest}");
                println!(
                    "Agid-JWT-Signature: {}",
                    token(serde_json::json!({
                        "signed_headers": [{ "digest": digest }, { "content-type": "application/json" }],
                    }))?
                );
            }
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
