//! Per-deployment secrets that components read through the `config` capability, provided by
//! the gateway when the configuration names none, so that `welfare serve` works out of the
//! box and never with a secret anyone could know.
//!
//! Today there is one: the faq's [`SEARCH_ID_SECRET`], the HMAC key that signs search ids
//! (components/faq/src/search_id.rs). Configured (`[component_config.faq]`), it is checked
//! here; unset, the gateway makes 256 random bits in `<data_dir>/faq/search-id.secret`
//! (mode 0600) on first start and reads them back on every later one, as it does the dev
//! issuer's key. Gateways sharing a PostgreSQL database must share one secret, or each
//! refuses the others' search ids: they should configure it, and are warned when they do not.
//!
//! [`read_or_create`] keeps such a file, and the dev issuer's key, safe from a race between
//! two processes starting at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::RngCore;

/// The component and configuration key of the faq's search-id signing secret.
pub const SEARCH_ID_SECRET: (&str, &str) = ("faq", "search_id_secret");
/// Shortest secret accepted: the faq signs nothing with a shorter one
/// (`search_id::MIN_SECRET_CHARS`), so a shorter configured one is refused at start-up
/// rather than found out when searches carry no id.
pub const MIN_SECRET_CHARS: usize = 32;
/// Random bytes of a generated secret: 256 bits, the HMAC-SHA256 block's worth of key
/// strength, written as 64 hex digits.
const GENERATED_SECRET_BYTES: usize = 32;

fn secret_path(data_dir: &Path) -> PathBuf {
    data_dir.join("faq").join("search-id.secret")
}

/// The configured `component_config` with the secrets the gateway provides filled in (made in
/// `data_dir`); fails naming a configured secret that is too short. `shared_database` says
/// other replicas may serve the same data, which a secret of this gateway's own cannot serve.
pub fn component_config(
    configured: &BTreeMap<String, BTreeMap<String, String>>,
    shared_database: bool,
    data_dir: &Path,
) -> anyhow::Result<BTreeMap<String, BTreeMap<String, String>>> {
    let mut all = configured.clone();
    let (component, key) = SEARCH_ID_SECRET;
    let settings = all.entry(component.to_string()).or_default();
    match settings.get(key) {
        Some(secret) => anyhow::ensure!(
            secret.chars().count() >= MIN_SECRET_CHARS,
            "component_config.{component}.{key} must be at least {MIN_SECRET_CHARS} characters \
             (for example 64 hex digits: `openssl rand -hex 32`)"
        ),
        None => {
            if shared_database {
                tracing::warn!(
                    "component_config.{component}.{key} is not set: this gateway signs search ids \
                     with its own secret, which other replicas sharing the database do not know"
                );
            }
            settings.insert(key.to_string(), open_or_create(&secret_path(data_dir))?);
        }
    }
    Ok(all)
}

/// The secret in `path`, created when there is none yet.
fn open_or_create(path: &Path) -> anyhow::Result<String> {
    let secret = read_or_create(path, || {
        let mut bytes = [0u8; GENERATED_SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Ok(hex::encode(bytes).into_bytes())
    })?;
    let secret = secret.trim().to_string();
    anyhow::ensure!(
        secret.chars().count() >= MIN_SECRET_CHARS,
        "{} holds no secret of {MIN_SECRET_CHARS} characters or more: delete it to make a new one",
        path.display()
    );
    Ok(secret)
}

/// The text of the private file `path` (the dev issuer's key, a generated secret), created
/// from `make` when there is none: written whole under a temporary name, readable by its owner
/// only, then linked into place, so two processes racing here end up with one complete file
/// (the loser reads the winner's).
pub fn read_or_create(
    path: &Path,
    make: impl FnOnce() -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<String> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok(text);
    }
    let bytes = make()?;
    let dir = path.parent().expect("a private file's path has a parent");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path.file_name().expect("a private file's path has a name");
    let tmp = dir.join(format!("{}.{}", name.to_string_lossy(), std::process::id()));
    write_private(&tmp, &bytes)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(String::from_utf8(bytes)?),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
    }
}

/// Writes `bytes` to the new file `path`, readable by its owner only, and syncs it.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}
