//! The image build: the wasm32-wasip2 target, the toolchain the workspace asks for, the user
//! and port the Deployment expects, and a build context without secrets.

use super::*;

/// Dockerfile instructions, continuation lines joined and comments dropped: (keyword, rest).
pub fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => current.push_str(part),
            None => {
                current.push_str(line);
                let (keyword, rest) = current.split_once(' ').unwrap_or((&current, ""));
                out.push((keyword.to_uppercase(), rest.trim().to_string()));
                current.clear();
            }
        }
    }
    out
}

pub fn json_words(rest: &str) -> Vec<String> {
    serde_json::from_str(rest).unwrap_or_else(|e| panic!("exec form expected: {rest}: {e}"))
}

#[test]
fn the_containerfile_builds_the_gateway_with_its_components() {
    let all = instructions(&read(&infra().join("Containerfile")));
    let stages: Vec<&[(String, String)]> = {
        let starts: Vec<usize> = (0..all.len()).filter(|&i| all[i].0 == "FROM").collect();
        assert!(starts.len() >= 2, "a multi-stage build");
        let mut ends = starts[1..].to_vec();
        ends.push(all.len());
        starts.iter().zip(ends).map(|(&s, e)| &all[s..e]).collect()
    };
    let (builder, runtime) = (stages[0], *stages.last().unwrap());
    let has = |stage: &[(String, String)], keyword: &str, needle: &str| {
        stage
            .iter()
            .any(|(k, rest)| k == keyword && rest.contains(needle))
    };

    // The builder: the toolchain the workspace asks for, the wasm32-wasip2 target (build.rs
    // compiles components/ for it), the whole context, the release gateway.
    let from = &builder[0].1;
    assert!(from.to_lowercase().ends_with(" as builder"), "{from}");
    let workspace: toml::Table = toml::from_str(&read(&infra().join("../Cargo.toml"))).unwrap();
    let rust_version = workspace["workspace"]["package"]["rust-version"]
        .as_str()
        .unwrap();
    assert!(
        from.contains(&format!("rust:{rust_version}")),
        "{from} vs {rust_version}"
    );
    assert!(has(builder, "RUN", "rustup target add wasm32-wasip2"));
    assert!(has(builder, "COPY", ". ."), "the whole repository");
    let build = builder
        .iter()
        .find(|(k, rest)| k == "RUN" && rest.contains("cargo build"))
        .expect("a cargo build");
    for flag in ["--release", "-p welfare-gateway", "--locked"] {
        assert!(build.1.contains(flag), "cargo build without {flag}");
    }

    // The runtime: small, the binary alone, non-root, the data directory, the port.
    assert!(
        !runtime[0].1.contains("rust:"),
        "the runtime stage is not the toolchain"
    );
    assert!(has(runtime, "COPY", "--from=builder"));
    assert!(has(runtime, "RUN", DATA_DIR));
    let user = &runtime
        .iter()
        .rfind(|(k, _)| k == "USER")
        .expect("a USER")
        .1;
    let uid: i64 = user
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("a numeric USER");
    assert_ne!(uid, 0);
    let d = deployment();
    assert_eq!(
        int(pod(&d), "securityContext.runAsUser"),
        uid,
        "the image's user"
    );
    assert!(has(runtime, "EXPOSE", &container_port(&d).to_string()));
    let words = |keyword: &str| {
        runtime
            .iter()
            .rfind(|(k, _)| k == keyword)
            .map(|(_, rest)| json_words(rest))
            .unwrap_or_default()
    };
    let command = [words("ENTRYPOINT"), words("CMD")].concat();
    assert!(command[0].ends_with("/welfare"), "{command:?}");
    assert_eq!(command[1..], ["serve", "--config", CONFIG_FILE]);

    // The build context leaves out build outputs and local data, but not gateway/data/ (the
    // services catalogue, compiled in).
    let ignore = read(&infra().join("../.dockerignore"));
    let patterns: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    for needed in ["target/", "data/"] {
        assert!(patterns.contains(&needed), ".dockerignore lacks {needed}");
    }
    for pattern in &patterns {
        let p = pattern.trim_end_matches('/');
        assert!(!p.starts_with("**") && !p.starts_with('!'), "{pattern}");
        for source in [
            "gateway",
            "components",
            "wit",
            "tests",
            "Cargo.toml",
            "Cargo.lock",
        ] {
            assert_ne!(p, source, ".dockerignore leaves out {source}");
        }
    }
}
