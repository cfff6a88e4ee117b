//! Prometheus metrics (`GET /metrics`): requests by route and status with their latency,
//! component faults, event deliveries by outcome, and the store's group commits (batches and
//! the jobs they held, read from the store at each scrape).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    component: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: u16,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    /// Refusals of callers without a valid token, which the audit trail does not keep.
    unauthenticated: Family<StatusLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    faults: Family<OutcomeLabels, Counter>,
    deliveries: Family<OutcomeLabels, Counter>,
    commits: Counter,
    committed_jobs: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("welfare");
        let requests = Family::<RequestLabels, Counter>::default();
        // 0.5 ms to ~16 s: from a platform route to a timed-out component call.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let faults = Family::<OutcomeLabels, Counter>::default();
        let deliveries = Family::<OutcomeLabels, Counter>::default();
        let unauthenticated = Family::<StatusLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "unauthenticated_refusals",
            "Requests refused before a valid token named the caller (not in the audit trail)",
            unauthenticated.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request",
            latency.clone(),
        );
        registry.register(
            "component_faults",
            "Component calls that trapped, timed out or ran out of memory",
            faults.clone(),
        );
        registry.register(
            "event_deliveries",
            "Event delivery attempts by outcome",
            deliveries.clone(),
        );
        let commits = Counter::default();
        let committed_jobs = Counter::default();
        registry.register(
            "store_commits",
            "Transactions the store's writer committed (group commits: one fsync each)",
            commits.clone(),
        );
        registry.register(
            "store_committed_jobs",
            "Writes those transactions held: divided by the commits, the mean batch",
            committed_jobs.clone(),
        );
        Self {
            registry,
            requests,
            unauthenticated,
            latency,
            faults,
            deliveries,
            commits,
            committed_jobs,
        }
    }
}

impl Metrics {
    /// Records one answered request; `route` is the template, never the concrete path, so
    /// personal ids never become label values.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.into(),
                route: route.into(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.into(),
            })
            .observe(seconds);
    }

    pub fn unauthenticated_refusal(&self, status: u16) {
        self.unauthenticated
            .get_or_create(&StatusLabels { status })
            .inc();
    }
}

impl welfare_events::outbox::DeliveryCounter for Metrics {
    fn delivery(&self, consumer: &str, outcome: &str) {
        Metrics::delivery(self, consumer, outcome);
    }
}

impl welfare_access::gate::RefusalCounter for Metrics {
    fn unauthenticated_refusal(&self, status: u16) {
        Metrics::unauthenticated_refusal(self, status);
    }
}

impl Metrics {
    pub fn fault(&self, component: &str, kind: &str) {
        self.faults
            .get_or_create(&OutcomeLabels {
                component: component.into(),
                outcome: kind.into(),
            })
            .inc();
    }

    pub fn delivery(&self, consumer: &str, outcome: &str) {
        self.deliveries
            .get_or_create(&OutcomeLabels {
                component: consumer.into(),
                outcome: outcome.into(),
            })
            .inc();
    }

    /// Brings the commit counters up to the store's own `(batches, jobs)`: monotonic, so two
    /// scrapes at once cannot count a batch twice.
    pub fn store_commits(&self, (batches, jobs): (u64, u64)) {
        use std::sync::atomic::Ordering::Relaxed;
        self.commits.inner().fetch_max(batches, Relaxed);
        self.committed_jobs.inner().fetch_max(jobs, Relaxed);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String");
        out
    }
}
