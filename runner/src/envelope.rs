//! The answer envelope (a Z22, whose failures carry a Z5) in normal form: the error types,
//! building error answers on the host side, adding metadata to an answer as text, and reading
//! an answer's value, metadata or error back.
//!
//! Shapes follow the Wikifunctions evaluator: Z22K1 holds the value (void Z24 on failure) and
//! Z22K2 is a typed map (Z883, string → Z1) of metadata whose "errors" key holds a Z5.

use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::sync::LazyLock;

pub use crate::errors::ErrorType;

/// A Z9 reference in normal form.
pub fn reference(zid: &str) -> Value {
    json!({"Z1K1": "Z9", "Z9K1": zid})
}

/// A Z6 string in normal form.
pub fn string(text: &str) -> Value {
    json!({"Z1K1": "Z6", "Z6K1": text})
}

fn generic(constructor: &str, args: &[(&str, Value)]) -> Value {
    let mut object = Map::new();
    object.insert("Z1K1".into(), reference("Z7"));
    object.insert("Z7K1".into(), reference(constructor));
    for (key, value) in args {
        object.insert((*key).into(), value.clone());
    }
    Value::Object(object)
}

fn pair_type() -> Value {
    generic(
        "Z882",
        &[("Z882K1", reference("Z6")), ("Z882K2", reference("Z1"))],
    )
}

fn list_type() -> Value {
    generic("Z881", &[("Z881K1", pair_type())])
}

fn map_type() -> Value {
    generic(
        "Z883",
        &[("Z883K1", reference("Z6")), ("Z883K2", reference("Z1"))],
    )
}

/// A Z883 map (string → Z1) in normal form with the given entries, in order.
pub fn metadata_map(entries: Vec<(String, Value)>) -> Value {
    let mut list = json!({"Z1K1": list_type()});
    for (key, value) in entries.into_iter().rev() {
        list = json!({
            "Z1K1": list_type(),
            "K1": {"Z1K1": pair_type(), "K1": string(&key), "K2": value},
            "K2": list,
        });
    }
    json!({"Z1K1": map_type(), "K1": list})
}

/// A Z5 in normal form: the Value form of [`Node`] (tests and tools; the serving path writes
/// text).
pub fn z5(node: &Node) -> Value {
    node.value()
}

/// The failure envelope of a Z5 (void value, "errors" → the Z5), as a value.
pub fn error_envelope(z5: &Node) -> Value {
    json!({
        "Z1K1": reference("Z22"),
        "Z22K1": reference("Z24"),
        "Z22K2": metadata_map(vec![("errors".into(), z5.value())]),
    })
}

/// The entries of a Z883 map in normal form (canonical arrays are read too).
pub fn map_entries(map: &Value) -> Vec<(String, Value)> {
    let mut entries = Vec::new();
    let mut node = map.get("K1");
    while let Some(list) = node {
        if let Some(items) = list.as_array() {
            // Canonical form: [type, pair, pair, …].
            for pair in items.iter().skip(1) {
                push_pair(&mut entries, pair);
            }
            break;
        }
        match list.get("K1") {
            Some(pair) => push_pair(&mut entries, pair),
            None => break,
        }
        node = list.get("K2");
    }
    entries
}

fn push_pair(entries: &mut Vec<(String, Value)>, pair: &Value) {
    let key = match pair.get("K1") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => match other.get("Z6K1").and_then(Value::as_str) {
            Some(s) => s.to_string(),
            None => return,
        },
        None => return,
    };
    entries.push((key, pair.get("K2").cloned().unwrap_or(Value::Null)));
}

/// The metadata entry `key` of an answer, if any.
pub fn metadata(envelope: &Value, key: &str) -> Option<Value> {
    let map = envelope.get("Z22K2")?;
    map_entries(map)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The error of a failed answer: its Z5K1 type and its human-readable message, rendered by
/// the table's rule ([`crate::errors::render`]).
pub fn error(envelope: &Value) -> Option<(String, String)> {
    map_error(envelope.get("Z22K2")?)
}

/// The error a Z22K2 metadata map carries under "errors": type and rendered message.
pub fn map_error(metadata: &Value) -> Option<(String, String)> {
    map_error_text(&metadata.to_string())
}

/// [`map_error`] of a Z22K2 map given as JSON text. Only the map's list, the error's Z5 and the
/// keys its message template names are parsed, each one level at a time, so a deeply nested
/// quoted call (Z507K1) costs nothing.
pub fn map_error_text(metadata: &str) -> Option<(String, String)> {
    let readable = replace_lone_surrogates(metadata);
    let z5 = raw_entries(&readable)
        .into_iter()
        .find(|(k, _)| k == "errors")
        .map(|(_, v)| v)?;
    let object = raw_object(&z5)?;
    let zid = reference_text(object.get("Z5K1")?)?;
    Some((zid, render_raw(&object, 0)))
}

/// The messages of the entries under "warnings" in a Z22K2 map: type and rendered message.
pub fn warnings(envelope: &Value) -> Vec<(String, String)> {
    let Some(list) = metadata(envelope, "warnings") else {
        return Vec::new();
    };
    list_items(&list)
        .iter()
        .filter_map(|item| {
            let object = raw_object(&item.to_string())?;
            let zid = reference_text(object.get("Z5K1")?)?;
            Some((zid, render_raw(&object, 0)))
        })
        .collect()
}

/// The items of a typed list (Z881) in normal form (canonical arrays are read too).
pub fn list_items(list: &Value) -> Vec<Value> {
    if let Some(items) = list.as_array() {
        return items.iter().skip(1).cloned().collect();
    }
    let mut items = Vec::new();
    let mut node = Some(list);
    while let Some(cell) = node {
        match cell.get("K1") {
            Some(item) => items.push(item.clone()),
            None => break,
        }
        node = cell.get("K2");
    }
    items
}

/// An object's members as raw JSON text, in order.
type RawObject = serde_json::Map<String, Value>;

/// One level of a JSON object: its members, values kept as text (strings stay strings).
fn raw_object(text: &str) -> Option<RawObject> {
    let members: Vec<(String, Box<RawValue>)> = serde_json::from_str::<OrderedRaw>(text).ok()?.0;
    Some(
        members
            .into_iter()
            .map(|(k, v)| (k, Value::String(v.get().to_string())))
            .collect(),
    )
}

/// The members of a JSON object, in order, values as raw text.
struct OrderedRaw(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for OrderedRaw {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = OrderedRaw;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedRaw, A::Error> {
                let mut members = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push((key, value));
                }
                Ok(OrderedRaw(members))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// The members of a JSON object given as text, in order, values as raw text.
pub(crate) fn ordered_members(text: &str) -> Option<Vec<(String, Box<RawValue>)>> {
    serde_json::from_str::<OrderedRaw>(text).ok().map(|o| o.0)
}

/// The raw text a member of a [`RawObject`] holds.
fn member(value: &Value) -> &str {
    value.as_str().unwrap_or("null")
}

/// The ZID a Z9 reference (or a bare string) names.
fn reference_text(value: &Value) -> Option<String> {
    let text = member(value);
    if let Ok(plain) = serde_json::from_str::<String>(text) {
        return Some(plain);
    }
    let object = raw_object(text)?;
    serde_json::from_str::<String>(member(object.get("Z9K1")?)).ok()
}

/// The entries of a Z883 map given as text, values as raw text.
fn raw_entries(map: &str) -> Vec<(String, String)> {
    let mut entries = Vec::new();
    let Some(object) = raw_object(map) else {
        return entries;
    };
    let Some(list) = object.get("K1") else {
        return entries;
    };
    let mut cells: Vec<String> = Vec::new();
    if let Ok(items) = serde_json::from_str::<Vec<Box<RawValue>>>(member(list)) {
        cells.extend(items.iter().skip(1).map(|i| i.get().to_string()));
    } else {
        let mut node = Some(member(list).to_string());
        while let Some(cell) = node.take() {
            let Some(cell) = raw_object(&cell) else { break };
            let Some(pair) = cell.get("K1") else { break };
            cells.push(member(pair).to_string());
            node = cell.get("K2").map(|n| member(n).to_string());
        }
    }
    for pair in cells {
        let Some(pair) = raw_object(&pair) else {
            continue;
        };
        let key = pair.get("K1").and_then(|k| {
            let text = member(k);
            serde_json::from_str::<String>(text).ok().or_else(|| {
                let object = raw_object(text)?;
                serde_json::from_str::<String>(member(object.get("Z6K1")?)).ok()
            })
        });
        if let (Some(key), Some(value)) = (key, pair.get("K2")) {
            entries.push((key, member(value).to_string()));
        }
    }
    entries
}

/// The text a key's value contributes to a message: a Z6 its text, a Z9 its ZID, a Z99 the text
/// of what it quotes, a Z5 its own message; anything else its JSON text.
fn key_text(text: &str, depth: usize) -> String {
    if let Ok(plain) = serde_json::from_str::<String>(text) {
        return plain;
    }
    let Some(object) = raw_object(text) else {
        return text.to_string();
    };
    let kind = object.get("Z1K1").and_then(reference_text);
    match kind.as_deref() {
        Some("Z6") => object
            .get("Z6K1")
            .and_then(|v| serde_json::from_str::<String>(member(v)).ok())
            .unwrap_or_default(),
        Some("Z9") => object
            .get("Z9K1")
            .and_then(|v| serde_json::from_str::<String>(member(v)).ok())
            .unwrap_or_default(),
        Some("Z99") => object
            .get("Z99K1")
            .map(|v| key_text(member(v), depth + 1))
            .unwrap_or_default(),
        Some("Z5") if depth < 16 => render_raw(&object, depth + 1),
        _ => text.to_string(),
    }
}

/// The message of a Z5 (one level parsed), by its type's template. A Z5 of a type the table
/// does not know (the propagated error of a `Wikifunctions.Error`) reads as its ZID, then ": "
/// and the texts of its keys joined by ", " when it has keys; one in the 2023 shape (a Z6
/// Z5K2) reads as the text of its Z5K2.
fn render_raw(z5: &RawObject, depth: usize) -> String {
    let zid = z5.get("Z5K1").and_then(reference_text).unwrap_or_default();
    let instance = z5.get("Z5K2").map(member).unwrap_or("null");
    if crate::errors::entry(&zid).is_none() && !zid.is_empty() {
        if let Some(object) = raw_object(instance) {
            let is_string = object.get("Z1K1").and_then(reference_text).as_deref() == Some("Z6");
            if !is_string {
                let prefix = format!("{zid}K");
                let texts: Vec<String> = object
                    .iter()
                    .filter(|(key, _)| key.starts_with(&prefix))
                    .map(|(_, value)| key_text(member(value), depth))
                    .collect();
                return if texts.is_empty() {
                    zid
                } else {
                    format!("{zid}: {}", texts.join(", "))
                };
            }
        }
    }
    let keys = raw_object(instance).filter(|o| o.keys().any(|k| k.starts_with(&zid)));
    match keys {
        Some(keys) => crate::errors::render(&zid, &mut |key: &str| {
            keys.get(key).map(|v| key_text(member(v), depth))
        })
        .unwrap_or_else(|| key_text(instance, depth)),
        None => key_text(instance, depth),
    }
}

/// The string value of a successful answer whose Z22K1 is a Z6.
pub fn string_value(envelope: &Value) -> Option<&str> {
    match envelope.get("Z22K1")? {
        Value::String(s) => Some(s),
        other => other.get("Z6K1")?.as_str(),
    }
}

/// The normal-form type objects of a metadata map, as JSON text, made once from the same
/// builders as [`metadata_map`] so the text and value forms cannot drift apart.
struct TypeTexts {
    map: String,
    list: String,
    pair: String,
}

static TYPE_TEXTS: LazyLock<TypeTexts> = LazyLock::new(|| TypeTexts {
    map: map_type().to_string(),
    list: list_type().to_string(),
    pair: pair_type().to_string(),
});

/// The text of void (Z24).
pub const VOID_TEXT: &str = r#"{"Z1K1":"Z9","Z9K1":"Z24"}"#;

/// A JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// A ZObject on its way to text: raw JSON text, or an object whose members are nodes, in order.
/// Everything the host writes into an answer is a node, so there is one writer of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// JSON text, written as is.
    Raw(String),
    /// An object's members, in order.
    Object(Vec<(String, Node)>),
}

impl Node {
    /// A Z9 reference.
    pub fn reference(zid: &str) -> Node {
        Node::Raw(format!(r#"{{"Z1K1":"Z9","Z9K1":{}}}"#, quoted(zid)))
    }

    /// A Z6 string.
    pub fn string(text: &str) -> Node {
        Node::Raw(format!(r#"{{"Z1K1":"Z6","Z6K1":{}}}"#, quoted(text)))
    }

    /// A Z99 quoting `node`.
    pub fn quote(node: Node) -> Node {
        Node::Object(vec![
            ("Z1K1".into(), Node::reference("Z99")),
            ("Z99K1".into(), node),
        ])
    }

    /// A Z5 of `error_type` with the values of its keys, in the table's order.
    pub fn z5(error_type: ErrorType, values: Vec<Node>) -> Node {
        let zid = error_type.zid();
        let mut instance = vec![(
            "Z1K1".to_string(),
            Node::Raw(generic_text("Z885", &[("Z885K1", &Node::reference(zid))])),
        )];
        debug_assert_eq!(error_type.keys().count(), values.len(), "{zid}");
        instance.extend(error_type.keys().map(str::to_string).zip(values));
        Node::Object(vec![
            ("Z1K1".into(), Node::reference("Z5")),
            ("Z5K1".into(), Node::reference(zid)),
            ("Z5K2".into(), Node::Object(instance)),
        ])
    }

    /// A typed list (Z881) of `item_type` in normal form.
    pub fn list(item_type: &str, items: Vec<Node>) -> Node {
        let kind = Node::Raw(generic_text(
            "Z881",
            &[("Z881K1", &Node::reference(item_type))],
        ));
        let mut list = Node::Object(vec![("Z1K1".into(), kind.clone())]);
        for item in items.into_iter().rev() {
            list = Node::Object(vec![
                ("Z1K1".into(), kind.clone()),
                ("K1".into(), item),
                ("K2".into(), list),
            ]);
        }
        list
    }

    /// The node as JSON text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Node::Raw(text) => out.push_str(text),
            Node::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&quoted(key));
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    /// The node as a JSON value (tests and tools).
    pub fn value(&self) -> Value {
        let text = self.text();
        let mut deserializer = serde_json::Deserializer::from_str(&text);
        deserializer.disable_recursion_limit();
        serde::Deserialize::deserialize(&mut deserializer).unwrap_or(Value::Null)
    }

    /// The rendered message of a Z5 node (the table's rule, as readers apply it).
    pub fn message(&self) -> String {
        raw_object(&self.text())
            .map(|o| render_raw(&o, 0))
            .unwrap_or_default()
    }
}

fn generic_text(constructor: &str, args: &[(&str, &Node)]) -> String {
    let mut members = vec![
        ("Z1K1".to_string(), Node::reference("Z7")),
        ("Z7K1".to_string(), Node::reference(constructor)),
    ];
    members.extend(args.iter().map(|(k, v)| (k.to_string(), (*v).clone())));
    Node::Object(members).text()
}

/// Z500: an internal fault with `message`; also the propagated error inside Z507 and Z502.
pub fn unspecified(message: &str) -> Node {
    Node::z5(ErrorType::Unspecified, vec![Node::string(message)])
}

/// Z507: an error in evaluation of `call` (the quoted call, see [`quoted_call`]), `message`
/// carried by a Z500.
pub fn evaluation(call: Node, message: &str) -> Node {
    Node::z5(
        ErrorType::Evaluation,
        vec![Node::quote(call), unspecified(message)],
    )
}

/// Z561 of a request that is not well formed (Z502 of Z500 carrying `message`).
pub fn invalid_request(message: &str) -> Node {
    let not_well_formed = Node::z5(
        ErrorType::NotWellFormed,
        vec![Node::reference("Z500"), unspecified(message)],
    );
    Node::z5(ErrorType::InvalidRequest, vec![not_well_formed])
}

/// Z575: the time limit, `limit` as "N ms".
pub fn time_limit(limit: &str) -> Node {
    Node::z5(ErrorType::TimeLimit, vec![Node::string(limit)])
}

/// Z582: the fuel budget.
pub fn fuel_limit(budget: u64) -> Node {
    Node::z5(
        ErrorType::FuelLimit,
        vec![Node::string(&budget.to_string())],
    )
}

/// Z573: a recursion limit (`limit` names it) reached in `function`.
pub fn recursion_limit(limit: &str, function: &str) -> Node {
    Node::z5(
        ErrorType::RecursionLimit,
        vec![Node::string(limit), Node::string(function)],
    )
}

/// Z560: a result that cannot be returned, described (not quoted) by `description`.
pub fn invalid_result(description: &str) -> Node {
    Node::z5(
        ErrorType::InvalidEvaluationResult,
        vec![Node::quote(Node::string(description))],
    )
}

/// A warning of `warning_type` whose two keys are the texts `used` and `limit`.
pub fn warning(warning_type: ErrorType, first: &str, second: &str) -> Node {
    Node::z5(
        warning_type,
        vec![Node::string(first), Node::string(second)],
    )
}

/// Whether `name` is a ZID (a Z9 reference rather than a Z6 name).
fn is_zid(name: &str) -> bool {
    name.len() > 1
        && name.starts_with('Z')
        && name[1..].bytes().all(|b| b.is_ascii_digit())
        && !name[1..].starts_with('0')
}

/// The call of a request, quoted as the executor quotes it in Z507K1, and its function name:
/// a Z7 request as given; an executor request as a Z7 whose Z7K1 is `functionName` (a Z9 when
/// it is a ZID, else a Z6) followed by the `functionArguments` members as given. A request that
/// cannot be read is quoted as a Z6 of its first 256 characters.
pub fn quoted_call(request: &[u8]) -> (Node, String) {
    let text = String::from_utf8_lossy(request);
    let text = replace_lone_surrogates(&text);
    let fallback = || {
        let cut: String = text.chars().take(256).collect();
        (Node::string(&cut), "the function".to_string())
    };
    let Some(members) = ordered_members(&text) else {
        return fallback();
    };
    let get = |key: &str| members.iter().find(|(k, _)| k == key).map(|(_, v)| v.get());
    if get("Z1K1").is_some() {
        let name = get("Z7K1")
            .and_then(|n| reference_text(&Value::String(n.to_string())))
            .or_else(|| {
                let object = raw_object(get("Z7K1")?)?;
                key_text(member(object.get("Z8K5")?), 0).into()
            })
            .unwrap_or_else(|| "the function".to_string());
        return (Node::Raw(text.trim().to_string()), name);
    }
    let Some(name) = get("functionName").and_then(|n| serde_json::from_str::<String>(n).ok())
    else {
        return fallback();
    };
    let callee = if is_zid(&name) {
        Node::reference(&name)
    } else {
        Node::string(&name)
    };
    let mut call = vec![
        ("Z1K1".to_string(), Node::reference("Z7")),
        ("Z7K1".to_string(), callee),
    ];
    if let Some(arguments) = get("functionArguments").and_then(ordered_members) {
        call.extend(
            arguments
                .into_iter()
                .map(|(k, v)| (k, Node::Raw(v.get().to_string()))),
        );
    }
    (Node::Object(call), name)
}

/// Z22K2 as text: `entries` first, then the entries of `existing`, the raw `K1` list of a map
/// already in normal form. Void when both are empty. Built as text, without a JSON tree: this
/// runs on every call.
pub fn metadata_text(entries: &[(&str, Node)], existing: Option<&str>) -> String {
    let types = &*TYPE_TEXTS;
    if entries.is_empty() {
        return match existing {
            Some(list) => format!(r#"{{"Z1K1":{},"K1":{list}}}"#, types.map),
            None => VOID_TEXT.to_string(),
        };
    }
    let mut text = String::with_capacity(256 * (entries.len() + 1));
    let _ = write!(text, r#"{{"Z1K1":{},"K1":"#, types.map);
    for (key, value) in entries {
        let _ = write!(
            text,
            r#"{{"Z1K1":{},"K1":{{"Z1K1":{},"K1":{{"Z1K1":"Z6","Z6K1":{}}},"K2":"#,
            types.list,
            types.pair,
            quoted(key),
        );
        value.write(&mut text);
        text.push_str(r#"},"K2":"#);
    }
    match existing {
        Some(list) => text.push_str(list),
        None => {
            let _ = write!(text, r#"{{"Z1K1":{}}}"#, types.list);
        }
    }
    for _ in 0..entries.len() {
        text.push('}');
    }
    text.push('}');
    text
}

/// JSON text with every `\\u` escape of a lone surrogate (valid JSON, but no Rust string
/// can hold it) replaced by `\\ufffd`; escaped pairs and everything else stay as they are.
pub fn replace_lone_surrogates(json: &str) -> std::borrow::Cow<'_, str> {
    repair_lone_surrogates(json).0
}

/// [`replace_lone_surrogates`], with how many were replaced.
pub fn repair_lone_surrogates(json: &str) -> (std::borrow::Cow<'_, str>, usize) {
    fn escape_at(bytes: &[u8], at: usize) -> Option<u16> {
        let digits = bytes.get(at + 2..at + 6)?;
        if bytes.get(at..at + 2)? != b"\\u" {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    }
    let bytes = json.as_bytes();
    let mut out: Option<String> = None;
    let mut replaced = 0;
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            at += 1;
            continue;
        }
        let Some(unit) = escape_at(bytes, at) else {
            // Any other escape: skip it whole, so `\\\\u…` is not read as `\\u…`.
            at += 2;
            continue;
        };
        let lone = match unit {
            0xd800..=0xdbff => match escape_at(bytes, at + 6) {
                Some(0xdc00..=0xdfff) => {
                    at += 12;
                    continue;
                }
                _ => true,
            },
            0xdc00..=0xdfff => true,
            _ => false,
        };
        if lone {
            let text = out.get_or_insert_with(|| String::with_capacity(json.len()));
            text.push_str(&json[copied..at]);
            text.push_str("\\ufffd");
            copied = at + 6;
            replaced += 1;
        }
        at += 6;
    }
    match out {
        None => (std::borrow::Cow::Borrowed(json), 0),
        Some(mut text) => {
            text.push_str(&json[copied..]);
            (std::borrow::Cow::Owned(text), replaced)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{map_error_text, replace_lone_surrogates};

    fn errors_map(z5: &str) -> String {
        format!(r#"{{"Z1K1":"Z883","K1":["Z882",{{"Z1K1":"Z882","K1":"errors","K2":{z5}}}]}}"#)
    }

    #[test]
    fn a_type_outside_the_table_reads_as_its_zid_and_key_texts() {
        let inner = r#"{"Z1K1":"Z5","Z5K1":"Z30001","Z5K2":{"Z1K1":"Z30001",
            "Z30001K1":{"Z1K1":"Z6","Z6K1":"month 13"},"Z30001K2":"Z16683"}}"#;
        let z507 = format!(
            r#"{{"Z1K1":"Z5","Z5K1":"Z507","Z5K2":{{"Z1K1":"Z507","Z507K1":"call",
                "Z507K2":{inner}}}}}"#
        );
        assert_eq!(
            map_error_text(&errors_map(&z507)),
            Some(("Z507".to_string(), "Z30001: month 13, Z16683".to_string()))
        );
        let bare = r#"{"Z1K1":"Z5","Z5K1":"Z30001","Z5K2":{"Z1K1":"Z30001"}}"#;
        assert_eq!(
            map_error_text(&errors_map(bare)),
            Some(("Z30001".to_string(), "Z30001".to_string()))
        );
        let old_shape = r#"{"Z1K1":"Z5","Z5K1":"Z30001","Z5K2":{"Z1K1":"Z6","Z6K1":"text"}}"#;
        assert_eq!(
            map_error_text(&errors_map(old_shape)).map(|(_, m)| m),
            Some("text".to_string())
        );
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let cases = [
            (r#""a\ud800b""#, r#""a\ufffdb""#),
            (r#""\udfff""#, r#""\ufffd""#),
            (r#""\ud83d\ude00""#, r#""\ud83d\ude00""#),
            (r#""\ud83d\u0041""#, r#""\ufffd\u0041""#),
            (r#""\\ud800""#, r#""\\ud800""#),
            (r#""\\\ud800""#, r#""\\\ufffd""#),
            (r#""plain \n text""#, r#""plain \n text""#),
            (r#""\ud800"#, r#""\ufffd"#),
        ];
        for (input, expected) in cases {
            assert_eq!(replace_lone_surrogates(input), expected, "{input}");
        }
        let fixed = replace_lone_surrogates(r#"{"k":"x\udc00y"}"#);
        let value: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(value["k"], "x\u{fffd}y");
    }
}
