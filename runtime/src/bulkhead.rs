//! Bulkheads: each component's share of the instance pool, so that one component's slow or
//! looping route never refuses another component's calls.
//!
//! The pool (`runtime.max_concurrent_instances`, which also sizes the pooling allocator) is cut
//! into instances reserved for each component and a shared rest:
//!
//! - a component holds at most its *cap* at once (`runtime.max_instances_per_component`, half
//!   the pool by default, or its entry in `runtime.component_instances`);
//! - its *reservation* is what the pool has left once the largest cap is taken, split evenly
//!   among the other components (never more than its own cap);
//! - a call takes one of its component's reserved instances when one is free, else one of the
//!   shared rest, and waits for whichever frees first.
//!
//! So however many components sit at their cap, every other component still has its reserved
//! instances: a component at its cap takes at most `cap - reserved` of the shared rest, and the
//! reservations of all the others together fit in what the largest cap leaves of the pool.
//! Calls of every kind (requests, event deliveries, dossier summaries) count in the share of the
//! component they run.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One component's part of the pool, as planned at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The most instances the component holds at once.
    pub cap: u32,
    /// Instances only this component may take.
    pub reserved: u32,
}

/// Plans every component's share of a pool of `pool` instances: `default_cap` for each
/// (0: half the pool), or its entry in `caps`. Fails, naming every offender, on a share for a
/// component that is not loaded, a share of 0 or larger than the pool, or a pool too small to
/// reserve one instance for each component beside the largest share.
pub fn plan(
    pool: u32,
    default_cap: u32,
    caps: &BTreeMap<String, u32>,
    names: &[&str],
) -> anyhow::Result<BTreeMap<String, Plan>> {
    anyhow::ensure!(
        pool > 0,
        "runtime.max_concurrent_instances must be at least 1"
    );
    let default_cap = if default_cap == 0 {
        (pool / 2).max(1)
    } else {
        default_cap
    };
    let mut faults = Vec::new();
    for name in caps.keys() {
        if !names.contains(&name.as_str()) {
            faults.push(format!(
                "runtime.component_instances names {name:?}, which is not loaded"
            ));
        }
    }
    let cap_of = |name: &str| caps.get(name).copied().unwrap_or(default_cap);
    for name in names {
        let cap = cap_of(name);
        if cap == 0 || cap > pool {
            faults.push(format!(
                "the share of {name:?} ({cap} instances) must be between 1 and the pool's {pool} (runtime.max_concurrent_instances)"
            ));
        }
    }
    anyhow::ensure!(faults.is_empty(), "{}", faults.join("; "));
    let largest = names.iter().map(|n| cap_of(n)).max().unwrap_or(0);
    let others = names.len().saturating_sub(1) as u32;
    // A component alone has nobody to reserve for: its share is all there is.
    let reserved = (pool - largest).checked_div(others).unwrap_or(largest);
    anyhow::ensure!(
        reserved > 0,
        "a pool of {pool} instances (runtime.max_concurrent_instances) leaves nothing for the other {others} components once one holds its share of {largest}: enlarge the pool or lower the shares (runtime.max_instances_per_component, runtime.component_instances)"
    );
    Ok(names
        .iter()
        .map(|name| {
            let cap = cap_of(name);
            (
                name.to_string(),
                Plan {
                    cap,
                    reserved: reserved.min(cap),
                },
            )
        })
        .collect())
}

/// A component's share at run time.
pub struct Share {
    /// One permit per instance the component may hold: a call waits here first, so no more
    /// than the cap of its calls ever compete for instances.
    cap: Arc<Semaphore>,
    /// The component's reserved instances.
    reserved: Arc<Semaphore>,
}

/// An instance slot held for one call; dropping it frees the slot.
pub struct Slot {
    _cap: OwnedSemaphorePermit,
    _instance: OwnedSemaphorePermit,
}

/// Every component's share and the shared rest of the pool.
pub struct Bulkheads {
    shares: BTreeMap<String, Share>,
    shared: Arc<Semaphore>,
}

impl Bulkheads {
    pub fn new(pool: u32, plans: &BTreeMap<String, Plan>) -> Self {
        let reserved: u32 = plans.values().map(|p| p.reserved).sum();
        Self {
            shares: plans
                .iter()
                .map(|(name, p)| {
                    (
                        name.clone(),
                        Share {
                            cap: Arc::new(Semaphore::new(p.cap as usize)),
                            reserved: Arc::new(Semaphore::new(p.reserved as usize)),
                        },
                    )
                })
                .collect(),
            shared: Arc::new(Semaphore::new(pool.saturating_sub(reserved) as usize)),
        }
    }

    /// Waits for an instance slot of `component`: one of its reserved instances, else one of
    /// the shared ones. `None` for a component without a share (none is loaded under that name).
    pub async fn admit(&self, component: &str) -> Option<Slot> {
        let share = self.shares.get(component)?;
        let cap = share.cap.clone().acquire_owned().await.ok()?;
        // Biased: a free reserved instance is taken before a shared one, which others may need.
        let instance = tokio::select! {
            biased;
            p = share.reserved.clone().acquire_owned() => p,
            p = self.shared.clone().acquire_owned() => p,
        }
        .ok()?;
        Some(Slot {
            _cap: cap,
            _instance: instance,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIX: &[&str] = &[
        "contributions",
        "disability",
        "faq",
        "fixture",
        "income-support",
        "notifications",
    ];

    #[test]
    fn default_shares_leave_every_other_component_its_reservation() {
        // 128 instances, six components: cap 64 each; (128 - 64) / 5 = 12 reserved each,
        // 128 - 6 × 12 = 56 shared.
        let plans = plan(128, 0, &BTreeMap::new(), SIX).unwrap();
        assert!(plans.values().all(|p| *p
            == Plan {
                cap: 64,
                reserved: 12
            }));
        // The test configuration: 16 instances, cap 8, (16 - 8) / 5 = 1 reserved each.
        let plans = plan(16, 0, &BTreeMap::new(), SIX).unwrap();
        assert_eq!(
            plans["faq"],
            Plan {
                cap: 8,
                reserved: 1
            }
        );
    }

    #[test]
    fn a_configured_share_changes_every_reservation() {
        let caps = BTreeMap::from([("fixture".to_string(), 4), ("faq".to_string(), 100)]);
        // Largest cap 100: (128 - 100) / 5 = 5 reserved each; the fixture's 4 caps its own.
        let plans = plan(128, 32, &caps, SIX).unwrap();
        assert_eq!(
            plans["faq"],
            Plan {
                cap: 100,
                reserved: 5
            }
        );
        assert_eq!(
            plans["fixture"],
            Plan {
                cap: 4,
                reserved: 4
            }
        );
        assert_eq!(
            plans["disability"],
            Plan {
                cap: 32,
                reserved: 5
            }
        );
    }

    #[test]
    fn impossible_shares_are_refused_naming_them() {
        let caps = BTreeMap::from([("nope".to_string(), 4), ("faq".to_string(), 0)]);
        let e = plan(16, 0, &caps, SIX).unwrap_err().to_string();
        assert!(
            e.contains("\"nope\"") && e.contains("\"faq\" (0 instances)"),
            "{e}"
        );
        // 5 instances, cap 2: (5 - 2) / 5 = 0 left for each of the others.
        let e = plan(5, 2, &BTreeMap::new(), SIX).unwrap_err().to_string();
        assert!(e.contains("leaves nothing"), "{e}");
        // One component alone keeps its whole cap.
        assert_eq!(
            plan(4, 0, &BTreeMap::new(), &["faq"]).unwrap()["faq"],
            Plan {
                cap: 2,
                reserved: 2
            }
        );
    }

    #[tokio::test]
    async fn a_full_share_leaves_the_others_their_reservation() {
        // Pool 4, two components with cap 3: (4 - 3) / 1 = 1 reserved each, 2 shared.
        let plans = plan(4, 3, &BTreeMap::new(), &["a", "b"]).unwrap();
        let heads = Bulkheads::new(4, &plans);
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(heads.admit("a").await.unwrap());
        }
        // `a` is at its cap: a fourth call waits.
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), heads.admit("a"));
        assert!(waiting.await.is_err());
        // `b` still gets its reserved instance, and no second one (the shared are `a`'s).
        let b = heads.admit("b").await.unwrap();
        let second = tokio::time::timeout(std::time::Duration::from_millis(50), heads.admit("b"));
        assert!(second.await.is_err());
        drop(held.pop());
        let second = tokio::time::timeout(std::time::Duration::from_millis(50), heads.admit("b"));
        assert!(second.await.is_ok());
        drop(b);
        assert!(heads.admit("unknown").await.is_none());
    }
}
