//! Compiled components cached on disk: compiling a component with Cranelift takes a second or
//! more, loading a cached artifact takes milliseconds. The cache key is the component's bytes
//! together with everything in the engine that affects compiled code, so an artifact is never
//! loaded into an engine it was not built for.

use std::hash::{Hash, Hasher};
use std::path::Path;

use anyhow::Context;
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The component for `wasm`, from `cache_dir` when compiled before, else compiled and stored.
pub fn load(engine: &Engine, wasm: &[u8], cache_dir: &Path) -> anyhow::Result<Component> {
    let path = cache_dir.join(format!("{}.cwasm", cache_key(engine, wasm)));
    if path.exists() {
        // SAFETY: the file was written by `Engine::precompile_component` of an engine with the
        // same compatibility hash (it is in the file name), and only this cache writes there.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "discarding a bad cache entry")
            }
        }
    }
    let compiled = engine.precompile_component(wasm)?;
    std::fs::create_dir_all(cache_dir)
        .with_context(|| format!("creating {}", cache_dir.display()))?;
    // Write then rename: concurrent gateways (tests, replicas) never see a partial file.
    let tmp = cache_dir.join(format!(
        ".{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&tmp, &compiled).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path)?;
    // SAFETY: as above; we just wrote these bytes from `precompile_component`.
    Ok(unsafe { Component::deserialize(engine, &compiled)? })
}

fn cache_key(engine: &Engine, wasm: &[u8]) -> String {
    struct Sha(Sha256);
    impl Hasher for Sha {
        fn finish(&self) -> u64 {
            unreachable!("only written to")
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut sha = Sha(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut sha);
    sha.0.update(env!("CARGO_PKG_VERSION"));
    sha.0.update(wasm);
    hex::encode(&sha.0.finalize()[..16])
}
