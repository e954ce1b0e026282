//! The metadata entries the runner adds in front of an answer's own: how long the call took,
//! what it consumed, and which kiln answered.

use crate::runner::CallMetrics;

/// The runner's entries for a call measured by `metrics`, in order; `executionFuel` only when
/// the call had a fuel budget (`fuel_limited`).
pub(crate) fn entries(metrics: &CallMetrics, fuel_limited: bool) -> Vec<(&'static str, String)> {
    let mut entries = vec![
        (
            "executionDuration",
            format!("{} µs", metrics.execute.as_micros()),
        ),
        (
            "instantiationDuration",
            format!("{} µs", metrics.instantiate.as_micros()),
        ),
    ];
    if fuel_limited {
        entries.push(("executionFuel", metrics.fuel.to_string()));
    }
    entries.push((
        "executionMemoryUsage",
        format!("{} bytes", metrics.peak_memory),
    ));
    entries.push(("kilnVersion", crate::KILN_VERSION.to_string()));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn metrics() -> CallMetrics {
        CallMetrics {
            instantiate: Duration::from_micros(12),
            execute: Duration::from_micros(3456),
            fuel: 789,
            peak_memory: 65536,
            error: None,
        }
    }

    #[test]
    fn entries_name_the_measurements() {
        assert_eq!(
            entries(&metrics(), true),
            vec![
                ("executionDuration", "3456 µs".to_string()),
                ("instantiationDuration", "12 µs".to_string()),
                ("executionFuel", "789".to_string()),
                ("executionMemoryUsage", "65536 bytes".to_string()),
                ("kilnVersion", crate::KILN_VERSION.to_string()),
            ]
        );
    }

    #[test]
    fn fuel_is_reported_only_under_a_budget() {
        let keys: Vec<&str> = entries(&metrics(), false).iter().map(|e| e.0).collect();
        assert_eq!(
            keys,
            [
                "executionDuration",
                "instantiationDuration",
                "executionMemoryUsage",
                "kilnVersion"
            ]
        );
    }

    #[test]
    fn entries_become_z6_metadata_text() {
        let text = crate::envelope::metadata_text(&entries(&metrics(), true), None);
        let map: serde_json::Value = serde_json::from_str(&text).unwrap();
        let read: Vec<(String, serde_json::Value)> = crate::envelope::map_entries(&map);
        assert_eq!(read.len(), 5);
        assert_eq!(read[0].0, "executionDuration");
        assert_eq!(read[0].1, crate::envelope::string("3456 µs"));
        assert_eq!(read[4].1, crate::envelope::string(crate::KILN_VERSION));
        // The text form and the value form are the same map.
        let built = crate::envelope::metadata_map(
            entries(&metrics(), true)
                .into_iter()
                .map(|(k, v)| (k.to_string(), crate::envelope::string(&v)))
                .collect(),
        );
        assert_eq!(map, built);
    }
}
