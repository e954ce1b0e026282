//! The calls the benchmark measures: the standard set for kiln's own executor
//! (`benches/calls/`), or request files given for a custom executor.

use anyhow::{ensure, Context, Result};
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
/// strings, and one whose community code is about 10 KB.
pub fn default_calls() -> Vec<BenchCall> {
    vec![
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
    ]
}
