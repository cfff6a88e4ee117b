//! `infra/`: the container build and the Kubernetes manifests, read as data and checked for what
//! a deployment depends on: every document parses, each kustomization lists exactly its files,
//! the probes reach the gateway's real endpoints on its real port, the ConfigMap's welfare.toml
//! is a configuration the gateway accepts (dev issuer off, no secrets in it), every Secret key
//! the pods use is documented, and the image is built the way the gateway must be built. No
//! cluster is needed; where `kubectl` is installed, the kustomizations are also built with it.
//!
//! # Layout
//! - [`yaml`], [`manifests`]: reading the files, and the lookups every check shares.
//! - [`kustomize`]: parsing, the files each kustomization lists, the `kubectl` build.
//! - [`deployment`]: probes, pod security, Service, PDB, HPA.
//! - [`configs`]: the ConfigMaps' `welfare.toml` as the gateway's `Config`.
//! - [`secrets`]: Secret keys, the database URL.
//! - [`resources`]: the CloudNativePG `Cluster` and the SpinKube `SpinApp`.
//! - [`spin`]: the Spin app's variables against spin.toml, and the deliveries CronJob.
//! - [`containerfile`]: the image build.
//! - [`crates`]: the host's crates, and that their dependencies point one way.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_norway::Value;
use welfare_gateway::config::Config;

use manifests::*;
use yaml::*;

mod configs;
mod containerfile;
mod crates;
mod deployment;
mod kustomize;
mod manifests;
mod resources;
mod secrets;
mod spin;
mod yaml;

const GATEWAY: &str = "welfare-gateway";
const CONFIG_FILE: &str = "/etc/welfare/welfare.toml";
const KEYS_DIR: &str = "/etc/welfare/keys";
const DATA_DIR: &str = "/var/lib/welfare";
/// The kustomizations: the gateway's base, its production overlay, the Spin app.
const KUSTOMIZATIONS: &[&str] = &["base", "overlays/production", "spin"];
