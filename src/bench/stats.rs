//! Statistics over the samples: percentiles, and the speedup ratios of the snapshot.

use super::results::CallReport;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Percentiles of a sample, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// The 50th percentile, rounded to a tenth of a µs.
    pub median_us: f64,
    /// The 90th percentile, rounded to a tenth of a µs.
    pub p90_us: f64,
    /// The 99th percentile, rounded to a tenth of a µs.
    pub p99_us: f64,
}

impl Stats {
    /// The percentiles of `samples` (nearest rank); all zero for no samples.
    pub fn of(samples: &[Duration]) -> Stats {
        let mut us: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        us.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| {
            if us.is_empty() {
                return 0.0;
            }
            let index = ((us.len() - 1) as f64 * q).round() as usize;
            (us[index] * 10.0).round() / 10.0
        };
        Stats {
            median_us: at(0.5),
            p90_us: at(0.9),
            p99_us: at(0.99),
        }
    }
}

/// A ratio of two medians, rounded for display; zero when `fast` is not positive.
pub(super) fn ratio(slow: f64, fast: f64) -> f64 {
    if fast <= 0.0 {
        return 0.0;
    }
    ((slow / fast) * 10.0).round() / 10.0
}

/// The snapshot's speedups on one call: `plain/snapshot` and `bytecode/snapshot` in-process,
/// cold and whole-process, and `node/snapshot (process)`; empty without a snapshot path.
pub(super) fn ratios(report: &CallReport) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let Some(snapshot) = report.paths.get("snapshot") else {
        return out;
    };
    for other in ["plain", "bytecode"] {
        if let Some(path) = report.paths.get(other) {
            out.insert(
                format!("{other}/snapshot"),
                ratio(path.latency.median_us, snapshot.latency.median_us),
            );
            if let (Some(a), Some(b)) = (path.cold, snapshot.cold) {
                out.insert(
                    format!("{other}/snapshot (cold)"),
                    ratio(a.median_us, b.median_us),
                );
            }
            if let (Some(a), Some(b)) = (path.process, snapshot.process) {
                out.insert(
                    format!("{other}/snapshot (process)"),
                    ratio(a.median_us, b.median_us),
                );
            }
        }
    }
    // The compiled-code cache: each path without it over the same path with it warm.
    for path in ["snapshot", "bytecode", "plain"] {
        let cached = super::in_process::cached_name(path);
        if let (Some(cold), Some(warm)) = (report.paths.get(path), report.paths.get(&cached)) {
            out.insert(
                format!("{path}/{cached}"),
                ratio(cold.latency.median_us, warm.latency.median_us),
            );
            if let (Some(a), Some(b)) = (cold.fuel, warm.fuel) {
                out.insert(format!("{path}/{cached} (fuel)"), ratio(a as f64, b as f64));
            }
        }
    }
    if let (Some(node), Some(process)) = (report.paths.get("node"), snapshot.process) {
        out.insert(
            "node/snapshot (process)".to_string(),
            ratio(node.latency.median_us, process.median_us),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::results::PathReport;
    use super::*;

    fn micros(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&us| Duration::from_micros(us)).collect()
    }

    #[test]
    fn percentiles_take_the_nearest_rank_of_the_sorted_sample() {
        // 1..=100 µs, shuffled: ranks 49.5 → 50, 89.1 → 89, 98.01 → 98 (zero-based).
        let mut values: Vec<u64> = (1..=100).collect();
        values.reverse();
        values.swap(3, 70);
        let stats = Stats::of(&micros(&values));
        assert_eq!(
            stats,
            Stats {
                median_us: 51.0,
                p90_us: 90.0,
                p99_us: 99.0
            }
        );
    }

    #[test]
    fn percentiles_of_small_samples() {
        let one = Stats::of(&micros(&[7]));
        assert_eq!((one.median_us, one.p90_us, one.p99_us), (7.0, 7.0, 7.0));
        // Three samples: the median is the middle one, p90 and p99 the largest.
        let three = Stats::of(&micros(&[30, 10, 20]));
        assert_eq!(
            (three.median_us, three.p90_us, three.p99_us),
            (20.0, 30.0, 30.0)
        );
        assert_eq!(Stats::of(&[]), Stats::default());
    }

    #[test]
    fn percentiles_round_to_a_tenth_of_a_microsecond() {
        let stats = Stats::of(&[Duration::from_nanos(1_249), Duration::from_nanos(1_251)]);
        // Rank 0.5 rounds up to the second sample.
        assert_eq!(stats.median_us, 1.3);
        let stats = Stats::of(&[Duration::from_nanos(1_249)]);
        assert_eq!(stats.median_us, 1.2);
    }

    #[test]
    fn ratios_are_rounded_to_a_tenth_and_zero_without_a_base() {
        assert_eq!(ratio(10.0, 4.0), 2.5);
        assert_eq!(ratio(1.0, 3.0), 0.3);
        assert_eq!(ratio(200.0, 3.0), 66.7);
        assert_eq!(ratio(5.0, 0.0), 0.0);
        assert_eq!(ratio(5.0, -1.0), 0.0);
    }

    fn median(us: f64) -> Stats {
        Stats {
            median_us: us,
            p90_us: us,
            p99_us: us,
        }
    }

    fn path(latency: f64, cold: Option<f64>, process: Option<f64>) -> PathReport {
        PathReport {
            latency: median(latency),
            fuel: None,
            instantiate: None,
            execute: None,
            cold: cold.map(median),
            process: process.map(median),
            compile_fuel: None,
            samples: 1,
        }
    }

    fn call(paths: Vec<(&str, PathReport)>) -> CallReport {
        CallReport {
            name: "add".into(),
            paths: paths
                .into_iter()
                .map(|(name, path)| (name.to_string(), path))
                .collect(),
            ratios: BTreeMap::new(),
        }
    }

    #[test]
    fn ratios_compare_every_path_with_the_snapshot() {
        let report = call(vec![
            ("snapshot", path(100.0, Some(200.0), Some(2_000.0))),
            ("plain", path(6_000.0, Some(9_000.0), Some(10_000.0))),
            ("bytecode", path(650.0, Some(1_000.0), None)),
            ("node", path(40_000.0, None, Some(40_000.0))),
        ]);
        let expected: BTreeMap<String, f64> = [
            ("plain/snapshot", 60.0),
            ("plain/snapshot (cold)", 45.0),
            ("plain/snapshot (process)", 5.0),
            ("bytecode/snapshot", 6.5),
            ("bytecode/snapshot (cold)", 5.0),
            ("node/snapshot (process)", 20.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(ratios(&report), expected);
    }

    #[test]
    fn no_ratios_without_a_snapshot() {
        let report = call(vec![("plain", path(10.0, Some(10.0), Some(10.0)))]);
        assert!(ratios(&report).is_empty());
        // Node is compared with the snapshot's process figure only.
        let report = call(vec![
            ("snapshot", path(100.0, None, None)),
            ("node", path(40_000.0, None, Some(40_000.0))),
        ]);
        assert!(ratios(&report).is_empty());
    }
}
