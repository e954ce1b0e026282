//! The metadata entries the runner adds in front of an answer's own, named as Wikifunctions
//! names them (`evaluationStartTime`, `executionCpuUsage`, `wasmtimeFuelCost`, …) with kiln's
//! extras under `kiln…` names, and the formats their values are written in: durations
//! ("10 ms", "<50 μs"), sizes ("1 MiB"), ISO 8601 times.

use crate::envelope::{ErrorType, Node};
use crate::runner::CallMetrics;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the runner knows about the artifact it serves, for the metadata.
#[derive(Clone, Debug, Default)]
pub struct ArtifactInfo {
    /// The QuickJS version built into the guest (`programmingLanguageVersion`), from the
    /// artifact's build info.
    pub language_version: Option<String>,
    /// The artifact's hash (`kilnArtifactHash`).
    pub hash: Option<String>,
}

/// A duration as the Wikifunctions UI shows it: "<50 μs" under 50 μs, "N μs" under a
/// millisecond, else "N ms" (whole milliseconds).
pub fn duration_text(duration: Duration) -> String {
    let micros = duration.as_micros();
    if micros < 50 {
        "<50 μs".to_string()
    } else if micros < 1000 {
        format!("{micros} μs")
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// A size in binary units: "N B" under a KiB, else KiB or MiB with up to two decimals
/// ("1 MiB", "1.5 MiB", "64 KiB").
pub fn bytes_text(bytes: u64) -> String {
    let (value, unit) = if bytes >= 1 << 20 {
        (bytes as f64 / f64::from(1 << 20), "MiB")
    } else if bytes >= 1 << 10 {
        (bytes as f64 / 1024.0, "KiB")
    } else {
        return format!("{bytes} B");
    };
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} {unit}")
}

/// A time as ISO 8601 in UTC with milliseconds: "2026-03-01T12:00:00.123Z".
pub fn iso_time(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// The runner's entries for a call measured by `metrics`, in order. `timed`: whether the
/// clock-dependent entries are written (not in reproducible mode, which writes only the
/// warnings). The executor writes its own entries (`errors`, `logs`, `implementationId`)
/// before these.
pub(crate) fn entries(
    metrics: &CallMetrics,
    info: &ArtifactInfo,
    warnings: Vec<(ErrorType, Node)>,
    timed: bool,
) -> Vec<(&'static str, Node)> {
    let mut entries = Vec::new();
    if timed {
        let started = metrics.started.unwrap_or(UNIX_EPOCH);
        let text = |s: String| Node::string(&s);
        entries.push(("evaluationStartTime", text(iso_time(started))));
        entries.push(("evaluationEndTime", text(iso_time(started + metrics.total))));
        entries.push(("evaluationDuration", text(duration_text(metrics.total))));
        entries.push(("executionCpuUsage", text(duration_text(metrics.execute))));
        entries.push((
            "executionMemoryUsage",
            text(bytes_text(metrics.peak_memory as u64)),
        ));
        if let Some(version) = &info.language_version {
            entries.push(("programmingLanguageVersion", Node::string(version)));
        }
        entries.push(("wasmtimeFuelCost", text(metrics.fuel.to_string())));
        entries.push((
            "wasmtimeTotalExecutionTime",
            text(duration_text(metrics.instantiate + metrics.execute)),
        ));
        entries.push(("wasmMemoryBytes", text(metrics.peak_memory.to_string())));
        entries.push((
            "kilnInstantiationTime",
            text(duration_text(metrics.instantiate)),
        ));
        if let Some(hash) = &info.hash {
            entries.push(("kilnArtifactHash", Node::string(hash)));
        }
        entries.push(("kilnVersion", Node::string(crate::KILN_VERSION)));
    }
    if !warnings.is_empty() {
        let items = warnings.into_iter().map(|w| w.1).collect();
        entries.push(("warnings", Node::list("Z5", items)));
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_the_ui_reads_them() {
        assert_eq!(duration_text(Duration::from_micros(12)), "<50 μs");
        assert_eq!(duration_text(Duration::from_micros(50)), "50 μs");
        assert_eq!(duration_text(Duration::from_micros(999)), "999 μs");
        assert_eq!(duration_text(Duration::from_micros(10_400)), "10 ms");
        assert_eq!(bytes_text(512), "512 B");
        assert_eq!(bytes_text(64 << 10), "64 KiB");
        assert_eq!(bytes_text(1 << 20), "1 MiB");
        assert_eq!(bytes_text(3 << 19), "1.5 MiB");
        assert_eq!(iso_time(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let time = UNIX_EPOCH + Duration::from_millis(1_772_366_400_123);
        assert_eq!(iso_time(time), "2026-03-01T12:00:00.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(iso_time(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn entries_name_the_measurements_and_reproducible_ones_only_warnings() {
        let metrics = CallMetrics {
            instantiate: Duration::from_micros(12),
            execute: Duration::from_micros(3456),
            total: Duration::from_micros(4000),
            fuel: 789,
            peak_memory: 65536,
            started: Some(UNIX_EPOCH),
            ..CallMetrics::default()
        };
        let info = ArtifactInfo {
            language_version: Some("QuickJS-ng 0.10.1".into()),
            hash: Some("abc".into()),
        };
        let keys: Vec<&str> = entries(&metrics, &info, Vec::new(), true)
            .iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(
            keys,
            [
                "evaluationStartTime",
                "evaluationEndTime",
                "evaluationDuration",
                "executionCpuUsage",
                "executionMemoryUsage",
                "programmingLanguageVersion",
                "wasmtimeFuelCost",
                "wasmtimeTotalExecutionTime",
                "wasmMemoryBytes",
                "kilnInstantiationTime",
                "kilnArtifactHash",
                "kilnVersion",
            ]
        );
        let all = entries(&metrics, &info, Vec::new(), true);
        assert_eq!(all[1].1, Node::string("1970-01-01T00:00:00.004Z"));
        assert_eq!(all[3].1, Node::string("3 ms"));
        assert_eq!(all[4].1, Node::string("64 KiB"));
        let warning = (
            ErrorType::FuelWarning,
            crate::envelope::warning(ErrorType::FuelWarning, "9", "10"),
        );
        let quiet = entries(&metrics, &info, vec![warning], false);
        assert_eq!(quiet.len(), 1);
        assert_eq!(quiet[0].0, "warnings");
    }
}
