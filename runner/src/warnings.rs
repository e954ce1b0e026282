//! The warnings an answer carries in metadata `warnings` (a typed list of Z5): fuel, memory or
//! time past a threshold of its limit (Z590, Z591, Z597), a result over the advisory size
//! (Z592), guest output that was not UTF-8 and was discarded (Z593), lone surrogates repaired
//! (Z599). The thresholds are [`WarningThresholds`].

use crate::envelope::{self, ErrorType, Node};
use crate::runner::{CallMetrics, Limits};

/// When a call's use of a limit becomes a warning. A warning is given when the use is at or
/// past the threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarningThresholds {
    /// Z590: percent of the fuel budget (only under a budget). Default 80.
    pub fuel_percent: u32,
    /// Z591: percent of the memory limit (peak linear memory). Default 80.
    pub memory_percent: u32,
    /// Z597: percent of the time limit spent in the call. Default 80.
    pub time_percent: u32,
    /// Z592: the advisory size of the result (Z22K1 as JSON text), in bytes. Default 1 MiB.
    pub result_bytes: usize,
}

impl Default for WarningThresholds {
    fn default() -> Self {
        Self {
            fuel_percent: 80,
            memory_percent: 80,
            time_percent: 80,
            result_bytes: 1 << 20,
        }
    }
}

fn reached(used: u128, limit: u128, percent: u32) -> bool {
    limit > 0 && used * 100 >= limit * u128::from(percent)
}

/// The warnings of a call measured by `metrics` under `limits`; `timed` says whether time may
/// be judged (not in reproducible mode, where the answer must not depend on the clock).
pub(crate) fn collect(
    metrics: &CallMetrics,
    limits: &Limits,
    result_bytes: Option<usize>,
    timed: bool,
) -> Vec<(ErrorType, Node)> {
    let thresholds = &limits.warnings;
    let mut warnings = Vec::new();
    let failed_on = |kind: ErrorType| metrics.error == Some(kind);
    if let Some(budget) = limits.fuel {
        if !failed_on(ErrorType::FuelLimit)
            && reached(metrics.fuel.into(), budget.into(), thresholds.fuel_percent)
        {
            let node = envelope::warning(
                ErrorType::FuelWarning,
                &metrics.fuel.to_string(),
                &budget.to_string(),
            );
            warnings.push((ErrorType::FuelWarning, node));
        }
    }
    let memory_limit = limits.memory_bytes as u128;
    if !metrics.memory_hit
        && reached(
            metrics.peak_memory as u128,
            memory_limit,
            thresholds.memory_percent,
        )
    {
        let node = envelope::warning(
            ErrorType::MemoryWarning,
            &crate::metadata::bytes_text(metrics.peak_memory as u64),
            &crate::metadata::bytes_text(limits.memory_bytes as u64),
        );
        warnings.push((ErrorType::MemoryWarning, node));
    }
    if let Some(size) = result_bytes.filter(|size| *size >= thresholds.result_bytes) {
        let node = envelope::warning(
            ErrorType::ResultSizeWarning,
            &format!("{size} bytes"),
            &format!("{} bytes", thresholds.result_bytes),
        );
        warnings.push((ErrorType::ResultSizeWarning, node));
    }
    if let Some((bytes, first_line)) = &metrics.discarded {
        let node = envelope::warning(
            ErrorType::OutputDiscarded,
            &format!("{bytes} bytes"),
            first_line,
        );
        warnings.push((ErrorType::OutputDiscarded, node));
    }
    if timed
        && !failed_on(ErrorType::TimeLimit)
        && reached(
            metrics.execute.as_millis(),
            limits.timeout.as_millis(),
            thresholds.time_percent,
        )
    {
        let node = envelope::warning(
            ErrorType::TimeWarning,
            &format!("{} ms", metrics.execute.as_millis()),
            &format!("{} ms", limits.timeout.as_millis()),
        );
        warnings.push((ErrorType::TimeWarning, node));
    }
    for (count, place) in &metrics.repaired {
        let noun = if *count == 1 {
            "lone surrogate"
        } else {
            "lone surrogates"
        };
        let node = envelope::warning(ErrorType::TextRepaired, &format!("{count} {noun}"), place);
        warnings.push((ErrorType::TextRepaired, node));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn limits() -> Limits {
        Limits {
            timeout: Duration::from_millis(1000),
            fuel: Some(1000),
            memory_bytes: 10 << 20,
            ..Limits::default()
        }
    }

    fn kinds(metrics: &CallMetrics, result: Option<usize>) -> Vec<ErrorType> {
        collect(metrics, &limits(), result, true)
            .into_iter()
            .map(|w| w.0)
            .collect()
    }

    #[test]
    fn each_warning_is_given_at_its_threshold_and_not_below() {
        let below = CallMetrics {
            fuel: 799,
            peak_memory: (8 << 20) - 1,
            execute: Duration::from_millis(799),
            ..CallMetrics::default()
        };
        assert_eq!(kinds(&below, Some((1 << 20) - 1)), []);
        let at = CallMetrics {
            fuel: 800,
            peak_memory: 8 << 20,
            execute: Duration::from_millis(800),
            discarded: Some((3, "\u{fffd}x".into())),
            repaired: vec![(2, "Z22K1")],
            ..CallMetrics::default()
        };
        assert_eq!(
            kinds(&at, Some(1 << 20)),
            [
                ErrorType::FuelWarning,
                ErrorType::MemoryWarning,
                ErrorType::ResultSizeWarning,
                ErrorType::OutputDiscarded,
                ErrorType::TimeWarning,
                ErrorType::TextRepaired,
            ]
        );
        let messages: Vec<String> = collect(&at, &limits(), Some(1 << 20), true)
            .iter()
            .map(|w| w.1.message())
            .collect();
        assert_eq!(
            messages,
            [
                "used 800 of the fuel budget of 1000",
                "used 8 MiB of the memory limit of 10 MiB",
                "the result is 1048576 bytes, over the advisory size of 1048576 bytes",
                "discarded 3 bytes of output that was not UTF-8, first line: \u{fffd}x",
                "used 800 ms of the time limit of 1000 ms",
                "replaced 2 lone surrogates in Z22K1",
            ]
        );
        // Not timed (reproducible): no time warning.
        let untimed: Vec<ErrorType> = collect(&at, &limits(), None, false)
            .into_iter()
            .map(|w| w.0)
            .collect();
        assert!(!untimed.contains(&ErrorType::TimeWarning));
    }

    #[test]
    fn a_limit_that_was_hit_is_an_error_not_a_warning() {
        let fuel_out = CallMetrics {
            fuel: 1000,
            error: Some(ErrorType::FuelLimit),
            ..CallMetrics::default()
        };
        assert_eq!(kinds(&fuel_out, None), []);
        let unbudgeted = Limits {
            fuel: None,
            ..limits()
        };
        let metrics = CallMetrics {
            fuel: u64::MAX,
            ..CallMetrics::default()
        };
        assert!(collect(&metrics, &unbudgeted, None, true).is_empty());
    }
}
