//! `welfare-spin`: composes the five domains with the Spin adapters and writes spin.toml.
//!
//! `cargo run -p welfare-spin -- build` leaves `target/spin/<domain>.wasm` and rewrites
//! `spin.toml` at the repository root, where `spin build`, `spin up` and `spin registry push`
//! then work as they do in any Spin application.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "Builds the welfare domain components for Spin hosts")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Composes every domain with the adapters and writes spin.toml.
    Build {
        /// Where the composed components go.
        #[arg(long, default_value = "target/spin")]
        out: PathBuf,
        /// The Spin manifest to write.
        #[arg(long, default_value = "spin.toml")]
        manifest: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Build { out, manifest } => {
            let domains = welfare_domains::EMBEDDED_COMPONENTS;
            for path in welfare_spin::manifest::build(domains, &out)? {
                println!("composed {}", path.display());
            }
            let scratch = tempfile::tempdir()?;
            let manifests = welfare_spin::manifest::manifests(domains, scratch.path())?;
            let base = manifest.parent().unwrap_or(std::path::Path::new("."));
            let artifacts = relative(&out, base);
            std::fs::write(
                &manifest,
                welfare_spin::manifest::spin_toml(
                    &manifests,
                    &artifacts,
                    welfare_spin::CONFIG_KEYS,
                )?,
            )?;
            println!("wrote {}", manifest.display());
            Ok(())
        }
    }
}

/// `target` as seen from directory `base` (both relative to the working directory).
fn relative(target: &std::path::Path, base: &std::path::Path) -> String {
    let depth = base.components().count();
    let mut s = "../".repeat(depth);
    s.push_str(&target.to_string_lossy());
    s
}
