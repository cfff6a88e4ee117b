//! The `welfare` binary as the tests that need a process run it: `welfare serve` on a free
//! port with a data directory and a configuration file, its log read from stderr, killed with
//! SIGKILL when dropped. Each test file takes what it uses.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest a start may take: compiling the components on a cold cache, on 2 busy cores.
const START_WITHIN: Duration = Duration::from_secs(120);

/// `<data>/welfare.toml` with the shared compiled-component cache (so a test does not compile
/// the components again) and the extra TOML `settings`; returns its path.
pub fn config(data: &Path, settings: &str) -> PathBuf {
    let cache = Path::new(welfare_gateway::BUILT_COMPONENTS_DIR).join("compiled-cache");
    let path = data.join("welfare.toml");
    std::fs::write(
        &path,
        format!("{settings}\n[runtime]\ncache_dir = {cache:?}\n"),
    )
    .unwrap();
    path
}

/// A running `welfare serve`.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// `host:port`, as the log announced it.
    pub address: String,
    /// Every log line after the one announcing the address, as it arrives.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `welfare serve` on `data` with the configuration file `config` and waits until
    /// it logs `serving address=HOST:PORT`.
    pub fn start(data: &Path, config: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_welfare"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .arg("--data-dir")
            .arg(data)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting welfare serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let started = Instant::now();
        let address = loop {
            let line = lines
                .next()
                .expect("welfare serve exited before serving")
                .unwrap();
            if let Some(rest) = line
                .split("address=")
                .nth(1)
                .filter(|_| line.contains("serving"))
            {
                break rest.split_whitespace().next().unwrap().to_string();
            }
            assert!(
                started.elapsed() < START_WITHIN,
                "welfare serve did not start"
            );
        };
        // Keep reading the log, so the server never blocks on a full pipe.
        let log = Arc::new(Mutex::new(Vec::new()));
        let collected = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                collected.lock().unwrap().push(line);
            }
        });
        Self {
            child,
            base: format!("http://{address}"),
            address,
            log,
        }
    }

    /// `kill -9`, and wait until the process is gone.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the killed gateway is reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
