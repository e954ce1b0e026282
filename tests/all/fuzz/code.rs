//! The generated community functions: a tape of choices, read in order, builds a small
//! JavaScript function over the arguments (typed expressions, console output, returns and
//! throws, sync and async shapes), together with the generator's model of its answer.
//!
//! The order in which choices are read from the tape is part of the generator's contract: a
//! seed replays the same functions only while it stays the same.

use super::arguments::{strip_markers, LONE_HIGH, LONE_LOW, Z};

/// The choices a function is built from, consumed in order; a missing choice is 0, and
/// choice 0 is always the simplest option, so shrinking the tape simplifies the function.
struct Tape<'a> {
    data: &'a [u8],
    at: usize,
}

impl Tape<'_> {
    /// The next choice among `n` options.
    fn pick(&mut self, n: usize) -> usize {
        let value = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        value as usize % n
    }
}

/// The JavaScript type an expression is generated for.
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
    /// An expression that cannot throw and whose value can be serialised.
    fn new(code: impl Into<String>) -> Self {
        Expr {
            code: code.into(),
            safe: true,
            ser: true,
            sure: true,
        }
    }

    /// The same expression, marked as possibly throwing when `cond` holds.
    fn unsafe_if(mut self, cond: bool) -> Self {
        self.safe &= !cond;
        self
    }

    /// The same expression, marked as having a value that cannot be serialised.
    fn not_ser(mut self) -> Self {
        self.ser = false;
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

/// What a generated expression can refer to.
struct Env<'a> {
    /// Parameter names with their argument models, in binding order.
    params: &'a [(String, Z)],
}

impl Env<'_> {
    /// One of the parameters whose argument satisfies `want` (a choice is read only when
    /// there is at least one).
    fn param_where(&self, tape: &mut Tape, want: impl Fn(&Z) -> bool) -> Option<&(String, Z)> {
        let matching: Vec<&(String, Z)> = self.params.iter().filter(|(_, z)| want(z)).collect();
        if matching.is_empty() {
            None
        } else {
            Some(matching[tape.pick(matching.len())])
        }
    }
}

// --- expressions ---------------------------------------------------------------------------

/// From this depth on, expressions are leaves (or nearly: a string or bigint leaf may still
/// pick a parameter).
const LEAF_DEPTH: u32 = 3;

/// An expression of type `ty` at `depth`.
fn expr(tape: &mut Tape, env: &Env, ty: Ty, depth: u32) -> Expr {
    match ty {
        Ty::Str => string_expr(tape, env, depth),
        Ty::Num => number_expr(tape, env, depth),
        Ty::Bool => boolean_expr(tape, env, depth),
        Ty::Big => bigint_expr(tape, env, depth),
        Ty::Arr => array_expr(tape, env, depth),
        Ty::Any => any_expr(tape, env, depth),
    }
}

/// An operation on one operand of type `ty` one level deeper, written by `op`; it can throw
/// when the operand can.
fn unary(tape: &mut Tape, env: &Env, ty: Ty, depth: u32, op: impl FnOnce(&str) -> String) -> Expr {
    let a = expr(tape, env, ty, depth + 1);
    Expr::new(op(&a.code)).unsafe_if(!a.safe)
}

/// An operation on two operands of types `ta` and `tb` one level deeper (generated in that
/// order), written by `op`; it can throw when either operand can.
fn binary(
    tape: &mut Tape,
    env: &Env,
    (ta, tb): (Ty, Ty),
    depth: u32,
    op: impl FnOnce(&str, &str) -> String,
) -> Expr {
    let a = expr(tape, env, ta, depth + 1);
    let b = expr(tape, env, tb, depth + 1);
    Expr::new(op(&a.code, &b.code)).unsafe_if(!a.safe || !b.safe)
}

/// A container of two values of any type one level deeper, written by `op`: it throws, or
/// cannot be serialised, when either value does.
fn container_of_two(
    tape: &mut Tape,
    env: &Env,
    depth: u32,
    op: impl FnOnce(&str, &str) -> String,
) -> Expr {
    let a = expr(tape, env, Ty::Any, depth + 1);
    let b = expr(tape, env, Ty::Any, depth + 1);
    Expr {
        code: op(&a.code, &b.code),
        safe: a.safe && b.safe,
        ser: a.ser && b.ser,
        sure: a.sure && b.sure,
    }
}

/// One of `LITERALS`.
fn literal(tape: &mut Tape) -> Expr {
    Expr::new(LITERALS[tape.pick(LITERALS.len())])
}

/// A string-valued expression.
fn string_expr(tape: &mut Tape, env: &Env, depth: u32) -> Expr {
    let choice = if depth >= LEAF_DEPTH {
        tape.pick(2)
    } else {
        tape.pick(15)
    };
    match choice {
        0 => literal(tape),
        1 => match env.param_where(tape, |z| matches!(z, Z::Str(..))) {
            Some((name, _)) => Expr::new(name.clone()),
            None => literal(tape),
        },
        2 => binary(tape, env, (Ty::Str, Ty::Str), depth, |a, b| {
            format!("({a} + {b})")
        }),
        3 => binary(tape, env, (Ty::Any, Ty::Num), depth, |a, b| {
            format!("`<${{{a}}}|${{{b}}}>`")
        }),
        4 => unary(tape, env, Ty::Any, depth, |a| format!("String({a})")),
        5 => json_stringify(tape, env, depth),
        // Reversing code units splits surrogate pairs into lone surrogates.
        6 => unary(tape, env, Ty::Str, depth, |a| {
            format!("({a}).split('').reverse().join('')")
        }),
        7 => {
            let a = expr(tape, env, Ty::Arr, depth + 1);
            let sep = ["','", "''", "' | '"][tape.pick(3)];
            Expr::new(format!("({}).join({sep})", a.code)).unsafe_if(!a.safe)
        }
        8 => unary(tape, env, Ty::Num, depth, |a| format!("String({a})")),
        9 => {
            let a = expr(tape, env, Ty::Str, depth + 1);
            let method = [".slice(1, 3)", ".toUpperCase()", ".repeat(2)", ".trim()"][tape.pick(4)];
            Expr::new(format!("{}{method}", a.code)).unsafe_if(!a.safe)
        }
        10 => unary(tape, env, Ty::Any, depth, |a| format!("(typeof {a})")),
        11 => unary(tape, env, Ty::Big, depth, |a| format!("String({a})")),
        12 => {
            let c = expr(tape, env, Ty::Bool, depth + 1);
            let a = expr(tape, env, Ty::Str, depth + 1);
            let b = expr(tape, env, Ty::Str, depth + 1);
            Expr::new(format!("({} ? {} : {})", c.code, a.code, b.code))
                .unsafe_if(!c.safe || !a.safe || !b.safe)
        }
        13 => map_get(tape, env),
        // Anything, called as a string: throws unless it is one.
        _ => unary(tape, env, Ty::Any, depth, |a| {
            format!("({a}).toUpperCase()")
        })
        .unsafe_if(true),
    }
}

/// `JSON.stringify` of a parameter (which throws on a BigInt inside), else of a string.
fn json_stringify(tape: &mut Tape, env: &Env, depth: u32) -> Expr {
    match env.param_where(tape, |_| true) {
        Some((name, z)) => {
            Expr::new(format!("JSON.stringify({name})")).unsafe_if(z.contains_bigint())
        }
        None => unary(tape, env, Ty::Str, depth, |a| {
            format!("JSON.stringify({a})")
        }),
    }
}

/// A map parameter's value at its first key (or at an absent key), as a string.
fn map_get(tape: &mut Tape, env: &Env) -> Expr {
    match env.param_where(tape, |z| matches!(z, Z::Map(..))) {
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
    }
}

/// A number-valued expression (a number is not a ZObject: returned, it cannot be serialised).
fn number_expr(tape: &mut Tape, env: &Env, depth: u32) -> Expr {
    let choice = if depth >= LEAF_DEPTH { 0 } else { tape.pick(8) };
    match choice {
        0 => Expr::new(format!("{}", tape.pick(10))),
        1 => unary(tape, env, Ty::Str, depth, |a| format!("({a}).length")),
        2 => unary(tape, env, Ty::Arr, depth, |a| format!("({a}).length")),
        3 => match env.param_where(tape, |z| matches!(z, Z::Map(..))) {
            Some((name, _)) => Expr::new(format!("{name}.size")),
            None => Expr::new("3"),
        },
        4 => Expr::new("Math.floor(Math.random() * 1000)"),
        5 => Expr::new("Date.now()"),
        6 => binary(tape, env, (Ty::Num, Ty::Num), depth, |a, b| {
            format!("({a} + {b})")
        }),
        // Anything's length: undefined for most values, a throw for null.
        _ => unary(tape, env, Ty::Any, depth, |a| format!("({a}).length")).unsafe_if(true),
    }
}

/// A boolean-valued expression.
fn boolean_expr(tape: &mut Tape, env: &Env, depth: u32) -> Expr {
    let choice = if depth >= LEAF_DEPTH { 0 } else { tape.pick(6) };
    match choice {
        0 => Expr::new(["true", "false"][tape.pick(2)]),
        1 => match env.param_where(tape, |z| matches!(z, Z::Bool(..))) {
            Some((name, _)) => Expr::new(name.clone()),
            None => Expr::new("true"),
        },
        2 => binary(tape, env, (Ty::Any, Ty::Any), depth, |a, b| {
            format!("({a} === {b})")
        }),
        3 => unary(tape, env, Ty::Bool, depth, |a| format!("(!{a})")),
        4 => binary(tape, env, (Ty::Arr, Ty::Any), depth, |a, b| {
            format!("({a}).includes({b})")
        }),
        _ => binary(tape, env, (Ty::Num, Ty::Num), depth, |a, b| {
            format!("({a} > {b})")
        }),
    }
}

/// A BigInt-valued expression.
fn bigint_expr(tape: &mut Tape, env: &Env, depth: u32) -> Expr {
    let choice = if depth >= LEAF_DEPTH {
        tape.pick(2)
    } else {
        tape.pick(8)
    };
    match choice {
        0 => Expr::new(["0n", "7n", "123456789012345678901234567890n"][tape.pick(3)]),
        1 => match env.param_where(tape, |z| matches!(z, Z::Nat(..) | Z::Int(..))) {
            Some((name, _)) => Expr::new(name.clone()),
            None => Expr::new("-5n"),
        },
        2 => binary(tape, env, (Ty::Big, Ty::Big), depth, |a, b| {
            format!("({a} + {b})")
        }),
        3 => binary(tape, env, (Ty::Big, Ty::Big), depth, |a, b| {
            format!("({a} * {b})")
        }),
        4 => unary(tape, env, Ty::Big, depth, |a| format!("(-({a}))")),
        5 => unary(tape, env, Ty::Num, depth, |a| format!("BigInt({a})")),
        // Division by zero throws a RangeError.
        6 => binary(tape, env, (Ty::Big, Ty::Big), depth, |a, b| {
            format!("({a} / {b})")
        })
        .unsafe_if(true),
        // Mixing BigInt and number throws a TypeError.
        _ => binary(tape, env, (Ty::Big, Ty::Num), depth, |a, b| {
            format!("({a} + {b})")
        })
        .unsafe_if(true),
    }
}

/// An array-valued expression.
fn array_expr(tape: &mut Tape, env: &Env, depth: u32) -> Expr {
    let choice = if depth >= LEAF_DEPTH { 0 } else { tape.pick(9) };
    match choice {
        0 => match env.param_where(tape, |z| matches!(z, Z::List(..))) {
            Some((name, _)) => Expr::new(name.clone()),
            None => Expr::new("[]"),
        },
        1 => container_of_two(tape, env, depth, |a, b| format!("[{a}, {b}]")),
        2 => {
            let a = expr(tape, env, Ty::Arr, depth + 1);
            Expr {
                code: format!("({}).slice(1)", a.code),
                sure: a.sure && a.ser,
                ..a
            }
        }
        3 => unary(tape, env, Ty::Arr, depth, |a| {
            format!("({a}).map(x => typeof x)")
        }),
        4 => {
            let a = expr(tape, env, Ty::Arr, depth + 1);
            Expr {
                code: format!("({}).filter(x => typeof x === 'string')", a.code),
                ser: true,
                ..a
            }
        }
        5 => {
            let a = expr(tape, env, Ty::Arr, depth + 1);
            Expr {
                code: format!("[...{}].reverse()", a.code),
                ..a
            }
        }
        6 => match env.param_where(tape, |z| matches!(z, Z::Map(..))) {
            Some((name, _)) => Expr::new(format!("Array.from({name}.keys())")),
            None => Expr::new("['k']"),
        },
        7 => unary(tape, env, Ty::Str, depth, |a| format!("({a}).split('')")),
        // Anything, mapped as an array: throws unless it is one.
        _ => unary(tape, env, Ty::Any, depth, |a| {
            format!("({a}).map(x => String(x))")
        })
        .unsafe_if(true),
    }
}

/// An expression of any type, including ZObjects built in JavaScript.
fn any_expr(tape: &mut Tape, env: &Env, depth: u32) -> Expr {
    let choice = if depth >= LEAF_DEPTH {
        tape.pick(2)
    } else {
        tape.pick(12)
    };
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
        6 => container_of_two(tape, env, depth, |a, b| format!("new ZPair({a}, {b})")),
        7 => {
            let k = expr(tape, env, Ty::Str, depth + 1);
            let v = expr(tape, env, Ty::Any, depth + 1);
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
                ..a
            }
        }
        9 => unary(tape, env, Ty::Str, depth, |a| {
            format!("({{ Z1K1: 'Z6', Z6K1: {a} }})")
        }),
        // An object without Z1K1 cannot be serialised.
        10 => {
            let a = expr(tape, env, Ty::Any, depth + 1);
            Expr {
                code: format!("({{ a: {} }})", a.code),
                ser: false,
                ..a
            }
        }
        _ => match env.param_where(tape, |z| matches!(z, Z::Pair(..))) {
            Some((name, _)) => Expr::new(format!("{name}.{}", ["K1", "K2"][tape.pick(2)])),
            None => Expr::new("undefined").not_ser(),
        },
    }
}

// --- functions -----------------------------------------------------------------------------

/// What the answer must be, as far as the generator knows.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Expect {
    /// Anything but an internal error (Z500) or an invalid request (Z561).
    Defined,
    /// Success; the value's type is one of these (any when empty).
    Ok(Vec<&'static str>),
    /// Success with exactly this Z6 text.
    Text(String),
    /// Failure of this type whose message contains this phrase.
    Error(&'static str, String),
}

/// The executor's error for a returned value that is not a ZObject.
fn unserializable() -> Expect {
    Expect::Error("Z507", "Could not serialize output JS value".into())
}

/// A string answer when `e` cannot throw, else anything defined.
fn string_unless_throws(e: &Expr) -> Expect {
    if e.safe {
        Expect::Ok(vec!["Z6"])
    } else {
        Expect::Defined
    }
}

/// The ZObject types a value of `ty` is answered as (any when empty).
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
pub(super) fn function(tape_bytes: &[u8], params: &[(String, Z)]) -> (String, Expect) {
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
    let (statement, terminal) = final_statement(&mut tape, &env, &list);
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
    let expect = if defined_only {
        Expect::Defined
    } else {
        terminal
    };
    (code, expect)
}

/// The statement that ends the function (a return or a throw; `list` is the parameter list),
/// and what it answers.
fn final_statement(tape: &mut Tape, env: &Env, list: &str) -> (String, Expect) {
    match tape.pick(12) {
        0 => return_typed(tape, env),
        1 => return_parameter(tape, env.params),
        2 => throw_string(tape, env),
        3 => throw_error(tape, env),
        4 => (
            ["return 42;", "return 1.5;", "return NaN;", "return -0;"][tape.pick(4)].to_string(),
            unserializable(),
        ),
        5 => (
            ["return undefined;", "return;", ""][tape.pick(3)].to_string(),
            unserializable(),
        ),
        6 => {
            // Argument order: the types of the arguments as bound.
            let types: Vec<&str> = env.params.iter().map(|(_, z)| z.js_typeof()).collect();
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
            let e = expr(tape, env, Ty::Num, 0);
            let expect = string_unless_throws(&e);
            (format!("return 'n=' + {};", e.code), expect)
        }
        _ => {
            let e = expr(tape, env, Ty::Str, 0);
            let expect = string_unless_throws(&e);
            (format!("return `[${{{}}}]`;", e.code), expect)
        }
    }
}

/// `return` of an expression of a chosen type: a value of that type, or the serialisation
/// error for a number or a value known not to be a ZObject.
fn return_typed(tape: &mut Tape, env: &Env) -> (String, Expect) {
    let ty = [Ty::Str, Ty::Bool, Ty::Big, Ty::Arr, Ty::Any, Ty::Num][tape.pick(6)];
    let e = expr(tape, env, ty, 0);
    let expect = match (e.safe, e.ser, ty) {
        (true, _, Ty::Num) => unserializable(),
        (true, true, _) => Expect::Ok(value_types(ty)),
        (true, false, _) if e.sure => unserializable(),
        (true, false, _) => Expect::Defined,
        (false, ..) => Expect::Defined,
    };
    (format!("return {};", e.code), expect)
}

/// `return` of a parameter unchanged: its own text for a string without lone surrogates.
fn return_parameter(tape: &mut Tape, params: &[(String, Z)]) -> (String, Expect) {
    match params.get(tape.pick(params.len().max(1))) {
        Some((name, z)) => {
            let expect = match z {
                Z::Str(s, _) if !s.contains([LONE_HIGH, LONE_LOW]) => Expect::Text(s.clone()),
                _ => Expect::Ok(vec![]),
            };
            (format!("return {name};"), expect)
        }
        None => ("return 'none';".to_string(), Expect::Text("none".into())),
    }
}

/// `throw` of a string: a Z507 whose message contains a plain literal's text.
fn throw_string(tape: &mut Tape, env: &Env) -> (String, Expect) {
    let e = expr(tape, env, Ty::Str, 0);
    let expect = match (e.safe, literal_text(&e.code)) {
        (true, Some(text)) => Expect::Error("Z507", text),
        (true, None) => Expect::Error("Z507", String::new()),
        (false, _) => Expect::Defined,
    };
    (format!("throw {};", e.code), expect)
}

/// `throw` of an Error (or a subclass) with a string message: a Z507 naming the class.
fn throw_error(tape: &mut Tape, env: &Env) -> (String, Expect) {
    let e = expr(tape, env, Ty::Str, 0);
    let class = ["Error", "TypeError", "RangeError"][tape.pick(3)];
    let expect = match (e.safe, literal_text(&e.code)) {
        (true, Some(text)) if text.is_empty() => Expect::Error("Z507", class.to_string()),
        (true, Some(text)) => Expect::Error("Z507", format!("{class}: {text}")),
        (true, None) => Expect::Error("Z507", class.to_string()),
        (false, _) => Expect::Defined,
    };
    (format!("throw new {class}({});", e.code), expect)
}
