//! Fuel budgets as regression tests (as Javy keeps them): wasmtime fuel counts the instructions
//! a call executes, so it is deterministic for a given artifact and request, unlike time. A
//! change that makes the add call heavier (or lighter) on the snapshot path fails here loudly;
//! when the change is intended, update the recorded value on purpose.

use crate::common::*;
use kiln_compiler::ArtifactKind;
use kiln_runner::engine::Allocation;
use kiln_runner::{CallOutcome, Limits, Runner};

/// Fuel of the add call (`benches/calls/add.json`) on the snapshot artifact, as recorded.
const ADD_FUEL_SNAPSHOT: u64 = 227_029;

/// Fuel of the add call on the snapshot artifact when its code is loaded compiled from the
/// code cache (the second call), as recorded.
const ADD_FUEL_SNAPSHOT_WARM: u64 = 161_641;

/// Issue 14's goals for warm calls: the add call at most 180,000 fuel, and code-10k at least
/// 4× less than the snapshot path took before the code cache (8.85 M).
const ADD_WARM_GOAL: u64 = 180_000;
const CODE10K_WARM_GOAL: u64 = 8_850_000 / 4;

/// How far a measurement may drift from the recorded value.
const TOLERANCE: f64 = 0.03;

fn fuel(kind: ArtifactKind, request: &[u8]) -> u64 {
    let limits = Limits {
        fuel: Some(u64::MAX / 2),
        ..Limits::default()
    };
    let runner = Runner::load(&cwasm(kind), Allocation::OnDemand, limits)
        .unwrap()
        .reproducible(true);
    let first = runner.call(request);
    assert!(first.error.is_none(), "{:?}", first.error);
    let second = runner.call(request);
    assert_eq!(
        first.metrics.fuel, second.metrics.fuel,
        "fuel is deterministic from call to call"
    );
    first.metrics.fuel
}

fn add() -> Vec<u8> {
    std::fs::read(root().join("benches/calls/add.json")).unwrap()
}

fn the_add_call_stays_within_its_fuel_budget() {
    let measured = fuel(ArtifactKind::Snapshot, &add());
    let drift = (measured as f64 - ADD_FUEL_SNAPSHOT as f64) / ADD_FUEL_SNAPSHOT as f64;
    assert!(
        drift.abs() <= TOLERANCE,
        "the add call on the snapshot path used {measured} fuel, {:+.1}% from the recorded \
         {ADD_FUEL_SNAPSHOT} (tolerance ±{:.0}%). If the change is intended, set \
         ADD_FUEL_SNAPSHOT to {measured} in tests/fuel.rs.",
        drift * 100.0,
        TOLERANCE * 100.0
    );
}

fn the_snapshot_does_a_fraction_of_the_baselines_work() {
    // The speedup in instructions, which unlike time does not depend on the machine.
    let request = add();
    let snapshot = fuel(ArtifactKind::Snapshot, &request);
    let bytecode = fuel(ArtifactKind::Bytecode, &request);
    let plain = fuel(ArtifactKind::Plain, &request);
    assert!(
        plain >= 30 * snapshot,
        "plain {plain} vs snapshot {snapshot}: under 30×"
    );
    assert!(
        bytecode >= 4 * snapshot,
        "bytecode {bytecode} vs snapshot {snapshot}: under 4×"
    );
}

/// Fuel of the first call of `request` (its code compiled after it), the second call (its
/// code loaded compiled; the same answer), on one snapshot runner with a code cache, and the
/// cache's counters after both.
pub fn cold_and_warm(request: &[u8]) -> (u64, CallOutcome, kiln_runner::CodeCacheStats) {
    let limits = Limits {
        fuel: Some(u64::MAX / 2),
        ..Limits::default()
    };
    let runner = Runner::load(&cwasm(ArtifactKind::Snapshot), Allocation::OnDemand, limits)
        .unwrap()
        .reproducible(true)
        .with_code_cache(std::sync::Arc::new(kiln_runner::CodeCache::new(16 << 20)));
    let cold = runner.call(request);
    let warm = runner.call(request);
    assert!(
        cold.error.is_none() && warm.error.is_none(),
        "{:?}",
        cold.error
    );
    assert_eq!(
        cold.answer, warm.answer,
        "reproducible answers, cached or not"
    );
    let stats = runner.code_cache().unwrap().stats();
    (cold.metrics.fuel, warm, stats)
}

fn warm_calls_stay_within_their_fuel_budget() {
    let (cold, warm, stats) = cold_and_warm(&add());
    let warm = warm.metrics.fuel;
    assert_eq!(stats.hits, 1, "the add call's code loaded compiled");
    let drift = (warm as f64 - ADD_FUEL_SNAPSHOT_WARM as f64) / ADD_FUEL_SNAPSHOT_WARM as f64;
    assert!(
        drift.abs() <= TOLERANCE,
        "the add call with its code cached used {warm} fuel (cold: {cold}), {:+.1}% from the \
         recorded {ADD_FUEL_SNAPSHOT_WARM} (tolerance ±{:.0}%). If the change is intended, set \
         ADD_FUEL_SNAPSHOT_WARM to {warm} in tests/all/fuel.rs.",
        drift * 100.0,
        TOLERANCE * 100.0
    );
    assert!(
        warm <= ADD_WARM_GOAL,
        "the add call with its code cached used {warm} fuel, over the goal of {ADD_WARM_GOAL}"
    );
    // 10 KB of community code: parsing it is most of the cold call.
    let code10k = std::fs::read(root().join("benches/calls/code10k.json")).unwrap();
    let (cold, warm, stats) = cold_and_warm(&code10k);
    let warm = warm.metrics.fuel;
    assert_eq!(stats.hits, 1, "code-10k's code loaded compiled");
    eprintln!(
        "fuel: code-10k cold {cold}, warm {warm} ({:.2}× less)",
        cold as f64 / warm as f64
    );
    assert!(
        warm <= CODE10K_WARM_GOAL,
        "code-10k: warm {warm}, over the goal of {CODE10K_WARM_GOAL} (8.85 M / 4)"
    );
    assert!(
        7 * warm <= 2 * cold,
        "code-10k: cold {cold}, warm {warm}: under 3.5× less"
    );
}

/// This module's trials, named `fuel::<test>`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    vec![
        trial(
            "fuel::the_add_call_stays_within_its_fuel_budget",
            the_add_call_stays_within_its_fuel_budget,
        ),
        trial(
            "fuel::warm_calls_stay_within_their_fuel_budget",
            warm_calls_stay_within_their_fuel_budget,
        ),
        trial(
            "fuel::the_snapshot_does_a_fraction_of_the_baselines_work",
            the_snapshot_does_a_fraction_of_the_baselines_work,
        ),
    ]
}
