//! The generated arguments: the `Z` model of a ZObject argument with the encoding choices
//! made for it (canonical or normal form, bare or wrapped), its request JSON, and the
//! proptest strategies that generate it.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Stand-ins for lone surrogates inside generated argument strings (a Rust string cannot hold
/// one): after serialisation each becomes a `\ud800` / `\udfff` escape in the request JSON.
pub(super) const LONE_HIGH: char = '\u{10FFFD}';
pub(super) const LONE_LOW: char = '\u{10FFFC}';

/// A ZObject argument: the value and the encoding choices made for it.
#[derive(Clone, Debug)]
pub(super) enum Z {
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

/// A Z9 reference in normal form.
pub(super) fn r(zid: &str) -> Value {
    json!({"Z1K1": "Z9", "Z9K1": zid})
}

/// A type by ZID: a Z9 in normal form, else the bare ZID.
fn type_ref(zid: &str, normal: bool) -> Value {
    if normal {
        r(zid)
    } else {
        Value::String(zid.to_string())
    }
}

/// A generic type: the Z7 call of `function` on `args`.
fn generic(function: &str, args: &[Value], normal: bool) -> Value {
    let mut object = Map::new();
    object.insert("Z1K1".into(), type_ref("Z7", normal));
    object.insert("Z7K1".into(), type_ref(function, normal));
    for (i, arg) in args.iter().enumerate() {
        object.insert(format!("{function}K{}", i + 1), arg.clone());
    }
    Value::Object(object)
}

/// Whether a bare string would read as a reference rather than a Z6.
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

    /// The request JSON of this argument, in the encoding chosen for it.
    pub(super) fn to_json(&self) -> Value {
        match self {
            Z::Str(text, canonical) => string_json(text, *canonical),
            Z::Bool(value, form) => boolean_json(*value, *form),
            Z::Null(normal) => json!({"Z1K1": type_ref("Z21", *normal)}),
            Z::Nat(digits, normal) => natural(digits, *normal),
            Z::Int(sign, digits, form) => integer_json(*sign, digits, *form),
            Z::Ref(zid, normal) => {
                let zid = format!("Z{zid}");
                if *normal {
                    r(&zid)
                } else {
                    Value::String(zid)
                }
            }
            Z::List(items, canonical) => list_json(items, *canonical),
            Z::Pair(a, b, normal) => json!({
                "Z1K1": generic("Z882", &[a.type_of(*normal), b.type_of(*normal)], *normal),
                "K1": a.to_json(),
                "K2": b.to_json(),
            }),
            Z::Map(entries, canonical) => map_json(entries, *canonical),
            Z::User(zid, fields, form) => user_json(*zid, fields, *form),
        }
    }

    /// `typeof` of the decoded JavaScript value.
    pub(super) fn js_typeof(&self) -> &'static str {
        match self {
            Z::Str(..) => "string",
            Z::Bool(..) => "boolean",
            Z::Nat(..) | Z::Int(..) => "bigint",
            _ => "object",
        }
    }

    /// Whether `JSON.stringify` of the decoded value meets a BigInt (and throws).
    pub(super) fn contains_bigint(&self) -> bool {
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

/// A Z6: bare when `canonical` and not mistakable for a reference, else a Z6 object.
fn string_json(text: &str, canonical: bool) -> Value {
    if canonical && !looks_like_zid(text) {
        Value::String(text.to_string())
    } else {
        json!({"Z1K1": "Z6", "Z6K1": text})
    }
}

/// A Z40: form 0 a bare Z41/Z42, 1 a canonical object, 2 normal form.
fn boolean_json(value: bool, form: u8) -> Value {
    let zid = if value { "Z41" } else { "Z42" };
    match form {
        0 => Value::String(zid.into()),
        1 => json!({"Z1K1": "Z40", "Z40K1": zid}),
        _ => json!({"Z1K1": r("Z40"), "Z40K1": r(zid)}),
    }
}

/// A Z16683: the sign as a Z16659 (bare, canonical or normal by `form`) and the magnitude
/// as a Z13518 (normal form only when `form` is 2).
fn integer_json(sign: i8, digits: &str, form: u8) -> Value {
    let (sign, digits) = match sign {
        0 => ("Z16661", "0".to_string()),
        s if s > 0 => ("Z16660", digits.to_string()),
        _ => ("Z16662", digits.to_string()),
    };
    let sign_value = match form {
        0 => Value::String(sign.into()),
        1 => json!({"Z1K1": "Z16659", "Z16659K1": sign}),
        _ => json!({"Z1K1": r("Z16659"), "Z16659K1": r(sign)}),
    };
    let normal = form == 2;
    json!({
        "Z1K1": type_ref("Z16683", normal),
        "Z16683K1": sign_value,
        "Z16683K2": natural(&digits, normal),
    })
}

/// A Z881: `[type, ...items]` when `canonical`, else the normal-form K1/K2 chain.
fn list_json(items: &[Z], canonical: bool) -> Value {
    let item_type = element_type(items, !canonical);
    if canonical {
        let mut array = vec![item_type];
        array.extend(items.iter().map(Z::to_json));
        Value::Array(array)
    } else {
        let list_type = generic("Z881", &[item_type], true);
        linked(&list_type, items.iter().map(Z::to_json).collect())
    }
}

/// A Z883 with Z6 keys: a typed list of Z882 pairs, canonical or normal throughout.
fn map_json(entries: &[(String, Z)], canonical: bool) -> Value {
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
            json!({"Z1K1": pair_type.clone(), "K1": Z::Str(k.clone(), canonical).to_json(), "K2": v.to_json()})
        })
        .collect();
    let list = if canonical {
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

/// An object of the user type `Z<zid>`: its type as a bare ZID (form 0), a Z9 (1) or an
/// inline Z4 (2), and its fields under `Z<zid>K1…`.
fn user_json(zid: u32, fields: &[Z], form: u8) -> Value {
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

/// A Z13518 from its decimal digits.
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

/// Argument strings: plain, awkward for JSON and JavaScript (quotes, controls, line
/// separators, combining marks, astral characters, lone-surrogate stand-ins), any printable,
/// ZID-like, or empty.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z ]{0,8}",
        2 => "[a-zA-Z0-9\"'\\\\/\\n\\t\u{0}\u{1}\u{1f}\u{7f}é漢\u{2028}\u{2029}\u{301}\u{1F600}\u{FEFF}\u{10FFFD}\u{10FFFC}]{0,8}",
        1 => "\\PC{0,6}",
        1 => "Z[1-9][0-9]{0,4}(K[0-9])?",
        1 => Just(String::new()),
    ]
}

/// Decimal digits: short, long (beyond 2^64), zero, and with leading zeros.
fn digits() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}",
        "[1-9][0-9]{0,30}",
        Just("0".to_string()),
        Just("007".to_string()),
    ]
}

/// Scalar arguments.
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

/// Arguments: scalars nested up to three levels in lists, pairs, maps and user objects.
pub(super) fn zobject() -> impl Strategy<Value = Z> {
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

/// An argument string with the stand-ins replaced by `?`, for a generated literal.
pub(super) fn strip_markers(text: &str) -> String {
    text.replace([LONE_HIGH, LONE_LOW], "?")
}

/// The request text with the stand-in characters turned into lone-surrogate escapes.
pub(super) fn lone_surrogates(json: &str) -> String {
    json.replace(LONE_HIGH, "\\ud800")
        .replace(LONE_LOW, "\\udfff")
}
