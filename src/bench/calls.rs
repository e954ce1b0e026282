//! The standard call set the benchmark measures (`benches/calls/`).

/// One benchmark call: a name and its request.
#[derive(Clone, Debug)]
pub struct BenchCall {
    /// Short name, used as the row label and the request file's stem.
    pub name: &'static str,
    /// The request document, as `kiln run` reads it.
    pub request: &'static [u8],
}

/// The standard call set (`benches/calls/`): the add call, one heavy on lists, one heavy on
/// strings, and one whose community code is about 10 KB.
pub fn default_calls() -> Vec<BenchCall> {
    vec![
        BenchCall {
            name: "add",
            request: include_bytes!("../../benches/calls/add.json"),
        },
        BenchCall {
            name: "lists",
            request: include_bytes!("../../benches/calls/lists.json"),
        },
        BenchCall {
            name: "strings",
            request: include_bytes!("../../benches/calls/strings.json"),
        },
        BenchCall {
            name: "code-10k",
            request: include_bytes!("../../benches/calls/code10k.json"),
        },
    ]
}
