//! The real Wikifunctions type converters (`../shared/wikifunctions/types-and-converters.json`,
//! unchanged) through kiln on every artifact: every vector of `converter-vectors.json` is
//! reproduced by a Z7 whose argument type (to code) or return type (from code) is the whole Z4
//! with its converters, and the three artifacts give the same answers. Also the fuel of a
//! natural-number equality call with the real converters against the same call with the
//! built-in conversion, and its warm fuel (code cached) against a recorded budget. Without `../shared` these trials are one ignored trial (a failure
//! under `CI=true`).

use crate::common::*;
use kiln_compiler::ArtifactKind;
use kiln_runner::engine::Allocation;
use kiln_runner::{CallOutcome, Limits, Runner};
use libtest_mimic::Trial;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// The implementation that shows what reached the code: `<typeof>:<JSON, BigInt as {$bigint}>`.
const SHOW: &str = "function Z1000(Z1000K1) { return typeof Z1000K1 + \":\" + \
    JSON.stringify(Z1000K1, (k, v) => typeof v === \"bigint\" ? { $bigint: String(v) } : v); }";

struct Data {
    objects: Map<String, Value>,
    cases: Vec<Value>,
}

fn data_dir() -> PathBuf {
    root().join("../shared/wikifunctions")
}

fn load() -> Result<Data, String> {
    let dir = data_dir();
    let read = |name: &str| -> Result<Value, String> {
        let text = std::fs::read(dir.join(name))
            .map_err(|e| format!("the Wikifunctions data ../shared/wikifunctions/{name}: {e}"))?;
        serde_json::from_slice(&text).map_err(|e| format!("{name}: {e}"))
    };
    let objects = read("types-and-converters.json")?["objects"]
        .as_object()
        .cloned()
        .ok_or("types-and-converters.json has no objects")?;
    let cases = read("converter-vectors.json")?["cases"]
        .as_array()
        .cloned()
        .ok_or("converter-vectors.json has no cases")?;
    Ok(Data { objects, cases })
}

/// The Z4 of `zid` with its Z4K7 / Z4K8 converters as whole objects (ZIDs in the file).
fn whole_type(objects: &Map<String, Value>, zid: &str) -> Value {
    kiln::bench::whole_type(objects, zid).unwrap_or_else(|| panic!("{zid} and its converters"))
}

/// A Z7 with an inline Z8: each argument declared of `argument_type`, returning `return_type`.
fn z7(argument_type: &Value, return_type: &Value, code: &str, args: &[(&str, Value)]) -> Vec<u8> {
    let mut declarations = vec![json!("Z17")];
    for (key, _) in args {
        declarations.push(json!({"Z1K1": "Z17", "Z17K1": argument_type, "Z17K2": key,
            "Z17K3": {"Z1K1": "Z12", "Z12K1": ["Z11"]}}));
    }
    let mut call = json!({"Z1K1": "Z7", "Z7K1": {"Z1K1": "Z8", "Z8K1": declarations,
        "Z8K2": return_type, "Z8K3": ["Z20"],
        "Z8K4": ["Z14", {"Z1K1": "Z14", "Z14K1": "Z1000",
            "Z14K3": {"Z1K1": "Z16", "Z16K1": "Z600", "Z16K2": code}}],
        "Z8K5": "Z1000"}});
    for (key, value) in args {
        call[*key] = value.clone();
    }
    call.to_string().into_bytes()
}

/// The request that reproduces one vector.
fn vector_request(data: &Data, vector: &Value) -> Vec<u8> {
    let z4 = whole_type(&data.objects, vector["type"].as_str().unwrap());
    if vector["direction"].as_str().unwrap().starts_with("to code") {
        z7(
            &z4,
            &json!("Z6"),
            SHOW,
            &[("Z1000K1", vector["input"].clone())],
        )
    } else {
        // A JS string literal of the input JSON text (Display writes a Value as JSON).
        let literal = Value::String(vector["input"].to_string());
        let code = format!(
            "function Z1000() {{ return JSON.parse({literal}, (k, v) => v && typeof v === \
             \"object\" && typeof v.$bigint === \"string\" ? BigInt(v.$bigint) : v); }}"
        );
        z7(&json!("Z6"), &z4, &code, &[])
    }
}

fn runner(kind: ArtifactKind, limits: Limits) -> Runner {
    Runner::load(&cwasm(kind), Allocation::OnDemand, limits)
        .unwrap()
        .reproducible(true)
}

fn value(outcome: &CallOutcome) -> Value {
    outcome.envelope().expect("the answer is JSON")["Z22K1"].clone()
}

fn every_vector(kind: ArtifactKind, data: &Data) {
    let runner = runner(kind, Limits::default());
    let snapshot = (kind != ArtifactKind::Snapshot)
        .then(|| self::runner(ArtifactKind::Snapshot, Limits::default()));
    for (i, vector) in data.cases.iter().enumerate() {
        let context = format!(
            "{}: vector {} ({} {} of {})",
            kind.name(),
            i + 1,
            vector["direction"],
            vector["converter"],
            vector["type"]
        );
        let request = vector_request(data, vector);
        let outcome = runner.call(&request);
        assert_eq!(outcome.error, None, "{context}: {}", outcome.answer);
        let got = value(&outcome);
        if vector["direction"].as_str().unwrap().starts_with("to code") {
            let shown = got["Z6K1"].as_str().expect("a Z6 answer");
            let (js_type, json_text) = shown.split_once(':').expect("typeof:JSON");
            assert_eq!(js_type, vector["expected"]["jsType"], "{context}");
            let reached: Value = serde_json::from_str(json_text).unwrap();
            assert_eq!(reached, vector["expected"]["value"], "{context}");
        } else {
            assert_eq!(got, vector["expected"]["value"], "{context}");
        }
        // Differential: the baselines answer exactly as the snapshot does.
        if let Some(snapshot) = &snapshot {
            assert_eq!(
                outcome.answer,
                snapshot.call(&request).answer,
                "{context}: differs from the snapshot"
            );
        }
    }
}

fn converters_in_use(kind: ArtifactKind, data: &Data) {
    let runner = runner(kind, Limits::default());
    let month = whole_type(&data.objects, "Z16098");
    let same = runner.call(&z7(
        &month,
        &json!("Z40"),
        "function Z1000(Z1000K1, Z1000K2) { return Z1000K1 === Z1000K2; }",
        &[
            ("Z1000K1", json!({"Z1K1": "Z16098", "Z16098K1": "Z16102"})),
            (
                "Z1000K2",
                json!({"Z1K1": {"Z1K1": "Z9", "Z9K1": "Z16098"},
                    "Z16098K1": {"Z1K1": "Z9", "Z9K1": "Z16102"}}),
            ),
        ],
    ));
    assert_eq!(
        value(&same),
        json!({"Z1K1": {"Z1K1": "Z9", "Z9K1": "Z40"}, "Z40K1": {"Z1K1": "Z9", "Z9K1": "Z41"}}),
        "{}: two equal months compare equal: {}",
        kind.name(),
        same.answer
    );
    let natural = whole_type(&data.objects, "Z13518");
    let sum = runner.call(&z7(
        &json!({"Z1K1": "Z7", "Z7K1": "Z881", "Z881K1": natural}),
        &natural,
        "function Z1000(Z1000K1) { return Z1000K1.reduce((a, b) => a + b, 0n); }",
        &[(
            "Z1000K1",
            json!(["Z13518", {"Z1K1": "Z13518", "Z13518K1": "20"},
                {"Z1K1": "Z13518", "Z13518K1": "22"}]),
        )],
    ));
    assert_eq!(
        value(&sum),
        json!({"Z1K1": {"Z1K1": "Z9", "Z9K1": "Z13518"}, "Z13518K1": {"Z1K1": "Z6", "Z6K1": "42"}}),
        "{}: a list of naturals arrives as BigInts: {}",
        kind.name(),
        sum.answer
    );
}

/// Fuel of the natural-eq bench call (`kiln::bench::natural_equality` with the real Z13518)
/// on the snapshot artifact with its code and its function plan loaded compiled (the second
/// call), as recorded: the
/// converter path's regression budget (issue 14; its goal, 1.3 × the add call, is not met).
const NATURAL_EQ_WARM: u64 = 268_944;

/// How far natural-eq's warm fuel may drift from the recorded value.
const TOLERANCE: f64 = 0.03;

fn natural_equality_warm_stays_within_its_budget(data: &Data) {
    let request = kiln::bench::natural_equality(&whole_type(&data.objects, "Z13518"));
    // The first call reads the definition and keeps its plan (the code it missed is compiled
    // after the call); the second reads the plan and loads the code compiled (the answers are
    // compared there).
    let (cold, warm, stats) = crate::fuel::cold_and_warm(&request);
    assert_eq!(
        value(&warm),
        json!({"Z1K1": {"Z1K1": "Z9", "Z9K1": "Z40"}, "Z40K1": {"Z1K1": "Z9", "Z9K1": "Z41"}}),
        "{}",
        warm.answer
    );
    let warm = warm.metrics.fuel;
    // The implementation and the one JavaScript converter used (Z46 to code) on the second
    // call; the plan itself.
    assert_eq!((stats.hits, stats.function_hits), (2, 1), "{stats:?}");
    eprintln!("fuel: natural-eq cold {cold}, warm {warm}");
    let drift = (warm as f64 - NATURAL_EQ_WARM as f64) / NATURAL_EQ_WARM as f64;
    assert!(
        drift.abs() <= TOLERANCE,
        "natural-eq with its code cached used {warm} fuel (cold: {cold}), {:+.1}% from the \
         recorded {NATURAL_EQ_WARM} (tolerance ±{:.0}%). If the change is intended, set \
         NATURAL_EQ_WARM to {warm} in tests/all/converters.rs.",
        drift * 100.0,
        TOLERANCE * 100.0
    );
}

fn fuel_of_natural_equality(data: &Data) {
    let limits = Limits {
        fuel: Some(u64::MAX / 2),
        ..Limits::default()
    };
    let runner = runner(ArtifactKind::Snapshot, limits);
    let measure = |request: &[u8]| {
        let outcome = runner.call(request);
        assert_eq!(
            value(&outcome),
            json!({"Z1K1": {"Z1K1": "Z9", "Z9K1": "Z40"}, "Z40K1": {"Z1K1": "Z9", "Z9K1": "Z41"}}),
            "{}",
            outcome.answer
        );
        outcome.metrics.fuel
    };
    let built_in = measure(&kiln::bench::natural_equality(&json!("Z13518")));
    let converted = measure(&kiln::bench::natural_equality(&whole_type(
        &data.objects,
        "Z13518",
    )));
    eprintln!(
        "fuel: natural-number equality on the snapshot: built-in conversion {built_in}, real \
         converters {converted} ({:.2}×)",
        converted as f64 / built_in as f64
    );
    // The converter's code is evaluated once per call and run per argument: more work than
    // the built-in BigInt, but the same order of magnitude.
    assert!(
        converted > built_in && converted < 5 * built_in,
        "built-in {built_in}, converters {converted}"
    );
}

pub fn trials() -> Vec<Trial> {
    let data = match load() {
        Ok(data) => Arc::new(data),
        Err(reason) => return vec![absent_corpus_trial("converters", &reason)],
    };
    let mut trials = Vec::new();
    for kind in ArtifactKind::ALL {
        let d = data.clone();
        trials.push(trial(
            format!("{}::converters::every_real_vector", kind.name()),
            move || every_vector(kind, &d),
        ));
        let d = data.clone();
        trials.push(trial(
            format!("{}::converters::real_converters_in_use", kind.name()),
            move || converters_in_use(kind, &d),
        ));
    }
    let d = data.clone();
    trials.push(trial(
        "fuel::natural_equality_warm_stays_within_its_budget",
        move || natural_equality_warm_stays_within_its_budget(&d),
    ));
    trials.push(trial(
        "fuel::natural_equality_with_real_converters_vs_built_in",
        move || fuel_of_natural_equality(&data),
    ));
    trials
}
