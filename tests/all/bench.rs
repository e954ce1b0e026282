//! `kiln bench` on real artifacts: the three files it writes, their shape, and numbers that
//! agree with what the runner measures on its own (fuel, artifact sizes, ratios of medians).
//! Timings are only checked for consistency (percentiles in order), never against a budget.

use crate::common::*;
use kiln_compiler::ArtifactKind;
use kiln_runner::engine::Allocation;
use kiln_runner::{Limits, Runner};
use serde_json::Value;

const WASM_PATHS: [&str; 3] = ["snapshot", "bytecode", "plain"];

fn number(value: &Value, key: &str) -> f64 {
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("`{key}` is a number in {value}"))
}

fn assert_percentiles(stats: &Value, what: &str) {
    let (median, p90, p99) = (
        number(stats, "median_us"),
        number(stats, "p90_us"),
        number(stats, "p99_us"),
    );
    assert!(median > 0.0, "{what}: median {median}");
    assert!(
        median <= p90 && p90 <= p99,
        "{what}: percentiles out of order {stats}"
    );
}

fn quick_bench_writes_consistent_table_json_and_chart() {
    let dir = cwasm(ArtifactKind::Snapshot)
        .parent()
        .expect("artifacts folder")
        .to_path_buf();
    let out = root().join("target/kiln-test/bench-report");
    let _ = std::fs::remove_dir_all(&out);
    let status = kiln()
        .args(["bench", "--quick", "--no-node", "--calls", "12"])
        .args(["--process-calls", "2"])
        .arg("--artifacts")
        .arg(&dir)
        .arg("--out")
        .arg(&out)
        .status()
        .expect("kiln bench starts");
    assert!(status.success(), "kiln bench failed: {status}");

    let report: Value =
        serde_json::from_slice(&std::fs::read(out.join("bench.json")).expect("bench.json"))
            .expect("bench.json is JSON");
    let calls = report["calls"].as_array().expect("calls is a list");
    assert_eq!(calls.len(), 1, "--quick measures the add call only");
    let add = &calls[0];
    assert_eq!(add["name"], "add");

    let request = std::fs::read(root().join("benches/calls/add.json")).unwrap();
    for (name, kind) in WASM_PATHS.iter().zip(ArtifactKind::ALL) {
        let path = &add["paths"][*name];
        assert_percentiles(path, name);
        for part in ["instantiate", "execute", "cold", "process"] {
            assert_percentiles(&path[part], &format!("{name} {part}"));
        }
        assert_eq!(path["samples"], 12, "{name}: steady-state samples");
        // The fuel in the report is the fuel of the call, as the runner measures it.
        let runner = Runner::load(&cwasm(kind), Allocation::OnDemand, Limits::default()).unwrap();
        let outcome = runner.call(&request);
        assert!(outcome.error.is_none(), "{:?}", outcome.error);
        let reported = path["fuel"].as_u64().expect("fuel is an integer");
        let drift = (reported as f64 - outcome.metrics.fuel as f64).abs() / reported as f64;
        assert!(
            drift < 0.01,
            "{name}: bench says {reported} fuel, the runner {}",
            outcome.metrics.fuel
        );
    }
    // Ratios are the ratios of the medians shown.
    let median = |name: &str, part: Option<&str>| {
        let path = &add["paths"][name];
        number(part.map_or(path, |p| &path[p]), "median_us")
    };
    for (key, slow, part) in [
        ("plain/snapshot", "plain", None),
        ("bytecode/snapshot", "bytecode", None),
        ("plain/snapshot (cold)", "plain", Some("cold")),
        ("bytecode/snapshot (process)", "bytecode", Some("process")),
    ] {
        let expected = median(slow, part) / median("snapshot", part);
        let got = number(&add["ratios"], key);
        assert!(
            (got - expected).abs() <= 0.051 + expected * 1e-9,
            "{key}: {got} vs {expected:.2}"
        );
    }
    // The snapshot does a fraction of the baselines' work, whatever the timings did.
    let fuel = |name: &str| add["paths"][name]["fuel"].as_u64().unwrap();
    assert!(fuel("snapshot") * 4 < fuel("bytecode"));
    assert!(fuel("bytecode") < fuel("plain"));

    // Artifact sizes are the files' sizes.
    for kind in ArtifactKind::ALL {
        let artifact = artifacts().artifact(kind).unwrap();
        let key = format!("{}_bytes", kind.name());
        let on_disk = std::fs::metadata(&artifact.wasm).unwrap().len();
        assert_eq!(report["artifacts"][&key].as_u64(), Some(on_disk), "{key}");
    }
    assert!(report["instantiation"]["memory_pages"].as_u64().unwrap() > 0);
    assert!(number(&report["throughput"], "jobs1_calls_per_s") > 0.0);

    let table = std::fs::read_to_string(out.join("bench.md")).expect("bench.md");
    assert!(
        table.contains("| add | "),
        "bench.md has a row for add:\n{table}"
    );
    assert!(table.contains("Cold:"), "bench.md has the cold table");
    let chart = std::fs::read_to_string(out.join("bench.svg")).expect("bench.svg");
    assert!(chart.trim_start().starts_with("<svg") || chart.starts_with("<?xml"));
    for name in WASM_PATHS {
        assert!(chart.contains(name), "the chart's legend names {name}");
    }
}

/// This module's trials, named `bench::<test>`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    vec![trial(
        "bench::quick_bench_writes_consistent_table_json_and_chart",
        quick_bench_writes_consistent_table_json_and_chart,
    )]
}
