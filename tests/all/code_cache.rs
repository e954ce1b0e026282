//! The compiled-code cache against code made to confuse it (`<kind>::code_cache::<case>`):
//! texts that differ only in a comment or in a Unicode escape, one code under two function
//! names, code that can tell a first run from a second, code that does not compile, a code
//! string too big to cache, and a cache filled past its bound. Each case runs in one
//! `kiln run --jsonl --stats` process (so later calls load what earlier ones compiled) and is
//! compared with the answers of the same requests without a cache; the cache's counters
//! (`--stats`) show the cache was really used. The same for function plans (a Z7's inline
//! definition read once): definitions one byte apart, repeated and escaped keys, envelopes,
//! definitions the executor refuses, and what community code can reach. The corpus, conformance and fuzz differentials
//! (cache on ≡ cache off ≡ plain) live with those trials.

use crate::common::*;
use kiln_compiler::ArtifactKind;
use kiln_runner::engine::Allocation;
use kiln_runner::{CodeCache, Limits, Runner};
use libtest_mimic::Trial;
use serde_json::{json, Value};
use std::sync::Arc;

/// An executor-form request for `code`, calling `name` with string arguments.
fn request(code: &str, name: &str, args: &[&str]) -> Vec<u8> {
    let mut arguments = serde_json::Map::new();
    for (i, arg) in args.iter().enumerate() {
        arguments.insert(
            format!("{name}K{}", i + 1),
            json!({"Z1K1": "Z6", "Z6K1": arg}),
        );
    }
    json!({"codeString": code, "functionName": name, "functionArguments": arguments})
        .to_string()
        .into_bytes()
}

/// The cache's counters as `--stats` prints them: (name, value) pairs.
struct Stats(Vec<(String, u64)>);

impl Stats {
    fn parse(stderr: &str) -> Self {
        let line = stderr
            .lines()
            .find(|l| l.starts_with("kiln: code cache:"))
            .unwrap_or_else(|| panic!("no code cache counters in stderr:\n{stderr}"));
        let mut pairs = Vec::new();
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            if let Ok(n) = pair[0].parse::<u64>() {
                pairs.push((pair[1].to_string(), n));
            }
        }
        Stats(pairs)
    }

    /// The function-plan counters: (plan-misses, plans-kept, plan-hits).
    fn plans(&self) -> (u64, u64, u64) {
        (
            self.get("plan-misses"),
            self.get("plans-kept"),
            self.get("plan-hits"),
        )
    }

    fn get(&self, name: &str) -> u64 {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.0))
    }
}

/// `lines` through one `kiln run --jsonl --stats` process with the cache on: the answers and
/// the counters.
fn cached(kind: ArtifactKind, lines: &[Vec<u8>], extra: &[&str]) -> (Vec<Value>, Stats) {
    let mut args = vec!["--deterministic", "--stats"];
    args.extend_from_slice(extra);
    let (answers, stderr) = run_jsonl_with_stderr(&cwasm(kind), lines, &args);
    (answers, Stats::parse(&stderr))
}

/// The same lines without a cache.
fn uncached(kind: ArtifactKind, lines: &[Vec<u8>]) -> Vec<Value> {
    run_jsonl(
        &cwasm(kind),
        lines,
        &["--deterministic", "--code-cache-mb", "0"],
    )
}

/// Runs `lines` with the cache (`extra`: its flags) and without: the answers must be the same,
/// byte for byte.
fn same_with_and_without(
    kind: ArtifactKind,
    lines: &[Vec<u8>],
    extra: &[&str],
) -> (Vec<Value>, Stats) {
    let (with, stats) = cached(kind, lines, extra);
    let without = uncached(kind, lines);
    for (i, (a, b)) in with.iter().zip(&without).enumerate() {
        assert_eq!(
            a, b,
            "request {i}: the cached answer differs from the uncached one"
        );
    }
    (with, stats)
}

fn value(answer: &Value) -> String {
    string_value(answer).unwrap_or_else(|| panic!("not a string value: {answer}"))
}

/// A function that answers its own source text: a text compiled from the other text would
/// answer the other source.
const SELF_SOURCE: &str = "function Z1000() { return String(Z1000); }";

fn comment_only_difference(kind: ArtifactKind) {
    let a = request(SELF_SOURCE, "Z1000", &[]);
    let b = request(
        &format!("{SELF_SOURCE} // same code, one comment more"),
        "Z1000",
        &[],
    );
    let c = request(&SELF_SOURCE.replace("return", "/* */ return"), "Z1000", &[]);
    let (answers, stats) =
        same_with_and_without(kind, &[a.clone(), a, b.clone(), b, c.clone(), c], &[]);
    assert_eq!(value(&answers[0]), SELF_SOURCE);
    assert_eq!(value(&answers[1]), SELF_SOURCE);
    assert_eq!(
        value(&answers[4]),
        SELF_SOURCE.replace("return", "/* */ return")
    );
    assert_eq!((stats.get("misses"), stats.get("hits")), (3, 3));
}

fn unicode_escape_of_an_identifier(kind: ArtifactKind) {
    let plain = "function Z1000() { var abc = 'x'; return abc + String(Z1000); }";
    let escaped = "function Z1000() { var \\u0061bc = 'x'; return abc + String(Z1000); }";
    let lines = [
        request(plain, "Z1000", &[]),
        request(escaped, "Z1000", &[]),
        request(plain, "Z1000", &[]),
        request(escaped, "Z1000", &[]),
    ];
    let (answers, stats) = same_with_and_without(kind, &lines, &[]);
    assert_eq!(value(&answers[2]), format!("x{plain}"));
    assert_eq!(value(&answers[3]), format!("x{escaped}"));
    assert_eq!((stats.get("misses"), stats.get("hits")), (2, 2));
}

fn one_code_two_function_names(kind: ArtifactKind) {
    let code = "function Z1000(x) { return 'one:' + x; }\nfunction Z1001(x) { return 'two:' + x; }";
    let first = request(code, "Z1000", &["a"]);
    let second = request(code, "Z1001", &["a"]);
    let lines = [first.clone(), second.clone(), first, second];
    let (answers, stats) = same_with_and_without(kind, &lines, &[]);
    let values: Vec<String> = answers.iter().map(value).collect();
    assert_eq!(values, ["one:a", "two:a", "one:a", "two:a"]);
    assert_eq!((stats.get("misses"), stats.get("hits")), (2, 2));
}

/// Code that would behave differently on a second run if anything of the first (state,
/// positions, source text, the way it was loaded) reached it.
fn code_that_could_tell_its_second_run(kind: ArtifactKind) {
    let code = r#"
        globalThis.runs = (globalThis.runs || 0) + 1;
        var topLevelStack = new Error('here').stack;
        function Z1000() {
            if (globalThis.runs !== 1) throw new Error('second run: ' + globalThis.runs);
            var inner = (function () { return new Error('inner').stack; })();
            return [topLevelStack, inner, String(Z1000), typeof eval,
                    Object.keys(globalThis).join(',')].join('\n---\n');
        }"#;
    let line = request(code, "Z1000", &[]);
    let (answers, stats) = same_with_and_without(kind, &[line.clone(), line.clone(), line], &[]);
    assert_eq!(answers[0], answers[2]);
    let text = value(&answers[2]);
    assert!(
        text.contains("<input>:"),
        "stack positions name the evaluated code: {text}"
    );
    assert!(
        !text.contains("__kiln"),
        "nothing of kiln's is visible: {text}"
    );
    assert_eq!((stats.get("misses"), stats.get("hits")), (1, 2));
}

/// Code that breaks out of the function it is wrapped in and declares at the top level of the
/// evaluated text: indirect eval's scoping must hold for loaded code too.
fn code_breaking_out_of_its_wrapper(kind: ArtifactKind) {
    let code = "}; let lexical = 1; var variable = 2; function Z1000() { \
        return [typeof lexical, typeof globalThis.lexical, delete globalThis.variable, \
        typeof globalThis.variable].join(' '); } 0, function () {";
    let line = request(code, "Z1000", &[]);
    let (answers, stats) = same_with_and_without(kind, &[line.clone(), line], &[]);
    assert_eq!(value(&answers[1]), "number undefined true undefined");
    assert_eq!((stats.get("misses"), stats.get("hits")), (1, 1));
}

fn code_that_does_not_compile(kind: ArtifactKind) {
    let line = request("function Z1000( { return 1; }", "Z1000", &[]);
    let (answers, stats) = same_with_and_without(kind, &[line.clone(), line.clone(), line], &[]);
    for answer in &answers {
        assert_error(
            answer,
            Some("Z507"),
            "SyntaxError",
            "a syntax error, cached or not",
        );
    }
    assert_eq!(answers[0], answers[2]);
    // The syntax error is cached: the second and third calls are hits.
    assert_eq!((stats.get("misses"), stats.get("hits")), (1, 2));
}

fn a_huge_code_string(kind: ArtifactKind) {
    // Over a quarter of a 1 MiB cache: evaluated every time, never compiled into it.
    let filler = "x".repeat(400 << 10);
    let code = format!("function Z1000() {{ return '{filler}'.length + ''; }}");
    let line = request(&code, "Z1000", &[]);
    let (answers, stats) =
        same_with_and_without(kind, &[line.clone(), line], &["--code-cache-mb", "1"]);
    assert_eq!(value(&answers[1]), (400 << 10).to_string());
    assert_eq!(stats.get("misses"), 1);
    assert_eq!(
        stats.get("uncacheable"),
        1,
        "the second lookup knows not to wait for it"
    );
    assert!(stats.get("bytes") < 1024, "nothing of it is kept");
}

fn a_cache_filled_past_its_bound(kind: ArtifactKind) {
    // 40 distinct codes of about 24 KiB (bytecode keeps the source: more) through a 1 MiB cache.
    let codes: Vec<String> = (0..40)
        .map(|i| {
            format!(
                "function Z1000() {{ return '{i}:' + '{}'.length; }}",
                "y".repeat(24 << 10)
            )
        })
        .collect();
    let mut lines: Vec<Vec<u8>> = codes.iter().map(|c| request(c, "Z1000", &[])).collect();
    // The first codes again: evicted by now, so compiled again, still right.
    lines.extend(codes[..3].iter().map(|c| request(c, "Z1000", &[])));
    let (answers, stats) = same_with_and_without(kind, &lines, &["--code-cache-mb", "1"]);
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(value(answer), format!("{}:{}", i % 40, 24 << 10));
    }
    assert!(stats.get("evictions") > 0, "the bound was reached");
    assert!(stats.get("bytes") <= 1 << 20, "the bound holds");
    assert_eq!(stats.get("misses"), 43, "evicted codes miss again");
}

// --- function plans: a Z7's inline definition read once (guest/src/function.rs) ----------

/// A type Z100010 whose converters wrap a string: `<tag>(` + the Z6 + `)` to code, and back.
fn tagged_type(tag: &str) -> Value {
    let to = format!("function Z100011(x) {{ return '{tag}(' + x.Z100010K1.Z6K1 + ')'; }}");
    let from = "function Z100012(s) { return { Z1K1: 'Z100010', Z100010K1: String(s) }; }";
    json!({"Z1K1": "Z4", "Z4K1": "Z100010", "Z4K2": ["Z3"],
        "Z4K7": ["Z46", {"Z1K1": "Z46", "Z46K1": "Z100011", "Z46K2": "Z100010",
            "Z46K3": {"Z1K1": "Z16", "Z16K1": "Z600", "Z16K2": to}}],
        "Z4K8": ["Z64", {"Z1K1": "Z64", "Z64K1": "Z100012", "Z64K2": "Z100010",
            "Z64K3": {"Z1K1": "Z16", "Z16K1": "Z600", "Z16K2": from}}]})
}

/// An inline Z8 Z1000 of two arguments of `argument_type` returning a Z6, running `code`.
fn definition(argument_type: &Value, code: &str) -> Value {
    let declaration = |key: &str| {
        json!({"Z1K1": "Z17", "Z17K1": argument_type, "Z17K2": key,
            "Z17K3": {"Z1K1": "Z12", "Z12K1": ["Z11"]}})
    };
    json!({"Z1K1": "Z8", "Z8K1": ["Z17", declaration("Z1000K1"), declaration("Z1000K2")],
        "Z8K2": "Z6", "Z8K3": ["Z20"],
        "Z8K4": ["Z14", {"Z1K1": "Z14", "Z14K1": "Z1000",
            "Z14K3": {"Z1K1": "Z16", "Z16K1": "Z600", "Z16K2": code}}],
        "Z8K5": "Z1000"})
}

const JOIN: &str = "function Z1000(a, b) { return a + '+' + b; }";

/// The Z7 members of a call of `definition` on two Z100010 values.
fn call_members(definition: &Value, a: &str, b: &str) -> serde_json::Map<String, Value> {
    let value = |s: &str| json!({"Z1K1": "Z100010", "Z100010K1": s});
    let mut members = serde_json::Map::new();
    members.insert("Z1K1".into(), json!("Z7"));
    members.insert("Z7K1".into(), definition.clone());
    members.insert("Z1000K1".into(), value(a));
    members.insert("Z1000K2".into(), value(b));
    members
}

fn z7(definition: &Value, a: &str, b: &str) -> Vec<u8> {
    Value::Object(call_members(definition, a, b))
        .to_string()
        .into_bytes()
}

/// The same definition with other arguments: read once, then its plan each time.
fn function_plan_same_definition_other_arguments(kind: ArtifactKind) {
    let def = definition(&tagged_type("t"), JOIN);
    let lines: Vec<Vec<u8>> = (0..4).map(|i| z7(&def, &format!("a{i}"), "b")).collect();
    let (answers, stats) = same_with_and_without(kind, &lines, &[]);
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(value(answer), format!("t(a{i})+t(b)"));
    }
    assert_eq!(stats.plans(), (1, 1, 3));
}

/// Calls of one definition whose argument keys are not the declared ones (one missing, one
/// more, members in another order): the plan's converters still go to the right keys.
fn function_plan_calls_with_other_keys(kind: ArtifactKind) {
    let def = definition(&tagged_type("t"), JOIN);
    let value = |s: &str| json!({"Z1K1": "Z100010", "Z100010K1": s});
    let mut requests = Vec::new();
    requests.push(z7(&def, "a", "b"));
    let mut missing = call_members(&def, "a", "b");
    missing.remove("Z1000K1");
    requests.push(Value::Object(missing).to_string().into_bytes());
    let mut more = call_members(&def, "a", "b");
    more.insert("Z1000K3".into(), value("c"));
    requests.push(Value::Object(more).to_string().into_bytes());
    let reordered = format!(
        "{{\"Z1000K2\":{},\"Z7K1\":{def},\"Z1000K1\":{},\"Z1K1\":\"Z7\"}}",
        value("b"),
        value("a")
    );
    requests.push(reordered.into_bytes());
    let lines: Vec<Vec<u8>> = requests.iter().chain(&requests).cloned().collect();
    let (answers, stats) = same_with_and_without(kind, &lines, &[]);
    let shown: Vec<String> = answers
        .iter()
        .map(|a| string_value(a).unwrap_or_else(|| a.to_string()))
        .collect();
    assert_eq!(shown[..4], shown[4..]);
    assert_eq!(shown[0], "t(a)+t(b)");
    assert_eq!(shown[1], "t(b)+undefined", "{answers:?}");
    assert_eq!(shown[2], "t(a)+t(b)");
    assert_eq!(shown[3], "t(a)+t(b)");
    assert_eq!(stats.plans(), (1, 1, 7));
}

/// What the host keeps for a definition is only ever trusted as far as it reads back as a
/// plan: an object that is not one, a value that is not an object, and bytes that are not
/// QuickJS's serialization at all each make the call read its definition (answering as
/// without a cache) and keep a good plan in their place, which the next call uses.
fn function_plan_unusable_plans_are_replaced(kind: ArtifactKind) {
    let def = definition(&tagged_type("t"), JOIN);
    let request = z7(&def, "a", "b");
    let load = || {
        Runner::load(&cwasm(kind), Allocation::OnDemand, Limits::default())
            .expect("the artifact loads")
            .reproducible(true)
    };
    let expected = load().call(&request).answer;
    let cache = Arc::new(CodeCache::new(16 << 20));
    let runner = load().with_code_cache(cache.clone());
    assert_eq!(runner.call(&request).answer, expected);
    let identity = runner.code_cache_identity().expect("a cache");
    let key = CodeCache::function_key(&identity, def.to_string().as_bytes());
    let kept = cache
        .lookup_function(&key)
        .expect("the first call keeps a plan");
    // QuickJS's serialization: its version byte, a checksum of ones (not checked), no atoms,
    // then one value: an empty object (tag 8, no members), or `true` (tag 4).
    let version = kept[0];
    let unusable: [&[u8]; 3] = [
        &[version, 0xff, 0xff, 0xff, 0xff, 0, 8, 0],
        &[version, 0xff, 0xff, 0xff, 0xff, 0, 4],
        b"not a serialization",
    ];
    for bad in unusable {
        cache.store_function(&key, bad);
        let hits = cache.stats().function_hits;
        assert_eq!(runner.call(&request).answer, expected, "with {bad:?} kept");
        assert_eq!(
            cache.stats().function_hits,
            hits + 1,
            "{bad:?} was looked up"
        );
        let replaced = cache.lookup_function(&key).expect("a plan kept");
        assert_ne!(&replaced[..], bad, "{bad:?} was replaced");
        assert_eq!(runner.call(&request).answer, expected);
    }
}

/// Definitions one byte apart (in a converter's code, and in the implementation's): each
/// call gets its own definition's plan.
fn function_plan_definitions_one_byte_apart(kind: ArtifactKind) {
    let defs = [
        definition(&tagged_type("t"), JOIN),
        definition(&tagged_type("u"), JOIN),
        definition(&tagged_type("t"), &JOIN.replace("'+'", "'*'")),
    ];
    let mut lines = Vec::new();
    for _ in 0..2 {
        for def in &defs {
            lines.push(z7(def, "a", "b"));
        }
    }
    let (answers, stats) = same_with_and_without(kind, &lines, &[]);
    let values: Vec<String> = answers.iter().map(value).collect();
    assert_eq!(values[..3], ["t(a)+t(b)", "u(a)+u(b)", "t(a)*t(b)"]);
    assert_eq!(values[..3], values[3..]);
    assert_eq!((stats.get("plans-kept"), stats.get("plan-hits")), (3, 3));
}

/// Requests where which Z7K1 is the call's is not plain from the first member of that name:
/// repeated keys (JSON's last one counts), an escaped key, both places, an envelope, a
/// request with Z1K1 beside a zobject. Each is answered as without a cache, twice.
fn function_plan_ambiguous_places(kind: ArtifactKind) {
    let real = definition(&tagged_type("t"), JOIN);
    let decoy = definition(&tagged_type("decoy"), JOIN);
    let text =
        |members: &serde_json::Map<String, Value>| Value::Object(members.clone()).to_string();
    let plain = text(&call_members(&real, "a", "b"));
    let real_text = real.to_string();
    let decoy_text = decoy.to_string();
    let tail = plain
        .split_once(&format!("\"Z7K1\":{real_text}"))
        .map(|(_, tail)| tail.to_string())
        .expect("the Z7K1 member");
    let requests = [
        // The decoy first, the real definition last: JSON.parse keeps the last.
        format!("{{\"Z1K1\":\"Z7\",\"Z7K1\":{decoy_text},\"Z7K1\":{real_text}{tail}"),
        // The real one first, a reference last: the call has no inline definition.
        format!("{{\"Z1K1\":\"Z7\",\"Z7K1\":{real_text},\"Z7K1\":\"Z1000\"{tail}"),
        // An escaped key is the same key.
        format!("{{\"Z1K1\":\"Z7\",\"Z7\\u004b1\":{real_text}{tail}"),
        // The envelope: the definition is the zobject's.
        format!("{{\"zobject\":{plain},\"requestId\":\"r1\"}}"),
        // A Z1K1 beside the zobject: the request itself is the call (and has no definition).
        format!("{{\"Z1K1\":\"Z7\",\"zobject\":{plain}}}"),
        // Both places: the request's own Z7K1 counts.
        format!("{{\"zobject\":{plain},\"Z1K1\":\"Z7\",\"Z7K1\":{decoy_text}{tail}"),
    ];
    // An executor-form argument named Z7K1 (an object one level down, not a definition).
    let argument = json!({"codeString": "function Z1000(a) { return typeof a + ':' + a; }",
        "functionName": "Z1000",
        "functionArguments": {"Z7K1": {"Z1K1": "Z6", "Z6K1": "x"}}})
    .to_string();
    let mut lines = Vec::new();
    for request in requests.iter().chain([&argument]) {
        assert!(serde_json::from_str::<Value>(request).is_ok(), "{request}");
        lines.push(request.clone().into_bytes());
        lines.push(request.clone().into_bytes());
    }
    let (answers, stats) = same_with_and_without(kind, &lines, &[]);
    let shown: Vec<String> = answers
        .iter()
        .map(|a| string_value(a).unwrap_or_else(|| "error".into()))
        .collect();
    assert_eq!(
        shown,
        [
            "t(a)+t(b)",
            "t(a)+t(b)",
            "error",
            "error",
            "t(a)+t(b)",
            "t(a)+t(b)",
            "t(a)+t(b)",
            "t(a)+t(b)",
            "error",
            "error",
            "decoy(a)+decoy(b)",
            "decoy(a)+decoy(b)",
            "string:x",
            "string:x"
        ]
    );
    assert!(
        answers[7]["Z22K2"].to_string().contains("r1"),
        "the envelope's requestId comes back on a plan hit: {}",
        answers[7]
    );
    // Kept: the escaped key's only (the envelope's definition is the same text, so both of
    // its calls hit); repeated keys, both places and a Z1K1 beside a zobject defer nothing.
    assert_eq!(stats.plans(), (1, 1, 3));
}

/// Code whose JSON text has quotes after runs of 1 to 8 backslashes and brackets inside
/// strings; its answer is `t(a)]}"[{` + four backslashes + `"` + `t(b)`.
const TRICKY: &str =
    r#"function Z1000(a, b) { return a + "]}\"[{" + '\\' + '\\\\' + "\\\"" + b; }"#;

/// The deferred definition's end is found by the host (runner/src/code.rs): with tricky
/// code (quotes after runs of backslashes, brackets in strings) shifted through 64 offsets,
/// every definition is skipped exactly (a wrong end would make the rest of the request
/// unreadable, or the plan another text's).
fn function_plan_skip_at_every_block_offset(kind: ArtifactKind) {
    let mut lines = Vec::new();
    for shift in 0..64 {
        let def = definition(&tagged_type("t"), &format!("{}{TRICKY}", " ".repeat(shift)));
        lines.push(z7(&def, "a", "b"));
        lines.push(z7(&def, "a", "b"));
    }
    let (answers, stats) = same_with_and_without(kind, &lines, &[]);
    for answer in &answers {
        assert_eq!(value(answer), r#"t(a)]}"[{\\\\"t(b)"#);
    }
    assert_eq!(stats.plans(), (64, 64, 64));
}

/// The host reads where a deferred definition ends (serde_json): a definition that is no
/// JSON (a trailing comma, a string cut by a control character, an unclosed object) is left
/// to QuickJS's parser, which answers as without a cache; one that is JSON however odd (a
/// lone surrogate escape, raw UTF-8, brackets in strings) is deferred and its plan kept, and
/// so is one in a pretty-printed request (whitespace before and after it, and inside; one
/// line, as `--jsonl` reads).
fn function_plan_definitions_the_host_reads(kind: ArtifactKind) {
    let def = definition(&tagged_type("t"), JOIN);
    let good = String::from_utf8(z7(&def, "a", "b")).unwrap();
    let marker = r#""Z8K5":"Z1000"}"#;
    assert!(good.contains(marker), "{good}");
    let broken: Vec<String> = [
        r#""Z8K5":"Z1000",}"#,
        "\"Z8K5\":\"Z10\u{1}00\"}",
        r#""Z8K5":"Z1000""#,
    ]
    .iter()
    .map(|b| good.replacen(marker, b, 1))
    .collect();
    let odd = good.replacen(marker, r#""Z8K5":"Z1000","Z8K6":"\ud800 é ]}[{"}"#, 1);
    let pretty = serde_json::to_string_pretty(&Value::Object(call_members(&def, "a", "b")))
        .unwrap()
        .replace('\n', " \t")
        .replace("\"Z7K1\": {", "\"Z7K1\"\t:  {");
    let mut lines = Vec::new();
    for text in broken.iter().chain([&odd, &odd, &pretty, &pretty]) {
        lines.push(text.clone().into_bytes());
    }
    let (answers, stats) = same_with_and_without(kind, &lines, &[]);
    for answer in &answers[..3] {
        assert_error(
            answer,
            Some("Z561"),
            "not valid JSON",
            "a definition that is no JSON",
        );
    }
    for answer in &answers[3..] {
        assert_eq!(value(answer), "t(a)+t(b)");
    }
    assert_eq!(stats.plans(), (2, 2, 2));
}

/// A definition the executor refuses (no JavaScript implementation) leaves no plan, and
/// community code never sees the guest's functions.
fn function_plan_refusals_and_reach(kind: ArtifactKind) {
    let python = json!({"Z1K1": "Z8", "Z8K1": ["Z17"], "Z8K2": "Z6",
        "Z8K4": ["Z14", {"Z1K1": "Z14", "Z14K1": "Z1000",
            "Z14K3": {"Z1K1": "Z16", "Z16K1": "Z610", "Z16K2": "def Z1000(): return 1"}}],
        "Z8K5": "Z1000"});
    let refused = json!({"Z1K1": "Z7", "Z7K1": python})
        .to_string()
        .into_bytes();
    let probe = "function Z1000(a, b) { return [typeof __kiln_function, typeof __kiln_is_zid,         typeof __kiln_json_parse, typeof __kiln_eval, typeof __kiln_json_quote,         typeof __kiln_argument_keys, typeof __kiln_normal_form, JSON.stringify(JSON.parse('{\"Z7K1\":{}}',         'kiln:defer-function'))].join(' '); }";
    let reach = z7(&definition(&tagged_type("t"), probe), "a", "b");
    let lines = [refused.clone(), refused, reach.clone(), reach];
    let (answers, stats) = same_with_and_without(kind, &lines, &[]);
    assert_error(
        &answers[1],
        Some("Z558"),
        "",
        "no JavaScript implementation",
    );
    assert_eq!(
        value(&answers[3]),
        "undefined undefined undefined undefined undefined undefined undefined {\"Z7K1\":{}}"
    );
    assert_eq!(stats.plans(), (3, 1, 1));
}

/// One case, run on one artifact kind.
type Case = fn(ArtifactKind);

/// This module's trials, one per case and artifact kind.
pub fn trials() -> Vec<Trial> {
    let cases: [(&str, Case); 16] = [
        ("comment_only_difference", comment_only_difference),
        (
            "unicode_escape_of_an_identifier",
            unicode_escape_of_an_identifier,
        ),
        ("one_code_two_function_names", one_code_two_function_names),
        (
            "code_that_could_tell_its_second_run",
            code_that_could_tell_its_second_run,
        ),
        (
            "code_breaking_out_of_its_wrapper",
            code_breaking_out_of_its_wrapper,
        ),
        ("code_that_does_not_compile", code_that_does_not_compile),
        ("a_huge_code_string", a_huge_code_string),
        (
            "a_cache_filled_past_its_bound",
            a_cache_filled_past_its_bound,
        ),
        (
            "function_plan_same_definition_other_arguments",
            function_plan_same_definition_other_arguments,
        ),
        (
            "function_plan_definitions_one_byte_apart",
            function_plan_definitions_one_byte_apart,
        ),
        (
            "function_plan_ambiguous_places",
            function_plan_ambiguous_places,
        ),
        (
            "function_plan_definitions_the_host_reads",
            function_plan_definitions_the_host_reads,
        ),
        (
            "function_plan_refusals_and_reach",
            function_plan_refusals_and_reach,
        ),
        (
            "function_plan_calls_with_other_keys",
            function_plan_calls_with_other_keys,
        ),
        (
            "function_plan_unusable_plans_are_replaced",
            function_plan_unusable_plans_are_replaced,
        ),
        (
            "function_plan_skip_at_every_block_offset",
            function_plan_skip_at_every_block_offset,
        ),
    ];
    let mut trials = Vec::new();
    for kind in ArtifactKind::ALL {
        for (name, case) in cases {
            trials.push(trial(
                format!("{}::code_cache::{name}", kind.name()),
                move || case(kind),
            ));
        }
    }
    trials
}
