//! Composing the adapters with a domain, with wac-graph's explicit graph: one platform adapter
//! instance serves both the domain and the HTTP adapter, so the domain's writes and the HTTP
//! adapter's commit go through the same unit of work. (`wac_graph::plug` would instantiate the
//! platform adapter once per importer and lose that.)

use anyhow::{Context, bail};
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions, NodeId, PackageId};

use crate::HTTP_HANDLER;

/// The interface the HTTP adapter imports from the domain.
const DOMAIN_EXPORT: &str = "welfare:platform/domain@0.1.0";

/// The composition of `platform`, `domain` and `http` (component bytes): a component that
/// exports [`HTTP_HANDLER`] and imports only what none of the three provides.
pub fn compose(platform: &[u8], domain: &[u8], http: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut graph = CompositionGraph::new();
    let p = register(&mut graph, "welfare:spin-platform", platform)?;
    let d = register(&mut graph, "welfare:domain", domain)?;
    let h = register(&mut graph, "welfare:spin-http", http)?;

    let platform_i = graph.instantiate(p);
    let domain_i = graph.instantiate(d);
    let http_i = graph.instantiate(h);

    // The domain's welfare:platform imports come from the platform adapter.
    for import in welfare_imports(&graph, d) {
        wire(&mut graph, platform_i, domain_i, &import).with_context(|| {
            format!("the platform adapter does not provide the domain's {import}")
        })?;
    }
    // The HTTP adapter's: the domain's export, and the rest from the platform adapter.
    for import in welfare_imports(&graph, h) {
        let source = if import == DOMAIN_EXPORT {
            domain_i
        } else {
            platform_i
        };
        wire(&mut graph, source, http_i, &import)
            .with_context(|| format!("nothing provides the HTTP adapter's {import}"))?;
    }
    let handler = graph
        .alias_instance_export(http_i, HTTP_HANDLER)
        .with_context(|| format!("the HTTP adapter does not export {HTTP_HANDLER}"))?;
    graph.export(handler, HTTP_HANDLER)?;
    let bytes = graph
        .encode(EncodeOptions {
            define_components: true,
            validate: true,
            processor: None,
        })
        .context("encoding the composition")?;
    Ok(bytes)
}

fn register(graph: &mut CompositionGraph, name: &str, bytes: &[u8]) -> anyhow::Result<PackageId> {
    let package = Package::from_bytes(name, None, bytes.to_vec(), graph.types_mut())
        .with_context(|| format!("reading {name}"))?;
    Ok(graph.register_package(package)?)
}

/// The `welfare:*` interfaces `package` imports: those the composition must satisfy inside.
fn welfare_imports(graph: &CompositionGraph, package: PackageId) -> Vec<String> {
    let world = graph[package].ty();
    graph.types()[world]
        .imports
        .keys()
        .filter(|name| name.starts_with("welfare:"))
        .cloned()
        .collect()
}

fn wire(
    graph: &mut CompositionGraph,
    from: NodeId,
    to: NodeId,
    interface: &str,
) -> anyhow::Result<()> {
    let export = graph.alias_instance_export(from, interface)?;
    if let Err(e) = graph.set_instantiation_argument(to, interface, export) {
        bail!("{interface}: {e}");
    }
    Ok(())
}
