//! The calls the benchmark measures: the standard set for kiln's own executor
//! (`benches/calls/`), or request files given for a custom executor.

use anyhow::{ensure, Context, Result};
use serde_json::{json, Map, Value};
use std::path::Path;

/// One benchmark call: a name and its request.
#[derive(Clone, Debug)]
pub struct BenchCall {
    /// Short name, used as the row label and the request file's stem.
    pub name: String,
    /// The request document, as `kiln run` reads it.
    pub request: Vec<u8>,
}

impl BenchCall {
    fn of(name: &str, request: &[u8]) -> Self {
        Self {
            name: name.to_string(),
            request: request.to_vec(),
        }
    }
}

/// The calls in request files: a file is one request named by its stem, and a `.jsonl` file
/// is one request per non-empty line, named `stem-1`, `stem-2`, ….
pub fn calls_from_files(files: &[impl AsRef<Path>]) -> Result<Vec<BenchCall>> {
    let mut calls = Vec::new();
    for file in files {
        let file = file.as_ref();
        let text = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "request".to_string());
        if file.extension().is_some_and(|e| e == "jsonl") {
            let lines = text.split(|b| *b == b'\n').filter(|l| !l.is_empty());
            for (index, line) in lines.enumerate() {
                calls.push(BenchCall::of(&format!("{stem}-{}", index + 1), line));
            }
        } else {
            calls.push(BenchCall::of(&stem, &text));
        }
    }
    ensure!(!calls.is_empty(), "the request files hold no request");
    Ok(calls)
}

/// The standard call set (`benches/calls/`): the add call, one heavy on lists, one heavy on
/// strings, two whose community code is about 10 KB and 50 KB, and, when the Wikifunctions
/// data is beside the repository (`../shared/wikifunctions`), natural-number equality through
/// the real type converters of the natural-number type ([`converter_call`]).
pub fn default_calls() -> Vec<BenchCall> {
    let mut calls = vec![
        BenchCall::of("add", include_bytes!("../../benches/calls/add.json")),
        BenchCall::of("lists", include_bytes!("../../benches/calls/lists.json")),
        BenchCall::of(
            "strings",
            include_bytes!("../../benches/calls/strings.json"),
        ),
        BenchCall::of(
            "code-10k",
            include_bytes!("../../benches/calls/code10k.json"),
        ),
        BenchCall::of(
            "code-50k",
            include_bytes!("../../benches/calls/code50k.json"),
        ),
    ];
    if let Some(call) = converter_call(Path::new(SHARED_TYPES)) {
        calls.push(call);
    }
    calls
}

/// Where the Wikifunctions types with their real converters are, from the repository root.
pub const SHARED_TYPES: &str = "../shared/wikifunctions/types-and-converters.json";

/// Natural-number equality (`Z1000K1 === Z1000K2`, answering a Z40) whose two arguments are
/// declared of the natural-number type Z13518 given whole, with its real converters (the Z46
/// to code makes each argument a BigInt); `None` when `types` (the shared Wikifunctions data)
/// cannot be read.
pub fn converter_call(types: &Path) -> Option<BenchCall> {
    let text = std::fs::read(types).ok()?;
    let data: Value = serde_json::from_slice(&text).ok()?;
    let z4 = whole_type(data.get("objects")?.as_object()?, "Z13518")?;
    Some(BenchCall::of("natural-eq", &natural_equality(&z4)))
}

/// The Z4 of `zid` among the Wikifunctions `objects` (ZID → Z2), with its Z4K7 / Z4K8
/// converters given whole instead of by ZID; `None` when something is missing.
pub fn whole_type(objects: &Map<String, Value>, zid: &str) -> Option<Value> {
    let mut z4 = objects.get(zid)?.get("Z2K2")?.clone();
    for key in ["Z4K7", "Z4K8"] {
        let items = z4.get_mut(key)?.as_array_mut()?;
        for item in items.iter_mut().skip(1) {
            let id = item.as_str()?.to_string();
            *item = objects.get(&id)?.get("Z2K2")?.clone();
        }
    }
    Some(z4)
}

/// The natural-number equality call, both arguments declared of `argument_type` (a whole Z4
/// with converters, or the reference `"Z13518"`, which the executor converts to BigInt itself).
pub fn natural_equality(argument_type: &Value) -> Vec<u8> {
    let natural = json!({"Z1K1": "Z13518", "Z13518K1": "12345678901234567890"});
    let declaration = |key: &str| {
        json!({"Z1K1": "Z17", "Z17K1": argument_type, "Z17K2": key,
            "Z17K3": {"Z1K1": "Z12", "Z12K1": ["Z11"]}})
    };
    let request = json!({
        "Z1K1": "Z7",
        "Z7K1": {
            "Z1K1": "Z8",
            "Z8K1": ["Z17", declaration("Z1000K1"), declaration("Z1000K2")],
            "Z8K2": "Z40",
            "Z8K3": ["Z20"],
            "Z8K4": ["Z14", {"Z1K1": "Z14", "Z14K1": "Z1000", "Z14K3": {"Z1K1": "Z16",
                "Z16K1": "Z600",
                "Z16K2": "function Z1000(Z1000K1, Z1000K2) { return Z1000K1 === Z1000K2; }"}}],
            "Z8K5": "Z1000"
        },
        "Z1000K1": natural,
        "Z1000K2": natural,
    });
    request.to_string().into_bytes()
}
