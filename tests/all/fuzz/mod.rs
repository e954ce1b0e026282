//! Differential fuzzing: generated requests (random ZObject arguments, random small community
//! functions) must get byte-identical Z22 answers from the snapshot, bytecode and plain
//! artifacts under deterministic limits, the same answer twice in a row, and answers that keep
//! the protocol's invariants (JSON, a Z22, a void value and a known Z5 on failure; no internal
//! Z500 and no Z561 for these well-formed requests). Some generated functions also carry a
//! model of their answer (type of the value, exact text, error type), which is checked too.
//!
//! `KILN_FUZZ_CASES` sets the number of cases (default 1000); `KILN_FUZZ_SECONDS` instead keeps
//! generating batches until that much time has passed (`make fuzz`); `KILN_FUZZ_SEED` fixes the
//! seed of the first batch (each batch prints its seed, so a failure can be replayed).

use crate::common::*;
use kiln_compiler::ArtifactKind;
use kiln_runner::engine::Allocation;
use kiln_runner::{ErrorType, Limits, Runner};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use serde_json::{json, Map, Value};
use std::fmt;
use std::time::{Duration, Instant};

// --- arguments ---------------------------------------------------------------------------

/// Stand-ins for lone surrogates inside generated argument strings (a Rust string cannot hold
/// one): after serialisation each becomes a `\ud800` / `\udfff` escape in the request JSON.
const LONE_HIGH: char = '\u{10FFFD}';
const LONE_LOW: char = '\u{10FFFC}';

/// A ZObject argument: the value and the encoding choices made for it.
#[derive(Clone, Debug)]
enum Z {
    /// A Z6; `canonical` writes a bare string when that is not ambiguous.
    Str(String, bool),
    /// A Z40: form 0 bare reference, 1 canonical object, 2 normal form.
    Bool(bool, u8),
    /// A Z21 unit; `normal` writes its type as a Z9.
    Null(bool),
    /// A Z13518 from its decimal digits.
    Nat(String, bool),
    /// A Z16683: sign (-1, 0, 1), magnitude digits, form of the sign (0..3).
    Int(i8, String, u8),
    /// A reference to a non-builtin ZID.
    Ref(u32, bool),
    /// A Z881; `canonical` writes `[type, ...items]`.
    List(Vec<Z>, bool),
    /// A Z882.
    Pair(Box<Z>, Box<Z>, bool),
    /// A Z883 from Z6 keys.
    Map(Vec<(String, Z)>, bool),
    /// A user-defined object `Z<zid>` with keys `Z<zid>K1…`; form 0 bare type, 1 Z9, 2 Z4.
    User(u32, Vec<Z>, u8),
}

fn r(zid: &str) -> Value {
    json!({"Z1K1": "Z9", "Z9K1": zid})
}

fn type_ref(zid: &str, normal: bool) -> Value {
    if normal {
        r(zid)
    } else {
        Value::String(zid.to_string())
    }
}

fn generic(function: &str, args: &[Value], normal: bool) -> Value {
    let mut object = Map::new();
    object.insert("Z1K1".into(), type_ref("Z7", normal));
    object.insert("Z7K1".into(), type_ref(function, normal));
    for (i, arg) in args.iter().enumerate() {
        object.insert(format!("{function}K{}", i + 1), arg.clone());
    }
    Value::Object(object)
}

fn looks_like_zid(text: &str) -> bool {
    text.starts_with('Z')
}

impl Z {
    /// The declared type of this value (what a typed list or map states for its elements).
    fn type_of(&self, normal: bool) -> Value {
        match self {
            Z::Str(..) => type_ref("Z6", normal),
            Z::Bool(..) => type_ref("Z40", normal),
            Z::Null(_) => type_ref("Z21", normal),
            Z::Nat(..) => type_ref("Z13518", normal),
            Z::Int(..) => type_ref("Z16683", normal),
            Z::Ref(..) => type_ref("Z9", normal),
            Z::List(items, _) => generic("Z881", &[element_type(items, normal)], normal),
            Z::Pair(a, b, _) => generic("Z882", &[a.type_of(normal), b.type_of(normal)], normal),
            Z::Map(entries, _) => {
                let values: Vec<Z> = entries.iter().map(|(_, v)| v.clone()).collect();
                generic(
                    "Z883",
                    &[type_ref("Z6", normal), element_type(&values, normal)],
                    normal,
                )
            }
            Z::User(zid, ..) => type_ref(&format!("Z{zid}"), normal),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Z::Str(text, canonical) => {
                if *canonical && !looks_like_zid(text) {
                    Value::String(text.clone())
                } else {
                    json!({"Z1K1": "Z6", "Z6K1": text})
                }
            }
            Z::Bool(value, form) => {
                let zid = if *value { "Z41" } else { "Z42" };
                match form {
                    0 => Value::String(zid.into()),
                    1 => json!({"Z1K1": "Z40", "Z40K1": zid}),
                    _ => json!({"Z1K1": r("Z40"), "Z40K1": r(zid)}),
                }
            }
            Z::Null(normal) => json!({"Z1K1": type_ref("Z21", *normal)}),
            Z::Nat(digits, normal) => natural(digits, *normal),
            Z::Int(sign, digits, form) => {
                let (sign, digits) = match sign {
                    0 => ("Z16661", "0".to_string()),
                    s if *s > 0 => ("Z16660", digits.clone()),
                    _ => ("Z16662", digits.clone()),
                };
                let sign_value = match form {
                    0 => Value::String(sign.into()),
                    1 => json!({"Z1K1": "Z16659", "Z16659K1": sign}),
                    _ => json!({"Z1K1": r("Z16659"), "Z16659K1": r(sign)}),
                };
                let normal = *form == 2;
                json!({
                    "Z1K1": type_ref("Z16683", normal),
                    "Z16683K1": sign_value,
                    "Z16683K2": natural(&digits, normal),
                })
            }
            Z::Ref(zid, normal) => {
                let zid = format!("Z{zid}");
                if *normal {
                    r(&zid)
                } else {
                    Value::String(zid)
                }
            }
            Z::List(items, canonical) => {
                let item_type = element_type(items, !canonical);
                if *canonical {
                    let mut array = vec![item_type];
                    array.extend(items.iter().map(Z::to_json));
                    Value::Array(array)
                } else {
                    let list_type = generic("Z881", &[item_type], true);
                    linked(&list_type, items.iter().map(Z::to_json).collect())
                }
            }
            Z::Pair(a, b, normal) => json!({
                "Z1K1": generic("Z882", &[a.type_of(*normal), b.type_of(*normal)], *normal),
                "K1": a.to_json(),
                "K2": b.to_json(),
            }),
            Z::Map(entries, canonical) => {
                let normal = !canonical;
                let values: Vec<Z> = entries.iter().map(|(_, v)| v.clone()).collect();
                let value_type = element_type(&values, normal);
                let pair_type = generic(
                    "Z882",
                    &[type_ref("Z6", normal), value_type.clone()],
                    normal,
                );
                let pairs: Vec<Value> = entries
                    .iter()
                    .map(|(k, v)| {
                        json!({"Z1K1": pair_type.clone(), "K1": Z::Str(k.clone(), *canonical).to_json(), "K2": v.to_json()})
                    })
                    .collect();
                let list = if *canonical {
                    let mut array = vec![pair_type];
                    array.extend(pairs);
                    Value::Array(array)
                } else {
                    linked(&generic("Z881", &[pair_type], true), pairs)
                };
                json!({
                    "Z1K1": generic("Z883", &[type_ref("Z6", normal), value_type], normal),
                    "K1": list,
                })
            }
            Z::User(zid, fields, form) => {
                let id = format!("Z{zid}");
                let mut object = Map::new();
                let kind = match form {
                    0 => Value::String(id.clone()),
                    1 => r(&id),
                    _ => json!({"Z1K1": "Z4", "Z4K1": id.clone(), "Z4K2": []}),
                };
                object.insert("Z1K1".into(), kind);
                for (i, field) in fields.iter().enumerate() {
                    object.insert(format!("{id}K{}", i + 1), field.to_json());
                }
                Value::Object(object)
            }
        }
    }

    /// `typeof` of the decoded JavaScript value.
    fn js_typeof(&self) -> &'static str {
        match self {
            Z::Str(..) => "string",
            Z::Bool(..) => "boolean",
            Z::Nat(..) | Z::Int(..) => "bigint",
            _ => "object",
        }
    }

    fn contains_bigint(&self) -> bool {
        match self {
            Z::Nat(..) | Z::Int(..) => true,
            Z::List(items, _) => items.iter().any(Z::contains_bigint),
            Z::Pair(a, b, _) => a.contains_bigint() || b.contains_bigint(),
            // JSON.stringify writes a Map as {} without looking inside.
            Z::Map(..) => false,
            Z::User(_, fields, _) => fields.iter().any(Z::contains_bigint),
            _ => false,
        }
    }
}

fn natural(digits: &str, normal: bool) -> Value {
    if normal {
        json!({"Z1K1": r("Z13518"), "Z13518K1": {"Z1K1": "Z6", "Z6K1": digits}})
    } else {
        json!({"Z1K1": "Z13518", "Z13518K1": digits})
    }
}

/// The common type of `items`, else Z1.
fn element_type(items: &[Z], normal: bool) -> Value {
    let types: Vec<Value> = items.iter().map(|z| z.type_of(normal)).collect();
    match types.first() {
        Some(first) if types.iter().all(|t| t == first) => first.clone(),
        _ => type_ref("Z1", normal),
    }
}

/// A normal-form typed list: the K1/K2 chain.
fn linked(list_type: &Value, items: Vec<Value>) -> Value {
    let mut node = json!({"Z1K1": list_type.clone()});
    for item in items.into_iter().rev() {
        node = json!({"Z1K1": list_type.clone(), "K1": item, "K2": node});
    }
    node
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z ]{0,8}",
        2 => "[a-zA-Z0-9\"'\\\\/\\n\\t\u{0}\u{1}\u{1f}\u{7f}é漢\u{2028}\u{2029}\u{301}\u{1F600}\u{FEFF}\u{10FFFD}\u{10FFFC}]{0,8}",
        1 => "\\PC{0,6}",
        1 => "Z[1-9][0-9]{0,4}(K[0-9])?",
        1 => Just(String::new()),
    ]
}

fn digits() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}",
        "[1-9][0-9]{0,30}",
        Just("0".to_string()),
        Just("007".to_string()),
    ]
}

fn leaf() -> impl Strategy<Value = Z> {
    prop_oneof![
        4 => (text(), any::<bool>()).prop_map(|(s, c)| Z::Str(s, c)),
        2 => (any::<bool>(), 0u8..3).prop_map(|(b, f)| Z::Bool(b, f)),
        1 => any::<bool>().prop_map(Z::Null),
        2 => (digits(), any::<bool>()).prop_map(|(d, n)| Z::Nat(d, n)),
        2 => (-1i8..=1, digits(), 0u8..3).prop_map(|(s, d, f)| Z::Int(s, d, f)),
        1 => (10000u32..10004, any::<bool>()).prop_map(|(z, n)| Z::Ref(z, n)),
    ]
}

fn zobject() -> impl Strategy<Value = Z> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            2 => (prop::collection::vec(inner.clone(), 0..4), any::<bool>())
                .prop_map(|(items, c)| Z::List(items, c)),
            2 => (prop::collection::vec(text(), 0..4), any::<bool>(), any::<bool>()).prop_map(
                |(items, c, sc)| Z::List(items.into_iter().map(|s| Z::Str(s, sc)).collect(), c)
            ),
            1 => (inner.clone(), inner.clone(), any::<bool>())
                .prop_map(|(a, b, n)| Z::Pair(Box::new(a), Box::new(b), n)),
            1 => (prop::collection::vec((text(), inner.clone()), 0..3), any::<bool>())
                .prop_map(|(entries, c)| Z::Map(entries, c)),
            1 => (10000u32..10003, prop::collection::vec(inner, 0..3), 0u8..3)
                .prop_map(|(zid, fields, form)| Z::User(zid, fields, form)),
        ]
    })
}

// --- community functions -------------------------------------------------------------------

/// The choices a function is built from, consumed in order; a missing choice is 0, and
/// choice 0 is always the simplest option, so shrinking the tape simplifies the function.
struct Tape<'a> {
    data: &'a [u8],
    at: usize,
}

impl Tape<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let value = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        value as usize % n
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Str,
    Num,
    Bool,
    Big,
    Arr,
    Any,
}

/// A generated expression: its source, whether evaluating it can throw (`safe` = it cannot),
/// whether its value can be serialised (`ser`), and whether the generator knows that for sure
/// (`sure`: false once an operation such as `slice` may have dropped the part that could not).
struct Expr {
    code: String,
    safe: bool,
    ser: bool,
    sure: bool,
}

impl Expr {
    fn new(code: impl Into<String>) -> Self {
        Expr {
            code: code.into(),
            safe: true,
            ser: true,
            sure: true,
        }
    }
    fn unsafe_if(mut self, cond: bool) -> Self {
        self.safe &= !cond;
        self
    }
}

/// String literals as JavaScript source (quotes, backslashes, unicode, lone surrogates).
const LITERALS: &[&str] = &[
    "'a'",
    "''",
    "'hello world'",
    "\"say \\\"hi\\\"\"",
    "'back\\\\slash'",
    "'tab\\there\\nnewline'",
    "'\\u2028\\u2029'",
    "'caf\\u00e9 \\u6f22 \\ud83d\\ude00'",
    "'\\ud800'",
    "'x\\udfffy'",
    "'Z41'",
    "'\\u0000nul'",
];

struct Env<'a> {
    /// Parameter names with their argument models, in binding order.
    params: &'a [(String, Z)],
}

impl Env<'_> {
    fn param_where(&self, tape: &mut Tape, want: impl Fn(&Z) -> bool) -> Option<&(String, Z)> {
        let matching: Vec<&(String, Z)> = self.params.iter().filter(|(_, z)| want(z)).collect();
        if matching.is_empty() {
            None
        } else {
            Some(matching[tape.pick(matching.len())])
        }
    }
}

fn expr(tape: &mut Tape, env: &Env, ty: Ty, depth: u32) -> Expr {
    let leaf = depth >= 3;
    match ty {
        Ty::Str => {
            let choice = if leaf { tape.pick(2) } else { tape.pick(15) };
            match choice {
                0 => Expr::new(LITERALS[tape.pick(LITERALS.len())]),
                1 => match env.param_where(tape, |z| matches!(z, Z::Str(..))) {
                    Some((name, _)) => Expr::new(name.clone()),
                    None => Expr::new(LITERALS[tape.pick(LITERALS.len())]),
                },
                2 => {
                    let (a, b) = (
                        expr(tape, env, Ty::Str, depth + 1),
                        expr(tape, env, Ty::Str, depth + 1),
                    );
                    Expr::new(format!("({} + {})", a.code, b.code)).unsafe_if(!a.safe || !b.safe)
                }
                3 => {
                    let (a, b) = (
                        expr(tape, env, Ty::Any, depth + 1),
                        expr(tape, env, Ty::Num, depth + 1),
                    );
                    Expr::new(format!("`<${{{}}}|${{{}}}>`", a.code, b.code))
                        .unsafe_if(!a.safe || !b.safe)
                }
                4 => {
                    let a = expr(tape, env, Ty::Any, depth + 1);
                    Expr::new(format!("String({})", a.code)).unsafe_if(!a.safe)
                }
                5 => match env.param_where(tape, |_| true) {
                    // JSON.stringify throws on a BigInt.
                    Some((name, z)) => {
                        Expr::new(format!("JSON.stringify({name})")).unsafe_if(z.contains_bigint())
                    }
                    None => {
                        let a = expr(tape, env, Ty::Str, depth + 1);
                        Expr::new(format!("JSON.stringify({})", a.code)).unsafe_if(!a.safe)
                    }
                },
                6 => {
                    // Reversing code units splits surrogate pairs into lone surrogates.
                    let a = expr(tape, env, Ty::Str, depth + 1);
                    Expr::new(format!("({}).split('').reverse().join('')", a.code))
                        .unsafe_if(!a.safe)
                }
                7 => {
                    let a = expr(tape, env, Ty::Arr, depth + 1);
                    let sep = ["','", "''", "' | '"][tape.pick(3)];
                    Expr::new(format!("({}).join({sep})", a.code)).unsafe_if(!a.safe)
                }
                8 => {
                    let a = expr(tape, env, Ty::Num, depth + 1);
                    Expr::new(format!("String({})", a.code)).unsafe_if(!a.safe)
                }
                9 => {
                    let a = expr(tape, env, Ty::Str, depth + 1);
                    let method =
                        [".slice(1, 3)", ".toUpperCase()", ".repeat(2)", ".trim()"][tape.pick(4)];
                    Expr::new(format!("{}{method}", a.code)).unsafe_if(!a.safe)
                }
                10 => {
                    let a = expr(tape, env, Ty::Any, depth + 1);
                    Expr::new(format!("(typeof {})", a.code)).unsafe_if(!a.safe)
                }
                11 => {
                    let a = expr(tape, env, Ty::Big, depth + 1);
                    Expr::new(format!("String({})", a.code)).unsafe_if(!a.safe)
                }
                12 => {
                    let c = expr(tape, env, Ty::Bool, depth + 1);
                    let a = expr(tape, env, Ty::Str, depth + 1);
                    let b = expr(tape, env, Ty::Str, depth + 1);
                    Expr::new(format!("({} ? {} : {})", c.code, a.code, b.code))
                        .unsafe_if(!c.safe || !a.safe || !b.safe)
                }
                13 => match env.param_where(tape, |z| matches!(z, Z::Map(..))) {
                    Some((name, Z::Map(entries, _))) => {
                        let key = match entries.first() {
                            Some((k, _)) if tape.pick(2) == 0 => {
                                serde_json::to_string(&strip_markers(k)).unwrap()
                            }
                            _ => "'absent'".to_string(),
                        };
                        Expr::new(format!("String({name}.get({key}))"))
                    }
                    _ => Expr::new("'no map'"),
                },
                _ => {
                    // Anything, called as a string: throws unless it is one.
                    let a = expr(tape, env, Ty::Any, depth + 1);
                    Expr::new(format!("({}).toUpperCase()", a.code)).unsafe_if(true)
                }
            }
        }
        Ty::Num => {
            let choice = if leaf { 0 } else { tape.pick(8) };
            match choice {
                0 => Expr::new(format!("{}", tape.pick(10))),
                1 => {
                    let a = expr(tape, env, Ty::Str, depth + 1);
                    Expr::new(format!("({}).length", a.code)).unsafe_if(!a.safe)
                }
                2 => {
                    let a = expr(tape, env, Ty::Arr, depth + 1);
                    Expr::new(format!("({}).length", a.code)).unsafe_if(!a.safe)
                }
                3 => match env.param_where(tape, |z| matches!(z, Z::Map(..))) {
                    Some((name, _)) => Expr::new(format!("{name}.size")),
                    None => Expr::new("3"),
                },
                4 => Expr::new("Math.floor(Math.random() * 1000)"),
                5 => Expr::new("Date.now()"),
                6 => {
                    let (a, b) = (
                        expr(tape, env, Ty::Num, depth + 1),
                        expr(tape, env, Ty::Num, depth + 1),
                    );
                    Expr::new(format!("({} + {})", a.code, b.code)).unsafe_if(!a.safe || !b.safe)
                }
                _ => {
                    // Anything's length: undefined for most values, a throw for null.
                    let a = expr(tape, env, Ty::Any, depth + 1);
                    Expr::new(format!("({}).length", a.code)).unsafe_if(true)
                }
            }
        }
        Ty::Bool => {
            let choice = if leaf { 0 } else { tape.pick(6) };
            match choice {
                0 => Expr::new(["true", "false"][tape.pick(2)]),
                1 => match env.param_where(tape, |z| matches!(z, Z::Bool(..))) {
                    Some((name, _)) => Expr::new(name.clone()),
                    None => Expr::new("true"),
                },
                2 => {
                    let (a, b) = (
                        expr(tape, env, Ty::Any, depth + 1),
                        expr(tape, env, Ty::Any, depth + 1),
                    );
                    Expr::new(format!("({} === {})", a.code, b.code)).unsafe_if(!a.safe || !b.safe)
                }
                3 => {
                    let a = expr(tape, env, Ty::Bool, depth + 1);
                    Expr::new(format!("(!{})", a.code)).unsafe_if(!a.safe)
                }
                4 => {
                    let (a, b) = (
                        expr(tape, env, Ty::Arr, depth + 1),
                        expr(tape, env, Ty::Any, depth + 1),
                    );
                    Expr::new(format!("({}).includes({})", a.code, b.code))
                        .unsafe_if(!a.safe || !b.safe)
                }
                _ => {
                    let (a, b) = (
                        expr(tape, env, Ty::Num, depth + 1),
                        expr(tape, env, Ty::Num, depth + 1),
                    );
                    Expr::new(format!("({} > {})", a.code, b.code)).unsafe_if(!a.safe || !b.safe)
                }
            }
        }
        Ty::Big => {
            let choice = if leaf { tape.pick(2) } else { tape.pick(8) };
            match choice {
                0 => Expr::new(["0n", "7n", "123456789012345678901234567890n"][tape.pick(3)]),
                1 => match env.param_where(tape, |z| matches!(z, Z::Nat(..) | Z::Int(..))) {
                    Some((name, _)) => Expr::new(name.clone()),
                    None => Expr::new("-5n"),
                },
                2 | 3 => {
                    let (a, b) = (
                        expr(tape, env, Ty::Big, depth + 1),
                        expr(tape, env, Ty::Big, depth + 1),
                    );
                    let op = if choice == 2 { "+" } else { "*" };
                    Expr::new(format!("({} {op} {})", a.code, b.code)).unsafe_if(!a.safe || !b.safe)
                }
                4 => {
                    let a = expr(tape, env, Ty::Big, depth + 1);
                    Expr::new(format!("(-({}))", a.code)).unsafe_if(!a.safe)
                }
                5 => {
                    let a = expr(tape, env, Ty::Num, depth + 1);
                    Expr::new(format!("BigInt({})", a.code)).unsafe_if(!a.safe)
                }
                6 => {
                    // Division by zero throws a RangeError.
                    let (a, b) = (
                        expr(tape, env, Ty::Big, depth + 1),
                        expr(tape, env, Ty::Big, depth + 1),
                    );
                    Expr::new(format!("({} / {})", a.code, b.code)).unsafe_if(true)
                }
                _ => {
                    // Mixing BigInt and number throws a TypeError.
                    let (a, b) = (
                        expr(tape, env, Ty::Big, depth + 1),
                        expr(tape, env, Ty::Num, depth + 1),
                    );
                    Expr::new(format!("({} + {})", a.code, b.code)).unsafe_if(true)
                }
            }
        }
        Ty::Arr => {
            let choice = if leaf { 0 } else { tape.pick(9) };
            match choice {
                0 => match env.param_where(tape, |z| matches!(z, Z::List(..))) {
                    Some((name, _)) => Expr::new(name.clone()),
                    None => Expr::new("[]"),
                },
                1 => {
                    let (a, b) = (
                        expr(tape, env, Ty::Any, depth + 1),
                        expr(tape, env, Ty::Any, depth + 1),
                    );
                    Expr {
                        code: format!("[{}, {}]", a.code, b.code),
                        safe: a.safe && b.safe,
                        ser: a.ser && b.ser,
                        sure: a.sure && b.sure,
                    }
                }
                2 => {
                    let a = expr(tape, env, Ty::Arr, depth + 1);
                    Expr {
                        code: format!("({}).slice(1)", a.code),
                        safe: a.safe,
                        ser: a.ser,
                        sure: a.sure && a.ser,
                    }
                }
                3 => {
                    let a = expr(tape, env, Ty::Arr, depth + 1);
                    Expr::new(format!("({}).map(x => typeof x)", a.code)).unsafe_if(!a.safe)
                }
                4 => {
                    let a = expr(tape, env, Ty::Arr, depth + 1);
                    Expr {
                        code: format!("({}).filter(x => typeof x === 'string')", a.code),
                        safe: a.safe,
                        ser: true,
                        sure: a.sure,
                    }
                }
                5 => {
                    let a = expr(tape, env, Ty::Arr, depth + 1);
                    Expr {
                        code: format!("[...{}].reverse()", a.code),
                        safe: a.safe,
                        ser: a.ser,
                        sure: a.sure,
                    }
                }
                6 => match env.param_where(tape, |z| matches!(z, Z::Map(..))) {
                    Some((name, _)) => Expr::new(format!("Array.from({name}.keys())")),
                    None => Expr::new("['k']"),
                },
                7 => {
                    let a = expr(tape, env, Ty::Str, depth + 1);
                    Expr::new(format!("({}).split('')", a.code)).unsafe_if(!a.safe)
                }
                _ => {
                    // Anything, mapped as an array: throws unless it is one.
                    let a = expr(tape, env, Ty::Any, depth + 1);
                    Expr::new(format!("({}).map(x => String(x))", a.code)).unsafe_if(true)
                }
            }
        }
        Ty::Any => {
            let choice = if leaf { tape.pick(2) } else { tape.pick(12) };
            match choice {
                0 => match env.param_where(tape, |_| true) {
                    Some((name, _)) => Expr::new(name.clone()),
                    None => Expr::new("null"),
                },
                1 => Expr::new("null"),
                2 => expr(tape, env, Ty::Str, depth + 1),
                3 => expr(tape, env, Ty::Bool, depth + 1),
                4 => expr(tape, env, Ty::Big, depth + 1),
                5 => expr(tape, env, Ty::Arr, depth + 1),
                6 => {
                    let (a, b) = (
                        expr(tape, env, Ty::Any, depth + 1),
                        expr(tape, env, Ty::Any, depth + 1),
                    );
                    Expr {
                        code: format!("new ZPair({}, {})", a.code, b.code),
                        safe: a.safe && b.safe,
                        ser: a.ser && b.ser,
                        sure: a.sure && b.sure,
                    }
                }
                7 => {
                    let (k, v) = (
                        expr(tape, env, Ty::Str, depth + 1),
                        expr(tape, env, Ty::Any, depth + 1),
                    );
                    Expr {
                        code: format!("new Map([[{}, {}]])", k.code, v.code),
                        safe: k.safe && v.safe,
                        ser: v.ser,
                        sure: k.sure && v.sure,
                    }
                }
                8 => {
                    let a = expr(tape, env, Ty::Any, depth + 1);
                    Expr {
                        code: format!("({{ Z1K1: 'Z10000', Z10000K1: {} }})", a.code),
                        safe: a.safe,
                        ser: a.ser,
                        sure: a.sure,
                    }
                }
                9 => {
                    let a = expr(tape, env, Ty::Str, depth + 1);
                    Expr::new(format!("({{ Z1K1: 'Z6', Z6K1: {} }})", a.code)).unsafe_if(!a.safe)
                }
                10 => {
                    // An object without Z1K1 cannot be serialised.
                    let a = expr(tape, env, Ty::Any, depth + 1);
                    Expr {
                        code: format!("({{ a: {} }})", a.code),
                        safe: a.safe,
                        ser: false,
                        sure: a.sure,
                    }
                }
                _ => match env.param_where(tape, |z| matches!(z, Z::Pair(..))) {
                    Some((name, _)) => Expr::new(format!("{name}.{}", ["K1", "K2"][tape.pick(2)])),
                    None => Expr::new("undefined").unsafe_if(false).not_ser(),
                },
            }
        }
    }
}

impl Expr {
    fn not_ser(mut self) -> Self {
        self.ser = false;
        self
    }
}

/// What the answer must be, as far as the generator knows.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    /// Anything but an internal error (Z500) or an invalid request (Z561).
    Defined,
    /// Success; the value's type is one of these (any when empty).
    Ok(Vec<&'static str>),
    /// Success with exactly this Z6 text.
    Text(String),
    /// Failure of this type whose message contains this phrase.
    Error(&'static str, String),
}

fn value_types(ty: Ty) -> Vec<&'static str> {
    match ty {
        Ty::Str => vec!["Z6"],
        Ty::Bool => vec!["Z40"],
        Ty::Big => vec!["Z13518", "Z16683"],
        Ty::Arr => vec!["Z881"],
        Ty::Num | Ty::Any => vec![],
    }
}

/// A literal from `LITERALS` as the plain text it denotes, when it has no escapes.
fn literal_text(code: &str) -> Option<String> {
    let inner = code.strip_prefix('\'')?.strip_suffix('\'')?;
    (!inner.contains('\\')).then(|| inner.to_string())
}

/// Builds a community function over `params` from `tape`: its source and its expectation.
fn function(tape_bytes: &[u8], params: &[(String, Z)]) -> (String, Expect) {
    let mut tape = Tape {
        data: tape_bytes,
        at: 0,
    };
    let env = Env { params };
    let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
    let list = names.join(", ");
    let shape = tape.pick(4);
    let mut body = String::new();
    // A console.log first; if its argument may throw, the return is never reached.
    let mut defined_only = false;
    if tape.pick(4) == 1 {
        let logged = expr(&mut tape, &env, Ty::Any, 1);
        body.push_str(&format!("console.log('log:', {});\n  ", logged.code));
        defined_only = !logged.safe;
    }
    let (statement, mut terminal) = match tape.pick(12) {
        0 => {
            let ty = [Ty::Str, Ty::Bool, Ty::Big, Ty::Arr, Ty::Any, Ty::Num][tape.pick(6)];
            let e = expr(&mut tape, &env, ty, 0);
            let expect = match (e.safe, e.ser, ty) {
                (true, _, Ty::Num) => {
                    Expect::Error("Z507", "Could not serialize output JS value".into())
                }
                (true, true, _) => Expect::Ok(value_types(ty)),
                (true, false, _) if e.sure => {
                    Expect::Error("Z507", "Could not serialize output JS value".into())
                }
                (true, false, _) => Expect::Defined,
                (false, ..) => Expect::Defined,
            };
            (format!("return {};", e.code), expect)
        }
        1 => match params.get(tape.pick(params.len().max(1))) {
            Some((name, z)) => {
                let expect = match z {
                    Z::Str(s, _) if !s.contains([LONE_HIGH, LONE_LOW]) => Expect::Text(s.clone()),
                    _ => Expect::Ok(vec![]),
                };
                (format!("return {name};"), expect)
            }
            None => ("return 'none';".to_string(), Expect::Text("none".into())),
        },
        2 => {
            let e = expr(&mut tape, &env, Ty::Str, 0);
            let expect = match (e.safe, literal_text(&e.code)) {
                (true, Some(text)) => Expect::Error("Z507", text),
                (true, None) => Expect::Error("Z507", String::new()),
                (false, _) => Expect::Defined,
            };
            (format!("throw {};", e.code), expect)
        }
        3 => {
            let e = expr(&mut tape, &env, Ty::Str, 0);
            let class = ["Error", "TypeError", "RangeError"][tape.pick(3)];
            let expect = match (e.safe, literal_text(&e.code)) {
                (true, Some(text)) if text.is_empty() => Expect::Error("Z507", class.to_string()),
                (true, Some(text)) => Expect::Error("Z507", format!("{class}: {text}")),
                (true, None) => Expect::Error("Z507", class.to_string()),
                (false, _) => Expect::Defined,
            };
            (format!("throw new {class}({});", e.code), expect)
        }
        4 => (
            ["return 42;", "return 1.5;", "return NaN;", "return -0;"][tape.pick(4)].to_string(),
            Expect::Error("Z507", "Could not serialize output JS value".into()),
        ),
        5 => (
            ["return undefined;", "return;", ""][tape.pick(3)].to_string(),
            Expect::Error("Z507", "Could not serialize output JS value".into()),
        ),
        6 => {
            // Argument order: the types of the arguments as bound.
            let types: Vec<&str> = params.iter().map(|(_, z)| z.js_typeof()).collect();
            (
                format!("return [{list}].map(x => typeof x).join(',');"),
                Expect::Text(types.join(",")),
            )
        }
        7 => match tape.pick(2) {
            0 => (
                "return String(Date.now());".to_string(),
                Expect::Text("1672531200000".into()),
            ),
            _ => (
                "return new Date().toISOString();".to_string(),
                Expect::Text("2023-01-01T00:00:00.000Z".into()),
            ),
        },
        8 => (
            "return String(Math.random()) + ',' + String(Math.random());".to_string(),
            Expect::Ok(vec!["Z6"]),
        ),
        9 => (
            ["throw 42;", "throw null;", "throw {};", "throw undefined;"][tape.pick(4)].to_string(),
            Expect::Error("Z507", String::new()),
        ),
        10 => {
            // Map lookups and sizes.
            let e = expr(&mut tape, &env, Ty::Num, 0);
            let expect = if e.safe {
                Expect::Ok(vec!["Z6"])
            } else {
                Expect::Defined
            };
            (format!("return 'n=' + {};", e.code), expect)
        }
        _ => {
            let e = expr(&mut tape, &env, Ty::Str, 0);
            let expect = if e.safe {
                Expect::Ok(vec!["Z6"])
            } else {
                Expect::Defined
            };
            (format!("return `[${{{}}}]`;", e.code), expect)
        }
    };
    let is_async = shape == 1 || shape == 3;
    if is_async && tape.pick(3) == 1 {
        body.push_str("await null;\n  ");
    }
    body.push_str(&statement);
    let code = match shape {
        0 => format!("function Z1000({list}) {{\n  {body}\n}}"),
        1 => format!("async function Z1000({list}) {{\n  {body}\n}}"),
        2 => format!("const Z1000 = ({list}) => {{\n  {body}\n}};"),
        _ => format!("var Z1000 = async function ({list}) {{\n  {body}\n}};"),
    };
    if defined_only {
        terminal = Expect::Defined;
    }
    (code, terminal)
}

/// One generated request.
#[derive(Clone)]
struct Case {
    /// Key numbers of the arguments (Z1000K<n>), ascending: the binding order.
    keys: Vec<u32>,
    values: Vec<Z>,
    /// The order the keys are written in the request (a rotation, maybe reversed).
    rotate: usize,
    reverse: bool,
    tape: Vec<u8>,
}

impl Case {
    fn params(&self) -> Vec<(String, Z)> {
        self.keys
            .iter()
            .zip(&self.values)
            .map(|(k, z)| (format!("Z1000K{k}"), z.clone()))
            .collect()
    }

    fn build(&self) -> (String, String, Expect) {
        let params = self.params();
        let (code, expect) = function(&self.tape, &params);
        let mut order: Vec<usize> = (0..params.len()).collect();
        if !order.is_empty() {
            let n = self.rotate % order.len();
            order.rotate_left(n);
        }
        if self.reverse {
            order.reverse();
        }
        let mut arguments = Map::new();
        for i in order {
            arguments.insert(params[i].0.clone(), params[i].1.to_json());
        }
        let request = json!({
            "codeString": code,
            "functionName": "Z1000",
            "functionArguments": arguments,
        });
        (code, lone_surrogates(&request.to_string()), expect)
    }
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, request, expect) = self.build();
        write!(
            f,
            "\n--- function ---\n{code}\n--- expected ---\n{expect:?}\n--- request (one line, for `kiln run --deterministic`) ---\n{request}\n"
        )
    }
}

fn strip_markers(text: &str) -> String {
    text.replace([LONE_HIGH, LONE_LOW], "?")
}

/// The request text with the stand-in characters turned into lone-surrogate escapes.
fn lone_surrogates(json: &str) -> String {
    json.replace(LONE_HIGH, "\\ud800")
        .replace(LONE_LOW, "\\udfff")
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::subsequence(vec![1u32, 2, 3, 10, 11, 20], 0..=3),
        prop::collection::vec(zobject(), 3),
        0usize..3,
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..48),
    )
        .prop_map(|(keys, mut values, rotate, reverse, tape)| {
            values.truncate(keys.len());
            Case {
                keys,
                values,
                rotate,
                reverse,
                tape,
            }
        })
}

// --- checking ------------------------------------------------------------------------------

struct Artifacts {
    snapshot: Runner,
    bytecode: Runner,
    plain: Runner,
}

fn load(kind: ArtifactKind) -> Runner {
    Runner::load(
        &cwasm(kind),
        Allocation::Pooling { instances: 2 },
        Limits::default(),
    )
    .unwrap_or_else(|e| panic!("loading the {} artifact: {e}", kind.name()))
    .reproducible(true)
}

fn artifacts_in_process() -> Artifacts {
    Artifacts {
        snapshot: load(ArtifactKind::Snapshot),
        bytecode: load(ArtifactKind::Bytecode),
        plain: load(ArtifactKind::Plain),
    }
}

/// The type a value states in its Z1K1 (a ZID, or the function of a generic type).
fn type_id(value: &Value) -> Option<String> {
    let kind = value.get("Z1K1")?;
    match kind {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            if let Some(id) = o.get("Z9K1").and_then(Value::as_str) {
                return Some(id.to_string());
            }
            match o.get("Z7K1")? {
                Value::String(s) => Some(s.clone()),
                other => other.get("Z9K1")?.as_str().map(str::to_string),
            }
        }
        _ => None,
    }
}

/// The protocol's invariants on one answer, and the generator's expectation.
fn check_answer(answer: &str, expect: &Expect) -> Result<(), String> {
    let value = parse_lenient(answer).map_err(|e| format!("the answer is not JSON ({e})"))?;
    for key in ["Z1K1", "Z22K1", "Z22K2"] {
        if value.get(key).is_none() {
            return Err(format!("the answer has no {key}"));
        }
    }
    if type_id(&json!({"Z1K1": value["Z1K1"].clone()})).as_deref() != Some("Z22") {
        return Err("the answer is not a Z22".into());
    }
    let error = error_of(&value);
    if let Some((zid, message)) = &error {
        if value["Z22K1"] != r("Z24") {
            return Err("a failed answer's Z22K1 is not void".into());
        }
        if ErrorType::from_zid(zid).is_none() {
            return Err(format!("unknown error type {zid}"));
        }
        // These requests are well formed and small: an internal error or a refused request
        // is a bug.
        if zid == "Z500" || zid == "Z561" {
            return Err(format!("{zid} for a well-formed request: {message}"));
        }
    }
    match (expect, &error) {
        (Expect::Defined, _) => Ok(()),
        (Expect::Ok(types), None) => {
            let got = type_id(&value["Z22K1"]).unwrap_or_default();
            if types.is_empty() || types.contains(&got.as_str()) {
                Ok(())
            } else {
                Err(format!("expected a value of type {types:?}, got {got}"))
            }
        }
        (Expect::Text(text), None) => {
            if string_value(&value).as_deref() == Some(text.as_str()) {
                Ok(())
            } else {
                Err(format!("expected the string {text:?}"))
            }
        }
        (Expect::Error(zid, phrase), Some((got, message))) => {
            if got == zid && message.contains(phrase.as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "expected a {zid} error containing {phrase:?}, got {got}: {message:?}"
                ))
            }
        }
        (Expect::Error(zid, _), None) => Err(format!("expected a {zid} error, got a value")),
        (_, Some((zid, message))) => Err(format!("expected success, got {zid}: {message:?}")),
    }
}

fn check_case(artifacts: &Artifacts, case: &Case) -> Result<(), TestCaseError> {
    let (_, request, expect) = case.build();
    let bytes = request.as_bytes();
    let snapshot = artifacts.snapshot.call(bytes).answer;
    let again = artifacts.snapshot.call(bytes).answer;
    let bytecode = artifacts.bytecode.call(bytes).answer;
    let plain = artifacts.plain.call(bytes).answer;
    compare_answers(&snapshot, &again, &bytecode, &plain).map_err(TestCaseError::fail)?;
    check_answer(&snapshot, &expect)
        .map_err(|why| TestCaseError::fail(format!("{why}\nanswer: {snapshot}")))
}

/// The differential: the snapshot's answer twice, and the baselines', byte for byte.
fn compare_answers(snapshot: &str, again: &str, bytecode: &str, plain: &str) -> Result<(), String> {
    if again != snapshot {
        return Err(format!(
            "the snapshot artifact answered differently the second time\nfirst:  {snapshot}\nsecond: {again}"
        ));
    }
    for (name, other) in [("bytecode", bytecode), ("plain", plain)] {
        if other != snapshot {
            return Err(format!(
                "MISMATCH snapshot vs {name}\nsnapshot: {snapshot}\n{name}: {other}"
            ));
        }
    }
    Ok(())
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Runs batches of generated cases (each through proptest's runner, which shrinks a failure)
/// until `cases` have run or `budget` has passed; returns the number of cases run.
fn fuzz(artifacts: &Artifacts, cases: u64, budget: Option<Duration>) -> u64 {
    let started = Instant::now();
    // A fixed seed for the bounded run of `make test` (the same cases on every run, so CI
    // cannot flake); a fresh one for time-budgeted exploration (`make fuzz`).
    let first_seed = env_u64("KILN_FUZZ_SEED").unwrap_or_else(|| match budget {
        None => 0x6b69_6c6e_2026,
        Some(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    });
    let strategy = case();
    let mut done = 0u64;
    let mut batch = 0u64;
    loop {
        let size = match budget {
            Some(_) => 200,
            None => (cases - done).min(1000),
        };
        if size == 0 {
            break;
        }
        let seed = first_seed.wrapping_add(batch);
        let config = Config {
            cases: size as u32,
            failure_persistence: None,
            rng_seed: RngSeed::Fixed(seed),
            max_shrink_iters: 2000,
            max_shrink_time: 120_000,
            ..Config::default()
        };
        eprintln!("fuzz batch {batch}: {size} cases, seed {seed} (replay: KILN_FUZZ_SEED={seed} KILN_FUZZ_CASES={size})");
        let mut runner = TestRunner::new(config);
        match runner.run(&strategy, |case| check_case(artifacts, &case)) {
            Ok(()) => {}
            Err(TestError::Fail(why, minimal)) => panic!(
                "fuzz case failed after {} cases (batch seed {seed}): {why}\nminimal case:{minimal:?}",
                done
            ),
            Err(TestError::Abort(why)) => panic!("fuzzing aborted (batch seed {seed}): {why}"),
        }
        done += size;
        batch += 1;
        if let Some(budget) = budget {
            if started.elapsed() >= budget {
                break;
            }
        }
    }
    eprintln!(
        "fuzz: {done} cases, 0 mismatches, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    done
}

fn generated_requests_get_identical_answers_from_every_artifact() {
    let artifacts = artifacts_in_process();
    let budget = env_u64("KILN_FUZZ_SECONDS").map(Duration::from_secs);
    let cases = env_u64("KILN_FUZZ_CASES").unwrap_or(1000);
    let done = fuzz(&artifacts, cases, budget);
    assert!(done > 0, "no case ran");
}

/// The checks above must be able to fail: a broken answer, a wrong expectation, or an
/// artifact that answers differently are each caught.
fn the_checks_catch_bad_answers() {
    let ok = r#"{"Z1K1":{"Z1K1":"Z9","Z9K1":"Z22"},"Z22K1":{"Z1K1":"Z6","Z6K1":"x\ud800"},"Z22K2":{"Z1K1":"Z9","Z9K1":"Z24"}}"#;
    assert_eq!(check_answer(ok, &Expect::Ok(vec!["Z6"])), Ok(()));
    assert!(check_answer(ok, &Expect::Ok(vec!["Z40"])).is_err());
    assert!(check_answer(ok, &Expect::Text("y".into())).is_err());
    assert!(check_answer(ok, &Expect::Error("Z507", String::new())).is_err());
    assert!(check_answer("{\"Z1K1\":", &Expect::Defined).is_err());
    assert!(check_answer(r#"{"Z1K1":"Z22","Z22K1":"x"}"#, &Expect::Defined).is_err());
    let z500 = kiln_runner::envelope::error_envelope(&kiln_runner::envelope::unspecified("boom"))
        .to_string();
    assert!(check_answer(&z500, &Expect::Defined).is_err());
    let z507 = kiln_runner::envelope::error_envelope(&kiln_runner::envelope::evaluation(
        kiln_runner::envelope::Node::string("f"),
        "Error: no",
    ))
    .to_string();
    assert_eq!(
        check_answer(&z507, &Expect::Error("Z507", "Error: no".into())),
        Ok(())
    );
    let mut unknown: Value = serde_json::from_str(&z507).unwrap();
    let text = unknown.to_string().replace("\"Z507\"", "\"Z570\"");
    unknown = serde_json::from_str(&text).unwrap();
    assert!(check_answer(&unknown.to_string(), &Expect::Defined).is_err());

    // The differential itself: an artifact whose *value* differs is reported, though the rest
    // of the answer is identical. The differing value is real: the same function under live
    // randomness, spliced into the deterministic answer (so no timing metadata can be what
    // differs).
    let deterministic = load(ArtifactKind::Snapshot);
    let live = Runner::load(
        &cwasm(ArtifactKind::Snapshot),
        Allocation::Pooling { instances: 2 },
        Limits::default(),
    )
    .unwrap();
    let request =
        br#"{"codeString":"function f() { return String(Math.random()); }","functionName":"f","functionArguments":{}}"#;
    let fixed = deterministic.call(request);
    let fixed_value = fixed.value_json().expect("a value");
    let live_value = live.call(request).value_json().expect("a value");
    assert_ne!(
        fixed_value, live_value,
        "live randomness gives another value"
    );
    let answer = fixed.answer;
    assert_eq!(compare_answers(&answer, &answer, &answer, &answer), Ok(()));
    let other = answer.replacen(&fixed_value, &live_value, 1);
    assert_ne!(other, answer);
    let why = compare_answers(&answer, &answer, &answer, &other).unwrap_err();
    assert!(why.contains("MISMATCH snapshot vs plain"), "{why}");
    let why = compare_answers(&answer, &other, &answer, &answer).unwrap_err();
    assert!(why.contains("differently the second time"), "{why}");
}

/// Deterministic mode fixes `Math.random` and `Date.now` the same way in every artifact.
fn deterministic_randomness_and_clock_agree_across_artifacts() {
    let artifacts = artifacts_in_process();
    let request = br#"{"codeString":"function f() { return [Math.random(), Math.random(), Date.now(), new Date().toISOString()].join(' '); }","functionName":"f","functionArguments":{}}"#;
    let snapshot = artifacts.snapshot.call(request).answer;
    assert_eq!(snapshot, artifacts.bytecode.call(request).answer);
    assert_eq!(snapshot, artifacts.plain.call(request).answer);
    let value = parse_lenient(&snapshot).unwrap();
    let text = string_value(&value).unwrap();
    assert!(
        text.ends_with(" 1672531200000 2023-01-01T00:00:00.000Z"),
        "{text}"
    );
}

/// Lone surrogates reach the answer's metadata through console output and error messages; the
/// executor writes them as `\udxxx` escapes, which are valid JSON, so the host must pass them
/// through instead of rejecting the executor's answer.
fn lone_surrogates_in_logs_and_errors_survive_the_host() {
    let artifacts = artifacts_in_process();
    let cases: [(&[u8], Expect); 3] = [
        (
            br#"{"codeString":"function f() { console.log('a\\ud800b'); return 'ok'; }","functionName":"f","functionArguments":{}}"#,
            Expect::Text("ok".into()),
        ),
        (
            br#"{"codeString":"function f() { throw 'bad \\udfff'; }","functionName":"f","functionArguments":{}}"#,
            Expect::Error("Z507", "bad ".into()),
        ),
        (
            br#"{"codeString":"function f(x) { throw new Error(x); }","functionName":"f","functionArguments":{"Z1000K1":"\ud83d"}}"#,
            Expect::Error("Z507", "Error: ".into()),
        ),
    ];
    for (request, expect) in cases {
        let answer = artifacts.snapshot.call(request).answer;
        if let Err(why) = check_answer(&answer, &expect) {
            panic!(
                "{why}\nrequest: {}\nanswer: {answer}",
                String::from_utf8_lossy(request)
            );
        }
    }
}

/// This module's trials, named `fuzz::<test>`.
pub fn trials() -> Vec<libtest_mimic::Trial> {
    vec![
        trial(
            "fuzz::generated_requests",
            generated_requests_get_identical_answers_from_every_artifact,
        ),
        trial(
            "fuzz::the_checks_catch_bad_answers",
            the_checks_catch_bad_answers,
        ),
        trial(
            "fuzz::deterministic_randomness_and_clock_agree_across_artifacts",
            deterministic_randomness_and_clock_agree_across_artifacts,
        ),
        trial(
            "fuzz::lone_surrogates_in_logs_and_errors_survive_the_host",
            lone_surrogates_in_logs_and_errors_survive_the_host,
        ),
    ]
}
